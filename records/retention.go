package records

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"chartscan"
	"chartscan/audit"
)

// Legal holds and the end of retention. A hold covers a document or every
// document of a patient; while it stands, nothing destroys what it covers,
// and on a store with object lock (chartscan.LegalHolder) every object of
// a held document carries an S3 legal hold as well, so that not even the
// bucket's own credentials can delete it.

// HoldRequest asks for a legal hold on a patient's records or one document.
type HoldRequest struct {
	MRN        string               `json:"mrn"`
	DocumentID chartscan.DocumentID `json:"document_id"`
	Reason     string               `json:"reason"`
}

// CreateHold places a legal hold (admin role). Exactly one of MRN and
// document is given, and a reason; a malformed request is EINVALID, an
// unknown document ENOTFOUND.
func (s *Service) CreateHold(ctx context.Context, a chartscan.Actor, req HoldRequest) (*chartscan.Hold, error) {
	if err := grant(a, chartscan.RoleAdmin); err != nil {
		return nil, err
	}
	req.MRN, req.Reason = strings.TrimSpace(req.MRN), strings.TrimSpace(req.Reason)
	switch {
	case (req.MRN == "") == (req.DocumentID == ""):
		return nil, chartscan.Errorf(chartscan.EINVALID, "give mrn or document_id, one of them")
	case req.MRN != "" && !mrnRE.MatchString(req.MRN):
		return nil, chartscan.Errorf(chartscan.EINVALID, "mrn: use letters, digits and '-' (at most 32)")
	case req.Reason == "" || len(req.Reason) > 500 || !printable(req.Reason):
		return nil, chartscan.Errorf(chartscan.EINVALID, "reason: say why the records are held (at most 500 characters)")
	}
	if req.DocumentID != "" {
		if _, _, err := chartscan.ParseDocumentID(string(req.DocumentID)); err != nil {
			return nil, err
		}
		if _, err := chartscan.LoadDocument(ctx, s.Store, req.DocumentID); err != nil {
			if chartscan.IsNotFound(err) {
				return nil, chartscan.Errorf(chartscan.ENOTFOUND, "no document %s", req.DocumentID)
			}
			return nil, err
		}
	}
	h := &chartscan.Hold{ID: chartscan.NewHoldID(), MRN: req.MRN, DocumentID: req.DocumentID, Reason: req.Reason,
		CreatedBy: a.Name, CreatedAt: time.Now().UTC()}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The record first: from then on the retention run spares what the
	// hold covers, whatever happens to the store's own holds below.
	if err := chartscan.PutJSON(ctx, s.Store, chartscan.HoldKey(h.ID), h); err != nil {
		return nil, err
	}
	if err := s.applyHolds(ctx, h, true, nil); err != nil {
		return nil, err
	}
	return recorded(h, s.record(a, http.StatusCreated, audit.Entry{Action: audit.ActionHold, Document: string(h.DocumentID),
		Detail: fmt.Sprintf("%s: %s", h.ID, holdScope(h))}))
}

// Holds returns the holds that stand, oldest first (admin role).
func (s *Service) Holds(ctx context.Context, a chartscan.Actor) ([]*chartscan.Hold, error) {
	if err := grant(a, chartscan.RoleAdmin); err != nil {
		return nil, err
	}
	hs, err := s.holds(ctx)
	if err != nil {
		return nil, err
	}
	return recorded(hs, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionHoldList}))
}

// DeleteHold lifts a hold (admin role); the store's legal holds come off
// the objects no other hold covers. An unknown hold is ENOTFOUND.
func (s *Service) DeleteHold(ctx context.Context, a chartscan.Actor, id chartscan.HoldID) error {
	if err := grant(a, chartscan.RoleAdmin); err != nil {
		return err
	}
	if !id.Valid() {
		return chartscan.Errorf(chartscan.EINVALID, "malformed hold id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var h chartscan.Hold
	if err := chartscan.GetJSON(ctx, s.Store, chartscan.HoldKey(id), &h); err != nil {
		if chartscan.IsNotFound(err) {
			return chartscan.Errorf(chartscan.ENOTFOUND, "no hold %s", id)
		}
		return err
	}
	if err := s.Store.Delete(ctx, chartscan.HoldKey(id)); err != nil {
		return err
	}
	others, err := s.holds(ctx)
	if err != nil {
		return err
	}
	if err := s.applyHolds(ctx, &h, false, others); err != nil {
		return err
	}
	return s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionUnhold, Document: string(h.DocumentID), Detail: fmt.Sprintf("%s: %s", h.ID, holdScope(&h))})
}

