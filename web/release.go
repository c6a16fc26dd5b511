package web

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"chartscan"
	"chartscan/records"
)

// releasesPage is the body of the releases page: the releases, newest
// first, and the form that starts a new one.
type releasesPage struct {
	Releases []*chartscan.Release
	Form     releaseForm
	// Docs are the patient's documents once an MRN was given, for the
	// form's choices.
	Docs []*chartscan.Document
}

// releaseForm holds what the new-release form was given.
type releaseForm struct {
	MRN, Name, Organization, Purpose, Authorization string
	Documents                                       map[chartscan.DocumentID]bool
	Consent                                         bool
}

// releases: GET /ui/releases.
func (s *Server) releases(w http.ResponseWriter, r *request) {
	rs, err := s.Records.Releases(r.Context(), r.actor, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "releases", "Releases", releasesPage{Releases: rs})
}

// newRelease: POST /ui/releases. With only an MRN it shows the patient's
// documents to choose from (the MRN travels in the form, never in a URL);
// with the rest it creates the draft.
func (s *Server) newRelease(w http.ResponseWriter, r *request) {
	f := r.Form
	form := releaseForm{MRN: strings.TrimSpace(f.Get("mrn")), Name: f.Get("requester_name"), Organization: f.Get("requester_organization"),
		Purpose: f.Get("purpose"), Authorization: f.Get("authorization_document_id"), Consent: f.Get("part2_consent") != "",
		Documents: map[chartscan.DocumentID]bool{}}
	for _, d := range f["documents"] {
		form.Documents[chartscan.DocumentID(d)] = true
	}
	body := releasesPage{Form: form}
	if form.MRN != "" {
		docs, err := s.patientDocs(r, form.MRN)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		body.Docs = docs
	}
	if f.Get("step") != "create" {
		s.render(w, r, http.StatusOK, "releases", "New release", body)
		return
	}
	req := records.ReleaseRequest{MRN: form.MRN, Requester: chartscan.Requester{Name: form.Name, Organization: form.Organization},
		Purpose: form.Purpose, AuthorizationDocumentID: chartscan.DocumentID(form.Authorization), Part2Consent: form.Consent}
	for _, d := range f["documents"] {
		req.Documents = append(req.Documents, chartscan.DocumentID(d))
	}
	if len(req.Documents) == 0 {
		s.renderError(w, r, http.StatusBadRequest, "releases", "New release", body, chartscan.Errorf(chartscan.EINVALID, "choose the documents to release"))
		return
	}
	rel, err := s.Records.CreateRelease(r.Context(), r.actor, req)
	if err != nil {
		if status := statusOf[chartscan.ErrorCode(err)]; status != 0 {
			s.renderError(w, r, status, "releases", "New release", body, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r.Request, "/ui/releases/"+string(rel.ID)+"?"+flashQuery(r.csrf, "Draft made: check the suggested redactions, add your own, then approve."), http.StatusSeeOther)
}

// patientDocs returns a patient's documents, newest service date first.
func (s *Server) patientDocs(r *request, mrn string) ([]*chartscan.Document, error) {
	res, err := s.Records.Search(r.Context(), r.actor, chartscan.SearchQuery{MRN: mrn, Limit: chartscan.MaxSearchLimit})
	if err != nil {
		return nil, err
	}
	seen := map[chartscan.DocumentID]bool{}
	var out []*chartscan.Document
	for _, h := range res.Hits {
		if seen[h.DocumentID] {
			continue
		}
		seen[h.DocumentID] = true
		v, err := s.Records.Document(r.Context(), r.actor, h.DocumentID)
		if err != nil {
			return nil, err
		}
		out = append(out, v.Document)
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].ServiceDate > out[k].ServiceDate })
	return out, nil
}

// releasePage is the body of one release's page.
type releasePage struct {
	R     *chartscan.Release
	Pages []releasePageView
}

// releasePageView is a page of a release with its redaction boxes.
type releasePageView struct {
	ID            chartscan.PageID
	Image         string
	Width, Height int
	Part2         bool
	Suggested     []suggestion
	Burned        []chartscan.Box
}

type suggestion struct {
	Key  string // the value of its checkbox: page,x,y,w,h
	Kind string
	chartscan.Box
}

// releaseView: GET /ui/releases/{id}, a draft with its pages and the
// suggested redactions to keep or drop, and boxes to add; or an approved
// release and its packet.
func (s *Server) releaseView(w http.ResponseWriter, r *request) {
	body, err := s.releaseBody(r, chartscan.ReleaseID(r.PathValue("id")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "release", "Release "+string(body.R.ID), body)
}

func (s *Server) releaseBody(r *request, id chartscan.ReleaseID) (*releasePage, error) {
	rel, err := s.Records.Release(r.Context(), r.actor, id)
	if err != nil {
		return nil, err
	}
	body := &releasePage{R: rel}
	part2 := map[chartscan.PageID]bool{}
	for _, p := range rel.Part2 {
		part2[p] = true
	}
	for _, pid := range rel.Pages {
		p, err := s.Records.Page(r.Context(), r.actor, pid)
		if err != nil {
			return nil, err
		}
		v := releasePageView{ID: pid, Image: "/ui/pages/" + string(pid) + "/image", Width: p.Width, Height: p.Height, Part2: part2[pid]}
		for _, x := range rel.SuggestedRedactions {
			if x.PageID == pid {
				v.Suggested = append(v.Suggested, suggestion{Key: boxKey(pid, x.Box), Kind: x.Kind, Box: x.Box})
			}
		}
		for _, x := range rel.Redactions {
			if x.PageID == pid {
				v.Burned = append(v.Burned, x.Box)
			}
		}
		body.Pages = append(body.Pages, v)
	}
	return body, nil
}

func boxKey(p chartscan.PageID, b chartscan.Box) string {
	return fmt.Sprintf("%s,%d,%d,%d,%d", p, b.X, b.Y, b.W, b.H)
}

// parseBox reads "page,x,y,w,h".
func parseBox(s string) (chartscan.Redaction, bool) {
	parts := strings.Split(strings.TrimSpace(s), ",")
	if len(parts) != 5 {
		return chartscan.Redaction{}, false
	}
	var n [4]int
	for i, p := range parts[1:] {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return chartscan.Redaction{}, false
		}
		n[i] = v
	}
	return chartscan.Redaction{PageID: chartscan.PageID(parts[0]), Box: chartscan.Box{X: n[0], Y: n[1], W: n[2], H: n[3]}}, true
}

