package extract

import (
	"testing"
	"time"
)

func TestPageHeaders(t *testing.T) {
	e, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		text string
		want Fields
	}{
		{"riverside", "RIVERSIDE COMMUNITY HOSPITAL\nPatient: TANAKA, RICHARD MRN: 60465481 DOB: 02/14/1958\nVisit Date: 07/05/2026\n\nPATHOLOGY REPORT\nCLINICAL HISTORY:",
			Fields{MRN: "60465481", Name: "TANAKA^RICHARD", DOB: "1958-02-14", ServiceDate: "2026-07-05", Title: "PATHOLOGY REPORT", Header: true}},
		{"mr#, date of service", "ST. MARY REGIONAL MEDICAL CENTER\nPatient: PATEL, NADIA MR#: 50393818 DOB: 04/07/1930\nDate of Service: 01/16/2026\nCONSULTATION REPORT",
			Fields{MRN: "50393818", Name: "PATEL^NADIA", DOB: "1930-04-07", ServiceDate: "2026-01-16", Title: "CONSULTATION REPORT", Header: true}},
		{"continuation", "MUELLER, MARIA   MRN: 18857617   (continued)\n\nUnit at XYZ Services for evaluation and rehabilitation.",
			Fields{MRN: "18857617", Name: "MUELLER^MARIA", Continued: true}},
		{"med rec #, birth date, admit date, ISO", "Lakeside Clinic\nPatient Name: Doe, Jane A\nMed Rec #: A1234567\nBirth Date: 1957-04-12   Admit Date: 2026-03-01\nDISCHARGE SUMMARY",
			Fields{MRN: "A1234567", Name: "DOE^JANE", DOB: "1957-04-12", ServiceDate: "2026-03-01", Title: "DISCHARGE SUMMARY", Header: true}},
		{"medical record number, month names", "NORTHWEST HEALTH\nName: SMITH, JOHN\nMedical Record Number: 00987654\nDate of Birth: Apr 12 1957\nDate of Service: March 3, 2026\nOPERATIVE REPORT",
			Fields{MRN: "00987654", Name: "SMITH^JOHN", DOB: "1957-04-12", ServiceDate: "2026-03-03", Title: "OPERATIVE REPORT", Header: true}},
		{"first last, DOS, day-month", "Valley Medical Group\nPatient: Maria Gonzalez   MRN 4455667\nDOB: 12-Jan-1960   DOS: 05-Feb-2026",
			Fields{MRN: "4455667", Name: "GONZALEZ^MARIA", DOB: "1960-01-12", ServiceDate: "2026-02-05", Header: true}},
		{"ocr confusions", "Patient: KIM, WEI MRN: 2l584O15 DOB: 1O/24/1946\nVisit Date: 05/26/2026",
			Fields{MRN: "21584015", Name: "KIM^WEI", DOB: "1946-10-24", ServiceDate: "2026-05-26", Header: true}},
		{"two-digit years", "Patient: LEE, ANN  MR#: 123456  DOB: 3/4/57\nDate of Service: 3/4/26",
			Fields{MRN: "123456", Name: "LEE^ANN", DOB: "1957-03-04", ServiceDate: "2026-03-04", Header: true}},
		{"page 2 of 3", "Page 2 of 3\nthe patient tolerated the procedure well.", Fields{Continued: true}},
		{"no header", "The patient is a 55-year-old male that was last seen in clinic.", Fields{}},
		{"impossible dates", "Patient: ROE, RAY MRN: 555555 DOB: 02/31/1950\nDate of Service: 13/01/2026",
			Fields{MRN: "555555", Name: "ROE^RAY", Header: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := e.Page(tc.text); got != tc.want {
				t.Errorf("Page =\n %+v\nwant\n %+v", got, tc.want)
			}
		})
	}
}