func holdScope(h *chartscan.Hold) string {
	if h.DocumentID != "" {
		return "document " + string(h.DocumentID)
	}
	return "every document of the patient"
}

// holds reads the holds that stand.
func (s *Service) holds(ctx context.Context) ([]*chartscan.Hold, error) {
	out := []*chartscan.Hold{}
	err := s.Store.List(ctx, chartscan.HoldsPrefix, func(o chartscan.ObjectInfo) error {
		var h chartscan.Hold
		if err := chartscan.GetJSON(ctx, s.Store, o.Key, &h); err != nil {
			if chartscan.IsNotFound(err) {
				return nil
			}
			return err
		}
		out = append(out, &h)
		return nil
	})
	sort.Slice(out, func(i, k int) bool { return out[i].CreatedAt.Before(out[k].CreatedAt) })
	return out, err
}

// applyHolds turns the store's legal hold on (or off) on every object of
// the documents h covers; when lifting, documents another of others
// covers keep theirs. A store without object lock needs nothing.
func (s *Service) applyHolds(ctx context.Context, h *chartscan.Hold, on bool, others []*chartscan.Hold) error {
	lh, ok := s.Store.(chartscan.LegalHolder)
	if !ok {
		return nil
	}
	docs, err := s.covered(ctx, h)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if !on && heldBy(d, others) != nil {
			continue
		}
		keys, err := s.documentObjects(ctx, d)
		if err != nil {
			return err
		}
		for _, k := range keys {
			err := lh.SetLegalHold(ctx, k, on)
			switch {
			case chartscan.ErrorCode(err) == chartscan.EUNSUPPORTED:
				return nil // a bucket without object lock: the hold record is the hold
			case chartscan.IsNotFound(err):
				continue
			case err != nil:
				return fmt.Errorf("legal hold on %s: %w", d.ID, err)
			}
		}
	}
	return nil
}

