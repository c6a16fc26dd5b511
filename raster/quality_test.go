package raster_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	. "chartscan/raster"
)

// words is a vocabulary for rendered test pages: plain English and
// clinical words, in no file's order.
var words = strings.Fields(`the patient was seen today for follow up of her
blood pressure and reports no chest pain shortness of breath or fever she
takes her medicine every morning with food and has been walking daily labs
were drawn and reviewed with her the plan is to continue the current dose
and return in three months sooner if symptoms change history of present
illness review of systems physical examination assessment and plan allergies
none known family history noncontributory social history denies tobacco`)

// renderPage draws lines of text in face on a white page of w×h pixels,
// lineGap times the face's height apart, starting at the margin; caps
// writes them in capitals.
func renderPage(t *testing.T, w, h int, face font.Face, lineGap float64, caps bool, seed int64) *image.Gray {
	t.Helper()
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	rng := rand.New(rand.NewSource(seed))
	m := face.Metrics()
	pitch := int(float64((m.Ascent + m.Descent).Ceil()) * lineGap)
	margin := w / 10
	d := font.Drawer{Dst: g, Src: image.Black, Face: face}
	for y := margin + m.Ascent.Ceil(); y < h-margin; y += pitch {
		var line strings.Builder
		for {
			word := words[rng.Intn(len(words))]
			if caps {
				word = strings.ToUpper(word)
			}
			next := line.String() + word + " "
			if d.MeasureString(next).Ceil() > w-2*margin {
				break
			}
			line.WriteString(word + " ")
		}
		d.Dot = fixed.P(margin, y)
		d.DrawString(line.String())
	}
	return g
}

func newFace(t *testing.T, ttf []byte, pts, dpi float64) font.Face {
	t.Helper()
	f, err := opentype.Parse(ttf)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: pts, DPI: dpi, Hinting: font.HintingNone})
	if err != nil {
		t.Fatal(err)
	}
	return face
}

// Pages rendered at known sizes and resolutions, saved as PNG and JPEG
// files that state no resolution, are read with DPI 0 and get a
// resolution estimated from their text: mixed-case prose in a
// proportional face, capitals in a monospaced one (receipt printers), 100
// to 400 dpi. The estimate assumes text of a usual size, so 9 to 11 point
// text must come within a quarter of the truth, 12 point (which reads as
// about 1.25 times its resolution) within a third.
func TestEstimateDPIFromRenderedText(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		ttf  []byte
		pts  float64
		caps bool
		gap  float64
		tol  float64
	}{
		{"prose 10pt", goregular.TTF, 10, false, 1.2, 0.25},
		{"prose 12pt double-spaced", goregular.TTF, 12, false, 2, 0.33},
		{"mono capitals 9pt", gomono.TTF, 9, true, 1.3, 0.25},
		{"mono 11pt", gomono.TTF, 11, false, 1.2, 0.25},
	} {
		for _, dpi := range []int{100, 150, 200, 300, 400} {
			face := newFace(t, tc.ttf, tc.pts, float64(dpi))
			// A page of 5 × 6 inches: a half-letter form or a long receipt.
			g := renderPage(t, 5*dpi, 6*dpi, face, tc.gap, tc.caps, int64(dpi))
			for _, format := range []string{"png", "jpeg"} {
				path := filepath.Join(dir, fmt.Sprintf("%s-%d.%s", strings.ReplaceAll(tc.name, " ", "-"), dpi, format))
				var buf bytes.Buffer
				if format == "png" {
					png.Encode(&buf, g) // Go's encoder writes no pHYs
				} else {
					jpeg.Encode(&buf, g, &jpeg.Options{Quality: 80}) // nor a JFIF density
				}
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				f := mustOpen(t, path)
				p := mustPage(t, f, 1)
				if p.DPI != 0 {
					t.Fatalf("%s: file states %d dpi, want none", path, p.DPI)
				}
				est := EstimateDPI(Gray(p.Image))
				if err := math.Abs(float64(est)/float64(dpi) - 1); err > tc.tol {
					t.Errorf("%s at %d dpi (%s): estimated %d dpi", tc.name, dpi, format, est)
				} else {
					t.Logf("%s at %d dpi (%s): estimated %d", tc.name, dpi, format, est)
				}
			}
		}
	}
}

