package ocr

import (
	"fmt"
	"image"
)

// encodePNM encodes img for the engine, whose image library reads PNM with
// no decoding work: a bilevel page as a packed 1-bit PBM (P4, 1 = black),
// any other as an 8-bit PGM (P5).
func encodePNM(img *image.Gray, bilevel bool) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if bilevel {
		hdr := fmt.Sprintf("P4\n%d %d\n", w, h)
		stride := (w + 7) / 8
		out := make([]byte, len(hdr)+stride*h)
		copy(out, hdr)
		body := out[len(hdr):]
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
	hdr := fmt.Sprintf("P5\n%d %d\n255\n", w, h)
	out := make([]byte, len(hdr)+w*h)
	copy(out, hdr)
	body := out[len(hdr):]
	for y := 0; y < h; y++ {
		o := img.PixOffset(b.Min.X, b.Min.Y+y)
		copy(body[y*w:(y+1)*w], img.Pix[o:o+w])
	}
	return out
}
