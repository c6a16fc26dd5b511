package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"chartscan"
	"chartscan/barcode"
	"chartscan/config"
	"chartscan/ingest"
	"chartscan/internal/testutil"
	"chartscan/pdf"
	"chartscan/raster"
)

// processed is a batch as the store holds it after the pipeline.
type processed struct {
	pages []*chartscan.Page
	docs  []*chartscan.Document
}

func processWith(t *testing.T, e *env, prof *chartscan.Profile, path string) processed {
	t.Helper()
	ctx := context.Background()
	res, err := e.pipe.Process(ctx, ingest.Source{Path: path, Name: filepath.Base(path), Profile: prof})
	if err != nil || res.Status != ingest.StatusDone {
		t.Fatalf("Process %s = %+v, %v", filepath.Base(path), res, err)
	}
	var out processed
	for n := 1; n <= res.Pages; n++ {
		p, err := chartscan.LoadPage(ctx, e.store, res.BatchID.Page(n))
		if err != nil {
			t.Fatal(err)
		}
		out.pages = append(out.pages, p)
	}
	for _, id := range res.Documents {
		d, err := chartscan.LoadDocument(ctx, e.store, id)
		if err != nil {
			t.Fatal(err)
		}
		out.docs = append(out.docs, d)
	}
	return out
}

// pageNumbers are the 1-based numbers of a document's pages.
func pageNumbers(d *chartscan.Document) []int {
	var ns []int
	for _, id := range d.Pages {
		_, n, _ := chartscan.ParsePageID(string(id))
		ns = append(ns, n)
	}
	return ns
}

// paperlessProfile is a station set up the way paperless-ngx users
// separate their scans: PATCHT sheets between documents, ASN barcodes on
// the first page of each, blank pages kept (paperless-ngx keeps them).
const paperlessProfile = `
description: Consumer barcodes as paperless-ngx prints them
separation:
  blank_pages: false
  separator_barcodes: ["PATCHT"]
  document_barcodes:
    - {pattern: '^ASN(\d+)$', field: asn}
`

// paperless-ngx's public barcode fixtures split as its own tests expect:
// the number of documents, the pages of each, PATCHT pages dropped, and
// each ASN document carrying its number (as the page's text states it).
func TestPaperlessBarcodeFixtures(t *testing.T) {
	prof, err := config.ParseProfile("paperless", []byte(paperlessProfile))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	dir := filepath.Join(testutil.SharedData(t), "paperless-ngx")
	for _, name := range []string{"patch-code-t-middle", "several-patcht-codes", "split-by-asn-1"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, name+".expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			var want struct {
				Pages       int   `json:"pages"`
				Separators  []int `json:"separator_pages_0based"`
				SplitBefore []int `json:"split_before_pages_0based_keep"`
				Documents   int   `json:"expected_documents"`
			}
			if err := json.Unmarshal(b, &want); err != nil || want.Pages == 0 || want.Documents == 0 {
				t.Fatalf("%s.expected.json: %v %+v", name, err, want)
			}
			// The expected documents, as 1-based page numbers.
			isSep, splits := map[int]bool{}, map[int]bool{0: true}
			for _, p := range want.Separators {
				isSep[p] = true
			}
			for _, p := range want.SplitBefore {
				splits[p] = true
			}
			var docs [][]int
			newDoc := true
			for p := 0; p < want.Pages; p++ {
				if isSep[p] {
					newDoc = true
					continue
				}
				if newDoc || splits[p] {
					docs = append(docs, nil)
					newDoc = false
				}
				docs[len(docs)-1] = append(docs[len(docs)-1], p+1)
			}
			if len(docs) != want.Documents {
				t.Fatalf("the expected.json's pages give %d documents, it says %d", len(docs), want.Documents)
			}

			path := filepath.Join(dir, name+".pdf")
			got := processWith(t, e, prof, path)
			if len(got.pages) != want.Pages {
				t.Fatalf("%d pages, want %d", len(got.pages), want.Pages)
			}
			for i, p := range got.pages {
				if wantSep := isSep[i]; wantSep != (p.Kind == chartscan.PageSeparator) {
					t.Errorf("page %d: kind %s (barcode %q, barcodes %q)", i+1, p.Kind, p.Barcode, p.Barcodes)
				}
			}
			if len(got.docs) != len(docs) {
				t.Fatalf("%d documents, want %d", len(got.docs), len(docs))
			}
			for i, d := range got.docs {
				if fmt.Sprint(pageNumbers(d)) != fmt.Sprint(docs[i]) {
					t.Errorf("document %d: pages %v, want %v", i+1, pageNumbers(d), docs[i])
				}
				if len(want.SplitBefore) == 0 {
					if len(d.Attributes) != 0 {
						t.Errorf("document %d: attributes %v", i+1, d.Attributes)
					}
					continue
				}
				// The ASN the first page says its barcode holds.
				asn := statedASN(t, path, docs[i][0])
				if d.Attributes["asn"] != asn {
					t.Errorf("document %d: attributes %v, want asn %s", i+1, d.Attributes, asn)
				}
			}
		})
	}
}

