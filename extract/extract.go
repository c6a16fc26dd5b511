// Package extract finds the patient and the dates on a page of OCR text:
// medical record number, patient name, date of birth and date of service,
// as forms from many sites label them, and the page's title and header
// marks that tell a document's first page from a continuation.
//
// Labels are recognised by their shape (see labels.go), values by theirs
// (values.go): a value is read from the text right after its label, or,
// on a form that prints a row of labels over a row of values, from the
// line below in the same order.
package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
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
	// MRNUnread is true when the top of the page labels an MRN whose
	// value could not be read (a number OCR garbled, or none printed),
	// and no MRN was found elsewhere on the page: a patient header
	// whose patient is not known.
	MRNUnread bool
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

// ValidMRN reports whether mrn has the form of the site's numbers.
func (e *Extractor) ValidMRN(mrn string) bool { return e.mrn.MatchString(mrn) }

// Where on a page fields are looked for: a patient header is at the top;
// some forms repeat the patient in a footer.
const (
	topN      = 10 // lines of the page header
	bareDateN = 8  // a plain "Date:" counts this near the top only
	footerN   = 4  // lines of a footer
)

// field is what a label names.
type field int

const (
	fMRN field = iota
	fDOB
	fService
	fName
	fFamily
	fGiven
)

// found is a label found on a line, and its value if one was read.
type found struct {
	field field
	tier  int // lower is preferred
	at    labelAt
	value string
	// unread: no value was read, and what follows the label is
	// nothing or looks like a number (not another word).
	unread bool
}

// Page reads the fields of one page.
func (e *Extractor) Page(text string) Fields {
	var f Fields
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	top := lines[:min(topN, len(lines))]
	topFound, valueRows := e.region(top, true)

	f.MRN = pick(topFound, fMRN)
	if f.MRN == "" {
		all, _ := e.region(lines, false)
		f.MRN = pick(all, fMRN)
	}
	if f.MRN == "" {
		for _, x := range topFound {
			f.MRNUnread = f.MRNUnread || x.field == fMRN && x.unread
		}
	}
	f.Name = pickName(topFound)
	if f.Name == "" {
		f.Name = continuationName(top)
	}
	f.DOB = pick(topFound, fDOB)
	f.ServiceDate = pick(topFound, fService)
	topName, topDOB := f.Name, f.DOB
	if len(lines) > topN && (f.Name == "" || f.DOB == "") {
		foot, _ := e.region(lines[max(topN, len(lines)-footerN):], false)
		if f.Name == "" {
			f.Name = pickName(foot)
		}
		if f.DOB == "" {
			f.DOB = pick(foot, fDOB)
		}
	}
	if f.DOB != "" && f.ServiceDate != "" && f.ServiceDate < f.DOB {
		f.ServiceDate = "" // a "date" before birth is something else
	}
	topText := strings.Join(top, "\n")
	head := strings.Join(lines[:min(3, len(lines))], "\n")
	f.Continued = continuedRE.MatchString(head)
	f.Header = !f.Continued && (topName != "" || patientRE.MatchString(topText)) && (f.MRN != "" || topDOB != "")
	f.Title = findTitle(top, valueRows)
	return f
}

