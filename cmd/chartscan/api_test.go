package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartscan"
	"chartscan/api/apitest"
	"chartscan/config"
	"chartscan/internal/testutil"
	"chartscan/pdf"
)

// client talks to a running service as one token holder.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path string, body io.Reader, header map[string]string) (*http.Response, []byte) {
	c.t.Helper()
	var reqBody []byte
	if body != nil {
		b, err := io.ReadAll(body)
		if err != nil {
			c.t.Fatal(err)
		}
		reqBody = b
		// A reader that is not a plain one stands for a body of unknown
		// length (chunked): keep it so.
		if _, plain := body.(interface{ Len() int }); plain {
			body = bytes.NewReader(b)
		} else {
			body = struct{ io.Reader }{bytes.NewReader(b)}
		}
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
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
	// Every exchange is held against the OpenAPI document.
	apitest.New(c.t).Check(c.t, req, reqBody, resp, b)
	return resp, b
}

// json does a request that must answer want, and decodes the answer.
func (c client) json(method, path string, body io.Reader, want int, v any) {
	c.t.Helper()
	resp, b := c.do(method, path, body, c.contentType(path))
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// contentType is the type json sends: uploads are scans, all else JSON.
func (c client) contentType(path string) map[string]string {
	if strings.HasPrefix(path, "/api/v1/scans") {
		return map[string]string{"Content-Type": "application/octet-stream"}
	}
	return map[string]string{"Content-Type": "application/json"}
}

// newToken creates a token with the real command, as an admin would.
func newToken(t *testing.T, m *Main, name, role string) string {
	t.Helper()
	out, code := runCmd(t, "--config", m.ConfigFile, "token", "create", "--name", name, "--role", role)
	if code != 0 || !strings.HasPrefix(out, "cs_") {
		t.Fatalf("token create exit %d: %q", code, out)
	}
	return strings.TrimSpace(out)
}

type batchJSON struct {
	ID         string   `json:"id"`
	Profile    string   `json:"profile"`
	SourceName string   `json:"source_name"`
	Status     string   `json:"status"`
	Pages      int      `json:"pages"`
	Documents  []string `json:"documents"`
	Error      string   `json:"error"`
}

func waitBatch(t *testing.T, c client, id string) batchJSON {
	t.Helper()
	var b batchJSON
	waitFor(t, "batch "+id+" to finish", 4*time.Minute, func() bool {
		c.json("GET", "/api/v1/batches/"+id, nil, 200, &b)
		return b.Status == "done" || b.Status == "failed"
	})
	return b
}

// TestTechnicianAPI goes through the API the way a scanning station and a
// technician do: upload, follow, search, read, download, correct, and an
// admin reading the audit trail of all of it.
func TestTechnicianAPI(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, nil)
	base := "http://" + m.Addr()
	scanner := client{t, base, newToken(t, m, "station-3", "scanner")}
	tech := client{t, base, newToken(t, m, "jdoe", "technician")}
	admin := client{t, base, newToken(t, m, "records-admin", "admin")}

	// Upload as multipart, the way scanner software posts forms.
	src := filepath.Join(testutil.SharedData(t), "charts", "batches", "public-11-012.pdf")
	data, _ := os.ReadFile(src)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "ward-3 stack.pdf")
	fw.Write(data)
	mw.Close()
	resp, b := scanner.do("POST", "/api/v1/scans?profile=default", &body, map[string]string{"Content-Type": mw.FormDataContentType()})
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("upload = %d %s", resp.StatusCode, b)
	}
	var up struct {
		BatchID string `json:"batch_id"`
		Status  string `json:"status"`
	}
	json.Unmarshal(b, &up)
	if len(up.BatchID) != 16 || up.Status != "queued" {
		t.Fatalf("upload answer %s", b)
	}
	// And a raw body with its name in the query.
	raw, _ := os.ReadFile(filepath.Join(testutil.SharedData(t), "charts", "batches", "public-11-023.tif"))
	var up2 struct {
		BatchID string `json:"batch_id"`
	}
	scanner.json("POST", "/api/v1/scans?name=fax.tif", bytes.NewReader(raw), http.StatusAccepted, &up2)

	batch := waitBatch(t, scanner, up.BatchID)
	if batch.Status != "done" || batch.Pages != 4 || len(batch.Documents) == 0 || batch.SourceName != "ward-3 stack.pdf" || batch.Profile != "default" {
		t.Fatalf("batch = %+v", batch)
	}
	if b2 := waitBatch(t, scanner, up2.BatchID); b2.Status != "done" || b2.SourceName != "fax.tif" {
		t.Fatalf("raw upload batch = %+v", b2)
	}

	// Search for a word printed on the last page.
	truth := readTruth(t, "public-11-012")
	word := distinctiveWord(truth[len(truth)-1].Text)
	var res struct {
		Total  int `json:"total"`
		TookMS int `json:"took_ms"`
		Hits   []struct {
			DocumentID string   `json:"document_id"`
			PageID     string   `json:"page_id"`
			PageNumber int      `json:"page_number"`
			Section    string   `json:"section"`
			Fragments  []string `json:"fragments"`
		} `json:"hits"`
		Facets map[string]map[string]int `json:"facets"`
	}
	tech.json("GET", "/api/v1/search?q="+url.QueryEscape(word), nil, 200, &res)
	if res.Total == 0 || res.Hits[0].PageNumber != 4 || !strings.Contains(strings.Join(res.Hits[0].Fragments, " "), "<mark>") {
		t.Fatalf("search %q: %+v", word, res)
	}
	hit := res.Hits[0]
	if res.Facets["section"][hit.Section] == 0 {
		t.Errorf("facets %v lack the hit's section %s", res.Facets, hit.Section)
	}

	// The document, its page, the page image.
	var doc struct {
		ID          string   `json:"id"`
		Pages       []string `json:"pages"`
		Section     string   `json:"section"`
		Version     int      `json:"version"`
		PageDetails []struct {
			ID         string  `json:"id"`
			Confidence float64 `json:"confidence"`
		} `json:"page_details"`
	}
	tech.json("GET", "/api/v1/documents/"+hit.DocumentID, nil, 200, &doc)
	if doc.ID != hit.DocumentID || len(doc.Pages) == 0 || len(doc.PageDetails) != len(doc.Pages) || doc.Version != 1 {
		t.Fatalf("document = %+v", doc)
	}
	var page chartscan.Page
	tech.json("GET", "/api/v1/pages/"+hit.PageID, nil, 200, &page)
	if string(page.ID) != hit.PageID || len(page.Words) == 0 || page.Text == "" {
		t.Fatalf("page = id %s, %d words", page.ID, len(page.Words))
	}
	resp, img := tech.do("GET", "/api/v1/pages/"+hit.PageID+"/image", nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != page.ImageType {
		t.Fatalf("image = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(img)); err != nil || cfg.Width != page.Width {
		t.Fatalf("image decodes: %v, width %d want %d", err, cfg.Width, page.Width)
	}
	resp, img = tech.do("GET", "/api/v1/pages/"+hit.PageID+"/image?format=png", nil, nil)
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(img)); resp.StatusCode != 200 || err != nil || format != "png" || cfg.Width != page.Width {
		t.Fatalf("image as PNG: %d %s %v", resp.StatusCode, format, err)
	}

	// The document as one PDF, that pdfcpu opens, with one page per page.
	resp, pdfBytes := tech.do("GET", "/api/v1/documents/"+hit.DocumentID+"/pdf", nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	pd, err := pdf.Open(bytes.NewReader(pdfBytes), pdf.Limits{})
	if err != nil {
		t.Fatalf("downloaded PDF does not open: %v", err)
	}
	if pd.NumPages() != len(doc.Pages) {
		t.Fatalf("PDF has %d pages, document %d", pd.NumPages(), len(doc.Pages))
	}
	if p1, err := pd.Page(1); err != nil || p1.Image == nil || p1.Width < 500 || p1.Width > 700 {
		t.Errorf("PDF page 1: %v, %v (want a scanned page about 595 points wide)", err, p1)
	}

	// Correct the section; the document is found under the new one.
	newSection := "consent"
	if hit.Section == newSection {
		newSection = "correspondence"
	}
	var corrected struct {
		Section     string `json:"section"`
		Version     int    `json:"version"`
		CorrectedBy string `json:"corrected_by"`
		NeedsReview bool   `json:"needs_review"`
	}
	tech.json("PATCH", "/api/v1/documents/"+hit.DocumentID, strings.NewReader(`{"section":"`+newSection+`","service_date":"2026-03-01"}`), 200, &corrected)
	if corrected.Section != newSection || corrected.Version != 2 || corrected.CorrectedBy != "jdoe" || corrected.NeedsReview {
		t.Fatalf("corrected = %+v", corrected)
	}
	tech.json("GET", "/api/v1/search?section="+newSection+"&q="+url.QueryEscape(word), nil, 200, &res)
	if res.Total == 0 || res.Hits[0].DocumentID != hit.DocumentID {
		t.Fatalf("not found under the corrected section: %+v", res)
	}
	tech.json("GET", "/api/v1/search?from=2026-03-01&to=2026-03-01", nil, 200, &res)
	if res.Total == 0 {
		t.Fatal("not found by the corrected service date")
	}
	if _, err := m.Store.Stat(t.Context(), chartscan.DocumentVersionKey(chartscan.DocumentID(hit.DocumentID), 1)); err != nil {
		t.Errorf("previous manifest not kept: %v", err)
	}
	lessons := 0
	m.Store.List(t.Context(), "models/sections/", func(chartscan.ObjectInfo) error { lessons++; return nil })
	if lessons != 1 {
		t.Errorf("%d section lessons stored after a correction, want 1", lessons)
	}
	tech.json("PATCH", "/api/v1/documents/"+hit.DocumentID, strings.NewReader(`{"section":"kitchen"}`), 400, nil)
	tech.json("PATCH", "/api/v1/documents/"+hit.DocumentID, strings.NewReader(`{"sectoin":"consent"}`), 400, nil)

	// The review queue no longer lists the corrected document.
	var review struct {
		Total     int `json:"total"`
		Documents []struct {
			ID string `json:"id"`
		} `json:"documents"`
	}
	tech.json("GET", "/api/v1/review", nil, 200, &review)
	for _, d := range review.Documents {
		if d.ID == hit.DocumentID {
			t.Error("corrected document still waits for review")
		}
	}

	// The audit trail holds each access with who, what and from where.
	var trail struct {
		Entries []struct {
			Actor, Role, Action, Document, Page, Batch, Query, Detail, Client string
			Status                                                            int
		} `json:"entries"`
	}
	admin.json("GET", "/api/v1/audit?limit=1000", nil, 200, &trail)
	want := map[string]bool{
		"station-3 upload " + up.BatchID:          false,
		"jdoe search":                             false,
		"jdoe document.view " + hit.DocumentID:    false,
		"jdoe document.pdf " + hit.DocumentID:     false,
		"jdoe page.view " + hit.PageID:            false,
		"jdoe page.image " + hit.PageID:           false,
		"jdoe document.correct " + hit.DocumentID: false,
	}
	for _, e := range trail.Entries {
		target := e.Batch
		switch {
		case e.Page != "":
			target = e.Page
		case e.Document != "":
			target = e.Document
		}
		key := strings.TrimSpace(e.Actor + " " + e.Action + " " + target)
		if e.Action == "search" {
			key = e.Actor + " search"
			if !strings.Contains(e.Query, "q=") {
				continue
			}
		}
		if _, ok := want[key]; ok {
			want[key] = true
			if e.Client == "" || e.Role == "" || e.Status != 200 && e.Status != 202 {
				t.Errorf("entry %s lacks client, role or status: %+v", key, e)
			}
		}
		if e.Action == "document.correct" && e.Detail != "section,service_date" {
			t.Errorf("correction detail %q", e.Detail)
		}
		if strings.Contains(e.Query+e.Detail, strings.ToLower(truth[len(truth)-1].Text[:20])) {
			t.Error("audit entry holds page text")
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("audit trail lacks %q", k)
		}
	}
	var mine struct{ Entries []struct{ Actor string } }
	admin.json("GET", "/api/v1/audit?actor=station-3", nil, 200, &mine)
	if len(mine.Entries) == 0 {
		t.Error("audit filter by actor found nothing")
	}
	for _, e := range mine.Entries {
		if e.Actor != "station-3" {
			t.Errorf("actor filter returned %q", e.Actor)
		}
	}
	if out, code := runCmd(t, "--config", m.ConfigFile, "audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Errorf("audit verify exit %d: %s", code, out)
	}

	// What an on-call engineer's Prometheus sees of all that: counts by
	// profile, status, kind and route template, and nothing of a patient.
	text := metricsText(t, m)
	for _, want := range []string{
		`chartscan_files_total{profile="default",status="done"} 2`,
		`chartscan_pages_total{kind="content"}`,
		`chartscan_ocr_page_seconds_count`,
		`chartscan_queue_files 0`,
		`chartscan_review_documents`,
		`chartscan_store_retries_total 0`,
		`chartscan_http_requests_total{code="200",route="/api/v1/search"}`,
		`chartscan_http_requests_total{code="202",route="/api/v1/scans"}`,
		`chartscan_http_requests_total{code="200",route="/api/v1/documents/:id"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, secret := range []string{hit.DocumentID, hit.PageID, up.BatchID, word} {
		if strings.Contains(text, secret) {
			t.Errorf("/metrics holds %q", secret)
		}
	}
}

// metricsText returns what the service's /metrics serves.
func metricsText(t *testing.T, m *Main) string {
	t.Helper()
	resp, b := client{t, "http://" + m.Addr(), ""}.do("GET", "/metrics", nil, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(b)
}

// Every route refuses a missing or unknown token (401) and a role that is
// too low (403), with the JSON error shape.
func TestAccessControl(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, nil)
	base := "http://" + m.Addr()
	tokens := map[string]string{
		"scanner":    newToken(t, m, "s", "scanner"),
		"technician": newToken(t, m, "t", "technician"),
		"admin":      newToken(t, m, "a", "admin"),
	}
	routes := []struct {
		method, path, min string
	}{
		{"POST", "/api/v1/scans", "scanner"},
		{"GET", "/api/v1/batches/0123456789abcdef", "scanner"},
		{"GET", "/api/v1/search?q=x", "technician"},
		{"GET", "/api/v1/documents/0123456789abcdef-d01", "technician"},
		{"GET", "/api/v1/documents/0123456789abcdef-d01/pdf", "technician"},
		{"PATCH", "/api/v1/documents/0123456789abcdef-d01", "technician"},
		{"GET", "/api/v1/pages/0123456789abcdef-p0001", "technician"},
		{"GET", "/api/v1/pages/0123456789abcdef-p0001/image", "technician"},
		{"GET", "/api/v1/review", "technician"},
		{"GET", "/api/v1/audit", "admin"},
	}
	rank := map[string]int{"scanner": 1, "technician": 2, "admin": 3}
	for _, r := range routes {
		for _, who := range []string{"", "bogus", "scanner", "technician", "admin"} {
			t.Run(fmt.Sprintf("%s %s as %q", r.method, r.path, who), func(t *testing.T) {
				c := client{t, base, tokens[who]}
				if who == "bogus" {
					c.token = "cs_" + strings.Repeat("A", 43)
				}
				resp, b := c.do(r.method, r.path, strings.NewReader("{}"), nil)
				var e errorBody
				json.Unmarshal(b, &e)
				switch {
				case who == "" || who == "bogus":
					if resp.StatusCode != 401 || e.Error.Code != "unauthorized" || resp.Header.Get("WWW-Authenticate") == "" {
						t.Fatalf("= %d %s, want 401", resp.StatusCode, b)
					}
				case rank[who] < rank[r.min]:
					if resp.StatusCode != 403 || e.Error.Code != "forbidden" {
						t.Fatalf("= %d %s, want 403", resp.StatusCode, b)
					}
				default:
					if resp.StatusCode == 401 || resp.StatusCode == 403 {
						t.Fatalf("= %d %s, want access", resp.StatusCode, b)
					}
				}
			})
		}
	}
	// Refusals are audited too.
	admin := client{t, base, tokens["admin"]}
	var trail struct {
		Entries []struct{ Action, Actor string }
	}
	admin.json("GET", "/api/v1/audit?actor=s", nil, 200, &trail)
	denied := 0
	for _, e := range trail.Entries {
		if e.Action == "denied" {
			denied++
		}
	}
	if denied == 0 {
		t.Error("no audited refusal for the scanner token")
	}
}

// errorBody mirrors the API's error JSON.
type errorBody struct {
	Error struct{ Code, Message string } `json:"error"`
}

// Malformed ids are refused with 400 before they reach the store, unknown
// well-formed ids are 404, and nothing outside the store is ever served.
func TestIDsAreChecked(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, func(c *config.Config) { c.API.MaxUpload = 4 << 20 })
	// A file the store must never serve.
	os.WriteFile(filepath.Join(m.Config.DataDir, "secret.json"), []byte(`{"id":"x"}`), 0o644)
	base := "http://" + m.Addr()
	tech := client{t, base, newToken(t, m, "t", "technician")}
	scanner := client{t, base, newToken(t, m, "s", "scanner")}
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/api/v1/documents/..%2F..%2Fsecret", 400},
		{"/api/v1/documents/..%2Fobjects%2Fdocuments%2Fx", 400},
		{"/api/v1/pages/0123456789abcdef-p0001%2F..%2F..%2F..%2Fsecret", 400},
		{"/api/v1/pages/0123456789ABCDEF-p0001", 400},
		{"/api/v1/pages/0123456789abcdef-p" + strings.Repeat("1", 200), 400},
		{"/api/v1/documents/0123456789abcdef-d00", 400},
		{"/api/v1/documents/0123456789abcdef-d01;rm", 400},
		{"/api/v1/documents/0123456789abcdef-d01", 404},
		{"/api/v1/pages/0123456789abcdef-p0001/image", 404},
	} {
		resp, b := tech.do("GET", tc.path, nil, nil)
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s = %d %s, want %d", tc.path, resp.StatusCode, b, tc.want)
		}
		if strings.Contains(string(b), `"id":"x"`) {
			t.Errorf("GET %s served a file outside the store", tc.path)
		}
	}
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/api/v1/batches/..%2F..%2Fsecret", 400},
		{"/api/v1/batches/0123456789abcdef", 404},
	} {
		if resp, b := scanner.do("GET", tc.path, nil, nil); resp.StatusCode != tc.want {
			t.Errorf("GET %s = %d %s, want %d", tc.path, resp.StatusCode, b, tc.want)
		}
	}
	// Uploads over the limit are refused with 413, with or without a
	// declared length; an unknown profile is a 400.
	big := bytes.Repeat([]byte("%PDF-1.4 "), 600000)
	if resp, b := scanner.do("POST", "/api/v1/scans", bytes.NewReader(big), nil); resp.StatusCode != 413 {
		t.Errorf("large upload = %d %s", resp.StatusCode, b)
	}
	if resp, b := scanner.do("POST", "/api/v1/scans", struct{ io.Reader }{bytes.NewReader(big)}, nil); resp.StatusCode != 413 {
		t.Errorf("large chunked upload = %d %s", resp.StatusCode, b)
	}
	if resp, _ := scanner.do("POST", "/api/v1/scans?profile=nope", strings.NewReader("%PDF-1.4"), nil); resp.StatusCode != 400 {
		t.Errorf("unknown profile = %d", resp.StatusCode)
	}
	if ents, _ := os.ReadDir(m.Config.WorkDir()); len(ents) != 0 {
		t.Errorf("refused uploads left %d jobs", len(ents))
	}
}

// The OpenAPI document describes exactly the routes the server serves,
// both ways, and is served verbatim.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, nil)
	doc := apitest.New(t).Doc
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, r := range m.HTTP.Routes() {
		served[r.Method+" "+r.Path] = true
		if !documented[r.Method+" "+r.Path] {
			t.Errorf("%s %s is served but not in api/openapi.yaml", r.Method, r.Path)
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("%s is in api/openapi.yaml but not served", op)
		}
	}
	if len(served) < 15 {
		t.Errorf("only %d routes served: %v", len(served), served)
	}
	resp, b := client{t, "http://" + m.Addr(), ""}.do("GET", "/api/v1/openapi.yaml", nil, nil)
	want, err := os.ReadFile(filepath.Join(testutil.Root(t), "api", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !bytes.Equal(b, want) {
		t.Errorf("GET /api/v1/openapi.yaml = %d, %d bytes; want api/openapi.yaml verbatim (%d bytes)", resp.StatusCode, len(b), len(want))
	}
}

// Split and merge through the API: bad requests change nothing and get
// 400, 409 or 422 with the error JSON; good ones keep the old manifests,
// and search follows.
func TestSplitAndMergeAPI(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, nil)
	tech := client{t, "http://" + m.Addr(), newToken(t, m, "jdoe", "technician")}
	raw, _ := os.ReadFile(filepath.Join(testutil.SharedData(t), "charts", "batches", "public-11-012.pdf"))
	var up struct {
		BatchID string `json:"batch_id"`
	}
	scanner := client{t, tech.base, newToken(t, m, "station", "scanner")}
	scanner.json("POST", "/api/v1/scans?name=stack.pdf", bytes.NewReader(raw), 202, &up)
	b := waitBatch(t, scanner, up.BatchID)
	var docs []chartscan.Document
	for _, id := range b.Documents {
		var d chartscan.Document
		tech.json("GET", "/api/v1/documents/"+id, nil, 200, &d)
		docs = append(docs, d)
	}
	var long, other *chartscan.Document
	for i := range docs {
		if len(docs[i].Pages) >= 2 && long == nil {
			long = &docs[i]
		} else if other == nil {
			other = &docs[i]
		}
	}
	if long == nil || other == nil {
		t.Fatalf("want a document of two pages and another: %+v", docs)
	}
	path := "/api/v1/documents/" + string(long.ID)
	var e errorBody
	for _, tc := range []struct {
		body string
		want int
		code string
	}{
		{`{"before_page":"../x"}`, 400, "invalid"},
		{`{"before_page":"` + string(long.Pages[0]) + `"}`, 422, "refused"},
		{`{"before_page":"0123456789abcdef-p0001"}`, 422, "refused"},
		{`{"before_page":"` + string(long.Pages[1]) + `","version":7}`, 409, "conflict"},
		{`{"befor_page":"x"}`, 400, "invalid"},
	} {
		tech.json("POST", path+"/split", strings.NewReader(tc.body), tc.want, &e)
		if e.Error.Code != tc.code || e.Error.Message == "" {
			t.Errorf("split %s: %+v", tc.body, e)
		}
	}
	var now chartscan.Document
	tech.json("GET", path, nil, 200, &now)
	if now.Version != long.Version || len(now.Pages) != len(long.Pages) {
		t.Fatalf("refused splits changed the document: %+v", now)
	}
	var split struct {
		Documents []chartscan.Document `json:"documents"`
	}
	tech.json("POST", path+"/split", strings.NewReader(`{"before_page":"`+string(long.Pages[1])+`","version":`+fmt.Sprint(long.Version)+`}`), 201, &split)
	if len(split.Documents) != 2 || len(split.Documents[0].Pages) != 1 || split.Documents[1].SplitFrom != long.ID {
		t.Fatalf("split = %+v", split)
	}
	if _, err := m.Store.Stat(t.Context(), chartscan.DocumentVersionKey(long.ID, long.Version)); err != nil {
		t.Errorf("the manifest before the split is not kept: %v", err)
	}
	newID := split.Documents[1].ID
	// Merging documents of two patients needs confirming.
	if other.MRN != "" && other.MRN != long.MRN {
		tech.json("POST", "/api/v1/documents/"+string(other.ID)+"/merge", strings.NewReader(`{"with":"`+string(newID)+`"}`), 422, &e)
		if e.Error.Code != "refused" {
			t.Errorf("merge of two patients without confirm: %+v", e)
		}
	}
	var merged chartscan.Document
	tech.json("POST", path+"/merge", strings.NewReader(`{"with":"`+string(newID)+`"}`), 200, &merged)
	if len(merged.Pages) != len(long.Pages) || merged.MergedFrom[0] != newID {
		t.Fatalf("merged = %+v", merged)
	}
	var gone chartscan.Document
	tech.json("GET", "/api/v1/documents/"+string(newID), nil, 200, &gone)
	if gone.MergedInto != long.ID || len(gone.Pages) != 0 {
		t.Errorf("the merged-away document = %+v", gone)
	}
	tech.json("POST", "/api/v1/documents/"+string(newID)+"/merge", strings.NewReader(`{"with":"`+string(long.ID)+`"}`), 422, nil)
}
