package patients

import (
	"context"
	"strings"

	"chartscan"
)

// Claim is what the pages of a document say of its patient.
type Claim struct {
	MRN  string // as read; "" when none was read
	Name string // LAST^FIRST as read; "" when none was read
	DOB  string // YYYY-MM-DD; "" when none was read
}

// Verdict is what the patient index says of a Claim.
type Verdict struct {
	// Patient is the index's patient the claim was confirmed as: the
	// MRN exists and the name and date of birth on the pages agree with
	// it. Nil when the claim was not confirmed.
	Patient *chartscan.Patient
	// SuggestedMRN is the one patient of the index whose name and date
	// of birth agree with the pages, offered when the claim was not
	// confirmed; "" when no patient, or more than one, agrees.
	SuggestedMRN string
	// Reasons say, for the technician, why the claim was not confirmed;
	// empty when it was, or when there was no MRN to check.
	Reasons []string
}

// Review reasons, as the technician reads them.
const (
	ReasonUnknownMRN  = "MRN not in the patient index"
	ReasonNameDiffers = "name differs from the patient index"
	ReasonDOBDiffers  = "date of birth differs from the patient index"
	ReasonBetterFit   = "name and date of birth fit another patient of the index better"
	ReasonNoEvidence  = "no name or date of birth on the pages to confirm the MRN with"
	ReasonMRNConflict = "MRN names more than one patient in the patient index"
	ReasonUnavailable = "patient index unavailable: patient not checked"
)

// Check checks a document's patient against the index.
//
// The MRN must exist, and the name and date of birth the pages carry
// must agree with the index's patient, allowing for what OCR and forms do
// to them: letters that look alike and small slips in names, a digit
// misread or day and month swapped in a date, LAST FIRST for FIRST LAST,
// nicknames (Bill for William), an initial or a middle name. A claim that
// agrees only so (not exactly) is confirmed only when no other patient of
// the index fits the pages better — twins registered one after the other
// differ by a letter and an MRN digit. A name that plainly differs is
// never accepted. Patients sharing a name or a birth date are the normal
// case: the MRN, with what agrees, decides; a suggestion is made only
// when exactly one patient fits both name and date of birth.
//
// An index that cannot be asked gives the reason ReasonUnavailable and
// no confirmation: the document must go to a person.
func Check(ctx context.Context, idx chartscan.PatientIndex, c Claim) Verdict {
	var v Verdict
	var cands []chartscan.Patient
	var candErr error
	candsDone := false
	candidates := func() ([]chartscan.Patient, error) {
		if !candsDone {
			cands, candErr = findCandidates(ctx, idx, c)
			candsDone = true
		}
		return cands, candErr
	}
	if c.MRN != "" {
		p, err := idx.Patient(ctx, c.MRN)
		switch chartscan.ErrorCode(err) {
		case "":
			v.Reasons = confirm(c, p, candidates)
			if len(v.Reasons) == 0 {
				v.Patient = p
				return v
			}
		case chartscan.ENOTFOUND:
			v.Reasons = []string{ReasonUnknownMRN}
		case chartscan.ECONFLICT:
			v.Reasons = []string{ReasonMRNConflict}
		default:
			v.Reasons = []string{ReasonUnavailable}
			return v
		}
	}
	if c.Name == "" || c.DOB == "" {
		return v
	}
	all, err := candidates()
	if err != nil {
		return v
	}
	var fit []chartscan.Patient
	for _, p := range all {
		n, d := compareName(c.Name, &p), compareDOB(c.DOB, p.DOB)
		if n >= aClose && d >= aClose {
			fit = append(fit, p)
		}
	}
	if len(fit) == 1 && fit[0].MRN != c.MRN {
		v.SuggestedMRN = fit[0].MRN
	}
	return v
}

// confirm returns why the index's patient p of the claimed MRN is not
// confirmed as the claim's patient; nothing when it is.
func confirm(c Claim, p *chartscan.Patient, candidates func() ([]chartscan.Patient, error)) []string {
	n, d := compareName(c.Name, p), compareDOB(c.DOB, p.DOB)
	var reasons []string
	if n == aDiffers {
		reasons = append(reasons, ReasonNameDiffers)
	}
	if d == aDiffers {
		reasons = append(reasons, ReasonDOBDiffers)
	}
	if len(reasons) > 0 {
		return reasons
	}
	if n == aUnknown && d == aUnknown {
		return []string{ReasonNoEvidence}
	}
	if n != aClose && d != aClose {
		return nil // every value the pages carry is the index's
	}
	all, err := candidates()
	if err != nil {
		return []string{ReasonUnavailable}
	}
	mine := score(n, d)
	for _, o := range all {
		if o.MRN == p.MRN {
			continue
		}
		on, od := compareName(c.Name, &o), compareDOB(c.DOB, o.DOB)
		if on != aDiffers && od != aDiffers && score(on, od) > mine {
			return []string{ReasonBetterFit}
		}
	}
	return nil
}

func score(n, d agreement) int { return int(n) + int(d) }

// findCandidates asks the index for the patients who may be the claim's:
// those of its family name, of its given name taken as a family name
// (the other order), and of its date of birth. Each is asked apart, so
// that a slip in one still finds the patient by another.
func findCandidates(ctx context.Context, idx chartscan.PatientIndex, c Claim) ([]chartscan.Patient, error) {
	fam, giv := splitName(c.Name)
	var qs []chartscan.PatientQuery
	if NameKey(fam) != "" {
		qs = append(qs, chartscan.PatientQuery{FamilyName: fam})
	}
	if NameKey(giv) != "" {
		qs = append(qs, chartscan.PatientQuery{FamilyName: giv})
	}
	if c.DOB != "" {
		qs = append(qs, chartscan.PatientQuery{DOB: c.DOB})
	}
	seen := map[string]bool{}
	var out []chartscan.Patient
	for _, q := range qs {
		ps, err := idx.FindPatients(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if !seen[p.MRN] {
				seen[p.MRN] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// splitName returns the family and the given part of LAST^FIRST.
func splitName(n string) (family, given string) {
	family, given, _ = strings.Cut(n, "^")
	return family, given
}

// SameName reports whether two names as pages carry them (LAST^FIRST)
// can be one person's, by the rules Check applies: a missing name
// disagrees with nothing.
func SameName(a, b string) bool {
	fam, giv := splitName(b)
	return compareName(a, &chartscan.Patient{FamilyName: fam, GivenName: giv}) != aDiffers
}

// SameDOB reports whether two dates of birth (YYYY-MM-DD) can be one, by
// the rules Check applies: a missing date disagrees with nothing.
func SameDOB(a, b string) bool { return compareDOB(a, b) != aDiffers }
