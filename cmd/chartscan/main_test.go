package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "golang.org/x/image/tiff"

	"chartscan"
	"chartscan/config"
	"chartscan/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// testProfile is the default profile with a short settle time, so tests
// do not wait for seconds.
const testProfile = `
name: default
inbox: default
settle: 300ms
after: archive
`

// MustOpenMain starts the real program on 127.0.0.1:0 with a temporary
// data folder and the given profile files (name -> YAML). It stops it when
// the test ends.
func MustOpenMain(tb testing.TB, profiles map[string]string, edit func(*config.Config)) *Main {
	tb.Helper()
	dir := tb.TempDir()
	profDir := filepath.Join(dir, "profiles")
	if err := os.MkdirAll(profDir, 0o755); err != nil {
		tb.Fatal(err)
	}
	for name, y := range profiles {
		if err := os.WriteFile(filepath.Join(profDir, name+".yaml"), []byte(y), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	cfgFile := filepath.Join(dir, "chartscan.yaml")
	cfgText := "data_dir: " + filepath.Join(dir, "data") + "\nlisten: 127.0.0.1:0\nprofiles_dir: " + profDir + "\ningest:\n  rescan: 2s\n"
	if err := os.WriteFile(cfgFile, []byte(cfgText), 0o644); err != nil {
		tb.Fatal(err)
	}
	cfg, err := config.Load(cfgFile, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
	}
	return startMain(tb, cfg, cfgFile)
}

// startMain starts the real program on cfg (read from cfgFile) and stops
// it when the test ends, or at StopMain.
func startMain(tb testing.TB, cfg *config.Config, cfgFile string) *Main {
	tb.Helper()
	logs := &lockedBuffer{}
	m := NewMain(cfg, newLogger(cfg, io.MultiWriter(testLogWriter{tb}, logs)))
	serviceLogs.Store(m, logs)
	m.ConfigFile = cfgFile
	m.Console = logs
	if err := m.Open(); err != nil {
		m.Close()
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	select {
	case <-m.Ready():
	case err := <-done:
		tb.Fatalf("Run: %v", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				tb.Errorf("Run: %v", err)
			}
			if err := m.Close(); err != nil {
				tb.Errorf("Close: %v", err)
			}
		})
	}
	serviceStops.Store(m, stop)
	tb.Cleanup(stop)
	return m
}

// serviceStops holds the stop of each Main started by startMain.
var serviceStops sync.Map

// StopMain stops a Main started by MustOpenMain, as SIGTERM would.
func StopMain(m *Main) {
	if stop, ok := serviceStops.Load(m); ok {
		stop.(func())()
	}
}

// RestartMain stops m and starts the program again on the same
// configuration and data.
func RestartMain(tb testing.TB, m *Main) *Main {
	tb.Helper()
	StopMain(m)
	return startMain(tb, m.Config, m.ConfigFile)
}

// lockedBuffer collects a service's log for tests that read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serviceLogs holds the log of each Main started by MustOpenMain.
var serviceLogs sync.Map

// logsOf returns what m has logged so far.
func logsOf(m *Main) string {
	b, _ := serviceLogs.Load(m)
	return b.(*lockedBuffer).String()
}

// testLogWriter sends the service log to the test log.
type testLogWriter struct{ tb testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// truthPage is a page of a chart batch's ground truth.
type truthPage struct {
	N    int    `json:"n"`
	Kind string `json:"kind"`
	Text string `json:"text"`
}

func readTruth(tb testing.TB, batch string) []truthPage {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.SharedData(tb), "charts", "truth", batch+".json"))
	if err != nil {
		tb.Fatal(err)
	}
	var t struct {
		Pages []truthPage `json:"pages"`
	}
	if err := json.Unmarshal(b, &t); err != nil {
		tb.Fatal(err)
	}
	return t.Pages
}

// distinctiveWord returns a long word printed on the page, for searching.
func distinctiveWord(text string) string {
	best := ""
	for _, w := range testutil.Words(text) {
		if len(w) > len(best) && strings.IndexFunc(w, func(r rune) bool { return r < 'a' || r > 'z' }) < 0 {
			best = w
		}
	}
	return best
}

func copyFile(tb testing.TB, src, dst string) {
	tb.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	// Write under a temporary name first, as scanners do, then rename.
	tmp := filepath.Join(filepath.Dir(dst), "~"+filepath.Base(dst)+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		tb.Fatal(err)
	}
}

