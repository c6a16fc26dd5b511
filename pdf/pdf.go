// Package pdf reads and writes PDF files with pdfcpu. It is the only package
// that imports pdfcpu.
//
// Reading is built for scanner output: for a page that is nothing but one
// scanned image, Page returns that image's encoded bytes as they are in the
// file, so the caller can use them without re-rasterising the page. Pages
// that are anything else (born-digital text, vector drawings, several
// images) report no image and must be rendered.
package pdf

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"chartscan"
)

func init() {
	// pdfcpu would otherwise create a config folder in the user's home.
	api.DisableConfigDir()
}

// Limits bound what a PDF may make chartscan do.
type Limits struct {
	MaxPages       int   // pages per file
	MaxImagePixels int64 // pixels per embedded page image
}

// Doc is an open PDF. It is not safe for concurrent use.
type Doc struct {
	ctx    *model.Context
	limits Limits
}

// Open reads the PDF from rs. It returns an EUNSUPPORTED error for
// password-protected files and files beyond the page limit, and EINVALID
// for files that are not readable PDF. A panic inside the PDF reader is
// turned into an EINVALID error.
func Open(rs io.ReadSeeker, lim Limits) (d *Doc, err error) {
	defer recoverTo(&err, "PDF reader")
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	if lim.MaxImagePixels > 0 {
		conf.Limits.MaxImagePixels = lim.MaxImagePixels
	}
	ctx, err := api.ReadContext(rs, conf)
	if err != nil {
		return nil, classify(err)
	}
	if err := ctx.EnsurePageCount(); err != nil {
		return nil, classify(err)
	}
	if ctx.PageCount == 0 {
		return nil, chartscan.Errorf(chartscan.EINVALID, "PDF has no pages")
	}
	if lim.MaxPages > 0 && ctx.PageCount > lim.MaxPages {
		return nil, chartscan.Errorf(chartscan.ETOOLARGE, "PDF has %d pages, more than the limit of %d", ctx.PageCount, lim.MaxPages)
	}
	if n, err := countPages(ctx.XRefTable); err != nil || n != ctx.PageCount {
		return nil, chartscan.Errorf(chartscan.EINVALID, "PDF is damaged: its page tree does not hold the %d pages it counts", ctx.PageCount)
	}
	return &Doc{ctx: ctx, limits: lim}, nil
}

// countPages walks the page tree and counts its pages, failing on a node
// that is neither a page nor a node of pages. pdfcpu, reading leniently,
// passes over such a node when it counts pages off to find page n, which
// would give every later page the number of the one after it: a file
// whose tree does not hold the pages it counts is damaged, and is read
// another way (see package raster) or not at all.
func countPages(xt *model.XRefTable) (int, error) {
	root, err := xt.Pages()
	if err != nil {
		return 0, err
	}
	seen := map[int]bool{}
	var walk func(ref types.IndirectRef, depth int) (int, error)
	walk = func(ref types.IndirectRef, depth int) (int, error) {
		if depth > 64 || seen[ref.ObjectNumber.Value()] {
			return 0, errors.New("page tree too deep or a loop")
		}
		seen[ref.ObjectNumber.Value()] = true
		d, err := xt.DereferenceDict(ref)
		if err != nil || d == nil {
			return 0, errors.New("page tree node missing")
		}
		typ := d.Type()
		kids := d.ArrayEntry("Kids")
		switch {
		case kids != nil && (typ == nil || *typ == "Pages"):
			n := 0
			for _, k := range kids {
				kr, ok := k.(types.IndirectRef)
				if !ok {
					return 0, errors.New("page tree kid is not a reference")
				}
				m, err := walk(kr, depth+1)
				if err != nil {
					return 0, err
				}
				n += m
			}
			return n, nil
		case kids == nil && typ != nil && *typ == "Page":
			return 1, nil
		}
		return 0, errors.New("page tree node is neither a page nor pages")
	}
	return walk(*root, 0)
}

