package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"chartscan"
	"chartscan/audit"
	"chartscan/config"
	"chartscan/fhir"
	"chartscan/fhir/fhirtest"
	"chartscan/internal/testutil"
)

// fhirClient talks to the FHIR facade of a running service; every JSON
// answer is queued for validation against the R4 StructureDefinitions.
type fhirClient struct {
	t     *testing.T
	base  string
	token string
	v     *fhirtest.Validator
}

func (c fhirClient) get(path, accept string) (*http.Response, []byte) {
	c.t.Helper()
	return c.do(http.MethodGet, path, accept)
}

func (c fhirClient) do(method, path, accept string) (*http.Response, []byte) {
	c.t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		u = c.base + path
	}
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/fhir+json") || strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		c.v.Add(method+" "+path, b)
	}
	return resp, b
}

// json does a GET that must answer want in FHIR JSON, and decodes it.
func (c fhirClient) json(path string, want int, v any) {
	c.t.Helper()
	resp, b := c.get(path, "application/fhir+json")
	if resp.StatusCode != want {
		c.t.Fatalf("GET %s = %d %s, want %d", path, resp.StatusCode, b, want)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
		c.t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("GET %s: %v in %s", path, err, b)
		}
	}
}

// outcome does a GET that must fail with status and an OperationOutcome.
func (c fhirClient) outcome(path string, status int, code string) {
	c.t.Helper()
	var oo fhir.OperationOutcome
	c.json(path, status, &oo)
	if oo.ResourceType != "OperationOutcome" || len(oo.Issue) == 0 || oo.Issue[0].Code != code || oo.Issue[0].Diagnostics == "" {
		c.t.Errorf("GET %s: %+v, want an OperationOutcome with code %s", path, oo, code)
	}
}

type searchset struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Total        int    `json:"total"`
	Link         []struct {
		Relation, URL string
	} `json:"link"`
	Entry []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

func (s searchset) link(rel string) string {
	for _, l := range s.Link {
		if l.Relation == rel {
			return l.URL
		}
	}
	return ""
}

