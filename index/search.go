package index

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	bhtml "github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"

	"chartscan"
)

// MaxLimit is the largest page of hits one search returns.
const MaxLimit = chartscan.MaxSearchLimit

// Search runs q. Fragments are short passages of the page text with the
// matched words in <mark>; all other text in them is HTML-escaped. Facets
// count the matching pages per section. Malformed queries are EINVALID.
func (x *Index) Search(ctx context.Context, q chartscan.SearchQuery) (*chartscan.SearchResults, error) {
	start := time.Now()
	parsed, err := ParseQuery(q.Text)
	if err != nil {
		return nil, err
	}
	if q.Limit == 0 {
		q.Limit = chartscan.DefaultSearchLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return nil, chartscan.Errorf(chartscan.EINVALID, "limit must be 1 to %d", MaxLimit)
	}
	if q.Offset < 0 || q.Offset > chartscan.MaxSearchOffset {
		return nil, chartscan.Errorf(chartscan.EINVALID, "offset must be 0 to %d", chartscan.MaxSearchOffset)
	}
	if q.Section != "" && !q.Section.Valid() {
		return nil, chartscan.Errorf(chartscan.EINVALID, "unknown section %q", q.Section)
	}
	if parsed.Section != "" {
		if q.Section != "" && string(q.Section) != parsed.Section {
			return emptyResults(), nil
		}
		if !chartscan.Section(parsed.Section).Valid() {
			return nil, chartscan.Errorf(chartscan.EINVALID, "unknown section %q", parsed.Section)
		}
		q.Section = chartscan.Section(parsed.Section)
	}
	if parsed.MRN != "" {
		if q.MRN != "" && q.MRN != parsed.MRN {
			return emptyResults(), nil
		}
		q.MRN = parsed.MRN
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return nil, chartscan.Errorf(chartscan.EINVALID, "date range ends before it starts")
	}

	bq := buildQuery(parsed, q)
	req := bleve.NewSearchRequestOptions(bq, q.Limit, q.Offset, false)
	req.Fields = []string{"document_id", "page_id", "page_number", "section", "mrn", "patient_name", "service_date"}
	req.Highlight = bleve.NewHighlightWithStyle(bhtml.Name)
	req.Highlight.AddField("text")
	req.IncludeLocations = true // where the matched words are, for their boxes
	req.AddFacet("section", bleve.NewFacetRequest("section", len(chartscan.Sections)))
	res, err := x.b.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	out := emptyResults()
	out.Total = res.Total
	for _, h := range res.Hits {
		hit := chartscan.SearchHit{
			PageID:      chartscan.PageID(str(h.Fields["page_id"])),
			DocumentID:  chartscan.DocumentID(str(h.Fields["document_id"])),
			Section:     chartscan.Section(str(h.Fields["section"])),
			MRN:         str(h.Fields["mrn"]),
			PatientName: str(h.Fields["patient_name"]),
			Score:       h.Score,
			Fragments:   []string{},
			Boxes:       []chartscan.Box{},
		}
		if hit.PageID == "" {
			hit.PageID = chartscan.PageID(h.ID)
		}
		for _, locs := range h.Locations["text"] {
			for _, l := range locs {
				hit.Matches = append(hit.Matches, [2]int{int(l.Start), int(l.End)})
			}
		}
		sort.Slice(hit.Matches, func(i, k int) bool { return hit.Matches[i][0] < hit.Matches[k][0] })
		if n, ok := h.Fields["page_number"].(float64); ok {
			hit.PageNumber = int(n)
		}
		if s := str(h.Fields["service_date"]); len(s) >= 10 {
			hit.ServiceDate = s[:10]
		}
		for _, f := range h.Fragments["text"] {
			hit.Fragments = append(hit.Fragments, f)
		}
		out.Hits = append(out.Hits, hit)
	}
	if f := res.Facets["section"]; f != nil && f.Terms != nil {
		for _, t := range f.Terms.Terms() {
			out.Facets["section"][t.Term] = t.Count
		}
	}
	out.TookMS = time.Since(start).Milliseconds()
	return out, nil
}

