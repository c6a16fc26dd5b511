package web

import (
	"net/http"

	"chartscan"
	"chartscan/audit"
)

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
