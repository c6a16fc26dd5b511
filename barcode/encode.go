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
// (narrowest bar) module pixels wide, with a quiet zone around it. A
// Code 128 symbol is height pixels tall; 2-D symbols are square.
func Encode(text string, f Format, module, height int) (*image.Gray, error) {
	if module < 1 {
		return nil, fmt.Errorf("barcode: module size %d", module)
	}
	var (
		m   *gozxing.BitMatrix
		err error
	)
	hints := map[gozxing.EncodeHintType]interface{}{gozxing.EncodeHintType_MARGIN: 0}
	switch f {
	case QR:
		hints[gozxing.EncodeHintType_ERROR_CORRECTION] = "M"
		m, err = qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 0, 0, hints)
	case DataMatrix:
		m, err = datamatrix.NewDataMatrixWriter().Encode(text, gozxing.BarcodeFormat_DATA_MATRIX, 0, 0, hints)
	case Code128:
		m, err = oned.NewCode128Writer().Encode(text, gozxing.BarcodeFormat_CODE_128, 0, 1, hints)
	default:
		return nil, fmt.Errorf("barcode: unknown format %q", f)
	}
	if err != nil {
		return nil, fmt.Errorf("barcode: encode %s: %w", f, err)
	}
	cols, rows := m.GetWidth(), m.GetHeight()
	quiet := 10 * module
	h := rows * module
	if f == Code128 {
		h = height
		rows = 1
	}
	img := image.NewGray(image.Rect(0, 0, cols*module+2*quiet, h+2*quiet))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 0; y < h; y++ {
		r := y / module
		if f == Code128 {
			r = 0
		}
		for x := 0; x < cols*module; x++ {
			if m.Get(x/module, r) {
				img.Pix[(y+quiet)*img.Stride+x+quiet] = 0
			}
		}
	}
	return img, nil
}
