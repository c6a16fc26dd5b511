package index

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"chartscan"
)

func TestParseQuery(t *testing.T) {
	for in, want := range map[string]Parsed{
		"fracture":                     {Words: []string{"fracture"}},
		"  Chest   pain ":              {Words: []string{"Chest", "pain"}},
		`"chest pain" -smoker`:         {Phrases: []string{"chest pain"}, Not: []string{"smoker"}},
		`hemoglo* section:laboratory`:  {Prefixes: []string{"hemoglo"}, Section: "laboratory"},
		`mrn:00123456 name:doe x-ray`:  {Words: []string{"x-ray"}, MRN: "00123456", Names: []string{"doe"}},
		`DOB: (02/14/1958), "  a  b "`: {Words: []string{"DOB", "02/14/1958"}, Phrases: []string{"a b"}},
		`-"left knee" ***`:             {Not: []string{"left knee"}},
		`unknown:field`:                {Words: []string{"unknown:field"}},
		``:                             {},
	} {
		got, err := ParseQuery(in)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", in, err)
			continue
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("ParseQuery(%q) = %+v, want %+v", in, *got, want)
		}
	}
	for _, bad := range []string{`"unclosed`, strings.Repeat("a ", 40), strings.Repeat("x", 2000), "\xff\xfe"} {
		if _, err := ParseQuery(bad); chartscan.ErrorCode(err) != chartscan.EINVALID {
			t.Errorf("ParseQuery(%.20q): err = %v, want invalid", bad, err)
		}
	}
}

// fixture is two scanned batches: a discharge summary and a lab report of
// one patient, and an emergency record of another.
type fixture struct {
	batch *chartscan.Batch
	docs  []*chartscan.Document
	pages map[chartscan.PageID]*chartscan.Page
}

func newFixture(id chartscan.BatchID, docs ...struct {
	sec   chartscan.Section
	mrn   string
	name  string
	date  string
	texts []string
}) fixture {
	f := fixture{batch: &chartscan.Batch{ID: id, Profile: "default"}, pages: map[chartscan.PageID]*chartscan.Page{}}
	n := 0
	for i, d := range docs {
		doc := &chartscan.Document{
			ID: id.Document(i + 1), BatchID: id, Section: d.sec, MRN: d.mrn, PatientName: d.name,
			ServiceDate: d.date, ScannedAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC),
		}
		for _, text := range d.texts {
			n++
			p := &chartscan.Page{ID: id.Page(n), BatchID: id, Number: n, Text: text}
			f.pages[p.ID] = p
			doc.Pages = append(doc.Pages, p.ID)
		}
		f.docs = append(f.docs, doc)
	}
	return f
}

type docSpec = struct {
	sec   chartscan.Section
	mrn   string
	name  string
	date  string
	texts []string
}