// A page without text (blank, or noise) gets no estimate rather than a
// made-up one.
func TestEstimateDPINeedsText(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 1700, 2200))
	rng := rand.New(rand.NewSource(1))
	for i := range g.Pix {
		g.Pix[i] = 255
		if rng.Intn(2000) == 0 { // specks
			g.Pix[i] = 0
		}
	}
	if est := EstimateDPI(g); est != 0 {
		t.Errorf("speckled blank page: estimated %d dpi, want 0", est)
	}
	f := mustOpen(t, shared(t, "charts/batches/public-11-003.pdf"))
	if est := EstimateDPI(Gray(mustPage(t, f, 5).Image)); est != 0 { // a duplex back
		t.Errorf("scanned blank back: estimated %d dpi, want 0", est)
	}
}

// A real chart page turned by known small angles is measured turned by
// those angles (relative to its own slight skew), upright and lying on its
// side; straightening it by the measure leaves it level.
func TestSkewOfATurnedChartPage(t *testing.T) {
	f := mustOpen(t, shared(t, "charts/batches/public-11-003.pdf"))
	p := mustPage(t, f, 2)
	page := Gray(p.Image)
	base := Inspect(page, p.DPI)
	if !base.SkewFound {
		t.Fatal("no skew found on a page of text")
	}
	for _, deg := range []float64{-7, -3, -1.2, 0.6, 2, 4.5, 10} {
		turned := RotateAngle(page, deg)
		in := Inspect(turned, p.DPI)
		if !in.SkewFound || math.Abs(in.Skew-base.Skew-deg) > 0.2 {
			t.Errorf("turned %+.1f°: measured %+.2f° (found %v), want %+.2f°", deg, in.Skew, in.SkewFound, base.Skew+deg)
		}
		// On its side: the same residual angle, measured down the page.
		side := Gray(Rotate(turned, 90))
		if in := Inspect(side, p.DPI); !in.SkewFound || math.Abs(in.Skew-base.Skew-deg) > 0.2 {
			t.Errorf("turned %+.1f° and lying on its side: measured %+.2f°, want %+.2f°", deg, in.Skew, base.Skew+deg)
		}
		back := Inspect(RotateAngle(turned, -(base.Skew+deg)), p.DPI)
		if math.Abs(back.Skew) > 0.15 {
			t.Errorf("turned %+.1f° and straightened: skew %+.2f°", deg, back.Skew)
		}
	}
}

// A page turned by as much as or more than the measured range (15°), as
// a photo or a page laid crooked on a flatbed is, is measured at the edge
// of the range or not at all, never out of it, and never crashes the
// measure.
func TestSkewBeyondTheRange(t *testing.T) {
	f := mustOpen(t, shared(t, "charts/batches/public-11-003.pdf"))
	p := mustPage(t, f, 2)
	page := Gray(p.Image)
	for _, deg := range []float64{-25, -17, -15, 15, 16, 20, 30} {
		in := Inspect(RotateAngle(page, deg), p.DPI)
		if math.Abs(in.Skew) > 15 {
			t.Errorf("turned %+.0f°: measured %+.2f°, outside -15..15", deg, in.Skew)
		}
	}
}

// RotatePoint undoes RotateAngle: a mark turned with the page is found
// where the point maps.
func TestRotateAngleAndPoint(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 400, 300))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	for y := 40; y < 50; y++ {
		for x := 300; x < 310; x++ {
			g.Pix[y*400+x] = 0
		}
	}
	for _, deg := range []float64{-9, -2.5, 3, 12} {
		r := RotateAngle(g, deg)
		// Find the mark in the turned image and map its centre back.
		var sx, sy, n float64
		for y := 0; y < 300; y++ {
			for x := 0; x < 400; x++ {
				if r.Pix[y*400+x] < 128 {
					sx, sy, n = sx+float64(x), sy+float64(y), n+1
				}
			}
		}
		if n == 0 {
			t.Fatalf("%g°: mark lost", deg)
		}
		x, y := RotatePoint(sx/n, sy/n, 400, 300, deg)
		if math.Abs(x-304.5) > 1 || math.Abs(y-44.5) > 1 {
			t.Errorf("%g°: mark maps back to (%.1f, %.1f), drawn at (304.5, 44.5)", deg, x, y)
		}
		// Counter-clockwise: a mark right of the centre and above it
		// moves up.
		if deg > 0 && sy/n >= 44.5 || deg < 0 && sy/n <= 44.5 {
			t.Errorf("%g°: mark moved to y %.1f, the wrong way", deg, sy/n)
		}
	}
}

