package migrate_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartscan/migrate"
)

func TestCountStatus(t *testing.T) {
	for _, tc := range []struct {
		expected, scanned int
		status, reason    string
	}{
		{10, 10, "ok", ""},
		{10, 9, "short", "1 page fewer than expected (9 of 10)"},
		{10, 7, "short", "3 pages fewer than expected (7 of 10)"},
		{10, 11, "extra", "1 page more than expected (11, expected 10)"},
		{1, 0, "short", "1 page fewer than expected (0 of 1)"},
	} {
		s, r := migrate.CountStatus(tc.expected, tc.scanned)
		if s != tc.status || r != tc.reason {
			t.Errorf("CountStatus(%d, %d) = %q, %q; want %q, %q", tc.expected, tc.scanned, s, r, tc.status, tc.reason)
		}
	}
}

// The reconciliation: every row once in the manifest's order, the totals
// of each box and of all, the same in CSV and JSON.
func TestReconcile(t *testing.T) {
	dir := t.TempDir()
	man := filepath.Join(dir, "m.csv")
	os.WriteFile(man, []byte("path,box,expected_pages\n"+
		"a.pdf,B1,4\n"+
		"b.pdf,B1,3\n"+
		"c.pdf,B2,5\n"+
		"d.pdf,B2,2\n"+
		"e.pdf,B3,1\n"+
		"copy-of-a.pdf,B3,4\n"+
		"f.pdf,B1,2\n"), 0o644)
	m, err := migrate.ReadManifest(man)
	if err != nil {
		t.Fatal(err)
	}
	recs := map[int]*migrate.RowState{
		2: {Line: 2, Status: "ok", BatchID: "aaaaaaaaaaaaaaaa", ScannedPages: 4, ContentPages: 3, BlankPages: 1, Documents: 2},
		3: {Line: 3, Status: "short", BatchID: "bbbbbbbbbbbbbbbb", ScannedPages: 2, ContentPages: 2, Documents: 1, Reason: "1 page fewer than expected (2 of 3)"},
		4: {Line: 4, Status: "extra", BatchID: "cccccccccccccccc", ScannedPages: 6, ContentPages: 5, BlankPages: 1, Documents: 3, Reason: "1 page more than expected (6, expected 5)"},
		5: {Line: 5, Status: "missing", Reason: "file not found"},
		6: {Line: 6, Status: "failed", BatchID: "eeeeeeeeeeeeeeee", Reason: "PDF is damaged"},
		7: {Line: 7, Status: "ok", BatchID: "aaaaaaaaaaaaaaaa", ScannedPages: 4, ContentPages: 3, BlankPages: 1, Documents: 2},
	}
	run := migrate.Run{Name: "m", Manifest: m.Path, ManifestSHA256: m.SHA256, Profile: "default", StartedAt: time.Now().Add(-time.Hour)}
	if _, err := migrate.Reconcile(run, m, recs, time.Now()); err == nil {
		t.Fatal("reconciled with a row not done")
	}
	recs[8] = &migrate.RowState{Line: 8, Status: "in_progress"}
	if _, err := migrate.Reconcile(run, m, recs, time.Now()); err == nil {
		t.Fatal("reconciled with a row in progress")
	}
	recs[8] = &migrate.RowState{Line: 8, Status: "ok", BatchID: "ffffffffffffffff", ScannedPages: 2, ContentPages: 2, Documents: 1}
	rep, err := migrate.Reconcile(run, m, recs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK {
		t.Fatal("a reconciliation with rows not ok says ok")
	}
	if len(rep.Rows) != 7 || rep.Rows[0].Path != "a.pdf" || rep.Rows[6].Path != "f.pdf" || rep.Rows[3].Status != "missing" {
		t.Fatalf("rows = %+v", rep.Rows)
	}
	if r := rep.Rows[5]; r.Status != "ok" || r.Reason != "the same file as line 2 (stored once)" {
		t.Fatalf("the copy's row = %+v", r)
	}
	b1, b2, b3 := rep.Boxes[0], rep.Boxes[1], rep.Boxes[2]
	if len(rep.Boxes) != 3 || b1.Box != "B1" || b2.Box != "B2" || b3.Box != "B3" {
		t.Fatalf("boxes = %+v", rep.Boxes)
	}
	if b1.Rows != 3 || b1.ExpectedPages != 9 || b1.ScannedPages != 8 || b1.ContentPages != 7 || b1.BlankPages != 1 || b1.Documents != 4 ||
		b1.Status != "short" || b1.Reason != "3 rows: 2 ok, 1 short" || b1.ByStatus["ok"] != 2 || b1.ByStatus["missing"] != 0 {
		t.Fatalf("box B1 = %+v", b1)
	}
	if b2.Status != "missing" || b2.Reason != "2 rows: 1 extra, 1 missing" || b2.ScannedPages != 6 {
		t.Fatalf("box B2 = %+v", b2)
	}
	if b3.Status != "failed" || b3.Reason != "2 rows: 1 ok, 1 failed" {
		t.Fatalf("box B3 = %+v", b3)
	}
	tot := rep.Totals
	if tot.Rows != 7 || tot.ExpectedPages != 21 || tot.ScannedPages != 18 || tot.Documents != 9 || tot.Status != "missing" ||
		tot.Reason != "7 rows: 3 ok, 1 short, 1 extra, 1 failed, 1 missing" {
		t.Fatalf("totals = %+v", tot)
	}

	if err := rep.Write(dir); err != nil {
		t.Fatal(err)
	}
	csvPath, jsonPath := migrate.Files(dir)
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(lines[0], ",") != "path,box,expected_pages,scanned_pages,content_pages,blank_pages,documents,status,reason,batch_id" {
		t.Fatalf("header = %v", lines[0])
	}
	if len(lines) != 1+7+3+1 {
		t.Fatalf("%d CSV lines, want the header, 7 rows, 3 boxes and the total", len(lines))
	}
	if got := strings.Join(lines[2], ","); got != "b.pdf,B1,3,2,2,0,1,short,1 page fewer than expected (2 of 3),bbbbbbbbbbbbbbbb" {
		t.Errorf("row b = %s", got)
	}
	if got := strings.Join(lines[9], ","); got != ",B2,7,6,5,1,3,missing,box total: 2 rows: 1 extra, 1 missing," {
		t.Errorf("box B2 = %s", got)
	}
	if got := strings.Join(lines[11], ","); got != ",,21,18,15,3,9,missing,all boxes: 7 rows: 3 ok, 1 short, 1 extra, 1 failed, 1 missing," {
		t.Errorf("total = %s", got)
	}
	var back migrate.Report
	b, _ := os.ReadFile(jsonPath)
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Rows) != 7 || back.Rows[1].Reason != rep.Rows[1].Reason || back.OK || back.Totals.ByStatus["failed"] != 1 || len(back.Boxes) != 3 {
		t.Fatalf("JSON = %s", b)
	}
}
