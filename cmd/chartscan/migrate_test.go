package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"chartscan"
	"chartscan/ingest"
	"chartscan/internal/testutil"
	"chartscan/migrate"
	"chartscan/storage"
)

// truthCounts are the pages, content and blank pages and documents of a
// shared chart batch, from its ground truth.
type truthCounts struct {
	pages, content, blank, documents int
}

func readTruthCounts(t *testing.T, batch string) truthCounts {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.SharedData(t), "charts", "truth", batch+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var tr struct {
		Pages []struct {
			Kind string `json:"kind"`
		} `json:"pages"`
		Documents []json.RawMessage `json:"documents"`
	}
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	c := truthCounts{pages: len(tr.Pages), documents: len(tr.Documents)}
	for _, p := range tr.Pages {
		switch p.Kind {
		case "content":
			c.content++
		case "blank":
			c.blank++
		}
	}
	return c
}

// migrateConfig writes a configuration with a fresh data folder and the
// repository's scanner profiles; extra is YAML appended to it.
func migrateConfig(t *testing.T, extra string) (cfgPath, data string) {
	t.Helper()
	dir := t.TempDir()
	data = filepath.Join(dir, "data")
	cfgPath = filepath.Join(dir, "chartscan.yaml")
	y := fmt.Sprintf("data_dir: %s\nprofiles_dir: %s\n%s", data, filepath.Join(testutil.Root(t), "scanner-profiles"), extra)
	if err := os.WriteFile(cfgPath, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfgPath, data
}

// runMigrate runs chartscan in this process and returns what it printed
// and its exit code.
func runMigrate(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, nil, &out, &errOut)
	return out.String(), errOut.String(), code
}

// reconciliation reads both reports of a migration.
func reconciliation(t *testing.T, data, name string) ([][]string, migrate.Report) {
	t.Helper()
	csvPath, jsonPath := migrate.Files(filepath.Join(data, "migrations", name))
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rep migrate.Report
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return lines, rep
}

// expectRow is what a test expects of one row of a reconciliation.
type expectRow struct {
	path, box                                           string
	expected, scanned, content, blank, documents        int
	status, reason                                      string
	batch                                               chartscan.BatchID
	expectedFromTruth, scannedFromTruth, documentsTruth bool
}