// pick returns the value of the preferred label of a field: the lowest
// tier, then the first in reading order.
func pick(fs []found, fd field) string {
	best := -1
	for i, x := range fs {
		if x.field == fd && x.value != "" && (best < 0 || x.tier < fs[best].tier) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return fs[best].value
}

// pickName returns the patient's name: a name label's value, or a family
// and a given name labelled apart.
func pickName(fs []found) string {
	if n := pick(fs, fName); n != "" {
		return n
	}
	if fam, giv := pick(fs, fFamily), pick(fs, fGiven); fam != "" && giv != "" {
		return fam + "^" + giv
	}
	return ""
}

// region returns the labels of lines, in reading order, with their
// values, and which lines are rows of values under a row of labels. top
// says the lines are the top of the page, where a plain "Date:" is the
// date of the form.
func (e *Extractor) region(lines []string, top bool) ([]found, map[int]bool) {
	var out []found
	valueRows := map[int]bool{}
	scanned := make([]*line, len(lines))
	for i, t := range lines {
		scanned[i] = scanLine(t)
	}
	for li, l := range scanned {
		labels := e.labels(l, top && li < bareDateN)
		out = append(out, labels...)
		// A row of labels over a row of values: the line below gives
		// the values in the same order.
		if len(labels) >= 2 && li+1 < len(scanned) && headerRow(l, labels) {
			if vals, ok := e.valuesInOrder(lines[li+1], labels); ok {
				for k := range labels {
					labels[k].value = vals[k]
				}
				out = append(out, labels...)
				valueRows[li+1] = true
			}
		}
	}
	return out, valueRows
}

// labels finds the labels of a line, longest first at each word, and
// reads the value after each.
func (e *Extractor) labels(l *line, bare bool) []found {
	var out []found
	for i := 0; i < len(l.words); i++ {
		best, ok := found{}, false
		try := func(fd field, tier int, re *regexp.Regexp) {
			if a, m := l.match(re, i); m && (!ok || a.j > best.at.j) {
				best, ok = found{field: fd, tier: tier, at: a}, true
			}
		}
		for t, re := range mrnLabels {
			try(fMRN, t, re)
		}
		try(fDOB, 0, dobLabel)
		for t, re := range serviceLabels {
			try(fService, t, re)
		}
		if bare {
			try(fService, len(serviceLabels), bareDate)
		}
		try(fName, 0, nameLabel)
		try(fFamily, 0, familyLabel)
		try(fGiven, 0, givenLabel)
		if !ok {
			continue
		}
		// "Physician Name", "Next Visit Date": a label of someone or
		// something else.
		if best.field == fName && notPatientBefore[l.prevForm(i)] || best.field == fService && notServiceBefore[l.prevForm(i)] {
			i = best.at.j
			continue
		}
		after := l.after(best.at)
		if (best.field >= fName || plainWords[l.words[best.at.j].form]) && !marked(after) && !headerOnly(l, best.at) {
			i = best.at.j
			continue // prose, not a label
		}
		best.value, _ = e.value(best.field, after)
		if best.value == "" {
			rest := after[skipSep(after):]
			r, _ := utf8.DecodeRuneInString(rest)
			best.unread = rest == "" || unicode.IsDigit(r) || isDigitish(r) || r == '@'
		}
		out = append(out, best)
		i = best.at.j
	}
	return out
}

// headerOnly reports whether nothing but another label or the end of
// the line follows a label: a column head, which needs no colon.
func headerOnly(l *line, a labelAt) bool {
	if strings.TrimSpace(l.after(a)) == "" {
		return true
	}
	if a.j+1 >= len(l.words) {
		return false
	}
	next := l.words[a.j+1]
	gap := l.text[l.words[a.j].end:next.start]
	return vocabulary[next.form] && skipSep(gap) == len(gap)
}

// value reads the value of a field at the start of s, and how much of s
// it took.
func (e *Extractor) value(fd field, s string) (string, int) {
	switch fd {
	case fMRN:
		return e.mrnValue(s)
	case fDOB:
		return dateValue(s, true)
	case fService:
		return dateValue(s, false)
	case fName:
		return nameValue(s)
	default:
		return partValue(s)
	}
}

// headerRow reports whether a line is only labels without values: the
// column heads of a row of values below.
func headerRow(l *line, labels []found) bool {
	for k, x := range labels {
		if x.value != "" {
			return false
		}
		end := len(l.text)
		if k+1 < len(labels) {
			end = l.words[labels[k+1].at.i].start
		}
		if skipSep(l.text[l.words[x.at.j].end:end]) != end-l.words[x.at.j].end {
			return false
		}
	}
	return true
}

// valuesInOrder reads one value per label from text, in order. A value
// that does not read (OCR garbled it) is skipped as one token and left
// empty, so that the columns after it still line up; at least two values
// must read.
func (e *Extractor) valuesInOrder(text string, labels []found) ([]string, bool) {
	vals := make([]string, len(labels))
	pos, read := 0, 0
	for k, x := range labels {
		v, n := e.value(x.field, text[pos:])
		if v == "" {
			pos += skipSep(text[pos:])
			if i := strings.IndexFunc(text[pos:], unicode.IsSpace); i >= 0 {
				pos += i
			} else {
				pos = len(text)
			}
			continue
		}
		vals[k], pos = v, pos+n
		read++
	}
	return vals, read >= 2
}

// A continuation header: "LAST, FIRST   MRN: 123 (continued)".
var contNameRE = regexp.MustCompile(`^[^A-Za-z]*([A-Z][A-Z'\-]+(?: [A-Z][A-Z'\-]+)?)\s*[,.][\s:;.,=!|'"“”‘’_~*#\-]*([A-Z][A-Z'\-]+)\b[^\n]{0,20}?\b(?:MRN|MR\s*#|M\.R\.N|Med)`)

// continuationName reads the unlabelled name at the start of a
// continuation page's header line.
func continuationName(top []string) string {
	for _, l := range top {
		if m := contNameRE.FindStringSubmatch(l); m != nil && !nameStop[strings.ToLower(m[1])] && !nameStop[strings.ToLower(m[2])] {
			return m[1] + "^" + m[2]
		}
	}
	return ""
}

var (
	continuedRE = regexp.MustCompile(`(?i)\(\s*cont(?:inued|'d|\.)\s*\)|\bcontinued\b|\bpage\s+[2-9]\d*\s+of\s+\d+\b|\bcont'd\b`)
	patientRE   = regexp.MustCompile(`(?i)\b(?:patient|pt\.?)\s*(?:name)?\s*[:;!|]`)
)

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

// facilityRE marks the facility's name line at the top of a form.
var facilityRE = regexp.MustCompile(`(?i)\b(hospital|medical\s+center|health\s*(?:care|system)?|clinic|infirmary|medical\s+group|physicians|associates|center|institute|university)\b`)

// labelLineRE marks header lines of labels and values, not titles.
var labelLineRE = regexp.MustCompile(`(?i)\b(patient|mrn|mr\s*#|dob|date|name|account|visit|room|sex|age|physician|provider)\s*[:#]`)

// Title returns the document title near the top of a page of text, or "".
func Title(text string) string {
	top := topLines(strings.Split(text, "\n"), topN)
	_, valueRows := defaultExtractor.region(top, true)
	return findTitle(top, valueRows)
}

var defaultExtractor, _ = New("")

// findTitle returns the first line among the top lines that reads as a
// document title: mostly capitals, two letters or more per word, not the
// facility line, not a line of labels, not a section heading ending in ":".
func findTitle(top []string, valueRows map[int]bool) string {
	for i, l := range top {
		if i > 7 {
			break
		}
		if valueRows[i] {
			continue
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
