package export

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"chartscan/fhir"
	"chartscan/hl7"
	"chartscan/internal/safefile"
	"chartscan/records"
)

// FHIR sends transaction Bundles: POSTed to a FHIR base URL (with a
// bearer token when one is set), or written as <Dir>/<document id>.json
// when URL is "".
type FHIR struct {
	Converter *fhir.Converter
	URL       string
	Token     string
	Dir       string
	Client    *http.Client // with the per-attempt timeout
}

// Kind is "fhir".
func (f *FHIR) Kind() string { return "fhir" }

// Destination is the base URL, or file:<Dir>.
func (f *FHIR) Destination() string {
	if f.URL != "" {
		return strings.TrimRight(f.URL, "/")
	}
	return "file:" + f.Dir
}

// Prepare makes the document's transaction Bundle.
func (f *FHIR) Prepare(rec *records.DocumentRecord, pdf []byte, update bool) (*Message, error) {
	b, err := f.Converter.Transaction(rec, pdf, update)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	return &Message{Doc: rec.Document.ID, Version: rec.Document.Version, Body: body}, nil
}

// Deliver writes the bundle, or POSTs it and checks that the server
// answered a transaction-response whose every entry succeeded.
func (f *FHIR) Deliver(ctx context.Context, m *Message) error {
	if f.URL == "" {
		if err := safefile.WriteFile(filepath.Join(f.Dir, string(m.Doc)+".json"), m.Body, 0o640); err != nil {
			return &Failure{Answer: "cannot write: " + err.Error(), Brief: "cannot write the file"}
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.Destination(), bytes.NewReader(m.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/fhir+json")
	req.Header.Set("Accept", "application/fhir+json")
	if f.Token != "" {
		req.Header.Set("Authorization", "Bearer "+f.Token)
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		return &Failure{Answer: "no answer: " + oneLine(err.Error()), Brief: "no answer"}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return &Failure{Answer: fmt.Sprintf("HTTP %d, answer cut off: %v", resp.StatusCode, err), Brief: fmt.Sprintf("HTTP %d", resp.StatusCode)}
	}
	brief := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if resp.StatusCode/100 != 2 {
		return &Failure{Answer: brief + diagnostics(body), Brief: brief}
	}
	var tr fhir.Bundle
	if err := json.Unmarshal(body, &tr); err != nil || tr.ResourceType != "Bundle" || tr.Type != "transaction-response" {
		return &Failure{Answer: brief + " but not a transaction-response Bundle", Brief: brief + ", not a transaction-response"}
	}
	var sent fhir.Bundle
	_ = json.Unmarshal(m.Body, &sent)
	if len(tr.Entry) != len(sent.Entry) {
		return &Failure{Answer: fmt.Sprintf("%s with %d entries for %d sent", brief, len(tr.Entry), len(sent.Entry)), Brief: brief + ", entries missing"}
	}
	for i, e := range tr.Entry {
		if e.Response == nil || !strings.HasPrefix(e.Response.Status, "2") {
			st, why := "nothing", ""
			if e.Response != nil {
				st, why = e.Response.Status, diagnostics(e.Response.Outcome)
			}
			return &Failure{Answer: fmt.Sprintf("%s, entry %d answered %s%s", brief, i+1, st, why), Brief: brief + ", entry " + oneLine(st)}
		}
	}
	return nil
}

// Close does nothing.
func (f *FHIR) Close() error { return nil }

// diagnostics returns ": <what an OperationOutcome says>" or the start
// of a body that is not one.
func diagnostics(body []byte) string {
	var oo fhir.OperationOutcome
	if json.Unmarshal(body, &oo) == nil && oo.ResourceType == "OperationOutcome" && len(oo.Issue) > 0 {
		var parts []string
		for _, is := range oo.Issue {
			parts = append(parts, strings.TrimSpace(is.Code+" "+is.Diagnostics))
		}
		return ": " + oneLine(strings.Join(parts, "; "))
	}
	if s := oneLine(string(body)); s != "" {
		return ": " + s
	}
	return ""
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// HL7 sends MDM messages: over MLLP to Addr, or written as
// <Dir>/<document id>.hl7 when Addr is "".
type HL7 struct {
	Parties hl7.Parties
	Addr    string
	Dir     string
	Timeout time.Duration
	// Now is the clock of MSH-7 (time.Now when nil).
	Now func() time.Time

	client *hl7.Client
}

// Kind is "hl7".
func (h *HL7) Kind() string { return "hl7" }

// Destination is mllp://HOST:PORT, or file:<Dir>.
func (h *HL7) Destination() string {
	if h.Addr != "" {
		return "mllp://" + h.Addr
	}
	return "file:" + h.Dir
}

// Prepare makes the MDM message: T02 for a document not sent before,
// T08 for a corrected one, T11 for one merged into another since.
func (h *HL7) Prepare(rec *records.DocumentRecord, pdf []byte, update bool) (*Message, error) {
	d := rec.Document
	event := hl7.EventNew
	switch {
	case d.MergedInto != "":
		event = hl7.EventCancelled
	case update:
		event = hl7.EventCorrected
	}
	t := fhir.TypeOf(d.Section)
	doc := hl7.Document{
		ID: string(d.ID), Version: d.Version, MRN: d.MRN, PatientName: d.PatientName, DOB: d.DOB, Encounter: d.Encounter,
		TypeCode: t.LOINC, TypeText: t.Display, TypeSystem: "LN", ServiceDate: d.ServiceDate, Captured: d.ScannedAt,
		Parent: string(d.SplitFrom), Complete: !d.NeedsReview, PDF: pdf,
	}
	if t.LOINC == "" {
		doc.TypeCode, doc.TypeText, doc.TypeSystem = string(d.Section), fhir.SectionName(d.Section), "CHARTSCAN"
	}
	if d.CorrectedAt != nil {
		doc.Changed = *d.CorrectedAt
	}
	switch event {
	case hl7.EventCorrected:
		doc.ChangeReason = fmt.Sprintf("corrected in chartscan (version %d)", d.Version)
	case hl7.EventCancelled:
		doc.ChangeReason = "merged into " + string(d.MergedInto)
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	msg, id := hl7.MDM(h.Parties, doc, event, now())
	return &Message{Doc: d.ID, Version: d.Version, Body: msg, ID: id}, nil
}

// Deliver writes the message, or sends it and wants an AA.
func (h *HL7) Deliver(ctx context.Context, m *Message) error {
	if h.Addr == "" {
		if err := safefile.WriteFile(filepath.Join(h.Dir, string(m.Doc)+".hl7"), m.Body, 0o640); err != nil {
			return &Failure{Answer: "cannot write: " + err.Error(), Brief: "cannot write the file"}
		}
		return nil
	}
	if h.client == nil {
		h.client = &hl7.Client{Addr: h.Addr, Timeout: h.Timeout}
	}
	ack, err := h.client.Send(ctx, m.Body, m.ID)
	if err != nil {
		return &Failure{Answer: oneLine(err.Error()), Brief: "no ACK"}
	}
	if !ack.Accepted() {
		return &Failure{Answer: oneLine(ack.String()), Brief: "ACK " + ack.Code}
	}
	return nil
}

// Close closes the MLLP connection.
func (h *HL7) Close() error {
	if h.client == nil {
		return nil
	}
	return h.client.Close()
}
