package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"chartscan"
)

// searchPage is the body of the search page.
type searchPage struct {
	Q, Section, MRN, From, To string
	Asked                     bool
	Results                   *chartscan.SearchResults
	Facets                    []facet
	Offset, Limit             int
	Prev, Next                string // links to the neighbouring pages of hits
	First, Last               int    // 1-based numbers of the hits shown
}

type facet struct {
	Section chartscan.Section
	Count   int
	Link    string
	Active  bool
}

const hitsPerPage = 20

// search: GET /ui/search?q=&section=&mrn=&from=&to=&offset=, the search
// box with its filters, facet counts by section, and the hits with their
// fragments; each hit opens the document at its page.
func (s *Server) search(w http.ResponseWriter, r *request) {
	v := r.URL.Query()
	body := &searchPage{Q: v.Get("q"), Section: v.Get("section"), MRN: v.Get("mrn"), From: v.Get("from"), To: v.Get("to"), Limit: hitsPerPage}
	body.Asked = body.Q != "" || body.Section != "" || body.MRN != "" || body.From != "" || body.To != ""
	if !body.Asked {
		s.render(w, r, http.StatusOK, "search", "Search", body)
		return
	}
	q, err := chartscan.ParseSearchQuery(func(k string) string {
		if k == "limit" {
			return strconv.Itoa(hitsPerPage)
		}
		return v.Get(k)
	})
	if err == nil {
		body.Offset = q.Offset
		body.Results, err = s.Records.Search(r.Context(), r.actor, q)
	}
	if err != nil {
		status := statusOf[chartscan.ErrorCode(err)]
		if status == 0 {
			status = http.StatusInternalServerError
			s.Logger.Error("ui search failed", "err", err.Error())
		}
		s.renderError(w, r, status, "search", "Search", body, err)
		return
	}
	link := func(changes ...string) string {
		u := url.Values{}
		for _, k := range []string{"q", "section", "mrn", "from", "to"} {
			if x := v.Get(k); x != "" {
				u.Set(k, x)
			}
		}
		for i := 0; i+1 < len(changes); i += 2 {
			if changes[i+1] == "" {
				u.Del(changes[i])
			} else {
				u.Set(changes[i], changes[i+1])
			}
		}
		return "/ui/search?" + u.Encode()
	}
	for sec, n := range body.Results.Facets["section"] {
		f := facet{Section: chartscan.Section(sec), Count: n, Active: sec == body.Section}
		if f.Active {
			f.Link = link("section", "", "offset", "")
		} else {
			f.Link = link("section", sec, "offset", "")
		}
		body.Facets = append(body.Facets, f)
	}
	sort.Slice(body.Facets, func(i, k int) bool {
		if body.Facets[i].Count != body.Facets[k].Count {
			return body.Facets[i].Count > body.Facets[k].Count
		}
		return body.Facets[i].Section < body.Facets[k].Section
	})
	total := int(body.Results.Total)
	body.First, body.Last = q.Offset+1, q.Offset+len(body.Results.Hits)
	if q.Offset > 0 {
		body.Prev = link("offset", strconv.Itoa(max(0, q.Offset-hitsPerPage)))
	}
	if q.Offset+hitsPerPage < total && q.Offset+hitsPerPage <= chartscan.MaxSearchOffset {
		body.Next = link("offset", strconv.Itoa(q.Offset+hitsPerPage))
	}
	s.render(w, r, http.StatusOK, "search", "Search", body)
}

// renderError shows a page again, with the error's message above it and
// the error's status.
func (s *Server) renderError(w http.ResponseWriter, r *request, status int, name, title string, body any, err error) {
	p := page{Title: title, Body: body, Error: chartscan.ErrorMessage(err)}
	p.Nav = &nav{User: r.user, Role: r.actor.Role, CSRF: r.csrf, Tech: r.actor.Role.Allows(chartscan.RoleTechnician),
		Admin: r.actor.Role.Allows(chartscan.RoleAdmin), Current: name}
	s.write(w, status, name, p)
}