// covered returns the documents a hold covers today.
func (s *Service) covered(ctx context.Context, h *chartscan.Hold) ([]*chartscan.Document, error) {
	var ids []chartscan.DocumentID
	if h.DocumentID != "" {
		ids = []chartscan.DocumentID{h.DocumentID}
	} else {
		var err error
		if ids, err = s.patientDocuments(ctx, h.MRN, nil, time.Time{}, time.Time{}); err != nil {
			return nil, err
		}
	}
	var out []*chartscan.Document
	for _, id := range ids {
		d, err := chartscan.LoadDocument(ctx, s.Store, id)
		if chartscan.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// documentObjects lists the keys of every object of a document: its
// manifest, its kept versions, and its pages' images and records.
func (s *Service) documentObjects(ctx context.Context, d *chartscan.Document) ([]string, error) {
	keys := []string{chartscan.DocumentKey(d.ID)}
	err := s.Store.List(ctx, chartscan.DocumentVersionsPrefix(d.ID), func(o chartscan.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		return nil, err
	}
	pages, err := chartscan.LoadPages(ctx, s.Store, d.Pages)
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		keys = append(keys, p.Image, chartscan.PageRecordKey(p.BatchID, p.Number))
	}
	return keys, nil
}

// refuseHeld refuses (EREFUSED) a change to how documents are filed
// (what says the change) while one of them is under a legal hold: a hold
// keeps the records as they were when it was placed, and the hold of one
// document or one patient must not lose pages to another document or
// patient. The hold is lifted first, by an administrator.
func (s *Service) refuseHeld(ctx context.Context, what string, docs ...*chartscan.Document) error {
	holds, err := s.holds(ctx)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if h := heldBy(d, holds); h != nil {
			return chartscan.Errorf(chartscan.EREFUSED, "document %s is under legal hold %s and cannot be %s; lift the hold first", d.ID, h.ID, what)
		}
	}
	return nil
}

func heldBy(d *chartscan.Document, holds []*chartscan.Hold) *chartscan.Hold {
	for _, h := range holds {
		if h.Covers(d) {
			return h
		}
	}
	return nil
}

// Expired is a document past its retention.
type Expired struct {
	Document    *chartscan.Document
	RetainUntil string // the last day it had to be kept
}

// RetentionPolicy says how many years a document of a section is kept,
// counted from its service date (its scan date when that is unknown).
type RetentionPolicy func(chartscan.Section) int

// RetentionPlan returns the documents past their retention on day and not
// under a hold, by batch, for `chartscan retention run` to show or
// destroy (admin role). Documents merged into another go with it.
func (s *Service) RetentionPlan(ctx context.Context, a chartscan.Actor, policy RetentionPolicy, day time.Time) ([]Expired, error) {
	if err := grant(a, chartscan.RoleAdmin); err != nil {
		return nil, err
	}
	holds, err := s.holds(ctx)
	if err != nil {
		return nil, err
	}
	today := day.UTC().Format(time.DateOnly)
	var out []Expired
	err = s.Store.List(ctx, chartscan.BatchesPrefix, func(o chartscan.ObjectInfo) error {
		id, ok := chartscan.ParseBatchKey(o.Key)
		if !ok {
			return nil
		}
		b, err := chartscan.LoadBatch(ctx, s.Store, id)
		if err != nil {
			return err
		}
		for _, did := range b.Documents {
			d, err := chartscan.LoadDocument(ctx, s.Store, did)
			if chartscan.IsNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			if d.MergedInto != "" || heldBy(d, holds) != nil {
				continue
			}
			from := d.ServiceDate
			if from == "" {
				from = d.ScannedAt.UTC().Format(time.DateOnly)
			}
			t, err := time.Parse(time.DateOnly, from)
			if err != nil {
				continue
			}
			until := t.AddDate(policy(d.Section), 0, 0).Format(time.DateOnly)
			if until < today {
				out = append(out, Expired{Document: d, RetainUntil: until})
			}
		}
		return nil
	})
	return out, err
}

// Destroy removes expired documents for good (admin role): every object of
// each (manifest, kept versions, page images and records), its index
// entries, and the batch's source and other pages once none of its
// documents remains; then it adds them to the day's destruction record
// (retention/<day>.json, never deleted) and the audit log. A document
// that came under a hold since the plan was made is spared. It returns
// what it destroyed.
func (s *Service) Destroy(ctx context.Context, a chartscan.Actor, plan []Expired) ([]chartscan.DestroyedRecord, error) {
	if err := grant(a, chartscan.RoleAdmin); err != nil {
		return nil, err
	}
	idx, err := s.index()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	holds, err := s.holds(ctx)
	if err != nil {
		return nil, err
	}
	var done []chartscan.DestroyedRecord
	var errs []error
	for _, e := range plan {
		d, err := chartscan.LoadDocument(ctx, s.Store, e.Document.ID)
		if chartscan.IsNotFound(err) {
			continue
		}
		if err != nil {
			return done, err
		}
		if heldBy(d, holds) != nil {
			continue
		}
		rec, err := s.destroy(ctx, idx, a, d, e.RetainUntil)
		if err != nil {
			errs = append(errs, chartscan.WrapError(chartscan.ErrorCode(err), err, "document %s not removed: %s", d.ID, chartscan.ErrorMessage(err)))
			continue
		}
		done = append(done, rec)
		if err := s.noteDestruction(ctx, rec); err != nil {
			return done, err
		}
		if err := s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionDestroy, Document: string(d.ID), Batch: string(d.BatchID),
			Detail: "retained until " + e.RetainUntil}); err != nil {
			return done, err
		}
	}
	return done, errors.Join(errs...)
}

