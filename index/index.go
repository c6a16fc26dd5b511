// Package index is chartscan's full-text search over scanned pages, built
// on Bleve. It is the only package that imports bleve. The index holds one
// entry per content page; it is derived data, rebuilt from the object store
// by reindex whenever it is lost.
package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/standard"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"chartscan"
)

// Index is an open Bleve index. It is safe for concurrent use. Only one
// process can have an index open at a time.
type Index struct {
	b bleve.Index
}

var _ chartscan.SearchIndex = (*Index)(nil)

// entry is what the index stores for one content page. Field names are the
// index's contract with search and reindex.
type entry struct {
	Type        string     `json:"type"`
	PageID      string     `json:"page_id"`
	DocumentID  string     `json:"document_id"`
	BatchID     string     `json:"batch_id"`
	PageNumber  int        `json:"page_number"`
	Section     string     `json:"section"`
	MRN         string     `json:"mrn"`
	PatientName string     `json:"patient_name"`
	DOB         string     `json:"dob"`
	ServiceDate *time.Time `json:"service_date,omitempty"` // nil when unknown
	ScannedAt   time.Time  `json:"scanned_at"`
	Profile     string     `json:"profile"`
	NeedsReview bool       `json:"needs_review"`
	Text        string     `json:"text"`
}

const entryType = "page"

// Mapping returns the index mapping: keywords for identifiers, sections,
// MRNs and profiles; English analysis for OCR text; the standard analyzer
// for patient names; datetimes for the service and scan dates.
func Mapping() mapping.IndexMapping {
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.IncludeInAll = false
		f.DocValues = true
		return f
	}
	date := func() *mapping.FieldMapping {
		f := bleve.NewDateTimeFieldMapping()
		f.Store = true
		f.IncludeInAll = false
		return f
	}
	text := bleve.NewTextFieldMapping()
	text.Analyzer = en.AnalyzerName
	text.Store = true // fragments are cut from the stored text
	text.IncludeTermVectors = true
	text.IncludeInAll = false

	name := bleve.NewTextFieldMapping()
	name.Analyzer = standard.Name
	name.Store = true
	name.IncludeInAll = false

	num := bleve.NewNumericFieldMapping()
	num.Store = true
	num.IncludeInAll = false

	flag := bleve.NewBooleanFieldMapping()
	flag.Store = false
	flag.IncludeInAll = false

	page := bleve.NewDocumentStaticMapping()
	for _, f := range []string{"page_id", "document_id", "batch_id", "type"} {
		page.AddFieldMappingsAt(f, kw(f != "type"))
	}
	page.AddFieldMappingsAt("section", kw(true))
	page.AddFieldMappingsAt("mrn", kw(true))
	page.AddFieldMappingsAt("profile", kw(false))
	page.AddFieldMappingsAt("dob", kw(false))
	page.AddFieldMappingsAt("page_number", num)
	page.AddFieldMappingsAt("patient_name", name)
	page.AddFieldMappingsAt("service_date", date())
	page.AddFieldMappingsAt("scanned_at", date())
	page.AddFieldMappingsAt("needs_review", flag)
	page.AddFieldMappingsAt("text", text)

	m := bleve.NewIndexMapping()
	m.TypeField = "type"
	m.DefaultType = entryType
	m.DefaultAnalyzer = standard.Name
	m.AddDocumentMapping(entryType, page)
	m.DefaultMapping = page
	return m
}

// Open opens the index in dir, creating it when missing. When another
// process holds the index it fails after a few seconds with EUNAVAILABLE.
func Open(dir string) (*Index, error) {
	cfg := map[string]interface{}{"bolt_timeout": "3s"}
	b, err := bleve.OpenUsing(dir, cfg)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		if err := os.MkdirAll(dirParent(dir), 0o750); err != nil {
			return nil, err
		}
		b, err = bleve.NewUsing(dir, Mapping(), bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, cfg)
	}
	if err != nil {
		if strings.Contains(err.Error(), "timeout") {
			return nil, chartscan.WrapError(chartscan.EUNAVAILABLE, err, "the index is in use by another chartscan process (a running chartscan serve?)")
		}
		return nil, fmt.Errorf("index: open %s: %w", dir, err)
	}
	return &Index{b: b}, nil
}

