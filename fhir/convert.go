package fhir

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"chartscan"
	"chartscan/audit"
	"chartscan/records"
)

// Converter turns chartscan's records into FHIR resources. Its zero
// value is not useful: set MRNSystem. It is safe for concurrent use.
type Converter struct {
	// MRNSystem is the identifier system of the hospital's MRNs
	// (config fhir.mrn_system).
	MRNSystem string
	// Software is the name and version of chartscan, as provenance.
	Software string
	// Node names the chartscan node that recorded audit events.
	Node string
}

// categoryClinicalNote is the category of every scanned document: part
// of the clinical record (US Core's DocumentReference category).
var categoryClinicalNote = CodeableConcept{Coding: []Coding{{
	System: "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category", Code: "clinical-note", Display: "Clinical Note",
}}}

// Instant formats t as a FHIR instant (UTC, milliseconds).
func Instant(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// documentRef refers to a chartscan document by its identifier, which is
// the same in chartscan and in an EHR it was exported to.
func documentRef(id chartscan.DocumentID) Reference {
	return Reference{Type: "DocumentReference", Identifier: &Identifier{System: SystemDocument, Value: string(id)}}
}

// DisplayName turns a LAST^FIRST^MIDDLE name into "FIRST MIDDLE LAST".
func DisplayName(name string) string {
	parts := strings.Split(name, "^")
	if len(parts) == 1 {
		return strings.TrimSpace(name)
	}
	var given []string
	for _, p := range parts[1:] {
		if p = strings.TrimSpace(p); p != "" {
			given = append(given, p)
		}
	}
	return strings.TrimSpace(strings.Join(append(given, strings.TrimSpace(parts[0])), " "))
}

// DocumentReference describes rec. For the facade (export false) it
// carries the id and version of the document; for an export it carries
// neither, as the EHR gives its own.
func (c *Converter) DocumentReference(rec *records.DocumentRecord, export bool) *DocumentReference {
	d, b := rec.Document, rec.Batch
	captured := Instant(d.ScannedAt)
	dr := &DocumentReference{
		ResourceType:     "DocumentReference",
		MasterIdentifier: &Identifier{System: SystemDocument, Value: string(d.ID)},
		Identifier:       []Identifier{{Use: "secondary", System: SystemBatch, Value: string(d.BatchID)}},
		Status:           "current",
		DocStatus:        "final",
		Category:         []CodeableConcept{categoryClinicalNote},
		Date:             captured,
		Description:      d.Title,
	}
	if !export {
		dr.ID = string(d.ID)
		dr.Meta = &Meta{VersionID: strconv.Itoa(d.Version), LastUpdated: Instant(changedAt(d))}
	}
	switch {
	case d.MergedInto != "":
		dr.Status = "superseded"
	case d.NeedsReview:
		dr.DocStatus = "preliminary"
	case d.Version > 1:
		dr.DocStatus = "amended"
	}
	typ := &CodeableConcept{Text: SectionName(d.Section)}
	if t := TypeOf(d.Section); t.LOINC != "" {
		typ.Coding = append(typ.Coding, Coding{System: SystemLOINC, Code: t.LOINC, Display: t.Display})
	}
	typ.Coding = append(typ.Coding, Coding{System: SystemSection, Code: string(d.Section), Display: SectionName(d.Section)})
	dr.Type = typ
	switch {
	case d.MRN != "":
		dr.Subject = &Reference{Type: "Patient", Identifier: &Identifier{System: c.MRNSystem, Value: d.MRN}, Display: DisplayName(d.PatientName)}
	case d.PatientName != "":
		dr.Subject = &Reference{Type: "Patient", Display: DisplayName(d.PatientName)}
	}
	if d.SplitFrom != "" {
		dr.RelatesTo = append(dr.RelatesTo, RelatesTo{Code: "replaces", Target: documentRef(d.SplitFrom)})
	}
	for _, m := range d.MergedFrom {
		dr.RelatesTo = append(dr.RelatesTo, RelatesTo{Code: "replaces", Target: documentRef(m)})
	}
	att := Attachment{ContentType: "application/pdf", URL: "Binary/" + string(d.ID), Creation: captured, Title: d.Title}
	if att.Title == "" {
		att.Title = fmt.Sprintf("%s, %d pages", SectionName(d.Section), len(d.Pages))
		if len(d.Pages) == 1 {
			att.Title = SectionName(d.Section) + ", 1 page"
		}
	}
	if d.MergedInto != "" {
		att.URL = "Binary/" + string(d.MergedInto)
		att.Title = "merged into " + string(d.MergedInto)
	}
	if rec.PDF != nil {
		att.Size = rec.PDF.Size
		att.Hash = base64.StdEncoding.EncodeToString(rec.PDF.SHA1[:])
	}
	dr.Content = []DocumentContent{{Attachment: att}}
	ctx := &DocumentReferenceCtxt{}
	if d.ServiceDate != "" {
		ctx.Period = &Period{Start: d.ServiceDate}
	}
	if d.Encounter != "" {
		ctx.Encounter = []Reference{{Type: "Encounter", Identifier: &Identifier{Value: d.Encounter}}}
	}
	if b != nil && b.SHA256 != "" {
		ctx.Related = []Reference{{Identifier: &Identifier{System: SystemSourceSHA256, Value: b.SHA256}, Display: b.SourceName}}
	}
	if ctx.Period != nil || ctx.Encounter != nil || ctx.Related != nil {
		dr.Context = ctx
	}
	dr.Extension = []Extension{c.CaptureExtension(rec)}
	return dr
}

// CaptureExtension is the provenance of a document: the capture station
// (scanner profile), the scanned file's name and SHA-256, the batch, the
// capture time and the software that captured it.
func (c *Converter) CaptureExtension(rec *records.DocumentRecord) Extension {
	d, b := rec.Document, rec.Batch
	ext := Extension{URL: ExtCapture}
	add := func(url, v string) {
		if v != "" {
			ext.Extension = append(ext.Extension, Extension{URL: url, ValueString: v})
		}
	}
	station := d.Profile
	if station == "" && b != nil {
		station = b.Profile
	}
	add("station", station)
	if b != nil {
		add("source", b.SourceName)
		add("sourceSha256", b.SHA256)
	}
	add("batch", string(d.BatchID))
	ext.Extension = append(ext.Extension, Extension{URL: "captured", ValueInstant: Instant(d.ScannedAt)})
	add("software", c.Software)
	return ext
}

func changedAt(d *chartscan.Document) time.Time {
	if d.CorrectedAt != nil {
		return *d.CorrectedAt
	}
	return d.ScannedAt
}

// Binary wraps a document's PDF. For the facade it refers to its
// DocumentReference by id; for an export by identifier.
func (c *Converter) Binary(d *chartscan.Document, pdf []byte, export bool) *Binary {
	bin := &Binary{ResourceType: "Binary", ID: string(d.ID), ContentType: "application/pdf", Data: pdf}
	if export {
		ref := documentRef(d.ID)
		bin.SecurityContext = &ref
	} else {
		bin.Meta = &Meta{VersionID: strconv.Itoa(d.Version), LastUpdated: Instant(changedAt(d))}
		bin.SecurityContext = &Reference{Reference: "DocumentReference/" + string(d.ID)}
	}
	return bin
}

// ConditionalQuery is the search that finds a document in an EHR it was
// exported to.
func ConditionalQuery(id chartscan.DocumentID) string {
	return "identifier=" + SystemDocument + "|" + string(id)
}

// Transaction is the transaction Bundle that exports a document: its
// PDF as PUT Binary/<id> (when it has pages), and its DocumentReference
// created only if none has its identifier (update false) or, for a
// corrected document sent before, updated in place (update true).
func (c *Converter) Transaction(rec *records.DocumentRecord, pdf []byte, update bool) (*Bundle, error) {
	d := rec.Document
	b := &Bundle{ResourceType: "Bundle", Type: "transaction"}
	if pdf != nil {
		raw, err := json.Marshal(c.Binary(d, pdf, true))
		if err != nil {
			return nil, err
		}
		b.Entry = append(b.Entry, BundleEntry{FullURL: uuidURN("binary", d), Resource: raw,
			Request: &BundleRequest{Method: "PUT", URL: "Binary/" + string(d.ID)}})
	}
	raw, err := json.Marshal(c.DocumentReference(rec, true))
	if err != nil {
		return nil, err
	}
	req := &BundleRequest{Method: "POST", URL: "DocumentReference", IfNoneExist: ConditionalQuery(d.ID)}
	if update {
		req = &BundleRequest{Method: "PUT", URL: "DocumentReference?" + ConditionalQuery(d.ID)}
	}
	b.Entry = append(b.Entry, BundleEntry{FullURL: uuidURN("documentreference", d), Resource: raw, Request: req})
	return b, nil
}

// uuidURN is a name-based (version 5 style) UUID for one version of a
// document's resource: the same document version gives the same bundle.
func uuidURN(kind string, d *chartscan.Document) string {
	sum := sha1.Sum([]byte(kind + "/" + string(d.ID) + "/" + strconv.Itoa(d.Version)))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:16])
	return "urn:uuid:" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// auditKinds gives each audit action its AuditEvent type (DICOM), action
