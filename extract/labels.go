package extract

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Labels are recognised by their shape, not from a list of spellings. A
// line is first cut into words; each word that is mostly letters gets a
// label form (lower case, digits OCR put in place of letters mapped back,
// apostrophes dropped, dotted abbreviations such as "D.O.B." joined), and
// a label form close to a word of the label vocabulary (one OCR slip in a
// short word, more in a long one) becomes that word. Punctuation and
// specks between words do not count. A label is then a short phrase of
// such words, described by a small grammar per field: optional qualifier
// words, a head noun and an optional number word ("No.", "#", "Number",
// "Num", "Nbr", "ID"). The value is read from the raw text just after the
// label's last word.

// lword is one word of a line.
type lword struct {
	form       string // label form; "9" for a word that is not a label word
	start, end int    // byte span in the line
}

// span is a byte range of a line.
type span struct{ start, end int }

// line is a line of text as label matching sees it.
type line struct {
	text   string
	words  []lword
	joined string // the label forms, joined by single spaces
	offs   []int  // where word i starts in joined
}

// isWordRune reports whether r belongs to a word: letters and digits.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// scanLine cuts text into words and gives each its label form.
func scanLine(text string) *line {
	var spans []span
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '#' || r == '№':
			spans = append(spans, span{i, i + n})
			i += n
		case isWordRune(r):
			j := i + n
			for j < len(text) {
				r2, n2 := utf8.DecodeRuneInString(text[j:])
				if isWordRune(r2) {
					j += n2
					continue
				}
				// An apostrophe, or a bar or "!" OCR put for an "l" or an
				// "i", inside a word keeps the word whole.
				if strings.ContainsRune("'’|!", r2) && j+n2 < len(text) {
					r3, _ := utf8.DecodeRuneInString(text[j+n2:])
					r1, _ := utf8.DecodeLastRuneInString(text[i:j])
					if unicode.IsLetter(r3) && unicode.IsLetter(r1) {
						j += n2
						continue
					}
				}
				break
			}
			spans = append(spans, splitGlued(text, i, j)...)
			i = j
		default:
			i += n
		}
	}
	// Dotted abbreviations: single letters separated by dots ("D.O.B",
	// "M. R. N.") are one word.
	var merged []span
	for k := 0; k < len(spans); k++ {
		s := spans[k]
		if single(text[s.start:s.end]) || speckGlued(text[s.start:s.end]) {
			e := k
			for e+1 < len(spans) && single(text[spans[e+1].start:spans[e+1].end]) && dotGap(text[spans[e].end:spans[e+1].start]) {
				e++
			}
			if e > k {
				merged = append(merged, span{s.start, spans[e].end})
				k = e
				continue
			}
		}
		merged = append(merged, s)
	}
	l := &line{text: text}
	var b strings.Builder
	for _, s := range merged {
		f := labelForm(text[s.start:s.end])
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		l.offs = append(l.offs, b.Len())
		b.WriteString(f)
		l.words = append(l.words, lword{form: f, start: s.start, end: s.end})
	}
	l.joined = b.String()
	return l
}

// splitGlued cuts a word where OCR ran a label into its value
// ("MRN12345678", "DOB04/12/1957"): a leading run of letters that is a
// label word, followed by a digit.
func splitGlued(text string, start, end int) []span {
	w := text[start:end]
	k := 0
	for k < len(w) && (w[k] >= 'A' && w[k] <= 'Z' || w[k] >= 'a' && w[k] <= 'z') {
		k++
	}
	if k >= 2 && k < len(w) && w[k] >= '0' && w[k] <= '9' && glueHeads[strings.ToLower(w[:k])] {
		return []span{{start, start + k}, {start + k, end}}
	}
	return []span{{start, end}}
}

// glueHeads are the label words OCR is seen to run into a value.
var glueHeads = map[string]bool{"mrn": true, "dob": true, "dos": true, "mr": true, "no": true, "id": true}

// single reports whether w is one letter (or a digit OCR puts for one:
// "D.0.B.").
func single(w string) bool {
	r, n := utf8.DecodeRuneInString(w)
	return n == len(w) && (unicode.IsLetter(r) || strings.ContainsRune("0158", r))
}