func mustIndex(t *testing.T) *Index {
	t.Helper()
	x, err := Open(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func pageIDs(r *chartscan.SearchResults) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, string(h.PageID))
	}
	return out
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	x := mustIndex(t)
	a := newFixture("aaaaaaaaaaaaaaaa",
		docSpec{chartscan.SectionDischarge, "18857617", "MUELLER^MARIA", "2026-06-22", []string{
			"DISCHARGE SUMMARY\nHOSPITAL COURSE: The patient underwent right total knee arthroplasty without complications.",
			"MUELLER, MARIA (continued)\nDischarge medications: Synthroid 137 mcg daily, oxycodone for five days.",
		}},
		docSpec{chartscan.SectionLaboratory, "18857617", "MUELLER^MARIA", "2026-06-20", []string{
			"LABORATORY RESULTS\nHemoglobin 11.2 g/dL reference range 12.0-16.0 <L>\nPotassium 4.1 mmol/L",
		}},
	)
	b := newFixture("bbbbbbbbbbbbbbbb",
		docSpec{chartscan.SectionEmergency, "43002652", "DAVIS^MICHAEL", "2026-09-26", []string{
			"EMERGENCY ROOM RECORD\nREASON FOR VISIT: Syncope. Chest pain with exertion; no fracture seen.",
		}},
	)
	for _, f := range []fixture{a, b} {
		if err := x.Put(ctx, f.batch, f.docs, f.pages); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := x.Count(); n != 4 {
		t.Fatalf("Count = %d, want 4", n)
	}

	for _, tc := range []struct {
		name string
		q    chartscan.SearchQuery
		want []string
	}{
		{"word, stemmed", chartscan.SearchQuery{Text: "complication"}, []string{"aaaaaaaaaaaaaaaa-p0001"}},
		{"all words must match", chartscan.SearchQuery{Text: "chest syncope"}, []string{"bbbbbbbbbbbbbbbb-p0001"}},
		{"phrase", chartscan.SearchQuery{Text: `"total knee arthroplasty"`}, []string{"aaaaaaaaaaaaaaaa-p0001"}},
		{"phrase words out of order", chartscan.SearchQuery{Text: `"knee total"`}, nil},
		{"prefix", chartscan.SearchQuery{Text: "hemoglo*"}, []string{"aaaaaaaaaaaaaaaa-p0003"}},
		{"patient name", chartscan.SearchQuery{Text: "davis"}, []string{"bbbbbbbbbbbbbbbb-p0001"}},
		{"mrn typed as a word", chartscan.SearchQuery{Text: "43002652"}, []string{"bbbbbbbbbbbbbbbb-p0001"}},
		{"section filter", chartscan.SearchQuery{Text: "mueller", Section: chartscan.SectionLaboratory}, []string{"aaaaaaaaaaaaaaaa-p0003"}},
		{"section in the text", chartscan.SearchQuery{Text: "section:discharge oxycodone"}, []string{"aaaaaaaaaaaaaaaa-p0002"}},
		{"mrn filter only", chartscan.SearchQuery{MRN: "43002652"}, []string{"bbbbbbbbbbbbbbbb-p0001"}},
		{"exclusion", chartscan.SearchQuery{Text: "mueller -hemoglobin", Section: chartscan.SectionLaboratory}, nil},
		{"date range", chartscan.SearchQuery{Text: "mueller", From: day("2026-06-21"), To: day("2026-06-22")}, []string{"aaaaaaaaaaaaaaaa-p0001", "aaaaaaaaaaaaaaaa-p0002"}},
		{"date range, one day", chartscan.SearchQuery{From: day("2026-09-26"), To: day("2026-09-26")}, []string{"bbbbbbbbbbbbbbbb-p0001"}},
		{"no match", chartscan.SearchQuery{Text: "appendectomy"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := x.Search(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got := pageIDs(res)
			if len(got) > 1 {
				// order by score is not what these cases test
				sortStrings(got)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") || int(res.Total) != len(tc.want) {
				t.Fatalf("hits %v (total %d), want %v", got, res.Total, tc.want)
			}
		})
	}

	res, err := x.Search(ctx, chartscan.SearchQuery{Text: "mueller"})
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Facets["section"]; f["discharge"] != 2 || f["laboratory"] != 1 || len(f) != 2 {
		t.Errorf("facets = %v", res.Facets)
	}
	res, _ = x.Search(ctx, chartscan.SearchQuery{Text: "oxycodone"})
	h := res.Hits[0]
	if h.DocumentID != "aaaaaaaaaaaaaaaa-d01" || h.PageNumber != 2 || h.Section != "discharge" || h.MRN != "18857617" ||
		h.ServiceDate != "2026-06-22" || h.PatientName != "MUELLER MARIA" || h.Score <= 0 {
		t.Errorf("hit = %+v", h)
	}
	if len(h.Fragments) == 0 || !strings.Contains(h.Fragments[0], "<mark>oxycodone</mark>") {
		t.Errorf("fragments = %q", h.Fragments)
	}
	// Text from a page is escaped in fragments; only <mark> is markup.
	res, _ = x.Search(ctx, chartscan.SearchQuery{Text: "hemoglobin"})
	if frag := strings.Join(res.Hits[0].Fragments, " "); strings.Contains(frag, "<L>") || !strings.Contains(frag, "&lt;L&gt;") {
		t.Errorf("fragment not escaped: %q", frag)
	}

	// Paging.
	res, _ = x.Search(ctx, chartscan.SearchQuery{Text: "mueller", Limit: 1, Offset: 1})
	if len(res.Hits) != 1 || res.Total != 3 {
		t.Errorf("page 2 of 1: %d hits of %d", len(res.Hits), res.Total)
	}
	for _, bad := range []chartscan.SearchQuery{{Limit: 500}, {Offset: -1}, {Section: "kitchen"}, {Text: `"open`}, {From: day("2026-02-01"), To: day("2026-01-01")}} {
		if _, err := x.Search(ctx, bad); chartscan.ErrorCode(err) != chartscan.EINVALID {
			t.Errorf("Search(%+v): %v, want invalid", bad, err)
		}
	}
}

// Putting a batch again replaces it: pages it no longer has disappear.
func TestPutReplacesBatch(t *testing.T) {
	ctx := context.Background()
	x := mustIndex(t)
	f := newFixture("cccccccccccccccc",
		docSpec{chartscan.SectionOrders, "1234567", "", "", []string{"PHYSICIAN ORDERS admit to telemetry", "second page orders"}},
		docSpec{chartscan.SectionConsent, "1234567", "", "", []string{"CONSENT FOR TREATMENT witness"}},
	)
	if err := x.Put(ctx, f.batch, f.docs, f.pages); err != nil {
		t.Fatal(err)
	}
	g := newFixture("cccccccccccccccc",
		docSpec{chartscan.SectionOrders, "1234567", "", "", []string{"PHYSICIAN ORDERS admit to telemetry", "second page orders"}},
	)
	if err := x.Put(ctx, g.batch, g.docs, g.pages); err != nil {
		t.Fatal(err)
	}
	if n, _ := x.Count(); n != 2 {
		t.Fatalf("Count = %d after replacing, want 2", n)
	}
	if res, _ := x.Search(ctx, chartscan.SearchQuery{Text: "witness"}); res.Total != 0 {
		t.Fatalf("stale page still found")
	}
	if err := x.DeleteBatch(ctx, "cccccccccccccccc"); err != nil {
		t.Fatal(err)
	}
	if n, _ := x.Count(); n != 0 {
		t.Fatalf("Count = %d after DeleteBatch", n)
	}
}

// A second process cannot open an index in use; it gets a clear error.
func TestOpenWhileInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	x, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	_, err = Open(dir)
	if chartscan.ErrorCode(err) != chartscan.EUNAVAILABLE {
		t.Fatalf("second Open: %v, want unavailable", err)
	}
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
