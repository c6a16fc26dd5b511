package ingest_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"chartscan"
	"chartscan/ingest"
	"chartscan/patients"
	"chartscan/pdf"
	"chartscan/raster"
)

// formLine is one line of a rendered form: its text, and whether a
// scanner speck sits just before it.
type formLine struct {
	text  string
	speck bool
	bold  bool
}

// renderForm draws a letter-size page at 300 dpi in a Go font, the way a
// printed form looks to the scanner, with specks where asked.
func renderForm(t *testing.T, ttf []byte, lines []formLine) pdf.PageImage {
	t.Helper()
	face := func(b []byte, size float64) font.Face {
		f, err := opentype.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 300})
		if err != nil {
			t.Fatal(err)
		}
		return fc
	}
	body, bold := face(ttf, 11), face(gobold.TTF, 13)
	img := image.NewGray(image.Rect(0, 0, 2550, 3300))
	draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
	y := 260
	for _, l := range lines {
		f := body
		if l.bold {
			f = bold
		}
		if l.text != "" {
			d := font.Drawer{Dst: img, Src: image.Black, Face: f, Dot: fixed.P(225, y)}
			d.DrawString(l.text)
		}
		if l.speck {
			for dy := -4; dy <= 4; dy++ {
				for dx := -4; dx <= 4; dx++ {
					if dx*dx+dy*dy <= 16 {
						img.SetGray(200+dx, y-12+dy, color.Gray{})
					}
				}
			}
		}
		y += 72
	}
	b, err := raster.EncodePNG(img, false)
	if err != nil {
		t.Fatal(err)
	}
	return pdf.PageImage{Image: bytes.NewReader(b), Width: 2550, Height: 3300, DPI: 300}
}

