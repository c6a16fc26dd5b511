// Package barcode finds and reads the barcodes on scanned pages (Code 128,
// QR Code, Data Matrix) and draws them for cover sheets, with gozxing. It is
// the only package that imports gozxing.
//
// gozxing's 2-D detectors expect the symbol near the middle of the image
// they are given, and reading a whole 300 dpi page with every reader is
// slow, so Find first locates candidate regions on the page (areas whose
// texture is that of bars or of modules, not of text), then reads each
// region cut out with a quiet zone around it. Speckled and skewed scans
// that fail a first read are despeckled, binarised and tried again.
package barcode

import (
	"image"
	"sort"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Format is a barcode symbology.
type Format string

// The symbologies chartscan reads and writes.
const (
	Code128    Format = "code128"
	QR         Format = "qr"
	DataMatrix Format = "datamatrix"
)

// Symbol is a barcode read from a page.
type Symbol struct {
	Text   string
	Format Format
	// Bounds is the region of the page the symbol was read in.
	Bounds image.Rectangle
}

// Find reads every barcode it can locate on a page image at dpi (0 means
// 300), top to bottom. It never fails: a page without a readable barcode
// gives none.
func Find(img *image.Gray, dpi int) []Symbol {
	if dpi <= 0 {
		dpi = 300
	}
	var out []Symbol
	seen := map[string]bool{}
	sideways := false
	for _, c := range candidates(img, dpi) {
		if c.sideways {
			sideways = true
			continue
		}
		s, ok := readRegion(img, c, dpi)
		if !ok || seen[s.Text] {
			continue
		}
		seen[s.Text] = true
		out = append(out, s)
	}
	if sideways {
		// Bars lie across the page: read them on the page turned on its
		// diagonal, where they stand up, and map the region back.
		t := transpose(img)
		for _, c := range candidates(t, dpi) {
			if !c.linear || c.sideways {
				continue
			}
			s, ok := readRegion(t, c, dpi)
			if !ok || seen[s.Text] {
				continue
			}
			seen[s.Text] = true
			b := s.Bounds
			s.Bounds = image.Rect(b.Min.Y, b.Min.X, b.Max.Y, b.Max.X)
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Bounds.Min.Y < out[j].Bounds.Min.Y })
	return out
}

// readRegion cuts the candidate out of the page with a quiet zone and
// reads it, retrying a cleaned-up copy when the first read fails.
func readRegion(page *image.Gray, c candidate, dpi int) (Symbol, bool) {
	margin := dpi / 6
	r := c.rect.Inset(-margin).Intersect(page.Bounds())
	crop := copyGray(page, r)
	formats := []Format{QR, DataMatrix, Code128}
	if c.linear {
		formats = []Format{Code128, QR, DataMatrix}
	}
	for _, prepare := range []func(*image.Gray) *image.Gray{
		func(g *image.Gray) *image.Gray { return g },
		func(g *image.Gray) *image.Gray { return binarize(despeckle(binarize(g))) },
		func(g *image.Gray) *image.Gray { return halve(despeckle(binarize(g))) },
	} {
		img := prepare(crop)
		for _, f := range formats {
			if text, ok := decode(img, f); ok {
				return Symbol{Text: text, Format: f, Bounds: r}, true
			}
		}
	}
	return Symbol{}, false
}

// decode reads one symbology in an image holding at most one symbol.
func decode(img *image.Gray, f Format) (text string, ok bool) {
	defer func() {
		// A decoder that panics on a strange image reads nothing.
		if recover() != nil {
			text, ok = "", false
		}
	}()
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(gozxing.NewLuminanceSourceFromImage(img)))
	if err != nil {
		return "", false
	}
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	var r gozxing.Reader
	switch f {
	case QR:
		r = qrcode.NewQRCodeReader()
	case DataMatrix:
		r = datamatrix.NewDataMatrixReader()
	default:
		r = oned.NewCode128Reader()
	}
	res, err := r.Decode(bmp, hints)
	if err != nil {
		return "", false
	}
	return res.GetText(), true
}

// transpose mirrors an image about its diagonal, so that bars lying across
// the page stand up (the reader reads bars in either direction).
func transpose(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, h, w))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Pix[x*out.Stride+y] = g.Pix[y*g.Stride+x]
		}
	}
	return out
}

func copyGray(src *image.Gray, r image.Rectangle) *image.Gray {
	dst := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		o := src.PixOffset(r.Min.X, r.Min.Y+y)
		copy(dst.Pix[y*dst.Stride:y*dst.Stride+r.Dx()], src.Pix[o:o+r.Dx()])
	}
	return dst
}

// binarize maps a crop to pure black and white at the threshold that
// separates its two tones best (Otsu's method).
func binarize(g *image.Gray) *image.Gray {
	var hist [256]int
	for _, v := range g.Pix {
		hist[v]++
	}
	total := len(g.Pix)
	var sum float64
	for i, n := range hist {
		sum += float64(i * n)
	}
	var sumB, wB, best float64
	threshold := 128
	for t := 0; t < 256; t++ {
		wB += float64(hist[t])
		if wB == 0 {
			continue
		}
		wF := float64(total) - wB
		if wF == 0 {
			break
		}
		sumB += float64(t * hist[t])
		mB, mF := sumB/wB, (sum-sumB)/wF
		if between := wB * wF * (mB - mF) * (mB - mF); between > best {
			best, threshold = between, t
		}
	}
	out := image.NewGray(g.Rect)
	for i, v := range g.Pix {
		if int(v) > threshold {
			out.Pix[i] = 255
		}
	}
	return out
}

// despeckle removes isolated dark specks and fills isolated light holes in
// a binarised image: a pixel takes the colour of the majority of its eight
// neighbours when at most one of them shares its own.
func despeckle(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(g.Rect)
	copy(out.Pix, g.Pix)
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			v := g.Pix[y*g.Stride+x]
			same := 0
			for dy := -1; dy <= 1; dy++ {
				row := (y + dy) * g.Stride
				for dx := -1; dx <= 1; dx++ {
					if (dx != 0 || dy != 0) && g.Pix[row+x+dx] == v {
						same++
					}
				}
			}
			if same <= 1 {
				out.Pix[y*out.Stride+x] = 255 - v
			}
		}
	}
	return out
}

// halve scales a crop down by two (a 2×2 box average), which merges speckle
// into its surroundings and brings over-large modules into range.
func halve(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx()/2, g.Rect.Dy()/2
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			o := 2*y*g.Stride + 2*x
			s := int(g.Pix[o]) + int(g.Pix[o+1]) + int(g.Pix[o+g.Stride]) + int(g.Pix[o+g.Stride+1])
			out.Pix[y*out.Stride+x] = uint8(s / 4)
		}
	}
	return out
}
