// Package coversheet draws the cover and separator sheets technicians print
// at a scanning station: the CS1 barcode the pipeline reads, and the same
// values in words for people.
package coversheet

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"io"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"chartscan"
	"chartscan/barcode"
	"chartscan/pdf"
	"chartscan/raster"
)

// DPI is the resolution sheets are drawn at; they are US Letter.
const DPI = 300

// Render draws a sheet for cs with its barcode in format f.
func Render(cs *chartscan.CoverSheet, f barcode.Format) (*image.Gray, error) {
	payload := cs.String()
	page := image.NewGray(image.Rect(0, 0, 85*DPI/10, 11*DPI))
	draw.Draw(page, page.Rect, image.White, image.Point{}, draw.Src)

	bold, err := face(gobold.TTF, 20)
	if err != nil {
		return nil, err
	}
	body, err := face(goregular.TTF, 14)
	if err != nil {
		return nil, err
	}
	small, err := face(goregular.TTF, 9)
	if err != nil {
		return nil, err
	}
	x, y := DPI*3/4, DPI
	title := "PATIENT DOCUMENT COVER SHEET"
	var lines []string
	if cs.Separator {
		title = "DOCUMENT SEPARATOR SHEET"
		lines = []string{"Starts a new document. Place between documents of a stack."}
	} else {
		if cs.Name != "" {
			lines = append(lines, "Patient: "+strings.Replace(cs.Name, "^", ", ", 1))
		}
		if cs.MRN != "" {
			lines = append(lines, "MRN: "+cs.MRN)
		}
		if cs.DOB != "" {
			lines = append(lines, "DOB: "+cs.DOB)
		}
		if cs.Section != "" {
			lines = append(lines, "Document type: "+string(cs.Section))
		}
		if cs.Encounter != "" {
			lines = append(lines, "Encounter: "+cs.Encounter)
		}
	}
	text(page, bold, x, y, title)
	y += DPI / 2
	for _, l := range lines {
		text(page, body, x, y, l)
		y += DPI / 4
	}

	module, height := 12, 0
	if f == barcode.Code128 {
		module, height = 5, DPI*2/3
	}
	sym, err := barcode.Encode(payload, f, module, height)
	if err != nil {
		return nil, err
	}
	sb := sym.Bounds()
	at := image.Pt((page.Rect.Dx()-sb.Dx())/2, y+DPI/3)
	draw.Draw(page, sb.Add(at), sym, sb.Min, draw.Src)
	y = at.Y + sb.Dy() + DPI/4
	text(page, small, (page.Rect.Dx()-font.MeasureString(small, payload).Ceil())/2, y, payload)

	foot := page.Rect.Dy() - DPI
	text(page, small, x, foot, "Place this sheet on top of the document it describes. Keep the barcode clean and unfolded.")
	text(page, small, x, foot+DPI/7, "chartscan files the pages that follow under this patient and chart section; the sheet itself is not filed.")
	return page, nil
}

// WritePDF writes the sheet as a one-page PDF at its physical size.
func WritePDF(w io.Writer, sheet *image.Gray) error {
	png, err := raster.EncodePNG(sheet, true)
	if err != nil {
		return err
	}
	b := sheet.Bounds()
	_, err = pdf.Assemble(w, []pdf.PageImage{{Image: bytes.NewReader(png), Width: b.Dx(), Height: b.Dy(), DPI: DPI}})
	return err
}

func face(ttf []byte, points float64) (font.Face, error) {
	f, err := opentype.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("coversheet: font: %w", err)
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: points, DPI: DPI, Hinting: font.HintingFull})
}

// text draws s in black with its baseline at (x, y).
func text(dst *image.Gray, f font.Face, x, y int, s string) {
	d := font.Drawer{Dst: dst, Src: image.Black, Face: f, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