// Separator barcodes are their own switch: they split a stack whether or
// not the station takes chartscan's cover sheets, and an empty list turns
// them off (the sheet is then a page like any other, its barcode kept).
func TestSeparatorBarcodesSwitch(t *testing.T) {
	path := filepath.Join(testutil.SharedData(t), "paperless-ngx", "patch-code-t-middle.pdf")
	for _, tc := range []struct {
		yaml string
		kind chartscan.PageKind
	}{
		{"separation: {cover_sheets: false}\n", chartscan.PageSeparator},
		{"separation: {separator_barcodes: []}\n", chartscan.PageContent},
		{"separation: {separator_barcodes: [\"patchT \"]}\n", chartscan.PageSeparator},
	} {
		prof, err := config.ParseProfile("station", []byte(tc.yaml))
		if err != nil {
			t.Fatal(err)
		}
		got := processWith(t, newEnv(t), prof, path)
		p := got.pages[1]
		if p.Kind != tc.kind {
			t.Errorf("%q: the PATCHT page is %s, want %s", tc.yaml, p.Kind, tc.kind)
		}
		if tc.kind == chartscan.PageContent && (len(p.Barcodes) != 1 || p.Barcodes[0] != "PATCHT") {
			t.Errorf("%q: the PATCHT page's barcodes = %q", tc.yaml, p.Barcodes)
		}
		if tc.kind == chartscan.PageSeparator && (len(got.docs) != 2 || p.Barcode != "PATCHT") {
			t.Errorf("%q: %d documents, page barcode %q", tc.yaml, len(got.docs), p.Barcode)
		}
	}
}

var statedASNRE = regexp.MustCompile(`containing\W+ASN(\d+)`)

// statedASN returns the ASN that page n of a PDF says, in its own text
// (pdftotext), that its barcode carries.
func statedASN(t *testing.T, path string, n int) string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-f", fmt.Sprint(n), "-l", fmt.Sprint(n), path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	m := statedASNRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("page %d does not say which ASN it carries: %q", n, out)
	}
	return string(m[1])
}

// Pages rendered here: chart notes in a typewriter face, with patient
// labels stuck on them (small, off centre, a little crooked), scanned grey
// or bilevel at 300 or 200 dpi.

