// Package export sends chartscan's documents to an EHR: as FHIR R4
// transaction Bundles (to files or a FHIR base URL) or as HL7 v2 MDM
// messages (to files or an MLLP peer). It reads the records through the
// records service only, which audits every read; it keeps per
// destination what was sent (State), so that a second run sends only new
// and corrected documents, and a run killed half way resumes.
//
// A document is offered to the destination up to Attempts times with a
// growing pause between tries; a destination that refuses it (4xx, 5xx,
// an AE or AR ACK) or does not answer has it reported not delivered with
// the answer it gave, and it is never marked sent. Documents that need
// review or have no MRN are held back unless asked for, and offered again
// at every run.
package export

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"chartscan"
	"chartscan/records"
)

// Sender delivers one document to a destination. Implementations need
// not be safe for concurrent use.
type Sender interface {
	// Kind is "fhir" or "hl7".
	Kind() string
	// Destination names where documents go, as the state and the audit
	// log name it (a URL, mllp://HOST:PORT, or file:FOLDER).
	Destination() string
	// Prepare builds what is sent for a document; update is true for a
	// document sent before in an earlier version. A document without
	// pages comes with pdf nil.
	Prepare(rec *records.DocumentRecord, pdf []byte, update bool) (*Message, error)
	// Deliver makes one attempt. An error is what the destination
	// answered (or that it did not), in one line; Brief in the Failure
	// says it without any record content, for the audit log.
	Deliver(ctx context.Context, m *Message) error
	Close() error
}

// Message is a prepared document.
type Message struct {
	Doc     chartscan.DocumentID
	Version int
	Body    []byte
	// ID is the message's own id where the protocol has one (HL7 MSH-10).
	ID string
	// Skip is set when there is nothing to send for the document.
	Skip bool
}

// Failure is a failed attempt: what the destination answered.
type Failure struct {
	Answer string // in one line, for the operator
	Brief  string // the status alone (HTTP 500, ACK AE, no answer), for the audit log
}

func (f *Failure) Error() string { return f.Answer }

// Options configure a run.
type Options struct {
	Records *records.Service
	Actor   chartscan.Actor
	Sender  Sender
	State   *State
	// Since, when not zero, limits the run to documents captured or
	// changed since then (as the change log tells).
	Since time.Time
	// IncludeReview sends documents that need review or have no MRN.
	IncludeReview bool
	// Attempts (at least 1) and MaxBackoff: the pause before try n+1 is
	// min(MaxBackoff, 1s × 2^(n-1)).
	Attempts   int
	MaxBackoff time.Duration
	// Progress, if set, is called after each document.
	Progress func(done int)
}

// Report is what a run did.
type Report struct {
	New, Updated, Unchanged int
	Held                    map[chartscan.DocumentID]string // why each was held back
	Failed                  map[chartscan.DocumentID]string // what the destination answered
}

// cursorMargin is how far before the last run's start the change log is
// read again: changes written by other nodes whose clocks are a little
// behind, or whose writes landed late, are not missed (they are skipped
// by version if already sent).
const cursorMargin = 10 * time.Minute

// Run exports the documents due: on the first run to a destination every
// document, later the ones the change log names since the last run, and
// always those held back or not delivered before. It returns the report
// and an error only when the run itself could not go on (the store, the
// audit log, the state, or ctx): documents not delivered are in the
// report.
func Run(ctx context.Context, o Options) (*Report, error) {
	rep := &Report{Held: map[chartscan.DocumentID]string{}, Failed: map[chartscan.DocumentID]string{}}
	start := time.Now().UTC()
	var due []chartscan.DocumentID
	seen := map[chartscan.DocumentID]bool{}
	add := func(id chartscan.DocumentID) error {
		if !seen[id] {
			seen[id] = true
			due = append(due, id)
		}
		return nil
	}
	var err error
	switch {
	case !o.Since.IsZero():
		err = o.Records.ChangedDocuments(ctx, o.Actor, o.Since, add)
	case !o.State.Cursor.IsZero():
		err = o.Records.ChangedDocuments(ctx, o.Actor, o.State.Cursor.Add(-cursorMargin), add)
	default:
		err = o.Records.AllDocuments(ctx, o.Actor, add)
	}
	if err != nil {
		return nil, fmt.Errorf("list the documents to export: %w", err)
	}
	for _, m := range []map[chartscan.DocumentID]string{o.State.Held, o.State.Failed} {
		ids := make([]chartscan.DocumentID, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, k int) bool { return ids[i] < ids[k] })
		for _, id := range ids {
			add(id)
		}
	}
	for i, id := range due {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if err := exportOne(ctx, o, id, rep); err != nil {
			return rep, err
		}
		if o.Progress != nil {
			o.Progress(i + 1)
		}
	}
	if err := o.State.Finish(start); err != nil {
		return rep, err
	}
	return rep, nil
}

// exportOne decides what a document needs and sends it.
func exportOne(ctx context.Context, o Options, id chartscan.DocumentID, rep *Report) error {
	st, err := o.Records.ExportStatus(ctx, o.Actor, id)
	if err != nil {
		return err
	}
	sent, wasSent := o.State.Sent[id]
	switch {
	case !st.Exists:
		if _, pending := o.State.Held[id]; pending {
			return o.State.record(journalLine{Doc: id, Event: "gone"})
		}
		if _, pending := o.State.Failed[id]; pending {
			return o.State.record(journalLine{Doc: id, Event: "gone"})
		}
		return nil
	case wasSent && sent == st.Version:
		rep.Unchanged++
		return nil
	case st.MergedInto != "" && !wasSent:
		return nil // its pages go with the document it was merged into
	case st.MergedInto == "" && !o.IncludeReview && (st.NeedsReview || !st.HasMRN):
		why := "needs review"
		if !st.HasMRN {
			why = "no MRN"
		}
		rep.Held[id] = why
		if o.State.Held[id] == why {
			return nil
		}
		return o.State.record(journalLine{Doc: id, Event: "held", Version: st.Version, Answer: why})
	}
	dest := o.Sender.Destination()
	rec, pdf, err := o.Records.ExportDocument(ctx, o.Actor, id, dest)
	if err != nil {
		return err
	}
	msg, err := o.Sender.Prepare(rec, pdf, wasSent)
	if err != nil {
		return fmt.Errorf("document %s: %w", id, err)
	}
	if msg.Skip {
		return nil
	}
	var fail *Failure
	for attempt := 1; ; attempt++ {
		err := o.Sender.Deliver(ctx, msg)
		if err == nil {
			fail = nil
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !errors.As(err, &fail) {
			fail = &Failure{Answer: err.Error(), Brief: "not delivered"}
		}
		if attempt >= o.Attempts {
			break
		}
		pause := time.Second << (attempt - 1)
		if pause > o.MaxBackoff {
			pause = o.MaxBackoff
		}
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail != nil {
		rep.Failed[id] = fail.Answer
		if err := o.Records.ExportOutcome(o.Actor, id, msg.Version, dest, false, fail.Brief); err != nil {
			return err
		}
		return o.State.record(journalLine{Doc: id, Event: "failed", Version: msg.Version, Answer: fail.Answer})
	}
	if err := o.Records.ExportOutcome(o.Actor, id, msg.Version, dest, true, ""); err != nil {
		return err
	}
	if err := o.State.record(journalLine{Doc: id, Event: "sent", Version: msg.Version}); err != nil {
		return err
	}
	if wasSent {
		rep.Updated++
	} else {
		rep.New++
	}
	return nil
}