func dirParent(dir string) string {
	i := strings.LastIndexAny(dir, `/\`)
	if i <= 0 {
		return "."
	}
	return dir[:i]
}

// Close flushes and closes the index.
func (x *Index) Close() error { return x.b.Close() }

// Count returns the number of indexed pages.
func (x *Index) Count() (uint64, error) { return x.b.DocCount() }

// Put indexes the content pages of the documents of one batch, replacing
// whatever the index held for that batch, in one atomic step: a search sees
// the batch either as it was or complete. pages must hold every page the
// documents list.
func (x *Index) Put(ctx context.Context, batch *chartscan.Batch, docs []*chartscan.Document, pages map[chartscan.PageID]*chartscan.Page) error {
	stale, err := x.entriesOf(ctx, "batch_id", string(batch.ID))
	if err != nil {
		return err
	}
	bb := x.b.NewBatch()
	keep := map[string]bool{}
	for _, d := range docs {
		for _, pid := range d.Pages {
			p := pages[pid]
			if p == nil {
				return fmt.Errorf("index: document %s lists page %s that was not given", d.ID, pid)
			}
			if err := bb.Index(string(pid), newEntry(batch.Profile, d, p)); err != nil {
				return err
			}
			keep[string(pid)] = true
		}
	}
	for _, e := range stale {
		// A page of this batch merged into a document of another batch is
		// that document's now: it stays.
		if !keep[e.page] && strings.HasPrefix(e.document, string(batch.ID)) {
			bb.Delete(e.page)
		}
	}
	return x.b.Batch(bb)
}

// PutDocument re-indexes the pages of one document, as after a
// correction, a split or a merge.
func (x *Index) PutDocument(ctx context.Context, d *chartscan.Document, pages []*chartscan.Page) error {
	bb := x.b.NewBatch()
	for _, p := range pages {
		if err := bb.Index(string(p.ID), newEntry(d.Profile, d, p)); err != nil {
			return err
		}
	}
	return x.b.Batch(bb)
}

// DeleteDocument removes every page indexed for a document.
func (x *Index) DeleteDocument(ctx context.Context, id chartscan.DocumentID) error {
	ids, err := x.entries(ctx, "document_id", string(id))
	if err != nil {
		return err
	}
	bb := x.b.NewBatch()
	for _, pid := range ids {
		bb.Delete(pid)
	}
	return x.b.Batch(bb)
}

// DeleteBatch removes every page of a batch.
func (x *Index) DeleteBatch(ctx context.Context, id chartscan.BatchID) error {
	ids, err := x.batchEntries(ctx, id)
	if err != nil {
		return err
	}
	bb := x.b.NewBatch()
	for _, pid := range ids {
		bb.Delete(pid)
	}
	return x.b.Batch(bb)
}

// batchEntries returns the ids of the pages indexed for a batch.
func (x *Index) batchEntries(ctx context.Context, id chartscan.BatchID) ([]string, error) {
	return x.entries(ctx, "batch_id", string(id))
}

// indexed is an entry of the index: a page and the document it is in.
type indexed struct{ page, document string }

// entries returns the ids of the pages whose keyword field has value v.
func (x *Index) entries(ctx context.Context, field, v string) ([]string, error) {
	es, err := x.entriesOf(ctx, field, v)
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.page
	}
	return ids, err
}

// entriesOf returns the pages, and their documents, whose keyword field
// has value v.
func (x *Index) entriesOf(ctx context.Context, field, v string) ([]indexed, error) {
	q := query.NewTermQuery(v)
	q.SetField(field)
	var out []indexed
	for from := 0; ; from += 1000 {
		req := bleve.NewSearchRequestOptions(q, 1000, from, false)
		req.Fields = []string{"document_id"}
		res, err := x.b.SearchInContext(ctx, req)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			out = append(out, indexed{page: h.ID, document: str(h.Fields["document_id"])})
		}
		if len(res.Hits) < 1000 {
			return out, nil
		}
	}
}

func newEntry(profile string, d *chartscan.Document, p *chartscan.Page) *entry {
	e := &entry{
		Type:        entryType,
		PageID:      string(p.ID),
		DocumentID:  string(d.ID),
		BatchID:     string(p.BatchID),
		PageNumber:  p.Number,
		Section:     string(d.Section),
		MRN:         d.MRN,
		PatientName: strings.ReplaceAll(d.PatientName, "^", " "),
		DOB:         d.DOB,
		ScannedAt:   d.ScannedAt.UTC(),
		Profile:     profile,
		NeedsReview: d.NeedsReview,
		Text:        p.Text,
	}
	if t, err := time.Parse("2006-01-02", d.ServiceDate); err == nil {
		e.ServiceDate = &t
	}
	return e
}

// Bulk adds many batches to an index in large Bleve batches, without
// looking for earlier entries: for filling a fresh index (reindex). It is
// not safe for concurrent use. Call Flush at the end.
type Bulk struct {
	x       *Index
	b       *bleve.Batch
	pending int
	// Size is the number of pages per Bleve batch; 0 means 2000.
	Size int
}

// Bulk returns a bulk writer for x.
func (x *Index) Bulk() *Bulk { return &Bulk{x: x, b: x.b.NewBatch()} }

// Add queues the content pages of a batch's documents.
func (w *Bulk) Add(profile string, docs []*chartscan.Document, pages map[chartscan.PageID]*chartscan.Page) error {
	for _, d := range docs {
		for _, pid := range d.Pages {
			p := pages[pid]
			if p == nil {
				return fmt.Errorf("index: document %s lists page %s that was not given", d.ID, pid)
			}
			if err := w.b.Index(string(pid), newEntry(profile, d, p)); err != nil {
				return err
			}
			w.pending++
		}
	}
	size := w.Size
	if size <= 0 {
		size = 2000
	}
	if w.pending >= size {
		return w.Flush()
	}
	return nil
}

// Flush writes what is queued.
func (w *Bulk) Flush() error {
	if w.pending == 0 {
		return nil
	}
	if err := w.x.b.Batch(w.b); err != nil {
		return err
	}
	w.b = w.x.b.NewBatch()
	w.pending = 0
	return nil
}
