package barcode_test

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math/rand"
	"os/exec"
	"strconv"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"chartscan/barcode"
	"chartscan/raster"
)

// The pages below are drawn the way a scanning station sees a chart page
// with a patient label stuck on it: real text in paragraphs, a small label
// off centre with a line of text above its barcode, a slight skew, and the
// marks of the scanner — a grey scan (soft edges, paper and toner tones,
// sensor noise) or a bilevel one (thresholded after the blur, with specks).

// notes are lines of the kind a chart page carries.
var notes = []string{
	"HISTORY OF PRESENT ILLNESS: The patient is a 67-year-old woman seen for",
	"follow-up of hypertension and type 2 diabetes. She reports no chest pain,",
	"shortness of breath or palpitations. Blood pressure 142/88, pulse 76.",
	"ASSESSMENT AND PLAN: Continue metformin 500 mg twice daily; recheck A1c",
	"in three months. Lisinopril increased to 20 mg. Return visit in 6 weeks.",
	"Patient counselled on diet and exercise; questions answered.",
}

func face(tb testing.TB, points float64, dpi int) font.Face {
	tb.Helper()
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		tb.Fatal(err)
	}
	ff, err := opentype.NewFace(f, &opentype.FaceOptions{Size: points, DPI: float64(dpi), Hinting: font.HintingFull})
	if err != nil {
		tb.Fatal(err)
	}
	return ff
}

func drawText(dst *image.Gray, f font.Face, x, y int, s string) {
	(&font.Drawer{Dst: dst, Src: image.Black, Face: f, Dot: fixed.P(x, y)}).DrawString(s)
}

// textPages are the text of note pages, drawn once per resolution (the
// tests that use them do not run in parallel).
var textPages = map[int]*image.Gray{}

// notePage draws a white letter page at dpi with paragraphs of text and
// sym pasted with its top left corner at (x, y) inches.
func notePage(tb testing.TB, dpi int, sym *image.Gray, x, y float64) *image.Gray {
	tb.Helper()
	text := textPages[dpi]
	if text == nil {
		text = image.NewGray(image.Rect(0, 0, dpi*85/10, dpi*11))
		draw.Draw(text, text.Rect, image.White, image.Point{}, draw.Src)
		body := face(tb, 11, dpi)
		line := dpi / 5
		for i := 0; i < 18; i++ {
			drawText(text, body, dpi, dpi*3+i*line, notes[i%len(notes)])
		}
		for i := 0; i < 8; i++ {
			drawText(text, body, dpi, dpi*7+i*line, notes[(i+3)%len(notes)])
		}
		textPages[dpi] = text
	}
	g := image.NewGray(text.Rect)
	copy(g.Pix, text.Pix)
	at := image.Pt(int(x*float64(dpi)), int(y*float64(dpi)))
	draw.Draw(g, sym.Bounds().Add(at), sym, sym.Bounds().Min, draw.Src)
	return g
}

// label frames sym as a sticky label: a thin border, the patient's line
// of text above the symbol.
func label(tb testing.TB, dpi int, sym *image.Gray, caption string) *image.Gray {
	tb.Helper()
	pad := dpi / 12
	capH := dpi / 6
	sb := sym.Bounds()
	g := image.NewGray(image.Rect(0, 0, sb.Dx()+2*pad, sb.Dy()+capH+2*pad))
	draw.Draw(g, g.Rect, image.White, image.Point{}, draw.Src)
	for x := 0; x < g.Rect.Dx(); x++ {
		g.Pix[x], g.Pix[(g.Rect.Dy()-1)*g.Stride+x] = 0, 0
	}
	for y := 0; y < g.Rect.Dy(); y++ {
		g.Pix[y*g.Stride], g.Pix[y*g.Stride+g.Rect.Dx()-1] = 0, 0
	}
	drawText(g, face(tb, 8, dpi), pad+dpi/10, pad+capH*3/4, caption)
	draw.Draw(g, sb.Add(image.Pt(pad, pad+capH)), sym, sb.Min, draw.Src)
	return g
}

