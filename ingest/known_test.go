package ingest_test

import (
	"slices"
	"testing"

	"chartscan"
	"chartscan/ingest"
)

// What a manifest's patient says against a document's values: a value
// missing on either side disagrees with nothing, MRNs ignore case and
// space, names and birth dates are compared as the patient index does.
func TestKnownPatientDiffers(t *testing.T) {
	k := &ingest.KnownPatient{MRN: "A00412345", Name: "OKAFOR^CHIDI", DOB: "1940-11-02"}
	for _, tc := range []struct {
		name string
		doc  chartscan.Document
		want []string
	}{
		{"the same", chartscan.Document{MRN: "A00412345", PatientName: "OKAFOR^CHIDI", DOB: "1940-11-02"}, nil},
		{"nothing read", chartscan.Document{}, nil},
		{"MRN in another case, with space", chartscan.Document{MRN: " a00412345"}, nil},
		{"an OCR slip in the name", chartscan.Document{PatientName: "OKAF0R^CHIDI"}, nil},
		{"another MRN", chartscan.Document{MRN: "A00412346", PatientName: "OKAFOR^CHIDI"}, []string{ingest.ReasonKnownMRN}},
		{"another patient", chartscan.Document{MRN: "05512093", PatientName: "LINDQVIST^SARA", DOB: "1961-07-22"},
			[]string{ingest.ReasonKnownMRN, ingest.ReasonKnownName, ingest.ReasonKnownDOB}},
		{"another birth date only", chartscan.Document{DOB: "1961-07-22"}, []string{ingest.ReasonKnownDOB}},
	} {
		if got := k.Differs(&tc.doc); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Differs = %v, want %v", tc.name, got, tc.want)
		}
	}
	var none *ingest.KnownPatient
	if got := none.Differs(&chartscan.Document{MRN: "1"}); got != nil {
		t.Errorf("nil KnownPatient: %v", got)
	}
	if got := (&ingest.KnownPatient{MRN: "1"}).Differs(&chartscan.Document{PatientName: "X^Y", DOB: "2000-01-01"}); got != nil {
		t.Errorf("a manifest with only an MRN, a document with none: %v", got)
	}
}