func testFace(t *testing.T, ttf []byte, points float64, dpi int) font.Face {
	t.Helper()
	f, err := opentype.Parse(ttf)
	if err != nil {
		t.Fatal(err)
	}
	ff, err := opentype.NewFace(f, &opentype.FaceOptions{Size: points, DPI: float64(dpi), Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	return ff
}

func textAt(dst *image.Gray, f font.Face, x, y int, s string) {
	(&font.Drawer{Dst: dst, Src: image.Black, Face: f, Dot: fixed.P(x, y)}).DrawString(s)
}

// notePage draws a letter page at dpi: lines of text from the top, and
// the sticker, if any, at (x, y) inches.
func notePage(t *testing.T, dpi int, lines []string, sticker *image.Gray, x, y float64) *image.Gray {
	t.Helper()
	g := image.NewGray(image.Rect(0, 0, dpi*85/10, dpi*11))
	draw.Draw(g, g.Rect, image.White, image.Point{}, draw.Src)
	body := testFace(t, gomono.TTF, 11, dpi)
	for i, l := range lines {
		textAt(g, body, dpi*3/4, dpi*3/2+i*dpi/5, l)
	}
	if sticker != nil {
		at := image.Pt(int(x*float64(dpi)), int(y*float64(dpi)))
		draw.Draw(g, sticker.Bounds().Add(at), sticker, sticker.Bounds().Min, draw.Src)
	}
	return g
}

// sticker frames sym as a patient label, a caption above it.
func sticker(t *testing.T, dpi int, sym *image.Gray, caption string) *image.Gray {
	t.Helper()
	pad, capH := dpi/12, dpi/6
	sb := sym.Bounds()
	f := testFace(t, goregular.TTF, 8, dpi)
	w := max(sb.Dx(), font.MeasureString(f, caption).Ceil()+dpi/5)
	g := image.NewGray(image.Rect(0, 0, w+2*pad, sb.Dy()+capH+2*pad))
	draw.Draw(g, g.Rect, image.White, image.Point{}, draw.Src)
	textAt(g, f, pad+dpi/10, pad+capH*3/4, caption)
	draw.Draw(g, sb.Add(image.Pt(pad, pad+capH)), sym, sb.Min, draw.Src)
	return g
}

// symbol draws text in format f with bars of 10 mil (2-D modules 15 mil).
func symbol(t *testing.T, f barcode.Format, text string, dpi int) *image.Gray {
	t.Helper()
	x := dpi / 100
	if f == barcode.QR || f == barcode.DataMatrix {
		x = dpi * 15 / 1000
	}
	g, err := barcode.Encode(text, f, x, dpi*3/8)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// scanned turns a drawn page by deg degrees and gives it a scanner's marks:
// grey (tones, noise) or bilevel (thresholded, specks).
func scanned(t *testing.T, g *image.Gray, deg float64, bilevel bool, rng *rand.Rand) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(g.Rect)
	s, c := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(w)/2, float64(h)/2
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)-cx, float64(y)-cy
			sx, sy := int(c*fx+s*fy+cx), int(-s*fx+c*fy+cy)
			v := 255.0
			if sx >= 0 && sy >= 0 && sx < w && sy < h {
				v = float64(g.Pix[sy*g.Stride+sx])
			}
			if bilevel {
				if v+rng.NormFloat64()*25 < 128 {
					v = 0
				} else {
					v = 255
				}
			} else {
				v = 35 + v*(230-35)/255 + rng.NormFloat64()*8
			}
			out.Pix[y*out.Stride+x] = uint8(max(0, min(255, v)))
		}
	}
	if bilevel {
		for i := 0; i < len(out.Pix)/500; i++ {
			out.Pix[rng.Intn(len(out.Pix))] = 0
		}
	}
	return out
}

// separatorSheet draws a separator sheet of another vendor's kind: a big
// barcode of text in format f across the middle, a line of instructions.
func separatorSheet(t *testing.T, f barcode.Format, text string, dpi int) *image.Gray {
	t.Helper()
	g := image.NewGray(image.Rect(0, 0, dpi*85/10, dpi*11))
	draw.Draw(g, g.Rect, image.White, image.Point{}, draw.Src)
	textAt(g, testFace(t, goregular.TTF, 28, dpi), dpi*3, dpi*2, "PATCH T")
	textAt(g, testFace(t, goregular.TTF, 10, dpi), dpi, dpi*3, "Document separator - insert before each new document. Print at 100 %.")
	sym, err := barcode.Encode(text, f, dpi/60, dpi)
	if err != nil {
		t.Fatal(err)
	}
	at := image.Pt((g.Rect.Dx()-sym.Rect.Dx())/2, dpi*5)
	draw.Draw(g, sym.Bounds().Add(at), sym, image.Point{}, draw.Src)
	return g
}

func pageImage(t *testing.T, g *image.Gray, dpi int, bilevel bool) pdf.PageImage {
	t.Helper()
	b, err := raster.EncodePNG(g, bilevel)
	if err != nil {
		t.Fatal(err)
	}
	return pdf.PageImage{Image: bytes.NewReader(b), Width: g.Rect.Dx(), Height: g.Rect.Dy(), DPI: dpi}
}

