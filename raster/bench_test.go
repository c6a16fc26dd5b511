package raster_test

import (
	"context"
	"image"
	"testing"

	. "chartscan/raster"
)

// The measurements made of every page before it is read, on a 300 dpi
// letter page: Inspect on every page, EstimateDPI only on pages whose file
// states no believable resolution.
func BenchmarkInspect(b *testing.B) {
	g := benchPage(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Inspect(g, 300)
	}
}

func BenchmarkEstimateDPI(b *testing.B) {
	g := benchPage(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		EstimateDPI(g)
	}
}

func benchPage(b *testing.B) *image.Gray {
	f, err := Open(shared(b, "charts/batches/public-11-003.pdf"), DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	p, err := f.Page(context.Background(), 2)
	if err != nil {
		b.Fatal(err)
	}
	return Gray(p.Image)
}