// classify turns a pdfcpu read error into a chartscan error with a reason a
// technician can act on.
func classify(err error) error {
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "password") || strings.Contains(msg, "encrypt") || strings.Contains(msg, "decrypt"):
		return chartscan.WrapError(chartscan.EUNSUPPORTED, err, "PDF is password-protected or encrypted")
	case strings.Contains(msg, "limit"):
		return chartscan.WrapError(chartscan.ETOOLARGE, err, "PDF exceeds a resource limit")
	}
	return chartscan.WrapError(chartscan.EINVALID, err, "PDF is damaged or not a PDF")
}

// recoverTo turns a panic in a dependency into an error in *err.
func recoverTo(err *error, what string) {
	if r := recover(); r != nil {
		*err = chartscan.Errorf(chartscan.EINVALID, "%s crashed on this file: %v", what, r)
	}
}

// NumPages returns the number of pages.
func (d *Doc) NumPages() int { return d.ctx.PageCount }

// Page describes one page.
type Page struct {
	Number int
	// Rotate is the page's /Rotate, normalised to 0, 90, 180 or 270
	// (clockwise, as the page is displayed).
	Rotate int
	// Width and Height are the crop box size in points, before Rotate.
	Width, Height float64
	// Image is the page's only content when the page is a scanned image
	// covering the page; nil when the page must be rendered.
	Image *Image
	// Why says why Image is nil, for logs.
	Why string
}

// Image is an image XObject as stored in the file.
type Image struct {
	// Filter is the codec of Data: DCTDecode (JPEG), CCITTFaxDecode,
	// JBIG2Decode, JPXDecode, or "" when Data holds plain samples (the
	// file's Flate, LZW or RunLength encoding already undone).
	Filter           string
	Data             []byte
	Width, Height    int
	BitsPerComponent int
	// ColorSpace is gray, rgb, cmyk, indexed, or other (lab, ...).
	ColorSpace string
	// Palette holds the gray level of each index of an indexed image.
	Palette []uint8
	// Invert is true when a /Decode array [1 0] flips the samples.
	Invert bool
	CCITT  CCITTParams
	// Rotation is the clockwise turn (0, 90, 180, 270) the placement
	// matrix gives the image on the page, before the page's Rotate.
	Rotation int
	// DPI is the image's resolution as placed on the page.
	DPI int
}

// CCITTParams are the /DecodeParms of a CCITTFaxDecode image.
type CCITTParams struct {
	K                int // <0: Group 4; 0: Group 3 1-D; >0: Group 3 2-D
	Columns, Rows    int
	BlackIs1         bool
	EncodedByteAlign bool
}

// Page returns page n (1-based). Errors concern this page only; other
// pages may still be readable.
func (d *Doc) Page(n int) (p *Page, err error) {
	defer recoverTo(&err, "PDF reader")
	xt := d.ctx.XRefTable
	pd, _, inh, err := xt.PageDict(n, false)
	if err != nil {
		return nil, chartscan.WrapError(chartscan.EINVALID, err, "PDF page %d is damaged", n)
	}
	p = &Page{Number: n, Rotate: ((inh.Rotate % 360) + 360) % 360 / 90 * 90}
	box := inh.CropBox
	if box == nil {
		box = inh.MediaBox
	}
	if box == nil {
		box = types.RectForFormat("A4")
	}
	p.Width, p.Height = box.Width(), box.Height()
	if p.Width <= 0 || p.Height <= 0 {
		return nil, chartscan.Errorf(chartscan.EINVALID, "PDF page %d has an empty page box", n)
	}

	content, err := xt.PageContent(pd, n)
	if err != nil {
		if errors.Is(err, model.ErrNoContent) {
			p.Why = "page has no content"
			return p, nil
		}
		return nil, chartscan.WrapError(chartscan.EINVALID, err, "PDF page %d content is damaged", n)
	}
	draw, why := scanContent(content)
	if draw == nil {
		p.Why = why
		return p, nil
	}
	img, why, err := d.imageXObject(inh.Resources, draw.name)
	if err != nil {
		return nil, err
	}
	if img == nil {
		p.Why = why
		return p, nil
	}
	// The image must cover most of the page: a small picture on an
	// otherwise empty page is rendered so the page keeps its layout.
	m := draw.ctm
	wPts, hPts := math.Hypot(m[0], m[1]), math.Hypot(m[2], m[3])
	if wPts*hPts < 0.8*p.Width*p.Height {
		p.Why = "image does not cover the page"
		return p, nil
	}
	img.Rotation = matrixRotation(m)
	// The image's x axis is wPts long on the page, whatever its direction.
	img.DPI = int(math.Round(float64(img.Width) * 72 / wPts))
	p.Image = img
	return p, nil
}

