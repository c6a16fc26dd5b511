package migrate

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"chartscan"
	"chartscan/internal/safefile"
)

// Counts are what the pipeline made of a file that went through it.
type Counts struct {
	Scanned, Content, Blank, Documents int
}

// CountStatus returns the status of a file that went through the pipeline
// with scanned pages where expected were expected: ok when they are
// equal, short or extra with the reason otherwise.
func CountStatus(expected, scanned int) (status, reason string) {
	switch {
	case scanned < expected:
		return StatusShort, fmt.Sprintf("%s fewer than expected (%d of %d)", pages(expected-scanned), scanned, expected)
	case scanned > expected:
		return StatusExtra, fmt.Sprintf("%s more than expected (%d, expected %d)", pages(scanned-expected), scanned, expected)
	}
	return StatusOK, ""
}

func pages(n int) string {
	if n == 1 {
		return "1 page"
	}
	return fmt.Sprintf("%d pages", n)
}

// ReportRow is one row of the reconciliation.
type ReportRow struct {
	Line          int               `json:"line"`
	Path          string            `json:"path"`
	Box           string            `json:"box"`
	ExpectedPages int               `json:"expected_pages"`
	ScannedPages  int               `json:"scanned_pages"`
	ContentPages  int               `json:"content_pages"`
	BlankPages    int               `json:"blank_pages"`
	Documents     int               `json:"documents"`
	Status        string            `json:"status"`
	Reason        string            `json:"reason"`
	BatchID       chartscan.BatchID `json:"batch_id"`
}

// Total is the reconciliation of a box, or of the whole migration.
type Total struct {
	Box           string `json:"box,omitempty"`
	Rows          int    `json:"rows"`
	ExpectedPages int    `json:"expected_pages"`
	ScannedPages  int    `json:"scanned_pages"`
	ContentPages  int    `json:"content_pages"`
	BlankPages    int    `json:"blank_pages"`
	Documents     int    `json:"documents"`
	// Status is ok when every row is; otherwise the gravest status of
	// its rows, in the order missing, failed, short, extra.
	Status string `json:"status"`
	// Reason counts the rows by status, "3 rows: 2 ok, 1 missing".
	Reason string `json:"reason"`
	// ByStatus counts the rows of each status, every status present.
	ByStatus map[string]int `json:"by_status"`
}

// Report is a migration's reconciliation: every manifest row once, in
// the manifest's order, each box's totals in the order boxes first
// appear, and the totals of all.
type Report struct {
	Name           string      `json:"name"`
	Manifest       string      `json:"manifest"`
	ManifestSHA256 string      `json:"manifest_sha256"`
	Profile        string      `json:"profile"`
	StartedAt      time.Time   `json:"started_at"`
	DoneAt         time.Time   `json:"done_at"`
	Seconds        float64     `json:"seconds"`
	PagesRead      int         `json:"pages_read"`
	OK             bool        `json:"ok"`
	Rows           []ReportRow `json:"rows"`
	Boxes          []Total     `json:"boxes"`
	Totals         Total       `json:"totals"`
}

// Reconcile builds the reconciliation of the manifest's rows from their
// records. A row without a final record is an error: reconcile once every
// row is done. Rows whose files have the same content (one batch) are
// told so in their reasons: the pages were stored once.
func Reconcile(run Run, m *Manifest, recs map[int]*RowState, doneAt time.Time) (*Report, error) {
	rep := &Report{
		Name: run.Name, Manifest: run.Manifest, ManifestSHA256: run.ManifestSHA256, Profile: run.Profile,
		StartedAt: run.StartedAt, DoneAt: doneAt.UTC(), Seconds: run.Seconds, PagesRead: run.PagesRead, OK: true,
	}
	firstLine := map[chartscan.BatchID]int{}
	boxes := map[string]*Total{}
	var order []string
	rep.Totals = newTotal("")
	for _, row := range m.Rows {
		rec := recs[row.Line]
		if !rec.Final() {
			return nil, fmt.Errorf("migrate: row at line %d is not done", row.Line)
		}
		rr := ReportRow{
			Line: row.Line, Path: row.Path, Box: row.Box, ExpectedPages: row.ExpectedPages,
			ScannedPages: rec.ScannedPages, ContentPages: rec.ContentPages, BlankPages: rec.BlankPages,
			Documents: rec.Documents, Status: rec.Status, Reason: rec.Reason, BatchID: rec.BatchID,
		}
		if rec.BatchID != "" && rec.Status != StatusMissing {
			if first, dup := firstLine[rec.BatchID]; dup {
				rr.Reason = joinReasons(rr.Reason, fmt.Sprintf("the same file as line %d (stored once)", first))
			} else {
				firstLine[rec.BatchID] = row.Line
			}
		}
		if rr.Status != StatusOK {
			rep.OK = false
		}
		rep.Rows = append(rep.Rows, rr)
		b := boxes[row.Box]
		if b == nil {
			t := newTotal(row.Box)
			b = &t
			boxes[row.Box] = b
			order = append(order, row.Box)
		}
		b.add(rr)
		rep.Totals.add(rr)
	}
	for _, name := range order {
		b := boxes[name]
		b.finish()
		rep.Boxes = append(rep.Boxes, *b)
	}
	rep.Totals.finish()
	return rep, nil
}

