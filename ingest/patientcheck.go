package ingest

import (
	"context"

	"chartscan/extract"
	"chartscan/patients"
)

// checkPatient puts a document in front of a person when who it belongs
// to is in doubt, and offers the patient index's match. Values are
// checked across the pages: pages that disagree on the patient's name or
// date of birth (beyond OCR slips), or a cover sheet that names another
// patient than the pages, need review, as does an MRN that does not have
// the site's form (profile mrn_pattern). With a patient index
// (Assembler.Patients), the MRN must exist there and the name and date
// of birth agree (patients.Check); otherwise the reasons say what
// disagrees and a unique match on name and date of birth is offered as
// the suggested MRN. A confirmed patient's name and date of birth are
// written as the index has them.
func (a *Assembler) checkPatient(ctx context.Context, ex *extract.Extractor, d *docState) {
	doc := d.doc
	var names, dobs []string
	for _, p := range d.pages {
		if p.fields.MRNUnread {
			addReason(doc, "an MRN on the pages could not be read")
		}
		if p.fields.Name != "" {
			names = append(names, p.fields.Name)
		}
		if p.fields.DOB != "" {
			dobs = append(dobs, p.fields.DOB)
		}
	}
	if c := d.cover; c != nil {
		if c.Name != "" && !allAgree(append([]string{c.Name}, names...), patients.SameName) {
			addReason(doc, "cover sheet name differs from the pages")
		}
		if c.DOB != "" && !allAgree(append([]string{c.DOB}, dobs...), patients.SameDOB) {
			addReason(doc, "cover sheet date of birth differs from the pages")
		}
	}
	if !allAgree(names, patients.SameName) {
		addReason(doc, "pages disagree on the patient name")
	}
	if !allAgree(dobs, patients.SameDOB) {
		addReason(doc, "pages disagree on the date of birth")
	}
	if doc.MRN != "" && !ex.ValidMRN(doc.MRN) {
		addReason(doc, "MRN does not have the site's MRN format")
	}
	if a.Patients == nil {
		return
	}
	v := patients.Check(ctx, a.Patients, patients.Claim{MRN: doc.MRN, Name: doc.PatientName, DOB: doc.DOB})
	for _, r := range v.Reasons {
		addReason(doc, r)
	}
	doc.SuggestedMRN = v.SuggestedMRN
	if p := v.Patient; p != nil {
		doc.PatientName = p.Name()
		if p.DOB != "" {
			doc.DOB = p.DOB
		}
	}
}

// allAgree reports whether every two of vs agree by same.
func allAgree(vs []string, same func(a, b string) bool) bool {
	for i := range vs {
		for j := i + 1; j < len(vs); j++ {
			if vs[i] != vs[j] && !same(vs[i], vs[j]) {
				return false
			}
		}
	}
	return true
}

// otherPatient reports whether a page plainly names another patient than
// the document it follows, by name or date of birth (beyond OCR slips):
// a page whose MRN was not read still starts a document of its own then.
func otherPatient(cur *docState, f extract.Fields) bool {
	name, dob := "", ""
	if c := cur.cover; c != nil {
		name, dob = c.Name, c.DOB
	}
	if len(cur.pages) > 0 {
		if name == "" {
			name = cur.pages[0].fields.Name
		}
		if dob == "" {
			dob = cur.pages[0].fields.DOB
		}
	}
	return f.Name != "" && name != "" && !patients.SameName(f.Name, name) ||
		f.DOB != "" && dob != "" && !patients.SameDOB(f.DOB, dob)
}
