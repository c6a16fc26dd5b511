package records

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"

	"chartscan"
	"chartscan/audit"
)

// What the FHIR facade and the exports ask of the records: a document
// with its batch and its PDF's size and hashes, documents by patient,
// type and capture time, and the audit trail with the patient of each
// entry.

// PDFInfo is what an exchange says of a document's PDF.
type PDFInfo struct {
	Size   int64
	SHA1   [sha1.Size]byte
	SHA256 [sha256.Size]byte
}

// DocumentRecord is a document with what an exchange of it needs: the
// batch it was captured in (source file, station, capture time) and its
// PDF's size and hashes.
type DocumentRecord struct {
	Document *chartscan.Document
	Batch    *chartscan.Batch
	// PDF is nil for a document without pages (merged into another).
	PDF *PDFInfo
}

// DocumentRecord returns a document with its batch and PDF summary.
// Technician role; recorded as a view of the document. Malformed ids are
// EINVALID, unknown ones ENOTFOUND.
func (s *Service) DocumentRecord(ctx context.Context, a chartscan.Actor, id chartscan.DocumentID) (*DocumentRecord, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, err
	}
	rec, _, err := s.documentRecord(ctx, id, false, map[chartscan.BatchID]*chartscan.Batch{})
	if err != nil {
		return nil, err
	}
	return recorded(rec, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionDocView, Document: string(id), Batch: string(rec.Document.BatchID)}))
}

// documentRecord loads a document, its batch (from batches, which it
// fills) and its PDF summary; with wantPDF it also returns the PDF.
func (s *Service) documentRecord(ctx context.Context, id chartscan.DocumentID, wantPDF bool, batches map[chartscan.BatchID]*chartscan.Batch) (*DocumentRecord, []byte, error) {
	if _, _, err := chartscan.ParseDocumentID(string(id)); err != nil {
		return nil, nil, err
	}
	d, err := chartscan.LoadDocument(ctx, s.Store, id)
	if chartscan.IsNotFound(err) {
		return nil, nil, chartscan.Errorf(chartscan.ENOTFOUND, "no document %s", id)
	}
	if err != nil {
		return nil, nil, err
	}
	return s.recordOf(ctx, d, wantPDF, batches)
}

func (s *Service) recordOf(ctx context.Context, d *chartscan.Document, wantPDF bool, batches map[chartscan.BatchID]*chartscan.Batch) (*DocumentRecord, []byte, error) {
	b := batches[d.BatchID]
	if b == nil {
		var err error
		if b, err = chartscan.LoadBatch(ctx, s.Store, d.BatchID); err != nil {
			return nil, nil, fmt.Errorf("batch of %s: %w", d.ID, err)
		}
		batches[d.BatchID] = b
	}
	rec := &DocumentRecord{Document: d, Batch: b}
	if len(d.Pages) == 0 {
		return rec, nil, nil
	}
	key := pdfKey{svc: s, id: d.ID, version: d.Version, changed: changedAt(d)}
	if info := pdfInfos.get(key); info != nil && !wantPDF {
		rec.PDF = info
		return rec, nil, nil
	}
	_, out, err := s.documentPDF(ctx, d.ID)
	if err != nil {
		return nil, nil, err
	}
	info := &PDFInfo{Size: int64(len(out)), SHA1: sha1.Sum(out), SHA256: sha256.Sum256(out)}
	pdfInfos.put(key, info)
	rec.PDF = info
	if !wantPDF {
		out = nil
	}
	return rec, out, nil
}

// pdfKey names one version of a document's PDF, which is byte-stable
// until the document changes.
type pdfKey struct {
	svc     *Service
	id      chartscan.DocumentID
	version int
	changed time.Time
}

// pdfCache keeps the summaries of recently made PDFs, so that a search
// answer does not assemble every PDF it describes each time. It is safe
// for concurrent use.
type pdfCache struct {
	mu    sync.Mutex
	m     map[pdfKey]*PDFInfo
	order []pdfKey
}

const pdfCacheSize = 4096

var pdfInfos = &pdfCache{m: map[pdfKey]*PDFInfo{}}

