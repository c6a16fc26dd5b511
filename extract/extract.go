// Package extract finds the patient and the dates on a page of OCR text:
// medical record number, patient name, date of birth and date of service,
// as forms from many sites label them, and the page's title and header
// marks that tell a document's first page from a continuation.
package extract

import (
	"regexp"
	"strings"
	"time"
	"unicode"
)

// Fields is what one page says about its patient and document.
type Fields struct {
	MRN         string // as printed, OCR confusions in digits repaired
	Name        string // LAST^FIRST (upper case), "" if not found
	DOB         string // YYYY-MM-DD
	ServiceDate string // YYYY-MM-DD
	// Title is the document title near the top of the page, if any
	// (a line in capitals that is not a label, heading or the facility).
	Title string
	// Header is true when the top of the page carries the patient
	// header of a document's first page (a patient label with an MRN or
	// date of birth).
	Header bool
	// Continued is true when the page says it continues a document.
	Continued bool
}

// Extractor reads Fields from page text. It is safe for concurrent use.
type Extractor struct {
	mrn *regexp.Regexp
}

// DefaultMRNPattern accepts 5 to 12 digits with an optional prefix of up
// to three letters.
const DefaultMRNPattern = `[A-Z]{0,3}[0-9]{5,12}`

// New returns an extractor for a site whose MRNs match pattern (a regular
// expression for the whole number; "" means DefaultMRNPattern).
func New(pattern string) (*Extractor, error) {
	if pattern == "" {
		pattern = DefaultMRNPattern
	}
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		return nil, err
	}
	return &Extractor{mrn: re}, nil
}

// OCR scatters specks and quotes around labels and values, reads a colon
// as "!" or ";", a space as ".", and so on. The patterns below allow for
// it: sep is what may stand between a label and its value, gap what may
// stand between the words of a label.
const (
	sep = `[\s:;.,=!|'"“”‘’_~*#\-]*`
	gap = `[\s._]+`
)

// label makes a case-insensitive pattern for a label given as words
// separated by single spaces, allowing OCR gaps between the words.
func label(words string) string { return strings.ReplaceAll(words, " ", gap) }

var (
	// Labels of the medical record number, as sites print them.
	mrnLabel = `(?:MRN|M\.R\.N\.?|MR\s*#|MR\s*No\.?|MR\s*Number|Med(?:ical)?\.?` + gap + `Rec(?:ord)?\.?\s*(?:#|No\.?|Number|Num\.?)?|` +
		label("Medical Record") + `\s*(?:#|No\.?|Number)?|Chart\s*(?:#|No\.?|Number)|Patient` + gap + `ID|Pt\.?\s*ID|Unit\s*(?:#|No\.?|Number))`
	mrnRE = regexp.MustCompile(`(?i)\b` + mrnLabel + sep + `([A-Za-z]{0,3}[0-9OoIlSB][0-9OoIlSB\- ]{3,18}[0-9OoIlSB])`)

	// Labels of the date of birth and of the date of service, in order
	// of preference.
	dobLabels     = `(?:DOB|D\.O\.B\.?|` + label("Date of Birth") + `|` + label("Birth Date") + `|Birthdate|Born)`
	serviceLabels = []string{
		`(?:` + label("Date of Service") + `|DOS|` + label("Service Date") + `|` + label("Visit Date") + `|` + label("Date of Visit") + `|` + label("Encounter Date") + `|` + label("Date of Encounter") + `)`,
		`(?:Admi(?:t|ssion|tted)` + gap + `Date|` + label("Date of Admission") + `|Admitted)`,
		`(?:Exam(?:ination)?` + gap + `Date|Date` + gap + `of` + gap + `Exam(?:ination)?|` + label("Procedure Date") + `|Date` + gap + `of` + gap + `(?:Procedure|Operation|Surgery)|Collect(?:ion|ed)` + gap + `Date|` + label("Date Collected") + `|` + label("Report Date") + `|` + label("Date of Report") + `)`,
	}

	// A date as forms write it. Groups are matched by parseDate.
	datePat = `(\d{4}-\d{1,2}-\d{1,2}|[0-9OoIl]{1,2} ?[/.\-] ?[0-9OoIl]{1,2} ?[/.\-] ?[0-9OoIl]{2,4}|` +
		`(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|` +
		`\d{1,2}[\s\-](?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?[\s\-,]+\d{2,4})`
	dobRE      = regexp.MustCompile(`(?i)\b` + dobLabels + sep + datePat)
	serviceREs = func() []*regexp.Regexp {
		var out []*regexp.Regexp
		for _, l := range serviceLabels {
			out = append(out, regexp.MustCompile(`(?i)\b`+l+sep+datePat))
		}
		return out
	}()

	// "Patient: LAST, FIRST", "Patient Name: LAST, FIRST M", "Name: LAST, FIRST".
	nameLabel   = `(?:Patient(?:'s)?` + gap + `Name|Patient|Pt\.?` + gap + `Name|Name)`
	nameCommaRE = regexp.MustCompile(`\b(?i:` + nameLabel + `)\s*[:;!|.,]` + sep + `([A-Z][A-Za-z'\-]+(?:[ \-][A-Z][A-Za-z'\-]+)?)\s*[,.]` + sep + `([A-Z][A-Za-z'\-]+)(?:\s+([A-Z])\b\.?)?`)
	// "Patient: First Last" (no comma).
	nameSpaceRE = regexp.MustCompile(`\b(?i:` + nameLabel + `)\s*[:;!|]` + sep + `([A-Z][a-z'\-]+)\s+(?:[A-Z]\.?\s+)?([A-Z][A-Za-z'\-]+)\b`)
	// A continuation header: "LAST, FIRST   MRN: 123 (continued)".
	contNameRE = regexp.MustCompile(`^[^A-Za-z]*([A-Z][A-Z'\-]+(?: [A-Z][A-Z'\-]+)?)\s*[,.]` + sep + `([A-Z][A-Z'\-]+)\b[^\n]{0,20}?` + mrnLabel)

	continuedRE = regexp.MustCompile(`(?i)\(\s*cont(?:inued|'d|\.)\s*\)|\bcontinued\b|\bpage\s+[2-9]\d*\s+of\s+\d+\b|\bcont'd\b`)
	patientRE   = regexp.MustCompile(`(?i)\b(?:patient|pt\.?)\s*(?:name)?\s*[:;!|]`)
)

