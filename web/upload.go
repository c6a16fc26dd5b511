package web

import (
	"io"
	"net/http"
	"net/url"

	"chartscan"
	"chartscan/auth"
)

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