// matrixRotation returns the clockwise rotation, rounded to a multiple of
// 90 degrees, with which the matrix m places the unit square of an image.
func matrixRotation(m [6]float64) int {
	// The image's x axis maps to (m[0], m[1]) on the page (y up). Its
	// angle, counter-clockwise, rounded to 90 degrees gives the turn.
	ang := math.Atan2(m[1], m[0]) * 180 / math.Pi
	ccw := int(math.Round(ang/90)) * 90
	return ((-ccw)%360 + 360) % 360
}

// imageXObject loads the image named name from the page resources. It
// returns nil and a reason when the XObject is not a plain image.
func (d *Doc) imageXObject(res types.Dict, name string) (*Image, string, error) {
	xt := d.ctx.XRefTable
	if res == nil {
		return nil, "page has no resources", nil
	}
	xo, err := xt.DereferenceDict(res["XObject"])
	if err != nil || xo == nil {
		return nil, "page has no XObject resources", nil
	}
	obj, ok := xo[name]
	if !ok {
		return nil, "image resource missing", nil
	}
	sd, _, err := xt.DereferenceStreamDict(obj)
	if err != nil || sd == nil {
		return nil, "image resource unreadable", nil
	}
	if st := sd.NameEntry("Subtype"); st == nil || *st != "Image" {
		return nil, "page draws a form, not an image", nil
	}
	if sd.Dict.HasEntry("SMask") || sd.Dict.HasEntry("Mask") {
		return nil, "image has a mask", nil
	}
	if im := sd.BooleanEntry("ImageMask"); im != nil && *im {
		return nil, "image is a stencil mask", nil
	}
	img := &Image{}
	if v := intEntry(xt, sd.Dict, "Width"); v > 0 {
		img.Width = v
	}
	if v := intEntry(xt, sd.Dict, "Height"); v > 0 {
		img.Height = v
	}
	if img.Width <= 0 || img.Height <= 0 {
		return nil, "", chartscan.Errorf(chartscan.EINVALID, "PDF image has no size")
	}
	if d.limits.MaxImagePixels > 0 && int64(img.Width)*int64(img.Height) > d.limits.MaxImagePixels {
		return nil, "", chartscan.Errorf(chartscan.ETOOLARGE, "page image of %dx%d pixels exceeds the limit of %d pixels", img.Width, img.Height, d.limits.MaxImagePixels)
	}
	img.BitsPerComponent = intEntry(xt, sd.Dict, "BitsPerComponent")
	img.ColorSpace = colorSpace(xt, sd.Dict)
	if img.ColorSpace == "indexed" {
		if img.Palette = palette(xt, sd.Dict); img.Palette == nil {
			img.ColorSpace = "other"
		}
	}
	if arr, err := xt.DereferenceArray(sd.Dict["Decode"]); err == nil && len(arr) >= 2 {
		a, _ := xt.DereferenceNumber(arr[0])
		b, _ := xt.DereferenceNumber(arr[1])
		img.Invert = a == 1 && b == 0
	}

	var filters []string
	for _, f := range sd.FilterPipeline {
		filters = append(filters, f.Name)
	}
	switch {
	case len(filters) == 1 && isCodec(filters[0]):
		img.Filter = filters[0]
		img.Data = sd.Raw
		if img.Filter == "CCITTFaxDecode" {
			img.CCITT = ccittParams(xt, sd.FilterPipeline[0].DecodeParms, img)
		}
	case len(filters) == 0 || allPlain(filters):
		maxBytes := int64(img.Width)*int64(img.Height)*4 + 1024
		if err := sd.DecodeWithLimit(maxBytes); err != nil {
			return nil, "", chartscan.WrapError(chartscan.EINVALID, err, "PDF page image cannot be decoded")
		}
		img.Data = sd.Content
		if len(filters) == 0 {
			img.Data = sd.Raw
		}
	default:
		return nil, "image filter chain " + strings.Join(filters, ",") + " is not supported directly", nil
	}
	return img, "", nil
}