// destroy removes one document. The index entries go first, so that no
// search finds what is half gone; the manifest goes last but one, so that
// a run cut short is finished by the next (the document is still listed).
func (s *Service) destroy(ctx context.Context, idx chartscan.SearchIndex, a chartscan.Actor, d *chartscan.Document, until string) (chartscan.DestroyedRecord, error) {
	rec := chartscan.DestroyedRecord{Document: d.ID, MRN: d.MRN, Section: d.Section, ServiceDate: d.ServiceDate,
		Pages: len(d.Pages), RetainUntil: until, By: a.Name}
	keys, err := s.documentObjects(ctx, d)
	if err != nil {
		return rec, err
	}
	if err := idx.DeleteDocument(ctx, d.ID); err != nil {
		return rec, err
	}
	for _, k := range keys[1:] { // all but the manifest
		if err := s.Store.Delete(ctx, k); err != nil {
			return rec, err
		}
	}
	if err := s.Store.Delete(ctx, chartscan.DocumentKey(d.ID)); err != nil {
		return rec, err
	}
	removed, err := s.unlist(ctx, d.BatchID, d.ID)
	if err != nil {
		return rec, err
	}
	rec.SourceRemoved = removed
	// Documents merged into this one are gone with it: their manifests
	// (without pages of their own) and their place in their batch.
	for _, m := range d.MergedFrom {
		if err := s.Store.Delete(ctx, chartscan.DocumentKey(m)); err != nil {
			return rec, err
		}
		if b, _, err := chartscan.ParseDocumentID(string(m)); err == nil {
			if _, err := s.unlist(ctx, b, m); err != nil {
				return rec, err
			}
		}
	}
	rec.DestroyedAt = time.Now().UTC()
	return rec, chartscan.RecordChange(ctx, s.Store, chartscan.Change{Batch: d.BatchID, Removed: append([]chartscan.DocumentID{d.ID}, d.MergedFrom...)})
}

// unlist takes a destroyed document off its batch record. When none of
// the file's documents remains, its source and its other pages (covers,
// separators, blanks) go too, and unlist reports true. The batch record
// stays, with no documents, so that the same file dropped again is known.
func (s *Service) unlist(ctx context.Context, id chartscan.BatchID, gone chartscan.DocumentID) (bool, error) {
	b, err := chartscan.LoadBatch(ctx, s.Store, id)
	if chartscan.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	left := []chartscan.DocumentID{}
	for _, did := range b.Documents {
		if did == gone {
			continue
		}
		if _, err := chartscan.LoadDocument(ctx, s.Store, did); err == nil {
			left = append(left, did)
		}
	}
	b.Documents = left
	removed := false
	if len(left) == 0 {
		for _, prefix := range []string{chartscan.SourcePrefix(b.ID), chartscan.PagesPrefix(b.ID)} {
			var ks []string
			if err := s.Store.List(ctx, prefix, func(o chartscan.ObjectInfo) error { ks = append(ks, o.Key); return nil }); err != nil {
				return false, err
			}
			for _, k := range ks {
				if err := s.Store.Delete(ctx, k); err != nil {
					return false, err
				}
			}
		}
		removed = true
	}
	return removed, chartscan.PutJSON(ctx, s.Store, chartscan.BatchKey(b.ID), b)
}

// noteDestruction adds rec to its day's destruction record.
func (s *Service) noteDestruction(ctx context.Context, rec chartscan.DestroyedRecord) error {
	day := rec.DestroyedAt.Format(time.DateOnly)
	var dr chartscan.Destruction
	if err := chartscan.GetJSON(ctx, s.Store, chartscan.RetentionKey(day), &dr); err != nil && !chartscan.IsNotFound(err) {
		return err
	}
	dr.Day = day
	dr.Destroyed = append(dr.Destroyed, rec)
	return chartscan.PutJSON(ctx, s.Store, chartscan.RetentionKey(day), &dr)
}
