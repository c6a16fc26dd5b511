package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomedium"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"chartscan"
	"chartscan/ingest"
	"chartscan/internal/testutil"
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
	img := renderGray(t, ttf, lines)
	b, err := raster.EncodePNG(img, false)
	if err != nil {
		t.Fatal(err)
	}
	return pdf.PageImage{Image: bytes.NewReader(b), Width: 2550, Height: 3300, DPI: 300}
}

// renderGray draws the lines of a form on a letter-size 300 dpi page.
func renderGray(t *testing.T, ttf []byte, lines []formLine) *image.Gray {
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
	return img
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

// renderedDoc is one document of a rendered batch: its patient, the MRN
// printed on it (another patient's when the paper was mislabelled), the
// header style of its first page and how many pages follow.
type renderedDoc struct {
	patient  chartscan.Patient
	printed  string
	style    int
	service  string // YYYY-MM-DD
	title    string
	extra    int // continuation pages
	contHead int // style of the continuation pages' header
}

// usDate writes an ISO date as forms print it.
func usDate(iso string) string { return iso[5:7] + "/" + iso[8:10] + "/" + iso[:4] }

var monthNames = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// headerLines is the patient header of a first page in one of several
// label styles none of the shared batches use.
func headerLines(d renderedDoc, rng *rand.Rand) []formLine {
	p := d.patient
	fam, giv := strings.ToUpper(p.FamilyName), strings.ToUpper(p.GivenName)
	m, _ := strconv.Atoi(p.DOB[5:7])
	switch d.style % 8 {
	case 0:
		return []formLine{{text: "Pt Name: " + p.FamilyName + ", " + p.GivenName + "        Med. Rec. No.: " + d.printed},
			{text: "D.O.B.: " + usDate(p.DOB) + "        Encounter Date: " + usDate(d.service), speck: true}}
	case 1:
		return []formLine{{text: "Patient Name        Chart No.     Birth Date     Exam Date"},
			{text: fam + ", " + giv + "     " + d.printed + "      " + usDate(p.DOB) + "     " + usDate(d.service)}}
	case 2:
		return []formLine{{text: "Patient: " + fam + ", " + giv + "    MRN: " + d.printed + " Bed " + strconv.Itoa(2+rng.Intn(30)) + "    Born: " + p.DOB[8:10] + " " + monthNames[m-1] + " " + p.DOB[:4]},
			{text: "Adm. Date: " + usDate(d.service) + "    Attending: Dr. Moss"}}
	case 3:
		return []formLine{{text: "Patient: " + p.GivenName + " " + p.FamilyName + "    Pt ID#: " + d.printed},
			{text: "Birthdate: " + p.DOB + "    Collected: " + usDate(d.service) + " 08:15"}}
	case 4:
		return []formLine{{text: "Date: " + usDate(d.service)},
			{text: "Name: " + p.FamilyName + ", " + p.GivenName + "    Hosp No: " + d.printed + "    DOB: " + usDate(p.DOB)}}
	case 5:
		return []formLine{{text: "Last Name: " + fam + "    First Name: " + giv + "    Unit No: " + d.printed},
			{text: "Date of Birth: " + monthNames[m-1] + " " + strings.TrimPrefix(p.DOB[8:10], "0") + ", " + p.DOB[:4] + "    Date Seen: " + usDate(d.service)}}
	case 6:
		return []formLine{{text: "Medical Record Nbr: " + d.printed + "    Patient: " + p.FamilyName + ", " + p.GivenName},
			{text: "DOB/Age: " + usDate(p.DOB) + " (" + strconv.Itoa(2026-atoiT(p.DOB[:4])) + "y)    Report Date: " + usDate(d.service)}}
	default:
		return []formLine{{text: "Resident: " + p.GivenName + " " + p.FamilyName + "    M.R.#: " + d.printed + "    D.O.B " + usDate(p.DOB), speck: true},
			{text: "Visit: " + usDate(d.service) + "    Unit: 3 West"}}
	}
}

func atoiT(s string) int { n, _ := strconv.Atoi(s); return n }

// contLines is the header of a continuation page.
func contLines(d renderedDoc, n, of int) []formLine {
	p := d.patient
	page := "Page " + strconv.Itoa(n) + " of " + strconv.Itoa(of)
	switch d.contHead % 3 {
	case 0:
		return []formLine{{text: strings.ToUpper(p.FamilyName) + ", " + strings.ToUpper(p.GivenName) + "    Med. Rec. No.: " + d.printed + "    " + page}}
	case 1:
		return []formLine{{text: page}}
	default:
		return []formLine{{text: "(continued)    Pt: " + p.FamilyName + ", " + p.GivenName + "    DOB: " + usDate(p.DOB)}}
	}
}

var noteLines = []string{
	"The patient reports improvement in pain since the last visit and is sleeping well.",
	"Vital signs are stable. Lungs are clear to auscultation bilaterally.",
	"Abdomen is soft and nontender. No edema of the lower extremities.",
	"Laboratory values were reviewed with the patient and the family.",
	"Plan: continue current medications and follow up in four weeks.",
	"Discussed diet, exercise and the warning signs that need a call.",
	"Wound is healing well with no sign of infection or drainage.",
	"Medication list reconciled; no changes to dosing today.",
}

// speckle adds the scanner dust of a real scan: n dots of 1 to 3 pixels.
func speckle(img *image.Gray, rng *rand.Rand, n int) {
	b := img.Bounds()
	for i := 0; i < n; i++ {
		x, y, r := rng.Intn(b.Dx()), rng.Intn(b.Dy()), 1+rng.Intn(3)
		for dy := -r; dy <= r; dy++ {
			for dx := -r; dx <= r; dx++ {
				if dx*dx+dy*dy <= r*r {
					img.SetGray(x+dx, y+dy, color.Gray{})
				}
			}
		}
	}
}

// A batch of rendered documents in label styles the shared batches do
// not have, with scanner dust, multi-page documents whose continuation
// pages carry the patient in other ways or not at all, and mislabelled
// paper (another patient's MRN printed; an MRN with two digits swapped):
// the share of content pages filed under a wrong patient with no review
// flag, without and with a patient index, and the MRN, DOB and service
// date read.
func TestRenderedBatchWrongPatient(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	reg := []chartscan.Patient{
		{MRN: "20418833", FamilyName: "Okafor", GivenName: "Chidi", DOB: "1940-11-02"},
		{MRN: "20418834", FamilyName: "Okafor", GivenName: "Ngozi", DOB: "1940-11-02"},
		{MRN: "31155020", FamilyName: "Lindqvist", GivenName: "Sara", DOB: "1961-07-22"},
		{MRN: "44712039", FamilyName: "Harris", GivenName: "Linda", DOB: "1948-03-12"},
		{MRN: "57788123", FamilyName: "Mehta", GivenName: "Rahul", DOB: "1972-09-30"},
		{MRN: "57788124", FamilyName: "Mehta", GivenName: "Rahul", DOB: "1999-01-15"},
		{MRN: "66102347", FamilyName: "Kowalski", GivenName: "Tomasz", DOB: "1977-05-05"},
		{MRN: "33451238", FamilyName: "Walsh", GivenName: "Emma", DOB: "1977-05-05"},
		{MRN: "72093415", FamilyName: "Brennan", GivenName: "Kathleen", DOB: "1955-12-30"},
		{MRN: "80661920", FamilyName: "Fitzgerald", GivenName: "Sean", DOB: "1988-02-17"},
		{MRN: "91827364", FamilyName: "Abara", GivenName: "Grace", DOB: "1966-06-06"},
		{MRN: "12093847", FamilyName: "Oyelaran", GivenName: "Temi", DOB: "1993-10-10"},
		{MRN: "12093848", FamilyName: "Oyelaran", GivenName: "Tunde", DOB: "1991-04-04"},
	}
	services := []string{"2026-01-09", "2026-01-30", "2026-02-03", "2026-02-11", "2026-02-17", "2026-03-02", "2026-03-15", "2026-04-01"}
	titles := []string{"PROGRESS NOTE", "RADIOLOGY REPORT", "ADMISSION NOTE", "LABORATORY REPORT", "OFFICE VISIT", "CONSULTATION", "NURSING ASSESSMENT", "DISCHARGE INSTRUCTIONS"}
	var docs []renderedDoc
	for i, p := range []int{0, 2, 3, 4, 6, 8, 9, 10, 11, 1, 7, 12, 3, 9} {
		d := renderedDoc{patient: reg[p], printed: reg[p].MRN, style: i, service: services[i%len(services)], title: titles[i%len(titles)], extra: i % 3, contHead: i}
		docs = append(docs, d)
	}
	docs[4].printed = reg[5].MRN   // Kowalski's paper carries the namesake Mehta's MRN
	docs[6].printed = "80669120"   // Fitzgerald's MRN with two digits swapped
	docs[11].printed = reg[11].MRN // Tunde Oyelaran's paper carries his sister's MRN

	type truthPage struct {
		doc int
		mrn string
	}
	var stack []pdf.PageImage
	var truth []truthPage
	fonts := [][]byte{goregular.TTF, gomono.TTF, gomedium.TTF}
	for di, d := range docs {
		of := 1 + d.extra
		for n := 1; n <= of; n++ {
			lines := []formLine{{text: []string{"LAKEVIEW MEDICAL CENTER", "HARBOR IMAGING CENTER", "NORTHGATE GENERAL HOSPITAL", "RIVERBEND CLINIC"}[di%4], bold: true}}
			if n == 1 {
				lines = append(lines, headerLines(d, rng)...)
				lines = append(lines, formLine{}, formLine{text: d.title, bold: true})
			} else {
				lines = append(lines[:0], contLines(d, n, of)...)
				lines = append(lines, formLine{})
			}
			for k := 0; k < 6; k++ {
				lines = append(lines, formLine{text: noteLines[(di+n+k)%len(noteLines)]})
			}
			img := renderGray(t, fonts[(di+n)%len(fonts)], lines)
			speckle(img, rng, 250)
			b, err := raster.EncodePNG(img, false)
			if err != nil {
				t.Fatal(err)
			}
			stack = append(stack, pdf.PageImage{Image: bytes.NewReader(b), Width: img.Rect.Dx(), Height: img.Rect.Dy(), DPI: 300})
			truth = append(truth, truthPage{di, d.patient.MRN})
		}
	}
	var buf bytes.Buffer
	if _, err := pdf.Assemble(&buf, stack); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rendered.pdf")
	os.WriteFile(path, buf.Bytes(), 0o644)
	var csv bytes.Buffer
	patients.WriteCSV(&csv, reg)
	csvPath := filepath.Join(t.TempDir(), "mpi.csv")
	os.WriteFile(csvPath, csv.Bytes(), 0o644)
	mpi, err := patients.OpenCSV(csvPath, nil)
	if err != nil {
		t.Fatal(err)
	}

	e := newEnv(t)
	ctx := context.Background()
	res, err := e.pipe.Process(ctx, ingest.Source{Path: path, Name: "rendered.pdf", Profile: e.prof})
	if err != nil || res.Status != ingest.StatusDone {
		t.Fatalf("Process = %+v, %v", res, err)
	}
	without, err := ingest.Reassemble(ctx, &ingest.Assembler{Classifier: e.pipe.Classifier}, e.store, res.BatchID, e.prof, res.Pages, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	with, err := ingest.Reassemble(ctx, &ingest.Assembler{Classifier: e.pipe.Classifier, Patients: mpi}, e.store, res.BatchID, e.prof, res.Pages, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	figures := map[string]int{}
	var report strings.Builder
	var mrnRight, dobRight, dosRight, firsts int
	for run, ds := range map[string][]*chartscan.Document{"without MPI": without, "with MPI": with} {
		docOf := map[chartscan.PageID]*chartscan.Document{}
		for _, d := range ds {
			for _, pid := range d.Pages {
				docOf[pid] = d
			}
		}
		for i, tp := range truth {
			d := docOf[res.BatchID.Page(i+1)]
			if d != nil && d.MRN != tp.mrn && !d.NeedsReview {
				figures[run]++
				p, _ := chartscan.LoadPage(ctx, e.store, res.BatchID.Page(i+1))
				t.Logf("%s: page %d (document %d) filed under a wrong MRN with no review flag (%s: mrn %s, want %s; pages %v): %.200q", run, i+1, tp.doc+1, d.ID, d.MRN, tp.mrn, d.Pages, p.Text)
			}
			if run == "without MPI" && (i == 0 || truth[i-1].doc != tp.doc) && d != nil {
				firsts++
				dd := docs[tp.doc]
				if d.MRN == dd.printed {
					mrnRight++
				}
				if d.DOB == dd.patient.DOB {
					dobRight++
				}
				if d.ServiceDate == dd.service {
					dosRight++
				} else {
					p, _ := chartscan.LoadPage(ctx, e.store, res.BatchID.Page(i+1))
					t.Logf("document %d: service date %q, printed %q: %.200q", tp.doc+1, d.ServiceDate, dd.service, p.Text)
				}
				if d.MRN != dd.printed || d.DOB != dd.patient.DOB {
					p, _ := chartscan.LoadPage(ctx, e.store, res.BatchID.Page(i+1))
					t.Logf("document %d: mrn %q dob %q, printed %q %q: %.200q", tp.doc+1, d.MRN, d.DOB, dd.printed, dd.patient.DOB, p.Text)
				}
			}
		}
	}
	fmt.Fprintf(&report, "%d pages, %d documents rendered in 8 label styles\n", len(truth), len(docs))
	fmt.Fprintf(&report, "  MRN as printed %d/%d, DOB %d/%d, service date %d/%d (first pages)\n", mrnRight, firsts, dobRight, firsts, dosRight, firsts)
	for _, run := range []string{"without MPI", "with MPI"} {
		fmt.Fprintf(&report, "  wrong patient, no review flag, %-12s %d/%d content pages\n", run+":", figures[run], len(truth))
	}
	testutil.Report(t, "patients-rendered-batch", "rendered batch:\n"+report.String())
	// Floors and ceilings from measured runs (the table above): every
	// MRN and service date and 13 of 14 birth dates read (one printed
	// date is garbled past repair by dust); with the index nothing is
	// filed under a wrong patient unflagged; without it the pages of the
	// documents printed with another patient's number, or a number with
	// digits swapped, may be, as nothing but an index can tell.
	if firsts != len(docs) || mrnRight < len(docs)-1 || dobRight < len(docs)-2 || dosRight < len(docs)-2 {
		t.Errorf("fields read: MRN %d, DOB %d, service date %d of %d documents", mrnRight, dobRight, dosRight, len(docs))
	}
	if figures["with MPI"] > 0 {
		t.Errorf("with the patient index, %d pages filed under a wrong patient without review", figures["with MPI"])
	}
	// Without an index, the pages of mislabelled paper are the most that
	// may be filed so (whether their documents go to review for another
	// reason, a low section confidence, is chance).
	mislabelled := 0
	for _, tp := range truth {
		if docs[tp.doc].printed != docs[tp.doc].patient.MRN {
			mislabelled++
		}
	}
	if figures["without MPI"] > mislabelled {
		t.Errorf("without a patient index, %d pages filed under a wrong patient without review, more than the %d of mislabelled paper", figures["without MPI"], mislabelled)
	}
}
