package fhir

import (
	"mime"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"chartscan"
)

// Search parameters are checked strictly, as FHIR asks of a server that
// does not ignore what it cannot do: an unknown parameter, a modifier, a
// prefix or a value of the wrong shape is a 400 naming it, never
// silently dropped.

// query is a parsed request query: each parameter with its values.
type query struct {
	v    url.Values
	used map[string]bool
}

// parseQuery parses a raw query. Malformed escapes are EINVALID.
func parseQuery(raw string) (*query, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, chartscan.Errorf(chartscan.EINVALID, "the query string is malformed")
	}
	return &query{v: v, used: map[string]bool{}}, nil
}

// all returns every value of a parameter (marking it known).
func (q *query) all(name string) []string {
	q.used[name] = true
	return q.v[name]
}

// one returns the single value of a parameter, "" when absent; a
// parameter given twice or empty is EINVALID.
func (q *query) one(name string) (string, error) {
	vs := q.all(name)
	switch {
	case len(vs) == 0:
		return "", nil
	case len(vs) > 1:
		return "", chartscan.Errorf(chartscan.EINVALID, "search parameter %s: give it once", name)
	case strings.TrimSpace(vs[0]) == "":
		return "", chartscan.Errorf(chartscan.EINVALID, "search parameter %s: empty value", name)
	}
	return vs[0], nil
}

