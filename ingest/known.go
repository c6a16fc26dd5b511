package ingest

import (
	"strings"

	"chartscan"
	"chartscan/patients"
)

// KnownPatient is who a file is filed under by an index kept outside
// chartscan: a row of a backfile migration's manifest, which the scanning
// vendor keyed from the chart's folder. Empty fields are not known.
type KnownPatient struct {
	MRN  string
	Name string // LAST^FIRST
	DOB  string // YYYY-MM-DD
}

// Review reasons of a document that names another patient than its
// file's index.
const (
	ReasonKnownMRN  = "MRN differs from the manifest"
	ReasonKnownName = "patient name differs from the manifest"
	ReasonKnownDOB  = "date of birth differs from the manifest"
)

// Differs returns the review reasons of a document whose patient is not
// k's, nil when it agrees. A value missing on either side disagrees with
// nothing; MRNs are compared without case and surrounding space, names
// and dates of birth as the patient index compares them (allowing OCR
// slips, nicknames and name order).
func (k *KnownPatient) Differs(doc *chartscan.Document) []string {
	if k == nil {
		return nil
	}
	var out []string
	if k.MRN != "" && doc.MRN != "" && !strings.EqualFold(strings.TrimSpace(k.MRN), strings.TrimSpace(doc.MRN)) {
		out = append(out, ReasonKnownMRN)
	}
	if k.Name != "" && doc.PatientName != "" && !patients.SameName(doc.PatientName, k.Name) {
		out = append(out, ReasonKnownName)
	}
	if k.DOB != "" && doc.DOB != "" && !patients.SameDOB(doc.DOB, k.DOB) {
		out = append(out, ReasonKnownDOB)
	}
	return out
}

// applyKnown weighs a document against its file's index (Assembler.Known),
// after its values were read from the pages and its cover sheet: what the
// paper says is kept, and a document that names another patient goes to
// review with the reasons; a value the paper does not give is taken from
// the index, so that a chart whose pages carry no MRN is still filed under
// its patient. The patient index check comes after, on the values so set.
func (a *Assembler) applyKnown(doc *chartscan.Document) {
	k := a.Known
	if k == nil {
		return
	}
	for _, r := range k.Differs(doc) {
		addReason(doc, r)
	}
	if doc.MRN == "" {
		doc.MRN = strings.TrimSpace(k.MRN)
	}
	if doc.PatientName == "" {
		doc.PatientName = k.Name
	}
	if doc.DOB == "" {
		doc.DOB = k.DOB
	}
}