func newTotal(box string) Total {
	t := Total{Box: box, ByStatus: map[string]int{}}
	for _, s := range Statuses {
		t.ByStatus[s] = 0
	}
	return t
}

func (t *Total) add(r ReportRow) {
	t.Rows++
	t.ExpectedPages += r.ExpectedPages
	t.ScannedPages += r.ScannedPages
	t.ContentPages += r.ContentPages
	t.BlankPages += r.BlankPages
	t.Documents += r.Documents
	t.ByStatus[r.Status]++
}

// gravity orders the statuses a total takes when not every row is ok.
var gravity = []string{StatusMissing, StatusFailed, StatusShort, StatusExtra}

func (t *Total) finish() {
	t.Status = StatusOK
	for _, s := range gravity {
		if t.ByStatus[s] > 0 {
			t.Status = s
			break
		}
	}
	var parts []string
	for _, s := range Statuses {
		if n := t.ByStatus[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	rows := "rows"
	if t.Rows == 1 {
		rows = "row"
	}
	t.Reason = fmt.Sprintf("%d %s: %s", t.Rows, rows, strings.Join(parts, ", "))
}

func joinReasons(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// JoinReasons joins the reasons that are not empty with "; ".
func JoinReasons(rs ...string) string {
	out := ""
	for _, r := range rs {
		out = joinReasons(out, r)
	}
	return out
}

// CSVHeader is the header of reconciliation.csv.
var CSVHeader = []string{"path", "box", "expected_pages", "scanned_pages", "content_pages", "blank_pages", "documents", "status", "reason", "batch_id"}

// CSV returns the reconciliation as CSV: the header, one line per row in
// the manifest's order, then one line per box with its totals (an empty
// path; the reason counts its rows by status), and last the totals of all
// (an empty path and box).
func (r *Report) CSV() ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(CSVHeader)
	for _, row := range r.Rows {
		w.Write([]string{row.Path, row.Box, itoa(row.ExpectedPages), itoa(row.ScannedPages), itoa(row.ContentPages),
			itoa(row.BlankPages), itoa(row.Documents), row.Status, row.Reason, string(row.BatchID)})
	}
	total := func(t Total, reason string) {
		w.Write([]string{"", t.Box, itoa(t.ExpectedPages), itoa(t.ScannedPages), itoa(t.ContentPages),
			itoa(t.BlankPages), itoa(t.Documents), t.Status, reason, ""})
	}
	for _, b := range r.Boxes {
		total(b, "box total: "+b.Reason)
	}
	total(r.Totals, "all boxes: "+r.Totals.Reason)
	w.Flush()
	return buf.Bytes(), w.Error()
}

func itoa(n int) string { return strconv.Itoa(n) }

// Files returns the paths of the reconciliation's CSV and JSON in the
// migration's folder dir.
func Files(dir string) (csvPath, jsonPath string) {
	return filepath.Join(dir, "reconciliation.csv"), filepath.Join(dir, "reconciliation.json")
}

// Write stores the reconciliation as reconciliation.csv and
// reconciliation.json in the migration's folder dir, each atomically.
func (r *Report) Write(dir string) error {
	b, err := r.CSV()
	if err != nil {
		return err
	}
	csvPath, jsonPath := Files(dir)
	if err := safefile.WriteFile(csvPath, b, 0o640); err != nil {
		return err
	}
	return safefile.WriteJSON(jsonPath, r, 0o640)
}
