package records

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"chartscan"
	"chartscan/audit"
)

// Every change of a manifest (a correction, a split, a merge) follows the
// same steps, under one lock: the current version is checked against the
// version the person saw (a stale form is ECONFLICT), the previous
// manifest is kept under documents/versions/, the new one replaces it with
// its version raised, and the index follows before the call returns.

// Correction holds the fields a technician corrects; nil fields stay.
// Version, when not 0, is the version of the manifest the correction was
// made on: if the document has changed since, the correction is refused
// as stale (ECONFLICT) and nothing changes.
type Correction struct {
	Section     *string `json:"section"`
	MRN         *string `json:"mrn"`
	PatientName *string `json:"patient_name"`
	ServiceDate *string `json:"service_date"`
	Version     int     `json:"version,omitempty"`
}

var (
	mrnRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,31}$`)
	dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// Validate checks c and normalises its values (section in lower case,
// spaces trimmed). An unknown section, a malformed MRN or date, or nothing
// to correct is EINVALID.
func (c *Correction) Validate() error {
	n := 0
	if c.Section != nil {
		sec, err := chartscan.ParseSection(*c.Section)
		if err != nil {
			return err
		}
		*c.Section = string(sec)
		n++
	}
	if c.MRN != nil {
		*c.MRN = strings.TrimSpace(*c.MRN)
		if *c.MRN != "" && !mrnRE.MatchString(*c.MRN) {
			return chartscan.Errorf(chartscan.EINVALID, "mrn: use letters, digits and '-' (at most 32)")
		}
		n++
	}
	if c.PatientName != nil {
		*c.PatientName = strings.TrimSpace(*c.PatientName)
		if len(*c.PatientName) > 128 || strings.IndexFunc(*c.PatientName, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			return chartscan.Errorf(chartscan.EINVALID, "patient_name: at most 128 printable characters")
		}
		n++
	}
	if c.ServiceDate != nil {
		*c.ServiceDate = strings.TrimSpace(*c.ServiceDate)
		if *c.ServiceDate != "" {
			if _, err := time.Parse(time.DateOnly, *c.ServiceDate); err != nil || !dateRE.MatchString(*c.ServiceDate) {
				return chartscan.Errorf(chartscan.EINVALID, "service_date: want YYYY-MM-DD")
			}
		}
		n++
	}
	if c.Version < 0 {
		return chartscan.Errorf(chartscan.EINVALID, "version: want the manifest version the change was made on")
	}
	if n == 0 {
		return chartscan.Errorf(chartscan.EINVALID, "nothing to correct: give section, mrn, patient_name or service_date")
	}
	return nil
}

// Correct applies c to a document on behalf of a (technician role). The
// document is marked reviewed (its review flag and reasons cleared), the
// index follows, and a corrected section is learned. A new MRN for a
// document under a legal hold is EREFUSED (see refuseHeld). The change is
// audited once stored; an error after that (index, change log) leaves it
// made. It returns the new manifest and the names of the fields that
// changed.
func (s *Service) Correct(ctx context.Context, a chartscan.Actor, id chartscan.DocumentID, c Correction) (*chartscan.Document, []string, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, pages, err := s.loadCurrent(ctx, id, c.Version)
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
		if err := s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionCorrect, Document: string(id), Batch: string(d.BatchID)}); err != nil {
			return nil, nil, err
		}
		return d, nil, nil
	}
	if c.Section != nil {
		d.SectionConfidence = 1 // a person said so
	}
	if slices.Contains(changed, "mrn") {
		d.SuggestedMRN = ""
	}
	if slices.Contains(changed, "mrn") {
		if err := s.refuseHeld(ctx, "filed under another MRN", &prev); err != nil {
			return nil, nil, err
		}
	}
	d.NeedsReview, d.ReviewReasons = false, nil
	if err := s.replace(ctx, a, &prev, d); err != nil {
		return nil, nil, err
	}
	// Audited as soon as the change is stored: what follows (index,
	// change log, lessons) can be done again, the change cannot be undone.
	if err := s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionCorrect, Document: string(id), Batch: string(d.BatchID), Detail: strings.Join(changed, ",")}); err != nil {
		return nil, nil, err
	}
	if err := s.Index.PutDocument(ctx, d, pages); err != nil {
		return nil, nil, fmt.Errorf("re-index document %s: %w", d.ID, err)
	}
	if err := chartscan.RecordChange(ctx, s.Store, chartscan.Change{Batch: d.BatchID, Documents: []chartscan.DocumentID{d.ID}}); err != nil {
		return nil, nil, err
	}
	if s.Learner != nil && c.Section != nil {
		// The correction stands without its lesson: only the section
		// model learns less.
		if err := s.Learner.Learn(ctx, d.Section, pages); err != nil {
			s.log().Warn("section lesson not kept", "document", string(d.ID), "err", err.Error())
		}
	}
	return d, changed, nil
}

// Split cuts a document before one of its pages (technician role): the
// document keeps the pages before, and a new document of the same batch
// takes that page and the ones after, with the same patient, section and
// dates, marked for review so that a person checks its values. version,
// when not 0, is the version the person saw (else ECONFLICT). A page that
// is not in the document, or is its first, is EREFUSED, and so is a
// document under a legal hold. It returns the two manifests, the kept one
// first.
func (s *Service) Split(ctx context.Context, a chartscan.Actor, id chartscan.DocumentID, before chartscan.PageID, version int) (*chartscan.Document, *chartscan.Document, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, nil, err
	}
	if _, _, err := chartscan.ParsePageID(string(before)); err != nil {
		return nil, nil, chartscan.Errorf(chartscan.EINVALID, "before_page: malformed page id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, pages, err := s.loadCurrent(ctx, id, version)
	if err != nil {
		return nil, nil, err
	}
	if err := s.refuseHeld(ctx, "split", d); err != nil {
		return nil, nil, err
	}
	at := slices.Index(d.Pages, before)
	switch {
	case at < 0:
		return nil, nil, chartscan.Errorf(chartscan.EREFUSED, "page %s is not in document %s", before, id)
	case at == 0:
		return nil, nil, chartscan.Errorf(chartscan.EREFUSED, "page %s is the first page of document %s: there is nothing before it to keep", before, id)
	}
	batch, err := chartscan.LoadBatch(ctx, s.Store, d.BatchID)
	if err != nil {
		return nil, nil, fmt.Errorf("batch of %s: %w", id, err)
	}
	newID, err := s.nextDocumentID(ctx, batch)
	if err != nil {
		return nil, nil, err
	}
	prev := *d
	now := time.Now().UTC()
	nd := *d
	nd.ID, nd.Pages, nd.Version, nd.SplitFrom = newID, slices.Clone(d.Pages[at:]), 1, d.ID
	nd.MergedFrom, nd.MergedInto, nd.Title = nil, "", ""
	nd.CorrectedBy, nd.CorrectedAt = a.Name, &now
	nd.ReviewReasons = nil
	addReason(&nd, fmt.Sprintf("split off %s: check its patient, section and dates", d.ID))
	d.Pages = slices.Clone(d.Pages[:at])

	// The new document first: a crash between the two writes leaves pages
	// in two documents, never in none.
	if err := chartscan.PutJSON(ctx, s.Store, chartscan.DocumentKey(nd.ID), &nd); err != nil {
		return nil, nil, err
	}
	if err := s.replace(ctx, a, &prev, d); err != nil {
		return nil, nil, err
	}
	if err := s.record(a, http.StatusCreated, audit.Entry{Action: audit.ActionSplit, Document: string(id), Batch: string(d.BatchID),
		Detail: fmt.Sprintf("before %s into %s", before, nd.ID)}); err != nil {
		return nil, nil, err
	}
	batch.Documents = append(batch.Documents, nd.ID)
	if err := chartscan.PutJSON(ctx, s.Store, chartscan.BatchKey(batch.ID), batch); err != nil {
		return nil, nil, err
	}
	if err := s.refile(ctx, &nd, pages[at:]); err != nil {
		return nil, nil, err
	}
	if err := s.Index.PutDocument(ctx, d, pages[:at]); err != nil {
		return nil, nil, fmt.Errorf("re-index document %s: %w", d.ID, err)
	}
	if err := chartscan.RecordChange(ctx, s.Store, chartscan.Change{Batch: d.BatchID, Documents: []chartscan.DocumentID{d.ID, nd.ID}}); err != nil {
		return nil, nil, err
	}
	return d, &nd, nil
}

// Merge appends the pages of document other to document id (technician
// role). The merged manifest keeps id's values; other keeps no pages and
// names id in merged_into. Documents that name different patients are
// merged only with confirm (else EREFUSED): a merge files pages under
// another patient. Documents under a legal hold are not merged at all
// (EREFUSED). version, when not 0, is the version of id the person saw
// (else ECONFLICT). It returns the merged manifest.
func (s *Service) Merge(ctx context.Context, a chartscan.Actor, id, other chartscan.DocumentID, version int, confirm bool) (*chartscan.Document, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, err
	}
	if _, _, err := chartscan.ParseDocumentID(string(other)); err != nil {
		return nil, chartscan.Errorf(chartscan.EINVALID, "with: malformed document id")
	}
	if other == id {
		return nil, chartscan.Errorf(chartscan.EREFUSED, "a document cannot be merged with itself")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, pages, err := s.loadCurrent(ctx, id, version)
	if err != nil {
		return nil, err
	}
	o, opages, err := s.loadCurrent(ctx, other, 0)
	if err != nil {
		return nil, err
	}
	for _, x := range []*chartscan.Document{d, o} {
		if x.MergedInto != "" {
			return nil, chartscan.Errorf(chartscan.EREFUSED, "document %s was already merged into %s", x.ID, x.MergedInto)
		}
	}
	if err := s.refuseHeld(ctx, "merged", d, o); err != nil {
		return nil, err
	}
	if differentPatients(d, o) && !confirm {
		return nil, chartscan.Errorf(chartscan.EREFUSED, "documents %s and %s name different patients; confirm the merge to file all their pages under the patient of %s", id, other, id)
	}
	prevD, prevO := *d, *o
	d.Pages = append(slices.Clone(d.Pages), o.Pages...)
	d.MergedFrom = append(slices.Clone(d.MergedFrom), o.ID)
	o.Pages, o.MergedInto, o.NeedsReview, o.ReviewReasons = []chartscan.PageID{}, d.ID, false, nil
	// The merged document first: a crash between the writes leaves pages
	// in two documents, never in none.
	if err := s.replace(ctx, a, &prevD, d); err != nil {
		return nil, err
	}
	if err := s.replace(ctx, a, &prevO, o); err != nil {
		return nil, err
	}
	if err := s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionMerge, Document: string(id), Batch: string(d.BatchID),
		Detail: fmt.Sprintf("with %s", other)}); err != nil {
		return nil, err
	}
	all := append(slices.Clone(pages), opages...)
	if err := s.refile(ctx, d, all); err != nil {
		return nil, err
	}
	for _, c := range []chartscan.Change{{Batch: d.BatchID, Documents: []chartscan.DocumentID{d.ID}}, {Batch: o.BatchID, Documents: []chartscan.DocumentID{o.ID}}} {
		if err := chartscan.RecordChange(ctx, s.Store, c); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// differentPatients reports whether two documents name different patients
// (by MRN, or by name when neither has an MRN).
func differentPatients(a, b *chartscan.Document) bool {
	if a.MRN != "" && b.MRN != "" {
		return !strings.EqualFold(a.MRN, b.MRN)
	}
	return a.PatientName != "" && b.PatientName != "" && !strings.EqualFold(a.PatientName, b.PatientName)
}

// loadCurrent loads a document for a change, refusing one that changed
// since version (when not 0) as stale.
func (s *Service) loadCurrent(ctx context.Context, id chartscan.DocumentID, version int) (*chartscan.Document, []*chartscan.Page, error) {
	if s.Index == nil {
		return nil, nil, chartscan.Errorf(chartscan.EUNAVAILABLE, "this node keeps no search index (node.role capture): make changes on a search node")
	}
	d, pages, err := s.load(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if version != 0 && version != d.Version {
		return nil, nil, chartscan.Errorf(chartscan.ECONFLICT, "document %s changed since it was opened (version %d, now %d): reload it and try again", id, version, d.Version)
	}
	return d, pages, nil
}

// replace keeps prev under documents/versions/ and stores d as the next
// version, changed by a now.
func (s *Service) replace(ctx context.Context, a chartscan.Actor, prev, d *chartscan.Document) error {
	if err := chartscan.PutJSON(ctx, s.Store, chartscan.DocumentVersionKey(d.ID, prev.Version), prev); err != nil {
		return err
	}
	now := time.Now().UTC()
	d.Version = prev.Version + 1
	d.CorrectedBy, d.CorrectedAt = a.Name, &now
	return chartscan.PutJSON(ctx, s.Store, chartscan.DocumentKey(d.ID), d)
}

// refile points the page records at the document they are now in, with
// its section, and re-indexes the document.
func (s *Service) refile(ctx context.Context, d *chartscan.Document, pages []*chartscan.Page) error {
	for _, p := range pages {
		if p.DocumentID == d.ID && p.Section == d.Section {
			continue
		}
		p.DocumentID, p.Section = d.ID, d.Section
		if err := chartscan.PutJSON(ctx, s.Store, chartscan.PageRecordKey(p.BatchID, p.Number), p); err != nil {
			return err
		}
	}
	if err := s.Index.PutDocument(ctx, d, pages); err != nil {
		return fmt.Errorf("re-index document %s: %w", d.ID, err)
	}
	return nil
}

// nextDocumentID returns the first document number of the batch that no
// manifest uses.
func (s *Service) nextDocumentID(ctx context.Context, b *chartscan.Batch) (chartscan.DocumentID, error) {
	used := map[chartscan.DocumentID]bool{}
	for _, id := range b.Documents {
		used[id] = true
	}
	err := s.Store.List(ctx, chartscan.DocumentsPrefix(b.ID), func(o chartscan.ObjectInfo) error {
		if id, ok := chartscan.ParseDocumentKey(o.Key); ok {
			used[id] = true
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	for n := 1; ; n++ {
		if id := b.ID.Document(n); !used[id] {
			return id, nil
		}
	}
}

func addReason(d *chartscan.Document, r string) {
	if !slices.Contains(d.ReviewReasons, r) {
		d.ReviewReasons = append(d.ReviewReasons, r)
	}
	d.NeedsReview = true
}
