package coversheet

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"chartscan"
	"chartscan/barcode"
	"chartscan/raster"
)

// A printed sheet, as a PDF, comes back through the page extraction and
// barcode reading of the pipeline with its payload intact, in every
// symbology.
func TestSheetRoundTrip(t *testing.T) {
	cover := &chartscan.CoverSheet{MRN: "00123456", Section: chartscan.SectionLaboratory, Name: "DOE^JOHN", DOB: "1957-04-12", Encounter: "V000123"}
	short := &chartscan.CoverSheet{MRN: "00123456", Section: chartscan.SectionLaboratory}
	for _, tc := range []struct {
		cs *chartscan.CoverSheet
		f  barcode.Format
	}{
		{cover, barcode.QR}, {cover, barcode.DataMatrix}, {short, barcode.Code128},
		{&chartscan.CoverSheet{Separator: true}, barcode.QR},
	} {
		sheet, err := Render(tc.cs, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.f, err)
		}
		var buf bytes.Buffer
		if err := WritePDF(&buf, sheet); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "sheet.pdf")
		os.WriteFile(path, buf.Bytes(), 0o644)
		f, err := raster.Open(path, raster.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.Page(context.Background(), 1)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if p.Rendered || p.DPI != DPI {
			t.Errorf("%s: sheet page rendered %v at %d dpi, want its own image at %d", tc.f, p.Rendered, p.DPI, DPI)
		}
		syms := barcode.Find(raster.Gray(p.Image), p.DPI)
		if len(syms) != 1 || syms[0].Text != tc.cs.String() || syms[0].Format != tc.f {
			t.Fatalf("%s: read %+v, want %q", tc.f, syms, tc.cs.String())
		}
		back, err := chartscan.ParseCoverSheet(syms[0].Text)
		if err != nil || back.MRN != tc.cs.MRN || back.Separator != tc.cs.Separator {
			t.Fatalf("%s: parsed %+v, %v", tc.f, back, err)
		}
	}
}
