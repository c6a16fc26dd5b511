package ocr

import (
	"image"
	"testing"
)

func TestScaleGray(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 400, 300))
	for y := 0; y < 300; y++ {
		for x := 0; x < 400; x++ {
			if x < 200 {
				g.Pix[y*400+x] = 255
			} else if (x+y)%2 == 0 {
				g.Pix[y*400+x] = 200
			} else {
				g.Pix[y*400+x] = 100
			}
		}
	}
	s := scaleGray(g, 0.75)
	if s.Rect.Dx() != 300 || s.Rect.Dy() != 225 {
		t.Fatalf("size %v", s.Rect)
	}
	if v := s.GrayAt(10, 10).Y; v != 255 {
		t.Errorf("white area = %d", v)
	}
	// A fine checkerboard of 100 and 200 averages to its mean.
	if v := s.GrayAt(250, 100).Y; v < 145 || v > 155 {
		t.Errorf("checkerboard area = %d, want about 150", v)
	}
}

// TestScaleGrayMatchesAreaAverage checks the fixed-point, tap-specialised
// scaler against the area average computed in floating point, for the
// ratios pages are scaled by (600, 400, 300 and 240 dpi down to 200), and
// for sizes that 2/3 divides exactly (its own loops) and does not.
func TestScaleGrayMatchesAreaAverage(t *testing.T) {
	for _, size := range []image.Point{{157, 91}, {159, 93}} {
		testScaleGrayMatchesAreaAverage(t, size)
	}
}

func testScaleGrayMatchesAreaAverage(t *testing.T, size image.Point) {
	g := image.NewGray(image.Rectangle{Max: size})
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7919 % 251)
	}
	for _, f := range []float64{1.0 / 3, 0.5, 2.0 / 3, 200.0 / 240} {
		s := scaleGray(g, f)
		rx := float64(g.Rect.Dx()) / float64(s.Rect.Dx())
		ry := float64(g.Rect.Dy()) / float64(s.Rect.Dy())
		for y := 0; y < s.Rect.Dy(); y++ {
			for x := 0; x < s.Rect.Dx(); x++ {
				var sum float64
				for sy := 0; sy < g.Rect.Dy(); sy++ {
					cy := min(float64(sy+1), float64(y+1)*ry) - max(float64(sy), float64(y)*ry)
					if cy <= 0 {
						continue
					}
					for sx := 0; sx < g.Rect.Dx(); sx++ {
						cx := min(float64(sx+1), float64(x+1)*rx) - max(float64(sx), float64(x)*rx)
						if cx > 0 {
							sum += cx * cy * float64(g.Pix[sy*g.Stride+sx])
						}
					}
				}
				want := sum / (rx * ry)
				if d := float64(s.Pix[y*s.Stride+x]) - want; d > 1.5 || d < -1.5 {
					t.Fatalf("%v scale %.3f: pixel (%d,%d) = %d, want %.1f", size, f, x, y, s.Pix[y*s.Stride+x], want)
				}
			}
		}
	}
}
