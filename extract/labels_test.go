package extract

import "testing"

// Headers in label styles the shared chart batches do not use, written as
// Tesseract reads them off scans: other labels for the same fields, dotted
// abbreviations, specks, a word after the number, OCR slips inside label
// words, values under their labels.
func TestLabelShapes(t *testing.T) {
	e, _ := New("")
	for _, tc := range []struct {
		name string
		text string
		want Fields
	}{
		{"word after the MRN is not digits",
			"MERCY WEST MEDICAL CENTER\nPatient: HARRIS, LINDA MRN: 4471203 Bed 4 DOB: 04/12/1957",
			Fields{MRN: "4471203", Name: "HARRIS^LINDA", DOB: "1957-04-12", Header: true}},
		{"capitalised word after the MRN",
			"Patient: OKAFOR, CHIDI  MRN: 5512093 Bi1ling  D.O.B. 11/02/1940",
			Fields{MRN: "5512093", Name: "OKAFOR^CHIDI", DOB: "1940-11-02", Header: true}},
		{"speck before a dotted DOB",
			"Name: Okafor, Chidi   Med. Rec. No.: 00412345\n. D.O.B.: 04/12/1957   Encounter Date: 02/03/2026",
			Fields{MRN: "00412345", Name: "OKAFOR^CHIDI", DOB: "1957-04-12", ServiceDate: "2026-02-03", Header: true}},
		{"speck glued to the dotted label",
			"Pt Name: Lindqvist, Sara  Chart No. 5512093\n‘D. O. B.: 4/12/57   Date Seen: 2/3/26",
			Fields{MRN: "5512093", Name: "LINDQVIST^SARA", DOB: "1957-04-12", ServiceDate: "2026-02-03", Header: true}},
		{"pt id, birth date, admission date",
			"Patient Name: Rahul Mehta   Pt ID#: 7788123\nBirth Date: 1948-03-12   Admission Date: 2026-01-30",
			Fields{MRN: "7788123", Name: "MEHTA^RAHUL", DOB: "1948-03-12", ServiceDate: "2026-01-30", Header: true}},
		{"unit number, born, adm. date",
			"Name: BRENNAN, KATHLEEN M   Unit No: 0098812   Born: 12 Mar 1948\nAdm. Date: 01/30/2026   Room: 412-B",
			Fields{MRN: "0098812", Name: "BRENNAN^KATHLEEN", DOB: "1948-03-12", ServiceDate: "2026-01-30", Header: true}},
		{"medical record nbr, birthdate, report date",
			"Medical Record Nbr: 5512345   Patient: Nguyen, Thi\nBirthdate 1999-07-04   Report Date: 03/15/2026",
			Fields{MRN: "5512345", Name: "NGUYEN^THI", DOB: "1999-07-04", ServiceDate: "2026-03-15", Header: true}},
		{"M.R.#, DOB/Age, collected",
			"Patient: FITZGERALD, SEAN   M.R.#: 1234567   DOB/Age: 03/12/1948 (77y)\nCollected: 02/11/2026 08:15   Received: 02/11/2026 09:02",
			Fields{MRN: "1234567", Name: "FITZGERALD^SEAN", DOB: "1948-03-12", ServiceDate: "2026-02-11", Header: true}},
		{"MRN #, Date/Time of Service",
			"Patient: ABARA, GRACE   MRN #: 33451234   Date of Birth: 07/22/1961\nDate/Time of Service: 01/09/2026 10:15",
			Fields{MRN: "33451234", Name: "ABARA^GRACE", DOB: "1961-07-22", ServiceDate: "2026-01-09", Header: true}},
		{"plain Date near the top of a form",
			"NORTH SHORE CLINIC\nDate: 02/17/2026\nPatient: Tomasz Kowalski   Hosp No: 6610234   DOB: 09/30/1977",
			Fields{MRN: "6610234", Name: "KOWALSKI^TOMASZ", DOB: "1977-09-30", ServiceDate: "2026-02-17", Header: true}},
		{"exam date preferred over a plain date",
			"Date: 02/20/2026\nPatient: Tomasz Kowalski   MRN: 6610234   DOB: 09/30/1977\nExam Date: 02/17/2026",
			Fields{MRN: "6610234", Name: "KOWALSKI^TOMASZ", DOB: "1977-09-30", ServiceDate: "2026-02-17", Header: true}},
		{"OCR slips inside label words",
			"Medlcal Record Number: 5512345  Patlent: ROSS, ANNA\nD0B: 04/12/1957   Dale of Servlce: 02/03/2026",
			Fields{MRN: "5512345", Name: "ROSS^ANNA", DOB: "1957-04-12", ServiceDate: "2026-02-03", Header: true}},
		{"a speck read as a letter glued to a dotted label",
			"Patient: ROSS, ANNA   MRN: 5512345\niD.O.B.: 04/12/1957",
			Fields{MRN: "5512345", Name: "ROSS^ANNA", DOB: "1957-04-12", Header: true}},
		{"a zero in a dotted label",
			"Patient: ROSS, ANNA   M.R.N. 5512345   D.0.B. 04/12/1957",
			Fields{MRN: "5512345", Name: "ROSS^ANNA", DOB: "1957-04-12", Header: true}},
		{"label run into the value",
			"Patient: ROSS, ANNA MRN5512345 DOB04/12/1957",
			Fields{MRN: "5512345", Name: "ROSS^ANNA", DOB: "1957-04-12", Header: true}},
		{"row of labels over a row of values",
			"VALLEY ORTHOPEDIC CLINIC\nPatient Name   MRN   DOB   Visit Date\nWALSH, EMMA   3345123   07/22/1961   01/09/2026\nPROGRESS NOTE",
			Fields{MRN: "3345123", Name: "WALSH^EMMA", DOB: "1961-07-22", ServiceDate: "2026-01-09", Title: "PROGRESS NOTE", Header: true}},
		{"last and first name labelled apart",
			"Last Name: OYELARAN   First Name: TEMI   Patient #: 2203344\nDOB: 05/05/1985",
			Fields{MRN: "2203344", Name: "OYELARAN^TEMI", DOB: "1985-05-05", Header: true}},
		{"service dates of other shapes",
			"Patient: ABARA, GRACE   MRN: 33451234\nSvc Date: 2026/01/09   Appointment: 01/12/2026",
			Fields{MRN: "33451234", Name: "ABARA^GRACE", ServiceDate: "2026-01-09", Header: true}},
		{"date(s) of service",
			"Patient: ABARA, GRACE   MRN: 33451234   DOB: 07/22/1961\nDate(s) of Service: 01/09/2026 - 01/12/2026",
			Fields{MRN: "33451234", Name: "ABARA^GRACE", DOB: "1961-07-22", ServiceDate: "2026-01-09", Header: true}},
		{"coll. date on a lab slip",
			"Pt Name: Abara, Grace   Unit #: 33451234\nColl. Date: 01/09/2026   Resulted: 01/10/2026",
			Fields{MRN: "33451234", Name: "ABARA^GRACE", ServiceDate: "2026-01-09", Header: true}},
		{"other numbers and dates are not the patient's",
			"Acct #: 99887766   Visit #: 4455\nPhysician Name: Adams, Paul\nDictated: 02/05/2026   Next Appointment Date: 03/01/2026\nPrinted Date: 02/06/2026",
			Fields{}},
		{"patient only in the footer",
			"OPERATIVE REPORT\nPREOPERATIVE DIAGNOSIS: Cholelithiasis.\nline three\nline four\nline five\nline six\nline seven\nline eight\nline nine\nline ten\nline eleven\nPatient: PARK, JIN   MRN: 8812345   DOB: 01/02/1970",
			Fields{MRN: "8812345", Name: "PARK^JIN", DOB: "1970-01-02", Title: "OPERATIVE REPORT"}},
		{"a name that looks like a label word",
			"Patient: PRICE, DALE   MRN: 4471203   DOB: 04/12/1957",
			Fields{MRN: "4471203", Name: "PRICE^DALE", DOB: "1957-04-12", Header: true}},
		{"zeros read as Q",
			"Patient: HARRIS, LINDA MRN: 04471203 Bed4 Born: 12 Mar 1948\nAdm. Date: Q1/30/2026 Attending: Dr. Moss",
			Fields{MRN: "04471203", Name: "HARRIS^LINDA", DOB: "1948-03-12", ServiceDate: "2026-01-30", Header: true}},
		{"MRN with a letter glued after it",
			"Patient: LEE, ANN  MRN: 1234567B  DOB 3/4/57",
			Fields{MRN: "12345678", Name: "LEE^ANN", DOB: "1957-03-04", Header: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := e.Page(tc.text); got != tc.want {
				t.Errorf("Page =\n %+v\nwant\n %+v", got, tc.want)
			}
		})
	}
}

