// Package barcode finds and reads the barcodes on scanned pages — Code 128,
// Code 39, Interleaved 2 of 5, QR Code, Data Matrix and PDF417 — and draws
// them for cover sheets and tests. It is the only package that imports
// gozxing, and the only one that calls the ZXing C++ library (PDF417,
// which gozxing lacks, and 2-D symbols too rough for gozxing; zxing.go).
//
// gozxing's 2-D detectors expect the symbol near the middle of the image
// they are given, and reading a whole 300 dpi page with every reader is
// slow, so Find first locates candidate regions on the page (areas whose
// texture is that of bars, stacked rows or modules, not of text), then
// reads each region, cut out with a quiet zone around it, with the readers
// of the family its texture tells. Speckled and skewed scans that fail a
// first read are despeckled, binarised and tried again.
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
	Code39     Format = "code39"
	ITF        Format = "itf" // Interleaved 2 of 5
	QR         Format = "qr"
	DataMatrix Format = "datamatrix"
	PDF417     Format = "pdf417"
)

// Formats are the symbologies Find reads and Encode draws.
var Formats = []Format{Code128, Code39, ITF, QR, DataMatrix, PDF417}

// Symbol is a barcode read from a page.
type Symbol struct {
	Text   string
	Format Format
	// Bounds is the region of the page the symbol was read in.
	Bounds image.Rectangle
}

// Find reads every barcode it can locate on a page image at dpi (0 means
// 300), top to bottom; a text read twice is given once. It never fails: a
// page without a readable barcode gives none. It is safe for concurrent
// use.
func Find(img *image.Gray, dpi int) []Symbol {
	if dpi <= 0 {
		dpi = 300
	}
	var out []Symbol
	seen := map[string]bool{}
	add := func(s Symbol) {
		if !seen[s.Text] {
			seen[s.Text] = true
			out = append(out, s)
		}
	}
	var across []image.Rectangle // where bars lie across the page
	for _, c := range candidates(img, dpi) {
		if s, ok := readRegion(img, c, dpi); ok {
			add(s)
		} else if c.sideways && c.has(bars) {
			// The crop to turn: the symbol may run on along its length
			// where its human-readable line joins the bars.
			r := image.Rect(c.rect.Min.X-dpi/3, c.rect.Min.Y-dpi*3/2, c.rect.Max.X+dpi/3, c.rect.Max.Y+dpi*3/2)
			across = addRect(across, r.Intersect(img.Bounds()))
		}
	}
	for _, r := range across {
		// Bars lying across the page stand up in the region turned on its
		// diagonal; the region found there is mapped back.
		t := transpose(copyGray(img, r))
		for _, c := range candidates(t, dpi) {
			if !c.uprightBars() {
				continue
			}
			c.families = []family{bars}
			if s, ok := readRegion(t, c, dpi); ok {
				b := s.Bounds
				s.Bounds = image.Rect(b.Min.Y, b.Min.X, b.Max.Y, b.Max.X).Add(r.Min)
				add(s)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Bounds.Min.Y < out[j].Bounds.Min.Y })
	return out
}

// addRect adds r to rs, joined with every rectangle of rs it overlaps.
func addRect(rs []image.Rectangle, r image.Rectangle) []image.Rectangle {
	for i := 0; i < len(rs); i++ {
		if rs[i].Overlaps(r) {
			r = r.Union(rs[i])
			rs = append(rs[:i], rs[i+1:]...)
			i = -1
		}
	}
	return append(rs, r)
}

// readRegion cuts the candidate out of the page with a quiet zone and
// reads it with the readers of its families, retrying a cleaned-up copy
// when the first read fails. Bars lying sideways are left to the
// transposed page.
func readRegion(page *image.Gray, c candidate, dpi int) (Symbol, bool) {
	if c.sideways && len(c.families) == 1 && c.families[0] == bars {
		return Symbol{}, false
	}
	margin := dpi / 6
	r := c.rect.Inset(-margin).Intersect(page.Bounds())
	crop := copyGray(page, r)
	for _, prepare := range []func(*image.Gray) *image.Gray{
		func(g *image.Gray) *image.Gray { return g },
		func(g *image.Gray) *image.Gray { return binarize(despeckle(binarize(g))) },
		func(g *image.Gray) *image.Gray { return halve(despeckle(binarize(g))) },
	} {
		img := prepare(crop)
		for _, f := range c.families {
			var (
				text   string
				format Format
				ok     bool
			)
			switch f {
			case bars:
				if c.sideways {
					continue
				}
				text, format, ok = readBars(img)
			case stacked:
				text, format, ok = zxingRead(img, PDF417)
			case matrix:
				text, format, ok = readMatrix(img)
			}
			if ok {
				return Symbol{Text: text, Format: format, Bounds: r}, true
			}
		}
	}
	if c.has(matrix) {
		// Toner and threshold noise leave the edges of small modules
		// ragged, which gozxing's 2-D detectors do not forgive: smooth
		// them (too strong for bars, whose narrowest can be a pixel wide),
		// and last ask the ZXing C++ library, whose detectors are sturdier.
		if text, format, ok := readMatrix(majority(binarize(crop))); ok {
			return Symbol{Text: text, Format: format, Bounds: r}, true
		}
		if text, format, ok := zxingRead(crop, QR, DataMatrix); ok {
			return Symbol{Text: text, Format: format, Bounds: r}, true
		}
	}
	return Symbol{}, false
}

// readMatrix reads a QR Code or Data Matrix symbol, the only one in img.
func readMatrix(img *image.Gray) (text string, f Format, ok bool) {
	defer func() {
		// A decoder that panics on a strange image reads nothing.
		if recover() != nil {
			text, f, ok = "", "", false
		}
	}()
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(gozxing.NewLuminanceSourceFromImage(img)))
	if err != nil {
		return "", "", false
	}
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	for _, f := range []Format{QR, DataMatrix} {
		var r gozxing.Reader = qrcode.NewQRCodeReader()
		if f == DataMatrix {
			r = datamatrix.NewDataMatrixReader()
		}
		if res, err := r.Decode(bmp, hints); err == nil {
			return res.GetText(), f, true
		}
	}
	return "", "", false
}

