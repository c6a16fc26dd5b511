package classify

import (
	"regexp"
	"strings"

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
//     outweigh the hundreds of words of running text.
//
// The weights were chosen by cross-validation on transcribed notes
// (headings) and so that a known title decides a page (titles).
func Features(text string) map[string]float64 {
	f := map[string]float64{}
	if title := extract.Title(text); title != "" {
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

// tokens returns the lower-case words of s: runs of letters, 2 to 25 long.
func tokens(s string) []string {
	var out []string
	start := -1
	flush := func(end int) {
		if start >= 0 && end-start >= 2 && end-start <= 25 {
			out = append(out, strings.ToLower(s[start:end]))
		}
		start = -1
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
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
