package raster_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"chartscan"
	"chartscan/pdf"
	. "chartscan/raster"
)

// fuzzLimits keep each fuzzed file cheap; rendering is left out (the
// renderer is a separate process, and its own fuzzing is poppler's).
var fuzzLimits = Limits{MaxPages: 8, MaxPagePixels: 4_000_000}

// fuzzFile opens data as a scanned file and reads every page: it must
// never panic, and every error must be a chartscan error with a reason.
func fuzzFile(t *testing.T, data []byte) {
	Renderer = "/nonexistent/chartscan-fuzz-renderer"
	Repairer, PageInfo = "/nonexistent/chartscan-fuzz-repairer", "/nonexistent/chartscan-fuzz-pdfinfo"
	path := filepath.Join(t.TempDir(), "scan")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, fuzzLimits)
	if err != nil {
		if chartscan.ErrorCode(err) == chartscan.EINTERNAL {
			var pe *os.PathError
			if !errors.As(err, &pe) {
				t.Fatalf("unclassified error: %v", err)
			}
		}
		return
	}
	defer f.Close()
	for n := 1; n <= f.NumPages() && n <= fuzzLimits.MaxPages; n++ {
		p, err := f.Page(context.Background(), n)
		if err != nil {
			continue
		}
		b := p.Image.Bounds()
		if int64(b.Dx())*int64(b.Dy()) > fuzzLimits.MaxPagePixels {
			t.Fatalf("page %d of %dx%d pixels passed the limit", n, b.Dx(), b.Dy())
		}
	}
}

func tinyPNG(w, h int) []byte {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	png.Encode(&buf, g)
	return buf.Bytes()
}

// FuzzOpenPDF fuzzes page extraction from PDF (pdfcpu and chartscan's own
// content-stream reading and image decoding).
func FuzzOpenPDF(f *testing.F) {
	var buf bytes.Buffer
	if _, err := pdf.Assemble(&buf, []pdf.PageImage{{Image: bytes.NewReader(tinyPNG(40, 50)), Width: 40, Height: 50, DPI: 72}}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Rotate 90 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"))
	f.Add([]byte("%PDF-1.7\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, data) })
}

// FuzzOpenTIFF fuzzes multi-page TIFF reading (chartscan's IFD walk, its
// G4 page decoding and golang.org/x/image/tiff).
func FuzzOpenTIFF(f *testing.F) {
	f.Add(buildTIFF(f, []tiffPage{{img: marked(40, 60), orientation: 1}, {img: marked(30, 20), orientation: 6, jpeg: true}}))
	f.Add(buildTIFF(f, []tiffPage{{img: image.NewGray(image.Rect(0, 0, 8, 2)), g4: whiteG4}}))
	f.Add([]byte("II*\x00\x08\x00\x00\x00\x00\x00"))
	f.Add([]byte("MM\x00*\x00\x00\x00\x08\x00\x01\x01\x00\x00\x03\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, data) })
}

// FuzzOpenImage fuzzes single-image files (JPEG and PNG headers).
func FuzzOpenImage(f *testing.F) {
	f.Add(tinyPNG(30, 20))
	f.Add([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x01\x01,\x01,\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFile(t, data) })
}
