package chartscan

import (
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CoverSheet is what a cover-sheet barcode says: "CS1;" followed by
// ";"-separated key=value pairs, e.g.
// CS1;mrn=00123456;section=laboratory;encounter=V000123;name=DOE^JOHN;dob=1957-04-12.
// "CS1;sep" is a bare separator sheet. Values come from the barcode as
// printed; they win over anything read from the page text.
type CoverSheet struct {
	Separator bool
	MRN       string
	Section   Section
	Encounter string
	Name      string // LAST^FIRST
	DOB       string // YYYY-MM-DD
	// Other holds keys this version does not know, kept for the record.
	Other map[string]string
}

// CoverSheetPrefix starts every cover-sheet payload.
const CoverSheetPrefix = "CS1;"

var coverKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// coverValueOK reports whether v is a cover-sheet value: at most 128
// letters, digits, spaces and the punctuation of names and dates
// (^ . , ' / _ -). It is a loop, not a regular expression, because the
// Unicode classes of one cost every chartscan process 5 MB at start.
func coverValueOK(v string) bool {
	if utf8.RuneCountInString(v) > 128 || !utf8.ValidString(v) {
		return false
	}
	for _, r := range v {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !strings.ContainsRune(" ^.,'/_-", r) {
			return false
		}
	}
	return true
}

// ParseCoverSheet parses a barcode payload. It returns an EINVALID error
// for text that is not a CS1 payload or holds malformed or contradictory
// values (an unknown section, a date that is not YYYY-MM-DD, a repeated key).
func ParseCoverSheet(s string) (*CoverSheet, error) {
	if !strings.HasPrefix(s, CoverSheetPrefix) {
		return nil, Errorf(EINVALID, "not a cover sheet")
	}
	if len(s) > 1024 {
		return nil, Errorf(EINVALID, "cover sheet payload too long")
	}
	body := strings.TrimSuffix(s[len(CoverSheetPrefix):], ";")
	if body == "sep" {
		return &CoverSheet{Separator: true}, nil
	}
	c := &CoverSheet{}
	seen := map[string]bool{}
	for _, kv := range strings.Split(body, ";") {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if !ok || !coverKeyRE.MatchString(k) || !coverValueOK(v) {
			return nil, Errorf(EINVALID, "cover sheet field %q is malformed", truncate(kv, 40))
		}
		if seen[k] {
			return nil, Errorf(EINVALID, "cover sheet repeats %q", k)
		}
		seen[k] = true
		switch k {
		case "mrn":
			c.MRN = v
		case "section":
			sec, err := ParseSection(v)
			if err != nil {
				return nil, err
			}
			c.Section = sec
		case "encounter":
			c.Encounter = v
		case "name":
			c.Name = strings.ToUpper(v)
		case "dob":
			if _, err := time.Parse("2006-01-02", v); err != nil {
				return nil, Errorf(EINVALID, "cover sheet dob %q is not YYYY-MM-DD", truncate(v, 20))
			}
			c.DOB = v
		default:
			if c.Other == nil {
				c.Other = map[string]string{}
			}
			c.Other[k] = v
		}
	}
	if c.MRN == "" && c.Section == "" && c.Encounter == "" && c.Name == "" {
		return nil, Errorf(EINVALID, "cover sheet names neither a patient nor a section")
	}
	return c, nil
}

// String returns the payload that parses back to c.
func (c *CoverSheet) String() string {
	if c.Separator {
		return CoverSheetPrefix + "sep"
	}
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("mrn", c.MRN)
	add("section", string(c.Section))
	add("encounter", c.Encounter)
	add("name", c.Name)
	add("dob", c.DOB)
	keys := make([]string, 0, len(c.Other))
	for k := range c.Other {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(k, c.Other[k])
	}
	return CoverSheetPrefix + strings.Join(parts, ";")
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
