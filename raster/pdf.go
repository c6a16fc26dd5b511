package raster

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"

	"golang.org/x/image/ccitt"

	"chartscan"
	"chartscan/pdf"
)

// pdfFile reads pages from a PDF: the embedded image of image-only pages,
// a pdftoppm rendering of all others.
type pdfFile struct {
	f    *os.File
	path string // the file pdftoppm renders: the source, or its repaired copy
	doc  *pdf.Doc
	lim  Limits
	// tmp is the folder of a repaired copy, removed by Close.
	tmp string
}

// openPDF opens a PDF with pdfcpu. A file pdfcpu finds damaged is
// repaired before it is given up (see repair.go): rewritten by qpdf into a
// copy pdfcpu reads, or else read through poppler alone. The file at path
// is never changed. Only a file that none of them can read is refused,
// with pdfcpu's reason.
func openPDF(f *os.File, path string, lim Limits) (File, error) {
	// The path goes to poppler's and qpdf's command lines: never a name
	// that starts with "-".
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	doc, err := pdf.Open(f, pdf.Limits{MaxPages: lim.MaxPages, MaxImagePixels: lim.MaxPagePixels})
	if err == nil {
		return &pdfFile{f: f, path: path, doc: doc, lim: lim}, nil
	}
	if chartscan.ErrorCode(err) != chartscan.EINVALID {
		return nil, err // encrypted, too large: repair would not help
	}
	file, rerr := repairPDF(path, lim)
	if rerr != nil {
		return nil, err
	}
	f.Close()
	return file, nil
}

func (p *pdfFile) Format() Format { return PDF }
func (p *pdfFile) NumPages() int  { return p.doc.NumPages() }

func (p *pdfFile) Close() error {
	err := p.f.Close()
	if p.tmp != "" {
		os.RemoveAll(p.tmp)
	}
	return err
}

func (p *pdfFile) Page(ctx context.Context, n int) (page *Page, err error) {
	defer recoverPage(&err, n)
	pp, err := p.doc.Page(n)
	if err != nil {
		if chartscan.ErrorCode(err) != chartscan.EINVALID {
			return nil, err
		}
		// A page pdfcpu cannot follow (a damaged page object or page
		// tree) may still be drawn by poppler, which is more lenient.
		if page, rerr := renderDamaged(ctx, p.path, n, p.lim); rerr == nil {
			return page, nil
		}
		return nil, err
	}
	if pp.Image != nil {
		page, err := embeddedPage(pp, p.lim)
		if err == nil && page != nil {
			return page, nil
		}
		if chartscan.ErrorCode(err) == chartscan.ETOOLARGE {
			return nil, err
		}
		// Data this decoder cannot read may still render: fall through.
	}
	dpi := 300
	if pp.Image != nil && pp.Image.DPI >= 100 && pp.Image.DPI <= 600 {
		dpi = pp.Image.DPI // keep the scan's own resolution (JBIG2, JPX pages)
	}
	return render(ctx, p.path, n, dpi, pp.Width, pp.Height, p.lim)
}

// embeddedPage decodes the page's embedded image and turns it as the page
// is displayed. It returns nil, nil when the image's encoding is one only
// a renderer reads (JBIG2, JPEG 2000, CMYK, indexed colour).
func embeddedPage(pp *pdf.Page, lim Limits) (*Page, error) {
	im := pp.Image
	if err := checkPixels(im.Width, im.Height, lim); err != nil {
		return nil, err
	}
	page := &Page{Number: pp.Number, DPI: im.DPI, Rotation: (im.Rotation + pp.Rotate) % 360}
	var img image.Image
	switch im.Filter {
	case "DCTDecode":
		if im.ColorSpace != "gray" && im.ColorSpace != "rgb" {
			return nil, nil
		}
		m, err := jpeg.Decode(bytes.NewReader(im.Data))
		if err != nil {
			return nil, err
		}
		if b := m.Bounds(); b.Dx() != im.Width || b.Dy() != im.Height {
			return nil, chartscan.Errorf(chartscan.EINVALID, "page image size does not match its JPEG data")
		}
		img = m
		if im.Invert {
			img = invert(Gray(m))
		} else {
			page.Encoded, page.EncodedType = im.Data, "image/jpeg"
		}
	case "CCITTFaxDecode":
		g, err := decodeCCITT(im)
		if err != nil {
			return nil, err
		}
		img, page.Bilevel = g, true
		if im.CCITT.K < 0 && !im.CCITT.EncodedByteAlign {
			// Keep the scanner's own Group 4 data, in a TIFF.
			page.Encoded = g4TIFF(im.Data, im.Width, im.Height, im.DPI, im.CCITT.BlackIs1 == im.Invert)
			page.EncodedType = "image/tiff"
		}
	case "":
		g, err := samples(im)
		if err != nil || g == nil {
			return nil, err
		}
		img, page.Bilevel = g, im.BitsPerComponent == 1 || twoTone(im.Palette)
	default:
		return nil, nil
	}
	if page.Rotation != 0 {
		img = Rotate(img, page.Rotation)
		page.Encoded, page.EncodedType = nil, ""
	}
	page.Image = img
	return page, nil
}