func isCodec(f string) bool {
	switch f {
	case "DCTDecode", "CCITTFaxDecode", "JBIG2Decode", "JPXDecode":
		return true
	}
	return false
}

func allPlain(fs []string) bool {
	for _, f := range fs {
		switch f {
		case "FlateDecode", "LZWDecode", "RunLengthDecode", "ASCIIHexDecode", "ASCII85Decode":
		default:
			return false
		}
	}
	return true
}

func intEntry(xt *model.XRefTable, d types.Dict, key string) int {
	o, ok := d.Find(key)
	if !ok {
		return 0
	}
	i, err := xt.DereferenceInteger(o)
	if err != nil || i == nil {
		f, err := xt.DereferenceNumber(o)
		if err != nil {
			return 0
		}
		return int(f)
	}
	return i.Value()
}

func boolEntry(xt *model.XRefTable, d types.Dict, key string) bool {
	o, ok := d.Find(key)
	if !ok {
		return false
	}
	b, err := xt.DereferenceBoolean(o, model.V10)
	return err == nil && b != nil && b.Value()
}

func ccittParams(xt *model.XRefTable, parms types.Dict, img *Image) CCITTParams {
	p := CCITTParams{Columns: 1728, Rows: img.Height}
	if parms == nil {
		return p
	}
	if _, ok := parms.Find("K"); ok {
		p.K = intEntry(xt, parms, "K")
	}
	if c := intEntry(xt, parms, "Columns"); c > 0 {
		p.Columns = c
	}
	if r := intEntry(xt, parms, "Rows"); r > 0 {
		p.Rows = r
	}
	p.BlackIs1 = boolEntry(xt, parms, "BlackIs1")
	p.EncodedByteAlign = boolEntry(xt, parms, "EncodedByteAlign")
	return p
}

func colorSpace(xt *model.XRefTable, d types.Dict) string {
	o, ok := d.Find("ColorSpace")
	if !ok {
		return "gray" // CCITT and JBIG2 images may omit it
	}
	o, err := xt.Dereference(o)
	if err != nil {
		return "other"
	}
	switch cs := o.(type) {
	case types.Name:
		switch cs {
		case "DeviceGray", "CalGray", "G":
			return "gray"
		case "DeviceRGB", "CalRGB", "RGB":
			return "rgb"
		case "DeviceCMYK", "CMYK":
			return "cmyk"
		}
	case types.Array:
		if len(cs) >= 2 {
			if n, ok := cs[0].(types.Name); ok && n == "ICCBased" {
				if sd, _, err := xt.DereferenceStreamDict(cs[1]); err == nil && sd != nil {
					switch intEntry(xt, sd.Dict, "N") {
					case 1:
						return "gray"
					case 3:
						return "rgb"
					case 4:
						return "cmyk"
					}
				}
			}
			if n, ok := cs[0].(types.Name); ok && (n == "Indexed" || n == "I") && len(cs) == 4 {
				return "indexed"
			}
			if n, ok := cs[0].(types.Name); ok && (n == "CalGray") {
				return "gray"
			}
			if n, ok := cs[0].(types.Name); ok && (n == "CalRGB") {
				return "rgb"
			}
		}
	}
	return "other"
}