// scanned returns g as a scanner would deliver it: skewed by deg degrees,
// blurred over a pixel, then either grey (toner at about 40, paper at
// about 225, noise) or bilevel (thresholded, with specks).
func scanned(g *image.Gray, deg float64, bilevel bool, rng *rand.Rand) *image.Gray {
	if deg != 0 {
		g = skew(g, deg)
	}
	w, h := g.Rect.Dx(), g.Rect.Dy()
	// Sensor noise: a table of normal deviates, walked from a random start
	// with a random stride (drawing one per pixel would be most of the time
	// these tests take).
	noise := make([]int, 1<<16)
	for i := range noise {
		noise[i] = int(rng.NormFloat64() * 1024)
	}
	k, stride := rng.Intn(len(noise)), 1+2*rng.Intn(1000)
	out := image.NewGray(g.Rect)
	px := func(x, y int) int {
		x, y = max(0, min(w-1, x)), max(0, min(h-1, y))
		return int(g.Pix[y*g.Stride+x])
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// A 3×3 blur weighing the centre four times.
			s := 4*px(x, y) + px(x-1, y-1) + px(x, y-1) + px(x+1, y-1) + px(x-1, y) + px(x+1, y) + px(x-1, y+1) + px(x, y+1) + px(x+1, y+1)
			k = (k + stride) & (len(noise) - 1)
			var v int
			if bilevel {
				v = 255
				if s*1024/12+noise[k]*20 < 128*1024 {
					v = 0
				}
			} else {
				v = 40 + s*(225-40)/(12*255) + noise[k]*10/1024
			}
			out.Pix[y*out.Stride+x] = uint8(max(0, min(255, v)))
		}
	}
	if bilevel {
		for i := 0; i < len(out.Pix)/400; i++ {
			out.Pix[rng.Intn(len(out.Pix))] ^= 255
		}
	}
	return out
}

// zintTypes are zint's numbers of the symbologies.
var zintTypes = map[barcode.Format]int{
	barcode.Code128: 20, barcode.Code39: 8, barcode.ITF: 3,
	barcode.QR: 58, barcode.DataMatrix: 71, barcode.PDF417: 55,
}

// zint draws text with the zint encoder (Debian zint, installed by
// scripts/setup.sh --test), its narrowest module xdim pixels wide and its
// human-readable line under 1-D symbols. It is another encoder than the
// one chartscan prints with, in its own proportions (PDF417 rows three
// modules tall, Code 39 wide bars two and a quarter narrow ones wide...).
func zint(tb testing.TB, f barcode.Format, text string, xdim int) *image.Gray {
	tb.Helper()
	bin, err := exec.LookPath("zint")
	if err != nil {
		tb.Fatalf("zint is not installed (scripts/setup.sh --test installs it): %v", err)
	}
	cmd := exec.Command(bin, "-b", strconv.Itoa(zintTypes[f]), "-d", text, "--scale="+strconv.FormatFloat(float64(xdim)/2, 'f', 1, 64),
		"--quietzones", "--filetype=png", "--direct")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		tb.Fatalf("zint %s %q: %v: %s", f, text, err, errb.String())
	}
	img, err := png.Decode(&out)
	if err != nil {
		tb.Fatalf("zint %s: %v", f, err)
	}
	return raster.Gray(img)
}

// payloads are what each symbology carries on a patient label or sheet.
var payloads = map[barcode.Format]string{
	barcode.Code128:    "V000123",
	barcode.Code39:     "00123456",
	barcode.ITF:        "0012345678",
	barcode.QR:         "CS1;mrn=00123456;section=laboratory",
	barcode.DataMatrix: "CS1;mrn=00123456;section=laboratory",
	barcode.PDF417:     "DOE^JOHN;1957-04-12;00123456",
}

