package barcode

// #cgo pkg-config: zxing
// #cgo CXXFLAGS: -std=c++17 -O2
// #include <stdlib.h>
// #include "zxing.h"
import "C"

import (
	"image"
	"unsafe"
)

// PDF417 is read and drawn by the ZXing C++ library (Debian
// libzxing-dev), the library gozxing is a port of: gozxing has no PDF417.
// It is called on one candidate region at a time, never on a whole page.

// readPDF417 reads one PDF417 symbol in g, upright, upside down or turned
// either way. It is safe for concurrent use.
func readPDF417(g *image.Gray) (string, bool) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w < 8 || h < 8 {
		return "", false
	}
	var buf [2048]C.char
	n := C.cs_pdf417_read((*C.uchar)(unsafe.Pointer(&g.Pix[0])), C.int(w), C.int(h), C.int(g.Stride), &buf[0], C.int(len(buf)))
	if n < 0 || int(n) >= len(buf) {
		return "", false
	}
	return C.GoStringN(&buf[0], n), true
}

// pdf417Modules encodes text as a PDF417 module matrix (true is dark) at
// error correction level ecc, each row of modules repeated as the library
// draws it.
func pdf417Modules(text string, ecc int) ([][]bool, bool) {
	if text == "" {
		return nil, false
	}
	ct := C.CString(text)
	defer C.free(unsafe.Pointer(ct))
	var w, h C.int
	p := C.cs_pdf417_write(ct, C.int(len(text)), C.int(ecc), &w, &h)
	if p == nil {
		return nil, false
	}
	defer C.free(unsafe.Pointer(p))
	cells := unsafe.Slice((*byte)(unsafe.Pointer(p)), int(w)*int(h))
	out := make([][]bool, int(h))
	for y := range out {
		out[y] = make([]bool, int(w))
		for x := range out[y] {
			out[y][x] = cells[y*int(w)+x] != 0
		}
	}
	return out, true
}