// A site whose numbers are printed in groups: the groups join, but only
// groups of real digits, and only when the first alone is not a number of
// the site.
func TestMRNDigitGroups(t *testing.T) {
	e, _ := New(`[0-9]{8}`)
	for text, want := range map[string]string{
		"Patient: X, Y  MRN: 00 123 456  DOB: 01/01/1950": "00123456",
		"Patient: X, Y  MRN: 0012 3456":                   "00123456",
		"Patient: X, Y  MRN: 12345678 4":                  "12345678",
		"Patient: X, Y  MRN: 1234567 Bed 4":               "",
		"Patient: X, Y  MRN: 00 123 Bl":                   "",
	} {
		if got := e.Page(text).MRN; got != want {
			t.Errorf("%q: MRN %q, want %q", text, got, want)
		}
	}
}

// Digit repair happens inside the value token only; a token that is
// mostly letters is never made into digits.
func TestMRNRepairStaysInsideTheToken(t *testing.T) {
	e, _ := New("")
	for text, want := range map[string]string{
		"MRN: 2l584O15":             "21584015",
		"MRN: 1234567 Bill":         "1234567",
		"MRN: 1234567 BI":           "1234567",
		"MRN: 1234567Bed":           "1234567",
		"MRN: SOLOMON":              "",
		"MRN: IOSB":                 "",
		"MRN: A1234567":             "A1234567",
		"MRN: 1234-567":             "1234567",
		"MRN: 12345678/V0022":       "12345678",
		"Medical Record #: OO12345": "0012345",
		"Chart No. Q5512093":        "05512093",
	} {
		if got := e.Page(text).MRN; got != want {
			t.Errorf("%q: MRN %q, want %q", text, got, want)
		}
	}
}

func TestOCRDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"date", "date", 0}, {"dale", "date", 0.5}, {"servlce", "service", 0.5},
		{"medlcal", "medical", 0.5}, {"data", "date", 1}, {"recod", "record", 1},
	} {
		if got := ocrDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("ocrDistance(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	for w, want := range map[string]string{"dale": "date", "servlce": "service", "data": "data", "d0b": "d0b", "patlent": "patient", "mrm": "mrm"} {
		if got := canonical(w); got != want {
			t.Errorf("canonical(%q) = %q, want %q", w, got, want)
		}
	}
}

// A page that labels an MRN whose value does not read says so: it is a
// patient header whose patient is not known.
func TestMRNUnread(t *testing.T) {
	e, _ := New("")
	for text, want := range map[string]bool{
		"Patient: ROSS, ANNA   MRN: 55l2#4   DOB: 04/12/1957":                              true,
		"Patient: ROSS, ANNA   MRN: ________":                                              true,
		"Patient Name   Chart No.   Birth Date\nR0SS ANNA   ~~~   ~~~":                     true,
		"Patient: ROSS, ANNA   MRN: 5512345":                                               false,
		"Please bring your MRN card to every visit.":                                       false,
		"Patient: ROSS, ANNA   MRN: 55l2#4\nthe rest of the page\nMRN: 5512345 (repeated)": false,
	} {
		if got := e.Page(text).MRNUnread; got != want {
			t.Errorf("%q: MRNUnread %v, want %v", text, got, want)
		}
	}
}

// Words that are labels on forms are words of prose too: in a sentence
// they are not labels.
func TestProseIsNotALabel(t *testing.T) {
	e, _ := New("")
	for _, text := range []string{
		"OPERATIVE NOTE\nNAME OF OPERATION: Laparoscopic cholecystectomy.\nThe procedure was performed on 03/09/2007 without complication.",
		"The patient was admitted on 01/30/2026 and discharged on 02/03/2026.\nShe was seen on 02/10/2026 in clinic.",
		"IMPRESSION: This is a normal study.\nMEDS: Coumadin 5 mg daily.\nThe patient Was born on 04/12/1957 per the family.",
	} {
		if got := e.Page(text); got.MRN != "" || got.Name != "" || got.DOB != "" || got.ServiceDate != "" {
			t.Errorf("%.50q: read %+v", text, got)
		}
	}
}
