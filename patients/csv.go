// Package patients is chartscan's view of the hospital's master patient
// index (MPI): the index read from a CSV export or asked over FHIR, and
// the rules that check a document's patient against it (Check).
package patients

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"chartscan"
)

// CSVHeader is the header a patient index CSV starts with. Other columns
// may follow; they are ignored.
var CSVHeader = []string{"mrn", "family_name", "given_name", "dob"}

// CSV is a patient index read from a CSV file (the header CSVHeader, dob
// as YYYY-MM-DD or empty), as registration systems export it. The file is
// read again when it changes: at most every CheckEvery, a lookup looks
// at the file's size and time (a stat, nothing more) and reloads it when
// they moved. A file that does not load (half written, a bad row) leaves
// the index as it was, and the problem is logged — by line number, never
// with the patient's data. CSV is safe for concurrent use; each lookup
// answers from one whole version of the file.
type CSV struct {
	path string
	log  *slog.Logger
	// CheckEvery is how often the file is looked at; 0 means 2s. Set it
	// before the first lookup.
	CheckEvery time.Duration

	cur atomic.Pointer[table]

	lastCheck atomic.Int64 // unix nanoseconds of the last look at the file
	mu        sync.Mutex   // serialises looks and reloads
	stamp     fileStamp    // of the file last tried, loaded or not
}

// fileStamp is what tells that a file changed.
type fileStamp struct {
	size int64
	mod  time.Time
}

// table is one loaded version of the index.
type table struct {
	byMRN    map[string]*chartscan.Patient
	byFamily map[string][]*chartscan.Patient
	byGiven  map[string][]*chartscan.Patient
	byDOB    map[string][]*chartscan.Patient
}

// OpenCSV reads the patient index at path. A file that cannot be read or
// is malformed is an EINVALID error naming the line. log receives reload
// problems; nil discards them.
func OpenCSV(path string, log *slog.Logger) (*CSV, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &CSV{path: path, log: log}
	st, err := os.Stat(path)
	if err != nil {
		return nil, chartscan.WrapError(chartscan.EINVALID, err, "patient index %s cannot be read", path)
	}
	t, err := loadCSV(path)
	if err != nil {
		return nil, err
	}
	c.cur.Store(t)
	c.stamp = fileStamp{st.Size(), st.ModTime()}
	c.lastCheck.Store(time.Now().UnixNano())
	return c, nil
}

// Len returns the number of patients in the index.
func (c *CSV) Len() int { return len(c.table().byMRN) }

// Patient implements chartscan.PatientIndex.
func (c *CSV) Patient(ctx context.Context, mrn string) (*chartscan.Patient, error) {
	p := c.table().byMRN[mrnKey(mrn)]
	if p == nil {
		return nil, chartscan.Errorf(chartscan.ENOTFOUND, "no patient with that MRN")
	}
	cp := *p
	return &cp, nil
}

// FindPatients implements chartscan.PatientIndex: every patient whose
// family name, given name and date of birth equal those set in q (names
// by NameKey).
func (c *CSV) FindPatients(ctx context.Context, q chartscan.PatientQuery) ([]chartscan.Patient, error) {
	fam, giv := NameKey(q.FamilyName), NameKey(q.GivenName)
	if fam == "" && giv == "" && q.DOB == "" {
		return nil, chartscan.Errorf(chartscan.EINVALID, "a patient search needs a name or a date of birth")
	}
	t := c.table()
	// Start from the smallest list the query selects.
	var from []*chartscan.Patient
	first := true
	pickList := func(l []*chartscan.Patient) {
		if first || len(l) < len(from) {
			from, first = l, false
		}
	}
	if fam != "" {
		pickList(t.byFamily[fam])
	}
	if giv != "" {
		pickList(t.byGiven[giv])
	}
	if q.DOB != "" {
		pickList(t.byDOB[q.DOB])
	}
	out := []chartscan.Patient{}
	for _, p := range from {
		if (fam == "" || NameKey(p.FamilyName) == fam) && (giv == "" || NameKey(p.GivenName) == giv) && (q.DOB == "" || p.DOB == q.DOB) {
			out = append(out, *p)
		}
	}
	return out, nil
}

