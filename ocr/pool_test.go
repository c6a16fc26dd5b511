package ocr

import (
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"chartscan/raster"
)

// These tests run inside package ocr; TestMain (accuracy_test.go, package
// ocr_test) makes the test binary serve as the worker.

func page(t *testing.T, text bool) *image.Gray {
	t.Helper()
	g := image.NewGray(image.Rect(0, 0, 600, 200))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	if text {
		// Black bars a reader may take for marks; content is irrelevant.
		for y := 80; y < 120; y++ {
			for x := 50; x < 550; x++ {
				if (x/25)%2 == 0 {
					g.SetGray(x, y, color.Gray{0})
				}
			}
		}
	}
	return g
}

// A worker that dies on a page costs that page only: the pool replaces it
// and goes on.
func TestWorkerCrashIsContained(t *testing.T) {
	p, err := New(Config{Workers: 1, PageTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	// Bytes the image library cannot read leave the engine without an
	// image, and Tesseract then crashes its process.
	if _, err := p.do(ctx, &request{Op: "ocr", DPI: 300, Languages: []string{"eng"}}, []byte("P4\n-1 -1\n")); err == nil {
		t.Fatal("unreadable image: no error")
	}
	if _, err := p.Recognize(ctx, page(t, true), Options{DPI: 300}); err != nil {
		t.Fatalf("page after a crash: %v", err)
	}
}

// A page that overruns the timeout is abandoned and its worker replaced.
func TestPageTimeout(t *testing.T) {
	p, err := New(Config{Workers: 1, PageTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// A full letter page of marks: no engine reads it within a millisecond
	// (the small test page can be read that fast on a quick machine).
	big := image.NewGray(image.Rect(0, 0, 2550, 3300))
	for y := range 3300 {
		for x := range 2550 {
			v := uint8(255)
			if y%60 < 30 && (x/25)%2 == 0 {
				v = 0
			}
			big.Pix[y*big.Stride+x] = v
		}
	}
	_, err = p.Recognize(context.Background(), big, Options{DPI: 300})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want timeout", err)
	}
	p.cfg.PageTimeout = time.Minute
	if _, err := p.Recognize(context.Background(), page(t, true), Options{DPI: 300}); err != nil {
		t.Fatalf("page after a timeout: %v", err)
	}
}

// A page reaches the engine pixel for pixel, in both forms and at widths
// that do not fill the last word of a row: the words drawn are read, with
// boxes where they were drawn.
func TestPagePixelsReachTheEngine(t *testing.T) {
	p, err := New(Config{Workers: 1, PageTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 14, DPI: 300})
	if err != nil {
		t.Fatal(err)
	}
	const words = "Discharge summary reviewed"
	for _, width := range []int{1201, 1224, 1250} {
		for _, bilevel := range []bool{true, false} {
			g := image.NewGray(image.Rect(0, 0, width, 300))
			for i := range g.Pix {
				g.Pix[i] = 255
			}
			x0, base := 137, 171
			d := font.Drawer{Dst: g, Src: image.Black, Face: face, Dot: fixed.P(x0, base)}
			d.DrawString(words)
			res, err := p.Recognize(context.Background(), g, Options{DPI: 300, Bilevel: bilevel})
			if err != nil {
				t.Fatalf("width %d bilevel %v: %v", width, bilevel, err)
			}
			if got := strings.Join(strings.Fields(res.Text), " "); got != words {
				t.Errorf("width %d bilevel %v: read %q, want %q", width, bilevel, got, words)
				continue
			}
			// The ink of the first word, where it was drawn.
			ink, _ := font.BoundString(face, "Discharge")
			want := image.Rect(x0+ink.Min.X.Floor(), base+ink.Min.Y.Floor(), x0+ink.Max.X.Ceil(), base+ink.Max.Y.Ceil())
			w := res.Words[0]
			got := image.Rect(w.X, w.Y, w.X+w.W, w.Y+w.H)
			if abs(got.Min.X-want.Min.X) > 3 || abs(got.Min.Y-want.Min.Y) > 3 || abs(got.Max.X-want.Max.X) > 3 || abs(got.Max.Y-want.Max.Y) > 3 {
				t.Errorf("width %d bilevel %v: first word box %v, drawn at %v", width, bilevel, got, want)
			}
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Small print on a page that states too fine a resolution is scaled down
// until it cannot be read; the page is then read again at its own
// resolution, and that reading kept.
func TestSmallPrintIsReadAgainAtFullResolution(t *testing.T) {
	p, err := New(Config{Workers: 1, PageTimeout: time.Minute, MaxDPI: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// 10 point type drawn at 150 dpi: an x-height of ten pixels.
	g, want := textPage(t, 1200, 900, 10, 150, image.Pt(60, 120), 40,
		"Discharge instructions were reviewed with the patient",
		"and her daughter, who both voiced understanding of the",
		"medication schedule and the signs that should bring",
		"her back to the emergency department without delay.",
	)
	// The file claims 450 dpi: read at 200, the x-height would be four
	// pixels and a half.
	res, err := p.Recognize(context.Background(), g, Options{DPI: 450})
	if err != nil {
		t.Fatal(err)
	}
	found := wordsRead(res, want)
	if !res.FullResolution || found < len(want)*8/10 {
		t.Fatalf("full resolution %v, %d of %d words read: %q", res.FullResolution, found, len(want), res.Text)
	}
}

// A page skewed by 6° is straightened before it is read: it reads as
// well as upright, and every word box, mapped back to the skewed page,
// lies on that page around the word's ink.
func TestSkewedPageIsStraightened(t *testing.T) {
	p, err := New(Config{Workers: 1, PageTimeout: time.Minute, MaxDPI: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	g, want := textPage(t, 1700, 1100, 11, 200, image.Pt(150, 300), 60,
		"The patient was seen in the clinic today for a follow",
		"up of her hypertension, which is well controlled on the",
		"current dose. She reports no chest pain, no shortness of",
		"breath and no swelling of the ankles since the last visit.",
		"Plan: continue the medication and recheck in three months.",
	)
	skewed := raster.RotateAngle(g, 6)
	in := raster.Inspect(skewed, 200)
	if !in.SkewFound || math.Abs(in.Skew-6) > 0.5 {
		t.Fatalf("measured skew %+.2f° (found %v), want about +6°", in.Skew, in.SkewFound)
	}
	res, err := p.Recognize(context.Background(), skewed, Options{DPI: 200, Skew: in.Skew})
	if err != nil {
		t.Fatal(err)
	}
	if res.Straightened == 0 {
		t.Fatal("a page skewed by 6° was not straightened")
	}
	if found := wordsRead(res, want); found < len(want)*9/10 {
		t.Errorf("read %d of %d words of the skewed page:\n%s", found, len(want), res.Text)
	}
	b := skewed.Bounds()
	for _, w := range res.Words {
		if w.X < 0 || w.Y < 0 || w.W <= 0 || w.H <= 0 || w.X+w.W > b.Dx() || w.Y+w.H > b.Dy() {
			t.Errorf("word %q has box %+v outside the %dx%d page", w.Text, w, b.Dx(), b.Dy())
			continue
		}
		if w.Confidence < 0.8 || len(w.Text) < 4 {
			continue
		}
		ink := 0
		for y := w.Y; y < w.Y+w.H; y++ {
			for x := w.X; x < w.X+w.W; x++ {
				if skewed.GrayAt(x, y).Y < 128 {
					ink++
				}
			}
		}
		if ink < w.W*w.H/20 {
			t.Errorf("word %q: its box %+v on the skewed page holds almost no ink (%d pixels)", w.Text, w, ink)
		}
	}
}

// textPage draws lines of type of size points at dpi on a white page of
// w×h pixels, the first baseline at at and the next ones pitch pixels
// apart, and returns it with the words drawn.
func textPage(t *testing.T, w, h int, size, dpi float64, at image.Point, pitch int, lines ...string) (*image.Gray, []string) {
	t.Helper()
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: dpi})
	if err != nil {
		t.Fatal(err)
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	var words []string
	for i, l := range lines {
		d := font.Drawer{Dst: g, Src: image.Black, Face: face, Dot: fixed.P(at.X, at.Y+i*pitch)}
		d.DrawString(l)
		words = append(words, strings.Fields(l)...)
	}
	return g, words
}

// wordsRead counts the words of want that the reading has, as read.
func wordsRead(res *Result, want []string) int {
	read := map[string]bool{}
	for _, w := range strings.Fields(res.Text) {
		read[w] = true
	}
	n := 0
	for _, w := range want {
		if read[w] {
			n++
		}
	}
	return n
}