func (c *pdfCache) get(k pdfKey) *PDFInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *pdfCache) put(k pdfKey, v *PDFInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	if len(c.order) >= pdfCacheSize {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[k] = v
	c.order = append(c.order, k)
}

// DocumentFilter selects documents by patient, type and capture time.
type DocumentFilter struct {
	// MRN is the patient's; it is required unless ID is set.
	MRN string
	// ID selects one document ("" for any).
	ID chartscan.DocumentID
	// Sections are the chart sections wanted (any of them); nil for any,
	// empty but not nil for none.
	Sections []chartscan.Section
	// From (inclusive) and Until (exclusive) bound the capture time;
	// zero for open.
	From, Until time.Time
	// Offset and Count select the page of the matches answered, newest
	// capture first; Count 0 answers only the total.
	Offset, Count int
	// Query is the request as asked, for the audit log.
	Query string
}

// DocumentPage is one page of the documents a DocumentFilter selects.
type DocumentPage struct {
	Total   int
	Records []*DocumentRecord
}

// maxPatientPages bounds the pages of one patient a document search
// looks through (the index answers at most MaxSearchOffset deep).
const maxPatientPages = chartscan.MaxSearchOffset

// FindDocuments returns the documents f selects, newest capture first.
// Technician role; the search, as asked, is recorded. A filter without
// MRN or ID is EINVALID; a patient with more pages than the index can
// page through is ETOOLARGE (narrow the search by type or date).
// Documents merged into another are found by ID only.
func (s *Service) FindDocuments(ctx context.Context, a chartscan.Actor, f DocumentFilter) (*DocumentPage, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, err
	}
	if f.Offset < 0 || f.Count < 0 {
		return nil, chartscan.Errorf(chartscan.EINVALID, "offset and count must not be negative")
	}
	var docs []*chartscan.Document
	switch {
	case f.ID != "":
		if _, _, err := chartscan.ParseDocumentID(string(f.ID)); err != nil {
			break // no such document: found by none
		}
		d, err := chartscan.LoadDocument(ctx, s.Store, f.ID)
		if err != nil && !chartscan.IsNotFound(err) {
			return nil, err
		}
		if err == nil {
			docs = append(docs, d)
		}
	case f.MRN != "":
		ids, err := s.patientDocuments(ctx, f.MRN, f.Sections, time.Time{}, time.Time{})
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			d, err := chartscan.LoadDocument(ctx, s.Store, id)
			if chartscan.IsNotFound(err) {
				continue // removed since it was indexed
			}
			if err != nil {
				return nil, err
			}
			docs = append(docs, d)
		}
	default:
		return nil, chartscan.Errorf(chartscan.EINVALID, "a document search needs the patient")
	}
	var match []*chartscan.Document
	for _, d := range docs {
		if (f.MRN != "" && d.MRN != f.MRN) ||
			(f.Sections != nil && !slices.Contains(f.Sections, d.Section)) ||
			(!f.From.IsZero() && d.ScannedAt.Before(f.From)) ||
			(!f.Until.IsZero() && !d.ScannedAt.Before(f.Until)) {
			continue
		}
		match = append(match, d)
	}
	sort.Slice(match, func(i, k int) bool {
		if !match[i].ScannedAt.Equal(match[k].ScannedAt) {
			return match[i].ScannedAt.After(match[k].ScannedAt)
		}
		return match[i].ID < match[k].ID
	})
	out := &DocumentPage{Total: len(match), Records: []*DocumentRecord{}}
	batches := map[chartscan.BatchID]*chartscan.Batch{}
	for i := f.Offset; i < len(match) && i < f.Offset+f.Count; i++ {
		rec, _, err := s.recordOf(ctx, match[i], false, batches)
		if err != nil {
			return nil, err
		}
		out.Records = append(out.Records, rec)
	}
	return recorded(out, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionSearch, Query: f.Query}))
}

// patientDocuments returns the ids of the documents the index holds
// pages of for a patient, of the sections given (any for nil; none for
// an empty, non-nil list) and with a service date in [from, to] (open
// ends for zero times), in service-date order. A patient with more than
// maxPatientPages such pages is ETOOLARGE.
func (s *Service) patientDocuments(ctx context.Context, mrn string, sections []chartscan.Section, from, to time.Time) ([]chartscan.DocumentID, error) {
	idx, err := s.index()
	if err != nil {
		return nil, err
	}
	if sections != nil && len(sections) == 0 {
		return nil, nil
	}
	if sections == nil {
		sections = []chartscan.Section{""}
	}
	type found struct {
		id   chartscan.DocumentID
		date string
	}
	var docs []found
	seen := map[chartscan.DocumentID]bool{}
	for _, sec := range sections {
		q := chartscan.SearchQuery{MRN: mrn, Section: sec, From: from, To: to, Limit: chartscan.MaxSearchLimit}
		for {
			res, err := idx.Search(ctx, q)
			if err != nil {
				return nil, err
			}
			if res.Total > maxPatientPages {
				return nil, chartscan.Errorf(chartscan.ETOOLARGE, "the patient has more than %d pages of that kind: narrow the search by type or date", maxPatientPages)
			}
			for _, h := range res.Hits {
				if !seen[h.DocumentID] {
					seen[h.DocumentID] = true
					docs = append(docs, found{h.DocumentID, h.ServiceDate})
				}
			}
			q.Offset += len(res.Hits)
			if len(res.Hits) == 0 || uint64(q.Offset) >= res.Total {
				break
			}
		}
	}
	sort.SliceStable(docs, func(i, k int) bool {
		if docs[i].date != docs[k].date {
			return docs[i].date < docs[k].date
		}
		return docs[i].id < docs[k].id
	})
	ids := make([]chartscan.DocumentID, len(docs))
	for i, d := range docs {
		ids[i] = d.id
	}
	return ids, nil
}

// AuditRecord is an audit entry with the patient of the document it
// names ("" when it names none, or the document is gone).
type AuditRecord struct {
	audit.Entry
	MRN string
}

// AuditTrail returns the audit entries f selects, newest first, each
// with the MRN of the document it names. Admin role; the reading is
// itself recorded, with query as asked.
func (s *Service) AuditTrail(ctx context.Context, a chartscan.Actor, f audit.Filter, query string) ([]AuditRecord, error) {
	if err := grant(a, chartscan.RoleAdmin); err != nil {
		return nil, err
	}
	entries, err := s.Audit.Query(f)
	if err != nil {
		return nil, err
	}
	mrns := map[string]string{}
	out := make([]AuditRecord, len(entries))
	for i, e := range entries {
		out[i].Entry = e
		if e.Document == "" {
			continue
		}
		mrn, ok := mrns[e.Document]
		if !ok {
			if _, _, err := chartscan.ParseDocumentID(e.Document); err == nil {
				d, err := chartscan.LoadDocument(ctx, s.Store, chartscan.DocumentID(e.Document))
				if err != nil && !chartscan.IsNotFound(err) {
					return nil, err
				}
				if d != nil {
					mrn = d.MRN
				}
			}
			mrns[e.Document] = mrn
		}
		out[i].MRN = mrn
	}
	return recorded(out, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionAuditRead, Query: query}))
}
