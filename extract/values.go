package extract

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// separator reports whether r may stand between a label and its value:
// spaces, the punctuation forms use, and what OCR makes of specks.
func separator(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(`:;.,=!|'"“”‘’_~*#-–—()[]°•·»«>`, r)
}

// skipSep returns the length of the separators at the start of s.
func skipSep(s string) int {
	for i, r := range s {
		if !separator(r) {
			return i
		}
	}
	return len(s)
}

// A date as forms write it, at the start of the text. Groups are matched
// by parseDate. Digits OCR reads as letters (O, l, I, S, B) are allowed
// inside a numeric date, which is one token: a space is allowed only
// next to a separator.
var dateValueRE = regexp.MustCompile(`(?i)^(?:` +
	`\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}|` +
	`[0-9OoQ@IlSB|]{1,2} ?[/.\-] ?[0-9OoQ@IlSB|]{1,2} ?[/.\-] ?[0-9OoQ@IlSB|]{2,4}|` +
	`(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|` +
	`[0-9OoQ@Il]{1,2}(?:st|nd|rd|th)?[\s\-](?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?[\s\-,]+\d{2,4}|` +
	`(?:19|20)\d{6})`)

// dateValue reads a date at the start of s (after separators), as
// YYYY-MM-DD, or "".
func dateValue(s string, birth bool) (string, int) {
	k := skipSep(s)
	m := dateValueRE.FindStringIndex(s[k:])
	if m == nil {
		return "", 0
	}
	end := k + m[1]
	if r, _ := utf8.DecodeRuneInString(s[end:]); end < len(s) && (unicode.IsDigit(r) || unicode.IsLetter(r) && !unicode.IsUpper(r) && isDigitish(r)) {
		return "", 0 // the date runs on: not this shape
	}
	if d := parseDate(s[k:end], birth); d != "" {
		return d, end
	}
	return "", 0
}

func isDigitish(r rune) bool { return strings.ContainsRune("OoQIlSB", r) }

