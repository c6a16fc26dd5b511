package patients_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartscan"
	"chartscan/patients"
	"chartscan/patients/patientstest"
)

func writeCSV(t *testing.T, path string, ps []chartscan.Patient) {
	t.Helper()
	var b bytes.Buffer
	if err := patients.WriteCSV(&b, ps); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCSVConformance(t *testing.T) {
	patientstest.Test(t, func(t *testing.T, ps []chartscan.Patient) chartscan.PatientIndex {
		path := filepath.Join(t.TempDir(), "patients.csv")
		writeCSV(t, path, ps)
		idx, err := patients.OpenCSV(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return idx
	})
}

// The CSV finds exactly the patients asked for, no more.
func TestCSVFindsExactly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "patients.csv")
	writeCSV(t, path, patientstest.Patients)
	idx, err := patients.OpenCSV(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := idx.FindPatients(context.Background(), chartscan.PatientQuery{FamilyName: "Smith", DOB: "1957-04-12"})
	if len(ps) != 2 {
		t.Errorf("Smith born 1957-04-12: %d patients, want 2", len(ps))
	}
	ps, _ = idx.FindPatients(context.Background(), chartscan.PatientQuery{FamilyName: "Smit"})
	if len(ps) != 0 {
		t.Errorf("Smit: %d patients, want 0", len(ps))
	}
}

// A changed file is read again at the next look; a bad one leaves the
// index as it was and is logged without the patients' data; a good one
// after it is taken.
func TestCSVReload(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "patients.csv")
	writeCSV(t, path, patientstest.Patients[:2])
	var logs bytes.Buffer
	idx, err := patients.OpenCSV(path, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	idx.CheckEvery = 50 * time.Millisecond
	if idx.Len() != 2 {
		t.Fatalf("Len = %d", idx.Len())
	}
	// Throttled: a change is not seen before CheckEvery has passed...
	writeCSV(t, path, patientstest.Patients[:5])
	touch(t, path, 1)
	if _, err := idx.Patient(ctx, "10000004"); !chartscan.IsNotFound(err) {
		t.Errorf("new patient seen before the next look: %v", err)
	}
	// ...and then it is.
	time.Sleep(60 * time.Millisecond)
	if p, err := idx.Patient(ctx, "10000004"); err != nil || p.FamilyName != "Nguyen" {
		t.Fatalf("after reload: %+v, %v", p, err)
	}
	// A half-written file (the last row cut short), a bad date, a
	// repeated MRN, a lost header, an emptied file: each keeps the last
	// good index.
	good := readFile(t, path)
	for name, body := range map[string]string{
		"cut short":    good[:len(good)-12],
		"bad date":     good + "20000001,Doe,Jane,12/04/1957\n",
		"repeated MRN": good + "10000001,Doe,Jane,1957-04-12\n",
		"no header":    "10000001,Smith,John,1957-04-12\n",
		"emptied":      "mrn,family_name,given_name,dob\n",
	} {
		os.WriteFile(path, []byte(body), 0o644)
		touch(t, path, 2)
		time.Sleep(60 * time.Millisecond)
		if p, err := idx.Patient(ctx, "10000004"); err != nil || p.FamilyName != "Nguyen" {
			t.Errorf("%s: index lost: %+v, %v", name, p, err)
		}
		if idx.Len() != 5 {
			t.Errorf("%s: Len = %d, want 5", name, idx.Len())
		}
	}
	if !strings.Contains(logs.String(), "not reloaded") {
		t.Errorf("bad reloads not logged: %s", logs.String())
	}
	for _, phi := range []string{"Doe", "Jane", "Smith", "1957-04-12", "20000001"} {
		if strings.Contains(logs.String(), phi) {
			t.Errorf("log holds patient data %q: %s", phi, logs.String())
		}
	}
	// A removed file keeps the index too.
	os.Remove(path)
	time.Sleep(60 * time.Millisecond)
	if idx.Len() != 5 {
		t.Errorf("file removed: Len = %d", idx.Len())
	}
	writeCSV(t, path, patientstest.Patients)
	touch(t, path, 3)
	time.Sleep(60 * time.Millisecond)
	if idx.Len() != len(patientstest.Patients) {
		t.Errorf("good file after bad ones: Len = %d, want %d", idx.Len(), len(patientstest.Patients))
	}
}

// touch gives the file a modification time of its own, so that a
// rewrite within the file system's time resolution is still a change.
func touch(t *testing.T, path string, n int) {
	t.Helper()
	tm := time.Now().Add(time.Duration(n) * time.Second)
	if err := os.Chtimes(path, tm, tm); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A file that does not load at start is an error naming the line, not
// its content; a spreadsheet's byte-order mark and extra columns are fine.
func TestCSVOpenErrors(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ body, want string }{
		"no file":    {"", "cannot be read"},
		"bad header": {"id,name,birth\n1,x,y\n", `no "mrn" column`},
		"bad row":    {"mrn,family_name,given_name,dob\n1,Doe,Jane,1957-04-12\n2,Roe,Rick,not a date\n", "line 3: dob is not a date"},
		"no mrn":     {"mrn,family_name,given_name,dob\n,Doe,Jane,1957-04-12\n", "line 2: no MRN"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".csv")
		if tc.body != "" {
			os.WriteFile(path, []byte(tc.body), 0o644)
		}
		_, err := patients.OpenCSV(path, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || chartscan.ErrorCode(err) != chartscan.EINVALID {
			t.Errorf("%s: %v, want EINVALID with %q", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "Rick") {
			t.Errorf("%s: error holds patient data: %v", name, err)
		}
	}
	path := filepath.Join(dir, "bom.csv")
	os.WriteFile(path, []byte("\xef\xbb\xbfMRN, family_name ,given_name,dob,sex\n 00123, Doe ,Jane,1957-04-12,F\n"), 0o644)
	idx, err := patients.OpenCSV(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := idx.Patient(context.Background(), "00123"); err != nil || p.FamilyName != "Doe" || p.DOB != "1957-04-12" {
		t.Errorf("Patient = %+v, %v", p, err)
	}
}
