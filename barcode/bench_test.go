package barcode_test

import (
	"context"
	"image"
	"path/filepath"
	"testing"

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
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range pages {
			barcode.Find(p.img, p.dpi)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*len(pages)), "ms/page")
}