// code and the entity role of its document.
var auditKinds = map[string]struct{ typ, display, action string }{
	audit.ActionUpload:    {"110110", "Patient Record", "C"},
	audit.ActionBatchView: {"110110", "Patient Record", "R"},
	audit.ActionSearch:    {"110112", "Query", "E"},
	audit.ActionDocView:   {"110110", "Patient Record", "R"},
	audit.ActionDocPDF:    {"110110", "Patient Record", "R"},
	audit.ActionCorrect:   {"110110", "Patient Record", "U"},
	audit.ActionPageView:  {"110110", "Patient Record", "R"},
	audit.ActionPageImage: {"110110", "Patient Record", "R"},
	audit.ActionReview:    {"110112", "Query", "E"},
	audit.ActionAuditRead: {"110101", "Audit Log Used", "R"},
	audit.ActionDenied:    {"110113", "Security Alert", "E"},
	audit.ActionSplit:     {"110110", "Patient Record", "U"},
	audit.ActionMerge:     {"110110", "Patient Record", "U"},
	audit.ActionSignIn:    {"110114", "User Authentication", "E"},
	audit.ActionSignInBad: {"110114", "User Authentication", "E"},
	audit.ActionSignOut:   {"110114", "User Authentication", "E"},
	audit.ActionExport:    {"110106", "Export", "R"},
	audit.ActionRelease:   {"110106", "Export", "C"},
	audit.ActionApprove:   {"110106", "Export", "U"},
	audit.ActionHold:      {"110110", "Patient Record", "C"},
	audit.ActionUnhold:    {"110110", "Patient Record", "D"},
	audit.ActionDestroy:   {"110110", "Patient Record", "D"},
}

