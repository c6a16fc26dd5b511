package fhir

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"chartscan"
	"chartscan/audit"
	"chartscan/fhir/fhirtest"
	"chartscan/records"
)

// The section → LOINC table of the product contract, written out again
// here from SPEC.md so that a change to the code's table is caught.
var specLOINC = map[chartscan.Section]string{
	"face_sheet": "", "consent": "59284-0", "history_physical": "34117-2", "progress_notes": "11506-3",
	"consultation": "11488-4", "orders": "46209-3", "emergency": "34111-5", "insurance_billing": "48768-6",
	"operative": "11504-8", "laboratory": "11502-2", "radiology": "18748-4", "medications": "80565-5",
	"nursing": "34746-8", "discharge": "18842-5", "correspondence": "56444-3", "other": "34109-9",
}

func testRecord(sec chartscan.Section, n int) *records.DocumentRecord {
	b := chartscan.BatchID(fmt.Sprintf("%016x", 0xabc000+n))
	pdf := []byte(fmt.Sprintf("%%PDF-1.7 document %d", n))
	d := &chartscan.Document{
		ID: b.Document(1), BatchID: b, Profile: "ward-3", Pages: []chartscan.PageID{b.Page(1), b.Page(2)},
		Section: sec, SectionConfidence: 0.9, MRN: fmt.Sprintf("%08d", 60465480+n), PatientName: "O'NEIL^MARY^ANN",
		DOB: "1950-02-03", ServiceDate: "2023-11-05", ScannedAt: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), Version: 1,
	}
	info := &records.PDFInfo{Size: int64(len(pdf)), SHA1: sha1.Sum(pdf), SHA256: sha256.Sum256(pdf)}
	return &records.DocumentRecord{Document: d, PDF: info, Batch: &chartscan.Batch{
		ID: b, Profile: "ward-3", SourceName: "stack 12.pdf", SHA256: strings.Repeat("ab", 32), Status: chartscan.BatchDone,
	}}
}

