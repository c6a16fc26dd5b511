package web

import (
	"net/http"
	"time"

	"chartscan"
	"chartscan/records"
)

// batchesPage is the body of the batches page.
type batchesPage struct {
	Date       string
	Prev, Next string
	*records.Day
	Stations []station
	Uploaded string
}

// station sums up what one scanning station (profile) sent on the day.
type station struct {
	Profile                                string
	Files, Done, Failed, Pages             int
	Content, Cover, Separator, Blank, Docs int
	Rescan                                 int
}

// batches: GET /ui/batches?day=YYYY-MM-DD, what each station sent that
// day: status, pages by kind, documents, failures with their reasons,
// pages to rescan, files still in progress, and files in the inboxes that
// no profile takes.
func (s *Server) batches(w http.ResponseWriter, r *request) {
	day := time.Now().UTC()
	if v := r.URL.Query().Get("day"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			s.fail(w, r, chartscan.Errorf(chartscan.EINVALID, "day: want YYYY-MM-DD"))
			return
		}
		day = t
	}
	d, err := s.Records.Batches(r.Context(), r.actor, day)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body := batchesPage{Date: d.Day.Format(time.DateOnly), Day: d, Uploaded: r.URL.Query().Get("uploaded"),
		Prev: "/ui/batches?day=" + d.Day.AddDate(0, 0, -1).Format(time.DateOnly)}
	if next := d.Day.AddDate(0, 0, 1); !next.After(time.Now().UTC()) {
		body.Next = "/ui/batches?day=" + next.Format(time.DateOnly)
	}
	byProfile := map[string]*station{}
	for _, b := range d.Batches {
		st := byProfile[b.Profile]
		if st == nil {
			st = &station{Profile: b.Profile}
			byProfile[b.Profile] = st
			body.Stations = append(body.Stations, station{})
		}
		st.Files++
		if b.Status == chartscan.BatchFailed {
			st.Failed++
		} else {
			st.Done++
		}
		st.Pages += b.Pages
		st.Content += b.PageKinds[chartscan.PageContent]
		st.Cover += b.PageKinds[chartscan.PageCover]
		st.Separator += b.PageKinds[chartscan.PageSeparator]
		st.Blank += b.PageKinds[chartscan.PageBlank]
		st.Docs += len(b.Documents)
		st.Rescan += len(b.Rescan)
	}
	body.Stations = body.Stations[:0]
	for _, b := range d.Batches {
		if st := byProfile[b.Profile]; st != nil {
			body.Stations = append(body.Stations, *st)
			delete(byProfile, b.Profile)
		}
	}
	s.render(w, r, http.StatusOK, "batches", "Batches", body)
}
