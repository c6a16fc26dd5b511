package migrate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartscan"
	"chartscan/migrate"
)

// writeManifest writes a manifest of n rows (files f1.pdf ... under dir)
// and reads it.
func writeManifest(t *testing.T, dir, name string, n int) *migrate.Manifest {
	t.Helper()
	var b strings.Builder
	b.WriteString("path,box,expected_pages\n")
	for i := 1; i <= n; i++ {
		b.WriteString("f" + string(rune('0'+i)) + ".pdf,B" + string(rune('0'+(i+1)/2)) + ",2\n")
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := migrate.ReadManifest(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The journal as a run killed and started again sees it: rows finished
// are kept, the row in progress is to be done again, another manifest or
// profile under the same name is refused, and a second process cannot
// take a migration that one holds.
func TestJournalResume(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "migrations", "m")
	m := writeManifest(t, dir, "m.csv", 4)

	j, err := migrate.Open(state, "m", m, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.ReadStatus(state); chartscan.ErrorCode(err) != chartscan.ENOTFOUND {
		t.Fatalf("status before Begin: %v, want not found", err)
	}
	if err := j.Begin(); err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Open(state, "m", m, ""); chartscan.ErrorCode(err) != chartscan.ECONFLICT || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("a second Open while held: %v", err)
	}
	mod := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	for _, l := range []int{2, 3, 4} {
		if err := j.Start(l, m.Rows[l-2].Path, 100, mod); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Finish(migrate.RowState{Line: 2, Path: "f1.pdf", Status: migrate.StatusOK, ScannedPages: 2, ContentPages: 2, Documents: 1, BatchID: "0123456789abcdef", Size: 100, ModTime: mod}, 2); err != nil {
		t.Fatal(err)
	}
	if err := j.Finish(migrate.RowState{Line: 3, Path: "f2.pdf", Status: migrate.StatusShort, ScannedPages: 1, ContentPages: 1, Documents: 1, Reason: "1 page fewer than expected (1 of 2)", Size: 100, ModTime: mod}, 1); err != nil {
		t.Fatal(err)
	}
	if err := j.Finish(migrate.RowState{Line: 4, Status: migrate.StatusInProgress}, 0); err == nil {
		t.Fatal("Finish accepted a row that is not final")
	}
	st, err := migrate.ReadStatus(state)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts := map[string]int{"ok": 1, "short": 1, "extra": 0, "failed": 0, "missing": 0, "in_progress": 1, "pending": 1}
	if st.State != migrate.StateRunning || !equalCounts(st.Counts, wantCounts) || st.ScannedPages != 3 || st.PagesRead != 3 {
		t.Fatalf("status while running = %s %v scanned %d read %d", st.State, st.Counts, st.ScannedPages, st.PagesRead)
	}
	// Killed: nothing more is written, the lock goes with the process.
	j.Close()
	st, err = migrate.ReadStatus(state)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts = map[string]int{"ok": 1, "short": 1, "extra": 0, "failed": 0, "missing": 0, "in_progress": 0, "pending": 2}
	if st.State != migrate.StateInterrupted || !equalCounts(st.Counts, wantCounts) {
		t.Fatalf("status after a kill = %s %v", st.State, st.Counts)
	}

	// Another manifest, or another profile, under the same name.
	other := writeManifest(t, dir, "other.csv", 5)
	if _, err := migrate.Open(state, "m", other, ""); chartscan.ErrorCode(err) != chartscan.ECONFLICT || !strings.Contains(chartscan.ErrorMessage(err), "another manifest") {
		t.Fatalf("another manifest: %v", err)
	}
	if _, err := migrate.Open(state, "m", m, "night-shift"); chartscan.ErrorCode(err) != chartscan.ECONFLICT || !strings.Contains(chartscan.ErrorMessage(err), `runs with profile "default"`) {
		t.Fatalf("another profile: %v", err)
	}

	// Started again: the records are back, the row in progress is redone
	// and counted as a second pipeline run.
	j, err = migrate.Open(state, "m", m, "default")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if r := j.Row(2); r == nil || r.Status != migrate.StatusOK || r.Runs != 1 || r.BatchID != "0123456789abcdef" || !r.ModTime.Equal(mod) {
		t.Fatalf("row 2 after restart = %+v", r)
	}
	if r := j.Row(4); r == nil || r.Final() || r.Runs != 1 {
		t.Fatalf("row 4 after restart = %+v", r)
	}
	if j.Row(5) != nil {
		t.Fatal("row 5 was never started")
	}
	if err := j.Begin(); err != nil {
		t.Fatal(err)
	}
	j.Start(4, "f3.pdf", 100, mod)
	j.Finish(migrate.RowState{Line: 4, Path: "f3.pdf", Status: migrate.StatusOK, ScannedPages: 2}, 2)
	j.Finish(migrate.RowState{Line: 5, Path: "f4.pdf", Status: migrate.StatusMissing, Reason: "file not found"}, 0)
	if r := j.Row(4); r.Runs != 2 {
		t.Fatalf("row 4 runs = %d, want 2", r.Runs)
	}
	if r := j.Row(5); r.Runs != 0 {
		t.Fatalf("missing row 5 runs = %d, want 0", r.Runs)
	}
	if err := j.End(migrate.StateDone); err != nil {
		t.Fatal(err)
	}
	st, err = migrate.ReadStatus(state)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts = map[string]int{"ok": 2, "short": 1, "extra": 0, "failed": 0, "missing": 1, "in_progress": 0, "pending": 0}
	if st.State != migrate.StateDone || st.Starts != 2 || st.DoneAt == nil || !equalCounts(st.Counts, wantCounts) {
		t.Fatalf("status at the end = %s starts %d %v", st.State, st.Starts, st.Counts)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// Which rows a new start does: never started or in progress, a missing
// file that is there now, a file changed since it was read; not a row
// done whose file is as it was, nor one whose file went away since.
func TestNeedsWork(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.pdf")
	os.WriteFile(p, []byte("0123456789"), 0o644)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	_, gone := os.Stat(filepath.Join(dir, "none.pdf"))
	done := &migrate.RowState{Status: migrate.StatusOK, Size: st.Size(), ModTime: st.ModTime().UTC()}
	grown := *done
	grown.Size = 9
	touched := *done
	touched.ModTime = done.ModTime.Add(-time.Second)
	failed := *done
	failed.Status = migrate.StatusFailed
	dirSt, _ := os.Stat(dir)
	for _, tc := range []struct {
		name string
		rec  *migrate.RowState
		st   os.FileInfo
		err  error
		want bool
	}{
		{"never started", nil, st, nil, true},
		{"never started, file missing", nil, nil, gone, true},
		{"in progress at a kill", &migrate.RowState{Status: migrate.StatusInProgress}, st, nil, true},
		{"done, unchanged", done, st, nil, false},
		{"failed, unchanged", &failed, st, nil, false},
		{"done, another size", &grown, st, nil, true},
		{"done, another time", &touched, st, nil, true},
		{"done, file gone since", done, nil, gone, false},
		{"missing, still missing", &migrate.RowState{Status: migrate.StatusMissing}, nil, gone, false},
		{"missing, there now", &migrate.RowState{Status: migrate.StatusMissing}, st, nil, true},
		{"missing, a folder", &migrate.RowState{Status: migrate.StatusMissing}, dirSt, nil, false},
	} {
		if got := migrate.NeedsWork(tc.rec, tc.st, tc.err); got != tc.want {
			t.Errorf("%s: NeedsWork = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"box-delivery-7": true, "2026_03.v2": true, "a": true,
		"": false, ".hidden": false, "../up": false, "a/b": false, "with space": false, strings.Repeat("x", 65): false,
	} {
		if got := migrate.ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", name, got, want)
		}
	}
}
