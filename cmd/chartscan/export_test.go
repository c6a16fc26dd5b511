package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"chartscan"
	"chartscan/audit"
	"chartscan/config"
	"chartscan/fhir"
	"chartscan/fhir/fhirtest"
	"chartscan/hl7/hl7test"
	"chartscan/internal/testutil"
	"chartscan/records"
)

// runCmdAll runs a command and returns its stdout, stderr and exit code.
func runCmdAll(ctx context.Context, t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(ctx, args, nil, &out, &errOut)
	return out.String(), errOut.String(), code
}

// exportSite is a data folder with real scans ingested by the ingest
// command, for the export commands to read.
type exportSite struct {
	t    *testing.T
	cfg  string
	data string
}

// newExportSite ingests two chart scans and files every document under
// one patient (a technician's corrections), then splits a two-page
// document, whose new half waits for review.
func newExportSite(t *testing.T, extra string) (*exportSite, []chartscan.DocumentID, chartscan.DocumentID) {
	t.Helper()
	dir := t.TempDir()
	prof := filepath.Join(dir, "profiles")
	os.MkdirAll(prof, 0o755)
	os.WriteFile(filepath.Join(prof, "default.yaml"), []byte(testProfile), 0o644)
	s := &exportSite{t: t, cfg: filepath.Join(dir, "chartscan.yaml"), data: filepath.Join(dir, "data")}
	y := fmt.Sprintf("data_dir: %s\nprofiles_dir: %s\nexport:\n  attempts: 3\n  max_backoff: 20ms\n  timeout: 2s\n%s", s.data, prof, extra)
	if err := os.WriteFile(s.cfg, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, n := range []string{"public-11-011.pdf", "public-11-012.pdf"} {
		files = append(files, filepath.Join(testutil.SharedData(t), "charts", "batches", n))
	}
	if out, errOut, code := runCmdAll(context.Background(), t, append([]string{"--config", s.cfg, "ingest"}, files...)...); code != 0 {
		t.Fatalf("ingest: %d %s %s", code, out, errOut)
	}
	var ids []chartscan.DocumentID
	var split chartscan.DocumentID
	s.records(func(svc *records.Service) {
		err := svc.AllDocuments(context.Background(), operator(), func(id chartscan.DocumentID) error {
			ids = append(ids, id)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			s.correct(svc, id, `{"mrn":"60465481","patient_name":"O'BRIEN|SMITH^ANN & JO~X\\Y"}`)
		}
		for _, id := range ids {
			d, err := chartscan.LoadDocument(context.Background(), svc.Store, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Pages) >= 2 && split == "" {
				_, nd, err := svc.Split(context.Background(), techActor, id, d.Pages[1], 0)
				if err != nil {
					t.Fatal(err)
				}
				split = nd.ID
			}
		}
	})
	if split == "" || len(ids) < 4 {
		t.Fatalf("want documents and one of two pages to split: %v", ids)
	}
	return s, ids, split
}

var techActor = chartscan.Actor{Name: "jdoe", Role: chartscan.RoleTechnician, Via: chartscan.ViaCLI}

// records opens the site's records as the service would, for fn.
func (s *exportSite) records(fn func(*records.Service)) {
	s.t.Helper()
	cfg, err := config.Load(s.cfg, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	if err := m.OpenStorage(); err != nil {
		s.t.Fatal(err)
	}
	defer m.Close()
	if m.Audit, err = audit.Open(cfg.AuditDir(), m.Store, nil); err != nil {
		s.t.Fatal(err)
	}
	fn(&records.Service{Store: m.Store, Index: m.Index, Audit: m.Audit, Profiles: m.Profiles})
}

func (s *exportSite) correct(svc *records.Service, id chartscan.DocumentID, body string) *chartscan.Document {
	s.t.Helper()
	var c records.Correction
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		s.t.Fatal(err)
	}
	d, _, err := svc.Correct(context.Background(), techActor, id, c)
	if err != nil {
		s.t.Fatalf("correct %s: %v", id, err)
	}
	return d
}

// pdfOf returns a document's PDF as chartscan makes it.
func (s *exportSite) pdfOf(id chartscan.DocumentID) []byte {
	var buf bytes.Buffer
	s.records(func(svc *records.Service) {
		if _, err := svc.DocumentPDF(context.Background(), techActor, id, &buf); err != nil {
			s.t.Fatal(err)
		}
	})
	return buf.Bytes()
}

// ehr is a small FHIR server: transaction Bundles with PUT Binary/<id>,
// conditional create (ifNoneExist on identifier) and conditional update
// (PUT DocumentReference?identifier=) of DocumentReferences. It can be
// told to fail: answer 500, 400, or nothing.
type ehr struct {
	t     *testing.T
	token string
	v     *fhirtest.Validator

	mu       sync.Mutex
	docs     map[string]json.RawMessage // by masterIdentifier value
	versions map[string]int
	binaries map[string][]byte
	posts    map[string]int // transactions received, by document id
	fail     string         // "", "500", "400", "hang"
	onPost   func()
}

func newEHR(t *testing.T, token string, v *fhirtest.Validator) (*ehr, *httptest.Server) {
	e := &ehr{t: t, token: token, v: v, docs: map[string]json.RawMessage{}, versions: map[string]int{},
		binaries: map[string][]byte{}, posts: map[string]int{}}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, srv
}

func (e *ehr) setFail(mode string) {
	e.mu.Lock()
	e.fail = mode
	e.mu.Unlock()
}

func (e *ehr) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	defer e.mu.Unlock()
	oo := func(status int, code, msg string) {
		w.Header().Set("Content-Type", "application/fhir+json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":%q,"diagnostics":%q}]}`, code, msg)
	}
	if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer "+e.token || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/fhir+json") {
		oo(401, "login", "want a POST of application/fhir+json with the bearer token")
		return
	}
	var b fhir.Bundle
	if err := json.Unmarshal(body, &b); err != nil || b.Type != "transaction" {
		oo(400, "structure", "not a transaction Bundle")
		return
	}
	e.v.Add("transaction POSTed", body)
	docID := ""
	for _, en := range b.Entry {
		if en.Request.Method == "PUT" && strings.HasPrefix(en.Request.URL, "Binary/") {
			docID = strings.TrimPrefix(en.Request.URL, "Binary/")
		}
		if q, ok := strings.CutPrefix(en.Request.IfNoneExist+en.Request.URL, "DocumentReference?identifier="); ok {
			docID = strings.TrimPrefix(q, fhir.SystemDocument+"|")
		} else if q, ok := strings.CutPrefix(en.Request.IfNoneExist, "identifier="); ok {
			docID = strings.TrimPrefix(q, fhir.SystemDocument+"|")
		}
	}
	e.posts[docID]++
	switch e.fail {
	case "500":
		oo(500, "exception", "database unavailable")
		return
	case "400":
		oo(400, "processing", "DocumentReference.type: code not mapped")
		return
	case "hang":
		e.mu.Unlock()
		time.Sleep(2500 * time.Millisecond) // beyond export.timeout
		e.mu.Lock()
		return
	}
	resp := fhir.Bundle{ResourceType: "Bundle", Type: "transaction-response"}
	for _, en := range b.Entry {
		var res struct {
			ResourceType     string           `json:"resourceType"`
			ID               string           `json:"id"`
			Data             []byte           `json:"data"`
			MasterIdentifier *fhir.Identifier `json:"masterIdentifier"`
		}
		json.Unmarshal(en.Resource, &res)
		status := ""
		switch {
		case en.Request.Method == "PUT" && en.Request.URL == "Binary/"+res.ID && res.ResourceType == "Binary":
			status = "200 OK"
			if _, ok := e.binaries[res.ID]; !ok {
				status = "201 Created"
			}
			e.binaries[res.ID] = res.Data
		case res.ResourceType == "DocumentReference" && res.MasterIdentifier != nil && res.MasterIdentifier.System == fhir.SystemDocument:
			key := res.MasterIdentifier.Value
			cond := fhir.ConditionalQuery(chartscan.DocumentID(key))
			_, exists := e.docs[key]
			switch {
			case en.Request.Method == "POST" && en.Request.URL == "DocumentReference" && en.Request.IfNoneExist == cond:
				status = "200 OK" // conditional create: one exists, nothing created
				if !exists {
					e.docs[key], e.versions[key], status = en.Resource, 1, "201 Created"
				}
			case en.Request.Method == "PUT" && en.Request.URL == "DocumentReference?"+cond:
				e.docs[key], status = en.Resource, "200 OK"
				e.versions[key]++
			default:
				oo(400, "processing", "unexpected request "+en.Request.Method+" "+en.Request.URL)
				return
			}
		default:
			oo(400, "processing", "unexpected entry")
			return
		}
		resp.Entry = append(resp.Entry, fhir.BundleEntry{Response: &fhir.BundleResponse{Status: status}})
	}
	w.Header().Set("Content-Type", "application/fhir+json")
	json.NewEncoder(w).Encode(resp)
	if e.onPost != nil {
		e.onPost()
	}
}

func (e *ehr) stored() (docs, binaries int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.docs), len(e.binaries)
}

func (e *ehr) postsFor(id chartscan.DocumentID) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.posts[string(id)]
}

func (e *ehr) document(t *testing.T, id chartscan.DocumentID) fhir.DocumentReference {
	e.mu.Lock()
	defer e.mu.Unlock()
	var d fhir.DocumentReference
	if err := json.Unmarshal(e.docs[string(id)], &d); err != nil {
		t.Fatalf("EHR has no DocumentReference %s: %v", id, err)
	}
	return d
}

// The FHIR export to an EHR's FHIR base: every reviewed document once,
// sent twice and stored once, the one waiting for review held back until
// reviewed, a corrected document sent again as an update, an EHR that
// answers 500, 400 or nothing retried and the document reported not
// delivered (exit 1) and never marked sent, a run killed half way
// resumed, and files written for --out.
func TestExportFHIR(t *testing.T) {
	v := fhirtest.New(t, "fhir-export")
	const token = "ehr-secret"
	e, srv := newEHR(t, token, v)
	site, ids, held := newExportSite(t, fmt.Sprintf("  fhir_url: %s\n  fhir_token: %s\n", srv.URL, token))
	all := append(append([]chartscan.DocumentID{}, ids...), held)
	ctx := context.Background()
	exportFHIR := func(args ...string) (string, string, int) {
		t.Helper()
		return runCmdAll(ctx, t, append([]string{"--config", site.cfg, "export", "fhir"}, args...)...)
	}

	out, errOut, code := exportFHIR()
	if code != 0 || !strings.Contains(out, fmt.Sprintf("%d sent (%d new, 0 updated)", len(ids), len(ids))) ||
		!strings.Contains(out, "held back: "+string(held)+": needs review") {
		t.Fatalf("first export: exit %d\n%s%s", code, out, errOut)
	}
	if d, b := e.stored(); d != len(ids) || b != len(ids) {
		t.Fatalf("EHR holds %d DocumentReferences and %d Binaries, want %d", d, b, len(ids))
	}
	for _, id := range ids {
		dr := e.document(t, id)
		pdf := e.binaries[string(id)]
		sum := sha1.Sum(pdf)
		if dr.Subject.Identifier.Value != "60465481" || dr.Content[0].Attachment.Hash != base64.StdEncoding.EncodeToString(sum[:]) ||
			dr.Content[0].Attachment.Size != int64(len(pdf)) || !bytes.Equal(pdf, site.pdfOf(id)) {
			t.Errorf("%s in the EHR: subject %+v attachment %+v, PDF %d bytes", id, dr.Subject, dr.Content[0].Attachment, len(pdf))
		}
	}
	// A second run sends nothing; the held document stays held.
	out, _, code = exportFHIR()
	if code != 0 || !strings.Contains(out, "0 sent") || !strings.Contains(out, fmt.Sprintf("%d unchanged", len(ids))) || !strings.Contains(out, "1 held back") {
		t.Errorf("second export: exit %d %s", code, out)
	}
	for _, id := range ids {
		if n := e.postsFor(id); n != 1 {
			t.Errorf("%s was POSTed %d times, want once", id, n)
		}
	}
	// Sent twice, stored once: the export state lost, everything goes
	// again and the EHR's conditional create keeps one of each.
	os.RemoveAll(filepath.Join(site.data, "exports"))
	if out, errOut, code := exportFHIR(); code != 0 || !strings.Contains(out, fmt.Sprintf("%d sent (%d new", len(ids), len(ids))) {
		t.Fatalf("export without state: exit %d %s %s", code, out, errOut)
	}
	if d, _ := e.stored(); d != len(ids) {
		t.Errorf("after sending twice the EHR holds %d DocumentReferences, want %d", d, len(ids))
	}

	// A correction and a review: an update and a new document.
	fixed := ids[0]
	site.records(func(svc *records.Service) {
		site.correct(svc, fixed, `{"section":"discharge"}`)
		site.correct(svc, held, `{"mrn":"60465481"}`)
	})
	out, errOut, code = exportFHIR()
	if code != 0 || !strings.Contains(out, "2 sent (1 new, 1 updated)") {
		t.Fatalf("export after corrections: exit %d\n%s%s", code, out, errOut)
	}
	if dr := e.document(t, fixed); dr.Type.Coding[0].Code != "18842-5" || e.versions[string(fixed)] != 2 {
		t.Errorf("the corrected document in the EHR: type %+v, version %d", dr.Type, e.versions[string(fixed)])
	}
	if d, _ := e.stored(); d != len(all) {
		t.Errorf("EHR holds %d DocumentReferences, want %d", d, len(all))
	}
	dr := e.document(t, held)
	if len(dr.RelatesTo) != 1 || dr.RelatesTo[0].Code != "replaces" {
		t.Errorf("the split-off document: relatesTo %+v", dr.RelatesTo)
	}

	// An EHR that fails: retried, reported, never marked sent.
	for i, mode := range []string{"500", "400", "hang"} {
		id := ids[1+i]
		site.records(func(svc *records.Service) { site.correct(svc, id, fmt.Sprintf(`{"service_date":"2020-01-0%d"}`, i+1)) })
		before := e.postsFor(id)
		e.setFail(mode)
		out, errOut, code := exportFHIR()
		e.setFail("")
		want := map[string]string{"500": "HTTP 500: exception database unavailable", "400": "HTTP 400: processing DocumentReference.type: code not mapped", "hang": "no answer"}[mode]
		if code != 1 || !strings.Contains(errOut, "not delivered: "+string(id)+": "+want) || !strings.Contains(out, "1 not delivered") {
			t.Errorf("EHR answering %s: exit %d\n%s%s", mode, code, out, errOut)
		}
		if n := e.postsFor(id) - before; n != 3 {
			t.Errorf("EHR answering %s: %d attempts, want 3", mode, n)
		}
		// Not marked sent: the next run delivers it.
		out, errOut, code = exportFHIR()
		if code != 0 || !strings.Contains(out, "1 sent (0 new, 1 updated)") {
			t.Errorf("after the EHR recovered from %s: exit %d\n%s%s", mode, code, out, errOut)
		}
	}

	// Killed half way, then run again: it goes on where it stopped, and
	// nothing is stored twice.
	e2, srv2 := newEHR(t, token, v)
	runCtx, cancel := context.WithCancel(ctx)
	n := 0
	e2.onPost = func() {
		if n++; n == 2 {
			cancel()
		}
	}
	// The configured base (whose token is sent; a --url of another base
	// gets no token).
	t.Setenv("CHARTSCAN_EXPORT_FHIR_URL", srv2.URL+"/fhir")
	_, _, code = runCmdAll(runCtx, t, "--config", site.cfg, "export", "fhir")
	cancel()
	if code == 0 {
		t.Error("a run stopped half way exited 0")
	}
	first, _ := e2.stored()
	out, errOut, code = exportFHIR()
	if code != 0 {
		t.Fatalf("resumed export: exit %d %s %s", code, out, errOut)
	}
	if d, _ := e2.stored(); d != len(all) || first == 0 || first >= len(all) {
		t.Errorf("stopped after %d, then the EHR holds %d, want %d", first, d, len(all))
	}
	for _, id := range all {
		if n := e2.postsFor(id); n < 1 || n > 2 {
			t.Errorf("%s POSTed %d times to the second EHR", id, n)
		}
	}

	// Files: one transaction Bundle per document, valid R4.
	dir := filepath.Join(t.TempDir(), "bundles")
	if out, errOut, code := exportFHIR("--out", dir); code != 0 || !strings.Contains(out, fmt.Sprintf("%d sent", len(all))) {
		t.Fatalf("export --out: exit %d %s %s", code, out, errOut)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(names) != len(all) {
		t.Errorf("%d bundle files, want %d", len(names), len(all))
	}
	for _, f := range names {
		b, _ := os.ReadFile(f)
		v.Add(filepath.Base(f), b)
		var tx fhir.Bundle
		json.Unmarshal(b, &tx)
		id := strings.TrimSuffix(filepath.Base(f), ".json")
		if tx.Type != "transaction" || len(tx.Entry) != 2 || tx.Entry[0].Request.URL != "Binary/"+id ||
			tx.Entry[1].Request.IfNoneExist != "identifier=urn:chartscan:document|"+id {
			t.Errorf("%s: %+v", f, tx.Entry)
		}
	}
	// Bad invocations are one-line errors.
	for _, args := range [][]string{{"--out", dir, "--url", srv.URL}, {"--since", "yesterday"}, {"--url", "ftp://x"}} {
		if _, errOut, code := exportFHIR(args...); code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("export fhir %v: exit %d %q", args, code, errOut)
		}
	}
	// Every delivery and refusal is in the audit log.
	if out, code := runCmd(t, "--config", site.cfg, "audit", "verify"); code != 0 {
		t.Errorf("audit verify: %s", out)
	}
}

// The HL7 export over MLLP: one MDM^T02 per document with its PDF, read
// back by python-hl7; a receiver answering AE is tried 3 times and the
// document reported not delivered; a corrected document goes as T08, a
// document merged away as T11; and --out writes the messages as files.
func TestExportHL7(t *testing.T) {
	site, ids, held := newExportSite(t, "  hl7: {receiving_application: EHR, assigning_authority: HOSP}\n")
	ctx := context.Background()
	var mu sync.Mutex
	refuse := map[string]bool{}
	l := hl7test.Listen(t, func(_ int, msg []byte) string {
		mu.Lock()
		defer mu.Unlock()
		for id := range refuse {
			if bytes.Contains(msg, []byte("|"+id+"^CHARTSCAN")) {
				return "AE"
			}
		}
		return "AA"
	})
	exportHL7 := func(args ...string) (string, string, int) {
		t.Helper()
		return runCmdAll(ctx, t, append([]string{"--config", site.cfg, "export", "hl7", "--mllp", l.Addr}, args...)...)
	}
	refused := ids[1]
	refuse[string(refused)] = true
	out, errOut, code := exportHL7()
	if code != 1 || !strings.Contains(errOut, "not delivered: "+string(refused)+": ACK AE: Document type not mapped") ||
		!strings.Contains(out, fmt.Sprintf("%d sent", len(ids)-1)) || !strings.Contains(out, "held back: "+string(held)) {
		t.Fatalf("first export: exit %d\n%s%s", code, out, errOut)
	}
	mu.Lock()
	delete(refuse, string(refused))
	mu.Unlock()
	if out, errOut, code := exportHL7(); code != 0 || !strings.Contains(out, "1 sent (1 new") {
		t.Fatalf("second export: exit %d\n%s%s", code, out, errOut)
	}
	// A correction (T08) and a merge (T08 for the one kept, T11 for the
	// one merged away).
	site.records(func(svc *records.Service) {
		site.correct(svc, ids[0], `{"service_date":"2021-03-04"}`)
		if _, err := svc.Merge(ctx, techActor, ids[2], ids[3], 0, true); err != nil {
			t.Fatal(err)
		}
	})
	if out, errOut, code := exportHL7(); code != 0 || !strings.Contains(out, "3 sent (0 new, 3 updated)") {
		t.Fatalf("export after corrections: exit %d\n%s%s", code, out, errOut)
	}
	wire := filepath.Join(t.TempDir(), "wire.mllp")
	os.WriteFile(wire, l.Raw(), 0o644)
	msgs := hl7test.ParseWithPythonHL7(t, true, wire)
	if len(msgs) != len(ids)-1+3+1+3 { // first run (3 tries of the refused one), second run, three updates
		t.Errorf("%d messages on the wire", len(msgs))
	}
	byDoc := map[string][]string{}
	for _, m := range msgs {
		id := m.F("TXA", 12, 1)
		byDoc[id] = append(byDoc[id], m.F("MSH", 9, 2))
		if m.F("MSH", 9, 1) != "MDM" || m.F("MSH", 12, 1) != "2.5.1" || m.F("MSH", 5, 1) != "EHR" ||
			m.F("PID", 3, 1) != "60465481" || m.F("PID", 3, 4) != "HOSP" ||
			m.F("PID", 5, 1) != "O'BRIEN|SMITH" || m.F("PID", 5, 2) != `ANN & JO~X\Y` {
			t.Errorf("%s: MSH-9 %s MSH-12 %s PID-3 %s^%s PID-5 %q^%q", id, m.F("MSH", 9, 1), m.F("MSH", 12, 1),
				m.F("PID", 3, 1), m.F("PID", 3, 4), m.F("PID", 5, 1), m.F("PID", 5, 2))
		}
		if m.F("MSH", 9, 2) == "T11" {
			continue
		}
		pdf, err := base64.StdEncoding.DecodeString(m.F("OBX", 5, 5))
		if err != nil || m.F("OBX", 2, 1) != "ED" || !bytes.HasPrefix(pdf, []byte("%PDF-")) || m.F("TXA", 17, 1) != "DO" {
			t.Errorf("%s: OBX-2 %s, OBX-5 %d bytes (%v), TXA-17 %s", id, m.F("OBX", 2, 1), len(pdf), err, m.F("TXA", 17, 1))
		}
	}
	want := map[string]string{
		string(ids[0]): "T02 T08", string(refused): "T02 T02 T02 T02", string(ids[2]): "T02 T08", string(ids[3]): "T02 T11",
	}
	for id, w := range want {
		if got := strings.Join(byDoc[id], " "); got != w {
			t.Errorf("%s: events %q, want %q", id, got, w)
		}
	}
	if _, ok := byDoc[string(held)]; ok {
		t.Errorf("the document waiting for review was sent")
	}
	// The PDF sent is the document's PDF, byte for byte.
	for _, m := range msgs {
		if m.F("TXA", 12, 1) == string(ids[0]) && m.F("MSH", 9, 2) == "T08" {
			pdf, _ := base64.StdEncoding.DecodeString(m.F("OBX", 5, 5))
			if !bytes.Equal(pdf, site.pdfOf(ids[0])) {
				t.Error("the PDF in OBX-5 is not the document's PDF")
			}
		}
	}

	// Files, with the document waiting for review asked for.
	dir := filepath.Join(t.TempDir(), "hl7")
	out, errOut, code = runCmdAll(ctx, t, "--config", site.cfg, "export", "hl7", "--out", dir, "--include-review")
	if code != 0 {
		t.Fatalf("export hl7 --out: exit %d %s %s", code, out, errOut)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.hl7"))
	sort.Strings(names)
	files := hl7test.ParseWithPythonHL7(t, false, names...)
	if len(files) != len(ids) { // every document but the one merged away (never sent there), plus the held one
		t.Errorf("%d files: %v", len(files), names)
	}
	for _, m := range files {
		id := strings.TrimSuffix(filepath.Base(m.File), ".hl7")
		if m.F("TXA", 12, 1) != id || m.F("MSH", 9, 2) != "T02" {
			t.Errorf("%s: TXA-12 %s event %s", m.File, m.F("TXA", 12, 1), m.F("MSH", 9, 2))
		}
		if id == string(held) && (m.F("TXA", 17, 1) != "IN" || m.F("TXA", 13, 1) == "") {
			t.Errorf("the document waiting for review: TXA-17 %s TXA-13 %s", m.F("TXA", 17, 1), m.F("TXA", 13, 1))
		}
	}
}
