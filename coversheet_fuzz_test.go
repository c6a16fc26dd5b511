package chartscan

import "testing"

// FuzzParseCoverSheet feeds barcode payloads (anything a barcode on a
// scanned page may say) to the parser: it must never panic, and what it
// accepts must print back to a payload that parses to the same sheet.
func FuzzParseCoverSheet(f *testing.F) {
	for _, s := range []string{
		"CS1;mrn=00123456;section=laboratory;encounter=V000123;name=DOE^JOHN;dob=1957-04-12",
		"CS1;sep", "CS1;mrn=1", "CS1;", "CS1;;", "CS1;mrn=1;mrn=2", "CS1;section=kitchen",
		"CS1;dob=1957-02-30;mrn=5", "CS1;x=y;name=O'NEIL^ANN", "CS2;mrn=1", "http://example.org",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseCoverSheet(s)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("error of kind %s: %v", ErrorCode(err), err)
			}
			return
		}
		back, err := ParseCoverSheet(cs.String())
		if err != nil {
			t.Fatalf("%q parsed, but its printed form %q does not: %v", s, cs.String(), err)
		}
		if back.String() != cs.String() {
			t.Fatalf("round trip changed %q into %q", cs.String(), back.String())
		}
	})
}
