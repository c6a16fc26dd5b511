package raster_test

import (
	"bytes"
	"crypto/sha256"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"chartscan"
	. "chartscan/raster"
)

// damage returns the ways a good PDF (with a classic cross-reference
// table) is found damaged in the wild, each applied to good.
func damage(t *testing.T, good []byte) map[string][]byte {
	t.Helper()
	xref := bytes.LastIndex(good, []byte("\nxref"))
	trailer := bytes.LastIndex(good, []byte("trailer"))
	if xref < 0 || trailer < 0 {
		t.Fatal("test PDF has no classic cross-reference table")
	}
	rng := rand.New(rand.NewSource(7))
	garbled := regexp.MustCompile(`\d{10} 00000 n`).ReplaceAllFunc(good[xref:], func(m []byte) []byte {
		return append([]byte(strconv.Itoa(1000000000 + rng.Intn(len(good)))[1:]), m[10:]...)
	})
	page := regexp.MustCompile(`/Type\s*/Page\b`).FindIndex(good)
	if page == nil {
		t.Fatal("test PDF has no page object")
	}
	return map[string][]byte{
		// The table and trailer cut off (a transfer cut short just
		// before the end).
		"no-xref.pdf": good[:xref],
		// The trailer cut in the middle.
		"truncated-trailer.pdf": good[:trailer+12],
		// Every offset in the table wrong (a file edited in place).
		"garbled-offsets.pdf": append(append([]byte{}, good[:xref]...), garbled...),
		// Objects without their end, and a table pointing nowhere.
		"no-endobj.pdf": bytes.ReplaceAll(good, []byte("endobj"), []byte("      ")),
		// One page object no longer says it is a page.
		"damaged-page.pdf": append(append(append([]byte{}, good[:page[0]]...), []byte("/Tpye /Pgae")...), good[page[0]+10:]...),
	}
}

// Damaged PDFs made from a good scan are read whole, through pdfcpu's own
// tolerance, a copy repaired by qpdf, or poppler; the file itself is not
// touched.
func TestDamagedPDFsAreRepaired(t *testing.T) {
	goodPath := shared(t, "charts/batches/public-11-001.pdf")
	good, err := os.ReadFile(goodPath)
	if err != nil {
		t.Fatal(err)
	}
	want := mustOpen(t, goodPath)
	n := want.NumPages()
	dir := t.TempDir()
	for name, data := range damage(t, good) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			before, _ := filepath.Glob(filepath.Join(os.TempDir(), "chartscan-repair-*"))
			f := mustOpen(t, path)
			if f.NumPages() != n {
				t.Fatalf("%d pages, want %d", f.NumPages(), n)
			}
			for i := 1; i <= n; i++ {
				p, q := mustPage(t, f, i), mustPage(t, want, i)
				if w, h := size(p.Image); w < 2000 || h < 2000 {
					t.Errorf("page %d is %dx%d", i, w, h)
				}
				// The same page: as much ink, within rendering.
				if a, b := Ink(Gray(p.Image), p.DPI), Ink(Gray(q.Image), q.DPI); a < b*0.9 || a > b*1.1 {
					t.Errorf("page %d: ink %.4f, the undamaged page %.4f", i, a, b)
				}
			}
			f.Close()
			after, err := os.ReadFile(path)
			if err != nil || sha256.Sum256(after) != sum {
				t.Errorf("the damaged file was changed (%v)", err)
			}
			if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "chartscan-repair-*")); len(left) > len(before) {
				t.Errorf("repair folders left behind: %v", left)
			}
		})
	}
}

// Without qpdf, poppler alone reads a file pdfcpu refuses.
func TestDamagedPDFReadByPopplerWithoutQPDF(t *testing.T) {
	good, err := os.ReadFile(shared(t, "charts/batches/public-11-001.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	saved := Repairer
	Repairer = "/nonexistent/qpdf"
	t.Cleanup(func() { Repairer = saved })
	for _, name := range []string{"garbled-offsets.pdf", "no-endobj.pdf"} {
		path := filepath.Join(t.TempDir(), name)
		os.WriteFile(path, damage(t, good)[name], 0o644)
		f := mustOpen(t, path)
		if f.NumPages() != 4 {
			t.Fatalf("%s: %d pages, want 4", name, f.NumPages())
		}
		for i := 1; i <= 4; i++ {
			if p := mustPage(t, f, i); !p.Rendered || p.DPI != 300 {
				t.Errorf("%s page %d: rendered %v at %d dpi", name, i, p.Rendered, p.DPI)
			}
		}
	}
}

// What nothing can read is refused with pdfcpu's reason: a file written
// with a cross-reference stream that lost it, and the bad-input fixtures.
func TestUnrepairablePDFIsRefused(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"broken-xref.pdf", "truncated.pdf", "deep-nesting.pdf"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "bad", name))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		os.WriteFile(path, b, 0o644)
		_, err = Open(path, DefaultLimits)
		if chartscan.ErrorCode(err) != chartscan.EINVALID || !strings.Contains(err.Error(), "PDF is damaged") {
			t.Errorf("%s: %v, want a damaged-PDF error", name, err)
		}
	}
}
