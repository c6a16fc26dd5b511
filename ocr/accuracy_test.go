package ocr_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"chartscan/config"
	"chartscan/internal/testutil"
	"chartscan/ocr"
	"chartscan/raster"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// manifestRow is one line of the shared corpus manifest.
type manifestRow struct {
	file, kind, truth, notes string
}

func readManifest(t *testing.T, dir string) []manifestRow {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []manifestRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 4 {
			continue
		}
		rows = append(rows, manifestRow{c[0], c[1], c[2], c[3]})
	}
	return rows
}

// groundTruth returns the expected text of a file with n pages.
func groundTruth(t *testing.T, dir string, row manifestRow, n int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, row.truth))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(row.truth, ".json") {
		var exp struct {
			PageText    []string `json:"page_text"`
			MustContain []string `json:"must_contain"`
		}
		if err := json.Unmarshal(b, &exp); err != nil {
			t.Fatal(err)
		}
		return strings.Join(append(exp.PageText, exp.MustContain...), "\n")
	}
	// The same page shown n times (cardinal.pdf) shares one transcript.
	return strings.Repeat(string(b)+"\n", n)
}

func newPool(t *testing.T) *ocr.Pool {
	t.Helper()
	p, err := ocr.New(ocr.Config{Workers: runtime.NumCPU(), Languages: []string{"eng"}, PageTimeout: 3 * time.Minute, MaxDPI: config.Default().OCR.MaxDPI})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// Word-recall floors, set from measured runs (see the table this test
// prints with -v; measured: 93.9% overall, 89.2% worst document page) with
// a margin for Tesseract builds that differ slightly. Photographed thermal
// receipts (sroie/) are reported but held to the overall floor only: they
// are far from what scanning stations feed.
const (
	overallFloor  = 0.90
	documentFloor = 0.87
)

// Against the tesseract command: a document scan is read clearly worse
// when its word F1 falls more than cliMargin below the command's. The
// command's own F1 moves by 2 points on these files with nothing but the
// resolution a header states (multicol_06.png: 94.4 % at the 96 dpi its
// PNG header gives, 92.4 % at the 216 dpi its text shows), so a smaller
// margin would measure headers, not reading. On the photographed
// receipts the JPEG decoder alone moves a file by as much (363.jpg, the
// same image and segmentation: 85.6 % decoded by the command's libjpeg,
// 84.0 % by Go's), so they are compared as a set: word-weighted, chartscan
// must read at least as well as the command.
const cliMargin = 0.025

// readLikeThePipeline reads a page the way the pipeline does: at the
// resolution its file states when that is believable, else the one its
// text shows (raster.ReadingDPI; rendered PDF pages at the resolution they
// were drawn), straightened by its measured skew, with orientation
// detection.
func readLikeThePipeline(ctx context.Context, pool *ocr.Pool, p *raster.Page) (*ocr.Result, error) {
	g := raster.Gray(p.Image)
	dpi := p.DPI
	if !p.Rendered {
		dpi, _ = raster.ReadingDPI(g, p.DPI, 300)
	}
	in := raster.Inspect(g, dpi)
	return pool.Recognize(ctx, g, ocr.Options{DPI: dpi, Bilevel: p.Bilevel, DetectOrientation: true, Skew: in.Skew})
}

// tesseractCommand reads a file as a user would with the plain tesseract
// command (its default page segmentation, one thread per process): image
// files as they are, PDF pages as the images raster takes from them,
// written as PNG with their resolution. It returns the text of every page.
func tesseractCommand(t *testing.T, path string, f raster.File) string {
	t.Helper()
	var inputs []string
	if f.Format() == raster.PDF {
		dir := t.TempDir()
		for i := 1; i <= f.NumPages(); i++ {
			p, err := f.Page(context.Background(), i)
			if err != nil {
				t.Fatalf("%s page %d: %v", path, i, err)
			}
			b, err := raster.EncodePNG(p.Image, p.Bilevel)
			if err != nil {
				t.Fatal(err)
			}
			in := filepath.Join(dir, fmt.Sprintf("page-%d.png", i))
			if err := os.WriteFile(in, withPNGResolution(b, p.DPI), 0o644); err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, in)
		}
	} else {
		inputs = []string{path}
	}
	var text strings.Builder
	for _, in := range inputs {
		cmd := exec.Command("tesseract", in, "stdout", "-l", "eng")
		cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tesseract command on %s: %v (install it: scripts/setup.sh --test)", filepath.Base(in), err)
		}
		text.Write(out)
		text.WriteString("\n")
	}
	return text.String()
}

