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

// The ZXing C++ library (Debian libzxing-dev), the library gozxing is a
// port of, reads and draws PDF417, which gozxing lacks, and reads the QR
// and Data Matrix symbols gozxing's detectors give up on. It is called on
// one candidate region at a time, never on a whole page.

// zxingFormats are the symbologies zxingRead is asked for, by cs_read's bits.
var zxingFormats = map[C.int]Format{C.CS_PDF417: PDF417, C.CS_QR: QR, C.CS_DATAMATRIX: DataMatrix}

// zxingRead reads one symbol of the formats in g, upright, upside down or
// turned either way. It is safe for concurrent use.
func zxingRead(g *image.Gray, formats ...Format) (string, Format, bool) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w < 8 || h < 8 {
		return "", "", false
	}
	var want C.int
	for bit, f := range zxingFormats {
		for _, x := range formats {
			if x == f {
				want |= bit
			}
		}
	}
	var buf [2048]C.char
	var got C.int
	n := C.cs_read((*C.uchar)(unsafe.Pointer(&g.Pix[0])), C.int(w), C.int(h), C.int(g.Stride), want, &buf[0], C.int(len(buf)), &got)
	if n < 0 || int(n) >= len(buf) || zxingFormats[got] == "" {
		return "", "", false
	}
	return C.GoStringN(&buf[0], n), zxingFormats[got], true
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