func TestSiteMRNPattern(t *testing.T) {
	e, err := New(`[0-9]{8}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Page("Patient: X, Y  MRN: 1234567").MRN; got != "" {
		t.Errorf("7 digits accepted by an 8-digit site: %q", got)
	}
	if got := e.Page("Patient: X, Y  MRN: 12345678 DOB 01/01/1950").MRN; got != "12345678" {
		t.Errorf("MRN = %q", got)
	}
	if _, err := New("("); err == nil {
		t.Error("bad pattern accepted")
	}
}

func TestParseDate(t *testing.T) {
	thisYear := time.Now().Year()
	for in, want := range map[string]string{
		"04/12/1957": "1957-04-12", "1957-04-12": "1957-04-12", "Apr 12 1957": "1957-04-12",
		"April 12, 1957": "1957-04-12", "12-Apr-1957": "1957-04-12", "4.12.1957": "1957-04-12",
		"02/29/2024": "2024-02-29", "02/29/2023": "", "00/10/2020": "", "1/1/1800": "",
		"1/1/" + itoa(thisYear+5): "",
	} {
		if got := parseDate(in, true); got != want {
			t.Errorf("parseDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func itoa(n int) string {
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

// Headers as OCR really reads them off speckled scans.
func TestNoisyOCRHeaders(t *testing.T) {
	e, _ := New("")
	for _, tc := range []struct {
		text string
		want Fields
	}{
		{"ST. MARY REGIONAL MEDICAL CENTER\nPatient: LOPEZ, CARLOS MR#: 86031623 DOB: .11/26/1969\nDate of Service: 10/01/2026\nDIAGNOSTIC IMAGING REPORT",
			Fields{MRN: "86031623", Name: "LOPEZ^CARLOS", DOB: "1969-11-26", ServiceDate: "2026-10-01", Title: "DIAGNOSTIC IMAGING REPORT", Header: true}},
		{"ST. MARY REGIONAL MEDICAL CENTER\nPatient! GONZALEZ, SOFIA MRN: 23795237. DOB: 03/27/1999\nVisit Date: 10/19/2026\nPHYSICIAN ORDERS",
			Fields{MRN: "23795237", Name: "GONZALEZ^SOFIA", DOB: "1999-03-27", ServiceDate: "2026-10-19", Title: "PHYSICIAN ORDERS", Header: true}},
		{": RIVERSIDE COMMUNITY. HOSPITAL\nPatient: NGUYEN, ROBERT MR#:. 21449393 = DOB: 03/13/1995\n“Visit.Date: 05/08/2026\n' EXPLANATION OF BENEFITS",
			Fields{MRN: "21449393", Name: "NGUYEN^ROBERT", DOB: "1995-03-13", ServiceDate: "2026-05-08", Title: "EXPLANATION OF BENEFITS", Header: true}},
		{"ST. MARY REGIONAL MEDICAL CENTER ps\nPatient: ROSSI, MARIA MRN: .-72634399 DOB: 09/08/1979 oe\nVisit. Date: 07/20/2026 oe ce\nNURSING FLOWSHEET",
			Fields{MRN: "72634399", Name: "ROSSI^MARIA", DOB: "1979-09-08", ServiceDate: "2026-07-20", Title: "NURSING FLOWSHEET", Header: true}},
		{"ST. MARY REGIONAL MEDICAL CENTER\nPatient: MOORE, -RICHARD MR#: 91248459 DOB: 08/14/1968\nDate of Service: 02/02/2026\nDISCHARGE SUMMARY",
			Fields{MRN: "91248459", Name: "MOORE^RICHARD", DOB: "1968-08-14", ServiceDate: "2026-02-02", Title: "DISCHARGE SUMMARY", Header: true}},
		{"the patient was seen, and examined today. MRN: 123456", Fields{MRN: "123456"}},
		{"Patient: GARCIA, WILLIAM. MRN: 18962146. DOB: 08/15/ 1938\nVisit Date: 09/13/2026",
			Fields{MRN: "18962146", Name: "GARCIA^WILLIAM", DOB: "1938-08-15", ServiceDate: "2026-09-13", Header: true}},
		{"Patient: MILLER, MARY MR#: 93149136 DOB: 07/ 14/1969", Fields{MRN: "93149136", Name: "MILLER^MARY", DOB: "1969-07-14", Header: true}},
		{"Patient: KIM, CARLOS MR#: 16657516 DOB: 02/08/1941\nLABORATORY RESULTS © . nies", Fields{MRN: "16657516", Name: "KIM^CARLOS", DOB: "1941-02-08", Title: "LABORATORY RESULTS", Header: true}},
		{"Patient: KIM, CARLOS MR#: 16657516 DOB: 02/08/1941\nPATIENT REGISTRATION / FACE SHEET", Fields{MRN: "16657516", Name: "KIM^CARLOS", DOB: "1941-02-08", Title: "PATIENT REGISTRATION / FACE SHEET", Header: true}},
	} {
		if got := e.Page(tc.text); got != tc.want {
			t.Errorf("Page(%.40q) =\n %+v\nwant\n %+v", tc.text, got, tc.want)
		}
	}
}