// withPNGResolution inserts a pHYs chunk stating dpi after the IHDR chunk
// of a PNG file.
func withPNGResolution(b []byte, dpi int) []byte {
	if dpi <= 0 || len(b) < 33 {
		return b
	}
	chunk := make([]byte, 21)
	binary.BigEndian.PutUint32(chunk[0:], 9)
	copy(chunk[4:], "pHYs")
	ppm := uint32(float64(dpi)/0.0254 + 0.5)
	binary.BigEndian.PutUint32(chunk[8:], ppm)
	binary.BigEndian.PutUint32(chunk[12:], ppm)
	chunk[16] = 1 // metres
	binary.BigEndian.PutUint32(chunk[17:], crc32.ChecksumIEEE(chunk[4:17]))
	out := append([]byte{}, b[:33]...)
	out = append(out, chunk...)
	return append(out, b[33:]...)
}

func f1(recall, precision float64) float64 {
	if recall+precision == 0 {
		return 0
	}
	return 2 * recall * precision / (recall + precision)
}

// TestWordAccuracy reads every OCR page of the shared corpus through the
// real engines, the way the pipeline does, and compares the words with the
// ground truth and with what the tesseract command reads of the same
// files: no document scan may read clearly worse than with the command
// (multi-column pages, tables, forms), nor the receipts as a set.
func TestWordAccuracy(t *testing.T) {
	dir := testutil.SharedData(t)
	pool := newPool(t)
	type score struct {
		file              string
		pages             int
		recall, precision float64
		cliRecall, cliPre float64
		truthWords        int
		took, cliTook     time.Duration
		layouts           string
	}
	var scores []score
	var sumMatched, sumTruth float64
	var receiptMatched, receiptCLI, receiptTruth, receiptGot, receiptCLIGot float64
	for _, row := range readManifest(t, dir) {
		if !strings.Contains(row.kind, "ocr") || row.truth == "-" {
			continue
		}
		path := filepath.Join(dir, row.file)
		start := time.Now()
		f, err := raster.Open(path, raster.DefaultLimits)
		if err != nil {
			t.Errorf("%s: %v", row.file, err)
			continue
		}
		var text, layouts []string
		for i := 1; i <= f.NumPages(); i++ {
			p, err := f.Page(context.Background(), i)
			if err != nil {
				t.Errorf("%s page %d: %v", row.file, i, err)
				continue
			}
			res, err := readLikeThePipeline(context.Background(), pool, p)
			if err != nil {
				t.Errorf("%s page %d: %v", row.file, i, err)
				continue
			}
			text = append(text, res.Text)
			layouts = append(layouts, res.Layout)
		}
		took := time.Since(start)
		start = time.Now()
		cliText := tesseractCommand(t, path, f)
		cliTook := time.Since(start)
		n := f.NumPages()
		f.Close()
		truth := testutil.Words(groundTruth(t, dir, row, n))
		got := testutil.Words(strings.Join(text, "\n"))
		cliGot := testutil.Words(cliText)
		rec, prec := testutil.WordRecall(truth, got)
		crec, cprec := testutil.WordRecall(truth, cliGot)
		scores = append(scores, score{row.file, n, rec, prec, crec, cprec, len(truth), took, cliTook, strings.Join(compact(layouts), ",")})
		receipt := strings.HasPrefix(row.file, "sroie/")
		if !receipt && rec < documentFloor {
			t.Errorf("%s: word recall %.3f is below the floor %.2f", row.file, rec, documentFloor)
		}
		if !receipt && f1(rec, prec) < f1(crec, cprec)-cliMargin {
			t.Errorf("%s: word F1 %.3f, clearly below the tesseract command's %.3f", row.file, f1(rec, prec), f1(crec, cprec))
		}
		if receipt {
			receiptMatched += rec * float64(len(truth))
			receiptCLI += crec * float64(len(truth))
			receiptTruth += float64(len(truth))
			receiptGot += float64(len(got))
			receiptCLIGot += float64(len(cliGot))
		}
		sumMatched += rec * float64(len(truth))
		sumTruth += float64(len(truth))
	}
	sort.Slice(scores, func(i, j int) bool { return scores[i].file < scores[j].file })
	var b strings.Builder
	fmt.Fprintf(&b, "%-40s %5s %7s %9s %7s | %7s %9s %7s | %6s %7s %7s  %s\n", "file", "pages", "recall", "precision", "F1", "cmd rec", "cmd prec", "cmd F1", "words", "seconds", "cmd s", "layout")
	for _, s := range scores {
		fmt.Fprintf(&b, "%-40s %5d %6.1f%% %8.1f%% %6.1f%% | %6.1f%% %8.1f%% %6.1f%% | %6d %7.1f %7.1f  %s\n", s.file, s.pages,
			100*s.recall, 100*s.precision, 100*f1(s.recall, s.precision), 100*s.cliRecall, 100*s.cliPre, 100*f1(s.cliRecall, s.cliPre),
			s.truthWords, s.took.Seconds(), s.cliTook.Seconds(), s.layouts)
	}
	overall := sumMatched / sumTruth
	fmt.Fprintf(&b, "%-40s %5s %6.1f%%\n", "overall recall (word-weighted)", "", 100*overall)
	rf1 := f1(receiptMatched/receiptTruth, receiptMatched/receiptGot)
	cf1 := f1(receiptCLI/receiptTruth, receiptCLI/receiptCLIGot)
	fmt.Fprintf(&b, "%-40s %5s %6.1f%% F1, the tesseract command %.1f%%\n", "receipts (sroie, word-weighted)", "", 100*rf1, 100*cf1)
	testutil.Report(t, "ocr-word-accuracy", "word accuracy against ground truth, chartscan and the tesseract command:\n"+b.String())
	if len(scores) < 20 {
		t.Fatalf("only %d files with ground truth were read", len(scores))
	}
	if overall < overallFloor {
		t.Errorf("overall word recall %.3f is below the floor %.2f", overall, overallFloor)
	}
	if receiptTruth == 0 || rf1 < cf1 {
		t.Errorf("receipts: word F1 %.3f, below the tesseract command's %.3f", rf1, cf1)
	}
}

