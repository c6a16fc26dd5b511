package raster

import (
	"image"
	"math"
)

// RotateAngle returns g with its content turned counter-clockwise by deg
// degrees (any small angle; Rotate does quarter turns) about the centre of
// the image, at the same size, with bilinear interpolation. What comes in
// at the corners is white. To straighten a page whose Inspection says
// Skew s, turn it by -s.
func RotateAngle(g *image.Gray, deg float64) *image.Gray {
	b := g.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := image.NewGray(image.Rect(0, 0, w, h))
	if deg == 0 {
		for y := 0; y < h; y++ {
			copy(dst.Pix[y*w:(y+1)*w], g.Pix[g.PixOffset(b.Min.X, b.Min.Y+y):])
		}
		return dst
	}
	// A destination pixel p shows the source at c + R(-deg)(p - c). In
	// image coordinates (y down) a counter-clockwise turn by a maps
	// (x, y) to (x cos a + y sin a, -x sin a + y cos a); its inverse is
	// the turn by -a.
	a := deg * math.Pi / 180
	cos, sin := math.Cos(a), math.Sin(a)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	const one = 1 << 16
	dxx, dyx := int64(cos*one), int64(sin*one) // source step per destination x
	for y := 0; y < h; y++ {
		// Source position of destination (0, y), in 16.16 fixed point.
		px, py := -cx, float64(y)-cy
		sx := int64((cx + px*cos - py*sin) * one)
		sy := int64((cy + px*sin + py*cos) * one)
		out := dst.Pix[y*w : (y+1)*w]
		for x := range out {
			ix, iy := sx>>16, sy>>16
			if ix < 0 || iy < 0 || ix >= int64(w-1) || iy >= int64(h-1) {
				out[x] = 255
			} else {
				fx, fy := sx&(one-1), sy&(one-1)
				o := g.PixOffset(b.Min.X+int(ix), b.Min.Y+int(iy))
				p00, p01 := int64(g.Pix[o]), int64(g.Pix[o+1])
				p10, p11 := int64(g.Pix[o+g.Stride]), int64(g.Pix[o+g.Stride+1])
				top := p00*(one-fx) + p01*fx
				bot := p10*(one-fx) + p11*fx
				out[x] = uint8((top*(one-fy) + bot*fy + 1<<31) >> 32)
			}
			sx += dxx
			sy += dyx
		}
	}
	return dst
}

// RotatePoint maps a point of an image of size w×h turned by RotateAngle(deg)
// back to where it lies in the image before the turn.
func RotatePoint(x, y float64, w, h int, deg float64) (float64, float64) {
	a := deg * math.Pi / 180
	cos, sin := math.Cos(a), math.Sin(a)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	px, py := x-cx, y-cy
	return cx + px*cos - py*sin, cy + px*sin + py*cos
}
