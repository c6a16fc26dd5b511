package ingest_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"chartscan"
	"chartscan/ingest"
	"chartscan/pdf"
	"chartscan/raster"
)

// proseNotePage renders a page of a typed note, 8.5 × 11 inches at dpi, in
// 11 point type.
func proseNotePage(t *testing.T, dpi int) *image.Gray {
	t.Helper()
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 11, DPI: float64(dpi)})
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Fields(`patient seen in clinic today for follow up of hypertension and diabetes
	reports good adherence to medication no chest pain or shortness of breath blood pressure
	well controlled on current dose plan continue metformin and lisinopril recheck labs in three
	months return sooner if symptoms worsen`)
	g := image.NewGray(image.Rect(0, 0, dpi*17/2, dpi*11))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	rng := rand.New(rand.NewSource(int64(dpi)))
	d := font.Drawer{Dst: g, Src: image.Black, Face: face}
	for y := dpi; y < dpi*10; y += dpi / 5 {
		var line []string
		for len(strings.Join(line, " ")) < 75 {
			line = append(line, words[rng.Intn(len(words))])
		}
		d.Dot = fixed.P(dpi, y)
		d.DrawString(strings.Join(line, " "))
	}
	return g
}

// smeared returns g with every pixel averaged with the n below it: a page
// that moved while it was scanned.
func smeared(g *image.Gray, n int) *image.Gray {
	b := g.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewGray(b)
	for x := 0; x < w; x++ {
		sum, k := 0, 0
		for y := h - 1; y >= 0; y-- { // running sum of the window below
			sum += int(g.Pix[y*w+x])
			k++
			if y+n < h {
				sum -= int(g.Pix[(y+n)*w+x])
				k--
			}
			out.Pix[y*w+x] = uint8(sum / k)
		}
	}
	return out
}

func pngOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A batch with a good page, a page scanned at 100 dpi, a page cut off at
// the left, a page that moved in the scanner and the cut page fed upside
// down: each page's quality record says what was measured, the bad ones
// say why they must be scanned again (the upside-down one names the edge
// of the page as it reads, not as it was scanned), and the batch record
// lists them with their reasons.
func TestQualityRecordAndRescanReasons(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	good := proseNotePage(t, 300)
	low := proseNotePage(t, 100)
	// A real scanned chart page, cut through its text a tenth of the way in.
	f, err := raster.Open(scan(t, "charts/batches/public-11-003.pdf"), raster.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chart, err := f.Page(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	cg := raster.Gray(chart.Image)
	cb := cg.Bounds()
	cut := cg.SubImage(image.Rect(cb.Dx()/5, 0, cb.Dx(), cb.Dy()))
	moved := smeared(good, 40)
	upsideDown := raster.Rotate(cut, 180)
	pages := []pdf.PageImage{
		{Image: bytes.NewReader(pngOf(t, good)), Width: good.Rect.Dx(), Height: good.Rect.Dy(), DPI: 300},
		{Image: bytes.NewReader(pngOf(t, low)), Width: low.Rect.Dx(), Height: low.Rect.Dy(), DPI: 100},
		{Image: bytes.NewReader(pngOf(t, cut)), Width: cut.Bounds().Dx(), Height: cut.Bounds().Dy(), DPI: 300},
		{Image: bytes.NewReader(pngOf(t, moved)), Width: moved.Rect.Dx(), Height: moved.Rect.Dy(), DPI: 300},
		{Image: bytes.NewReader(pngOf(t, upsideDown)), Width: cut.Bounds().Dx(), Height: cut.Bounds().Dy(), DPI: 300},
	}
	var doc bytes.Buffer
	if _, err := pdf.Assemble(&doc, pages); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "stack.pdf")
	if err := os.WriteFile(path, doc.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	e.prof.Separation.SectionChange, e.prof.Separation.PatientChange = false, false
	res, err := e.pipe.Process(ctx, ingest.Source{Path: path, Name: "stack.pdf", Profile: e.prof})
	if err != nil || res.Status != ingest.StatusDone {
		t.Fatalf("process: %v %+v", err, res)
	}
	want := map[int]string{
		2: "resolution too low: scanned 100 dpi, the minimum is 150",
		3: "cut off: text runs into the left edge",
		4: "unreadable: OCR confidence",
		5: "cut off: text runs into the left edge",
	}
	for n := 1; n <= 5; n++ {
		var pg chartscan.Page
		if err := chartscan.GetJSON(ctx, e.store, chartscan.PageRecordKey(res.BatchID, n), &pg); err != nil {
			t.Fatal(err)
		}
		q := pg.Quality
		if q == nil {
			t.Fatalf("page %d: no quality record", n)
		}
		t.Logf("page %d: %+v", n, *q)
		if n == 5 && pg.Rotation != 180 {
			t.Errorf("page 5: turned %d, want 180 (read upside down, the edge named is not the page's)", pg.Rotation)
		}
		if wantDPI := []int{300, 100, 300, 300, 300}[n-1]; q.StatedDPI != wantDPI || pg.DPI != wantDPI || q.EstimatedDPI != 0 {
			t.Errorf("page %d: stated %d, read at %d, estimated %d; want %d as stated", n, q.StatedDPI, pg.DPI, q.EstimatedDPI, wantDPI)
		}
		if q.Ink != pg.Ink || q.Confidence <= 0 {
			t.Errorf("page %d: ink %.4f (page %.4f), confidence %.2f", n, q.Ink, pg.Ink, q.Confidence)
		}
		// Black print on white; smeared, it is grey on grey.
		if sharp := n != 4; sharp != (q.Contrast > 0.5) {
			t.Errorf("page %d: contrast %.2f", n, q.Contrast)
		}
		switch w := want[n]; {
		case w == "" && len(q.Rescan) > 0:
			t.Errorf("page %d: rescan %q, want none", n, q.Rescan)
		case w != "" && (len(q.Rescan) != 1 || !strings.HasPrefix(q.Rescan[0], w)):
			t.Errorf("page %d: rescan %q, want %q", n, q.Rescan, w)
		}
	}
	batch, err := chartscan.LoadBatch(ctx, e.store, res.BatchID)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Rescan) != 4 {
		t.Fatalf("batch rescan list %+v, want pages 2 to 5", batch.Rescan)
	}
	for i, r := range batch.Rescan {
		if n := i + 2; r.Number != n || r.Page != res.BatchID.Page(n) || len(r.Reasons) != 1 || !strings.HasPrefix(r.Reasons[0], want[n]) {
			t.Errorf("batch rescan %d = %+v, want page %d: %q", i, r, n, want[n])
		}
	}
}

// A photographed receipt whose JPEG states no resolution is read at the
// resolution its text shows, not at the profile's 300 dpi, and the page
// record says both.
func TestPhotoWithoutResolutionIsEstimated(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res, err := e.pipe.Process(ctx, ingest.Source{Path: scan(t, "sroie/040.jpg"), Name: "receipt.jpg", Profile: e.prof})
	if err != nil || res.Status != ingest.StatusDone {
		t.Fatalf("process: %v %+v", err, res)
	}
	var pg chartscan.Page
	if err := chartscan.GetJSON(ctx, e.store, chartscan.PageRecordKey(res.BatchID, 1), &pg); err != nil {
		t.Fatal(err)
	}
	q := pg.Quality
	if q == nil || q.StatedDPI != 0 || q.EstimatedDPI < 120 || q.EstimatedDPI > 300 || pg.DPI != q.EstimatedDPI {
		t.Fatalf("receipt: dpi %d, quality %+v; want read at an estimate between 120 and 300", pg.DPI, q)
	}
	if len(pg.Words) < 40 {
		t.Errorf("receipt: %d words read", len(pg.Words))
	}
}