// Every symbology is read on label-sized symbols (10 mil bars, 15 mil
// 2-D modules) stuck off centre on a text page, at 200 and 300 dpi,
// grey and bilevel, upright and turned 90°, drawn by chartscan's encoder
// and by zint; nothing else on the page is taken for a symbol.
func TestSymbologiesOnScannedPages(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for _, f := range barcode.Formats {
		for _, dpi := range []int{200, 300} {
			for _, encoder := range []string{"chartscan", "zint"} {
				for _, bilevel := range []bool{false, true} {
					for _, turn := range []int{0, 90} {
						style := "grey"
						if bilevel {
							style = "bilevel"
						}
						name := fmt.Sprintf("%s/%ddpi/%s/%s/turn%d", f, dpi, encoder, style, turn)
						t.Run(name, func(t *testing.T) {
							xdim := dpi / 100 // 10 mil
							if f == barcode.QR || f == barcode.DataMatrix {
								xdim = dpi * 15 / 1000
							}
							var sym *image.Gray
							if encoder == "zint" {
								sym = zint(t, f, payloads[f], xdim)
							} else {
								var err error
								if sym, err = barcode.Encode(payloads[f], f, xdim, dpi*3/8); err != nil {
									t.Fatal(err)
								}
							}
							lab := label(t, dpi, sym, "DOE, JOHN  DOB 04/12/1957")
							x, y := 4.6+rng.Float64(), 0.4+rng.Float64()*0.6
							if rng.Intn(2) == 0 {
								y = 9.2 + rng.Float64()*0.4
							}
							g := scanned(notePage(t, dpi, lab, x, y), rng.Float64()*3-1.5, bilevel, rng)
							if turn != 0 {
								g = raster.Rotate(g, turn).(*image.Gray)
							}
							got := barcode.Find(g, dpi)
							if len(got) != 1 || got[0].Text != payloads[f] || got[0].Format != f {
								t.Fatalf("Find = %+v, want one %s symbol %q", got, f, payloads[f])
							}
						})
					}
				}
			}
		}
	}
}

// Separator sheets of other software — PATCHT in Code 39, as paperless-ngx
// users print it, and in Code 128 — and a document barcode are read on
// full pages, grey and bilevel, upright, upside down and turned.
func TestSeparatorAndDocumentSheets(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, tc := range []struct {
		f    barcode.Format
		text string
	}{
		{barcode.Code39, "PATCHT"}, {barcode.Code128, "PATCHT"}, {barcode.Code39, "ASN00042"}, {barcode.Code128, "ENC-V000777"},
	} {
		for _, dpi := range []int{200, 300} {
			for _, turn := range []int{0, 90, 180, 270} {
				bilevel := (turn/90+dpi/100)%2 == 0
				t.Run(fmt.Sprintf("%s/%s/%ddpi/turn%d", tc.f, tc.text, dpi, turn), func(t *testing.T) {
					g := image.NewGray(image.Rect(0, 0, dpi*85/10, dpi*11))
					draw.Draw(g, g.Rect, image.White, image.Point{}, draw.Src)
					drawText(g, face(t, 30, dpi), dpi*3, dpi*2, "PATCH T")
					drawText(g, face(t, 10, dpi), dpi, dpi*3, "Separator sheet: place before each document, print unscaled.")
					sym, err := barcode.Encode(tc.text, tc.f, dpi/60, dpi*3/4)
					if err != nil {
						t.Fatal(err)
					}
					at := image.Pt((g.Rect.Dx()-sym.Rect.Dx())/2, dpi*5)
					draw.Draw(g, sym.Bounds().Add(at), sym, image.Point{}, draw.Src)
					g = scanned(g, rng.Float64()*2-1, bilevel, rng)
					if turn != 0 {
						g = raster.Rotate(g, turn).(*image.Gray)
					}
					got := barcode.Find(g, dpi)
					if len(got) != 1 || got[0].Text != tc.text || got[0].Format != tc.f {
						t.Fatalf("Find = %+v, want one %s symbol %q", got, tc.f, tc.text)
					}
				})
			}
		}
	}
}