func (s searchset) documents(t *testing.T) []fhir.DocumentReference {
	t.Helper()
	var out []fhir.DocumentReference
	for _, e := range s.Entry {
		var d fhir.DocumentReference
		if err := json.Unmarshal(e.Resource, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// ingestForFHIR uploads real chart scans through the API and files every
// document under one patient, with the technician's corrections: the
// documents an EHR team would pull for that patient.
func ingestForFHIR(t *testing.T, m *Main, mrn string) []chartscan.Document {
	t.Helper()
	base := "http://" + m.Addr()
	scanner := client{t, base, newToken(t, m, "station-3", "scanner")}
	tech := client{t, base, newToken(t, m, "jdoe-fix", "technician")}
	var docs []chartscan.Document
	for _, name := range []string{"public-11-011.pdf", "public-11-012.pdf"} {
		raw, err := os.ReadFile(filepath.Join(testutil.SharedData(t), "charts", "batches", name))
		if err != nil {
			t.Fatal(err)
		}
		var up struct {
			BatchID string `json:"batch_id"`
		}
		scanner.json("POST", "/api/v1/scans?name="+url.QueryEscape(name), bytes.NewReader(raw), 202, &up)
		b := waitBatch(t, scanner, up.BatchID)
		if b.Status != "done" || len(b.Documents) == 0 {
			t.Fatalf("batch %s: %+v", name, b)
		}
		for _, id := range b.Documents {
			var d chartscan.Document
			tech.json("PATCH", "/api/v1/documents/"+id, strings.NewReader(`{"mrn":"`+mrn+`","patient_name":"DOE^JANE"}`), 200, &d)
			docs = append(docs, d)
		}
	}
	return docs
}

// The FHIR facade through the real server, with real scans: metadata,
// read, search by each parameter with paging, the PDF as itself and as a
// Binary, the audit trail as AuditEvents for admins only, refusals as
// OperationOutcomes with the right status, and every access audited.
func TestFHIRFacade(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, func(c *config.Config) {
		c.FHIR.MRNSystem = "urn:oid:1.2.840.114350.1.13.99.2.7.5.737384.14"
	})
	sys := m.Config.FHIR.MRNSystem
	const mrn = "60465481"
	docs := ingestForFHIR(t, m, mrn)
	v := fhirtest.New(t, "fhir-facade")
	base := "http://" + m.Addr()
	anon := fhirClient{t, base, "", v}
	tech := fhirClient{t, base, newToken(t, m, "jdoe", "technician"), v}
	admin := fhirClient{t, base, newToken(t, m, "records-admin", "admin"), v}

	// metadata: no token needed; exactly the interactions served.
	var cs fhir.CapabilityStatement
	anon.json("/fhir/r4/metadata", 200, &cs)
	got := map[string][]string{}
	for _, r := range cs.Rest[0].Resource {
		for _, i := range r.Interaction {
			got[r.Type] = append(got[r.Type], i.Code)
		}
		for _, p := range r.SearchParam {
			got[r.Type+"?"] = append(got[r.Type+"?"], p.Name)
		}
	}
	want := map[string][]string{
		"DocumentReference": {"read", "search-type"}, "DocumentReference?": {"patient.identifier", "identifier", "type", "date", "_count", "_offset"},
		"Binary": {"read"}, "AuditEvent": {"search-type"}, "AuditEvent?": {"date", "agent", "_count", "_offset"},
	}
	if cs.FHIRVersion != "4.0.1" || len(got) != len(want) {
		t.Errorf("CapabilityStatement: version %s, resources %v", cs.FHIRVersion, got)
	}
	for k, w := range want {
		if strings.Join(got[k], ",") != strings.Join(w, ",") {
			t.Errorf("CapabilityStatement %s: %v, want %v", k, got[k], w)
		}
	}

	// Read.
	d0 := docs[0]
	var dr fhir.DocumentReference
	tech.json("/fhir/r4/DocumentReference/"+string(d0.ID), 200, &dr)
	if dr.ID != string(d0.ID) || dr.MasterIdentifier.Value != string(d0.ID) || dr.Subject.Identifier.System != sys ||
		dr.Subject.Identifier.Value != mrn || dr.Meta.VersionID != "2" || dr.DocStatus != "amended" {
		t.Errorf("read: %+v", dr)
	}

	// Search by patient, paged two at a time through the next links.
	var all []fhir.DocumentReference
	next := "/fhir/r4/DocumentReference?patient.identifier=" + url.QueryEscape(sys+"|"+mrn) + "&_count=2"
	pages := 0
	for next != "" {
		var ss searchset
		tech.json(next, 200, &ss)
		if ss.Type != "searchset" || ss.Total != len(docs) || len(ss.Entry) > 2 || ss.link("self") == "" {
			t.Fatalf("page %d: type %s total %d entries %d links %+v", pages, ss.Type, ss.Total, len(ss.Entry), ss.Link)
		}
		all = append(all, ss.documents(t)...)
		next = ss.link("next")
		pages++
	}
	var gotIDs, wantIDs []string
	for _, d := range all {
		gotIDs = append(gotIDs, d.ID)
	}
	for _, d := range docs {
		wantIDs = append(wantIDs, string(d.ID))
	}
	sort.Strings(gotIDs)
	sort.Strings(wantIDs)
	if strings.Join(gotIDs, " ") != strings.Join(wantIDs, " ") || pages != (len(docs)+1)/2 {
		t.Errorf("paged search found %v in %d pages, want %v", gotIDs, pages, wantIDs)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Date > all[i-1].Date {
			t.Errorf("search not newest first: %s after %s", all[i].Date, all[i-1].Date)
		}
	}

	// By type: the LOINC code of one document's section, with and without
	// its system, and by chartscan section.
	sec := d0.Section
	wantOfType := 0
	for _, d := range docs {
		if d.Section == sec {
			wantOfType++
		}
	}
	pat := "patient.identifier=" + url.QueryEscape(sys+"|"+mrn)
	typeQueries := []string{"type=" + url.QueryEscape(fhir.SystemSection+"|"+string(sec))}
	if l := fhir.TypeOf(sec).LOINC; l != "" {
		typeQueries = append(typeQueries, "type="+url.QueryEscape("http://loinc.org|"+l), "type="+l)
	}
	for _, tq := range typeQueries {
		var ss searchset
		tech.json("/fhir/r4/DocumentReference?"+pat+"&"+tq, 200, &ss)
		if ss.Total != wantOfType {
			t.Errorf("%s: total %d, want %d", tq, ss.Total, wantOfType)
		}
		for _, d := range ss.documents(t) {
			if d.Type.Coding[len(d.Type.Coding)-1].Code != string(sec) {
				t.Errorf("%s: found a document of type %+v", tq, d.Type)
			}
		}
	}
	// By capture date, by identifier, and a patient of another system.
	today := time.Now().UTC().Format(time.DateOnly)
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	for q, n := range map[string]int{
		pat + "&date=ge" + today + "&date=le" + today:                                 len(docs),
		pat + "&date=le" + yesterday:                                                  0,
		pat + "&date=ge" + tomorrow:                                                   0,
		pat + "&date=" + today[:7]:                                                    len(docs),
		"identifier=" + url.QueryEscape(fhir.SystemDocument+"|"+string(d0.ID)):        1,
		"patient.identifier=" + url.QueryEscape("urn:oid:2.16.840.1.113883.4.1|"+mrn): 0,
		"patient.identifier=" + mrn + "&_count=0":                                     len(docs),
	} {
		var ss searchset
		tech.json("/fhir/r4/DocumentReference?"+q, 200, &ss)
		if ss.Total != n {
			t.Errorf("search %s: total %d, want %d", q, ss.Total, n)
		}
	}

	// Bad searches are refused, never ignored.
	for _, q := range []string{
		pat + "&foo=bar", pat + "&type:text=lab", pat + "&date=ge2024-13-01", pat + "&date=sa2024-01-01", pat + "&_count=many",
		pat + "&_sort=date", "type=11502-2", pat + "&patient.identifier=" + mrn, pat + "&_offset=-1", pat + "&date=",
	} {
		tech.outcome("/fhir/r4/DocumentReference?"+q, 400, "invalid")
	}
	tech.outcome("/fhir/r4/DocumentReference/"+string(d0.ID)+"?_elements=id", 400, "invalid")
	tech.outcome("/fhir/r4/DocumentReference/0123456789abcdef-d99", 404, "not-found")
	tech.outcome("/fhir/r4/DocumentReference/not-a-document", 400, "invalid")
	tech.outcome("/fhir/r4/Patient", 404, "not-found")
	anon.outcome("/fhir/r4", 404, "not-found")
	tech.outcome("/fhir/r4/AuditEvent", 403, "forbidden")
	anon.outcome("/fhir/r4/DocumentReference/"+string(d0.ID), 401, "login")
	fhirClient{t, base, "cs_not-a-token", v}.outcome("/fhir/r4/Binary/"+string(d0.ID), 401, "login")
	if resp, b := tech.do(http.MethodPost, "/fhir/r4/DocumentReference", ""); resp.StatusCode != 405 || !bytes.Contains(b, []byte("OperationOutcome")) {
		t.Errorf("POST = %d %s", resp.StatusCode, b)
	}

	// Binary: the PDF itself, byte-stable, matching the attachment's size
	// and hash; as a FHIR Binary with the same bytes; 406 for HTML.
	resp, pdf := tech.get("/fhir/r4/Binary/"+string(d0.ID), "application/pdf")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("Binary as PDF: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sum := sha1.Sum(pdf)
	att := dr.Content[0].Attachment
	if att.Size != int64(len(pdf)) || att.Hash != base64.StdEncoding.EncodeToString(sum[:]) || att.URL != "Binary/"+string(d0.ID) {
		t.Errorf("attachment %+v does not describe the PDF (%d bytes)", att, len(pdf))
	}
	if _, again := tech.get("/fhir/r4/Binary/"+string(d0.ID), "*/*"); !bytes.Equal(again, pdf) {
		t.Error("the PDF of an unchanged document changed between two reads")
	}
	var bin fhir.Binary
	tech.json("/fhir/r4/Binary/"+string(d0.ID), 200, &bin)
	if bin.ContentType != "application/pdf" || !bytes.Equal(bin.Data, pdf) {
		t.Errorf("Binary as FHIR JSON: %s, %d bytes", bin.ContentType, len(bin.Data))
	}
	if resp, b := tech.get("/fhir/r4/Binary/"+string(d0.ID), "text/html"); resp.StatusCode != 406 || !bytes.Contains(b, []byte("OperationOutcome")) {
		t.Errorf("Binary as HTML = %d %s", resp.StatusCode, b)
	}

	// AuditEvent: the admin sees jdoe's FHIR reads; every access above is
	// in the audit log, refusals included.
	var ss searchset
	admin.json("/fhir/r4/AuditEvent?agent=jdoe&date=ge"+today+"&_count=1000", 200, &ss)
	actions := map[string]int{}
	for _, e := range ss.Entry {
		var ev fhir.AuditEvent
		if err := json.Unmarshal(e.Resource, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Agent[0].Who.Identifier.Value != "jdoe" || !ev.Agent[0].Requestor || ev.Source.Observer.Identifier.Value == "" {
			t.Errorf("AuditEvent of another agent or without observer: %+v", ev)
		}
		actions[ev.Subtype[0].Code]++
		if ev.Subtype[0].Code == audit.ActionDocView {
			if len(ev.Entity) < 2 || ev.Entity[0].What.Identifier.Value != mrn {
				t.Errorf("document view without the patient: %+v", ev.Entity)
			}
		}
	}
	for _, a := range []string{audit.ActionDocView, audit.ActionSearch, audit.ActionDocPDF, audit.ActionDenied} {
		if actions[a] == 0 {
			t.Errorf("no AuditEvent for %s in %v", a, actions)
		}
	}
	admin.json("/fhir/r4/AuditEvent?agent=jdoe&date=le"+yesterday, 200, &ss)
	if ss.Total != 0 {
		t.Errorf("AuditEvent before today: %d", ss.Total)
	}
	admin.outcome("/fhir/r4/AuditEvent?actor=jdoe", 400, "invalid")

	entries, err := m.Audit.Query(audit.Filter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	viaFHIR := map[string]int{}
	for _, e := range entries {
		if e.Via == chartscan.ViaFHIR {
			viaFHIR[e.Action+" "+e.Actor]++
		}
	}
	for _, k := range []string{"document.view jdoe", "search jdoe", "document.pdf jdoe", "denied jdoe", "denied ", "audit.read records-admin"} {
		if viaFHIR[k] == 0 {
			t.Errorf("audit log has no %q via fhir: %v", k, viaFHIR)
		}
	}
}
