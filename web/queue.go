package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"chartscan"
	"chartscan/audit"
	"chartscan/auth"
	"chartscan/records"
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

// uploadPage is the body of the upload form.
type uploadPage struct {
	Profiles []string
	Profile  string
}

// uploadForm: GET /ui/upload.
func (s *Server) uploadForm(w http.ResponseWriter, r *request) {
	s.render(w, r, http.StatusOK, "upload", "Upload a scan", uploadPage{Profiles: s.Profiles, Profile: "default"})
}

// uploadPath is where the upload form posts.
const uploadPath = "/ui/upload"

// upload: POST /ui/upload, a file from the browser, streamed into the
// pipeline. The form's parts come in its order: "csrf", "profile", then
// "file"; the token is checked before the file part is read, so a form
// that did not come from chartscan costs no disk and no work.
func (s *Server) upload(w http.ResponseWriter, r *request) {
	form := uploadPage{Profiles: s.Profiles, Profile: "default"}
	mr, err := r.MultipartReader()
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "upload", "Upload a scan", form, chartscan.Errorf(chartscan.EINVALID, "send the scan as the upload form does (multipart/form-data)"))
		return
	}
	var csrf string
	for {
		part, err := mr.NextPart()
		if err != nil {
			s.renderError(w, r, http.StatusBadRequest, "upload", "Upload a scan", form, chartscan.Errorf(chartscan.EINVALID, "choose a file to upload"))
			return
		}
		switch part.FormName() {
		case "csrf", "profile":
			b, err := io.ReadAll(io.LimitReader(part, 200))
			if err != nil {
				s.renderError(w, r, http.StatusBadRequest, "upload", "Upload a scan", form, chartscan.Errorf(chartscan.EINVALID, "the upload was cut off"))
				return
			}
			if part.FormName() == "csrf" {
				csrf = string(b)
			} else {
				form.Profile = string(b)
			}
			continue
		case "file":
		default:
			continue
		}
		defer part.Close()
		if !auth.SameToken(csrf, r.csrf) {
			s.fail(w, r, chartscan.Errorf(chartscan.EFORBIDDEN, "this form has expired or did not come from chartscan: reload the page and try again"))
			return
		}
		if part.FileName() == "" {
			s.renderError(w, r, http.StatusBadRequest, "upload", "Upload a scan", form, chartscan.Errorf(chartscan.EINVALID, "choose a file to upload"))
			return
		}
		id, err := s.Records.Upload(r.Context(), r.actor, part, part.FileName(), form.Profile)
		if err != nil {
			status := statusOf[chartscan.ErrorCode(err)]
			if status == 0 {
				s.fail(w, r, err)
				return
			}
			s.renderError(w, r, status, "upload", "Upload a scan", form, err)
			return
		}
		http.Redirect(w, r.Request, "/ui/batches?"+withFlash(url.Values{"uploaded": {string(id)}}, r.csrf,
			"Received: batch "+string(id)+" is queued; it appears below once it is read.").Encode(), http.StatusSeeOther)
		return
	}
}

// auditView is the body of the audit page.
type auditView struct {
	Actor, Document, Since string
	Entries                []audit.Entry
}

// auditPage: GET /ui/audit?actor=&document=&since=, the audit trail,
// newest first (admin).
func (s *Server) auditPage(w http.ResponseWriter, r *request) {
	v := r.URL.Query()
	body := auditView{Actor: v.Get("actor"), Document: v.Get("document"), Since: v.Get("since")}
	f, err := audit.ParseFilter(func(k string) string {
		if k == "limit" {
			return "500"
		}
		return v.Get(k)
	})
	if err == nil {
		body.Entries, err = s.Records.AuditLog(r.Context(), r.actor, f, r.URL.RawQuery)
	}
	if err != nil {
		status := statusOf[chartscan.ErrorCode(err)]
		if status == 0 {
			s.fail(w, r, err)
			return
		}
		s.renderError(w, r, status, "audit", "Audit trail", body, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit", "Audit trail", body)
}