func emptyResults() *chartscan.SearchResults {
	return &chartscan.SearchResults{Hits: []chartscan.SearchHit{}, Facets: map[string]map[string]int{"section": {}}}
}

func str(v interface{}) string {
	s, _ := v.(string)
	return s
}

// buildQuery turns a parsed search into a Bleve query: a conjunction of
// every word, phrase and prefix (each matching the text, the patient's
// name or the MRN), the filters, and exclusions.
func buildQuery(p *Parsed, q chartscan.SearchQuery) query.Query {
	var must []query.Query
	for _, w := range p.Words {
		must = append(must, anyField(w))
	}
	for _, ph := range p.Phrases {
		m := query.NewMatchPhraseQuery(ph)
		m.SetField("text")
		must = append(must, m)
	}
	for _, pre := range p.Prefixes {
		t := query.NewPrefixQuery(pre)
		t.SetField("text")
		n := query.NewPrefixQuery(pre)
		n.SetField("patient_name")
		must = append(must, query.NewDisjunctionQuery([]query.Query{t, n}))
	}
	for _, n := range p.Names {
		m := query.NewMatchQuery(n)
		m.SetField("patient_name")
		must = append(must, m)
	}
	if q.Section != "" {
		t := query.NewTermQuery(string(q.Section))
		t.SetField("section")
		must = append(must, t)
	}
	if q.MRN != "" {
		t := query.NewTermQuery(q.MRN)
		t.SetField("mrn")
		must = append(must, t)
	}
	if q.Document != "" {
		t := query.NewTermQuery(string(q.Document))
		t.SetField("document_id")
		must = append(must, t)
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		incl := true
		var to time.Time
		if !q.To.IsZero() {
			to = q.To.Add(24*time.Hour - time.Nanosecond)
		}
		r := query.NewDateRangeInclusiveQuery(q.From, to, &incl, &incl)
		r.SetField("service_date")
		must = append(must, r)
	}
	if len(must) == 0 {
		must = append(must, query.NewMatchAllQuery())
	}
	bq := query.NewBooleanQuery(must, nil, nil)
	for _, n := range p.Not {
		var m query.Query
		if strings.Contains(n, " ") {
			mp := query.NewMatchPhraseQuery(n)
			mp.SetField("text")
			m = mp
		} else {
			m = anyField(n)
		}
		bq.AddMustNot(m)
	}
	return bq
}

// anyField matches a word in the page text, the patient's name or the MRN.
func anyField(w string) query.Query {
	t := query.NewMatchQuery(w)
	t.SetField("text")
	n := query.NewMatchQuery(w)
	n.SetField("patient_name")
	m := query.NewTermQuery(w)
	m.SetField("mrn")
	return query.NewDisjunctionQuery([]query.Query{t, n, m})
}

// Review returns the documents that wait for a person (needs_review),
// oldest scan first, and how many there are in all.
func (x *Index) Review(ctx context.Context, limit, offset int) ([]chartscan.DocumentID, int, error) {
	if limit <= 0 || limit > MaxLimit || offset < 0 {
		return nil, 0, chartscan.Errorf(chartscan.EINVALID, "limit must be 1 to %d and offset at least 0", MaxLimit)
	}
	q := query.NewBoolFieldQuery(true)
	q.SetField("needs_review")
	req := bleve.NewSearchRequestOptions(q, 10000, 0, false)
	req.Fields = []string{"document_id"}
	req.SortBy([]string{"scanned_at", "document_id", "page_number"})
	res, err := x.b.SearchInContext(ctx, req)
	if err != nil {
		return nil, 0, fmt.Errorf("index: review: %w", err)
	}
	var ids []chartscan.DocumentID
	seen := map[string]bool{}
	for _, h := range res.Hits {
		d := str(h.Fields["document_id"])
		if d != "" && !seen[d] {
			seen[d] = true
			ids = append(ids, chartscan.DocumentID(d))
		}
	}
	total := len(ids)
	if offset >= len(ids) {
		return []chartscan.DocumentID{}, total, nil
	}
	ids = ids[offset:]
	if len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, total, nil
}
