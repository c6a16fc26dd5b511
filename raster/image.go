package raster

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"

	"chartscan"
)

// imageFile is a single-page JPEG or PNG file.
type imageFile struct {
	f      *os.File
	format Format
	lim    Limits
}

func openImage(f *os.File, format Format, lim Limits) (File, error) {
	var (
		cfg image.Config
		err error
	)
	if format == JPEG {
		cfg, err = jpeg.DecodeConfig(f)
	} else {
		cfg, err = png.DecodeConfig(f)
	}
	if err != nil {
		return nil, chartscan.WrapError(chartscan.EINVALID, err, "%s file is damaged", format)
	}
	if err := checkPixels(cfg.Width, cfg.Height, lim); err != nil {
		return nil, err
	}
	return &imageFile{f: f, format: format, lim: lim}, nil
}

func (m *imageFile) Format() Format { return m.format }
func (m *imageFile) NumPages() int  { return 1 }
func (m *imageFile) Close() error   { return m.f.Close() }

func (m *imageFile) Page(ctx context.Context, n int) (p *Page, err error) {
	defer recoverPage(&err, n)
	if n != 1 {
		return nil, chartscan.Errorf(chartscan.ENOTFOUND, "page %d: file has 1 page", n)
	}
	if _, err := m.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(m.f)
	if err != nil {
		return nil, err
	}
	var img image.Image
	typ := "image/png"
	if m.format == JPEG {
		typ = "image/jpeg"
		img, err = jpeg.Decode(bytes.NewReader(data))
	} else {
		img, err = png.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, pageErr(n, err)
	}
	dpi := 0
	if m.format == JPEG {
		dpi = jpegDPI(data)
	} else {
		dpi = pngDPI(data)
	}
	return &Page{
		Number:      1,
		Image:       img,
		Bilevel:     isBilevel(img),
		DPI:         dpi,
		Encoded:     data,
		EncodedType: typ,
	}, nil
}

// isBilevel reports whether img holds only black and white.
func isBilevel(img image.Image) bool {
	switch m := img.(type) {
	case *image.Paletted:
		return len(m.Palette) <= 2
	case *image.Gray:
		// sample rows rather than every pixel
		b := m.Bounds()
		step := b.Dy()/64 + 1
		for y := b.Min.Y; y < b.Max.Y; y += step {
			row := m.Pix[(y-b.Min.Y)*m.Stride : (y-b.Min.Y)*m.Stride+b.Dx()]
			for _, v := range row {
				if v != 0 && v != 255 {
					return false
				}
			}
		}
		return true
	}
	return false
}

// jpegDPI reads the resolution from a JFIF APP0 segment, 0 if absent.
func jpegDPI(b []byte) int {
	// FF D8, then FF E0 len(2) "JFIF\0" ver(2) units(1) xdens(2) ydens(2)
	if len(b) < 20 || b[2] != 0xFF || b[3] != 0xE0 || string(b[6:11]) != "JFIF\x00" {
		return 0
	}
	units := b[13]
	x := int(b[14])<<8 | int(b[15])
	switch units {
	case 1:
		return x
	case 2:
		return int(float64(x) * 2.54)
	}
	return 0
}

// pngDPI reads the resolution from a pHYs chunk, 0 if absent.
func pngDPI(b []byte) int {
	i := 8
	for i+12 <= len(b) {
		n := int(b[i])<<24 | int(b[i+1])<<16 | int(b[i+2])<<8 | int(b[i+3])
		typ := string(b[i+4 : i+8])
		if n < 0 || i+12+n > len(b) {
			return 0
		}
		if typ == "pHYs" && n == 9 {
			d := b[i+8:]
			ppm := int(d[0])<<24 | int(d[1])<<16 | int(d[2])<<8 | int(d[3])
			if d[8] == 1 {
				return int(float64(ppm)*0.0254 + 0.5)
			}
			return 0
		}
		if typ == "IDAT" {
			return 0
		}
		i += 12 + n
	}
	return 0
}