// decodeCCITT decodes a CCITTFaxDecode image to black on white.
func decodeCCITT(im *pdf.Image) (*image.Gray, error) {
	c := im.CCITT
	if c.Columns != im.Width {
		return nil, chartscan.Errorf(chartscan.EINVALID, "CCITT image has %d columns but is %d pixels wide", c.Columns, im.Width)
	}
	sf := ccitt.Group4
	if c.K >= 0 {
		sf = ccitt.Group3
		if c.K > 0 {
			// Group 3 2-D (K>0) is decoded by the Group 3 reader only
			// when the data is 1-D; leave mixed data to the renderer.
			return nil, chartscan.Errorf(chartscan.EUNSUPPORTED, "CCITT Group 3 2-D image")
		}
	}
	// CCITT codes runs as white or black. The decoded sample of a black run
	// is 0 unless BlackIs1, and a /Decode [1 0] flips what a sample shows.
	blackShowsBlack := c.BlackIs1 == im.Invert
	dst := image.NewGray(image.Rect(0, 0, im.Width, im.Height))
	err := ccitt.DecodeIntoGray(dst, bytes.NewReader(im.Data), ccitt.MSB, sf, &ccitt.Options{
		Align:  c.EncodedByteAlign,
		Invert: !blackShowsBlack,
	})
	if err != nil {
		return nil, err
	}
	return dst, nil
}

// samples turns plain (Flate, LZW, RunLength or unencoded) image samples
// into a grayscale image. Colour pages become grayscale. It returns nil
// for layouts left to the renderer (16-bit, CMYK, indexed).
func samples(im *pdf.Image) (*image.Gray, error) {
	w, h := im.Width, im.Height
	g := image.NewGray(image.Rect(0, 0, w, h))
	switch {
	case im.ColorSpace == "gray" && im.BitsPerComponent == 8:
		if len(im.Data) < w*h {
			return nil, chartscan.Errorf(chartscan.EINVALID, "page image data is short")
		}
		copy(g.Pix, im.Data[:w*h])
	case im.ColorSpace == "gray" && im.BitsPerComponent == 1:
		stride := (w + 7) / 8
		if len(im.Data) < stride*h {
			return nil, chartscan.Errorf(chartscan.EINVALID, "page image data is short")
		}
		for y := 0; y < h; y++ {
			row := im.Data[y*stride:]
			out := g.Pix[y*w:]
			for x := 0; x < w; x++ {
				if row[x>>3]&(0x80>>(x&7)) != 0 {
					out[x] = 255
				}
			}
		}
	case im.ColorSpace == "rgb" && im.BitsPerComponent == 8:
		if len(im.Data) < 3*w*h {
			return nil, chartscan.Errorf(chartscan.EINVALID, "page image data is short")
		}
		for i := 0; i < w*h; i++ {
			r, gg, b := uint32(im.Data[3*i]), uint32(im.Data[3*i+1]), uint32(im.Data[3*i+2])
			g.Pix[i] = uint8((299*r + 587*gg + 114*b + 500) / 1000)
		}
	case im.ColorSpace == "indexed" && (im.BitsPerComponent == 1 || im.BitsPerComponent == 2 || im.BitsPerComponent == 4 || im.BitsPerComponent == 8):
		bpc := im.BitsPerComponent
		stride := (w*bpc + 7) / 8
		if len(im.Data) < stride*h {
			return nil, chartscan.Errorf(chartscan.EINVALID, "page image data is short")
		}
		mask := byte(1<<bpc - 1)
		for y := 0; y < h; y++ {
			row := im.Data[y*stride:]
			out := g.Pix[y*w:]
			for x := 0; x < w; x++ {
				bit := x * bpc
				idx := int(row[bit>>3]>>(8-bpc-bit&7)) & int(mask)
				if idx < len(im.Palette) {
					out[x] = im.Palette[idx]
				}
			}
		}
	default:
		return nil, nil
	}
	if im.Invert {
		invert(g)
	}
	return g, nil
}

// twoTone reports whether a palette holds only black and white.
func twoTone(p []uint8) bool {
	if len(p) == 0 {
		return false
	}
	for _, v := range p {
		if v != 0 && v != 255 {
			return false
		}
	}
	return true
}

func invert(g *image.Gray) *image.Gray {
	for i, v := range g.Pix {
		g.Pix[i] = 255 - v
	}
	return g
}