// Every resource the conversions make — DocumentReferences of every
// section and state, for the facade and for export, transaction Bundles,
// Binaries, AuditEvents of every action, the CapabilityStatement — is
// valid FHIR R4, and carries what the contract says.
func TestResourcesAreValidR4(t *testing.T) {
	v := fhirtest.New(t, "fhir-resources")
	c := &Converter{MRNSystem: "urn:oid:1.2.840.114350.1.13.99", Software: "chartscan test", Node: "node-1"}
	add := func(name string, r any) []byte {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		v.Add(name, b)
		return b
	}
	for i, sec := range chartscan.Sections {
		rec := testRecord(sec, i)
		d := rec.Document
		switch i % 4 {
		case 1:
			d.NeedsReview, d.ReviewReasons = true, []string{"low confidence"}
		case 2:
			d.SplitFrom, d.Version = d.BatchID.Document(2), 2
			now := d.ScannedAt.Add(time.Hour)
			d.CorrectedAt = &now
		case 3:
			d.MergedFrom = []chartscan.DocumentID{d.BatchID.Document(3), d.BatchID.Document(4)}
			d.Encounter, d.Title = "E-778", "Operative report"
		}
		dr := c.DocumentReference(rec, false)
		add("DocumentReference "+string(sec), dr)
		// What the contract fixes.
		if dr.MasterIdentifier.System != SystemDocument || dr.MasterIdentifier.Value != string(d.ID) || dr.ID != string(d.ID) {
			t.Errorf("%s: masterIdentifier %+v id %q", sec, dr.MasterIdentifier, dr.ID)
		}
		var loinc, section string
		for _, cd := range dr.Type.Coding {
			switch cd.System {
			case SystemLOINC:
				loinc = cd.Code
			case SystemSection:
				section = cd.Code
			}
		}
		if loinc != specLOINC[sec] || section != string(sec) {
			t.Errorf("%s: type LOINC %q section %q, want %q", sec, loinc, section, specLOINC[sec])
		}
		if dr.Subject.Identifier.System != c.MRNSystem || dr.Subject.Identifier.Value != d.MRN || dr.Subject.Display != "MARY ANN O'NEIL" {
			t.Errorf("%s: subject %+v", sec, dr.Subject)
		}
		att := dr.Content[0].Attachment
		wantHash := sha1.Sum([]byte(fmt.Sprintf("%%PDF-1.7 document %d", i)))
		if att.ContentType != "application/pdf" || att.URL != "Binary/"+string(d.ID) || att.Size != rec.PDF.Size ||
			att.Hash != base64.StdEncoding.EncodeToString(wantHash[:]) || att.Title == "" || att.Creation != "2024-05-06T07:08:09.000Z" {
			t.Errorf("%s: attachment %+v", sec, att)
		}
		if dr.Date != "2024-05-06T07:08:09.000Z" || dr.Context.Period.Start != "2023-11-05" || dr.Status != "current" {
			t.Errorf("%s: date %q period %+v status %q", sec, dr.Date, dr.Context.Period, dr.Status)
		}
		wantRel := len(d.MergedFrom)
		if d.SplitFrom != "" {
			wantRel++
		}
		if len(dr.RelatesTo) != wantRel {
			t.Errorf("%s: relatesTo %+v", sec, dr.RelatesTo)
		}
		for _, r := range dr.RelatesTo {
			if r.Code != "replaces" || r.Target.Identifier.System != SystemDocument {
				t.Errorf("%s: relatesTo %+v", sec, r)
			}
		}
		prov := map[string]string{}
		for _, e := range dr.Extension[0].Extension {
			prov[e.URL] = e.ValueString + e.ValueInstant
		}
		if dr.Extension[0].URL != ExtCapture || prov["station"] != "ward-3" || prov["source"] != "stack 12.pdf" ||
			prov["sourceSha256"] != rec.Batch.SHA256 || prov["batch"] != string(d.BatchID) || prov["captured"] == "" || prov["software"] != "chartscan test" {
			t.Errorf("%s: provenance %v", sec, prov)
		}
		for _, update := range []bool{false, true} {
			tx, err := c.Transaction(rec, []byte("%PDF-1.7 x"), update)
			if err != nil {
				t.Fatal(err)
			}
			add(fmt.Sprintf("transaction %s update=%v", sec, update), tx)
			req := tx.Entry[1].Request
			if tx.Entry[0].Request.Method != "PUT" || tx.Entry[0].Request.URL != "Binary/"+string(d.ID) ||
				(!update && (req.Method != "POST" || req.IfNoneExist != "identifier=urn:chartscan:document|"+string(d.ID))) ||
				(update && (req.Method != "PUT" || req.URL != "DocumentReference?identifier=urn:chartscan:document|"+string(d.ID))) {
				t.Errorf("%s: transaction requests %+v %+v", sec, tx.Entry[0].Request, req)
			}
		}
	}
	// A document merged away, one without a patient, and one without a PDF.
	gone := testRecord(chartscan.SectionLaboratory, 40)
	gone.Document.MergedInto, gone.Document.Pages, gone.PDF = gone.Document.BatchID.Document(7), []chartscan.PageID{}, nil
	dr := c.DocumentReference(gone, false)
	if dr.Status != "superseded" {
		t.Errorf("merged-away document status %q", dr.Status)
	}
	add("superseded", dr)
	tx, err := c.Transaction(gone, nil, true)
	if err != nil || len(tx.Entry) != 1 {
		t.Fatalf("transaction of a document without pages = %+v, %v", tx, err)
	}
	add("superseded transaction", tx)
	anon := testRecord(chartscan.SectionOther, 41)
	anon.Document.MRN, anon.Document.PatientName, anon.Document.ServiceDate, anon.Batch = "", "", "", nil
	add("no patient", c.DocumentReference(anon, true))
	add("binary facade", c.Binary(anon.Document, []byte("%PDF-1.7"), false))
	add("binary export", c.Binary(anon.Document, []byte("%PDF-1.7"), true))

	actions := []string{audit.ActionUpload, audit.ActionBatchView, audit.ActionSearch, audit.ActionDocView, audit.ActionDocPDF,
		audit.ActionCorrect, audit.ActionPageView, audit.ActionPageImage, audit.ActionReview, audit.ActionAuditRead, audit.ActionDenied,
		audit.ActionSplit, audit.ActionMerge, audit.ActionSignIn, audit.ActionSignInBad, audit.ActionSignOut, audit.ActionExport,
		audit.ActionRelease, audit.ActionApprove, audit.ActionHold, audit.ActionUnhold, audit.ActionDestroy, "some.future.action"}
	for i, a := range actions {
		e := audit.Entry{Seq: int64(i + 1), Time: time.Now(), Actor: "jdoe", Role: "technician", Action: a, Client: "10.1.2.3", Via: "fhir", Status: 200}
		mrn := ""
		switch i % 5 {
		case 0:
			e.Document, e.Batch, mrn = "0123456789abcdef-d01", "0123456789abcdef", "60465481"
		case 1:
			e.Query, e.Detail = "patient.identifier=urn:x|1&_count=5", "x"
		case 2:
			e.Actor, e.Role, e.Status, e.Detail = "", "", 401, "GET /fhir/r4/DocumentReference"
		case 3:
			e.Page, e.Status, e.Client, e.Via = "0123456789abcdef-p0002", 503, "", ""
		}
		ev := c.AuditEvent(records.AuditRecord{Entry: e, MRN: mrn})
		add("AuditEvent "+a, ev)
		if ev.Agent[0].Requestor != true || ev.Source.Observer.Identifier.Value != "node-1" || ev.Recorded == "" {
			t.Errorf("AuditEvent %s: %+v", a, ev)
		}
		if want := map[int]string{200: "0", 401: "4", 503: "8"}[e.Status]; ev.Outcome != want {
			t.Errorf("AuditEvent %s: outcome %q for status %d", a, ev.Outcome, e.Status)
		}
		if mrn != "" && (len(ev.Entity) < 2 || ev.Entity[0].What.Identifier.Value != mrn || ev.Entity[1].What.Identifier.Value != e.Document) {
			t.Errorf("AuditEvent %s: entities %+v", a, ev.Entity)
		}
	}
	add("CapabilityStatement", Capabilities("test", time.Now(), "http://127.0.0.1:8080/fhir/r4"))
	add("OperationOutcome", &OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{{Severity: "error", Code: "not-supported", Diagnostics: "x"}}})
}