func waitFor(tb testing.TB, what string, timeout time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func readObject(tb testing.TB, s chartscan.ObjectStore, key string) []byte {
	tb.Helper()
	r, err := s.Get(context.Background(), key)
	if err != nil {
		tb.Fatalf("object %s: %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestDropScanIntoInbox is the capture pipeline end to end: a multi-page
// TIFF dropped into the default inbox of the running service becomes
// searchable by words printed on its pages, every object of the layout is
// stored, and the source is archived; a corrupt file dropped beside it
// ends in failed/ with the reason, and the service goes on.
func TestDropScanIntoInbox(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, nil)
	inbox := m.Config.InboxDir(m.Profiles["default"])
	src := filepath.Join(testutil.SharedData(t), "charts", "batches", "public-11-009.tif")
	truth := readTruth(t, "public-11-009")

	copyFile(t, src, filepath.Join(inbox, "ward 3 scan.tif"))
	if err := os.WriteFile(filepath.Join(inbox, "broken.pdf"), []byte("%PDF-1.4\n1 0 obj <</Type /Catalog"), 0o644); err != nil {
		t.Fatal(err)
	}

	// A word printed on the last content page becomes searchable.
	var word string
	for _, p := range truth {
		if p.Kind == "content" {
			word = distinctiveWord(p.Text)
		}
	}
	var hits *chartscan.SearchResults
	waitFor(t, "the scan to be searchable", 3*time.Minute, func() bool {
		res, err := m.Index.Search(context.Background(), chartscan.SearchQuery{Text: word})
		if err != nil {
			t.Fatal(err)
		}
		hits = res
		return res.Total > 0
	})

	// Stored objects: the source byte-exact, every page image and record,
	// the documents and the batch record.
	want, _ := os.ReadFile(src)
	sum := sha256.Sum256(want)
	id := chartscan.NewBatchID(sum[:])
	if got := readObject(t, m.Store, chartscan.SourceKey(id, "ward 3 scan.tif")); !bytes.Equal(got, want) {
		t.Fatalf("stored source differs from the file dropped (%d vs %d bytes)", len(got), len(want))
	}
	// The batch record is written last, after the pages are searchable.
	waitFor(t, "the batch record", time.Minute, func() bool {
		_, err := m.Store.Stat(context.Background(), chartscan.BatchKey(id))
		return err == nil
	})
	var batch chartscan.Batch
	if err := json.Unmarshal(readObject(t, m.Store, chartscan.BatchKey(id)), &batch); err != nil {
		t.Fatal(err)
	}
	if batch.Status != chartscan.BatchDone || batch.Pages != len(truth) || len(batch.Documents) == 0 {
		t.Fatalf("batch record = %+v, want done with %d pages and documents", batch, len(truth))
	}
	for n := 1; n <= len(truth); n++ {
		var pg chartscan.Page
		if err := json.Unmarshal(readObject(t, m.Store, chartscan.PageRecordKey(id, n)), &pg); err != nil {
			t.Fatal(err)
		}
		if pg.ID != id.Page(n) || pg.Number != n || pg.Image == "" || pg.Words == nil {
			t.Errorf("page %d record = id %s number %d image %q", n, pg.ID, pg.Number, pg.Image)
		}
		img := readObject(t, m.Store, pg.Image)
		if _, format, err := image.DecodeConfig(bytes.NewReader(img)); err != nil || "image/"+format != pg.ImageType {
			t.Errorf("page %d image is %q (%v), record says %s", n, format, err, pg.ImageType)
		}
		if truth[n-1].Kind == "content" && len(pg.Words) < 10 {
			t.Errorf("page %d: %d words read", n, len(pg.Words))
		}
	}
	for _, d := range batch.Documents {
		var doc chartscan.Document
		if err := json.Unmarshal(readObject(t, m.Store, chartscan.DocumentKey(d)), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.ID != d || len(doc.Pages) == 0 || !doc.Section.Valid() {
			t.Errorf("document %s = %+v", d, doc)
		}
	}
	hit := hits.Hits[0]
	if hit.DocumentID == "" || !strings.HasPrefix(string(hit.PageID), string(id)) || len(hit.Fragments) == 0 {
		t.Errorf("search hit = %+v", hit)
	}

	// The source went to the archive; the corrupt file to failed/ with why.
	waitFor(t, "the source to be archived", 30*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(inbox, "archive", "ward 3 scan.tif"))
		return err == nil
	})
	waitFor(t, "the corrupt file to be quarantined", 30*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(inbox, "failed", "broken.pdf.error.txt"))
		return err == nil
	})
	reason, _ := os.ReadFile(filepath.Join(inbox, "failed", "broken.pdf.error.txt"))
	if !strings.Contains(string(reason), "PDF is damaged") {
		t.Errorf("error note = %q", reason)
	}
	if _, err := os.Stat(filepath.Join(inbox, "failed", "broken.pdf")); err != nil {
		t.Errorf("quarantined file missing: %v", err)
	}

	// The service still answers.
	resp, err := http.Get("http://" + m.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz = %d", resp.StatusCode)
	}
}
