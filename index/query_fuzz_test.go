package index

import (
	"testing"
	"unicode/utf8"

	"chartscan"
)

// FuzzParseQuery feeds search text as technicians (or attackers) type it:
// the parser must never panic, reject only with EINVALID, and stay within
// its limits.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		`fracture`, `"chest pain" -smoker hemo* section:laboratory mrn:00123456 name:doe`,
		`"unclosed`, `-`, `--x`, `***`, `a:b:c`, "\x00\xff", `section: mrn:`, `-"a b" "" ""`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseQuery(s)
		if err != nil {
			if chartscan.ErrorCode(err) != chartscan.EINVALID {
				t.Fatalf("error of kind %s: %v", chartscan.ErrorCode(err), err)
			}
			return
		}
		if !utf8.ValidString(s) || len(s) > maxQueryLen {
			t.Fatalf("accepted %q", s)
		}
		n := len(p.Words) + len(p.Phrases) + len(p.Prefixes) + len(p.Not) + len(p.Names)
		if n > maxQueryParts+1 {
			t.Fatalf("%d parts accepted", n)
		}
		for _, w := range append(append([]string{}, p.Words...), p.Prefixes...) {
			if w == "" {
				t.Fatalf("empty word from %q", s)
			}
		}
	})
}
