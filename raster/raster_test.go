package raster_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/tiff"

	"chartscan"
	"chartscan/internal/testutil"
	. "chartscan/raster"
)

func shared(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(testutil.SharedData(t), rel)
}

func mustOpen(t *testing.T, path string) File {
	t.Helper()
	f, err := Open(path, DefaultLimits)
	if err != nil {
		t.Fatalf("Open(%s): %v", filepath.Base(path), err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func mustPage(t *testing.T, f File, n int) *Page {
	t.Helper()
	p, err := f.Page(context.Background(), n)
	if err != nil {
		t.Fatalf("page %d: %v", n, err)
	}
	return p
}

func size(img image.Image) (int, int) { return img.Bounds().Dx(), img.Bounds().Dy() }

// Scanner PDFs: the embedded page image is used as it is, never
// re-rendered; JPEG pages keep their JPEG bytes for storage.
func TestScannedPDFUsesEmbeddedImages(t *testing.T) {
	bw := mustOpen(t, shared(t, "charts/batches/public-11-003.pdf"))
	if bw.Format() != PDF || bw.NumPages() != 12 {
		t.Fatalf("format %s pages %d", bw.Format(), bw.NumPages())
	}
	p := mustPage(t, bw, 2)
	if p.Rendered || !p.Bilevel || p.DPI != 300 {
		t.Errorf("CCITT page: rendered %v bilevel %v dpi %d", p.Rendered, p.Bilevel, p.DPI)
	}
	if w, h := size(p.Image); w != 2479 || h != 3508 {
		t.Errorf("CCITT page is %dx%d, want 2479x3508", w, h)
	}
	// Black text on white: most pixels white, some black.
	if ink := Ink(Gray(p.Image), p.DPI); ink < 0.02 || ink > 0.5 {
		t.Errorf("CCITT page ink %.3f: decoded with the wrong polarity?", ink)
	}

	gray := mustOpen(t, shared(t, "charts/batches/public-11-004.pdf"))
	p = mustPage(t, gray, 2)
	if p.Rendered || p.Bilevel || p.EncodedType != "image/jpeg" {
		t.Fatalf("JPEG page: rendered %v bilevel %v type %q", p.Rendered, p.Bilevel, p.EncodedType)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(p.Encoded))
	if err != nil || cfg.Width != 2479 || cfg.Height != 3508 {
		t.Fatalf("kept JPEG bytes: %v %dx%d", err, cfg.Width, cfg.Height)
	}
	// The kept bytes are the file's own: they occur verbatim in it.
	raw, _ := os.ReadFile(shared(t, "charts/batches/public-11-004.pdf"))
	if !bytes.Contains(raw, p.Encoded[:4096]) {
		t.Error("JPEG bytes were re-encoded")
	}
}

// Pages that are not a single scanned image are rendered.
func TestBornDigitalPDFIsRendered(t *testing.T) {
	f := mustOpen(t, shared(t, "paperless-ngx/double-sided-odd.pdf"))
	p := mustPage(t, f, 1)
	if !p.Rendered || p.DPI != 300 {
		t.Fatalf("rendered %v dpi %d", p.Rendered, p.DPI)
	}
	if ink := Ink(Gray(p.Image), p.DPI); ink <= 0 {
		t.Error("rendered page is empty")
	}
	// JBIG2 images are beyond the Go decoders: rendered too, at the scan's
	// own resolution.
	p = mustPage(t, mustOpen(t, shared(t, "ocrmypdf/jbig2.pdf")), 1)
	if w, h := size(p.Image); !p.Rendered || w != 2550 || h != 3300 {
		t.Fatalf("JBIG2 page: rendered %v %dx%d", p.Rendered, w, h)
	}
}

// /Rotate and the image's placement turn the page as viewers show it.
func TestPDFRotation(t *testing.T) {
	// Landscape media box with /Rotate 90 and a turned image: portrait.
	p := mustPage(t, mustOpen(t, shared(t, "ocrmypdf/rotated_skew.pdf")), 1)
	if w, h := size(p.Image); w >= h {
		t.Errorf("rotated_skew displays %dx%d, want portrait", w, h)
	}
	// The same portrait image placed turned by 90 degrees displays landscape.
	f := mustOpen(t, shared(t, "ocrmypdf/cardinal.pdf"))
	for n, landscape := range map[int]bool{1: false, 2: true, 3: false, 4: true} {
		w, h := size(mustPage(t, f, n).Image)
		if (w > h) != landscape {
			t.Errorf("cardinal page %d is %dx%d, landscape want %v", n, w, h, landscape)
		}
	}
}

func TestMultiPageTIFF(t *testing.T) {
	g4 := mustOpen(t, shared(t, "charts/batches/public-11-006.tif"))
	if g4.Format() != TIFF || g4.NumPages() != 15 {
		t.Fatalf("format %s pages %d, want tiff 15", g4.Format(), g4.NumPages())
	}
	var first, last *Page = mustPage(t, g4, 1), mustPage(t, g4, 15)
	if !first.Bilevel || first.DPI != 300 {
		t.Errorf("G4 page: bilevel %v dpi %d", first.Bilevel, first.DPI)
	}
	// Pages are distinct images, not the first one 15 times.
	if bytes.Equal(Gray(first.Image).Pix, Gray(last.Image).Pix) {
		t.Error("page 15 decodes to the same pixels as page 1")
	}
	// G4 pages are decoded by a path of their own; the general TIFF
	// decoder, given each page alone, sees the same pixels.
	for n := 1; n <= 15; n++ {
		p := mustPage(t, g4, n)
		ref, err := tiff.Decode(bytes.NewReader(p.Encoded))
		if err != nil {
			t.Fatalf("page %d alone: %v", n, err)
		}
		if !bytes.Equal(Gray(ref).Pix, Gray(p.Image).Pix) {
			t.Errorf("page %d: pixels differ from the general decoder's", n)
		}
	}
	lzw := mustOpen(t, shared(t, "paperless-ngx/multi-page-images.tiff"))
	if lzw.NumPages() != 3 {
		t.Fatalf("LZW TIFF has %d pages, want 3", lzw.NumPages())
	}
	for n := 1; n <= 3; n++ {
		if p := mustPage(t, lzw, n); p.Bilevel {
			t.Errorf("gray LZW page %d reported bilevel", n)
		}
	}
	if _, err := lzw.Page(context.Background(), 4); chartscan.ErrorCode(err) != chartscan.ENOTFOUND {
		t.Errorf("page 4 of 3: %v", err)
	}
}

// tiffPage is a page for buildTIFF: an 8-bit gray image stored
// uncompressed, or as one JPEG strip (compression 7), or a bilevel page of
// img's size given as CCITT G4 data (compression 4).
type tiffPage struct {
	img         *image.Gray
	orientation int
	jpeg        bool
	g4          []byte
}

// buildTIFF writes a little-endian multi-page TIFF.
func buildTIFF(t testing.TB, pages []tiffPage) []byte {
	t.Helper()
	var out bytes.Buffer
	le := binary.LittleEndian
	out.Write([]byte("II*\x00\x00\x00\x00\x00"))
	prevNext := 4 // where the offset of the next IFD goes
	for _, pg := range pages {
		data := pg.img.Pix
		comp, bits, photometric := uint32(1), uint32(8), uint32(1) // BlackIsZero
		if pg.g4 != nil {
			data, comp, bits, photometric = pg.g4, 4, 1, 0 // WhiteIsZero, as fax codes are
		}
		if pg.jpeg {
			var jb bytes.Buffer
			if err := jpeg.Encode(&jb, pg.img, &jpeg.Options{Quality: 95}); err != nil {
				t.Fatal(err)
			}
			data, comp = jb.Bytes(), 7
		}
		dataOff := out.Len()
		out.Write(data)
		if out.Len()%2 == 1 {
			out.WriteByte(0)
		}
		ifdOff := out.Len()
		b := out.Bytes()
		le.PutUint32(b[prevNext:], uint32(ifdOff))
		w, h := pg.img.Rect.Dx(), pg.img.Rect.Dy()
		tags := [][3]uint32{ // tag, type, value
			{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, bits}, {259, 3, comp}, {262, 3, photometric},
			{273, 4, uint32(dataOff)}, {274, 3, uint32(pg.orientation)}, {277, 3, 1},
			{278, 4, uint32(h)}, {279, 4, uint32(len(data))},
		}
		var e [12]byte
		binary.Write(&out, le, uint16(len(tags)))
		for _, tg := range tags {
			le.PutUint16(e[0:], uint16(tg[0]))
			le.PutUint16(e[2:], uint16(tg[1]))
			le.PutUint32(e[4:], 1)
			le.PutUint32(e[8:], 0)
			if tg[1] == 3 {
				le.PutUint16(e[8:], uint16(tg[2]))
			} else {
				le.PutUint32(e[8:], tg[2])
			}
			out.Write(e[:])
		}
		prevNext = out.Len()
		out.Write([]byte{0, 0, 0, 0})
	}
	return out.Bytes()
}

// marked returns a w×h white page with a black block in its top-left
// corner, so a turn can be seen.
func marked(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	for y := 0; y < h/4; y++ {
		for x := 0; x < w/4; x++ {
			g.SetGray(x, y, color.Gray{0})
		}
	}
	return g
}

// corner reports which corner of img holds the black block.
func corner(img image.Image) string {
	g := Gray(img)
	w, h := size(g)
	dark := func(x, y int) bool { return g.GrayAt(x, y).Y < 128 }
	switch {
	case dark(2, 2):
		return "top-left"
	case dark(w-3, 2):
		return "top-right"
	case dark(2, h-3):
		return "bottom-left"
	case dark(w-3, h-3):
		return "bottom-right"
	}
	return "none"
}

// whiteG4 is CCITT G4 data for a white page 8 pixels wide and 2 high: a
// "no change" code per row, then the end-of-block code.
var whiteG4 = []byte{0xC0, 0x04, 0x00, 0x40}

func TestTinyG4Page(t *testing.T) {
	white := image.NewGray(image.Rect(0, 0, 8, 2))
	path := filepath.Join(t.TempDir(), "g4.tif")
	if err := os.WriteFile(path, buildTIFF(t, []tiffPage{{img: white, g4: whiteG4}}), 0o644); err != nil {
		t.Fatal(err)
	}
	p := mustPage(t, mustOpen(t, path), 1)
	g := Gray(p.Image)
	if w, h := size(g); w != 8 || h != 2 || !p.Bilevel {
		t.Fatalf("%dx%d bilevel %v, want 8x2 bilevel", w, h, p.Bilevel)
	}
	for i, v := range g.Pix {
		if v != 255 {
			t.Fatalf("pixel %d = %d, want white", i, v)
		}
	}
}

func TestTIFFOrientationAndJPEGCompression(t *testing.T) {
	tif := buildTIFF(t, []tiffPage{
		{img: marked(80, 120), orientation: 1},
		{img: marked(80, 120), orientation: 6, jpeg: true}, // shown turned 90° clockwise
		{img: marked(80, 120), orientation: 3},
	})
	path := filepath.Join(t.TempDir(), "orient.tif")
	if err := os.WriteFile(path, tif, 0o644); err != nil {
		t.Fatal(err)
	}
	f := mustOpen(t, path)
	if f.NumPages() != 3 {
		t.Fatalf("%d pages, want 3", f.NumPages())
	}
	for n, want := range map[int]struct {
		w, h   int
		corner string
		rot    int
	}{1: {80, 120, "top-left", 0}, 2: {120, 80, "top-right", 90}, 3: {80, 120, "bottom-right", 180}} {
		p := mustPage(t, f, n)
		w, h := size(p.Image)
		if w != want.w || h != want.h || corner(p.Image) != want.corner || p.Rotation != want.rot {
			t.Errorf("page %d: %dx%d mark %s rotation %d; want %dx%d %s %d", n, w, h, corner(p.Image), p.Rotation, want.w, want.h, want.corner, want.rot)
		}
	}
}

func TestRotate(t *testing.T) {
	src := marked(40, 60)
	for deg, want := range map[int]string{0: "top-left", 90: "top-right", 180: "bottom-right", 270: "bottom-left"} {
		got := Rotate(src, deg)
		if c := corner(got); c != want {
			t.Errorf("Rotate %d: mark at %s, want %s", deg, c, want)
		}
		// Colour images take the general path and must agree.
		rgba := image.NewRGBA(src.Rect)
		for i, v := range src.Pix {
			rgba.Pix[4*i], rgba.Pix[4*i+1], rgba.Pix[4*i+2], rgba.Pix[4*i+3] = v, v, v, 255
		}
		if c := corner(Rotate(rgba, deg)); c != want {
			t.Errorf("Rotate RGBA %d: mark at %s, want %s", deg, c, want)
		}
	}
}

// The format comes from the bytes, never from the name.
func TestSniffAndBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		data []byte
		code string
		msg  string
	}{
		"empty.pdf":    {nil, chartscan.EINVALID, "file is empty"},
		"page.pdf":     {[]byte("<!DOCTYPE html><html><body>login</body></html>"), chartscan.EUNSUPPORTED, "HTML page"},
		"notes.tif":    {[]byte("Patient notes in plain text"), chartscan.EUNSUPPORTED, "not a PDF, TIFF, JPEG or PNG"},
		"trunc.pdf":    {[]byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R"), chartscan.EINVALID, "PDF is damaged"},
		"trunc.png":    {[]byte("\x89PNG\r\n\x1a\n\x00\x00"), chartscan.EINVALID, "png file is damaged"},
		"loop.tif":     {[]byte("II*\x00\x08\x00\x00\x00\x00\x00\x08\x00\x00\x00"), chartscan.EINVALID, "TIFF"},
		"bigtiff.tiff": {[]byte("II+\x00\x08\x00\x00\x00"), chartscan.EUNSUPPORTED, "not a PDF"},
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, tc.data, 0o644)
		f, err := Open(p, DefaultLimits)
		if err == nil {
			f.Close()
			t.Errorf("%s: opened", name)
			continue
		}
		if chartscan.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v (code %s), want %s containing %q", name, err, chartscan.ErrorCode(err), tc.code, tc.msg)
		}
	}
}

