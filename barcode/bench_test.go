package barcode_test

import (
	"context"
	"image"
	"math/rand"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"chartscan/barcode"
	"chartscan/internal/testutil"
	"chartscan/raster"
)

// chartPage is one page of the shared chart batches as Find sees it.
type chartPage struct {
	img *image.Gray
	dpi int
}

// chartPages loads every page of the scanned chart batches (bilevel G4
// and grey JPEG, 300 dpi, with covers, separators, skew and speckle).
func chartPages(tb testing.TB) []chartPage {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(testutil.SharedData(tb), "charts", "batches", "*"))
	if len(files) == 0 {
		tb.Fatal("no chart batches")
	}
	var out []chartPage
	for _, f := range files {
		file, err := raster.Open(f, raster.DefaultLimits)
		if err != nil {
			tb.Fatal(err)
		}
		for n := 1; n <= file.NumPages(); n++ {
			p, err := file.Page(context.Background(), n)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, chartPage{raster.Gray(p.Image), p.DPI})
		}
		file.Close()
	}
	return out
}

// BenchmarkFind reads the barcodes of every page of the shared chart
// batches; ms/page is the figure docs and reports quote (Find runs on
// every page that is not blank).
func BenchmarkFind(b *testing.B) {
	pages := chartPages(b)
	runtime.GC()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range pages {
			barcode.Find(p.img, p.dpi)
		}
	}
	b.StopTimer()
	n := float64(b.N * len(pages))
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/n, "ms/page")
	// CPU time is the steadier figure on a machine shared with other work.
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/n, "cpu-ms/page")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFindLabels reads label-sized symbols of every symbology stuck
// on text pages (300 dpi, grey and bilevel, upright and turned), the
// pages patient labels make.
func BenchmarkFindLabels(b *testing.B) {
	rng := rand.New(rand.NewSource(3))
	var pages []*image.Gray
	for _, f := range barcode.Formats {
		for i, style := range []bool{false, true} {
			xdim := 3
			if f == barcode.QR || f == barcode.DataMatrix {
				xdim = 4
			}
			sym, err := barcode.Encode(payloads[f], f, xdim, 110)
			if err != nil {
				b.Fatal(err)
			}
			g := scanned(notePage(b, 300, label(b, 300, sym, "DOE, JOHN  DOB 04/12/1957"), 5, 0.5), 1, style, rng)
			if i == 1 {
				g = raster.Rotate(g, 90).(*image.Gray)
			}
			pages = append(pages, g)
		}
	}
	runtime.GC()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range pages {
			if len(barcode.Find(p, 300)) != 1 {
				b.Fatal("a label was not read")
			}
		}
	}
	b.StopTimer()
	n := float64(b.N * len(pages))
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/n, "ms/page")
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/n, "cpu-ms/page")
}
