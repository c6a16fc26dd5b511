package ocr

import (
	"encoding/binary"
	"image"
)

// encodeSPIX encodes img for the engine in Leptonica's own serialised form
// ("spix"), which the engine's image library takes in with one copy: a
// bilevel page as 1 bit a pixel (1 = black), any other as 8. PNM, the
// obvious alternative, is read there one byte per library call and cost
// about 50 ms a page, some 7% of the engine's time.
//
// The layout is six 32-bit words (the tag "spix", width, height, depth,
// words per row, colour count 0), the raster's size in bytes, then the
// raster: rows of 32-bit words in the machine's byte order, each word
// holding its pixels from the most significant bit down, rows padded to a
// whole word.
func encodeSPIX(img *image.Gray, bilevel bool) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	depth := 8
	if bilevel {
		depth = 1
	}
	wpl := (w*depth + 31) / 32
	const header = 28
	out := make([]byte, header+4*wpl*h)
	copy(out, "spix")
	ne := binary.NativeEndian
	ne.PutUint32(out[4:], uint32(w))
	ne.PutUint32(out[8:], uint32(h))
	ne.PutUint32(out[12:], uint32(depth))
	ne.PutUint32(out[16:], uint32(wpl))
	ne.PutUint32(out[20:], 0)
	ne.PutUint32(out[24:], uint32(4*wpl*h))
	raster := out[header:]
	for y := 0; y < h; y++ {
		o := img.PixOffset(b.Min.X, b.Min.Y+y)
		src := img.Pix[o : o+w]
		row := raster[y*4*wpl : (y+1)*4*wpl]
		if bilevel {
			packBits(row, src)
		} else {
			packBytes(row, src)
		}
	}
	return out
}

// packBytes stores 8-bit pixels four to a word, the first in the word's
// top byte.
func packBytes(row []byte, src []uint8) {
	ne := binary.NativeEndian
	x := 0
	for ; x+4 <= len(src); x += 4 {
		ne.PutUint32(row[x:], binary.BigEndian.Uint32(src[x:]))
	}
	if x < len(src) {
		var last [4]byte
		copy(last[:], src[x:])
		ne.PutUint32(row[x:], binary.BigEndian.Uint32(last[:]))
	}
}

// packBits stores pixels darker than mid-gray as 1 bits, 32 to a word, the
// first in the word's top bit.
func packBits(row []byte, src []uint8) {
	ne := binary.NativeEndian
	for x := 0; x < len(src); x += 32 {
		var word uint32
		for i, v := range src[x:min(x+32, len(src))] {
			if v < 128 {
				word |= 1 << (31 - i)
			}
		}
		ne.PutUint32(row[x/8:], word)
	}
}
