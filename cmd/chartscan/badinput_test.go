package main

import (
	"context"
	"crypto/sha256"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartscan"
	"chartscan/config"
	"chartscan/ingest"
	"chartscan/internal/testutil"
)

// badInputs are the generated files of testdata/bad (see pdf/fixtures_test.go)
// and what chartscan must make of each: the reason it gives, or "" for a
// file it reads after all.
var badInputs = []struct {
	file   string
	reason string
}{
	{"empty.pdf", "file is empty"},
	{"truncated.pdf", "PDF is damaged"},
	{"broken-xref.pdf", "PDF is damaged"},
	{"encrypted-owner.pdf", ""}, // no user password: readable
	{"encrypted-user.pdf", "password-protected"},
	{"no-pages.pdf", "PDF has no pages"},
	{"page-count-bomb.pdf", "more than the limit of"},
	{"deep-nesting.pdf", "PDF is damaged"},
	{"pixel-bomb.png", "exceeds the limit of"},
	{"pixel-bomb.tif", "exceeds the limit of"},
	{"login-page.pdf", "it is an HTML page"},
	{"letter.docx", "not a PDF, TIFF, JPEG or PNG"},
	{"fax.gif", "not a PDF, TIFF, JPEG or PNG"},
}

func badFile(t *testing.T, name string) string {
	return filepath.Join(testutil.Root(t), "testdata", "bad", name)
}

// Each bad input alone: quarantined with its reason, or read.
func TestBadInputAlone(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, nil)
	for _, tc := range badInputs {
		t.Run(tc.file, func(t *testing.T) {
			res, err := m.Pipeline.Process(context.Background(), ingest.Source{Path: badFile(t, tc.file), Name: tc.file, Profile: m.Profiles["default"]})
			if err != nil {
				t.Fatalf("Process: %v (a bad file must not look like a resource failure)", err)
			}
			if tc.reason == "" {
				if res.Status != ingest.StatusDone {
					t.Fatalf("status %s (%v), want done", res.Status, res.Err)
				}
				return
			}
			if res.Status != ingest.StatusFailed || !strings.Contains(chartscan.ErrorMessage(res.Err), tc.reason) {
				t.Fatalf("status %s, reason %q; want failed with %q", res.Status, chartscan.ErrorMessage(res.Err), tc.reason)
			}
		})
	}
}

// Every bad input dropped into the inbox together with good files (one of
// them twice, one with a name full of spaces, quotes, shell characters and
// accents, one deleted while it waits): the bad ones end in failed/ with
// their reasons, the good ones are ingested once and archived, and the
// service still answers.
func TestBadInputMixed(t *testing.T) {
	// This station's profile takes every file, so that unsupported
	// formats reach the pipeline instead of being left in the inbox.
	m := MustOpenMain(t, map[string]string{"default": testProfile + "patterns: [\"*\"]\n"}, nil)
	inbox := m.Config.InboxDir(m.Profiles["default"])
	for _, tc := range badInputs {
		copyFile(t, badFile(t, tc.file), filepath.Join(inbox, tc.file))
	}
	good := filepath.Join(testutil.SharedData(t), "charts", "batches", "public-11-023.tif")
	odd := `$(rm -rf ~) "Müller" & 'Ünïcødé' ; scan #1.tif`
	copyFile(t, good, filepath.Join(inbox, odd))
	// The same scan twice: whichever is taken first is ingested, the
	// other is recognised as a duplicate.
	ward := filepath.Join(testutil.SharedData(t), "charts", "batches", "public-11-011.pdf")
	copyFile(t, ward, filepath.Join(inbox, "ward 3.pdf"))
	copyFile(t, ward, filepath.Join(inbox, "same scan again.pdf"))
	gone := filepath.Join(inbox, "deleted before it settled.pdf")
	copyFile(t, good, gone)
	os.Remove(gone)

	waitFor(t, "the inbox to be emptied", 4*time.Minute, func() bool {
		ents, _ := os.ReadDir(inbox)
		for _, e := range ents {
			if !e.IsDir() {
				return false
			}
		}
		work, _ := os.ReadDir(m.Config.WorkDir())
		return len(work) == 0
	})
	for _, tc := range badInputs {
		note, err := os.ReadFile(filepath.Join(inbox, "failed", tc.file+".error.txt"))
		switch {
		case tc.reason == "" && err == nil:
			t.Errorf("%s failed: %s", tc.file, note)
		case tc.reason != "" && err != nil:
			t.Errorf("%s: no note in failed/: %v", tc.file, err)
		case tc.reason != "" && !strings.Contains(string(note), tc.reason):
			t.Errorf("%s: note %q lacks %q", tc.file, note, tc.reason)
		}
		if tc.reason != "" {
			if _, err := os.Stat(filepath.Join(inbox, "failed", tc.file)); err != nil {
				t.Errorf("%s not kept in failed/: %v", tc.file, err)
			}
		}
	}
	for _, name := range []string{odd, "same scan again.pdf", "ward 3.pdf", "encrypted-owner.pdf"} {
		if _, err := os.Stat(filepath.Join(inbox, "archive", name)); err != nil {
			t.Errorf("%q not archived: %v", name, err)
		}
	}
	// The odd name is kept, made safe, in the store.
	raw, _ := os.ReadFile(good)
	id := batchOf(raw)
	if _, err := m.Store.Stat(context.Background(), chartscan.SourceKey(id, chartscan.SafeName(odd))); err != nil {
		t.Errorf("source with an odd name: %v", err)
	}
	// The scan dropped twice is one batch with one source.
	raw, _ = os.ReadFile(ward)
	var sources []string
	m.Store.List(context.Background(), "sources/"+string(batchOf(raw))+"/", func(o chartscan.ObjectInfo) error {
		sources = append(sources, o.Key)
		return nil
	})
	if len(sources) != 1 {
		t.Errorf("scan dropped twice: sources %v, want one", sources)
	}
	resp, err := http.Get("http://" + m.Addr() + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz after bad input: %v %v", resp, err)
	}
	resp.Body.Close()
}

// A page Tesseract cannot read in time is given up: the file is kept in
// failed/ with the reason and the service goes on.
func TestOCRTimeout(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, func(c *config.Config) { c.OCR.PageTimeout = time.Millisecond })
	inbox := m.Config.InboxDir(m.Profiles["default"])
	copyFile(t, filepath.Join(testutil.SharedData(t), "charts", "batches", "public-11-023.tif"), filepath.Join(inbox, "slow.tif"))
	waitFor(t, "the file to be quarantined", 2*time.Minute, func() bool {
		_, err := os.Stat(filepath.Join(inbox, "failed", "slow.tif.error.txt"))
		return err == nil
	})
	note, _ := os.ReadFile(filepath.Join(inbox, "failed", "slow.tif.error.txt"))
	if !strings.Contains(string(note), "OCR did not finish within the page timeout") {
		t.Fatalf("note = %s", note)
	}
}

func batchOf(b []byte) chartscan.BatchID {
	sum := sha256.Sum256(b)
	return chartscan.NewBatchID(sum[:])
}
