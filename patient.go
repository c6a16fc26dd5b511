package chartscan

import (
	"context"
	"strings"
)

// Patient is one person of the hospital's master patient index (MPI):
// the medical record number the hospital filed them under, and what
// identifies them on paper.
type Patient struct {
	MRN        string `json:"mrn"`
	FamilyName string `json:"family_name"`
	GivenName  string `json:"given_name"` // given names, first to last ("William J")
	DOB        string `json:"dob"`        // YYYY-MM-DD, "" when the index does not know it
}

// Name returns the patient's name as documents carry it: FAMILY^GIVEN in
// capitals ("SMITH^WILLIAM J").
func (p Patient) Name() string {
	return strings.ToUpper(strings.TrimSpace(p.FamilyName)) + "^" + strings.ToUpper(strings.TrimSpace(p.GivenName))
}

// PatientQuery asks a patient index for the patients that may be the one
// a document names. Empty fields do not restrict the search; at least one
// must be set.
type PatientQuery struct {
	FamilyName string
	GivenName  string
	DOB        string // YYYY-MM-DD
}

// PatientIndex is the master patient index: who the hospital's patients
// are, by medical record number. Capture checks every document's patient
// against it (package patients holds the implementations and the
// matching rules).
//
// Implementations are safe for concurrent use and may reload their data
// while in use: each call answers from one consistent version. Errors:
// ENOTFOUND for an MRN the index does not hold, EINVALID for a malformed
// query, EUNAVAILABLE when the index cannot be asked (a FHIR server down,
// refusing the token or timing out) — the caller must then treat the
// patient as unchecked, never as confirmed.
type PatientIndex interface {
	// Patient returns the patient filed under mrn (compared as printed,
	// case-insensitively). No such patient is ENOTFOUND.
	Patient(ctx context.Context, mrn string) (*Patient, error)

	// FindPatients returns the candidates for q: at least every patient
	// whose family name, given name and date of birth equal those set in
	// q, names compared without regard to case, accents, spaces or
	// punctuation. An implementation may return more (a FHIR server
	// matches names by their beginning); the caller decides which
	// candidates agree. None found is an empty slice and no error; a
	// query with no field set is EINVALID.
	FindPatients(ctx context.Context, q PatientQuery) ([]Patient, error)
}