// speckGlued reports whether w is a capital letter with a speck OCR read
// as a small letter glued before it ("iD.O.B."): it may start an
// abbreviation, the speck left to the grammar.
func speckGlued(w string) bool {
	return len(w) == 2 && w[0] >= 'a' && w[0] <= 'z' && w[1] >= 'A' && w[1] <= 'Z'
}

// dotGap reports whether the text between two letters is a dot with
// optional spaces: the letters are an abbreviation.
func dotGap(g string) bool {
	return strings.Count(g, ".") == 1 && strings.Trim(g, ". ") == ""
}

// labelForm returns the label form of a word: "9" for a word that is
// mostly digits (a value), else the lower-case word with OCR's digits for
// letters mapped back, canonicalised to the label vocabulary.
func labelForm(w string) string {
	f := plainForm(w)
	if f == "9" || f == "#" {
		return f
	}
	return canonical(f)
}

// plainForm is labelForm without the correction of OCR slips: what
// stops a name must be a label word as printed, or "Dale" would end it.
func plainForm(w string) string {
	letters, digits := 0, 0
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsDigit(r):
			digits++
		}
	}
	if w == "#" || w == "№" {
		return "#"
	}
	if letters == 0 || digits > letters {
		return "9"
	}
	var b strings.Builder
	for _, r := range strings.ToLower(w) {
		switch r {
		case '0':
			r = 'o'
		case '1', '|', '!':
			r = 'l'
		case '5':
			r = 's'
		case '8':
			r = 'b'
		case '\'', '’', '.', ' ', '\t':
			continue
		}
		b.WriteRune(foldAccent(r))
	}
	return b.String()
}

// foldAccent maps the accented Latin letters OCR produces on English
// forms to their plain letter.
func foldAccent(r rune) rune {
	if f, ok := accents[r]; ok {
		return f
	}
	return r
}

var accents = func() map[rune]rune {
	m := map[rune]rune{}
	plain := []rune("aaaaaaeeeeiiiiooooouuuuyync")
	for i, r := range []rune("àáâãäåèéêëìíîïòóôõöùúûüýÿñç") {
		m[r] = plain[i]
	}
	return m
}()

// vocabulary holds every word the label grammars use.
var vocabulary = func() map[string]bool {
	v := map[string]bool{}
	for _, w := range strings.Fields(`mrn mr med medical rec record records medrec chart unit patient patients pt
		hospital hosp mpi empi no num nbr number numb nr id identifier health
		dob date dt time of birth birthdate born on bdate age sex
		service services visit encounter appointment appt consult consultation clinic office dos seen
		admission admit admitted adm arrival doa
		exam examination procedure surgery surgical operation operative op report reported collection collected
		specimen study test order ordered result results discharge discharged imaging scan transfusion delivery draw
		performed drawn taken received completed obtained svc serv enc attendance arrived coll resulted dc dates
		name full legal client resident last surname family first given forename forenames names`) {
		v[w] = true
	}
	return v
}()

// vocabList is the vocabulary in order, for canonical's search.
var vocabList = func() []string {
	var l []string
	for w := range vocabulary {
		l = append(l, w)
	}
	sort.Strings(l)
	return l
}()

// canonical returns the vocabulary word w stands for, allowing for OCR
// slips, or w itself.
func canonical(w string) string {
	if vocabulary[w] || len(w) < 3 || len(w) > 20 {
		return w
	}
	best, bestCost, tie := "", 99.0, false
	for _, v := range vocabList {
		if d := len(v) - len(w); d > 2 || d < -2 {
			continue
		}
		c := ocrDistance(w, v)
		switch {
		case c < bestCost:
			best, bestCost, tie = v, c, false
		case c == bestCost:
			tie = true
		}
	}
	if best == "" || tie || bestCost > slipAllowance(len(best)) {
		return w
	}
	return best
}

// slipAllowance is how far (in ocrDistance) a word of n letters may be
// from a vocabulary word and still be read as it: one look-alike letter
// in a short word, one slip in a middling one, two in a long one.
func slipAllowance(n int) float64 {
	switch {
	case n <= 4:
		return 0.5
	case n <= 7:
		return 1
	default:
		return 2
	}
}