// An image bomb is refused from its header, before any pixel is decoded.
func TestPixelLimit(t *testing.T) {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
	data := b.Bytes()
	// Rewrite the IHDR size to 100000×100000, with a matching checksum.
	binary.BigEndian.PutUint32(data[16:], 100000)
	binary.BigEndian.PutUint32(data[20:], 100000)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	p := filepath.Join(t.TempDir(), "bomb.png")
	os.WriteFile(p, data, 0o644)
	_, err := Open(p, DefaultLimits)
	if chartscan.ErrorCode(err) != chartscan.ETOOLARGE {
		t.Fatalf("bomb: %v, want too_large", err)
	}
}

func TestInkSeparatesBlankFromText(t *testing.T) {
	f := mustOpen(t, shared(t, "charts/batches/public-11-003.pdf"))
	blank := Ink(Gray(mustPage(t, f, 5).Image), 300) // a duplex back
	text := Ink(Gray(mustPage(t, f, 2).Image), 300)
	if blank >= 0.001 || text < 0.01 {
		t.Fatalf("ink: blank back %.4f, text page %.4f", blank, text)
	}
}

func TestEncodePNGBilevelIsOneBit(t *testing.T) {
	g := marked(64, 64)
	b, err := EncodePNG(g, true)
	if err != nil {
		t.Fatal(err)
	}
	if bitDepth := b[24]; bitDepth != 1 {
		t.Errorf("bit depth %d, want 1", bitDepth)
	}
	back, err := png.Decode(bytes.NewReader(b))
	if err != nil || corner(back) != "top-left" {
		t.Fatalf("round trip: %v, mark at %s", err, corner(back))
	}
}

