package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartscan/config"
	"chartscan/internal/testutil"
)

// With tls.cert and tls.key the API speaks HTTPS only.
func TestTLS(t *testing.T) {
	certs := filepath.Join(t.TempDir(), "certs")
	ca := testutil.WriteTestCerts(t, certs)
	m := MustOpenMain(t, map[string]string{"default": testProfile}, func(c *config.Config) {
		c.TLS.Cert, c.TLS.Key = filepath.Join(certs, "public.crt"), filepath.Join(certs, "private.key")
	})
	pem, _ := os.ReadFile(ca)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + m.Addr() + "/healthz")
	if err != nil {
		t.Fatalf("HTTPS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("HTTPS healthz = %d", resp.StatusCode)
	}
	if resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + m.Addr() + "/healthz"); err == nil && resp.StatusCode == 200 {
		t.Fatal("plain HTTP answered on the TLS port")
	}
}

// The service log never holds tokens, patient names, MRNs or page text,
// even while records are uploaded, searched, read and corrected; oversized
// headers are refused; there is nothing to list.
func TestLogsAndLimits(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, nil)
	base := "http://" + m.Addr()
	secret := newToken(t, m, "jdoe", "technician")
	scanner := client{t, base, newToken(t, m, "station", "scanner")}
	tech := client{t, base, secret}
	raw, _ := os.ReadFile(filepath.Join(testutil.SharedData(t), "charts", "batches", "public-11-023.tif"))
	var up struct {
		BatchID string `json:"batch_id"`
	}
	scanner.json("POST", "/api/v1/scans?name=WILLIAMS_SOFIA_60086288.tif", strings.NewReader(string(raw)), 202, &up)
	b := waitBatch(t, scanner, up.BatchID)
	var res struct {
		Hits []struct {
			DocumentID string `json:"document_id"`
			PageID     string `json:"page_id"`
		} `json:"hits"`
	}
	tech.json("GET", "/api/v1/search?q=williams+specimens", nil, 200, &res)
	if len(res.Hits) == 0 {
		t.Fatalf("nothing found in batch %+v", b)
	}
	tech.json("GET", "/api/v1/documents/"+res.Hits[0].DocumentID, nil, 200, nil)
	tech.json("GET", "/api/v1/pages/"+res.Hits[0].PageID, nil, 200, nil)
	tech.json("PATCH", "/api/v1/documents/"+res.Hits[0].DocumentID, strings.NewReader(`{"patient_name":"WILLIAMS^SOFIA","mrn":"60086288"}`), 200, nil)
	client{t, base, "cs_wrong"}.do("GET", "/api/v1/review", nil, nil)

	logs := logsOf(m)
	for _, phi := range []string{secret, secret[3:], "WILLIAMS", "Williams", "SOFIA", "60086288", "specimens", "obturator", "1986"} {
		if strings.Contains(logs, phi) {
			t.Errorf("the service log holds %q", phi)
		}
	}

	req, _ := http.NewRequest("GET", base+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("x", 200<<10))
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("200 KiB of headers = %d, want 431", resp.StatusCode)
		}
	}
	for _, path := range []string{"/api/v1/", "/objects/", "/api/v1/documents/", "/ui/static/", "/ui/static/README.md"} {
		if resp, _ := tech.do("GET", path, nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
		}
	}
	// The root only leads to the web UI.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := noFollow.Get(base + "/"); err != nil || resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/ui/" {
		t.Errorf("GET / = %v %v, want a redirect to /ui/", resp, err)
	} else {
		resp.Body.Close()
	}
}