// checkReconciliation compares both reports with the rows expected and
// with box totals summed here from those rows.
func checkReconciliation(t *testing.T, lines [][]string, rep migrate.Report, want []expectRow) {
	t.Helper()
	if strings.Join(lines[0], ",") != strings.Join(migrate.CSVHeader, ",") {
		t.Fatalf("CSV header = %v", lines[0])
	}
	type total struct {
		rows, expected, scanned, content, blank, documents int
		by                                                 map[string]int
	}
	boxes := map[string]*total{}
	var order []string
	all := &total{by: map[string]int{}}
	ok := true
	for i, w := range want {
		csvRow := lines[1+i]
		wantCSV := []string{w.path, w.box, strconv.Itoa(w.expected), strconv.Itoa(w.scanned), strconv.Itoa(w.content),
			strconv.Itoa(w.blank), strconv.Itoa(w.documents), w.status, w.reason, string(w.batch)}
		if strings.Join(csvRow, "|") != strings.Join(wantCSV, "|") {
			t.Errorf("CSV row %d:\n got  %v\n want %v", i+1, csvRow, wantCSV)
		}
		jr := rep.Rows[i]
		got := []string{jr.Path, jr.Box, strconv.Itoa(jr.ExpectedPages), strconv.Itoa(jr.ScannedPages), strconv.Itoa(jr.ContentPages),
			strconv.Itoa(jr.BlankPages), strconv.Itoa(jr.Documents), jr.Status, jr.Reason, string(jr.BatchID)}
		if strings.Join(got, "|") != strings.Join(wantCSV, "|") {
			t.Errorf("JSON row %d:\n got  %v\n want %v", i+1, got, wantCSV)
		}
		if jr.Line != i+2 {
			t.Errorf("JSON row %d has line %d, want %d", i+1, jr.Line, i+2)
		}
		b := boxes[w.box]
		if b == nil {
			b = &total{by: map[string]int{}}
			boxes[w.box] = b
			order = append(order, w.box)
		}
		for _, t := range []*total{b, all} {
			t.rows++
			t.expected += w.expected
			t.scanned += w.scanned
			t.content += w.content
			t.blank += w.blank
			t.documents += w.documents
			t.by[w.status]++
		}
		ok = ok && w.status == "ok"
	}
	if len(rep.Rows) != len(want) {
		t.Fatalf("JSON has %d rows, want %d", len(rep.Rows), len(want))
	}
	if rep.OK != ok {
		t.Errorf("JSON ok = %v, want %v", rep.OK, ok)
	}
	if len(lines) != 1+len(want)+len(order)+1 {
		t.Fatalf("CSV has %d lines, want the header, %d rows, %d box totals and the total", len(lines), len(want), len(order))
	}
	if len(rep.Boxes) != len(order) {
		t.Fatalf("JSON has %d boxes, want %d", len(rep.Boxes), len(order))
	}
	check := func(what string, csvRow []string, jt migrate.Total, box string, w *total) {
		nums := []string{strconv.Itoa(w.expected), strconv.Itoa(w.scanned), strconv.Itoa(w.content), strconv.Itoa(w.blank), strconv.Itoa(w.documents)}
		if csvRow[0] != "" || csvRow[1] != box || strings.Join(csvRow[2:7], ",") != strings.Join(nums, ",") {
			t.Errorf("CSV %s = %v, want box %q and %v", what, csvRow, box, nums)
		}
		if jt.Box != box || jt.Rows != w.rows || jt.ExpectedPages != w.expected || jt.ScannedPages != w.scanned ||
			jt.ContentPages != w.content || jt.BlankPages != w.blank || jt.Documents != w.documents {
			t.Errorf("JSON %s = %+v, want %+v", what, jt, *w)
		}
		for _, s := range migrate.Statuses {
			if jt.ByStatus[s] != w.by[s] {
				t.Errorf("JSON %s: %d rows %s, want %d", what, jt.ByStatus[s], s, w.by[s])
			}
		}
		wantStatus := "ok"
		for _, s := range []string{"missing", "failed", "short", "extra"} {
			if w.by[s] > 0 {
				wantStatus = s
				break
			}
		}
		if jt.Status != wantStatus || csvRow[7] != wantStatus {
			t.Errorf("%s status: JSON %s, CSV %s, want %s", what, jt.Status, csvRow[7], wantStatus)
		}
	}
	for i, box := range order {
		check("box "+box, lines[1+len(want)+i], rep.Boxes[i], box, boxes[box])
	}
	check("total", lines[len(lines)-1], rep.Totals, "", all)
}

// batchID returns the batch id of a file.
func batchID(t *testing.T, path string) chartscan.BatchID {
	t.Helper()
	sum, _, err := ingest.HashFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return chartscan.NewBatchID(sum)
}

