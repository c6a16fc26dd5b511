package ingest

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"chartscan"
)

// Document and label barcodes (the profile's separation.document_barcodes
// and separation.label_barcodes): what the barcodes read on a content page
// (Page.Barcodes) say about its document. Separator barcodes are decided
// earlier, in the kind step of a page, because a separator page is not
// read further.
//
// Barcode values are printed by a machine from the hospital's own system,
// so they are trusted over the OCR text: a label value sets its page's
// values, and the document's values come from its barcodes where it has
// any, from the text votes otherwise. Where the text of a labelled page
// names another MRN than its label, the label wins and the document goes
// to review, since one of the two is on the wrong patient's paper.

// barcodeRules are a profile's document and label barcode rules, compiled.
// They are safe for concurrent use.
type barcodeRules struct {
	document, label []barcodeRule
}

type barcodeRule struct {
	re    *regexp.Regexp
	field string
}

// newBarcodeRules compiles the rules of a profile. The profile was
// validated; a rule that does not compile is left out.
func newBarcodeRules(prof *chartscan.Profile) barcodeRules {
	compile := func(rules []chartscan.BarcodeRule) []barcodeRule {
		var out []barcodeRule
		for _, r := range rules {
			if re, err := regexp.Compile(r.Pattern); err == nil {
				out = append(out, barcodeRule{re: re, field: r.Field})
			}
		}
		return out
	}
	return barcodeRules{document: compile(prof.Separation.DocumentBarcodes), label: compile(prof.Separation.LabelBarcodes)}
}

// barcodeValues are what the barcodes of one content page say.
type barcodeValues struct {
	// document is true when a document barcode is on the page: it starts
	// a new document. docFields are that barcode's values, by field.
	document  bool
	docFields map[string]string
	// label are the values of the patient labels on the page, by field.
	label map[string]string
	// textMRN is the MRN the page text gave where a label gave another.
	textMRN string
	// problems are review reasons: values that could not be used.
	problems []string
}

// read applies the rules to the barcode texts of a page, top to bottom.
// Every rule that matches a text sets its field, the first value read for
// a field winning; the value is the first capture group, else the whole
// text.
func (r barcodeRules) read(texts []string) barcodeValues {
	var v barcodeValues
	for _, t := range texts {
		for _, rule := range r.document {
			if val, ok := rule.value(t); ok {
				v.document = true
				v.docFields = v.set(v.docFields, rule.field, val)
			}
		}
		for _, rule := range r.label {
			if val, ok := rule.value(t); ok {
				v.label = v.set(v.label, rule.field, val)
			}
		}
	}
	return v
}

func (r barcodeRule) value(text string) (string, bool) {
	m := r.re.FindStringSubmatch(text)
	if m == nil {
		return "", false
	}
	if len(m) > 1 {
		return m[1], true
	}
	return m[0], true
}

// set normalises val for field and stores it in m unless the field has a
// value already; a value that is not one of its field is noted as a
// problem and left out.
func (v *barcodeValues) set(m map[string]string, field, val string) map[string]string {
	val = strings.TrimSpace(val)
	if val == "" || m[field] != "" {
		return m
	}
	switch field {
	case chartscan.FieldPatientName:
		val = barcodeName(val)
	case chartscan.FieldDOB:
		if val = barcodeDate(val); val == "" {
			v.problem("a barcode's date of birth is not a date")
			return m
		}
	case chartscan.FieldSection:
		sec, err := chartscan.ParseSection(strings.ToLower(val))
		if err != nil {
			v.problem("a barcode names an unknown chart section")
			return m
		}
		val = string(sec)
	}
	if utf8.RuneCountInString(val) > 128 {
		v.problem("a barcode value is too long")
		return m
	}
	if m == nil {
		m = map[string]string{}
	}
	m[field] = val
	return m
}

func (v *barcodeValues) problem(reason string) {
	for _, p := range v.problems {
		if p == reason {
			return
		}
	}
	v.problems = append(v.problems, reason)
}

// barcodeName writes a name as LAST^FIRST in capitals: "DOE^JOHN" stays,
// "Doe, John" becomes DOE^JOHN; other spellings are kept in capitals.
func barcodeName(s string) string {
	s = strings.ToUpper(strings.Join(strings.Fields(s), " "))
	if last, first, ok := strings.Cut(s, ","); ok && !strings.Contains(s, "^") {
		s = strings.TrimSpace(last) + "^" + strings.TrimSpace(first)
	}
	return s
}

