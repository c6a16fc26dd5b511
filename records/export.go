package records

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"chartscan"
	"chartscan/audit"
)

// ExportDocument reads a document, its batch and its PDF for export to
// dest (an EHR's URL, an MLLP peer or a folder, as the operator named
// it). Admin role: an export takes records out of chartscan. The reading
// is recorded as an export to dest before anything is returned. A
// document without pages (merged into another) comes without a PDF.
func (s *Service) ExportDocument(ctx context.Context, a chartscan.Actor, id chartscan.DocumentID, dest string) (*DocumentRecord, []byte, error) {
	if err := grant(a, chartscan.RoleAdmin); err != nil {
		return nil, nil, err
	}
	rec, pdf, err := s.documentRecord(ctx, id, true, map[chartscan.BatchID]*chartscan.Batch{})
	if err != nil {
		return nil, nil, err
	}
	d := rec.Document
	if err := s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionExport, Document: string(id), Batch: string(d.BatchID),
		Detail: fmt.Sprintf("read version %d for %s", d.Version, dest)}); err != nil {
		return nil, nil, err
	}
	return rec, pdf, nil
}

// ExportOutcome records what became of the export of a document to
// dest: delivered (status 201) or not (status 502, with the answer the
// destination gave, which must hold no record content).
func (s *Service) ExportOutcome(a chartscan.Actor, id chartscan.DocumentID, version int, dest string, delivered bool, answer string) error {
	if err := grant(a, chartscan.RoleAdmin); err != nil {
		return err
	}
	status, detail := http.StatusCreated, fmt.Sprintf("delivered version %d to %s", version, dest)
	if !delivered {
		status, detail = http.StatusBadGateway, fmt.Sprintf("version %d not delivered to %s: %s", version, dest, answer)
	}
	b, _, _ := chartscan.ParseDocumentID(string(id))
	return s.record(a, status, audit.Entry{Action: audit.ActionExport, Document: string(id), Batch: string(b), Detail: detail})
}

// AllDocuments calls fn with the id of every document of every batch
// done, batch by batch in key order. Admin role. Only ids are listed,
// so nothing is recorded: ExportDocument records each read.
func (s *Service) AllDocuments(ctx context.Context, a chartscan.Actor, fn func(chartscan.DocumentID) error) error {
	if err := grant(a, chartscan.RoleAdmin); err != nil {
		return err
	}
	return s.Store.List(ctx, chartscan.BatchesPrefix, func(o chartscan.ObjectInfo) error {
		id, ok := chartscan.ParseBatchKey(o.Key)
		if !ok {
			return nil
		}
		b, err := chartscan.LoadBatch(ctx, s.Store, id)
		if chartscan.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if b.Status != chartscan.BatchDone {
			return nil
		}
		for _, d := range b.Documents {
			if err := fn(d); err != nil {
				return err
			}
		}
		return nil
	})
}

// ChangedDocuments calls fn with the id of every document captured or
// changed at since or later, as the change log tells, oldest change
// first; a document changed several times comes once per change. Admin
// role; like AllDocuments, nothing is recorded.
func (s *Service) ChangedDocuments(ctx context.Context, a chartscan.Actor, since time.Time, fn func(chartscan.DocumentID) error) error {
	if err := grant(a, chartscan.RoleAdmin); err != nil {
		return err
	}
	from := chartscan.ChangesAfter(since)
	now := time.Now().UTC()
	for day := since.UTC().Truncate(24 * time.Hour); !day.After(now); day = day.Add(24 * time.Hour) {
		err := s.Store.List(ctx, chartscan.ChangesDayPrefix(day), func(o chartscan.ObjectInfo) error {
			if o.Key < from {
				return nil
			}
			var c chartscan.Change
			if err := chartscan.GetJSON(ctx, s.Store, o.Key, &c); err != nil {
				if chartscan.IsNotFound(err) {
					return nil
				}
				return err
			}
			ids := c.Documents
			if c.Status == chartscan.BatchDone && len(ids) == 0 {
				b, err := chartscan.LoadBatch(ctx, s.Store, c.Batch)
				if chartscan.IsNotFound(err) {
					return nil
				}
				if err != nil {
					return err
				}
				ids = b.Documents
			}
			for _, id := range ids {
				if err := fn(id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ExportState is what an export needs to know of a document before it
// reads it: no record content, so asking is not recorded.
type ExportState struct {
	Exists      bool
	Version     int
	NeedsReview bool
	HasMRN      bool
	MergedInto  chartscan.DocumentID
}

// ExportStatus says whether a document exists, its version, and what
// would hold it back from an export. Admin role.
func (s *Service) ExportStatus(ctx context.Context, a chartscan.Actor, id chartscan.DocumentID) (ExportState, error) {
	if err := grant(a, chartscan.RoleAdmin); err != nil {
		return ExportState{}, err
	}
	if _, _, err := chartscan.ParseDocumentID(string(id)); err != nil {
		return ExportState{}, err
	}
	d, err := chartscan.LoadDocument(ctx, s.Store, id)
	if chartscan.IsNotFound(err) {
		return ExportState{}, nil
	}
	if err != nil {
		return ExportState{}, err
	}
	return ExportState{Exists: true, Version: d.Version, NeedsReview: d.NeedsReview, HasMRN: d.MRN != "", MergedInto: d.MergedInto}, nil
}
