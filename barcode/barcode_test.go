package barcode_test

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chartscan/barcode"
	"chartscan/internal/testutil"
	"chartscan/raster"
)

// page returns a white 300 dpi letter page with sym pasted at (x, y),
// a few lines of "text" blocks, and speckle.
func page(sym *image.Gray, x, y int, speckle float64, rng *rand.Rand) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, 2550, 3300))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	// Heading-like blocks of dark strokes, as text lines.
	for line := 0; line < 4; line++ {
		for x0 := 250; x0 < 1400; x0 += 38 {
			for yy := 300 + line*60; yy < 330+line*60; yy++ {
				for xx := x0; xx < x0+22; xx++ {
					if (xx+yy)%7 < 4 {
						g.Pix[yy*g.Stride+xx] = 0
					}
				}
			}
		}
	}
	draw.Draw(g, sym.Bounds().Add(image.Pt(x, y)), sym, image.Point{}, draw.Src)
	for i := 0; i < int(speckle*float64(len(g.Pix))); i++ {
		g.Pix[rng.Intn(len(g.Pix))] ^= 255
	}
	return g
}

// skew turns img by deg degrees about its centre (nearest neighbour),
// as a sheet fed crooked does.
func skew(img *image.Gray, deg float64) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(b)
	s, c := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			fx, fy := float64(x)-cx, float64(y)-cy
			sx, sy := int(c*fx+s*fy+cx), int(-s*fx+c*fy+cy)
			v := uint8(255)
			if sx >= 0 && sy >= 0 && sx < b.Dx() && sy < b.Dy() {
				v = img.Pix[sy*img.Stride+sx]
			}
			out.Pix[y*out.Stride+x] = v
		}
	}
	return out
}

func TestFindOnNoisySkewedPages(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	payload := "CS1;mrn=00123456;section=laboratory;encounter=V000123;name=DOE^JOHN;dob=1957-04-12"
	for _, tc := range []struct {
		name    string
		format  barcode.Format
		module  int
		x, y    int
		speckle float64
		skew    float64
		turn    int
	}{
		{"qr centre", barcode.QR, 8, 1000, 1200, 0.002, 0, 0},
		{"qr corner skewed", barcode.QR, 6, 1900, 2700, 0.004, 3, 0},
		{"qr upside down", barcode.QR, 7, 300, 2600, 0.003, 0, 180},
		{"datamatrix off centre", barcode.DataMatrix, 8, 1800, 300, 0.003, 0, 0},
		{"datamatrix skewed", barcode.DataMatrix, 9, 400, 2000, 0.004, -2.5, 0},
		{"datamatrix sideways", barcode.DataMatrix, 8, 1200, 2400, 0.002, 0, 90},
		{"code128", barcode.Code128, 4, 200, 1500, 0.002, 0, 0},
		{"code128 skewed speckled", barcode.Code128, 4, 250, 2300, 0.006, 2, 0},
		{"code128 upside down", barcode.Code128, 4, 300, 800, 0.003, 0, 180},
		{"code128 sideways", barcode.Code128, 4, 300, 1300, 0.003, 0, 90},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := payload
			if tc.format == barcode.Code128 {
				text = "CS1;mrn=00123456;section=laboratory" // Code 128 holds 80 characters at most
			}
			sym, err := barcode.Encode(text, tc.format, tc.module, 220)
			if err != nil {
				t.Fatal(err)
			}
			g := page(sym, tc.x, tc.y, tc.speckle, rng)
			if tc.skew != 0 {
				g = skew(g, tc.skew)
			}
			if tc.turn != 0 {
				g = raster.Rotate(g, tc.turn).(*image.Gray)
			}
			got := barcode.Find(g, 300)
			if len(got) != 1 || got[0].Text != text || got[0].Format != tc.format {
				t.Fatalf("Find = %+v, want one %s symbol", got, tc.format)
			}
		})
	}
}

func TestNoSymbolOnTextPage(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	g := page(image.NewGray(image.Rect(0, 0, 1, 1)), 0, 0, 0.003, rng)
	if got := barcode.Find(g, 300); len(got) != 0 {
		t.Fatalf("Find on a page without symbols = %+v", got)
	}
}

// Every cover and separator sheet of the scanned chart batches is read,
// and no content or blank page yields a symbol.
func TestChartBatches(t *testing.T) {
	dir := filepath.Join(testutil.SharedData(t), "charts")
	files, _ := filepath.Glob(filepath.Join(dir, "batches", "*"))
	read, sheets, false := 0, 0, 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		b, err := os.ReadFile(filepath.Join(dir, "truth", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var truth struct {
			Pages []struct {
				Kind    string  `json:"kind"`
				Barcode *string `json:"barcode"`
			} `json:"pages"`
		}
		json.Unmarshal(b, &truth)
		file, err := raster.Open(f, raster.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		for i, tp := range truth.Pages {
			p, err := file.Page(context.Background(), i+1)
			if err != nil {
				t.Fatal(err)
			}
			syms := barcode.Find(raster.Gray(p.Image), p.DPI)
			switch {
			case tp.Barcode != nil:
				sheets++
				if len(syms) == 1 && syms[0].Text == *tp.Barcode {
					read++
				} else {
					t.Errorf("%s page %d: read %+v, want %q", name, i+1, syms, *tp.Barcode)
				}
			case len(syms) > 0:
				false++
				t.Errorf("%s page %d (%s): read %+v", name, i+1, tp.Kind, syms)
			}
		}
		file.Close()
	}
	testutil.Report(t, "barcode-sheets", fmt.Sprintf("cover and separator sheets of the chart batches read: %d of %d; symbols found on other pages: %d\n", read, sheets, false))
	if sheets < 30 {
		t.Fatalf("only %d sheets in the corpus", sheets)
	}
}