// barcodeDate reads a date as barcodes print it — 1957-04-12, 19570412 or
// 04/12/1957 — and returns it as YYYY-MM-DD, or "" for anything else or
// an impossible date.
func barcodeDate(s string) string {
	for _, layout := range []string{"2006-01-02", "20060102", "01/02/2006", "1/2/2006"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() >= 1850 && !t.After(time.Now()) {
			return t.Format("2006-01-02")
		}
	}
	return ""
}

// applyLabels makes the page's label values its own, over what its text
// says, and notes an MRN that the text gives otherwise.
func (p *pageInfo) applyLabels() {
	l := p.codes.label
	if l == nil {
		return
	}
	if m := l[chartscan.FieldMRN]; m != "" {
		if p.fields.MRN != "" && p.fields.MRN != m {
			p.codes.textMRN = p.fields.MRN
		}
		p.fields.MRN = m
	}
	if n := l[chartscan.FieldPatientName]; n != "" {
		p.fields.Name = n
	}
	if d := l[chartscan.FieldDOB]; d != "" {
		p.fields.DOB = d
	}
}

// barcodeStarts reports whether the barcodes of page p begin a new
// document rather than continuing cur: a document barcode, or a label
// MRN other than the last one of cur. The first page after a cover sheet
// stays with the sheet.
func barcodeStarts(cur *docState, p pageInfo) bool {
	if len(cur.pages) == 0 {
		return false
	}
	if p.codes.document {
		return true
	}
	m := p.codes.label[chartscan.FieldMRN]
	if m == "" {
		return false
	}
	for i := len(cur.pages) - 1; i >= 0; i-- {
		if last := cur.pages[i].codes.label[chartscan.FieldMRN]; last != "" {
			return last != m
		}
	}
	return false
}

// applyBarcodeValues sets a document's values from its barcodes, over the
// text votes: the labels' values, voted over its pages, then the values
// of the document barcode on its first page. A cover sheet's values win
// over both; a disagreement with it, or between a label and the page
// text, is a review reason.
func applyBarcodeValues(doc *chartscan.Document, d *docState) {
	labels := map[string]vote{}
	var problems []string
	textDiffers := false
	for _, p := range d.pages {
		for f, v := range p.codes.label {
			if labels[f] == nil {
				labels[f] = vote{}
			}
			labels[f].add(v, 1)
		}
		textDiffers = textDiffers || p.codes.textMRN != ""
		problems = append(problems, p.codes.problems...)
	}
	values := map[string]string{}
	for f, v := range labels {
		values[f] = v.best()
		if f == chartscan.FieldMRN && len(v) > 1 {
			addReason(doc, "patient labels name more than one MRN")
		}
	}
	if len(d.pages) > 0 {
		for f, v := range d.pages[0].codes.docFields {
			values[f] = v
		}
		// doc.MRN is still the vote of the pages (labels included).
		if m := d.pages[0].codes.docFields[chartscan.FieldMRN]; m != "" && d.cover == nil && doc.MRN != "" && doc.MRN != m {
			addReason(doc, "document barcode MRN differs from the pages")
		}
	}
	if textDiffers {
		addReason(doc, "label barcode MRN differs from the page text")
	}
	for _, r := range problems {
		addReason(doc, r)
	}
	c := d.cover
	for f, v := range values {
		switch f {
		case chartscan.FieldMRN:
			if c != nil && c.MRN != "" {
				if c.MRN != v {
					addReason(doc, "cover sheet MRN differs from the barcodes")
				}
				continue
			}
			doc.MRN = v
		case chartscan.FieldPatientName:
			if c == nil || c.Name == "" {
				doc.PatientName = v
			}
		case chartscan.FieldDOB:
			if c == nil || c.DOB == "" {
				doc.DOB = v
			}
		case chartscan.FieldEncounter:
			if c == nil || c.Encounter == "" {
				doc.Encounter = v
			}
		case chartscan.FieldSection:
			if c == nil || c.Section == "" {
				doc.Section, doc.SectionConfidence = chartscan.Section(v), 1
			}
		default:
			if doc.Attributes == nil {
				doc.Attributes = map[string]string{}
			}
			doc.Attributes[f] = v
		}
	}
}
