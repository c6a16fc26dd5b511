package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"chartscan"
	"chartscan/records"
)

// viewerPage is the body of the document viewer.
type viewerPage struct {
	Doc    *records.DocumentView
	Page   records.PageSummary // the page shown
	N      int                 // its 1-based position in the document
	Q      string              // the query whose matched words are marked
	Boxes  []hitBox            // over the words the query matched on the page
	Review bool                // reached from the review queue: "save and next"
	Pages  []thumb
	Prev   string // link to the page before, "" on the first
	Next   string // link to the page after, "" on the last
	PDF    string
	Image  string
	// Form holds the values of a correction that was refused, to show
	// them again; empty for the stored values.
	Form correctionForm
}

// hitBox is a matched word's box in the stored page image's pixels; the
// viewer draws it in an SVG whose viewBox is the image, so it scales with
// the image.
type hitBox struct {
	X, Y, W, H int
}

type thumb struct {
	N       int
	Link    string
	Image   string
	Current bool
}

type correctionForm struct {
	Section, MRN, PatientName, ServiceDate string
}

// document: GET /ui/documents/{id}?page=N&q=...[&review=1], the page
// image with a box over every word the query matched, the thumbnails of
// the document's pages, the patient, dates, section and review reasons,
// and the forms to correct, split and merge it.
func (s *Server) document(w http.ResponseWriter, r *request) {
	body, err := s.viewer(r, chartscan.DocumentID(r.PathValue("id")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "document", "Document "+string(body.Doc.ID), body)
}

// viewer gathers what the viewer shows of a document.
func (s *Server) viewer(r *request, id chartscan.DocumentID) (*viewerPage, error) {
	v := r.URL.Query()
	if r.Method == http.MethodPost {
		v = r.Form
	}
	doc, err := s.Records.Document(r.Context(), r.actor, id)
	if err != nil {
		return nil, err
	}
	body := &viewerPage{Doc: doc, Q: v.Get("q"), Review: v.Get("review") != "", PDF: "/ui/documents/" + string(id) + "/pdf"}
	body.Form = correctionForm{Section: string(doc.Section), MRN: doc.MRN, PatientName: doc.PatientName, ServiceDate: doc.ServiceDate}
	if len(doc.PageDetails) == 0 {
		return body, nil
	}
	n, _ := strconv.Atoi(v.Get("page"))
	// A search hit links by page number in the source file; the viewer
	// counts pages of the document. Accept either.
	idx := -1
	for i, p := range doc.PageDetails {
		if p.Number == n && n > 0 {
			idx = i
		}
	}
	if idx < 0 {
		idx = 0
	}
	body.Page, body.N = doc.PageDetails[idx], idx+1
	body.Image = "/ui/pages/" + string(body.Page.ID) + "/image"
	link := func(p records.PageSummary) string {
		u := url.Values{"page": {strconv.Itoa(p.Number)}}
		if body.Q != "" {
			u.Set("q", body.Q)
		}
		if body.Review {
			u.Set("review", "1")
		}
		return "/ui/documents/" + string(id) + "?" + u.Encode()
	}
	for i, p := range doc.PageDetails {
		body.Pages = append(body.Pages, thumb{N: i + 1, Link: link(p), Image: "/ui/pages/" + string(p.ID) + "/image?thumb=1", Current: i == idx})
	}
	if idx > 0 {
		body.Prev = link(doc.PageDetails[idx-1])
	}
	if idx+1 < len(doc.PageDetails) {
		body.Next = link(doc.PageDetails[idx+1])
	}
	if body.Q != "" && body.Page.Width > 0 && body.Page.Height > 0 {
		res, err := s.Records.Search(r.Context(), r.actor, chartscan.SearchQuery{Text: body.Q, Document: id, Limit: chartscan.MaxSearchLimit})
		if err != nil && chartscan.ErrorCode(err) != chartscan.EINVALID {
			return nil, err
		}
		if res != nil {
			for _, h := range res.Hits {
				if h.PageID != body.Page.ID {
					continue
				}
				for _, b := range h.Boxes {
					body.Boxes = append(body.Boxes, hitBox{X: b.X, Y: b.Y, W: b.W, H: b.H})
				}
			}
		}
	}
	return body, nil
}

// correct: POST /ui/documents/{id}, the correction form (section, mrn,
// patient_name, service_date, version). With next=1 it goes on to the
// next document of the review queue ("save and next").
func (s *Server) correct(w http.ResponseWriter, r *request) {
	id := chartscan.DocumentID(r.PathValue("id"))
	f := r.Form
	version, _ := strconv.Atoi(f.Get("version"))
	var c records.Correction
	for _, x := range []struct {
		name string
		dst  **string
	}{{"section", &c.Section}, {"mrn", &c.MRN}, {"patient_name", &c.PatientName}, {"service_date", &c.ServiceDate}} {
		if vals, ok := f[x.name]; ok && len(vals) > 0 {
			val := vals[0]
			*x.dst = &val
		}
	}
	c.Version = version
	if _, _, err := s.Records.Correct(r.Context(), r.actor, id, c); err != nil {
		s.refused(w, r, id, err, correctionForm{Section: f.Get("section"), MRN: f.Get("mrn"), PatientName: f.Get("patient_name"), ServiceDate: f.Get("service_date")})
		return
	}
	if f.Get("next") != "" {
		s.nextInReview(w, r, id)
		return
	}
	back := "/ui/documents/" + string(id) + "?" + withFlash(url.Values{"page": {f.Get("page")}, "q": {f.Get("q")}}, r.csrf, "Saved.").Encode()
	http.Redirect(w, r.Request, back, http.StatusSeeOther)
}

// refused shows the viewer again with the reason a change was refused,
// with the status of the error, and the values the person typed.
func (s *Server) refused(w http.ResponseWriter, r *request, id chartscan.DocumentID, err error, form correctionForm) {
	status := statusOf[chartscan.ErrorCode(err)]
	if status == 0 {
		s.fail(w, r, err)
		return
	}
	body, verr := s.viewer(r, id)
	if verr != nil {
		s.fail(w, r, err)
		return
	}
	if form != (correctionForm{}) {
		body.Form = form
	}
	s.renderError(w, r, status, "document", "Document "+string(id), body, err)
}

// nextInReview goes to the oldest document waiting for review other than
// done, or back to the queue when there is none.
func (s *Server) nextInReview(w http.ResponseWriter, r *request, done chartscan.DocumentID) {
	docs, _, err := s.Records.Review(r.Context(), r.actor, 2, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, d := range docs {
		if d.ID != done {
			http.Redirect(w, r.Request, "/ui/documents/"+string(d.ID)+"?review=1&"+flashQuery(r.csrf, "Saved "+string(done)+"."), http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r.Request, "/ui/review?"+flashQuery(r.csrf, "Saved "+string(done)+". The review queue is empty."), http.StatusSeeOther)
}

// split: POST /ui/documents/{id}/split {before_page, version}.
func (s *Server) split(w http.ResponseWriter, r *request) {
	id := chartscan.DocumentID(r.PathValue("id"))
	version, _ := strconv.Atoi(r.FormValue("version"))
	kept, nd, err := s.Records.Split(r.Context(), r.actor, id, chartscan.PageID(r.FormValue("before_page")), version)
	if err != nil {
		s.refused(w, r, id, err, correctionForm{})
		return
	}
	msg := fmt.Sprintf("Split: %s keeps %d pages, %s has %d.", kept.ID, len(kept.Pages), nd.ID, len(nd.Pages))
	http.Redirect(w, r.Request, "/ui/documents/"+string(nd.ID)+"?"+withFlash(url.Values{"review": {r.FormValue("review")}}, r.csrf, msg).Encode(), http.StatusSeeOther)
}

// merge: POST /ui/documents/{id}/merge {with, version, confirm}.
func (s *Server) merge(w http.ResponseWriter, r *request) {
	id := chartscan.DocumentID(r.PathValue("id"))
	version, _ := strconv.Atoi(r.FormValue("version"))
	with := chartscan.DocumentID(strings.TrimSpace(r.FormValue("with")))
	d, err := s.Records.Merge(r.Context(), r.actor, id, with, version, r.FormValue("confirm") != "")
	if err != nil {
		s.refused(w, r, id, err, correctionForm{})
		return
	}
	msg := fmt.Sprintf("Merged %s into %s: %d pages.", with, d.ID, len(d.Pages))
	http.Redirect(w, r.Request, "/ui/documents/"+string(d.ID)+"?"+withFlash(url.Values{"review": {r.FormValue("review")}}, r.csrf, msg).Encode(), http.StatusSeeOther)
}

// pdf: GET /ui/documents/{id}/pdf, the document to download.
func (s *Server) pdf(w http.ResponseWriter, r *request) {
	id := chartscan.DocumentID(r.PathValue("id"))
	var out bytes.Buffer
	if _, err := s.Records.DocumentPDF(r.Context(), r.actor, id, &out); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf"`, id))
	out.WriteTo(w)
}

// pageImage: GET /ui/pages/{id}/image[?thumb=1], the page image as a
// browser shows it (TIFF converted to PNG), or its thumbnail.
func (s *Server) pageImage(w http.ResponseWriter, r *request) {
	format := records.AsWeb
	if r.URL.Query().Get("thumb") != "" {
		format = records.AsThumb
	}
	rc, ctype, err := s.Records.PageImage(r.Context(), r.actor, chartscan.PageID(r.PathValue("id")), format)
	if err != nil {
		status := statusOf[chartscan.ErrorCode(err)]
		if status == 0 {
			status = http.StatusInternalServerError
			s.Logger.Error("ui page image failed", "err", err.Error())
		}
		http.Error(w, chartscan.ErrorMessage(err), status)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", ctype)
	io.Copy(w, rc)
}