// Codes of the AuditEvent vocabularies used.
const (
	systemDICOM      = "http://dicom.nema.org/resources/ontology/DCM"
	systemEntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
	systemObjectRole = "http://terminology.hl7.org/CodeSystem/object-role"
	systemSourceType = "http://terminology.hl7.org/CodeSystem/security-source-type"
)

// AuditEvent turns an audit entry into an AuditEvent: the agent who asked
// (requestor), from where, the document, batch, page and patient
// accessed, when, the outcome, and this node as the observer.
func (c *Converter) AuditEvent(r records.AuditRecord) *AuditEvent {
	e := r.Entry
	kind, ok := auditKinds[e.Action]
	if !ok {
		kind.typ, kind.display, kind.action = "110110", "Patient Record", "E"
	}
	ev := &AuditEvent{
		ResourceType: "AuditEvent",
		ID:           strconv.FormatInt(e.Seq, 10),
		Type:         Coding{System: systemDICOM, Code: kind.typ, Display: kind.display},
		Subtype:      []Coding{{System: SystemAction, Code: e.Action}},
		Action:       kind.action,
		Recorded:     Instant(e.Time),
		Outcome:      "0",
		Source: AuditSource{
			Observer: Reference{Identifier: &Identifier{System: SystemNode, Value: c.Node}, Display: "chartscan on " + c.Node},
			Type:     []Coding{{System: systemSourceType, Code: "4", Display: "Application Server"}},
		},
	}
	switch {
	case e.Status >= 500:
		ev.Outcome = "8"
	case e.Status >= 400:
		ev.Outcome = "4"
	}
	if ev.Outcome != "0" {
		ev.OutcomeDesc = fmt.Sprintf("answered %d", e.Status)
		if e.Detail != "" {
			ev.OutcomeDesc += ": " + e.Detail
		}
	}
	agent := AuditAgent{Requestor: true, Name: e.Actor}
	if e.Actor != "" {
		agent.Who = &Reference{Identifier: &Identifier{System: SystemActor, Value: e.Actor}, Display: e.Actor}
	} else {
		agent.Name = "unauthenticated"
	}
	if e.Role != "" {
		agent.Role = []CodeableConcept{{Coding: []Coding{{System: SystemRole, Code: e.Role}}}}
	}
	if e.Client != "" {
		agent.Network = &AuditNetwork{Address: e.Client, Type: "2"}
	}
	ev.Agent = []AuditAgent{agent}
	detail := ""
	if ev.Outcome == "0" {
		detail = e.Detail
	}
	if e.Via != "" {
		detail = strings.TrimSpace(detail + " (via " + e.Via + ")")
	}
	entity := func(what Reference, typ, role, roleDisplay string) AuditEntity {
		return AuditEntity{What: &what, Type: &Coding{System: systemEntityType, Code: typ},
			Role: &Coding{System: systemObjectRole, Code: role, Display: roleDisplay}}
	}
	if r.MRN != "" {
		ev.Entity = append(ev.Entity, entity(Reference{Type: "Patient", Identifier: &Identifier{System: c.MRNSystem, Value: r.MRN}}, "1", "1", "Patient"))
	}
	if e.Document != "" {
		ev.Entity = append(ev.Entity, entity(documentRef(chartscan.DocumentID(e.Document)), "2", "3", "Report"))
	}
	if e.Page != "" {
		ev.Entity = append(ev.Entity, entity(Reference{Identifier: &Identifier{System: SystemPage, Value: e.Page}}, "2", "3", "Report"))
	}
	if e.Batch != "" {
		ev.Entity = append(ev.Entity, entity(Reference{Identifier: &Identifier{System: SystemBatch, Value: e.Batch}}, "2", "20", "Job"))
	}
	if e.Query != "" {
		ev.Entity = append(ev.Entity, AuditEntity{Type: &Coding{System: systemEntityType, Code: "2"},
			Role: &Coding{System: systemObjectRole, Code: "24", Display: "Query"}, Query: []byte(e.Query)})
	}
	if detail != "" {
		if len(ev.Entity) == 0 {
			ev.Entity = append(ev.Entity, AuditEntity{Type: &Coding{System: systemEntityType, Code: "2"}})
		}
		ev.Entity[len(ev.Entity)-1].Description = detail
	}
	return ev
}
