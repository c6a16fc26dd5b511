package ingest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"chartscan"
)

const testBatch = chartscan.BatchID("0123456789abcdef")

// progressNotes is a classifier sure that every page is a progress note.
type progressNotes struct{}

func (progressNotes) Classify(string) []float64 {
	p := make([]float64, len(chartscan.Sections))
	for i, s := range chartscan.Sections {
		if s == chartscan.SectionProgressNotes {
			p[i] = 1
		}
	}
	return p
}

// assembleCodes assembles pages that carry the given barcode texts and
// page text (a blank text is a page without a header), or are sheets.
func assembleCodes(t *testing.T, rules string, pages []scannedPage) []*chartscan.Document {
	t.Helper()
	prof := chartscan.NewProfile("ward")
	for _, line := range strings.Split(strings.TrimSpace(rules), "\n") {
		kind, rule, _ := strings.Cut(line, " ")
		pattern, field, _ := strings.Cut(rule, " ")
		r := chartscan.BarcodeRule{Pattern: pattern, Field: field}
		if kind == "doc" {
			prof.Separation.DocumentBarcodes = append(prof.Separation.DocumentBarcodes, r)
		} else {
			prof.Separation.LabelBarcodes = append(prof.Separation.LabelBarcodes, r)
		}
	}
	if err := prof.Validate(); err != nil {
		t.Fatal(err)
	}
	return (&Assembler{Classifier: progressNotes{}}).Assemble(context.Background(), testBatch, prof, pages, time.Now())
}

func content(n int, text string, codes ...string) scannedPage {
	return scannedPage{page: &chartscan.Page{ID: testBatch.Page(n), Number: n, Kind: chartscan.PageContent, Text: text, Barcodes: codes}}
}

func describe(docs []*chartscan.Document) string {
	var out []string
	for _, d := range docs {
		var ns []string
		for _, id := range d.Pages {
			_, n, _ := chartscan.ParsePageID(string(id))
			ns = append(ns, fmt.Sprint(n))
		}
		s := fmt.Sprintf("[%s] mrn=%s", strings.Join(ns, " "), d.MRN)
		for _, kv := range [][2]string{{"name", d.PatientName}, {"dob", d.DOB}, {"enc", d.Encounter}, {"section", string(d.Section)}} {
			if kv[1] != "" && kv[1] != string(chartscan.SectionProgressNotes) {
				s += " " + kv[0] + "=" + kv[1]
			}
		}
		if len(d.Attributes) > 0 {
			s += fmt.Sprint(" ", d.Attributes)
		}
		for _, r := range d.ReviewReasons {
			if r != "no MRN" {
				s += " review=" + r
			}
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func TestBarcodeRulesInAssembly(t *testing.T) {
	const labels = `
label ^(\d{8})$ mrn
label ^([A-Z]+\^[A-Z]+); patient_name
label ;([0-9/-]{8,10});\d{8}$ dob
label ;(\d{8})$ mrn
doc ^ENC-(V\d+)$ encounter
doc ^BOX-(\d+)$ box
doc ^DOC-([a-z_]+)$ section
doc ^MRN-(\d{8})$ mrn`
	header := func(mrn string) string {
		return "Patient: DOE, JANE   MRN: " + mrn + "   DOB: 01/02/1960\nPROGRESS NOTE\n"
	}
	cover := scannedPage{page: &chartscan.Page{Number: 0, Kind: chartscan.PageCover},
		cover: &chartscan.CoverSheet{MRN: "11111111", Section: chartscan.SectionLaboratory}}
	for _, tc := range []struct {
		name  string
		pages []scannedPage
		want  string
	}{
		{"label MRN change starts a document", []scannedPage{
			content(1, "", "12345678"), content(2, "", "12345678"), content(3, "", "87654321"), content(4, ""),
		}, "[1 2] mrn=12345678; [3 4] mrn=87654321"},
		{"label wins over the text, and says so", []scannedPage{
			content(1, header("12345678")), content(2, "(continued) MRN: 12345687", "12345678"),
		}, "[1 2] mrn=12345678 name=DOE^JANE dob=1960-01-02 review=label barcode MRN differs from the page text"},
		{"a PDF417 label gives name, birth date and MRN", []scannedPage{
			content(1, "", "ROE^RICHARD;19480212;22223333"), content(2, "", "ROE^RICHARD;02/12/1948;22223333"),
		}, "[1 2] mrn=22223333 name=ROE^RICHARD dob=1948-02-12"},
		{"an impossible birth date is left out, for review", []scannedPage{
			content(1, "", "ROE^RICHARD;19481312;22223333"),
		}, "[1] mrn=22223333 name=ROE^RICHARD review=a barcode's date of birth is not a date"},
		{"document barcodes start documents and set fields", []scannedPage{
			content(1, "", "ENC-V000123", "BOX-0042"), content(2, ""), content(3, "", "ENC-V000124"), content(4, "", "DOC-laboratory"),
		}, "[1 2] mrn= enc=V000123 map[box:0042]; [3] mrn= enc=V000124; [4] mrn= section=laboratory"},
		{"an unknown section is not taken", []scannedPage{
			content(1, "", "DOC-pharmacy"),
		}, "[1] mrn= review=a barcode names an unknown chart section"},
		{"a document barcode after a cover sheet stays with it; the cover wins", []scannedPage{
			cover, content(1, "", "MRN-22223333", "BOX-7"), content(2, ""),
		}, "[1 2] mrn=11111111 section=laboratory map[box:7] review=cover sheet MRN differs from the barcodes"},
		{"a document barcode MRN the text contradicts", []scannedPage{
			content(1, header("12345678"), "MRN-22223333"),
		}, "[1] mrn=22223333 name=DOE^JANE dob=1960-01-02 review=document barcode MRN differs from the pages"},
		{"unmatched barcodes change nothing", []scannedPage{
			content(1, header("12345678"), "XYZ-1"), content(2, "(continued)", "1234"),
		}, "[1 2] mrn=12345678 name=DOE^JANE dob=1960-01-02"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describe(assembleCodes(t, labels, tc.pages)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestBarcodeValues(t *testing.T) {
	for in, want := range map[string]string{
		"1957-04-12": "1957-04-12", "19570412": "1957-04-12", "04/12/1957": "1957-04-12", "4/2/1957": "1957-04-02",
		"1957-02-30": "", "12/31/2999": "", "1957": "", "April 1957": "",
	} {
		if got := barcodeDate(in); got != want {
			t.Errorf("barcodeDate(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"DOE^JOHN": "DOE^JOHN", "Doe, John": "DOE^JOHN", "  o'brien ,  mary ann ": "O'BRIEN^MARY ANN", "John Doe": "JOHN DOE",
	} {
		if got := barcodeName(in); got != want {
			t.Errorf("barcodeName(%q) = %q, want %q", in, got, want)
		}
	}
}
