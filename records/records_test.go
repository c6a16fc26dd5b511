package records_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"chartscan"
	"chartscan/audit"
	"chartscan/index"
	"chartscan/records"
	"chartscan/storage"
)

var tech = chartscan.Actor{Name: "jdoe", Role: chartscan.RoleTechnician, Client: "10.0.0.7", Via: chartscan.ViaAPI}

// env is a records service over a real fs store, Bleve index and audit
// log, holding two batches: a three-page document of one patient and a
// one-page document of another.
type env struct {
	svc   *records.Service
	store chartscan.ObjectStore
	audit *audit.Log
	a, b  chartscan.DocumentID
}

// page makes a page record whose text is lines of words, each word with a
// box on its own line of the image, as OCR gives them.
func page(id chartscan.BatchID, n int, doc chartscan.DocumentID, lines ...string) *chartscan.Page {
	p := &chartscan.Page{ID: id.Page(n), BatchID: id, Number: n, DocumentID: doc, Kind: chartscan.PageContent,
		Section: chartscan.SectionProgressNotes, Width: 2550, Height: 3300, DPI: 300}
	var text []string
	for li, l := range lines {
		x := 100
		for _, w := range strings.Fields(l) {
			p.Words = append(p.Words, chartscan.Word{Text: w, X: x, Y: 100 + 60*li, W: 30 * len(w), H: 40, Confidence: 0.9})
			x += 30*len(w) + 20
		}
		text = append(text, strings.Join(strings.Fields(l), " "))
	}
	p.Text = strings.Join(text, "\n")
	return p
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := storage.NewFS(filepath.Join(dir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := index.Open(filepath.Join(dir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	log, err := audit.Open(filepath.Join(dir, "audit"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	e := &env{store: store, audit: log}
	e.svc = &records.Service{Store: store, Index: idx, Audit: log}

	put := func(id chartscan.BatchID, mrn, name string, texts [][]string) chartscan.DocumentID {
		d := &chartscan.Document{ID: id.Document(1), BatchID: id, Profile: "default", Section: chartscan.SectionProgressNotes,
			MRN: mrn, PatientName: name, ServiceDate: "2026-05-04", Version: 1, NeedsReview: true, ReviewReasons: []string{"low section confidence"},
			ScannedAt: time.Date(2026, 5, 5, 8, 0, 0, 0, time.UTC)}
		pages := map[chartscan.PageID]*chartscan.Page{}
		for i, lines := range texts {
			p := page(id, i+1, d.ID, lines...)
			pages[p.ID] = p
			d.Pages = append(d.Pages, p.ID)
			if err := chartscan.PutJSON(ctx, store, chartscan.PageRecordKey(id, p.Number), p); err != nil {
				t.Fatal(err)
			}
		}
		b := &chartscan.Batch{ID: id, Profile: "default", Status: chartscan.BatchDone, Pages: len(texts), Documents: []chartscan.DocumentID{d.ID}}
		if err := chartscan.PutJSON(ctx, store, chartscan.DocumentKey(d.ID), d); err != nil {
			t.Fatal(err)
		}
		if err := idx.Put(ctx, b, []*chartscan.Document{d}, pages); err != nil {
			t.Fatal(err)
		}
		if err := chartscan.PutJSON(ctx, store, chartscan.BatchKey(id), b); err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	e.a = put("aaaaaaaaaaaaaaaa", "60465481", "TANAKA^RICHARD", [][]string{
		{"PROGRESS NOTE", "Patient seen for follow up of hypertension"},
		{"Plan: continue lisinopril", "Recheck potassium in two weeks"},
		{"DISCHARGE SUMMARY", "Hospital course uneventful", "Discharged home on lisinopril"},
	})
	e.b = put("bbbbbbbbbbbbbbbb", "43002652", "DAVIS^MARIA", [][]string{
		{"CONSULTATION", "Cardiology asked to see the patient for syncope"},
	})
	return e
}

func (e *env) search(t *testing.T, q string) *chartscan.SearchResults {
	t.Helper()
	res, err := e.svc.Search(context.Background(), tech, chartscan.SearchQuery{Text: q})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return res
}

func (e *env) actions(t *testing.T) []string {
	t.Helper()
	entries, err := e.audit.Query(audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range entries {
		out = append(out, x.Action+" "+x.Actor+" "+x.Via)
	}
	return out
}

// A hit carries the boxes of the words that matched, stemmed and
// prefixed, and of no other word.
func TestSearchHitsCarryWordBoxes(t *testing.T) {
	e := newEnv(t)
	p := page("aaaaaaaaaaaaaaaa", 2, e.a, "Plan: continue lisinopril", "Recheck potassium in two weeks")
	for _, tc := range []struct {
		q     string
		words []string
	}{
		{"potassium", []string{"potassium"}},
		{"rechecked", []string{"Recheck"}},
		{`"two weeks"`, []string{"two", "weeks"}},
		{"lisino*", []string{"lisinopril"}},
	} {
		res := e.search(t, tc.q)
		var hit *chartscan.SearchHit
		for i := range res.Hits {
			if res.Hits[i].PageID == p.ID {
				hit = &res.Hits[i]
			}
		}
		if hit == nil {
			t.Fatalf("%s: page %s not found: %+v", tc.q, p.ID, res.Hits)
		}
		var want []chartscan.Box
		for _, w := range p.Words {
			if slices.Contains(tc.words, w.Text) {
				want = append(want, chartscan.Box{X: w.X, Y: w.Y, W: w.W, H: w.H})
			}
		}
		if fmt.Sprint(hit.Boxes) != fmt.Sprint(want) {
			t.Errorf("%s: boxes %v, want %v (the words %v)", tc.q, hit.Boxes, want, tc.words)
		}
	}
	if acts := e.actions(t); !slices.Contains(acts, "search jdoe api") {
		t.Errorf("search not audited: %v", acts)
	}
}

// WordBoxes maps byte ranges of the text to the words they fall in, also
// past words of several bytes per character.
func TestWordBoxes(t *testing.T) {
	p := page("aaaaaaaaaaaaaaaa", 1, "", "Zoë Müller seen", "for FRACTURE, left")
	start := strings.Index(p.Text, "FRACTURE")
	got := records.WordBoxes(p, [][2]int{{strings.Index(p.Text, "seen"), strings.Index(p.Text, "seen") + 4}, {start, start + 8}})
	if len(got) != 2 || got[0].X != p.Words[2].X || got[1] != (chartscan.Box{X: p.Words[4].X, Y: p.Words[4].Y, W: p.Words[4].W, H: p.Words[4].H}) {
		t.Errorf("boxes %v; words %v", got, p.Words)
	}
	if got := records.WordBoxes(p, nil); len(got) != 0 {
		t.Errorf("no matches gave %v", got)
	}
}

// A correction made on a version that is no longer current is refused
// and changes nothing; a current one raises the version, keeps the old
// manifest and clears the review flag.
func TestCorrectRefusesStaleVersions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sec := "discharge"
	d, changed, err := e.svc.Correct(ctx, tech, e.a, records.Correction{Section: &sec, Version: 1})
	if err != nil || d.Version != 2 || d.NeedsReview || len(d.ReviewReasons) != 0 || !slices.Equal(changed, []string{"section"}) {
		t.Fatalf("Correct = %+v, %v, %v", d, changed, err)
	}
	mrn := "99999999"
	if _, _, err := e.svc.Correct(ctx, tech, e.a, records.Correction{MRN: &mrn, Version: 1}); chartscan.ErrorCode(err) != chartscan.ECONFLICT {
		t.Fatalf("stale correction: %v, want conflict", err)
	}
	now, err := chartscan.LoadDocument(ctx, e.store, e.a)
	if err != nil || now.MRN != "60465481" || now.Version != 2 {
		t.Fatalf("after a refused correction: %+v, %v", now, err)
	}
	if _, err := e.store.Stat(ctx, chartscan.DocumentVersionKey(e.a, 1)); err != nil {
		t.Errorf("version 1 not kept: %v", err)
	}
	bad := "kitchen"
	if _, _, err := e.svc.Correct(ctx, tech, e.a, records.Correction{Section: &bad}); chartscan.ErrorCode(err) != chartscan.EINVALID {
		t.Errorf("unknown section: %v", err)
	}
	scanner := chartscan.Actor{Name: "station", Role: chartscan.RoleScanner}
	if _, _, err := e.svc.Correct(ctx, scanner, e.a, records.Correction{Section: &sec}); chartscan.ErrorCode(err) != chartscan.EFORBIDDEN {
		t.Errorf("a scanner corrected a document: %v", err)
	}
}

// A split keeps the pages before the cut, gives the rest to a new document
// of the batch (listed in the batch record, found by search, kept for
// review), and keeps both old manifests; bad cuts change nothing.
func TestSplit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := chartscan.BatchID("aaaaaaaaaaaaaaaa")
	for _, bad := range []struct {
		before chartscan.PageID
		code   string
	}{
		{a.Page(1), chartscan.EREFUSED},                // nothing before it
		{"bbbbbbbbbbbbbbbb-p0001", chartscan.EREFUSED}, // not in the document
		{"../p1", chartscan.EINVALID},
	} {
		if _, _, err := e.svc.Split(ctx, tech, e.a, bad.before, 0); chartscan.ErrorCode(err) != bad.code {
			t.Errorf("split before %s: %v, want %s", bad.before, err, bad.code)
		}
	}
	if d, _ := chartscan.LoadDocument(ctx, e.store, e.a); d.Version != 1 || len(d.Pages) != 3 {
		t.Fatalf("a refused split changed the document: %+v", d)
	}
	kept, split, err := e.svc.Split(ctx, tech, e.a, a.Page(3), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(kept.Pages, []chartscan.PageID{a.Page(1), a.Page(2)}) || kept.Version != 2 {
		t.Errorf("kept = %+v", kept)
	}
	if split.ID != a.Document(2) || !slices.Equal(split.Pages, []chartscan.PageID{a.Page(3)}) || split.SplitFrom != e.a ||
		split.MRN != "60465481" || !split.NeedsReview {
		t.Errorf("split = %+v", split)
	}
	b, _ := chartscan.LoadBatch(ctx, e.store, a)
	if !slices.Equal(b.Documents, []chartscan.DocumentID{a.Document(1), a.Document(2)}) {
		t.Errorf("batch documents %v", b.Documents)
	}
	res := e.search(t, "uneventful")
	if res.Total != 1 || res.Hits[0].DocumentID != split.ID {
		t.Errorf("search after the split: %+v", res.Hits)
	}
	if p, _ := chartscan.LoadPage(ctx, e.store, a.Page(3)); p.DocumentID != split.ID {
		t.Errorf("page 3 record names document %s", p.DocumentID)
	}
	if _, err := e.store.Stat(ctx, chartscan.DocumentVersionKey(e.a, 1)); err != nil {
		t.Errorf("the manifest before the split is not kept: %v", err)
	}
	if _, _, err := e.svc.Split(ctx, tech, e.a, a.Page(2), 1); chartscan.ErrorCode(err) != chartscan.ECONFLICT {
		t.Errorf("split on a stale version: %v", err)
	}
	if acts := e.actions(t); !slices.Contains(acts, "document.split jdoe api") {
		t.Errorf("split not audited: %v", acts)
	}
}

// Merging documents of two patients needs confirming; the merged document
// holds both sets of pages, the other names it in merged_into, and search
// finds the moved page under the merged document.
func TestMerge(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.Merge(ctx, tech, e.a, e.b, 0, false); chartscan.ErrorCode(err) != chartscan.EREFUSED {
		t.Fatalf("merge of two patients without confirm: %v", err)
	}
	if _, err := e.svc.Merge(ctx, tech, e.a, e.a, 0, true); chartscan.ErrorCode(err) != chartscan.EREFUSED {
		t.Errorf("merge with itself: %v", err)
	}
	d, err := e.svc.Merge(ctx, tech, e.a, e.b, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Pages) != 4 || d.Pages[3] != "bbbbbbbbbbbbbbbb-p0001" || !slices.Equal(d.MergedFrom, []chartscan.DocumentID{e.b}) || d.MRN != "60465481" {
		t.Errorf("merged = %+v", d)
	}
	o, _ := chartscan.LoadDocument(ctx, e.store, e.b)
	if o.MergedInto != e.a || len(o.Pages) != 0 || o.NeedsReview {
		t.Errorf("other = %+v", o)
	}
	res := e.search(t, "syncope")
	if res.Total != 1 || res.Hits[0].DocumentID != e.a || res.Hits[0].MRN != "60465481" {
		t.Errorf("search after the merge: %+v", res.Hits)
	}
	if _, err := e.svc.Merge(ctx, tech, e.a, e.b, 0, true); chartscan.ErrorCode(err) != chartscan.EREFUSED {
		t.Errorf("merging an already merged document: %v", err)
	}
}

// Every access is recorded before it is answered; when the audit log
// cannot be written nothing is returned.
func TestAccessIsRefusedWhenItCannotBeRecorded(t *testing.T) {
	e := newEnv(t)
	e.audit.Close()
	if v, err := e.svc.Document(context.Background(), tech, e.a); v != nil || chartscan.ErrorCode(err) != chartscan.EUNAVAILABLE {
		t.Fatalf("Document with the audit log closed = %v, %v", v, err)
	}
}
