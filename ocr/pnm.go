package ocr

import (
	"fmt"
	"image"

	"chartscan"
)

// encodePNM encodes img for the engine, whose image library reads PNM with
// no decoding work: a bilevel page as a packed 1-bit PBM (P4, 1 = black),
// any other as an 8-bit PGM (P5).
//
// One white row is put above the image. Leptonica reads the PNM header
// with fscanf, whose trailing "\n" skips every whitespace byte, so pixel
// data that starts with a byte such as 0x20 (a black pixel at x=2 in P4)
// would lose that byte, shift the whole image and fail the read. A white
// first row starts the data with 0x00 (P4) or 0xFF (P5). Boxes read from
// the engine are moved up by padRows to match img (see unpad).
func encodePNM(img *image.Gray, bilevel bool) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if bilevel {
		hdr := fmt.Sprintf("P4\n%d %d\n", w, h+padRows)
		stride := (w + 7) / 8
		out := make([]byte, len(hdr)+stride*(h+padRows))
		copy(out, hdr)
		body := out[len(hdr)+stride*padRows:]
		for y := 0; y < h; y++ {
			o := img.PixOffset(b.Min.X, b.Min.Y+y)
			src := img.Pix[o : o+w]
			dst := body[y*stride : (y+1)*stride]
			for x, v := range src {
				if v < 128 {
					dst[x>>3] |= 0x80 >> (x & 7)
				}
			}
		}
		return out
	}
	hdr := fmt.Sprintf("P5\n%d %d\n255\n", w, h+padRows)
	out := make([]byte, len(hdr)+w*(h+padRows))
	copy(out, hdr)
	pad := out[len(hdr) : len(hdr)+w*padRows]
	for i := range pad {
		pad[i] = 255
	}
	body := out[len(hdr)+w*padRows:]
	for y := 0; y < h; y++ {
		o := img.PixOffset(b.Min.X, b.Min.Y+y)
		copy(body[y*w:(y+1)*w], img.Pix[o:o+w])
	}
	return out
}

// padRows is the number of white rows encodePNM puts above the image.
const padRows = 1

// unpad moves word boxes from the padded image back to the page's pixels.
func unpad(words []chartscan.Word) {
	for i := range words {
		w := &words[i]
		w.Y -= padRows
		if w.Y < 0 {
			w.H += w.Y
			w.Y = 0
		}
	}
}
