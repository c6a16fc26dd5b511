package patients

import (
	"context"
	"log/slog"

	"chartscan"
)

// Open returns the patient index a site configured: the CSV file at
// csvPath, the FHIR server at fhirURL, or both (the file asked first).
// It returns nil, and no error, when neither is set: capture then runs
// without an index.
func Open(csvPath, fhirURL, fhirToken string, log *slog.Logger) (chartscan.PatientIndex, error) {
	var idx []chartscan.PatientIndex
	if csvPath != "" {
		c, err := OpenCSV(csvPath, log)
		if err != nil {
			return nil, err
		}
		idx = append(idx, c)
	}
	if fhirURL != "" {
		f, err := NewFHIR(fhirURL, fhirToken, nil)
		if err != nil {
			return nil, err
		}
		idx = append(idx, f)
	}
	switch len(idx) {
	case 0:
		return nil, nil
	case 1:
		return idx[0], nil
	}
	return Multi(idx), nil
}

// Multi is several patient indexes asked as one, in order: a patient is
// the first index's that knows the MRN; candidates are all of theirs.
type Multi []chartscan.PatientIndex

// Patient implements chartscan.PatientIndex. The MRN is ENOTFOUND only
// when every index answered that it does not know it.
func (m Multi) Patient(ctx context.Context, mrn string) (*chartscan.Patient, error) {
	var firstErr error
	for _, x := range m {
		p, err := x.Patient(ctx, mrn)
		switch {
		case err == nil:
			return p, nil
		case chartscan.IsNotFound(err):
		case firstErr == nil:
			firstErr = err
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return nil, chartscan.Errorf(chartscan.ENOTFOUND, "no patient with that MRN")
}

// FindPatients implements chartscan.PatientIndex: the candidates of every
// index, each MRN once. Any index failing fails the search, which would
// otherwise miss candidates.
func (m Multi) FindPatients(ctx context.Context, q chartscan.PatientQuery) ([]chartscan.Patient, error) {
	seen := map[string]bool{}
	out := []chartscan.Patient{}
	for _, x := range m {
		ps, err := x.FindPatients(ctx, q)
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