// lookAlike are letter pairs OCR confuses on degraded scans; swapping one
// for the other costs half an edit.
var lookAlike [128][128]bool

func init() {
	for _, p := range []string{"il", "lt", "it", "ft", "ce", "eo", "ao", "nu", "nh", "hb", "uv", "vy", "rt", "ij"} {
		lookAlike[p[0]][p[1]] = true
		lookAlike[p[1]][p[0]] = true
	}
}

// ocrDistance is the edit distance between a and b (bytes), with
// look-alike substitutions at half cost.
func ocrDistance(a, b string) float64 {
	if len(b) > 31 {
		return 99
	}
	var rows [2][32]float64
	prev, cur := &rows[0], &rows[1]
	for j := 0; j <= len(b); j++ {
		prev[j] = float64(j)
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = float64(i)
		for j := 1; j <= len(b); j++ {
			x, y := a[i-1], b[j-1]
			sub := 0.0
			if x != y {
				sub = 1
				if x < 128 && y < 128 && lookAlike[x][y] {
					sub = 0.5
				}
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Label grammars, over label forms joined by single spaces. Each is
// anchored at the start of a word and matched leftmost-longest.
const (
	numWord = `(?:no|num|nbr|number|numb|nr|#|id|identifier)`
	dateW   = `(?:date|dates|dt)(?: time)?`
	dateOf  = `(?:date|dates)(?: s)?(?: time)? of`
)

func grammar(alts ...string) *regexp.Regexp {
	re := regexp.MustCompile(`^(?:` + strings.Join(alts, "|") + `)(?: |$)`)
	re.Longest()
	return re
}

var (
	// mrnLabels: the medical record number, strongest first.
	mrnLabels = []*regexp.Regexp{
		grammar(
			`mrn(?: `+numWord+`)*`,
			`mr(?: `+numWord+`)+`,
			`med(?:ical)? rec(?:ord|ords)?(?: `+numWord+`)*`,
			`medrec(?: `+numWord+`)*`,
			`(?:medical |health )?record(?: `+numWord+`)+`,
		),
		grammar(
			`chart(?: `+numWord+`)+`,
			`unit(?: `+numWord+`)+`,
			`(?:patient|patients|pt)(?: `+numWord+`)+`,
			`(?:hospital|hosp)(?: `+numWord+`)+`,
			`e?mpi(?: `+numWord+`)*`,
		),
	}
	dobLabel = grammar(
		`[a-z]?dob(?: age| sex)?`,
		dateOf+` birth(?: age| sex)?`,
		`birth `+dateW,
		`birthdate`, `bdate`,
		`birth`,
		`born(?: on)?`,
	)
	// serviceLabels: the date of service, in order of preference: the
	// visit itself, then the admission, then what the page reports on
	// (an exam, a procedure, a specimen, a discharge).
	serviceLabels = []*regexp.Regexp{
		grammar(
			dateOf+` (?:service|services|svc|visit|encounter|appointment|consult|consultation|clinic|attendance)`,
			`(?:service|services|svc|serv|visit|encounter|enc|appointment|appt|consult|consultation|clinic|office|attendance) `+dateW,
			`(?:office|clinic) visit `+dateW,
			`dos`, `date seen`, `seen(?: on)?`, `visit(?: on)?`, `encounter`, `appointment`, `appt`,
		),
		grammar(
			dateOf+` (?:admission|admit|arrival)`,
			`(?:admission|admit|admitted|adm|arrival) `+dateW,
			`doa`, `admitted(?: on)?`, `admission`, `admit`, `arrived(?: on)?`,
		),
		grammar(
			dateOf+` (?:exam|examination|procedure|surgery|operation|report|collection|study|test|specimen|discharge|order)`,
			`(?:exam|examination|procedure|surgery|surgical|operation|operative|op|report|reported|collection|collected|coll|specimen|study|test|order|ordered|result|results|resulted|discharge|dc|imaging|scan|transfusion|delivery|draw) `+dateW,
			`date (?:collected|reported|performed|drawn|taken|received|ordered|completed|obtained|resulted)`,
			`(?:collected|reported|performed|drawn|received|discharged|resulted|ordered)(?: on)?`,
		),
	}
	// bareDate is a plain "Date:" label, taken near the top of a form
	// only, and not after a word that makes it another date.
	bareDate = grammar(dateW)
	// Name labels: the whole name, or its parts.
	nameLabel = grammar(
		`(?:patient|patients|client|resident)(?: full| legal)?(?: name)?`,
		`pt(?: full| legal)? name`,
		`(?:full |legal )?name`, `name of patient`,
	)
	familyLabel = grammar(`last name`, `surname`, `family name`)
	givenLabel  = grammar(`first name`, `given names?`, `forenames?`)
)

// notServiceBefore are words that make a following "Date" some other date.
var notServiceBefore = map[string]bool{
	"birth": true, "dictated": true, "dictation": true, "transcribed": true, "transcription": true,
	"signed": true, "signature": true, "print": true, "printed": true, "run": true, "due": true,
	"expiration": true, "expiry": true, "exp": true, "effective": true, "eff": true, "last": true,
	"next": true, "follow": true, "followup": true, "review": true, "reviewed": true, "revised": true,
	"rev": true, "form": true, "approved": true, "verified": true, "sent": true, "fax": true,
	"faxed": true, "onset": true, "injury": true, "lmp": true, "edd": true, "start": true, "stop": true,
	"end": true, "referral": true, "death": true, "hire": true, "previous": true, "prior": true,
}

// notPatientBefore are words that make a following "Name" someone else's.
var notPatientBefore = map[string]bool{
	"physician": true, "provider": true, "doctor": true, "dr": true, "attending": true, "facility": true,
	"hospital": true, "insurance": true, "insured": true, "guarantor": true, "subscriber": true,
	"employer": true, "contact": true, "emergency": true, "mother": true, "father": true, "mothers": true,
	"fathers": true, "parent": true, "guardian": true, "spouse": true, "pharmacy": true, "nurse": true,
	"referring": true, "ordering": true, "company": true, "plan": true, "test": true, "drug": true,
	"medication": true, "user": true, "signature": true, "print": true, "printed": true, "witness": true,
	"clinic": true, "practice": true, "representative": true, "staff": true, "author": true,
	"surgeon": true, "anesthesiologist": true, "pcp": true, "responsible": true, "party": true,
	"relative": true, "next": true, "kin": true, "agent": true, "interpreter": true, "last": true,
	"first": true, "family": true, "given": true, "middle": true, "maiden": true, "user's": true,
}

// plainWords are label words that are also words of prose ("performed
// on", "the patient"): as a label, such a word must be followed by a
// colon or the like, as forms print it.
var plainWords = map[string]bool{
	"on": true, "collected": true, "reported": true, "performed": true, "drawn": true, "received": true,
	"discharged": true, "admitted": true, "seen": true, "born": true, "visit": true, "encounter": true,
	"admission": true, "admit": true, "birth": true, "appointment": true, "appt": true, "arrived": true,
	"resulted": true, "ordered": true,
}

// marked reports whether the text after a label starts (after spaces)
// with the punctuation forms put between a label and its value.
func marked(after string) bool {
	t := strings.TrimLeft(after, " \t")
	return t != "" && strings.ContainsRune(":;!|=#.-–—", []rune(t)[0])
}

// labelAt is a label found on a line: it spans words i..j.
type labelAt struct {
	i, j int
}

// match returns the label re finds starting at word i, if any.
func (l *line) match(re *regexp.Regexp, i int) (labelAt, bool) {
	m := re.FindStringIndex(l.joined[l.offs[i]:])
	if m == nil {
		return labelAt{}, false
	}
	end := l.offs[i] + m[1]
	if end < len(l.joined) && l.joined[end-1] == ' ' {
		end--
	}
	j := i
	for j+1 < len(l.offs) && l.offs[j+1] < end {
		j++
	}
	return labelAt{i, j}, true
}

// after returns the raw text after the label.
func (l *line) after(a labelAt) string { return l.text[l.words[a.j].end:] }

// prevForm returns the label form of the word before word i, or "".
func (l *line) prevForm(i int) string {
	if i == 0 {
		return ""
	}
	return l.words[i-1].form
}
