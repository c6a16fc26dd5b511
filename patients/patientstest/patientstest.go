// Package patientstest is the conformance suite every chartscan patient
// index must pass: the CSV file and the FHIR client (against a FHIR
// server serving the same patients) run the same checks.
package patientstest

import (
	"context"
	"sync"
	"testing"

	"chartscan"
)

// Patients is the registry the suite runs on. It holds what a hospital's
// registry holds: patients who share a family name, a given name or a
// birth date, names with accents, apostrophes and hyphens, several given
// names, a patient without a known date of birth, and MRNs with a
// letter prefix.
var Patients = []chartscan.Patient{
	{MRN: "10000001", FamilyName: "Smith", GivenName: "John", DOB: "1957-04-12"},
	{MRN: "10000002", FamilyName: "Smith", GivenName: "John", DOB: "1981-09-30"},
	{MRN: "10000003", FamilyName: "Smith", GivenName: "Jane", DOB: "1957-04-12"},
	{MRN: "10000004", FamilyName: "Nguyen", GivenName: "Thi Mai", DOB: "1957-04-12"},
	{MRN: "10000005", FamilyName: "Muñoz", GivenName: "José", DOB: "1970-01-02"},
	{MRN: "10000006", FamilyName: "O'Connor", GivenName: "Michael", DOB: "1956-12-01"},
	{MRN: "10000007", FamilyName: "Garcia-Lopez", GivenName: "Ana", DOB: "1990-06-15"},
	{MRN: "10000008", FamilyName: "Okafor", GivenName: "William James", DOB: "1962-03-03"},
	{MRN: "10000009", FamilyName: "Lee", GivenName: "Ann", DOB: ""},
	{MRN: "A0000010", FamilyName: "Patel", GivenName: "Nadia", DOB: "1930-04-07"},
}

// Test runs the suite. newIndex must return an index holding exactly ps.
func Test(t *testing.T, newIndex func(t *testing.T, ps []chartscan.Patient) chartscan.PatientIndex) {
	ctx := context.Background()
	idx := newIndex(t, Patients)

	t.Run("PatientByMRN", func(t *testing.T) {
		for _, want := range Patients {
			got, err := idx.Patient(ctx, want.MRN)
			if err != nil {
				t.Fatalf("Patient(%s): %v", want.MRN, err)
			}
			if *got != want {
				t.Errorf("Patient(%s) = %+v, want %+v", want.MRN, *got, want)
			}
		}
	})
	t.Run("MRNAsPrinted", func(t *testing.T) {
		got, err := idx.Patient(ctx, " a0000010 ")
		if err != nil || got.FamilyName != "Patel" {
			t.Errorf("Patient(lower case, spaces) = %+v, %v", got, err)
		}
	})
	t.Run("UnknownMRNIsNotFound", func(t *testing.T) {
		for _, mrn := range []string{"99999999", "1000000", "100000011", ""} {
			if _, err := idx.Patient(ctx, mrn); chartscan.ErrorCode(err) != chartscan.ENOTFOUND {
				t.Errorf("Patient(%q): %v, want ENOTFOUND", mrn, err)
			}
		}
	})
	find := func(t *testing.T, q chartscan.PatientQuery) map[string]chartscan.Patient {
		t.Helper()
		ps, err := idx.FindPatients(ctx, q)
		if err != nil {
			t.Fatalf("FindPatients(%+v): %v", q, err)
		}
		got := map[string]chartscan.Patient{}
		for _, p := range ps {
			got[p.MRN] = p
		}
		return got
	}
	// Every patient that matches must be found; an index may find more
	// (a FHIR server matches the beginning of names).
	mustHave := func(t *testing.T, q chartscan.PatientQuery, mrns ...string) map[string]chartscan.Patient {
		t.Helper()
		got := find(t, q)
		for _, m := range mrns {
			if _, ok := got[m]; !ok {
				t.Errorf("FindPatients(%+v) misses %s (got %d patients)", q, m, len(got))
			}
		}
		return got
	}
	t.Run("FindByFamilyName", func(t *testing.T) {
		got := mustHave(t, chartscan.PatientQuery{FamilyName: "SMITH"}, "10000001", "10000002", "10000003")
		for m, p := range got {
			if p.DOB == "" && m != "10000009" {
				t.Errorf("candidate %s without its date of birth", m)
			}
		}
		mustHave(t, chartscan.PatientQuery{FamilyName: "smith"}, "10000001", "10000002", "10000003")
	})
	t.Run("FindIgnoresAccentsAndPunctuation", func(t *testing.T) {
		mustHave(t, chartscan.PatientQuery{FamilyName: "MUNOZ"}, "10000005")
		mustHave(t, chartscan.PatientQuery{FamilyName: "OCONNOR"}, "10000006")
	})
	t.Run("FindByBirthDate", func(t *testing.T) {
		got := mustHave(t, chartscan.PatientQuery{DOB: "1957-04-12"}, "10000001", "10000003", "10000004")
		for m, p := range got {
			if p.DOB != "1957-04-12" {
				t.Errorf("birth date search found %s born %s", m, p.DOB)
			}
		}
	})
	t.Run("FindByNameAndBirthDate", func(t *testing.T) {
		got := mustHave(t, chartscan.PatientQuery{FamilyName: "Smith", GivenName: "John", DOB: "1957-04-12"}, "10000001")
		for m := range got {
			if m == "10000002" || m == "10000003" {
				t.Errorf("search for one John Smith by birth date found %s too", m)
			}
		}
	})
	t.Run("FindNothing", func(t *testing.T) {
		if got := find(t, chartscan.PatientQuery{FamilyName: "Zzyzx"}); len(got) != 0 {
			t.Errorf("found %d patients named Zzyzx", len(got))
		}
		if got := find(t, chartscan.PatientQuery{DOB: "1900-01-01"}); len(got) != 0 {
			t.Errorf("found %d patients born 1900-01-01", len(got))
		}
	})
	t.Run("EmptyQueryIsInvalid", func(t *testing.T) {
		if _, err := idx.FindPatients(ctx, chartscan.PatientQuery{}); chartscan.ErrorCode(err) != chartscan.EINVALID {
			t.Errorf("FindPatients({}): %v, want EINVALID", err)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 8; i++ {
					p := Patients[(g+i)%len(Patients)]
					got, err := idx.Patient(ctx, p.MRN)
					if err != nil || got.MRN != p.MRN {
						errs <- err
						return
					}
					if _, err := idx.FindPatients(ctx, chartscan.PatientQuery{FamilyName: p.FamilyName}); err != nil {
						errs <- err
						return
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent lookup: %v", err)
		}
	})
}
