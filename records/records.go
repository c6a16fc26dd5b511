// Package records reads stored documents and pages and applies
// technicians' corrections: the manifest in the object store is replaced
// (its previous version kept), and the index follows at once.
package records

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"chartscan"
)

// Indexer re-indexes the pages of one document. *index.Index implements it.
type Indexer interface {
	PutDocument(ctx context.Context, profile string, d *chartscan.Document, pages []*chartscan.Page) error
}

// Learner learns from a correction of a document's section. It may be nil.
type Learner interface {
	Learn(ctx context.Context, section chartscan.Section, pages []*chartscan.Page) error
}

// Service reads and corrects records. It is safe for concurrent use.
type Service struct {
	Store   chartscan.ObjectStore
	Index   Indexer
	Learner Learner

	mu sync.Mutex // serialises corrections
}

// PageSummary is what a document view shows of each page.
type PageSummary struct {
	ID                chartscan.PageID  `json:"id"`
	Number            int               `json:"number"`
	Section           chartscan.Section `json:"section"`
	SectionConfidence float64           `json:"section_confidence"`
	Confidence        float64           `json:"confidence"`
	ImageType         string            `json:"image_type"`
	Width             int               `json:"width"`
	Height            int               `json:"height"`
	Error             string            `json:"error,omitempty"`
}

// DocumentView is a manifest with a summary of its pages.
type DocumentView struct {
	*chartscan.Document
	PageDetails []PageSummary `json:"page_details"`
}

// Document returns a document with its pages' summaries. Malformed ids are
// EINVALID, unknown ones ENOTFOUND.
func (s *Service) Document(ctx context.Context, id string) (*DocumentView, error) {
	d, pages, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &DocumentView{Document: d, PageDetails: make([]PageSummary, len(pages))}
	for i, p := range pages {
		v.PageDetails[i] = PageSummary{
			ID: p.ID, Number: p.Number, Section: p.Section, SectionConfidence: p.SectionConfidence,
			Confidence: p.Confidence, ImageType: p.ImageType, Width: p.Width, Height: p.Height, Error: p.Error,
		}
	}
	return v, nil
}

// Pages returns the page records of a document, in order.
func (s *Service) Pages(ctx context.Context, id string) (*chartscan.Document, []*chartscan.Page, error) {
	return s.load(ctx, id)
}

func (s *Service) load(ctx context.Context, id string) (*chartscan.Document, []*chartscan.Page, error) {
	if _, _, err := chartscan.ParseDocumentID(id); err != nil {
		return nil, nil, err
	}
	d, err := chartscan.LoadDocument(ctx, s.Store, chartscan.DocumentID(id))
	if err != nil {
		if chartscan.IsNotFound(err) {
			return nil, nil, chartscan.Errorf(chartscan.ENOTFOUND, "no document %s", id)
		}
		return nil, nil, err
	}
	pages := make([]*chartscan.Page, len(d.Pages))
	for i, pid := range d.Pages {
		if pages[i], err = chartscan.LoadPage(ctx, s.Store, pid); err != nil {
			return nil, nil, fmt.Errorf("document %s page %s: %w", id, pid, err)
		}
	}
	return d, pages, nil
}

// Page returns a page record. Malformed ids are EINVALID, unknown ones
// ENOTFOUND.
func (s *Service) Page(ctx context.Context, id string) (*chartscan.Page, error) {
	if _, _, err := chartscan.ParsePageID(id); err != nil {
		return nil, err
	}
	p, err := chartscan.LoadPage(ctx, s.Store, chartscan.PageID(id))
	if chartscan.IsNotFound(err) {
		return nil, chartscan.Errorf(chartscan.ENOTFOUND, "no page %s", id)
	}
	return p, err
}

// Correction holds the fields a technician corrects; nil fields stay.
type Correction struct {
	Section     *string `json:"section"`
	MRN         *string `json:"mrn"`
	PatientName *string `json:"patient_name"`
	ServiceDate *string `json:"service_date"`
}

