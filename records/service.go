// Package records is the one door to chartscan's stored records. Every
// interface — the HTTP API, the web UI, the FHIR facade, the exports and
// releases — reads and changes batches, documents, pages and page images
// through a Service, so that the rules (who may do what, what a valid
// correction is) and the audit of every access live in one place.
//
// Each method takes the Actor on whose behalf it runs. A method checks the
// actor's role (EFORBIDDEN when too low), does its work, and writes the
// access to the audit log before it returns anything: an access that
// cannot be recorded is refused (EUNAVAILABLE) and nothing is returned.
package records

import (
	"context"
	"log/slog"
	"sync"

	"chartscan"
	"chartscan/audit"
)

// Learner learns from a correction of a document's section.
// *classify.Classifier implements it.
type Learner interface {
	Learn(ctx context.Context, section chartscan.Section, pages []*chartscan.Page) error
}

// Auditor records and reads accesses. *audit.Log implements it. Record
// must not return before the entry is durable.
type Auditor interface {
	Record(e audit.Entry) error
	Query(f audit.Filter) ([]audit.Entry, error)
}

// Service reads and changes records. Set Store and Audit; Index is nil on
// a node that keeps no index (a capture node), where searches and the
// review queue are EUNAVAILABLE; Intake is nil where nothing is captured
// (a search node), where uploads are EUNAVAILABLE; Inboxes and Learner
// may be nil.
// It is safe for concurrent use.
type Service struct {
	Store    chartscan.ObjectStore
	Index    chartscan.SearchIndex
	Intake   chartscan.Intake
	Inboxes  chartscan.Inboxes
	Learner  Learner
	Audit    Auditor
	Profiles map[string]*chartscan.Profile
	Logger   *slog.Logger

	// mu serialises the changes to manifests and holds of this process.
	// Between processes (search nodes of one bucket) a change made on a
	// version another node changed meanwhile is caught by the version a
	// person saw (ECONFLICT), not by a lock: make corrections on one node
	// at a time per document, as a review queue does.
	mu sync.Mutex
	// releaseMu serialises approvals, so that a release is approved
	// once; a packet is made without holding mu.
	releaseMu sync.Mutex
}

// grant checks that a may do what needs role min.
func grant(a chartscan.Actor, min chartscan.Role) error {
	if !a.Role.Allows(min) {
		return chartscan.Errorf(chartscan.EFORBIDDEN, "the %s role may not do this (needs %s)", a.Role, min)
	}
	return nil
}

// record writes an access by a to the audit log. status is what the
// access amounts to in HTTP terms (200 read, 201 created, 202 accepted).
func (s *Service) record(a chartscan.Actor, status int, e audit.Entry) error {
	e.Actor, e.Role, e.Client, e.Via, e.Status = a.Name, string(a.Role), a.Client, a.Via, status
	if err := s.Audit.Record(e); err != nil {
		return chartscan.WrapError(chartscan.EUNAVAILABLE, err, "the audit log cannot be written; access refused")
	}
	return nil
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// index returns the search index, or EUNAVAILABLE on a node without one.
func (s *Service) index() (chartscan.SearchIndex, error) {
	if s.Index == nil {
		return nil, chartscan.Errorf(chartscan.EUNAVAILABLE, "this node keeps no search index (node.role capture)")
	}
	return s.Index, nil
}

// recorded returns v when the access was recorded (err nil), and nothing
// but the error when it was not.
func recorded[T any](v T, err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}