// Page reads the fields of one page.
func (e *Extractor) Page(text string) Fields {
	var f Fields
	lines := strings.Split(text, "\n")
	top := topLines(lines, 10)
	topText := strings.Join(top, "\n")

	f.MRN = e.findMRN(topText)
	if f.MRN == "" {
		f.MRN = e.findMRN(text)
	}
	f.Name = findName(topText)
	if m := dobRE.FindStringSubmatch(topText); m != nil {
		f.DOB = parseDate(m[1], true)
	}
	for _, re := range serviceREs {
		if m := re.FindStringSubmatch(topText); m != nil {
			if d := parseDate(m[1], false); d != "" {
				f.ServiceDate = d
				break
			}
		}
	}
	if f.DOB != "" && f.ServiceDate != "" && f.ServiceDate < f.DOB {
		f.ServiceDate = "" // a "date" before birth is something else
	}
	head := strings.Join(topLines(lines, 3), "\n")
	f.Continued = continuedRE.MatchString(head)
	f.Header = !f.Continued && (f.Name != "" || patientRE.MatchString(topText)) && (f.MRN != "" || f.DOB != "")
	f.Title = findTitle(top)
	return f
}

// topLines returns the first n non-empty lines.
func topLines(lines []string, n int) []string {
	var out []string
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

func (e *Extractor) findMRN(text string) string {
	for _, m := range mrnRE.FindAllStringSubmatch(text, 6) {
		v := strings.ToUpper(strings.TrimSpace(m[1]))
		v = strings.NewReplacer(" ", "", "-", "").Replace(v)
		v = repairDigits(v)
		if e.mrn.MatchString(v) {
			return v
		}
		// OCR can run the next label into the number: try its start.
		for cut := len(v) - 1; cut >= 5; cut-- {
			if e.mrn.MatchString(v[:cut]) && !unicode.IsDigit(rune(v[cut])) {
				return v[:cut]
			}
		}
	}
	return ""
}

// repairDigits fixes letters OCR reads in place of digits in the numeric
// part of an identifier (after any letter prefix).
func repairDigits(v string) string {
	i := 0
	for i < len(v) && i < 3 && unicode.IsLetter(rune(v[i])) && !strings.ContainsRune("OILSB", rune(v[i])) {
		i++
	}
	return v[:i] + strings.NewReplacer("O", "0", "I", "1", "L", "1", "S", "5", "B", "8").Replace(v[i:])
}

// labelWords are never names.
var labelWords = map[string]bool{
	"MRN": true, "DOB": true, "DATE": true, "SEX": true, "AGE": true, "MR": true, "ID": true,
	"ACCOUNT": true, "ROOM": true, "VISIT": true, "PATIENT": true, "NAME": true, "UNKNOWN": true,
}

func findName(text string) string {
	if m := nameCommaRE.FindStringSubmatch(text); m != nil {
		last, first := strings.ToUpper(m[1]), strings.ToUpper(m[2])
		if !labelWords[last] && !labelWords[first] {
			return last + "^" + first
		}
	}
	for _, l := range strings.Split(text, "\n") {
		if m := contNameRE.FindStringSubmatch(l); m != nil && !labelWords[m[1]] && !labelWords[m[2]] {
			return m[1] + "^" + m[2]
		}
	}
	if m := nameSpaceRE.FindStringSubmatch(text); m != nil {
		first, last := strings.ToUpper(m[1]), strings.ToUpper(m[2])
		if !labelWords[last] && !labelWords[first] {
			return last + "^" + first
		}
	}
	return ""
}

var months = map[string]time.Month{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

var (
	isoRE     = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	numericRE = regexp.MustCompile(`^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})$`)
	monthRE   = regexp.MustCompile(`(?i)^([a-z]{3})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$`)
	dayMonRE  = regexp.MustCompile(`(?i)^(\d{1,2})[\s\-]([a-z]{3})[a-z]*\.?[\s\-,]+(\d{2,4})$`)
)

// parseDate returns a date as YYYY-MM-DD, or "" when s is not a real
// date. Numeric dates are read month first (US forms). Two-digit years are
// placed in the last hundred years for a birth date, else near today.
func parseDate(s string, birth bool) string {
	s = strings.TrimSpace(s)
	var y, m, d int
	atoi := func(t string) int {
		n := 0
		for _, c := range strings.NewReplacer("O", "0", "o", "0", "I", "1", "l", "1").Replace(t) {
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
	case monthRE.MatchString(s):
		p := monthRE.FindStringSubmatch(s)
		y, m, d = atoi(p[3]), int(months[strings.ToLower(p[1])]), atoi(p[2])
	case dayMonRE.MatchString(s):
		p := dayMonRE.FindStringSubmatch(s)
		y, m, d = atoi(p[3]), int(months[strings.ToLower(p[2])]), atoi(p[1])
	default:
		fixed := strings.NewReplacer("O", "0", "o", "0", "I", "1", "l", "1", " ", "").Replace(s)
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

// facilityRE marks the facility's name line at the top of a form.
var facilityRE = regexp.MustCompile(`(?i)\b(hospital|medical\s+center|health\s*(?:care|system)?|clinic|infirmary|medical\s+group|physicians|associates|center|institute|university)\b`)

// labelLineRE marks header lines of labels and values, not titles.
var labelLineRE = regexp.MustCompile(`(?i)\b(patient|mrn|mr\s*#|dob|date|name|account|visit|room|sex|age|physician|provider)\s*[:#]`)

// Title returns the document title near the top of a page of text, or "".
func Title(text string) string { return findTitle(topLines(strings.Split(text, "\n"), 10)) }

// findTitle returns the first line among the top lines that reads as a
// document title: mostly capitals, two letters or more per word, not the
// facility line, not a line of labels, not a section heading ending in ":".
func findTitle(top []string) string {
	for i, l := range top {
		if i > 7 {
			break
		}
		l = strings.TrimFunc(l, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ')' && r != ':' })
		if len(l) < 3 || len(l) > 70 || strings.HasSuffix(l, ":") || labelLineRE.MatchString(l) {
			continue
		}
		letters, upper := 0, 0
		for _, r := range l {
			if unicode.IsLetter(r) {
				letters++
				if unicode.IsUpper(r) {
					upper++
				}
			}
		}
		if letters < 2 || upper*10 < letters*8 {
			continue
		}
		if facilityRE.MatchString(l) && i < 2 {
			continue
		}
		if t := titleWords(l); t != "" {
			return t
		}
	}
	return ""
}

// titleWords returns the leading words of a line that are in capitals,
// dropping what OCR adds after a title (specks read as "© . nies").
func titleWords(l string) string {
	var keep []string
	letters := 0
	for _, w := range strings.Fields(l) {
		core := strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		switch {
		case w == "&" || w == "/" || w == "-" || w == "AND":
			keep = append(keep, w)
			continue
		case core == "":
			return strings.Join(trimConnectors(keep), " ")
		}
		upper := true
		n := 0
		for _, r := range core {
			if unicode.IsLetter(r) {
				n++
				upper = upper && unicode.IsUpper(r)
			}
		}
		if !upper || (n < 2 && !strings.Contains(core, "&")) {
			break
		}
		letters += n
		keep = append(keep, strings.TrimRight(w, ",.;"))
	}
	if letters < 2 {
		return ""
	}
	return strings.Join(trimConnectors(keep), " ")
}

func trimConnectors(ws []string) []string {
	for len(ws) > 0 && (ws[len(ws)-1] == "&" || ws[len(ws)-1] == "/" || ws[len(ws)-1] == "-" || ws[len(ws)-1] == "AND") {
		ws = ws[:len(ws)-1]
	}
	return ws
}