var (
	mrnRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,31}$`)
	dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// validate checks c and returns the names of the fields it sets.
func (c *Correction) validate() ([]string, error) {
	var fields []string
	if c.Section != nil {
		sec, err := chartscan.ParseSection(*c.Section)
		if err != nil {
			return nil, err
		}
		*c.Section = string(sec)
		fields = append(fields, "section")
	}
	if c.MRN != nil {
		*c.MRN = strings.TrimSpace(*c.MRN)
		if *c.MRN != "" && !mrnRE.MatchString(*c.MRN) {
			return nil, chartscan.Errorf(chartscan.EINVALID, "mrn: use letters, digits and '-' (at most 32)")
		}
		fields = append(fields, "mrn")
	}
	if c.PatientName != nil {
		*c.PatientName = strings.TrimSpace(*c.PatientName)
		if len(*c.PatientName) > 128 || strings.IndexFunc(*c.PatientName, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			return nil, chartscan.Errorf(chartscan.EINVALID, "patient_name: at most 128 printable characters")
		}
		fields = append(fields, "patient_name")
	}
	if c.ServiceDate != nil {
		if *c.ServiceDate != "" {
			if _, err := time.Parse("2006-01-02", *c.ServiceDate); err != nil || !dateRE.MatchString(*c.ServiceDate) {
				return nil, chartscan.Errorf(chartscan.EINVALID, "service_date: want YYYY-MM-DD")
			}
		}
		fields = append(fields, "service_date")
	}
	if len(fields) == 0 {
		return nil, chartscan.Errorf(chartscan.EINVALID, "nothing to correct: give section, mrn, patient_name or service_date")
	}
	return fields, nil
}

// Correct applies c to a document on behalf of actor. The previous
// manifest is kept under documents/versions/, the new one replaces it with
// its version raised and its review flag cleared, and the document's pages
// are re-indexed before Correct returns. It returns the new manifest and
// the names of the fields that changed.
func (s *Service) Correct(ctx context.Context, id string, c Correction, actor string) (*chartscan.Document, []string, error) {
	if _, err := c.validate(); err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, pages, err := s.load(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	prev := *d
	var changed []string
	set := func(name string, dst *string, v *string) {
		if v != nil && *dst != *v {
			*dst = *v
			changed = append(changed, name)
		}
	}
	sec := string(d.Section)
	set("section", &sec, c.Section)
	d.Section = chartscan.Section(sec)
	set("mrn", &d.MRN, c.MRN)
	set("patient_name", &d.PatientName, c.PatientName)
	set("service_date", &d.ServiceDate, c.ServiceDate)
	sort.Strings(changed)
	if len(changed) == 0 && !d.NeedsReview {
		return d, nil, nil
	}
	if c.Section != nil {
		d.SectionConfidence = 1 // a person said so
	}
	if err := chartscan.PutJSON(ctx, s.Store, chartscan.DocumentVersionKey(d.ID, prev.Version), &prev); err != nil {
		return nil, nil, err
	}
	now := time.Now().UTC()
	d.Version = prev.Version + 1
	d.CorrectedBy, d.CorrectedAt = actor, &now
	d.NeedsReview, d.ReviewReasons = false, nil
	if err := chartscan.PutJSON(ctx, s.Store, chartscan.DocumentKey(d.ID), d); err != nil {
		return nil, nil, err
	}
	if err := s.Index.PutDocument(ctx, d.Profile, d, pages); err != nil {
		return nil, nil, fmt.Errorf("re-index document %s: %w", d.ID, err)
	}
	if s.Learner != nil && c.Section != nil {
		if err := s.Learner.Learn(ctx, d.Section, pages); err != nil {
			return nil, nil, fmt.Errorf("learn from correction of %s: %w", d.ID, err)
		}
	}
	return d, changed, nil
}
