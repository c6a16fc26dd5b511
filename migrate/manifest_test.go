package migrate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chartscan"
	"chartscan/migrate"
)

func TestParseManifest(t *testing.T) {
	dir := t.TempDir()
	in := "\xef\xbb\xbfPath, BOX ,expected_pages,mrn,patient_name,dob\n" +
		"box1/chart 001.pdf,B-001,12,00412345,\"Okafor, Chidi\",1940-11-02\n" +
		"\n" +
		",,,,,\n" + // a spreadsheet's empty row
		"/abs/chart 002.tif,B-001, 3 ,,,\n" +
		"\"box2/with, comma.pdf\",B-002,1,X99,DOE^JANE,\n"
	rows, err := migrate.ParseManifest(strings.NewReader(in), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []migrate.Row{
		{Line: 2, Path: "box1/chart 001.pdf", File: filepath.Join(dir, "box1", "chart 001.pdf"), Box: "B-001", ExpectedPages: 12,
			MRN: "00412345", PatientName: "Okafor^Chidi", DOB: "1940-11-02"},
		{Line: 5, Path: "/abs/chart 002.tif", File: "/abs/chart 002.tif", Box: "B-001", ExpectedPages: 3},
		{Line: 6, Path: "box2/with, comma.pdf", File: filepath.Join(dir, "box2", "with, comma.pdf"), Box: "B-002", ExpectedPages: 1,
			MRN: "X99", PatientName: "DOE^JANE"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v\nwant     %+v", i, rows[i], want[i])
		}
	}

	// Only the required columns, in another order.
	rows, err = migrate.ParseManifest(strings.NewReader("expected_pages,path,box\n4,a.pdf,1\n"), dir)
	if err != nil || len(rows) != 1 || rows[0].ExpectedPages != 4 || rows[0].Path != "a.pdf" || rows[0].Box != "1" {
		t.Fatalf("rows = %+v, %v", rows, err)
	}
}

// Every fault of a manifest is one line naming its line, and never the
// content of the row (a path can carry a patient's name).
func TestParseManifestErrors(t *testing.T) {
	const head = "path,box,expected_pages\n"
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty file", "", "manifest line 1: no header line"},
		{"missing column", "path,box\nSMITH.pdf,1\n", `manifest line 1: no "expected_pages" column`},
		{"unknown column", "path,box,expected_pages,pages\nSMITH.pdf,1,2,3\n", `manifest line 1: unknown column "pages"`},
		{"repeated column", "path,box,expected_pages,box\nSMITH.pdf,1,2,3\n", `manifest line 1: column "box" appears twice`},
		{"nameless column", "path,,expected_pages\nSMITH.pdf,1,2\n", "manifest line 1: column 2 has no name"},
		{"no rows", head, "manifest has no rows"},
		{"only empty rows", head + ",,\n , , \n", "manifest has no rows"},
		{"empty path", head + "a.pdf,1,2\n ,1,2\n", "manifest line 3: empty path"},
		{"empty box", head + "a.pdf,1,2\nSMITH.pdf,,2\n", "manifest line 3: empty box"},
		{"not a number", head + "a.pdf,1,2\nb.pdf,1,2\nSMITH.pdf,1,twelve\n", "manifest line 4: expected_pages is not a whole number of at least 1"},
		{"negative", head + "SMITH.pdf,1,-3\n", "manifest line 2: expected_pages is not a whole number"},
		{"zero", head + "SMITH.pdf,1,0\n", "manifest line 2: expected_pages is not a whole number"},
		{"fraction", head + "SMITH.pdf,1,2.5\n", "manifest line 2: expected_pages is not a whole number"},
		{"empty number", head + "SMITH.pdf,1,\n", "manifest line 2: expected_pages is not a whole number"},
		{"duplicate path", head + "a/SMITH.pdf,1,2\nb.pdf,1,2\n./a//SMITH.pdf,2,2\n", "manifest line 4: the same path as line 2"},
		{"too few fields", head + "a.pdf,1,2\nSMITH.pdf,1\n", "manifest line 3: 2 fields, the header has 3"},
		{"too many fields", head + "SMITH.pdf,1,2,3\n", "manifest line 2: 4 fields, the header has 3"},
		{"bad quote", head + "a.pdf,1,2\nSM\"ITH.pdf,1,2\n", "manifest line 3: malformed CSV"},
		{"unclosed quote", head + "a.pdf,1,2\n\"SMITH.pdf,1,2\n", "manifest line 3: malformed CSV"},
		{"bad dob", "path,box,expected_pages,dob\na.pdf,1,2,1940-11-02\nSMITH.pdf,1,2,11/02/1940\n", "manifest line 3: dob is not a date YYYY-MM-DD"},
		{"line after a quoted newline", head + "\"a\nb.pdf\",1,2\nSMITH.pdf,,2\n", "manifest line 4: empty box"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := migrate.ParseManifest(strings.NewReader(tc.in), "/m")
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			msg := chartscan.ErrorMessage(err)
			if chartscan.ErrorCode(err) != chartscan.EINVALID || !strings.HasPrefix(msg, tc.want) {
				t.Fatalf("error = %q (%s), want it to start with %q", msg, chartscan.ErrorCode(err), tc.want)
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, "SMITH") {
				t.Fatalf("error %q is not one line free of the row's content", msg)
			}
		})
	}
}

func TestReadManifest(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "box-delivery-7.csv")
	body := "path,box,expected_pages\nscan.pdf,7,3\n"
	os.WriteFile(p, []byte(body), 0o644)
	m, err := migrate.ReadManifest(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.Path != p || len(m.Rows) != 1 || m.Rows[0].File != filepath.Join(dir, "scan.pdf") || m.ExpectedPages() != 3 {
		t.Fatalf("manifest = %+v", m)
	}
	// The SHA-256 follows the bytes: one byte more is another manifest.
	os.WriteFile(p, []byte(body+"\n"), 0o644)
	m2, err := migrate.ReadManifest(p)
	if err != nil || len(m.SHA256) != 64 || m2.SHA256 == m.SHA256 {
		t.Fatalf("sha256 %s then %s (%v)", m.SHA256, m2.SHA256, err)
	}
	if got := migrate.DefaultName(p); got != "box-delivery-7" {
		t.Errorf("DefaultName = %q", got)
	}
	if got := migrate.DefaultName(filepath.Join(dir, "box 7.csv")); got != "" {
		t.Errorf("DefaultName of a name with a space = %q, want none", got)
	}
	if _, err := migrate.ReadManifest(filepath.Join(dir, "none.csv")); chartscan.ErrorCode(err) != chartscan.EINVALID || !strings.Contains(chartscan.ErrorMessage(err), "manifest cannot be read") {
		t.Fatalf("missing manifest: %v", err)
	}
}
