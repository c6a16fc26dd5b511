package release

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"chartscan"
	"chartscan/pdf"
	"chartscan/raster"
)

// CoverDPI is the resolution the cover page is drawn at; it is US Letter.
const CoverDPI = 200

// Cover is what the packet's cover page says.
type Cover struct {
	Release      chartscan.ReleaseID
	Requester    chartscan.Requester
	Purpose      string
	Patient, MRN string
	Date         string   // YYYY-MM-DD
	Enclosed     []string // one line per document
	Part2Consent bool
}

// PacketPage is a released page: its image as stored, at dpi, and the
// boxes to black out, in the image's pixels. Load returns the image; it is
// called once, when the page's turn comes, so that a packet of many pages
// holds one decoded image at a time.
type PacketPage struct {
	Load       func() (image.Image, error)
	DPI        int
	Redactions []chartscan.Box
}

// Packet writes the packet PDF to w: the cover page, then the pages with
// their redactions burned into the pixels, every page (the cover
// included) stamped with the release id and "page i of N". The PDF holds
// images only: nothing of a redacted word is left in it, as pixels or as
// text. It returns the number of pages written.
func Packet(w io.Writer, c Cover, pages []PacketPage) (int, error) {
	n := len(pages) + 1
	imgs := make([]pdf.PageImage, 0, n)
	cover, err := drawCover(c, n)
	if err != nil {
		return 0, err
	}
	if err := stamp(cover, CoverDPI, c.Release, 1, n); err != nil {
		return 0, err
	}
	add := func(g *image.Gray, dpi int) error {
		b, err := raster.EncodePNG(g, false)
		if err != nil {
			return err
		}
		imgs = append(imgs, pdf.PageImage{Image: bytes.NewReader(b), Width: g.Rect.Dx(), Height: g.Rect.Dy(), DPI: dpi})
		return nil
	}
	if err := add(cover, CoverDPI); err != nil {
		return 0, err
	}
	for i, p := range pages {
		dpi := p.DPI
		if dpi <= 0 {
			dpi = 300
		}
		img, err := p.Load()
		if err != nil {
			return 0, fmt.Errorf("page %d: %w", i+1, err)
		}
		g, ok := img.(*image.Gray)
		if !ok || g.Rect.Min != (image.Point{}) {
			g = image.NewGray(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
			draw.Draw(g, g.Rect, img, img.Bounds().Min, draw.Src)
		}
		if err := Burn(g, p.Redactions); err != nil {
			return 0, fmt.Errorf("page %d: %w", i+1, err)
		}
		if err := stamp(g, dpi, c.Release, i+2, n); err != nil {
			return 0, err
		}
		if err := add(g, dpi); err != nil {
			return 0, err
		}
	}
	return pdf.Assemble(w, imgs)
}

// Burn blacks out each box on g, with a margin of a few pixels so that no
// edge of a letter is left. A box that is not inside the image is
// EINVALID and nothing is burned.
func Burn(g *image.Gray, boxes []chartscan.Box) error {
	for _, b := range boxes {
		if !Inside(b, g.Rect.Dx(), g.Rect.Dy()) {
			return chartscan.Errorf(chartscan.EINVALID, "redaction box %d,%d %dx%d is not inside the page (%dx%d)", b.X, b.Y, b.W, b.H, g.Rect.Dx(), g.Rect.Dy())
		}
	}
	const margin = 3
	for _, b := range boxes {
		r := image.Rect(b.X-margin, b.Y-margin, b.X+b.W+margin, b.Y+b.H+margin).Intersect(g.Rect)
		draw.Draw(g, r, image.Black, image.Point{}, draw.Src)
	}
	return nil
}

// Inside reports whether a box lies within a page of w×h pixels and has an
// area.
func Inside(b chartscan.Box, w, h int) bool {
	return b.W > 0 && b.H > 0 && b.X >= 0 && b.Y >= 0 && b.X+b.W <= w && b.Y+b.H <= h
}

// stamp writes "Release <id> · page i of N" in the bottom margin of g, on
// a white band so that it reads over whatever was scanned there.
func stamp(g *image.Gray, dpi int, id chartscan.ReleaseID, i, n int) error {
	f, err := monoFace(10, dpi)
	if err != nil {
		return err
	}
	text := fmt.Sprintf("Release %s   page %d of %d", id, i, n)
	width := font.MeasureString(f, text).Ceil()
	pad := dpi / 20
	h := f.Metrics().Height.Ceil() + 2*pad
	x1 := g.Rect.Max.X - dpi/4
	x0 := max(g.Rect.Min.X, x1-width-2*pad)
	y1 := g.Rect.Max.Y - dpi/8
	y0 := max(g.Rect.Min.Y, y1-h)
	draw.Draw(g, image.Rect(x0, y0, x1, y1), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: g, Src: image.Black, Face: f, Dot: fixed.P(x0+pad, y1-pad-f.Metrics().Descent.Ceil())}
	d.DrawString(text)
	return nil
}

// drawCover draws the cover page of a packet of n pages.
func drawCover(c Cover, n int) (*image.Gray, error) {
	dpi := CoverDPI
	g := image.NewGray(image.Rect(0, 0, 85*dpi/10, 11*dpi))
	draw.Draw(g, g.Rect, image.White, image.Point{}, draw.Src)
	title, err := face(true, 18, dpi)
	if err != nil {
		return nil, err
	}
	label, err := face(true, 11, dpi)
	if err != nil {
		return nil, err
	}
	body, err := face(false, 11, dpi)
	if err != nil {
		return nil, err
	}
	x, y := dpi, dpi
	line := func(f font.Face, s string) {
		y += f.Metrics().Height.Ceil() * 13 / 10
		(&font.Drawer{Dst: g, Src: image.Black, Face: f, Dot: fixed.P(x, y)}).DrawString(s)
	}
	field := func(name, value string) {
		y += body.Metrics().Height.Ceil() * 13 / 10
		(&font.Drawer{Dst: g, Src: image.Black, Face: label, Dot: fixed.P(x, y)}).DrawString(name)
		(&font.Drawer{Dst: g, Src: image.Black, Face: body, Dot: fixed.P(x+dpi*17/10, y)}).DrawString(value)
	}
	line(title, "RELEASE OF INFORMATION")
	y += dpi / 6
	field("Release", string(c.Release))
	field("Date", c.Date)
	field("Requester", c.Requester.Name)
	if c.Requester.Organization != "" {
		field("Organization", c.Requester.Organization)
	}
	field("Purpose", c.Purpose)
	field("Patient", strings.Replace(c.Patient, "^", ", ", 1))
	field("MRN", c.MRN)
	field("Pages", fmt.Sprintf("%d, this cover page included", n))
	y += dpi / 6
	line(label, "Enclosed")
	for i, e := range c.Enclosed {
		if i == 30 {
			line(body, fmt.Sprintf("... and %d more", len(c.Enclosed)-30))
			break
		}
		line(body, e)
	}
	y += dpi / 4
	notice := []string{
		"This packet holds protected health information released under the patient's",
		"authorization for the purpose above. Redacted areas were blacked out before release.",
		"Do not disclose it further except as the law permits.",
	}
	if c.Part2Consent {
		notice = append(notice, "",
			"It includes records protected by 42 CFR Part 2, released with the patient's",
			"written consent. Federal rules prohibit further disclosure of them without it.")
	}
	for _, s := range notice {
		line(body, s)
	}
	// A rule under the title, for the eye.
	draw.Draw(g, image.Rect(x, dpi+title.Metrics().Height.Ceil()*13/10+dpi/20, g.Rect.Dx()-dpi, dpi+title.Metrics().Height.Ceil()*13/10+dpi/20+dpi/100+1), &image.Uniform{color.Gray{Y: 80}}, image.Point{}, draw.Src)
	return g, nil
}

var (
	fontsOnce           sync.Once
	regular, bold, mono *opentype.Font
	errFonts            error
)

// monoFace is the stamp's face: a release id in a fixed-pitch font reads
// back (by a person or OCR) with fewer 0/O and 1/l mix-ups.
func monoFace(points float64, dpi int) (font.Face, error) {
	if _, err := face(false, points, dpi); err != nil {
		return nil, err
	}
	return opentype.NewFace(mono, &opentype.FaceOptions{Size: points, DPI: float64(dpi), Hinting: font.HintingFull})
}

// face returns a new font face of the size in points at dpi. Faces are
// not safe for concurrent use, so each drawing makes its own; the fonts
// are parsed once.
func face(heavy bool, points float64, dpi int) (font.Face, error) {
	fontsOnce.Do(func() {
		if regular, errFonts = opentype.Parse(goregular.TTF); errFonts == nil {
			if bold, errFonts = opentype.Parse(gobold.TTF); errFonts == nil {
				mono, errFonts = opentype.Parse(gomono.TTF)
			}
		}
	})
	if errFonts != nil {
		return nil, errFonts
	}
	f := regular
	if heavy {
		f = bold
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: points, DPI: float64(dpi), Hinting: font.HintingFull})
}