// unknown returns an EINVALID error naming the parameters that were not
// asked for (the ones the resource does not support), or nil.
func (q *query) unknown(resource string) error {
	var bad []string
	for k := range q.v {
		if !q.used[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return chartscan.Errorf(chartscan.EINVALID, "unknown search parameter %s for %s (see /fhir/r4/metadata)", strings.Join(bad, ", "), resource)
}

// token is a FHIR token: [system|]code. HasSystem is false when no bar
// was given (any system matches); System is "" for "|code" (no system).
type token struct {
	HasSystem bool
	System    string
	Code      string
}

func parseToken(name, s string) (token, error) {
	var t token
	if sys, code, ok := strings.Cut(s, "|"); ok {
		t = token{HasSystem: true, System: sys, Code: code}
	} else {
		t.Code = s
	}
	if t.Code == "" {
		return t, chartscan.Errorf(chartscan.EINVALID, "search parameter %s: want [system|]code", name)
	}
	return t, nil
}

// matches reports whether the token names code in system.
func (t token) matches(system, code string) bool {
	return (!t.HasSystem || t.System == system) && t.Code == code
}

// dateRange is a capture-time range: From inclusive, Until exclusive,
// either zero for open.
type dateRange struct{ From, Until time.Time }

func (r *dateRange) atLeast(t time.Time) {
	if r.From.IsZero() || t.After(r.From) {
		r.From = t
	}
}

func (r *dateRange) before(t time.Time) {
	if r.Until.IsZero() || t.Before(r.Until) {
		r.Until = t
	}
}

var dateRE = regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$`)

// addDate narrows r by one date parameter value: an optional prefix (eq,
// ge, gt, le, lt) and a date of year, month, day or time precision
// (dates without a zone are UTC). The value stands for the span of its
// precision: ge2024-03 is from March 1st, le2024-03 up to March 31st.
func (r *dateRange) addDate(name, s string) error {
	prefix := "eq"
	if len(s) >= 2 && s[0] >= 'a' && s[0] <= 'z' {
		prefix, s = s[:2], s[2:]
	}
	m := dateRE.FindStringSubmatch(s)
	if m == nil {
		return chartscan.Errorf(chartscan.EINVALID, "search parameter %s: want [ge|gt|le|lt|eq]YYYY[-MM[-DD[Thh:mm[:ss][Z]]]]", name)
	}
	num := func(i, def int) int {
		if m[i] == "" {
			return def
		}
		n, _ := strconv.Atoi(m[i])
		return n
	}
	loc := time.UTC
	if z := m[8]; z != "" && z != "Z" {
		h, _ := strconv.Atoi(z[1:3])
		mi, _ := strconv.Atoi(z[4:6])
		off := h*3600 + mi*60
		if z[0] == '-' {
			off = -off
		}
		loc = time.FixedZone(z, off)
	}
	y, mo, d, hh, mm, ss := num(1, 0), num(2, 1), num(3, 1), num(4, 0), num(5, 0), num(6, 0)
	if mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 59 {
		return chartscan.Errorf(chartscan.EINVALID, "search parameter %s: %q is not a date", name, s)
	}
	lo := time.Date(y, time.Month(mo), d, hh, mm, ss, 0, loc)
	if lo.Day() != d {
		return chartscan.Errorf(chartscan.EINVALID, "search parameter %s: %q is not a date", name, s)
	}
	var hi time.Time
	switch {
	case m[2] == "":
		hi = lo.AddDate(1, 0, 0)
	case m[3] == "":
		hi = lo.AddDate(0, 1, 0)
	case m[4] == "":
		hi = lo.AddDate(0, 0, 1)
	case m[6] == "":
		hi = lo.Add(time.Minute)
	default:
		if m[7] != "" {
			f, _ := strconv.ParseFloat("0"+m[7], 64)
			lo = lo.Add(time.Duration(f * float64(time.Second)))
			hi = lo.Add(time.Millisecond)
		} else {
			hi = lo.Add(time.Second)
		}
	}
	switch prefix {
	case "eq":
		r.atLeast(lo)
		r.before(hi)
	case "ge":
		r.atLeast(lo)
	case "gt":
		r.atLeast(hi)
	case "le":
		r.before(hi)
	case "lt":
		r.before(lo)
	default:
		return chartscan.Errorf(chartscan.EINVALID, "search parameter %s: prefix %q is not supported (eq, ge, gt, le, lt)", name, prefix)
	}
	return nil
}

// paging reads _count (default def, at most max: a larger count is
// answered with max, as the self link says) and _offset.
func paging(q *query, def, max int) (count, offset int, err error) {
	count, offset = def, 0
	if v, err := q.one("_count"); err != nil {
		return 0, 0, err
	} else if v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, chartscan.Errorf(chartscan.EINVALID, "search parameter _count: want a whole number")
		}
		count = min(n, max)
	}
	if v, err := q.one("_offset"); err != nil {
		return 0, 0, err
	} else if v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > chartscan.MaxSearchOffset {
			return 0, 0, chartscan.Errorf(chartscan.EINVALID, "search parameter _offset: want a whole number from 0 to %d", chartscan.MaxSearchOffset)
		}
		offset = n
	}
	return count, offset, nil
}

// Media types the facade answers in.
const (
	typeFHIRJSON = "application/fhir+json"
	typeJSON     = "application/json"
	typePDF      = "application/pdf"
)

// negotiate picks the type to answer in from offers (the first is the
// default for a request that accepts anything) given the request's Accept
// header and _format parameter; "" when none is acceptable.
func negotiate(accept, format string, offers []string) string {
	if format != "" {
		switch format {
		case "json", typeJSON, typeFHIRJSON, "application/json+fhir":
			for _, o := range offers {
				if o == typeFHIRJSON {
					return o
				}
			}
		case "pdf", typePDF:
			for _, o := range offers {
				if o == typePDF {
					return o
				}
			}
		}
		return ""
	}
	if strings.TrimSpace(accept) == "" {
		return offers[0]
	}
	best, bestQ, bestSpec := "", 0.0, -1
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if mt == "application/json+fhir" { // the DSTU2 name, still sent
			mt = typeFHIRJSON
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q <= 0 {
			continue
		}
		for _, o := range offers {
			spec := -1
			switch {
			case mt == o:
				spec = 2
			case strings.HasSuffix(mt, "/*") && strings.HasPrefix(o, strings.TrimSuffix(mt, "*")):
				spec = 1
			case mt == "*/*":
				spec = 0
			}
			if spec < 0 {
				continue
			}
			if q > bestQ || (q == bestQ && spec > bestSpec) {
				best, bestQ, bestSpec = o, q, spec
			}
			if spec < 2 {
				break // a wildcard takes the first offer it covers
			}
		}
	}
	return best
}