// Bilevel pages keep the scanner's own compressed data, wrapped in a TIFF
// that decodes to exactly the page's pixels.
func TestStoredTIFFIsTheScan(t *testing.T) {
	for _, tc := range []struct {
		file string
		page int
	}{
		{"charts/batches/public-11-003.pdf", 2},     // CCITT G4 in a PDF
		{"charts/batches/public-11-006.tif", 3},     // a page of a G4 TIFF
		{"paperless-ngx/multi-page-images.tiff", 2}, // LZW gray
	} {
		p := mustPage(t, mustOpen(t, shared(t, tc.file)), tc.page)
		if p.EncodedType != "image/tiff" {
			t.Fatalf("%s page %d: stored as %q, want image/tiff", tc.file, tc.page, p.EncodedType)
		}
		back, err := tiff.Decode(bytes.NewReader(p.Encoded))
		if err != nil {
			t.Fatalf("%s page %d: stored TIFF does not decode: %v", tc.file, tc.page, err)
		}
		if !bytes.Equal(Gray(back).Pix, Gray(p.Image).Pix) {
			t.Errorf("%s page %d: stored TIFF differs from the page", tc.file, tc.page)
		}
		if len(p.Encoded) > 2<<20 && p.Bilevel {
			t.Errorf("%s page %d: %d bytes for a bilevel page", tc.file, tc.page, len(p.Encoded))
		}
	}
}
