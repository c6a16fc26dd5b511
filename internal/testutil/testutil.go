// Package testutil holds helpers shared by chartscan's tests: where the
// shared scanned-page corpus is, and the TestMain that lets a test binary
// serve as an OCR worker.
package testutil

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode"

	"chartscan/ocr"
)

// Main runs the tests of a package whose tests use OCR: the OCR pool starts
// workers by re-running the test binary, which must then serve OCR instead
// of running tests. Use it as TestMain: func TestMain(m *testing.M) { testutil.Main(m) }.
func Main(m *testing.M) {
	if ocr.IsWorker() {
		os.Exit(ocr.RunWorker())
	}
	os.Exit(m.Run())
}

// Root returns the module root (the folder with go.mod).
func Root(tb testing.TB) string {
	tb.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		tb.Fatal("cannot locate the source tree")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// SharedData returns the shared corpus of real scans with ground truth,
// ../shared/data beside the repository (or $CHARTSCAN_SHARED_DATA). Its
// absence fails the test: these tests exist to run on real scans.
func SharedData(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("CHARTSCAN_SHARED_DATA")
	if dir == "" {
		dir = filepath.Join(Root(tb), "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.tsv")); err != nil {
		tb.Fatalf("shared scan corpus not found at %s (set CHARTSCAN_SHARED_DATA): %v", dir, err)
	}
	return dir
}

// Words splits text into lower-case words for comparing OCR output with
// ground truth: punctuation around a word is dropped, tokens with no
// letter or digit are skipped.
func Words(text string) []string {
	var out []string
	for _, f := range strings.Fields(text) {
		w := strings.TrimFunc(strings.ToLower(f), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		})
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// WordRecall returns the share of the ground-truth words found in the OCR
// words, counting each word as often as it occurs (bag of words, so that
// reading order on multi-column pages does not count), and the share of
// OCR words that are in the ground truth (precision).
func WordRecall(truth, got []string) (recall, precision float64) {
	if len(truth) == 0 || len(got) == 0 {
		return 0, 0
	}
	bag := map[string]int{}
	for _, w := range got {
		bag[w]++
	}
	matched := 0
	for _, w := range truth {
		if bag[w] > 0 {
			bag[w]--
			matched++
		}
	}
	return float64(matched) / float64(len(truth)), float64(matched) / float64(len(got))
}

// Report keeps the figures a test measured (accuracy, rates) where the
// test run shows them whether the test passes or not: in the test log,
// and as <name>.txt in $CHARTSCAN_REPORT_DIR when that is set (make test
// sets it and prints every report at the end of the run).
func Report(tb testing.TB, name, text string) {
	tb.Helper()
	tb.Log("\n" + text)
	dir := os.Getenv("CHARTSCAN_REPORT_DIR")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Errorf("report %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".txt"), []byte(text), 0o644); err != nil {
		tb.Errorf("report %s: %v", name, err)
	}
}