// Pages in label styles the shared chart batches do not have, rendered,
// read by Tesseract and filed against a patient index: the MRN, birth
// date and service date are found under other labels (a row of labels
// over a row of values among them), the word after an MRN is not read as
// digits, a speck before a dotted label does not hide it, and a page
// carrying another patient's MRN or an unknown one is flagged with the
// index's match offered.
func TestRenderedLabelStylesAgainstThePatientIndex(t *testing.T) {
	reg := []chartscan.Patient{
		{MRN: "00412345", FamilyName: "Okafor", GivenName: "Chidi", DOB: "1940-11-02"},
		{MRN: "00412346", FamilyName: "Okafor", GivenName: "Ngozi", DOB: "1940-11-02"}, // twin sister
		{MRN: "05512093", FamilyName: "Lindqvist", GivenName: "Sara", DOB: "1961-07-22"},
		{MRN: "04471203", FamilyName: "Harris", GivenName: "Linda", DOB: "1948-03-12"},
		{MRN: "07788123", FamilyName: "Mehta", GivenName: "Rahul", DOB: "1972-09-30"},
		{MRN: "07788124", FamilyName: "Mehta", GivenName: "Rahul", DOB: "1999-01-15"}, // namesake
		{MRN: "06610234", FamilyName: "Kowalski", GivenName: "Tomasz", DOB: "1977-05-05"},
		{MRN: "03345123", FamilyName: "Walsh", GivenName: "Emma", DOB: "1977-05-05"}, // born the same day
	}
	var csv bytes.Buffer
	patients.WriteCSV(&csv, reg)
	csvPath := filepath.Join(t.TempDir(), "mpi.csv")
	os.WriteFile(csvPath, csv.Bytes(), 0o644)
	mpi, err := patients.OpenCSV(csvPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	note := []formLine{
		{text: "Patient seen today for follow-up of hypertension and type 2 diabetes."},
		{text: "Blood pressure 138/84, pulse 72. No chest pain or shortness of breath."},
		{text: "Continue current medications. Return to clinic in three months."},
	}
	page := func(ttf []byte, head ...formLine) pdf.PageImage {
		return renderForm(t, ttf, append(head, note...))
	}
	stack := []pdf.PageImage{
		// 1: dotted abbreviations, a speck before the DOB label.
		page(goregular.TTF,
			formLine{text: "LAKEVIEW FAMILY PRACTICE", bold: true},
			formLine{text: "Pt Name: Okafor, Chidi        Med. Rec. No.: 00412345"},
			formLine{text: "D.O.B.: 11/02/1940        Encounter Date: 02/03/2026", speck: true},
			formLine{},
			formLine{text: "PROGRESS NOTE", bold: true}),
		// 2: a row of labels over a row of values.
		page(gomono.TTF,
			formLine{text: "HARBOR IMAGING CENTER", bold: true},
			formLine{text: "Patient Name       Chart No.    Birth Date    Exam Date"},
			formLine{text: "LINDQVIST, SARA    05512093     07/22/1961    01/09/2026"},
			formLine{},
			formLine{text: "RADIOLOGY REPORT", bold: true}),
		// 3: a word after the MRN, Born, Adm. Date.
		page(goregular.TTF,
			formLine{text: "NORTHGATE GENERAL HOSPITAL", bold: true},
			formLine{text: "Patient: HARRIS, LINDA    MRN: 04471203 Bed 4    Born: 12 Mar 1948"},
			formLine{text: "Adm. Date: 01/30/2026    Attending: Dr. Moss"},
			formLine{},
			formLine{text: "ADMISSION NOTE", bold: true}),
		// 4: Pt ID#, Birthdate, Collected; the MRN printed is the
		// namesake's.
		page(gomono.TTF,
			formLine{text: "CITYWIDE REFERENCE LABORATORY", bold: true},
			formLine{text: "Patient: Rahul Mehta    Pt ID#: 07788124"},
			formLine{text: "Birthdate: 1972-09-30    Collected: 02/11/2026 08:15"},
			formLine{},
			formLine{text: "LABORATORY REPORT", bold: true}),
		// 5: Hosp No, an MRN the index does not know, a plain Date.
		page(goregular.TTF,
			formLine{text: "RIVERBEND CLINIC", bold: true},
			formLine{text: "Date: 02/17/2026"},
			formLine{text: "Name: Kowalski, Tomasz    Hosp No: 06610243    DOB: 05/05/1977"},
			formLine{},
			formLine{text: "OFFICE VISIT", bold: true}),
	}
	var buf bytes.Buffer
	if _, err := pdf.Assemble(&buf, stack); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "stack.pdf")
	os.WriteFile(path, buf.Bytes(), 0o644)

	e := newEnv(t)
	e.pipe.Patients = mpi
	ctx := context.Background()
	res, err := e.pipe.Process(ctx, ingest.Source{Path: path, Name: "stack.pdf", Profile: e.prof})
	if err != nil || res.Status != ingest.StatusDone {
		t.Fatalf("Process = %+v, %v", res, err)
	}
	if len(res.Documents) != 5 {
		for n := 1; n <= res.Pages; n++ {
			p, _ := chartscan.LoadPage(ctx, e.store, res.BatchID.Page(n))
			t.Logf("page %d (%s, document %s): %.300q", n, p.Kind, p.DocumentID, p.Text)
		}
		t.Fatalf("%d documents, want 5", len(res.Documents))
	}
	patientReasons := func(d *chartscan.Document) []string {
		var out []string
		for _, r := range d.ReviewReasons {
			if r != "low section confidence" {
				out = append(out, r)
			}
		}
		return out
	}
	for i, want := range []struct {
		mrn, name, dob, service, suggested string
		reasons                            []string
	}{
		{"00412345", "OKAFOR^CHIDI", "1940-11-02", "2026-02-03", "", nil},
		{"05512093", "LINDQVIST^SARA", "1961-07-22", "2026-01-09", "", nil},
		{"04471203", "HARRIS^LINDA", "1948-03-12", "2026-01-30", "", nil},
		{"07788124", "MEHTA^RAHUL", "1972-09-30", "2026-02-11", "07788123", []string{patients.ReasonDOBDiffers}},
		{"06610243", "KOWALSKI^TOMASZ", "1977-05-05", "2026-02-17", "06610234", []string{patients.ReasonUnknownMRN}},
	} {
		d, err := chartscan.LoadDocument(ctx, e.store, res.Documents[i])
		if err != nil {
			t.Fatal(err)
		}
		p, _ := chartscan.LoadPage(ctx, e.store, d.Pages[0])
		if d.MRN != want.mrn || d.PatientName != want.name || d.DOB != want.dob || d.ServiceDate != want.service {
			t.Errorf("document %d: mrn %q name %q dob %q service %q; want %q %q %q %q\ntext: %.400q",
				i+1, d.MRN, d.PatientName, d.DOB, d.ServiceDate, want.mrn, want.name, want.dob, want.service, p.Text)
		}
		if got := patientReasons(d); !slices.Equal(got, want.reasons) || d.SuggestedMRN != want.suggested {
			t.Errorf("document %d: reasons %q, suggested %q; want %q, %q", i+1, got, d.SuggestedMRN, want.reasons, want.suggested)
		}
		if len(want.reasons) > 0 && !d.NeedsReview {
			t.Errorf("document %d filed under a wrong MRN without review", i+1)
		}
	}
}
