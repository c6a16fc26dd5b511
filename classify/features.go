package classify

import (
	"regexp"
	"strings"
	"unicode"

	"chartscan/extract"
)

// Features turns page text into weighted features for the model:
//
//   - words and pairs of neighbouring words of the running text (weight 1);
//   - section headings, lines such as "HOSPITAL COURSE:" ("h:" prefix,
//     weight 10): clinical documents are known by their headings;
//   - the words of the document title near the top of the page, and the
//     whole title ("t:" and "tt:" prefixes, weights 10 and 40): a title
//     says what a document is more plainly than anything else, and must
//     outweigh the hundreds of words of running text. See pageTitle.
//
// The weights were chosen by cross-validation on transcribed notes
// (headings) and so that a known title decides a page (titles).
func Features(text string) map[string]float64 {
	return titledFeatures(pageTitle(text), text)
}

// pageTitle returns the document title of a page: the one extract.Title
// finds (in capitals) or, failing that, a short line in title case near
// the top ("Discharge Summary"), as many systems print them. A page's
// header block (facility, then the patient's identifiers) comes before
// its title, so the title is looked for below the last identifier line
// of the header first: a facility's name ("HARBORSIDE REHABILITATION AND
// NURSING") is not the title of the page under it.
func pageTitle(text string) string {
	lines := strings.Split(text, "\n")
	n, after := 0, -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if n++; n > 6 {
			break
		}
		if identifierLineRE.MatchString(l) {
			after = i + 1
		}
	}
	if after > 0 {
		rest := strings.Join(lines[after:], "\n")
		if t := extract.Title(rest); t != "" {
			return t
		}
		if t := titleCaseTitle(rest); t != "" {
			return t
		}
	}
	if t := extract.Title(text); t != "" {
		return t
	}
	return titleCaseTitle(text)
}

// identifierLineRE marks a line of the header block that identifies the
// patient or the visit: labels of record numbers, names, birth dates and
// visits as sites print them, or a long number after "#".
var identifierLineRE = regexp.MustCompile(`(?i)(\b(mrn|mr\s*(no|#)|med(ical)?\s*rec(ord)?|unit\s*no|acct|account|d\.?o\.?b\b|birth\s*date|birthdate|born|surname|forename|encounter|enc|visit|adm|admitted)\b|\b(patient|pt|resident|name)\s*:|#\s*\d{4,})`)

// titleCaseTitle returns the first of the top lines of text that reads as
// a title printed in title case: two to eight words, each capitalised
// (joining words such as "and", "of" or "for" aside), with no digits and no
// label colon, not a sentence, not the facility's name at the very top.
func titleCaseTitle(text string) string {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if n++; n > 8 {
			break
		}
		if len(l) < 3 || len(l) > 60 || strings.ContainsAny(l, ":0123456789|,;") || strings.HasSuffix(l, ".") {
			continue
		}
		words := strings.Fields(l)
		if n <= 2 && (facilityRE.MatchString(l) || len(words) >= 4 && weakFacilityRE.MatchString(l)) {
			continue
		}
		if len(words) < 2 || len(words) > 8 {
			continue // one word alone is more often a heading or a value
		}
		ok, long := true, false
		for _, w := range words {
			core := strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
			switch {
			case core == "" || titleJoiners[strings.ToLower(core)]:
				continue
			case !unicode.IsUpper([]rune(core)[0]):
				ok = false
			}
			long = long || len(core) >= 3
		}
		if ok && long {
			return l
		}
	}
	return ""
}

// titleJoiners are the small words a title-case title leaves in lower case.
var titleJoiners = map[string]bool{"and": true, "of": true, "for": true, "the": true, "to": true, "in": true, "on": true, "at": true, "with": true, "or": true, "a": true, "an": true, "by": true}

// facilityRE and weakFacilityRE mark a facility's name, which heads many
// pages: words that name an institution, and words that do so in a longer
// name ("Pinecrest Family Medicine and Urgent Care") but can be a title's
// too ("Orders for Care").
var (
	facilityRE     = regexp.MustCompile(`(?i)\b(hospital|clinic|clinics|medical\s+(center|centre|group)|infirmary|institute|university|health\s*(system|care|services))\b`)
	weakFacilityRE = regexp.MustCompile(`(?i)\b(medical|health|healthcare|center|centre|associates|partners|group|practice|physicians|system|medicine|care)\b`)
)

// titledFeatures is Features with the title given rather than found.
func titledFeatures(title, text string) map[string]float64 {
	f := map[string]float64{}
	if title != "" {
		words := tokens(title)
		for _, w := range words {
			f["t:"+w] += 10
		}
		if len(words) > 0 {
			f["tt:"+strings.Join(words, "_")] += 40
		}
	}
	for _, line := range strings.Split(text, "\n") {
		for _, m := range headingRE.FindAllStringSubmatch(line, -1) {
			if h := strings.Join(tokens(m[1]), "_"); h != "" {
				f["h:"+h] += 10
			}
		}
		prev := ""
		for _, w := range tokens(line) {
			if stop[w] {
				prev = ""
				continue
			}
			f[w]++
			if prev != "" {
				f[prev+"_"+w]++
			}
			prev = w
		}
	}
	return f
}

// headingRE finds section headings: capitals followed by a colon, at the
// start of a line or after a comma (as transcriptions run them together).
var headingRE = regexp.MustCompile(`(?:^|[,.]\s*)([A-Z][A-Z0-9 /&()'\-]{2,60}?)\s*:`)

// tokens returns the lower-case words of s: runs of letters, 2 to 25 long,
// with the clinical abbreviations of letters joined by "&" ("H&P", "I&O",
// "D&C") kept whole.
func tokens(s string) []string {
	var out []string
	start := -1
	flush := func(end int) {
		if start >= 0 && end-start >= 2 && end-start <= 25 {
			out = append(out, strings.ToLower(s[start:end]))
		}
		start = -1
	}
	letter := func(i int) bool {
		return i >= 0 && i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z')
	}
	for i := 0; i < len(s); i++ {
		if letter(i) || s[i] == '&' && start >= 0 && letter(i-1) && letter(i+1) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
	return out
}

// stop words carry no sign of a section.
var stop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be been but by for from had has have he her him his
		i if in into is it its me my no not of on or our she so than that the their them then there these
		they this to was we were which who will with you your`) {
		m[w] = true
	}
	return m
}()
