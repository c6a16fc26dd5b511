package web

import (
	"net/http"
	"strconv"

	"chartscan"
)

// reviewPage is the body of the review queue.
type reviewPage struct {
	Docs          []*chartscan.Document
	Total, Offset int
	Prev, Next    string
}

const reviewPerPage = 50

// review: GET /ui/review?offset=, the documents waiting for a person,
// oldest first, with their reasons.
func (s *Server) review(w http.ResponseWriter, r *request) {
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = max(offset, 0)
	docs, total, err := s.Records.Review(r.Context(), r.actor, reviewPerPage, offset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body := reviewPage{Docs: docs, Total: total, Offset: offset}
	if offset > 0 {
		body.Prev = "/ui/review?offset=" + strconv.Itoa(max(0, offset-reviewPerPage))
	}
	if offset+reviewPerPage < total {
		body.Next = "/ui/review?offset=" + strconv.Itoa(offset+reviewPerPage)
	}
	s.render(w, r, http.StatusOK, "review", "Review queue", body)
}