// approve: POST /ui/releases/{id}/approve, with the suggestions kept
// ("keep" checkboxes) and the boxes drawn or typed ("manual", page,x,y,w,h
// each).
func (s *Server) approve(w http.ResponseWriter, r *request) {
	id := chartscan.ReleaseID(r.PathValue("id"))
	rel, err := s.Records.Release(r.Context(), r.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kinds := map[string]string{}
	for _, x := range rel.SuggestedRedactions {
		kinds[boxKey(x.PageID, x.Box)] = x.Kind
	}
	redactions := []chartscan.Redaction{}
	for _, k := range r.Form["keep"] {
		if x, ok := parseBox(k); ok {
			x.Kind = kinds[k]
			redactions = append(redactions, x)
		}
	}
	for _, k := range append(r.Form["manual"], strings.Fields(r.FormValue("manual_typed"))...) {
		x, ok := parseBox(k)
		if !ok {
			s.releaseRefused(w, r, id, chartscan.Errorf(chartscan.EINVALID, "a box to black out is written page,x,y,w,h: %q is not", k))
			return
		}
		x.Kind = chartscan.RedactManual
		redactions = append(redactions, x)
	}
	if _, err := s.Records.ApproveRelease(r.Context(), r.actor, id, redactions); err != nil {
		s.releaseRefused(w, r, id, err)
		return
	}
	http.Redirect(w, r.Request, "/ui/releases/"+string(id)+"?"+flashQuery(r.csrf, "Approved: the packet is ready and the disclosure is recorded."), http.StatusSeeOther)
}

func (s *Server) releaseRefused(w http.ResponseWriter, r *request, id chartscan.ReleaseID, err error) {
	status := statusOf[chartscan.ErrorCode(err)]
	body, berr := s.releaseBody(r, id)
	if status == 0 || berr != nil {
		s.fail(w, r, err)
		return
	}
	s.renderError(w, r, status, "release", "Release "+string(id), body, err)
}

// packet: GET /ui/releases/{id}/pdf.
func (s *Server) packet(w http.ResponseWriter, r *request) {
	id := chartscan.ReleaseID(r.PathValue("id"))
	var out bytes.Buffer
	if err := s.Records.ReleasePacket(r.Context(), r.actor, id, &out); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf"`, id))
	out.WriteTo(w)
}

// disclosuresPage is the body of the accounting of disclosures.
type disclosuresPage struct {
	MRN         string
	Asked       bool
	Disclosures []chartscan.Disclosure
}

// disclosuresForm: GET /ui/disclosures, the form asking for the MRN.
func (s *Server) disclosuresForm(w http.ResponseWriter, r *request) {
	s.render(w, r, http.StatusOK, "disclosures", "Accounting of disclosures", disclosuresPage{})
}

// disclosures: POST /ui/disclosures {mrn}, a patient's accounting (the
// MRN in the form, not the URL).
func (s *Server) disclosures(w http.ResponseWriter, r *request) {
	mrn := strings.TrimSpace(r.FormValue("mrn"))
	ds, err := s.Records.Disclosures(r.Context(), r.actor, mrn)
	body := disclosuresPage{MRN: mrn, Asked: true, Disclosures: ds}
	if err != nil {
		if status := statusOf[chartscan.ErrorCode(err)]; status != 0 {
			s.renderError(w, r, status, "disclosures", "Accounting of disclosures", body, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "disclosures", "Accounting of disclosures", body)
}

// holdsPage is the body of the legal holds page.
type holdsPage struct {
	Holds []*chartscan.Hold
}

// holds: GET /ui/holds (admin).
func (s *Server) holds(w http.ResponseWriter, r *request) {
	hs, err := s.Records.Holds(r.Context(), r.actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "holds", "Legal holds", holdsPage{Holds: hs})
}

// createHold: POST /ui/holds {mrn | document_id, reason} (admin).
func (s *Server) createHold(w http.ResponseWriter, r *request) {
	req := records.HoldRequest{MRN: r.FormValue("mrn"), DocumentID: chartscan.DocumentID(strings.TrimSpace(r.FormValue("document_id"))), Reason: r.FormValue("reason")}
	if _, err := s.Records.CreateHold(r.Context(), r.actor, req); err != nil {
		if status := statusOf[chartscan.ErrorCode(err)]; status != 0 {
			hs, _ := s.Records.Holds(r.Context(), r.actor)
			s.renderError(w, r, status, "holds", "Legal holds", holdsPage{Holds: hs}, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r.Request, "/ui/holds?"+flashQuery(r.csrf, "Hold placed."), http.StatusSeeOther)
}

// deleteHold: POST /ui/holds/{id}/lift (admin).
func (s *Server) deleteHold(w http.ResponseWriter, r *request) {
	if err := s.Records.DeleteHold(r.Context(), r.actor, chartscan.HoldID(r.PathValue("id"))); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r.Request, "/ui/holds?"+flashQuery(r.csrf, "Hold lifted."), http.StatusSeeOther)
}