// Text running into the edge of the image is found on that edge, and on
// no page of the scanned batches, which were scanned whole.
func TestCutOffEdges(t *testing.T) {
	f := mustOpen(t, shared(t, "charts/batches/public-11-003.pdf"))
	p := mustPage(t, f, 2)
	page := Gray(p.Image)
	if cut := Inspect(page, p.DPI).CutOff; len(cut) != 0 {
		t.Fatalf("whole page: cut off at %v", cut)
	}
	// Where the text is, from the ink of the rows and columns.
	b := page.Bounds()
	left, top, right := b.Dx(), b.Dy(), 0
	for y := 0; y < b.Dy(); y++ {
		for x := b.Dx() / 20; x < b.Dx()*19/20; x++ {
			if page.Pix[y*page.Stride+x] < 128 {
				left, top, right = min(left, x), min(top, y), max(right, x)
			}
		}
	}
	for _, tc := range []struct {
		edge string
		crop image.Rectangle
	}{
		// Cut through the text a tenth of the way in.
		{"left", image.Rect(left+(right-left)/10, 0, b.Dx(), b.Dy())},
		{"right", image.Rect(0, 0, right-(right-left)/3, b.Dy())},
		{"top", image.Rect(0, top+b.Dy()/6+7, b.Dx(), b.Dy())},
	} {
		sub := page.SubImage(tc.crop).(*image.Gray)
		cut := Inspect(sub, p.DPI).CutOff
		if len(cut) != 1 || cut[0] != tc.edge {
			t.Errorf("cut at the %s: found %v", tc.edge, cut)
		}
	}
	// Whole scans, black-and-white and grey, straight and turned.
	for _, name := range []string{"public-11-000.pdf", "public-11-002.pdf", "public-11-006.tif", "public-11-013.pdf"} {
		f := mustOpen(t, shared(t, "charts/batches/"+name))
		for n := 1; n <= f.NumPages(); n++ {
			p := mustPage(t, f, n)
			if cut := Inspect(Gray(p.Image), p.DPI).CutOff; len(cut) != 0 {
				t.Errorf("%s page %d: cut off at %v", name, n, cut)
			}
		}
	}
}

// Contrast: black on white is high; the same page faded to grey on grey
// is low; and inspection still finds its lines.
func TestContrast(t *testing.T) {
	f := mustOpen(t, shared(t, "charts/batches/public-11-003.pdf"))
	p := mustPage(t, f, 2)
	page := Gray(p.Image)
	if c := Inspect(page, p.DPI).Contrast; c < 0.9 {
		t.Errorf("black on white: contrast %.2f", c)
	}
	faded := image.NewGray(page.Rect)
	for i, v := range page.Pix {
		faded.Pix[i] = 170 + v/4 // ink 170, paper 233
	}
	in := Inspect(faded, p.DPI)
	if in.Contrast > 0.3 || in.Contrast < 0.15 {
		t.Errorf("faded: contrast %.2f, want about 0.25", in.Contrast)
	}
	if !in.SkewFound {
		t.Errorf("faded: no lines found")
	}
}

// The estimate works on a real page too: a scanned chart page whose file
// states 300 dpi, its resolution withheld.
func TestEstimateDPIOnScannedPages(t *testing.T) {
	for _, tc := range []struct {
		file string
		page int
	}{
		{"charts/batches/public-11-003.pdf", 2},
		{"charts/batches/public-11-004.pdf", 2},
		{"charts/batches/public-11-006.tif", 2},
	} {
		f := mustOpen(t, shared(t, tc.file))
		p := mustPage(t, f, tc.page)
		est := EstimateDPI(Gray(p.Image))
		if err := math.Abs(float64(est)/float64(p.DPI) - 1); err > 0.25 {
			t.Errorf("%s page %d (%d dpi): estimated %d", tc.file, tc.page, p.DPI, est)
		}
	}
}