func TestDateParameter(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tc := range []struct {
		in        []string
		from, til string
		bad       bool
	}{
		{in: []string{"ge2024-03-01"}, from: "2024-03-01T00:00:00Z"},
		{in: []string{"le2024-03-01"}, til: "2024-03-02T00:00:00Z"},
		{in: []string{"gt2024-03"}, from: "2024-04-01T00:00:00Z"},
		{in: []string{"lt2024"}, til: "2024-01-01T00:00:00Z"},
		{in: []string{"2024-02-29"}, from: "2024-02-29T00:00:00Z", til: "2024-03-01T00:00:00Z"},
		{in: []string{"ge2024-01-01", "le2024-06-30"}, from: "2024-01-01T00:00:00Z", til: "2024-07-01T00:00:00Z"},
		{in: []string{"ge2024-01-01T10:00:00+02:00"}, from: "2024-01-01T08:00:00Z"},
		{in: []string{"eq2024-01-01T10:00Z"}, from: "2024-01-01T10:00:00Z", til: "2024-01-01T10:01:00Z"},
		{in: []string{"ge2024-02-30"}, bad: true},
		{in: []string{"sa2024-01-01"}, bad: true},
		{in: []string{"ge01/02/2024"}, bad: true},
		{in: []string{"ge2024-13-01"}, bad: true},
		{in: []string{""}, bad: true},
	} {
		var r dateRange
		var err error
		for _, s := range tc.in {
			if err == nil {
				err = r.addDate("date", s)
			}
		}
		if tc.bad {
			if chartscan.ErrorCode(err) != chartscan.EINVALID {
				t.Errorf("%v: error %v, want EINVALID", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.in, err)
			continue
		}
		if (tc.from == "") != r.From.IsZero() || (tc.from != "" && !r.From.Equal(utc(tc.from))) ||
			(tc.til == "") != r.Until.IsZero() || (tc.til != "" && !r.Until.Equal(utc(tc.til))) {
			t.Errorf("%v: range [%v, %v), want [%s, %s)", tc.in, r.From, r.Until, tc.from, tc.til)
		}
	}
}

func TestNegotiate(t *testing.T) {
	binary := []string{typePDF, typeFHIRJSON, typeJSON}
	for _, tc := range []struct {
		accept, format string
		offers         []string
		want           string
	}{
		{"", "", fhirJSON, typeFHIRJSON},
		{"*/*", "", binary, typePDF},
		{"application/fhir+json", "", binary, typeFHIRJSON},
		{"application/pdf", "", binary, typePDF},
		{"application/pdf;q=0.5, application/fhir+json", "", binary, typeFHIRJSON},
		{"application/json+fhir", "", fhirJSON, typeFHIRJSON},
		{"application/json", "", fhirJSON, typeJSON},
		{"text/html", "", fhirJSON, ""},
		{"application/xml, application/fhir+xml", "", fhirJSON, ""},
		{"application/pdf", "", fhirJSON, ""},
		{"application/*", "", fhirJSON, typeFHIRJSON},
		{"text/html", "json", fhirJSON, typeFHIRJSON},
		{"", "xml", fhirJSON, ""},
		{"application/fhir+json;q=0", "", fhirJSON, ""},
	} {
		if got := negotiate(tc.accept, tc.format, tc.offers); got != tc.want {
			t.Errorf("Accept %q _format %q: %q, want %q", tc.accept, tc.format, got, tc.want)
		}
	}
}