// readBars reads a 1-D symbol standing up in img. The rows are binarised
// once, from the middle out, and each row decoder is run along them in
// both directions, the symbology the bar widths suggest first: Code 39
// and Interleaved 2 of 5 have bars of two widths, Code 128 of four.
// Interleaved 2 of 5 has no start character strong enough to rule out a
// misread of part of another symbol, so it must read the same on two
// rows.
func readBars(img *image.Gray) (text string, f Format, ok bool) {
	defer func() {
		if recover() != nil {
			text, f, ok = "", "", false
		}
	}()
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(gozxing.NewLuminanceSourceFromImage(img)))
	if err != nil {
		return "", "", false
	}
	h := bmp.GetHeight()
	step := max(1, h/64)
	var rows []*gozxing.BitArray
	for i := 0; ; i++ {
		y := h/2 + step*((i+1)/2)*(1-2*(i&1)) // middle, below, above, ...
		if y < 0 || y >= h {
			break
		}
		row, err := bmp.GetBlackRow(y, nil)
		if err != nil {
			continue
		}
		rev := gozxing.NewBitArray(row.GetSize())
		copy(rev.GetBitArray(), row.GetBitArray())
		rev.Reverse()
		rows = append(rows, row, rev)
	}
	if len(rows) == 0 {
		return "", "", false
	}
	order := []Format{Code128, Code39, ITF}
	if twoWidths(rows[0]) {
		order = []Format{Code39, ITF, Code128}
	}
	for _, f := range order {
		dec := rowDecoders[f]()
		readOn := map[string]int{} // ITF: text -> the row it was first read on
		for i, row := range rows {
			res, err := dec.DecodeRow(i/2, row, nil)
			if err != nil {
				continue
			}
			t := res.GetText()
			if f != ITF {
				return t, f, true
			}
			if first, ok := readOn[t]; ok && first != i/2 {
				return t, f, true
			} else if !ok {
				readOn[t] = i / 2
			}
		}
	}
	return "", "", false
}

// rowDecoders make the 1-D row decoders (fresh ones: they keep state).
var rowDecoders = map[Format]func() oned.RowDecoder{
	Code128: func() oned.RowDecoder { return oned.NewCode128Reader().(oned.RowDecoder) },
	Code39:  func() oned.RowDecoder { return oned.NewCode39Reader().(oned.RowDecoder) },
	ITF:     func() oned.RowDecoder { return oned.NewITFReader().(oned.RowDecoder) },
}

// twoWidths reports whether the dark and light runs of a row, between its
// first and last dark pixel, come in two widths (narrow and wide, as in
// Code 39 and Interleaved 2 of 5) rather than four (Code 128): the wide
// runs are all about as wide.
func twoWidths(row *gozxing.BitArray) bool {
	n := row.GetSize()
	start := row.GetNextSet(0)
	if start >= n {
		return false
	}
	var runs []int
	cur, length := true, 0
	for x := start; x < n; x++ {
		if row.Get(x) == cur {
			length++
			continue
		}
		runs = append(runs, length)
		cur, length = !cur, 1
	}
	if cur {
		runs = append(runs, length)
	}
	if len(runs) < 20 {
		return false
	}
	sorted := append([]int(nil), runs...)
	sort.Ints(sorted)
	narrow := sorted[len(sorted)/4]
	var wide []int
	for _, r := range sorted {
		if 2*r >= 3*narrow && r <= 8*narrow {
			wide = append(wide, r)
		}
	}
	if len(wide) < 6 {
		return false
	}
	lo, hi := wide[len(wide)/10], wide[len(wide)*9/10]
	return 4*hi < 5*lo+4 // the widest are within a quarter (and a pixel) of the narrowest wide ones
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

// majority sets every pixel of a binarised image to the colour of most of
// the nine pixels around and under it, which removes specks and smooths
// ragged edges; a dark line one pixel wide goes too.
func majority(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(g.Rect)
	copy(out.Pix, g.Pix)
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			dark := 0
			for dy := -1; dy <= 1; dy++ {
				row := (y+dy)*g.Stride + x
				for dx := -1; dx <= 1; dx++ {
					if g.Pix[row+dx] < 128 {
						dark++
					}
				}
			}
			v := uint8(255)
			if dark >= 5 {
				v = 0
			}
			out.Pix[y*out.Stride+x] = v
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