// labelProfile is a ward that sticks patient labels on every page (an
// MRN in Code 39 or Interleaved 2 of 5, or name, birth date and MRN in a
// PDF417), separates documents with PATCHT sheets and marks some with an
// encounter barcode and a box number.
const labelProfile = `
description: Ward scanning with patient labels
separation:
  separator_barcodes: ["PATCHT"]
  document_barcodes:
    - {pattern: '^ENC-(V\d+)$', field: encounter}
    - {pattern: '^BOX-(\d+)$', field: box}
  label_barcodes:
    - {pattern: '^(\d{8})$', field: mrn}
    - {pattern: '^([A-Z]+\^[A-Z]+);', field: patient_name}
    - {pattern: ';(\d{4}-\d{2}-\d{2});', field: dob}
    - {pattern: ';(\d{8})$', field: mrn}
`

// A stack of labelled pages through the real pipeline: documents split
// where the label's MRN changes, at PATCHT sheets in Code 39 and Code 128
// (not kept) and at document barcodes; the values come from the barcodes
// over the text; a page whose text names another MRN than its label puts
// its document in review.
func TestLabelAndDocumentBarcodes(t *testing.T) {
	prof, err := config.ParseProfile("ward", []byte(labelProfile))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(7))
	const hi, lo = 300, 200
	note := func(header string, lines ...string) []string {
		return append([]string{"RIVERSIDE COMMUNITY HOSPITAL", header, ""}, lines...)
	}
	progress := []string{
		"PROGRESS NOTE", "",
		"Subjective: Patient reports improved appetite and less pain overnight.",
		"Objective: Afebrile, vital signs stable, wound clean and dry.",
		"Assessment: Post-operative day two, recovering as expected.",
		"Plan: Advance diet, continue oral analgesia, ambulate three times daily.",
	}
	more := []string{
		"Nursing reports the patient walked the corridor twice this morning.",
		"Dressing changed; no drainage. Continue current plan of care.",
	}
	lab := []string{
		"LABORATORY REPORT", "",
		"Sodium 139 mmol/L    Potassium 4.1 mmol/L    Chloride 101 mmol/L",
		"Glucose 96 mg/dL    BUN 14 mg/dL    Creatinine 0.9 mg/dL",
		"WBC 7.2 K/uL    Hemoglobin 13.4 g/dL    Platelets 250 K/uL",
	}
	const mrnA, mrnB, mrnC = "40213377", "51820946", "63301258"
	pdf417C := "HALVORSEN^INGRID;1948-11-03;" + mrnC

	var pages []pdf.PageImage
	add := func(g *image.Gray, dpi int, deg float64, bilevel bool, turn int) {
		s := scanned(t, g, deg, bilevel, rng)
		if turn != 0 {
			s = raster.Rotate(s, turn).(*image.Gray)
		}
		pages = append(pages, pageImage(t, s, dpi, bilevel))
	}
	labelA := func(dpi int) *image.Gray {
		return sticker(t, dpi, symbol(t, barcode.Code39, mrnA, dpi), "MORALES, DIANA  F  MRN "+mrnA)
	}
	labelB := func(dpi int) *image.Gray {
		return sticker(t, dpi, symbol(t, barcode.ITF, mrnB, dpi), "OKAFOR, SAMUEL  M")
	}
	// 1-2: patient A, Code 39 labels; page 2 arrives turned a quarter.
	add(notePage(t, hi, note("Patient: MORALES, DIANA   MRN: "+mrnA+"   DOB: 07/22/1961", progress...), labelA(hi), 5.2, 0.35), hi, 0.8, false, 0)
	add(notePage(t, hi, note("MORALES, DIANA   (continued)", more...), labelA(hi), 5.0, 9.6), hi, -1.1, true, 90)
	// 3-4: patient B, ITF labels at 200 dpi; page 4's text names another MRN.
	add(notePage(t, lo, note("Patient: OKAFOR, SAMUEL   MRN: "+mrnB+"   DOB: 02/14/1955", progress...), labelB(lo), 5.4, 0.4), lo, 1.2, true, 0)
	add(notePage(t, lo, note("OKAFOR, SAMUEL   MRN: 51820964   (continued)", more...), labelB(lo), 0.6, 9.5), lo, -0.6, true, 0)
	// 5: a PATCHT sheet in Code 39.
	add(separatorSheet(t, barcode.Code39, "PATCHT", lo), lo, 0.5, true, 0)
	// 6: patient C, a PDF417 label only (the text names no patient).
	add(notePage(t, hi, lab, sticker(t, hi, symbol(t, barcode.PDF417, pdf417C, hi), "PATIENT LABEL"), 4.9, 0.3), hi, -0.9, false, 0)
	// 7: a PATCHT sheet in Code 128.
	add(separatorSheet(t, barcode.Code128, "PATCHT", hi), hi, -0.4, false, 0)
	// 8-9: an encounter and box barcode on the first page of patient A's lab report.
	enc := sticker(t, hi, symbol(t, barcode.Code128, "ENC-V000777", hi), "ENCOUNTER")
	box := sticker(t, hi, symbol(t, barcode.Code39, "BOX-0042", hi), "ARCHIVE BOX")
	first := notePage(t, hi, note("Patient: MORALES, DIANA   MRN: "+mrnA+"   DOB: 07/22/1961", lab...), enc, 5.3, 0.3)
	draw.Draw(first, box.Bounds().Add(image.Pt(hi/2, hi*93/10)), box, image.Point{}, draw.Src)
	add(first, hi, 0.6, true, 0)
	add(notePage(t, hi, note("MORALES, DIANA   (continued)", "Lipid panel pending; will be reported separately."), labelA(hi), 5.1, 0.3), hi, 0.3, false, 0)
	// 10: another encounter barcode starts another document.
	add(notePage(t, hi, note("(continued)", more...), sticker(t, hi, symbol(t, barcode.Code128, "ENC-V000778", hi), "ENCOUNTER"), 5.3, 0.3), hi, -0.5, true, 0)

	var buf bytes.Buffer
	if _, err := pdf.Assemble(&buf, pages); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ward stack.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got := processWith(t, newEnv(t), prof, path)

	kinds := ""
	for _, p := range got.pages {
		kinds += string(p.Kind)[:3] + " "
	}
	if kinds != "con con con con sep con sep con con con " {
		t.Errorf("page kinds: %s", kinds)
	}
	if b := got.pages[0].Barcodes; len(b) != 1 || b[0] != mrnA {
		t.Errorf("page 1 barcodes = %q, want the label's MRN", b)
	}
	type want struct {
		pages       string
		mrn, name   string
		dob, enc    string
		attrs       string
		needsReview string // a reason it must carry, "" for none of the barcode reasons
	}
	wants := []want{
		{"[1 2]", mrnA, "MORALES^DIANA", "1961-07-22", "", "map[]", ""},
		{"[3 4]", mrnB, "OKAFOR^SAMUEL", "", "", "map[]", "label barcode MRN differs from the page text"},
		{"[6]", mrnC, "HALVORSEN^INGRID", "1948-11-03", "", "map[]", ""},
		{"[8 9]", mrnA, "MORALES^DIANA", "1961-07-22", "V000777", "map[box:0042]", ""},
		{"[10]", "", "", "", "V000778", "map[]", ""},
	}
	if len(got.docs) != len(wants) {
		for _, d := range got.docs {
			t.Logf("document %v mrn %s", pageNumbers(d), d.MRN)
		}
		t.Fatalf("%d documents, want %d", len(got.docs), len(wants))
	}
	for i, w := range wants {
		d := got.docs[i]
		attrs := fmt.Sprint(d.Attributes)
		if d.Attributes == nil {
			attrs = "map[]"
		}
		if fmt.Sprint(pageNumbers(d)) != w.pages || d.MRN != w.mrn || d.Encounter != w.enc || attrs != w.attrs ||
			(w.name != "" && d.PatientName != w.name) || (w.dob != "" && d.DOB != w.dob) {
			t.Errorf("document %d = pages %v mrn %q name %q dob %q encounter %q attributes %s; want %+v",
				i+1, pageNumbers(d), d.MRN, d.PatientName, d.DOB, d.Encounter, attrs, w)
		}
		has := strings.Contains(strings.Join(d.ReviewReasons, "|"), "label barcode MRN differs")
		if w.needsReview != "" && (!has || !d.NeedsReview) {
			t.Errorf("document %d: review %v %q, want %q", i+1, d.NeedsReview, d.ReviewReasons, w.needsReview)
		}
		if w.needsReview == "" && has {
			t.Errorf("document %d: review reasons %q", i+1, d.ReviewReasons)
		}
	}
}