var months = map[string]time.Month{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

var (
	isoRE     = regexp.MustCompile(`^(\d{4})[\-/.](\d{1,2})[\-/.](\d{1,2})$`)
	numericRE = regexp.MustCompile(`^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})$`)
	compactRE = regexp.MustCompile(`^((?:19|20)\d{2})(\d{2})(\d{2})$`)
	monthRE   = regexp.MustCompile(`(?i)^([a-z]{3})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$`)
	dayMonRE  = regexp.MustCompile(`(?i)^([0-9OoQ@Il]{1,2})(?:st|nd|rd|th)?[\s\-]([a-z]{3})[a-z]*\.?[\s\-,]+(\d{2,4})$`)
)

// digitRepair maps what OCR reads in place of digits inside a numeric
// token back to the digits.
var digitRepair = strings.NewReplacer("O", "0", "o", "0", "Q", "0", "@", "0", "I", "1", "l", "1", "|", "1", "S", "5", "B", "8")

// parseDate returns a date as YYYY-MM-DD, or "" when s is not a real
// date. Numeric dates are read month first (US forms). Two-digit years are
// placed in the last hundred years for a birth date, else near today.
func parseDate(s string, birth bool) string {
	s = strings.TrimSpace(s)
	var y, m, d int
	atoi := func(t string) int {
		n := 0
		for _, c := range digitRepair.Replace(t) {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	switch {
	case isoRE.MatchString(s):
		p := isoRE.FindStringSubmatch(s)
		y, m, d = atoi(p[1]), atoi(p[2]), atoi(p[3])
	case compactRE.MatchString(s):
		p := compactRE.FindStringSubmatch(s)
		y, m, d = atoi(p[1]), atoi(p[2]), atoi(p[3])
	case monthRE.MatchString(s):
		p := monthRE.FindStringSubmatch(s)
		y, m, d = atoi(p[3]), int(months[strings.ToLower(p[1])]), atoi(p[2])
	case dayMonRE.MatchString(s):
		p := dayMonRE.FindStringSubmatch(s)
		y, m, d = atoi(p[3]), int(months[strings.ToLower(p[2])]), atoi(p[1])
	default:
		fixed := strings.ReplaceAll(digitRepair.Replace(s), " ", "")
		p := numericRE.FindStringSubmatch(fixed)
		if p == nil {
			return ""
		}
		m, d, y = atoi(p[1]), atoi(p[2]), atoi(p[3])
	}
	if y >= 0 && y < 100 {
		now := time.Now().Year() % 100
		switch {
		case birth && y > now:
			y += 1900
		case !birth && y > now+1:
			y += 1900
		default:
			y += 2000
		}
	}
	if y < 1880 || y > time.Now().Year()+1 || m < 1 || m > 12 || d < 1 || d > 31 {
		return ""
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return "" // 31 April and the like
	}
	return t.Format("2006-01-02")
}

// mrnValue reads a medical record number at the start of s (after
// separators) and returns it with the length of s it took. The value is
// one token: it ends at whitespace, and what follows a space is the next
// word, never more digits — except further groups of real digits when
// the site prints its numbers in groups ("00 123 456") and the first
// group alone is not a whole number. Inside the token, letters OCR reads
// for digits are repaired (O, Q and @→0, I and l→1, S→5, B→8), and a word run
// into the number ("12345678DOB", "1234567Bed") is cut off.
func (e *Extractor) mrnValue(s string) (string, int) {
	k := skipSep(s)
	rest := s[k:]
	tok := rest
	if i := strings.IndexFunc(rest, unicode.IsSpace); i >= 0 {
		tok = rest[:i]
	}
	if v := e.mrnToken(tok); v != "" {
		return v, k + len(tok)
	}
	// Digit groups: only real digits join, and only a first group that
	// is all digits itself.
	if !allDigits(tok) {
		return "", 0
	}
	joined, n := tok, k+len(tok)
	for g := 0; g < 3; g++ {
		after := s[n:]
		if !strings.HasPrefix(after, " ") || strings.HasPrefix(after, "  ") {
			break
		}
		next := after[1:]
		if i := strings.IndexFunc(next, unicode.IsSpace); i >= 0 {
			next = next[:i]
		}
		if !allDigits(next) {
			break
		}
		joined += next
		n += 1 + len(next)
		if e.mrn.MatchString(joined) {
			return joined, n
		}
	}
	return "", 0
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// mrnToken reads one token as an MRN of the site, or "".
func (e *Extractor) mrnToken(tok string) string {
	// Punctuation other than hyphens ends the number ("1234567/V22",
	// "12345678:").
	if i := strings.IndexFunc(tok, func(r rune) bool { return r != '-' && r != '|' && r != '@' && !isWordRune(r) }); i >= 0 {
		tok = tok[:i]
	}
	tok = strings.Trim(strings.ReplaceAll(tok, "-", ""), "|")
	if tok == "" {
		return ""
	}
	for _, r := range tok {
		if r >= utf8.RuneSelf {
			return "" // not a number of this alphabet
		}
	}
	// A word run into the number: a trailing run of two letters or more
	// that OCR would not make of digits (a lower-case letter other than
	// l and o, or a letter that looks like no digit).
	cut := len(tok)
	for cut > 0 && unicode.IsLetter(rune(tok[cut-1])) {
		cut--
	}
	if run := tok[cut:]; cut > 0 && len(run) >= 2 && strings.ContainsFunc(run, func(r rune) bool {
		return !strings.ContainsRune("OoQIlSB", r)
	}) {
		return e.repairMRN(tok[:cut])
	}
	if v := e.repairMRN(tok); v != "" {
		return v
	}
	if cut > 0 && cut < len(tok) {
		return e.repairMRN(tok[:cut])
	}
	return ""
}

// repairMRN returns tok as an MRN of the site, digits repaired, or "".
// Leading letters may be the site's prefix, kept as printed; at most a
// third of the rest may be letters OCR put for digits.
func (e *Extractor) repairMRN(tok string) string {
	v := strings.ToUpper(tok)
	try := func(prefix int) string {
		body := v[prefix:]
		repaired := 0
		for i := range body {
			if body[i] < '0' || body[i] > '9' {
				repaired++
			}
		}
		if repaired*3 > len(body) {
			return ""
		}
		c := v[:prefix] + digitRepair.Replace(strings.ReplaceAll(body, "L", "l"))
		if e.mrn.MatchString(c) {
			return c
		}
		return ""
	}
	if c := try(0); c != "" {
		return c
	}
	for p := 1; p <= 3 && p < len(v) && unicode.IsLetter(rune(v[p-1])); p++ {
		if c := try(p); c != "" {
			return c
		}
	}
	return ""
}

// nameStop are label forms that end a name: the next label on the line.
var nameStop = map[string]bool{
	"mrn": true, "mr": true, "dob": true, "date": true, "dt": true, "sex": true, "age": true, "gender": true,
	"room": true, "rm": true, "bed": true, "acct": true, "account": true, "visit": true, "dos": true,
	"med": true, "medical": true, "record": true, "chart": true, "unit": true, "id": true, "no": true,
	"num": true, "number": true, "#": true, "birth": true, "born": true, "birthdate": true, "admit": true,
	"admission": true, "adm": true, "service": true, "encounter": true, "physician": true, "provider": true,
	"attending": true, "doctor": true, "dr": true, "location": true, "loc": true, "floor": true,
	"ward": true, "fin": true, "csn": true, "ssn": true, "phone": true, "tel": true, "address": true,
	"first": true, "given": true, "middle": true, "last": true, "surname": true, "patient": true, "pt": true,
	"name": true, "ins": true, "insurance": true, "ht": true, "wt": true, "height": true, "weight": true,
	"allergies": true, "hospital": true, "page": true, "continued": true, "cont": true, "mpi": true,
	"empi": true, "hosp": true, "dos/": true, "doa": true, "seen": true, "collected": true,
}

// notName are words of prose and forms that are no part of a name.
var notName = map[string]bool{
	"of": true, "the": true, "and": true, "for": true, "to": true, "in": true, "on": true, "at": true,
	"with": true, "by": true, "is": true, "was": true, "dear": true, "re": true, "see": true, "none": true,
	"unknown": true, "information": true, "history": true, "review": true, "report": true, "note": true,
	"sample": true, "signature": true, "copy": true, "consent": true, "instructions": true,
}

// nameSuffix may follow a name without being its last part.
var nameSuffix = map[string]bool{"jr": true, "sr": true, "ii": true, "iii": true, "iv": true, "md": true, "phd": true}

// honorifics may come before a name.
var honorifics = map[string]bool{"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true}

// nameTokens returns the words of a name at the start of s (after
// separators) — capitalised words of letters, apostrophes and hyphens,
// with the commas, periods and carets that tell their order, up to the
// next label, digit or lower-case word — and the length of s they take.
func nameTokens(s string) ([]string, int) {
	pos := skipSep(s)
	end := pos
	var out []string
	for len(out) < 6 {
		for pos < len(s) && (s[pos] == ' ' || s[pos] == '\t') {
			pos++
		}
		if pos >= len(s) {
			break
		}
		j := strings.IndexFunc(s[pos:], unicode.IsSpace)
		if j < 0 {
			j = len(s) - pos
		}
		raw := s[pos : pos+j]
		w := strings.TrimLeft(raw, "-_'\"“‘*~.")
		if w == "," && len(out) > 0 {
			out[len(out)-1] += ","
			pos += j
			end = pos
			continue
		}
		core := strings.TrimRight(w, ",.;:")
		if core == "" || strings.ContainsRune(w, ':') {
			break // the next label or heading
		}
		f := plainForm(core)
		if notName[f] {
			break
		}
		if honorifics[f] && len(out) == 0 {
			pos += j
			continue
		}
		if nameStop[f] {
			break
		}
		ok := true
		for _, r := range core {
			if !unicode.IsLetter(r) && !strings.ContainsRune("'’-^", r) {
				ok = false
				break
			}
		}
		if r, _ := utf8.DecodeRuneInString(core); !ok || !unicode.IsUpper(r) {
			break
		}
		out = append(out, strings.TrimRight(w, ";"))
		pos += j
		end = pos
		if strings.HasSuffix(w, ";") {
			break // "SMITH, JOHN; MRN"
		}
	}
	return out, end
}

// nameValue reads a patient's name at the start of s, as LAST^FIRST,
// with the length of s it took; "" when there is none. "LAST, FIRST M",
// "LAST^FIRST", "First M. Last" and "FIRST LAST" are read; a period OCR
// put for a comma counts as one.
func nameValue(s string) (string, int) {
	toks, n := nameTokens(s)
	if len(toks) == 0 {
		return "", 0
	}
	up := func(w string) string {
		return strings.ToUpper(strings.Trim(w, ",.'’-"))
	}
	if strings.Contains(toks[0], "^") {
		parts := strings.Split(toks[0], "^")
		if len(parts) >= 2 && len(up(parts[0])) >= 2 && len(up(parts[1])) >= 2 {
			return up(parts[0]) + "^" + up(parts[1]), n
		}
		return "", 0
	}
	// LAST, FIRST: a comma (or a period after a word of two letters or
	// more) after one to three words.
	for k := 0; k < len(toks) && k < 3; k++ {
		t := toks[k]
		if strings.HasSuffix(t, ",") || strings.HasSuffix(t, ".") && len(strings.TrimRight(t, ",.")) >= 2 {
			if k+1 >= len(toks) {
				return "", 0
			}
			var family []string
			for _, f := range toks[:k+1] {
				family = append(family, up(f))
			}
			given := up(toks[k+1])
			if len(given) < 2 {
				return "", 0
			}
			return strings.Join(family, " ") + "^" + given, n
		}
	}
	// First [Middle] Last.
	var words []string
	for _, t := range toks {
		if nameSuffix[strings.ToLower(strings.Trim(t, ",."))] || len(words) == 3 {
			break
		}
		words = append(words, up(t))
	}
	if len(words) < 2 {
		return "", 0
	}
	first, last := words[0], words[len(words)-1]
	if len(first) < 2 || len(last) < 2 {
		return "", 0
	}
	return last + "^" + first, n
}

// partValue reads one part of a name (a family or given name alone).
func partValue(s string) (string, int) {
	toks, n := nameTokens(s)
	if len(toks) == 0 {
		return "", 0
	}
	v := strings.ToUpper(strings.Trim(toks[0], ",.'’-"))
	if len(v) < 2 {
		return "", 0
	}
	return v, n
}