// table returns the current version, reloading the file first when it is
// time to look and it changed.
func (c *CSV) table() *table {
	every := c.CheckEvery
	if every <= 0 {
		every = 2 * time.Second
	}
	if time.Now().UnixNano()-c.lastCheck.Load() < int64(every) {
		return c.cur.Load()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Now().UnixNano()-c.lastCheck.Load() < int64(every) {
		return c.cur.Load() // another lookup just looked
	}
	c.lastCheck.Store(time.Now().UnixNano())
	st, err := os.Stat(c.path)
	if err != nil {
		if c.stamp != (fileStamp{}) {
			c.log.Warn("patient index file cannot be read; keeping the last one loaded", "reason", errKind(err))
			c.stamp = fileStamp{}
		}
		return c.cur.Load()
	}
	s := fileStamp{st.Size(), st.ModTime()}
	if s == c.stamp {
		return c.cur.Load()
	}
	c.stamp = s
	t, err := loadCSV(c.path)
	if err == nil {
		// A file still being written changes while it is read: take it
		// at the next look, once it holds still.
		if st2, err2 := os.Stat(c.path); err2 != nil || st2.Size() != s.size || !st2.ModTime().Equal(s.mod) {
			c.stamp = fileStamp{}
			return c.cur.Load()
		}
		if len(t.byMRN) == 0 && len(c.cur.Load().byMRN) > 0 {
			err = chartscan.Errorf(chartscan.EINVALID, "the file holds no patients")
		}
	}
	if err != nil {
		c.log.Warn("patient index file not reloaded; keeping the last one loaded", "reason", chartscan.ErrorMessage(err))
		return c.cur.Load()
	}
	c.cur.Store(t)
	c.log.Info("patient index reloaded", "patients", len(t.byMRN))
	return t
}

// errKind names a file error without its path.
func errKind(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "file not found"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	}
	return "cannot read"
}

// mrnKey is the form MRNs are looked up in: as printed, upper case,
// without spaces.
func mrnKey(mrn string) string { return strings.ToUpper(strings.TrimSpace(mrn)) }

// loadCSV reads a patient index file. Errors are EINVALID and name the
// line, never its content.
func loadCSV(path string) (*table, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, chartscan.WrapError(chartscan.EINVALID, err, "patient index cannot be read (%s)", errKind(err))
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a spreadsheet's byte-order mark
	r := csv.NewReader(bytes.NewReader(b))
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, chartscan.Errorf(chartscan.EINVALID, "patient index: no header line (want %s)", strings.Join(CSVHeader, ","))
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, h := range CSVHeader {
		if _, ok := col[h]; !ok {
			return nil, chartscan.Errorf(chartscan.EINVALID, "patient index: header has no %q column (want %s)", h, strings.Join(CSVHeader, ","))
		}
	}
	r.FieldsPerRecord = len(head)
	t := &table{
		byMRN: map[string]*chartscan.Patient{}, byFamily: map[string][]*chartscan.Patient{},
		byGiven: map[string][]*chartscan.Patient{}, byDOB: map[string][]*chartscan.Patient{},
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, chartscan.Errorf(chartscan.EINVALID, "patient index line %d: malformed CSV row", line)
		}
		p := &chartscan.Patient{
			MRN:        mrnKey(rec[col["mrn"]]),
			FamilyName: strings.TrimSpace(rec[col["family_name"]]),
			GivenName:  strings.TrimSpace(rec[col["given_name"]]),
			DOB:        strings.TrimSpace(rec[col["dob"]]),
		}
		switch {
		case p.MRN == "" && p.FamilyName == "" && p.GivenName == "" && p.DOB == "":
			continue // an empty row
		case p.MRN == "":
			return nil, chartscan.Errorf(chartscan.EINVALID, "patient index line %d: no MRN", line)
		case p.DOB != "" && !validDate(p.DOB):
			return nil, chartscan.Errorf(chartscan.EINVALID, "patient index line %d: dob is not a date YYYY-MM-DD", line)
		case t.byMRN[p.MRN] != nil:
			return nil, chartscan.Errorf(chartscan.EINVALID, "patient index line %d: MRN already on an earlier line", line)
		}
		t.byMRN[p.MRN] = p
		if k := NameKey(p.FamilyName); k != "" {
			t.byFamily[k] = append(t.byFamily[k], p)
		}
		if k := NameKey(p.GivenName); k != "" {
			t.byGiven[k] = append(t.byGiven[k], p)
		}
		if p.DOB != "" {
			t.byDOB[p.DOB] = append(t.byDOB[p.DOB], p)
		}
	}
	return t, nil
}

func validDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// WriteCSV writes patients as a patient index file, header first.
func WriteCSV(w io.Writer, ps []chartscan.Patient) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, p := range ps {
		if err := cw.Write([]string{p.MRN, p.FamilyName, p.GivenName, p.DOB}); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write patient index: %w", err)
	}
	return nil
}
