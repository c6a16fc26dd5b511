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
//     outweigh the hundreds of words of running text. The title is the
//     one extract.Title finds (in capitals) or, failing that, a short
//     line in title case near the top ("Discharge Summary"), as many
//     systems print them.
//
// The weights were chosen by cross-validation on transcribed notes
// (headings) and so that a known title decides a page (titles).
func Features(text string) map[string]float64 {
	title := extract.Title(text)
	if title == "" {
		title = titleCaseTitle(text)
	}
	return titledFeatures(title, text)
}

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
		if n <= 2 && facilityWordRE.MatchString(l) {
			continue
		}
		words := strings.Fields(l)
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

// facilityWordRE marks a facility's name, which heads many pages.
var facilityWordRE = regexp.MustCompile(`(?i)\b(hospital|clinic|clinics|medical|health|healthcare|infirmary|center|centre|institute|university|associates|partners|group|practice|physicians|system|medicine|care)\b`)

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
