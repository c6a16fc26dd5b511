package barcode

import (
	"fmt"
	"image"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Encode draws text as a symbol of format f, black on white, each module
// (narrowest bar) module pixels wide, with a quiet zone of ten modules
// around it. A 1-D symbol (Code 128, Code 39, Interleaved 2 of 5) is
// height pixels tall; 2-D symbols are square modules; PDF417 rows are
// four modules tall. Code 39 takes digits, upper-case letters, space and
// -.$/+%; Interleaved 2 of 5 an even number of digits.
func Encode(text string, f Format, module, height int) (*image.Gray, error) {
	if module < 1 {
		return nil, fmt.Errorf("barcode: module size %d", module)
	}
	var (
		m   *gozxing.BitMatrix
		err error
	)
	hints := map[gozxing.EncodeHintType]interface{}{gozxing.EncodeHintType_MARGIN: 0}
	linear := true
	switch f {
	case QR:
		hints[gozxing.EncodeHintType_ERROR_CORRECTION] = "M"
		m, err = qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 0, 0, hints)
		linear = false
	case DataMatrix:
		m, err = datamatrix.NewDataMatrixWriter().Encode(text, gozxing.BarcodeFormat_DATA_MATRIX, 0, 0, hints)
		linear = false
	case Code128:
		m, err = oned.NewCode128Writer().Encode(text, gozxing.BarcodeFormat_CODE_128, 0, 1, hints)
	case Code39:
		m, err = oned.NewCode39Writer().Encode(text, gozxing.BarcodeFormat_CODE_39, 0, 1, hints)
	case ITF:
		m, err = oned.NewITFWriter().Encode(text, gozxing.BarcodeFormat_ITF, 0, 1, hints)
	case PDF417:
		return encodePDF417(text, module)
	default:
		return nil, fmt.Errorf("barcode: unknown format %q", f)
	}
	if err != nil {
		return nil, fmt.Errorf("barcode: encode %s: %w", f, err)
	}
	cols, rows := m.GetWidth(), m.GetHeight()
	h := rows * module
	if linear {
		h, rows = height, 1
	}
	return draw(cols, h, module, func(x, y int) bool {
		if linear {
			return m.Get(x/module, 0)
		}
		return m.Get(x/module, y/module)
	}), nil
}

// encodePDF417 draws a PDF417 symbol at error correction level 2.
func encodePDF417(text string, module int) (*image.Gray, error) {
	mods, ok := pdf417Modules(text, 2)
	if !ok {
		return nil, fmt.Errorf("barcode: encode %s: the text does not fit", PDF417)
	}
	return draw(len(mods[0]), len(mods)*module, module, func(x, y int) bool {
		return mods[y/module][x/module]
	}), nil
}

// draw paints a white image holding a symbol cols modules wide and h
// pixels tall inside a quiet zone of ten modules, dark where dark says.
func draw(cols, h, module int, dark func(x, y int) bool) *image.Gray {
	quiet := 10 * module
	img := image.NewGray(image.Rect(0, 0, cols*module+2*quiet, h+2*quiet))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 0; y < h; y++ {
		for x := 0; x < cols*module; x++ {
			if dark(x, y) {
				img.Pix[(y+quiet)*img.Stride+x+quiet] = 0
			}
		}
	}
	return img
}
