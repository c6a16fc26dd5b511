package index

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"chartscan"
)

// Parsed is a technician's search text broken into what to look for.
//
// The syntax is what search boxes teach: every word must appear (in any
// form: "fractures" finds "fracture"); "a quoted phrase" must appear as is;
// -word excludes; word* matches a prefix; section:NAME, mrn:NUMBER and
// name:WORD filter by those fields. Everything else is a word.
type Parsed struct {
	Words    []string
	Phrases  []string
	Prefixes []string
	Not      []string
	Section  string
	MRN      string
	Names    []string
}

// Limits on a query, so that one request cannot make the index do
// unbounded work.
const (
	maxQueryLen   = 1024
	maxQueryParts = 32
)

// ParseQuery parses search text. It returns an EINVALID error for text
// that is too long, not UTF-8, has an unclosed quote, or too many parts.
func ParseQuery(s string) (*Parsed, error) {
	if len(s) > maxQueryLen {
		return nil, chartscan.Errorf(chartscan.EINVALID, "search query is longer than %d bytes", maxQueryLen)
	}
	if !utf8.ValidString(s) {
		return nil, chartscan.Errorf(chartscan.EINVALID, "search query is not UTF-8")
	}
	p := &Parsed{}
	parts := 0
	add := func(list *[]string, v string) {
		*list = append(*list, v)
		parts++
	}
	rest := s
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			break
		}
		neg := false
		if rest[0] == '-' && len(rest) > 1 && !unicode.IsSpace(rune(rest[1])) {
			neg = true
			rest = rest[1:]
		}
		if rest[0] == '"' {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return nil, chartscan.Errorf(chartscan.EINVALID, "search query has an unclosed quote")
			}
			phrase := strings.Join(strings.Fields(rest[1:1+end]), " ")
			rest = rest[2+end:]
			if phrase == "" {
				continue
			}
			if neg {
				add(&p.Not, phrase)
			} else {
				add(&p.Phrases, phrase)
			}
		} else {
			end := strings.IndexFunc(rest, unicode.IsSpace)
			if end < 0 {
				end = len(rest)
			}
			tok := rest[:end]
			rest = rest[end:]
			if field, val, ok := strings.Cut(tok, ":"); ok && val != "" && !neg {
				switch strings.ToLower(field) {
				case "section":
					p.Section = strings.ToLower(val)
					parts++
					continue
				case "mrn":
					p.MRN = val
					parts++
					continue
				case "name", "patient":
					add(&p.Names, strings.ToLower(val))
					continue
				}
			}
			tok = strings.TrimFunc(tok, func(r rune) bool { return !isWordRune(r) && r != '*' })
			core := strings.TrimFunc(tok, func(r rune) bool { return !isWordRune(r) })
			if core == "" {
				continue
			}
			switch {
			case neg:
				add(&p.Not, core)
			case strings.HasSuffix(tok, "*") && len(core) >= 2:
				add(&p.Prefixes, strings.ToLower(core))
			default:
				add(&p.Words, core)
			}
		}
		if parts > maxQueryParts {
			return nil, chartscan.Errorf(chartscan.EINVALID, "search query has more than %d parts", maxQueryParts)
		}
	}
	return p, nil
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// Empty reports whether the query looks for nothing in particular.
func (p *Parsed) Empty() bool {
	return len(p.Words) == 0 && len(p.Phrases) == 0 && len(p.Prefixes) == 0 && len(p.Names) == 0
}