// A migration of shared chart batches in boxes, from a manifest two rows
// of which are wrong — one file expected with a page more than it holds,
// one that was never delivered — exits 1, and its reconciliation names
// exactly those two, with every other row's counts as the ground truth
// has them and the totals of each box. The routine run takes 8 of the 24
// batches (30 pages) in 3 boxes; CHARTSCAN_MIGRATE_ALL=1 takes all 24
// (160 pages) in 6 boxes.
func TestMigrateReconciliation(t *testing.T) {
	shared := filepath.Join(testutil.SharedData(t), "charts", "batches")
	batches := []string{"public-11-009.tif", "public-11-001.pdf", "public-11-012.pdf", "public-11-023.tif",
		"public-11-002.pdf", "public-11-021.tif", "public-11-011.pdf", "public-11-013.pdf"}
	perBox := 3
	if os.Getenv("CHARTSCAN_MIGRATE_ALL") != "" {
		ents, err := os.ReadDir(shared)
		if err != nil {
			t.Fatal(err)
		}
		batches = batches[:0]
		for _, e := range ents {
			batches = append(batches, e.Name())
		}
		perBox = 4
	}
	cfg, data := migrateConfig(t, "")
	// The vendor's delivery: a folder per box, the manifest beside them,
	// paths relative to it.
	root := t.TempDir()
	var want []expectRow
	var man strings.Builder
	man.WriteString("path,box,expected_pages\n")
	short, missing := 4, len(batches)-2 // indexes of the two wrong rows, in the second and the last box
	for i, b := range batches {
		box := fmt.Sprintf("BOX-%03d", i/perBox+1)
		rel := filepath.Join(box, fmt.Sprintf("chart %02d%s", i+1, filepath.Ext(b)))
		os.MkdirAll(filepath.Join(root, box), 0o755)
		src := filepath.Join(shared, b)
		if i == missing {
			rel = filepath.Join(box, "chart never delivered.pdf")
			want = append(want, expectRow{path: rel, box: box, expected: 7, status: "missing", reason: "file not found"})
			fmt.Fprintf(&man, "%s,%s,%d\n", rel, box, 7)
			continue
		}
		if err := os.Symlink(src, filepath.Join(root, rel)); err != nil {
			t.Fatal(err)
		}
		tc := readTruthCounts(t, strings.TrimSuffix(b, filepath.Ext(b)))
		w := expectRow{path: rel, box: box, expected: tc.pages, scanned: tc.pages, content: tc.content, blank: tc.blank,
			documents: tc.documents, status: "ok", batch: batchID(t, src)}
		if i == short {
			w.expected = tc.pages + 1
			w.status, w.reason = "short", fmt.Sprintf("1 page fewer than expected (%d of %d)", tc.pages, tc.pages+1)
		}
		want = append(want, w)
		fmt.Fprintf(&man, "%q,%s,%d\n", rel, box, w.expected)
	}
	manifest := filepath.Join(root, "delivery-2026-03.csv")
	os.WriteFile(manifest, []byte(man.String()), 0o644)

	start := time.Now()
	out, errOut, code := runMigrate(t, "--config", cfg, "migrate", "--manifest", manifest)
	t.Logf("migrate (%s):\n%s%s", time.Since(start).Round(time.Second), out, errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1: two rows are wrong", code)
	}
	lines, rep := reconciliation(t, data, "delivery-2026-03")
	checkReconciliation(t, lines, rep, want)
	var notOK []int
	for _, r := range rep.Rows {
		if r.Status != "ok" {
			notOK = append(notOK, r.Line)
		}
	}
	if fmt.Sprint(notOK) != fmt.Sprint([]int{short + 2, missing + 2}) {
		t.Errorf("rows not ok are on lines %v, want exactly %d (short) and %d (missing)", notOK, short+2, missing+2)
	}
	for _, l := range notOK {
		if !strings.Contains(out, fmt.Sprintf("line %d, box ", l)) {
			t.Errorf("the summary does not name line %d:\n%s", l, out)
		}
	}
	// The counts are the store's: each row's batch is stored done with them.
	store, err := storage.NewFS(filepath.Join(data, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if w.batch == "" {
			continue
		}
		b, err := chartscan.LoadBatch(t.Context(), store, w.batch)
		if err != nil || b.Status != chartscan.BatchDone || b.Pages != w.scanned || len(b.Documents) != w.documents {
			t.Errorf("batch of %s: %+v, %v", w.path, b, err)
		}
	}
	if m := regexp.MustCompile(`this run: \d+ rows, (\d+) pages read in ([\d.]+)s \(([\d.]+) pages/s\)`).FindStringSubmatch(out); m == nil {
		t.Errorf("no throughput in the summary:\n%s", out)
	} else {
		testutil.Report(t, "migrate", fmt.Sprintf("migration of the shared batches: %s pages in %ss, %s pages/s (%d rows in %d boxes)\n", m[1], m[2], m[3], len(want), len(rep.Boxes)))
	}

	status, _, code := runMigrate(t, "--config", cfg, "migrate", "status", "--name", "delivery-2026-03")
	wantStatus := fmt.Sprintf("state: done\nrows: %d\nok: %d\nshort: 1\nextra: 0\nfailed: 0\nmissing: 1\nin_progress: 0\npending: 0\n", len(want), len(want)-2)
	if code != 0 || !strings.HasPrefix(status, wantStatus) {
		t.Errorf("migrate status (exit %d):\n%s\nwant it to start with\n%s", code, status, wantStatus)
	}
}

// The vendor's index in the manifest is weighed against what the pages
// say, on pages rendered here in label styles of their own: a file whose
// pages agree is filed as they say, one whose pages name another patient
// goes to review and its row says so, one whose pages name nobody is
// filed under the manifest's patient. A damaged file is failed with the
// pipeline's reason, a folder named as a file is missing, and started
// again with a changed manifest the migration is refused.
func TestMigrateManifestPatient(t *testing.T) {
	cfg, data := migrateConfig(t, "")
	root := t.TempDir()
	note := []string{"", "PROGRESS NOTE", "Patient seen today for follow-up of hypertension and type 2 diabetes.",
		"Blood pressure 138/84, pulse 72. No chest pain or shortness of breath.",
		"Continue current medications. Return to clinic in three months."}
	writeTextPage(t, filepath.Join(root, "agrees.png"), append([]string{"LAKEVIEW FAMILY PRACTICE",
		"Pt Name: Okafor, Chidi        Med. Rec. No.: 00412345",
		"D.O.B.: 11/02/1940        Encounter Date: 02/03/2026"}, note...))
	writeTextPage(t, filepath.Join(root, "another patient.png"), append([]string{"HARBOR INTERNAL MEDICINE",
		"Pt Name: Lindqvist, Sara        Med. Rec. No.: 05512093",
		"D.O.B.: 07/22/1961        Encounter Date: 01/15/2026"}, note...))
	writeTextPage(t, filepath.Join(root, "nobody.png"), []string{"Medication reconciliation reviewed with the patient.",
		"Metformin 500 mg twice daily, lisinopril 10 mg daily, atorvastatin 20 mg at night.",
		"Allergies: penicillin (rash). Immunizations up to date."})
	os.WriteFile(filepath.Join(root, "damaged.pdf"), []byte("%PDF-1.4\n1 0 obj <</Type /Catalog"), 0o644)
	os.MkdirAll(filepath.Join(root, "a folder.pdf"), 0o755)
	manifest := filepath.Join(root, "index.csv")
	body := "path,box,expected_pages,mrn,patient_name,dob\n" +
		"agrees.png,B1,1,00412345,\"Okafor, Chidi\",1940-11-02\n" +
		"another patient.png,B1,1,07788123,MEHTA^RAHUL,1972-09-30\n" +
		"nobody.png,B2,1,06610234,\"Kowalski, Tomasz\",1977-05-05\n" +
		"damaged.pdf,B2,3,,,\n" +
		"a folder.pdf,B2,2,,,\n"
	os.WriteFile(manifest, []byte(body), 0o644)

	out, errOut, code := runMigrate(t, "--config", cfg, "migrate", "--manifest", manifest)
	t.Logf("migrate:\n%s%s", out, errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	_, rep := reconciliation(t, data, "index")
	byPath := map[string]migrate.ReportRow{}
	for _, r := range rep.Rows {
		byPath[r.Path] = r
	}
	store, err := storage.NewFS(filepath.Join(data, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	doc := func(path string) *chartscan.Document {
		t.Helper()
		r := byPath[path]
		if r.Status != "ok" || r.Documents != 1 {
			t.Fatalf("row %s = %+v, want ok with one document", path, r)
		}
		d, err := chartscan.LoadDocument(t.Context(), store, r.BatchID.Document(1))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	known := []string{ingest.ReasonKnownMRN, ingest.ReasonKnownName, ingest.ReasonKnownDOB}
	hasAny := func(d *chartscan.Document, rs ...string) bool {
		for _, r := range d.ReviewReasons {
			for _, x := range rs {
				if r == x {
					return true
				}
			}
		}
		return false
	}

	if d := doc("agrees.png"); d.MRN != "00412345" || d.DOB != "1940-11-02" || hasAny(d, known...) || byPath["agrees.png"].Reason != "" {
		t.Errorf("agreeing file: MRN %q DOB %q reasons %v; row reason %q", d.MRN, d.DOB, d.ReviewReasons, byPath["agrees.png"].Reason)
	}
	d := doc("another patient.png")
	if d.MRN != "05512093" || !d.NeedsReview || !hasAny(d, ingest.ReasonKnownMRN) || !hasAny(d, ingest.ReasonKnownName) || !hasAny(d, ingest.ReasonKnownDOB) {
		t.Errorf("file of another patient: MRN %q (the paper's is kept), review %v %v", d.MRN, d.NeedsReview, d.ReviewReasons)
	}
	if r := byPath["another patient.png"].Reason; r != "1 of 1 documents: MRN differs from the manifest, patient name differs from the manifest, date of birth differs from the manifest" {
		t.Errorf("row of another patient: reason %q", r)
	}
	d = doc("nobody.png")
	if d.MRN != "06610234" || d.PatientName != "Kowalski^Tomasz" || d.DOB != "1977-05-05" || hasAny(d, "no MRN") || hasAny(d, known...) {
		t.Errorf("file naming nobody: MRN %q name %q DOB %q reasons %v; want the manifest's", d.MRN, d.PatientName, d.DOB, d.ReviewReasons)
	}
	if r := byPath["damaged.pdf"]; r.Status != "failed" || !strings.Contains(r.Reason, "PDF is damaged") || r.ScannedPages != 0 {
		t.Errorf("damaged file: %+v", r)
	}
	if r := byPath["a folder.pdf"]; r.Status != "missing" || r.Reason != "a folder, not a file" {
		t.Errorf("folder: %+v", r)
	}

	// Another manifest under the same name is refused; a bad one is a
	// one-line error with its line, before anything is opened.
	os.WriteFile(manifest, []byte(body+"extra.pdf,B3,1,,,\n"), 0o644)
	if _, errOut, code := runMigrate(t, "--config", cfg, "migrate", "--manifest", manifest); code != 1 || !strings.Contains(errOut, `migration "index" was started with another manifest`) {
		t.Errorf("changed manifest: exit %d, %q", code, errOut)
	}
	os.WriteFile(manifest, []byte(body+"agrees.png,B3,1,,,\n"), 0o644)
	if _, errOut, code := runMigrate(t, "--config", cfg, "migrate", "--manifest", manifest); code != 1 || errOut != "chartscan: manifest line 7: the same path as line 2\n" {
		t.Errorf("duplicate path: exit %d, %q", code, errOut)
	}
}

// migrateStatus runs `chartscan migrate status` in its own process and
// returns its counts by key.
func migrateStatus(t *testing.T, bin, cfg, name string) map[string]string {
	t.Helper()
	out, err := exec.Command(bin, "--config", cfg, "migrate", "status", "--name", name).Output()
	if err != nil {
		t.Fatalf("migrate status: %v", err)
	}
	st := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(l, ": ")
		st[k] = v
	}
	return st
}

// The real binary, killed with SIGKILL in the middle of a migration and
// started again, finishes it: every row is reported once, the rows done
// before the kill are not read again (their batches keep the time they
// were stored, their records one pipeline run), the rows in progress at
// the kill are read once more (and stored once: the index holds every
// page once). migrate status, from another process, tells running while
// it runs, interrupted after the kill and done at the end, with the
// counts.
func TestMigrateResumesAfterKill9(t *testing.T) {
	env := serviceSetup(t, "")
	shared := filepath.Join(testutil.SharedData(t), "charts", "batches")
	files := []string{"public-11-009.tif", "public-11-023.tif", "public-11-011.pdf", "public-11-013.pdf",
		"public-11-012.pdf", "public-11-017.tif", "public-11-021.tif"}
	root := t.TempDir()
	var man strings.Builder
	man.WriteString("path,box,expected_pages\n")
	ids := map[int]chartscan.BatchID{} // by line
	for i, f := range files {
		tc := readTruthCounts(t, strings.TrimSuffix(f, filepath.Ext(f)))
		expected := tc.pages
		if i == 2 {
			expected++ // one short row
		}
		src := filepath.Join(shared, f)
		fmt.Fprintf(&man, "%s,BOX-%d,%d\n", src, i/3+1, expected)
		ids[i+2] = batchID(t, src)
	}
	man.WriteString(filepath.Join(root, "never delivered.pdf") + ",BOX-3,4\n")
	rows := len(files) + 1
	manifest := filepath.Join(root, "backfile.csv")
	os.WriteFile(manifest, []byte(man.String()), 0o644)
	state := filepath.Join(env.data, "migrations", "backfile")

	start := func(logName string) (*exec.Cmd, chan error) {
		logf, err := os.Create(filepath.Join(root, logName))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(env.bin, "--config", env.cfg, "migrate", "--manifest", manifest, "-v")
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait(); logf.Close() }()
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill()
				<-done
			}
		})
		return cmd, done
	}
	rowsOnDisk := func() map[int]migrate.RowState {
		out := map[int]migrate.RowState{}
		paths, _ := filepath.Glob(filepath.Join(state, "rows", "*", "*.json"))
		for _, p := range paths {
			var r migrate.RowState
			if b, err := os.ReadFile(p); err == nil && json.Unmarshal(b, &r) == nil {
				out[r.Line] = r
			}
		}
		return out
	}
	count := func(st map[string]string, k string) int {
		n, err := strconv.Atoi(st[k])
		if err != nil {
			t.Fatalf("status has no count %q: %v", k, st)
		}
		return n
	}

	cmd, done := start("first.log")
	var running map[string]string
	waitFor(t, "some rows done and one in progress", 3*time.Minute, func() bool {
		select {
		case err := <-done:
			t.Fatalf("migrate ended before it was killed: %v", err)
		default:
		}
		if _, err := os.Stat(filepath.Join(state, "run.json")); err != nil {
			return false
		}
		running = migrateStatus(t, env.bin, env.cfg, "backfile")
		return running["state"] == "running" && count(running, "ok")+count(running, "short") >= 2 && count(running, "in_progress") >= 1
	})
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	t.Logf("status while running, just before the kill: %v", running)

	before := rowsOnDisk()
	var doneBefore, inProgress []int
	for l, r := range before {
		if r.Final() {
			doneBefore = append(doneBefore, l)
		} else {
			inProgress = append(inProgress, l)
		}
	}
	if len(doneBefore) < 2 || len(inProgress) < 1 {
		t.Fatalf("at the kill: rows done %v, in progress %v", doneBefore, inProgress)
	}
	store, err := storage.NewFS(filepath.Join(env.data, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	storedAt := map[int]time.Time{}
	for _, l := range doneBefore {
		b, err := chartscan.LoadBatch(t.Context(), store, ids[l])
		if err != nil || b.DoneAt == nil {
			t.Fatalf("batch of line %d, done before the kill: %+v %v", l, b, err)
		}
		storedAt[l] = *b.DoneAt
	}
	st := migrateStatus(t, env.bin, env.cfg, "backfile")
	if st["state"] != "interrupted" || count(st, "in_progress") != 0 || count(st, "pending") != rows-len(doneBefore) ||
		count(st, "ok")+count(st, "short")+count(st, "missing") != len(doneBefore) {
		t.Fatalf("status after the kill (%d rows done, %d in progress): %v", len(doneBefore), len(inProgress), st)
	}

	_, done = start("second.log")
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("second run: %v, want exit 1 (a short and a missing row)", err)
		}
	case <-time.After(5 * time.Minute):
		t.Fatal("the second run did not finish")
	}
	second, _ := os.ReadFile(filepath.Join(root, "second.log"))
	t.Logf("second run:\n%s", regexp.MustCompile(`(?m)^time=.*\n`).ReplaceAll(second, nil))
	if want := fmt.Sprintf("this run: %d rows,", rows-len(doneBefore)); !bytes.Contains(second, []byte(want)) {
		t.Errorf("the second run did not do exactly the rows not done: want %q", want)
	}

	after := rowsOnDisk()
	for l := 2; l <= rows+1; l++ {
		r, ok := after[l]
		if !ok || !r.Final() {
			t.Errorf("line %d not done: %+v", l, r)
			continue
		}
		wantRuns := 1
		switch {
		case l == rows+1:
			wantRuns = 0 // the missing file: never read
		case contains(inProgress, l):
			wantRuns = 2
		}
		if r.Runs != wantRuns {
			t.Errorf("line %d: %d pipeline runs, want %d", l, r.Runs, wantRuns)
		}
	}
	for _, l := range doneBefore {
		b, _ := chartscan.LoadBatch(t.Context(), store, ids[l])
		if b == nil || b.DoneAt == nil || !b.DoneAt.Equal(storedAt[l]) {
			t.Errorf("line %d, done before the kill, was stored again", l)
		}
	}
	lines, rep := reconciliation(t, env.data, "backfile")
	seen := map[int]bool{}
	for _, r := range rep.Rows {
		if seen[r.Line] {
			t.Errorf("line %d reported twice", r.Line)
		}
		seen[r.Line] = true
	}
	if len(rep.Rows) != rows || len(lines) != 1+rows+3+1 {
		t.Errorf("%d rows reported (%d CSV lines), want %d", len(rep.Rows), len(lines), rows)
	}
	if rep.Totals.ByStatus["ok"] != rows-2 || rep.Totals.ByStatus["short"] != 1 || rep.Totals.ByStatus["missing"] != 1 {
		t.Errorf("totals by status: %v", rep.Totals.ByStatus)
	}
	st = migrateStatus(t, env.bin, env.cfg, "backfile")
	if st["state"] != "done" || count(st, "ok") != rows-2 || count(st, "short") != 1 || count(st, "missing") != 1 || count(st, "pending") != 0 {
		t.Errorf("status at the end: %v", st)
	}
	var run migrate.Run
	if b, err := os.ReadFile(filepath.Join(state, "run.json")); err != nil || json.Unmarshal(b, &run) != nil || run.Starts != 2 {
		t.Errorf("run state: %+v %v", run, err)
	}
	testutil.Report(t, "migrate-resume", fmt.Sprintf("migration killed and resumed: %d rows, %d done before the kill, %d in progress at it; %d pages read in %.1fs over both runs (%.2f pages/s)\n",
		rows, len(doneBefore), len(inProgress), run.PagesRead, run.Seconds, float64(run.PagesRead)/run.Seconds))

	// Stored once: the index holds each content page of the batches once.
	total, pages := indexedPages(t, env.bin, env.cfg)
	if total != rep.Totals.ContentPages || len(pages) != rep.Totals.ContentPages {
		t.Errorf("the index holds %d pages (%d listed), the reconciliation %d content pages", total, len(pages), rep.Totals.ContentPages)
	}
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