// palette returns the gray level of each entry of an Indexed colour
// space [/Indexed base hival lookup] with a gray or RGB base, or nil.
func palette(xt *model.XRefTable, d types.Dict) []uint8 {
	o, _ := d.Find("ColorSpace")
	arr, err := xt.DereferenceArray(o)
	if err != nil || len(arr) != 4 {
		return nil
	}
	comps := 0
	switch base, _ := xt.Dereference(arr[1]); base {
	case types.Name("DeviceGray"), types.Name("G"):
		comps = 1
	case types.Name("DeviceRGB"), types.Name("RGB"):
		comps = 3
	default:
		return nil
	}
	hival, err := xt.DereferenceInteger(arr[2])
	if err != nil || hival == nil || hival.Value() < 0 || hival.Value() > 255 {
		return nil
	}
	var lookup []byte
	switch l, _ := xt.Dereference(arr[3]); v := l.(type) {
	case types.StringLiteral:
		lookup, err = types.Unescape(v.Value())
	case types.HexLiteral:
		lookup, err = v.Bytes()
	case types.StreamDict:
		if err = v.Decode(); err == nil {
			lookup = v.Content
		}
	default:
		return nil
	}
	n := hival.Value() + 1
	if err != nil || len(lookup) < n*comps {
		return nil
	}
	pal := make([]uint8, n)
	for i := range pal {
		if comps == 1 {
			pal[i] = lookup[i]
			continue
		}
		r, g, b := int(lookup[3*i]), int(lookup[3*i+1]), int(lookup[3*i+2])
		pal[i] = uint8((299*r + 587*g + 114*b + 500) / 1000)
	}
	return pal
}

// imageDraw is the one image a page's content draws.
type imageDraw struct {
	name string
	ctm  [6]float64
}

// scanContent reads a page content stream and returns the image it draws
// when the stream does nothing else visible: exactly one XObject painted,
// no visible text (invisible OCR text, render mode 3, is allowed), no
// painted paths and no inline images. Otherwise it returns nil and why.
func scanContent(b []byte) (*imageDraw, string) {
	lx := &lexer{b: b}
	var (
		ops      []token
		ctm      = [6]float64{1, 0, 0, 1, 0, 0}
		stack    [][6]float64
		found    *imageDraw
		textMode = 0
	)
	for {
		t, ok := lx.next()
		if !ok {
			break
		}
		if t.kind != opTok {
			ops = append(ops, t)
			if len(ops) > 64 {
				ops = ops[len(ops)-64:]
			}
			continue
		}
		switch t.s {
		case "q":
			if len(stack) > 64 {
				return nil, "graphics state nested too deep"
			}
			stack = append(stack, ctm)
		case "Q":
			if len(stack) > 0 {
				ctm = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case "cm":
			if m, ok := lastNumbers(ops, 6); ok {
				ctm = multiply([6]float64{m[0], m[1], m[2], m[3], m[4], m[5]}, ctm)
			}
		case "Tr":
			if m, ok := lastNumbers(ops, 1); ok {
				textMode = int(m[0])
			}
		case "Tj", "TJ", "'", "\"":
			if textMode != 3 {
				return nil, "page has visible text"
			}
		case "Do":
			if found != nil {
				return nil, "page draws more than one object"
			}
			if len(ops) == 0 || ops[len(ops)-1].kind != nameTok {
				return nil, "malformed Do"
			}
			found = &imageDraw{name: ops[len(ops)-1].s, ctm: ctm}
		case "BI":
			return nil, "page has an inline image"
		case "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh":
			return nil, "page draws vector graphics"
		}
		ops = ops[:0]
	}
	if found == nil {
		return nil, "page draws no image"
	}
	return found, ""
}

// multiply returns a×b for PDF matrices [a b c d e f].
func multiply(a, b [6]float64) [6]float64 {
	return [6]float64{
		a[0]*b[0] + a[1]*b[2],
		a[0]*b[1] + a[1]*b[3],
		a[2]*b[0] + a[3]*b[2],
		a[2]*b[1] + a[3]*b[3],
		a[4]*b[0] + a[5]*b[2] + b[4],
		a[4]*b[1] + a[5]*b[3] + b[5],
	}
}

func lastNumbers(ops []token, n int) ([]float64, bool) {
	if len(ops) < n {
		return nil, false
	}
	out := make([]float64, n)
	for i, t := range ops[len(ops)-n:] {
		if t.kind != numTok {
			return nil, false
		}
		out[i] = t.num
	}
	return out, true
}

// String describes the page for logs and tests.
func (p *Page) String() string {
	if p.Image != nil {
		return fmt.Sprintf("page %d: %s %dx%d rot %d+%d", p.Number, p.Image.Filter, p.Image.Width, p.Image.Height, p.Image.Rotation, p.Rotate)
	}
	return fmt.Sprintf("page %d: render (%s)", p.Number, p.Why)
}
