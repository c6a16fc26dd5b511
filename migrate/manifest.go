// Package migrate keeps the books of a backfile migration: the manifest a
// scanning vendor delivers with its boxes (which file, in which box, how
// many pages), the state of a migration run in the data folder (which rows
// are done, so that a run killed and started again resumes where it was
// and does nothing twice), and the reconciliation of what was expected
// against what was captured, per file and per box, as CSV and JSON.
//
// It does not read scans: `chartscan migrate` runs the ingest pipeline over
// the rows and records each row's outcome here.
package migrate

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"chartscan"
)

// Manifest columns. The first three are required, the patient columns
// optional; their order is free.
const (
	ColPath          = "path"
	ColBox           = "box"
	ColExpectedPages = "expected_pages"
	ColMRN           = "mrn"
	ColPatientName   = "patient_name"
	ColDOB           = "dob"
)

var (
	requiredColumns = []string{ColPath, ColBox, ColExpectedPages}
	optionalColumns = []string{ColMRN, ColPatientName, ColDOB}
)

// Row is one file of a manifest.
type Row struct {
	// Line is the row's line in the manifest (the header is line 1); it
	// names the row in the state and in errors.
	Line int
	// Path is the file as the manifest gives it; File is where it is read
	// from: Path itself when absolute, else Path under the manifest's
	// folder.
	Path, File string
	Box        string
	// ExpectedPages is the number of page images the file should hold:
	// every side the vendor scanned, blank backs and cover or separator
	// sheets included.
	ExpectedPages int
	// The vendor's index of the file, each "" when not given: MRN,
	// PatientName as LAST^FIRST, DOB as YYYY-MM-DD.
	MRN, PatientName, DOB string
}

// Manifest is a parsed manifest file.
type Manifest struct {
	// Path is the manifest file, absolute.
	Path string
	// SHA256 is the hex SHA-256 of its bytes: a migration is tied to one
	// manifest, and a different one under the same name is refused.
	SHA256 string
	// Rows are in the manifest's order; Lines are unique.
	Rows []Row
}

// ExpectedPages returns the sum of the rows' expected pages.
func (m *Manifest) ExpectedPages() int {
	n := 0
	for _, r := range m.Rows {
		n += r.ExpectedPages
	}
	return n
}

// ReadManifest reads and parses the manifest at path. Relative paths in
// it are taken under the manifest's folder. Every error is EINVALID, one
// line naming the manifest line at fault and never its content (paths can
// carry patients' names).
func ReadManifest(path string) (*Manifest, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(abs)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, chartscan.WrapError(chartscan.EINVALID, err, "manifest cannot be read (%v)", err)
	}
	rows, err := ParseManifest(bytes.NewReader(b), filepath.Dir(abs))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	return &Manifest{Path: abs, SHA256: hex.EncodeToString(sum[:]), Rows: rows}, nil
}

// ParseManifest parses a manifest: a CSV file (comma-separated, optionally
// quoted, UTF-8 with or without a byte-order mark) whose header names the
// columns path, box and expected_pages, and optionally mrn, patient_name
// and dob, in any order and any case. Rows whose fields are all empty
// are ignored. Relative paths are resolved under dir.
//
// A manifest is refused whole, with the line of its first fault: a
// missing, unknown or repeated column, a malformed CSV line, a row with
// another number of fields than the header, an empty path or box, an
// expected_pages that is not a whole number of at least 1, a path already
// on an earlier line (after resolving it), a dob that is not YYYY-MM-DD,
// or no row at all.
func ParseManifest(r io.Reader, dir string) ([]Row, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a spreadsheet's byte-order mark
	cr := csv.NewReader(bytes.NewReader(b))
	cr.TrimLeadingSpace = true
	cr.FieldsPerRecord = -1 // checked below, with a clearer message
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, invalid(1, "no header line (want %s)", wantHeader())
	}
	if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case h == "":
			return nil, invalid(1, "column %d has no name", i+1)
		case !known(h):
			return nil, invalid(1, "unknown column %q (want %s)", h, wantHeader())
		}
		if _, dup := col[h]; dup {
			return nil, invalid(1, "column %q appears twice", h)
		}
		col[h] = i
	}
	for _, h := range requiredColumns {
		if _, ok := col[h]; !ok {
			return nil, invalid(1, "no %q column (want %s)", h, wantHeader())
		}
	}
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var rows []Row
	seen := map[string]int{} // resolved path -> line
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(rec) != len(head) {
			return nil, invalid(line, "%d fields, the header has %d", len(rec), len(head))
		}
		row := Row{
			Line: line, Path: field(rec, ColPath), Box: field(rec, ColBox),
			MRN: field(rec, ColMRN), PatientName: patientName(field(rec, ColPatientName)), DOB: field(rec, ColDOB),
		}
		switch {
		case row.Path == "":
			return nil, invalid(line, "empty path")
		case row.Box == "":
			return nil, invalid(line, "empty box")
		}
		n, err := strconv.Atoi(field(rec, ColExpectedPages))
		if err != nil || n < 1 {
			return nil, invalid(line, "expected_pages is not a whole number of at least 1")
		}
		row.ExpectedPages = n
		if row.DOB != "" {
			if _, err := time.Parse("2006-01-02", row.DOB); err != nil {
				return nil, invalid(line, "dob is not a date YYYY-MM-DD")
			}
		}
		row.File = filepath.Clean(row.Path)
		if !filepath.IsAbs(row.File) {
			row.File = filepath.Join(dir, row.File)
		}
		if first, dup := seen[row.File]; dup {
			return nil, invalid(line, "the same path as line %d", first)
		}
		seen[row.File] = line
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, chartscan.Errorf(chartscan.EINVALID, "manifest has no rows")
	}
	return rows, nil
}

func invalid(line int, format string, args ...any) error {
	return chartscan.Errorf(chartscan.EINVALID, "manifest line %d: %s", line, fmt.Sprintf(format, args...))
}

// csvError turns a CSV syntax error into a one-line error with its line.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return invalid(pe.Line, "malformed CSV (%v)", pe.Err)
	}
	return chartscan.WrapError(chartscan.EINVALID, err, "manifest cannot be read")
}

func known(h string) bool {
	for _, c := range append(requiredColumns[:len(requiredColumns):len(requiredColumns)], optionalColumns...) {
		if h == c {
			return true
		}
	}
	return false
}

func wantHeader() string {
	return strings.Join(requiredColumns, ",") + " and optionally " + strings.Join(optionalColumns, ",")
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// patientName returns a name as documents carry it, LAST^FIRST: a
// manifest may give it so, or as "Last, First".
func patientName(s string) string {
	if s == "" || strings.Contains(s, "^") {
		return s
	}
	if last, first, ok := strings.Cut(s, ","); ok {
		return strings.TrimSpace(last) + "^" + strings.TrimSpace(first)
	}
	return s
}