// compact drops repeats from a list of per-page values.
func compact(v []string) []string {
	var out []string
	for _, s := range v {
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}

// TestTurnedPagesAreReadUpright turns a real scanned chart page each way
// and checks that the page is found turned, turned back the right way and
// read as well as upright: orientation detection, with its short first
// pass, on the page image as the pipeline sends it.
func TestTurnedPagesAreReadUpright(t *testing.T) {
	dir := testutil.SharedData(t)
	f, err := raster.Open(filepath.Join(dir, "charts/batches/public-11-000.pdf"), raster.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := f.Page(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Pages []struct {
			Text string `json:"text"`
		} `json:"pages"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "charts/truth/public-11-000.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	want := testutil.Words(truth.Pages[0].Text)
	pool := newPool(t)
	upright := raster.Gray(p.Image)
	var uprightRecall float64
	for _, turn := range []int{0, 90, 180, 270} {
		img := raster.Gray(raster.Rotate(upright, turn))
		res, err := pool.Recognize(context.Background(), img, ocr.Options{DPI: p.DPI, Bilevel: p.Bilevel, DetectOrientation: true})
		if err != nil {
			t.Fatalf("turned %d: %v", turn, err)
		}
		if back := (360 - turn) % 360; res.Rotation != back {
			t.Errorf("turned %d: read after turning %d, want %d", turn, res.Rotation, back)
		}
		rec, _ := testutil.WordRecall(want, testutil.Words(res.Text))
		switch {
		case turn == 0:
			uprightRecall = rec
			if rec < 0.9 { // measured: 0.931 (a flowsheet of figures)
				t.Fatalf("upright: word recall %.3f", rec)
			}
		case rec < uprightRecall-0.01:
			t.Errorf("turned %d: word recall %.3f, upright %.3f", turn, rec, uprightRecall)
		}
	}
}
