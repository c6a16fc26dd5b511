// Package release holds what a release of information needs besides the
// records themselves: finding, on a page, the identifiers a requester need
// not see (SSN, phone, e-mail, street address, account and policy
// numbers) with their boxes; the rules that tell a page about
// substance-use disorder treatment (42 CFR Part 2); and the packet PDF —
// a cover page, then the released pages with the redactions burned into
// the pixels and every page stamped with the release id and "page i of N".
package release

import (
	"regexp"
	"sort"

	"chartscan"
)

// identifier is one kind of identifier and how it is found: the pattern
// matches the text, and group (when not 0) is the part to black out, so
// that a label such as "SSN:" stays readable and only its value goes.
type identifier struct {
	kind  string
	re    *regexp.Regexp
	group int
}

// The patterns work on OCR text, where a value may lose or gain a space
// and labels come in many spellings. They favour finding an identifier
// over sparing a number that merely looks like one: a technician reviews
// every suggestion before the packet is made.
var identifiers = []identifier{
	// 123-45-6789, 123 45 6789, or nine digits (and masked forms) after an SSN label.
	{chartscan.RedactSSN, regexp.MustCompile(`(?i)\b(?:SSN|SS#|S\.S\.N\.?|soc(?:ial)?\.?\s+sec(?:urity)?\.?(?:\s+(?:no\.?|number|#))?)\s*[:#.]?\s*([0-9Xx*]{3}[- ]?[0-9Xx*]{2}[- ]?[0-9]{4})\b`), 1},
	{chartscan.RedactSSN, regexp.MustCompile(`\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b`), 0},
	{chartscan.RedactSSN, regexp.MustCompile(`\b[0-9]{3} [0-9]{2} [0-9]{4}\b`), 0},
	// E-mail addresses.
	{chartscan.RedactEmail, regexp.MustCompile(`(?i)\b[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}\b`), 0},
	// Phone and fax numbers: (617) 555-0142, 617-555-0142, 617.555.0142, +1 617 555 0142.
	{chartscan.RedactPhone, regexp.MustCompile(`(?:\+1[ .\-]?)?(?:\(\d{3}\)\s?|\b\d{3}[ .\-])\d{3}[ .\-]\d{4}\b`), 0},
	// Account numbers after their label.
	{chartscan.RedactAccount, regexp.MustCompile(`(?i)\b(?:(?:patient|billing|guarantor|hospital)\s+)?(?:account|acct\.?|a/c)\s*(?:no\.?|number|#|num\.?)?\s*[:#.]?\s*([A-Z0-9][A-Z0-9\-]{4,19})\b`), 1},
	{chartscan.RedactAccount, regexp.MustCompile(`(?i)\b(?:encounter|visit|financial|fin)\s*(?:no\.?|number|#)\s*[:#.]?\s*([A-Z0-9][A-Z0-9\-]{4,19})\b`), 1},
	// Insurance policy, member, subscriber and group numbers after their label.
	{chartscan.RedactPolicy, regexp.MustCompile(`(?i)\b(?:policy|member|subscriber|group|insurance|ins\.?|medicaid|medicare|plan)\s*(?:id|no\.?|number|#|num\.?)\s*[:#.]?\s*([A-Z0-9][A-Z0-9\-]{4,19})\b`), 1},
	{chartscan.RedactPolicy, regexp.MustCompile(`(?i)\bpolicy\s*[:#]\s*([A-Z0-9][A-Z0-9\-]{4,19})\b`), 1},
	// Street addresses: a house number, one to four words, a street type,
	// and the unit; or whatever follows an address label on its line.
	{chartscan.RedactAddress, regexp.MustCompile(`\b\d{1,6}\s+(?:[A-Z][A-Za-z'\-]*\.?\s+){1,4}(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl)\b\.?(?:,?\s*(?i:apt|apartment|suite|ste|unit|#)\.?\s*[A-Z0-9\-]+)?`), 0},
	{chartscan.RedactAddress, regexp.MustCompile(`(?im)\b(?:home\s+|street\s+|mailing\s+|patient\s+)?address\s*[:#]\s*([^\n]{4,80})$`), 1},
}

// Identifiers returns the identifiers on a page that a requester need not
// see, each kind named, with the box of the words the value spans in the
// stored page image's pixels (one box per line a value runs over), in
// reading order. Overlapping finds of two kinds are kept once, by the
// kind listed first above.
func Identifiers(p *chartscan.Page) []chartscan.Redaction {
	spans := p.WordSpans()
	if len(spans) == 0 {
		return nil
	}
	type find struct {
		kind       string
		start, end int
	}
	var finds []find
	for _, id := range identifiers {
		for _, m := range id.re.FindAllStringSubmatchIndex(p.Text, -1) {
			s, e := m[0], m[1]
			if id.group > 0 {
				s, e = m[2*id.group], m[2*id.group+1]
			}
			if s < 0 || e <= s {
				continue
			}
			dup := false
			for _, f := range finds {
				if s < f.end && e > f.start {
					dup = true
					break
				}
			}
			if !dup {
				finds = append(finds, find{id.kind, s, e})
			}
		}
	}
	sort.Slice(finds, func(i, k int) bool { return finds[i].start < finds[k].start })
	var out []chartscan.Redaction
	for _, f := range finds {
		var words []chartscan.Word
		for i, sp := range spans {
			if sp[0] < f.end && sp[1] > f.start {
				words = append(words, p.Words[i])
			}
		}
		for _, box := range lineBoxes(words) {
			out = append(out, chartscan.Redaction{PageID: p.ID, Kind: f.kind, Box: box})
		}
	}
	return out
}

// lineBoxes joins the boxes of words into one box per line of text: words
// whose boxes overlap vertically by half their height are on one line.
func lineBoxes(words []chartscan.Word) []chartscan.Box {
	var out []chartscan.Box
	for _, w := range words {
		b := chartscan.Box{X: w.X, Y: w.Y, W: w.W, H: w.H}
		joined := false
		for i := range out {
			o := &out[i]
			top, bottom := max(o.Y, b.Y), min(o.Y+o.H, b.Y+b.H)
			if bottom-top >= min(o.H, b.H)/2 {
				*o = union(*o, b)
				joined = true
				break
			}
		}
		if !joined {
			out = append(out, b)
		}
	}
	return out
}

func union(a, b chartscan.Box) chartscan.Box {
	x0, y0 := min(a.X, b.X), min(a.Y, b.Y)
	x1, y1 := max(a.X+a.W, b.X+b.W), max(a.Y+a.H, b.Y+b.H)
	return chartscan.Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}
