package chartscan

import (
	"context"
	"net/url"
	"strconv"
	"time"
)

// SearchQuery is a search request, as the API, the web UI and the search
// command ask it.
type SearchQuery struct {
	Text    string  // search text: words, "phrases", -not, prefix*, section:, mrn:, name:
	Section Section // "" for any
	MRN     string  // "" for any
	// Document limits the search to the pages of one document ("" for
	// any): the viewer marks the words a query matched on a page.
	Document DocumentID
	From     time.Time // service date from (inclusive); zero for open
	To       time.Time // service date to (inclusive); zero for open
	Limit    int       // 1..MaxSearchLimit; 0 means DefaultSearchLimit
	Offset   int       // 0..MaxSearchOffset
}

// Search limits.
const (
	DefaultSearchLimit = 20
	MaxSearchLimit     = 100
	MaxSearchOffset    = 10000
)

// Encode returns the query as URL query parameters (q, section, mrn, from,
// to, limit, offset), in the API's names, leaving out what is unset. It is
// what the audit log records of a search.
func (q SearchQuery) Encode() string {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Text)
	set("section", string(q.Section))
	set("mrn", q.MRN)
	set("document", string(q.Document))
	if !q.From.IsZero() {
		v.Set("from", q.From.Format(time.DateOnly))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.Format(time.DateOnly))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset != 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	return v.Encode()
}

// SearchResults are one page of search hits, best first.
type SearchResults struct {
	Total  uint64                    `json:"total"`
	TookMS int64                     `json:"took_ms"`
	Hits   []SearchHit               `json:"hits"`
	Facets map[string]map[string]int `json:"facets"`
}

// SearchHit is one matching page.
type SearchHit struct {
	DocumentID  DocumentID `json:"document_id"`
	PageID      PageID     `json:"page_id"`
	PageNumber  int        `json:"page_number"`
	Section     Section    `json:"section"`
	MRN         string     `json:"mrn"`
	PatientName string     `json:"patient_name"`
	ServiceDate string     `json:"service_date"`
	Score       float64    `json:"score"`
	// Fragments are short passages of the page text with the matched
	// words in <mark>; all other text in them is HTML-escaped.
	Fragments []string `json:"fragments"`
	// Boxes are the matched words' boxes in the stored page image's
	// pixels, filled from the page record's words.
	Boxes []Box `json:"boxes"`
	// Matches are the byte ranges [start, end) of the matched terms in
	// the page text, as the index found them; Boxes are made from them.
	Matches [][2]int `json:"-"`
}

// Box is a rectangle in the pixels of a stored page image: x, y from the
// top left corner, width and height.
type Box struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// SearchIndex is the full-text index over content pages: derived data,
// rebuilt from the object store whenever it is lost. *index.Index
// implements it. Implementations are safe for concurrent use.
type SearchIndex interface {
	// Put replaces whatever the index holds for the batch with the
	// content pages of docs, atomically: a search sees the batch as it
	// was or complete. pages must hold every page the documents list.
	Put(ctx context.Context, batch *Batch, docs []*Document, pages map[PageID]*Page) error
	// PutDocument re-indexes the pages of one document (after a
	// correction, a split or a merge).
	PutDocument(ctx context.Context, d *Document, pages []*Page) error
	// DeleteDocument removes every page the index holds for a document.
	DeleteDocument(ctx context.Context, id DocumentID) error
	// Search runs a query. A malformed query is EINVALID.
	Search(ctx context.Context, q SearchQuery) (*SearchResults, error)
	// Review returns the documents waiting for a person, oldest first,
	// and how many there are in all. Bad limits are EINVALID.
	Review(ctx context.Context, limit, offset int) ([]DocumentID, int, error)
	// Count returns the number of indexed pages; an error means the
	// index cannot serve.
	Count() (uint64, error)
}

// ParseSearchQuery reads a search from request parameters in the API's
// names (q, section, mrn, from, to, limit, offset); param returns "" for
// a parameter not given. Bad values are EINVALID.
func ParseSearchQuery(param func(string) string) (SearchQuery, error) {
	q := SearchQuery{Text: param("q"), MRN: param("mrn")}
	var err error
	if v := param("section"); v != "" {
		if q.Section, err = ParseSection(v); err != nil {
			return q, err
		}
	}
	if q.From, err = DateParam(param, "from"); err != nil {
		return q, err
	}
	if q.To, err = DateParam(param, "to"); err != nil {
		return q, err
	}
	if q.Limit, err = IntParam(param, "limit", DefaultSearchLimit); err != nil {
		return q, err
	}
	if q.Offset, err = IntParam(param, "offset", 0); err != nil {
		return q, err
	}
	return q, nil
}

// DateParam reads a YYYY-MM-DD parameter; zero when not given, EINVALID
// when malformed.
func DateParam(param func(string) string, name string) (time.Time, error) {
	v := param(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, Errorf(EINVALID, "%s: want a date as YYYY-MM-DD", name)
	}
	return t, nil
}

// IntParam reads a whole-number parameter; def when not given, EINVALID
// when malformed.
func IntParam(param func(string) string, name string, def int) (int, error) {
	v := param(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, Errorf(EINVALID, "%s: want a whole number", name)
	}
	return n, nil
}
