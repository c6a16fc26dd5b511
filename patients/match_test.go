package patients_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"chartscan"
	"chartscan/patients"
	"chartscan/patients/patientstest"
)

// down is an index that cannot be asked.
type down struct{}

func (down) Patient(context.Context, string) (*chartscan.Patient, error) {
	return nil, chartscan.Errorf(chartscan.EUNAVAILABLE, "down")
}
func (down) FindPatients(context.Context, chartscan.PatientQuery) ([]chartscan.Patient, error) {
	return nil, chartscan.Errorf(chartscan.EUNAVAILABLE, "down")
}

func TestCheck(t *testing.T) {
	reg := append([]chartscan.Patient{}, patientstest.Patients...)
	reg = append(reg,
		// Twins registered one after the other.
		chartscan.Patient{MRN: "20000001", FamilyName: "Rossi", GivenName: "Mario", DOB: "2001-05-05"},
		chartscan.Patient{MRN: "20000002", FamilyName: "Rossi", GivenName: "Maria", DOB: "2001-05-05"},
		// Two John Browns born the same day.
		chartscan.Patient{MRN: "30000001", FamilyName: "Brown", GivenName: "John", DOB: "1944-08-08"},
		chartscan.Patient{MRN: "30000002", FamilyName: "Brown", GivenName: "John", DOB: "1944-08-08"},
	)
	path := filepath.Join(t.TempDir(), "patients.csv")
	writeCSV(t, path, reg)
	idx, err := patients.OpenCSV(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		confirmed string // MRN of the confirmed patient, "" for none
		suggested string
		reasons   []string
	}
	for _, tc := range []struct {
		name  string
		claim patients.Claim
		want  want
	}{
		{"exact", patients.Claim{MRN: "10000001", Name: "SMITH^JOHN", DOB: "1957-04-12"}, want{confirmed: "10000001"}},
		{"sibling with the same birth date is another patient", patients.Claim{MRN: "10000003", Name: "SMITH^JANE", DOB: "1957-04-12"}, want{confirmed: "10000003"}},
		{"namesake born another year", patients.Claim{MRN: "10000002", Name: "SMITH^JOHN", DOB: "1981-09-30"}, want{confirmed: "10000002"}},
		{"accents and apostrophes", patients.Claim{MRN: "10000005", Name: "MUNOZ^JOSE", DOB: "1970-01-02"}, want{confirmed: "10000005"}},
		{"O'Connor as OCR reads it", patients.Claim{MRN: "10000006", Name: "OCONNOR^MICHAEL", DOB: "1956-12-01"}, want{confirmed: "10000006"}},
		{"nickname", patients.Claim{MRN: "10000008", Name: "OKAFOR^BILL", DOB: "1962-03-03"}, want{confirmed: "10000008"}},
		{"known by the middle name", patients.Claim{MRN: "10000008", Name: "OKAFOR^JAMES", DOB: "1962-03-03"}, want{confirmed: "10000008"}},
		{"initial", patients.Claim{MRN: "10000008", Name: "OKAFOR^W", DOB: "1962-03-03"}, want{confirmed: "10000008"}},
		{"first name first", patients.Claim{MRN: "10000005", Name: "JOSE^MUNOZ", DOB: "1970-01-02"}, want{confirmed: "10000005"}},
		{"OCR slip in the family name", patients.Claim{MRN: "10000008", Name: "OKAFQR^WILLIAM", DOB: "1962-03-03"}, want{confirmed: "10000008"}},
		{"OCR slip in a long name", patients.Claim{MRN: "10000006", Name: "OCONNER^MICHAEL", DOB: "1956-12-01"}, want{confirmed: "10000006"}},
		{"one part of a double family name", patients.Claim{MRN: "10000007", Name: "GARCIA^ANA", DOB: "1990-06-15"}, want{confirmed: "10000007"}},
		{"a digit of the birth date misread", patients.Claim{MRN: "10000008", Name: "OKAFOR^WILLIAM", DOB: "1962-08-03"}, want{confirmed: "10000008"}},
		{"day and month swapped", patients.Claim{MRN: "10000004", Name: "NGUYEN^THI", DOB: "1957-12-04"}, want{confirmed: "10000004"}},
		{"no birth date on the pages", patients.Claim{MRN: "10000001", Name: "SMITH^JOHN"}, want{confirmed: "10000001"}},
		{"no birth date in the index", patients.Claim{MRN: "10000009", Name: "LEE^ANN", DOB: "1950-01-01"}, want{confirmed: "10000009"}},
		{"prefixed MRN", patients.Claim{MRN: "A0000010", Name: "PATEL^NADIA", DOB: "1930-04-07"}, want{confirmed: "A0000010"}},

		{"MRN not in the index, one patient fits", patients.Claim{MRN: "10000013", Name: "SMITH^JANE", DOB: "1957-04-12"},
			want{suggested: "10000003", reasons: []string{patients.ReasonUnknownMRN}}},
		{"MRN not in the index, a nickname fits", patients.Claim{MRN: "19000008", Name: "OKAFOR^BILL", DOB: "1962-03-03"},
			want{suggested: "10000008", reasons: []string{patients.ReasonUnknownMRN}}},
		{"MRN not in the index, two namesakes fit", patients.Claim{MRN: "30000009", Name: "BROWN^JOHN", DOB: "1944-08-08"},
			want{reasons: []string{patients.ReasonUnknownMRN}}},
		{"MRN not in the index, no name", patients.Claim{MRN: "10000013", DOB: "1957-04-12"},
			want{reasons: []string{patients.ReasonUnknownMRN}}},
		{"another patient's MRN: the sibling", patients.Claim{MRN: "10000003", Name: "SMITH^JOHN", DOB: "1957-04-12"},
			want{suggested: "10000001", reasons: []string{patients.ReasonNameDiffers}}},
		{"another patient's MRN: the namesake", patients.Claim{MRN: "10000002", Name: "SMITH^JOHN", DOB: "1957-04-12"},
			want{suggested: "10000001", reasons: []string{patients.ReasonDOBDiffers}}},
		{"another patient's MRN: plainly another name", patients.Claim{MRN: "10000001", Name: "PATEL^NADIA", DOB: "1930-04-07"},
			want{suggested: "A0000010", reasons: []string{patients.ReasonNameDiffers, patients.ReasonDOBDiffers}}},
		{"twin's MRN: a letter off, the other twin fits better", patients.Claim{MRN: "20000002", Name: "ROSSI^MARIO", DOB: "2001-05-05"},
			want{reasons: []string{patients.ReasonBetterFit}}},
		{"twin's own MRN", patients.Claim{MRN: "20000001", Name: "ROSSI^MARIO", DOB: "2001-05-05"}, want{confirmed: "20000001"}},
		{"nothing to confirm the MRN with", patients.Claim{MRN: "10000001"}, want{reasons: []string{patients.ReasonNoEvidence}}},
		{"no MRN, one patient fits", patients.Claim{Name: "PATEL^NADIA", DOB: "1930-04-07"}, want{suggested: "A0000010"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := patients.Check(context.Background(), idx, tc.claim)
			got := want{suggested: v.SuggestedMRN, reasons: v.Reasons}
			if v.Patient != nil {
				got.confirmed = v.Patient.MRN
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Check(%+v) = %+v, want %+v", tc.claim, got, tc.want)
			}
		})
	}
	v := patients.Check(context.Background(), down{}, patients.Claim{MRN: "10000001", Name: "SMITH^JOHN", DOB: "1957-04-12"})
	if v.Patient != nil || !reflect.DeepEqual(v.Reasons, []string{patients.ReasonUnavailable}) {
		t.Errorf("index down: %+v", v)
	}
}
