package raster

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
)

// Gray returns img as 8-bit grayscale. It shares pixels with img when img
// is already *image.Gray or a *image.YCbCr (whose luma plane is the gray
// image); otherwise it converts.
func Gray(img image.Image) *image.Gray {
	switch m := img.(type) {
	case *image.Gray:
		return m
	case *image.YCbCr:
		return &image.Gray{Pix: m.Y, Stride: m.YStride, Rect: m.Rect}
	}
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Rect, img, b.Min, draw.Src)
	return g
}

// Rotate returns img turned clockwise by deg (0, 90, 180 or 270). The
// result has its origin at (0,0). Grayscale images stay grayscale; others
// become RGBA.
func Rotate(img image.Image, deg int) image.Image {
	deg = ((deg % 360) + 360) % 360
	if deg == 0 {
		return img
	}
	if g, ok := img.(*image.YCbCr); ok && isGrayYCbCr(g) {
		img = Gray(g)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if deg == 90 || deg == 270 {
		dw, dh = h, w
	}
	// dst(x', y') = src(x, y) with, for a clockwise turn:
	//  90: x' = h-1-y, y' = x      180: x' = w-1-x, y' = h-1-y
	// 270: x' = y,     y' = w-1-x
	if src, ok := img.(*image.Gray); ok {
		dst := image.NewGray(image.Rect(0, 0, dw, dh))
		for y := 0; y < h; y++ {
			row := src.Pix[y*src.Stride : y*src.Stride+w]
			switch deg {
			case 90:
				x2 := h - 1 - y
				for x, v := range row {
					dst.Pix[x*dst.Stride+x2] = v
				}
			case 180:
				drow := dst.Pix[(h-1-y)*dst.Stride:]
				for x, v := range row {
					drow[w-1-x] = v
				}
			case 270:
				for x, v := range row {
					dst.Pix[(w-1-x)*dst.Stride+y] = v
				}
			}
		}
		return dst
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := img.At(b.Min.X+x, b.Min.Y+y)
			switch deg {
			case 90:
				dst.Set(h-1-y, x, c)
			case 180:
				dst.Set(w-1-x, h-1-y, c)
			case 270:
				dst.Set(y, w-1-x, c)
			}
		}
	}
	return dst
}

// isGrayYCbCr reports whether a YCbCr image carries no colour (as JPEGs
// decoded from grayscale scans sometimes do).
func isGrayYCbCr(m *image.YCbCr) bool {
	for _, v := range m.Cb {
		if v < 126 || v > 130 {
			return false
		}
	}
	for _, v := range m.Cr {
		if v < 126 || v > 130 {
			return false
		}
	}
	return true
}

var bilevelPalette = color.Palette{color.Gray{0}, color.Gray{255}}

// EncodePNG encodes img losslessly. A bilevel page is written as a 1-bit
// PNG, a fraction of the size of an 8-bit one.
func EncodePNG(img image.Image, bilevel bool) ([]byte, error) {
	if bilevel {
		g := Gray(img)
		b := g.Bounds()
		p := image.NewPaletted(image.Rect(0, 0, b.Dx(), b.Dy()), bilevelPalette)
		for y := 0; y < b.Dy(); y++ {
			src := g.Pix[y*g.Stride : y*g.Stride+b.Dx()]
			dst := p.Pix[y*p.Stride : y*p.Stride+b.Dx()]
			for x, v := range src {
				if v >= 128 {
					dst[x] = 1
				}
			}
		}
		img = p
	}
	var buf bytes.Buffer
	// 1-bit pages compress well and fast; for 8-bit ones the best
	// compression costs several times the time for a few percent.
	level := png.BestSpeed
	if bilevel {
		level = png.DefaultCompression
	}
	enc := png.Encoder{CompressionLevel: level}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
