package fhir

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"chartscan"
	"chartscan/audit"
	"chartscan/auth"
	"chartscan/records"
)

// Base is the path the facade is served under.
const Base = "/fhir/r4"

// Authenticator checks bearer tokens. *auth.Store implements it.
type Authenticator interface {
	Authenticate(secret string) (*auth.Token, error)
}

// Auditor records refused requests. *audit.Log implements it; every
// granted access is recorded by the records service.
type Auditor interface {
	Record(e audit.Entry) error
}

// Server is the FHIR R4 facade: an http.Handler for Base and below. Read
// the records through Records only; every access is audited there, and
// every refusal here. Set every field but Logger before use; a Server is
// safe for concurrent use.
type Server struct {
	Records   *records.Service
	Tokens    Authenticator
	Audit     Auditor
	Converter *Converter
	// Version is chartscan's version, for the CapabilityStatement.
	Version string
	Logger  *slog.Logger

	once    sync.Once
	started time.Time
}

// Page sizes of searches.
const (
	DefaultCount      = 20
	MaxCount          = 100
	DefaultAuditCount = 100
	MaxAuditCount     = 1000
	// maxAuditScan bounds the audit entries one AuditEvent search reads.
	maxAuditScan = 10000
)

// route is one interaction the facade serves.
type route struct {
	template string // as the audit log names it
	role     chartscan.Role
	offers   []string // the types it can answer in, the default first
	serve    func(s *Server, w http.ResponseWriter, r *http.Request, a chartscan.Actor, id, as string) error
}

var fhirJSON = []string{typeFHIRJSON, typeJSON}

// match finds the route of a path below Base and the id in it.
func match(path string) (*route, string) {
	rest, ok := strings.CutPrefix(path, Base+"/")
	if !ok {
		return nil, ""
	}
	typ, id, hasID := strings.Cut(rest, "/")
	switch {
	case typ == "metadata" && !hasID:
		return &route{template: Base + "/metadata", offers: fhirJSON, serve: (*Server).metadata}, ""
	case typ == "DocumentReference" && !hasID:
		return &route{template: Base + "/DocumentReference", role: chartscan.RoleTechnician, offers: fhirJSON, serve: (*Server).searchDocuments}, ""
	case typ == "DocumentReference" && id != "" && !strings.Contains(id, "/"):
		return &route{template: Base + "/DocumentReference/{id}", role: chartscan.RoleTechnician, offers: fhirJSON, serve: (*Server).readDocument}, id
	case typ == "Binary" && id != "" && !strings.Contains(id, "/"):
		return &route{template: Base + "/Binary/{id}", role: chartscan.RoleTechnician, offers: []string{typePDF, typeFHIRJSON, typeJSON}, serve: (*Server).readBinary}, id
	case typ == "AuditEvent" && !hasID:
		return &route{template: Base + "/AuditEvent", role: chartscan.RoleAdmin, offers: fhirJSON, serve: (*Server).searchAudit}, ""
	}
	return nil, ""
}

// ServeHTTP answers one request: the route, the method (GET only), the
// bearer token and role (but for metadata), the type asked for, then the
// interaction. Every failure is an OperationOutcome.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.once.Do(func() { s.started = time.Now().UTC() })
	rt, id := match(r.URL.Path)
	if rt == nil {
		s.fail(w, r, chartscan.Errorf(chartscan.ENOTFOUND, "this server has no such resource type or interaction (see %s/metadata)", Base))
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		s.outcome(w, http.StatusMethodNotAllowed, "not-supported", "only GET (read and search) is supported here")
		return
	}
	a := chartscan.Actor{Client: clientIP(r), Via: chartscan.ViaFHIR}
	if rt.role != "" {
		t, err := s.authenticate(r, rt)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		a.Name, a.Role = t.Name, t.Role
	}
	as := negotiate(r.Header.Get("Accept"), r.URL.Query().Get("_format"), rt.offers)
	if as == "" {
		s.outcome(w, http.StatusNotAcceptable, "not-supported", "cannot answer in the type asked for: this interaction answers in "+strings.Join(rt.offers, ", "))
		return
	}
	if err := rt.serve(s, w, r, a, id, as); err != nil {
		s.fail(w, r, err)
	}
}

// authenticate checks the bearer token and its role, recording a refusal.
func (s *Server) authenticate(r *http.Request, rt *route) (*auth.Token, error) {
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	secret = strings.TrimSpace(secret)
	if !ok || secret == "" {
		s.deny(r, rt, http.StatusUnauthorized, "", "")
		return nil, chartscan.Errorf(chartscan.EUNAUTHORIZED, "a bearer token is required")
	}
	t, err := s.Tokens.Authenticate(secret)
	if err != nil {
		if chartscan.ErrorCode(err) != chartscan.EUNAUTHORIZED {
			return nil, err
		}
		s.deny(r, rt, http.StatusUnauthorized, "", "")
		return nil, chartscan.Errorf(chartscan.EUNAUTHORIZED, "invalid token")
	}
	if !t.Role.Allows(rt.role) {
		s.deny(r, rt, http.StatusForbidden, t.Name, string(t.Role))
		return nil, chartscan.Errorf(chartscan.EFORBIDDEN, "the %s role may not do this (needs %s)", t.Role, rt.role)
	}
	return t, nil
}

// deny audits a refused request. A refusal that cannot be audited is
// still refused.
func (s *Server) deny(r *http.Request, rt *route, status int, actor, role string) {
	if err := s.Audit.Record(audit.Entry{
		Actor: actor, Role: role, Action: audit.ActionDenied, Client: clientIP(r), Via: chartscan.ViaFHIR,
		Status: status, Detail: r.Method + " " + rt.template,
	}); err != nil {
		s.log().Error("audit log write failed", "err", err.Error())
	}
}

// clientIP is the address that connected, never one a client claims.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// base is the facade's absolute URL as the client reached it.
func base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + Base
}

// statusOf maps chartscan error codes to HTTP statuses and FHIR issue codes.
var statusOf = map[string]struct {
	status int
	issue  string
}{
	chartscan.EINVALID:      {http.StatusBadRequest, "invalid"},
	chartscan.ENOTFOUND:     {http.StatusNotFound, "not-found"},
	chartscan.ECONFLICT:     {http.StatusConflict, "conflict"},
	chartscan.EREFUSED:      {http.StatusUnprocessableEntity, "business-rule"},
	chartscan.EUNAUTHORIZED: {http.StatusUnauthorized, "login"},
	chartscan.EFORBIDDEN:    {http.StatusForbidden, "forbidden"},
	chartscan.ETOOLARGE:     {http.StatusBadRequest, "too-costly"},
	chartscan.EUNSUPPORTED:  {http.StatusBadRequest, "not-supported"},
	chartscan.EUNAVAILABLE:  {http.StatusServiceUnavailable, "transient"},
	chartscan.EINTERNAL:     {http.StatusInternalServerError, "exception"},
}

// fail answers err as an OperationOutcome: the user-facing message, and
// the detail of server-side failures in the log only.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	m, ok := statusOf[chartscan.ErrorCode(err)]
	if !ok {
		m = statusOf[chartscan.EINTERNAL]
	}
	if m.status >= 500 {
		s.log().Error("FHIR request failed", "method", r.Method, "path", routeOf(r), "err", err.Error())
	}
	if m.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chartscan"`)
	}
	s.outcome(w, m.status, m.issue, chartscan.ErrorMessage(err))
}

// routeOf names a request's route without its query or ids.
func routeOf(r *http.Request) string {
	if rt, _ := match(r.URL.Path); rt != nil {
		return rt.template
	}
	return "unmatched"
}

func (s *Server) outcome(w http.ResponseWriter, status int, code, msg string) {
	sev := "error"
	if status >= 500 {
		sev = "fatal"
	}
	s.write(w, status, typeFHIRJSON, &OperationOutcome{ResourceType: "OperationOutcome",
		Issue: []Issue{{Severity: sev, Code: code, Diagnostics: msg}}})
}

// write answers v as JSON in the type negotiated.
func (s *Server) write(w http.ResponseWriter, status int, as string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log().Error("FHIR answer cannot be encoded", "err", err.Error())
		status, b = http.StatusInternalServerError, []byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"fatal","code":"exception"}]}`)
	}
	w.Header().Set("Content-Type", as+"; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// metadata answers the CapabilityStatement: exactly what is served.
func (s *Server) metadata(w http.ResponseWriter, r *http.Request, _ chartscan.Actor, _, as string) error {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	q.all("_format")
	if err := q.unknown("metadata"); err != nil {
		return err
	}
	s.write(w, http.StatusOK, as, Capabilities(s.Version, s.started, base(r)))
	return nil
}

// readDocument answers DocumentReference/{id}.
func (s *Server) readDocument(w http.ResponseWriter, r *http.Request, a chartscan.Actor, id, as string) error {
	if err := noParams(r, "DocumentReference read"); err != nil {
		return err
	}
	rec, err := s.Records.DocumentRecord(r.Context(), a, chartscan.DocumentID(id))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", `W/"`+strconv.Itoa(rec.Document.Version)+`"`)
	s.write(w, http.StatusOK, as, s.Converter.DocumentReference(rec, false))
	return nil
}

// noParams refuses any parameter but _format on a read.
func noParams(r *http.Request, what string) error {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	q.all("_format")
	return q.unknown(what)
}

// readBinary answers Binary/{id}: the PDF itself, or wrapped in a FHIR
// Binary when FHIR JSON is asked for.
func (s *Server) readBinary(w http.ResponseWriter, r *http.Request, a chartscan.Actor, id, as string) error {
	if err := noParams(r, "Binary read"); err != nil {
		return err
	}
	var buf bytes.Buffer
	d, err := s.Records.DocumentPDF(r.Context(), a, chartscan.DocumentID(id), &buf)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", `W/"`+strconv.Itoa(d.Version)+`"`)
	if as == typePDF {
		w.Header().Set("Content-Type", typePDF)
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		_, _ = w.Write(buf.Bytes()) // a client that went away has no one to tell
		return nil
	}
	s.write(w, http.StatusOK, as, s.Converter.Binary(d, buf.Bytes(), false))
	return nil
}

// searchDocuments answers DocumentReference?patient.identifier=&type=&date=&_count=&_offset=.
func (s *Server) searchDocuments(w http.ResponseWriter, r *http.Request, a chartscan.Actor, _, as string) error {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	q.all("_format")
	f := records.DocumentFilter{}
	self := url.Values{}
	none := false // a parameter that can match nothing here
	if v, err := q.one("patient.identifier"); err != nil {
		return err
	} else if v != "" {
		t, err := parseToken("patient.identifier", v)
		if err != nil {
			return err
		}
		if t.HasSystem && t.System != s.Converter.MRNSystem {
			none = true
		}
		f.MRN = t.Code
		self.Set("patient.identifier", v)
	}
	if v, err := q.one("identifier"); err != nil {
		return err
	} else if v != "" {
		t, err := parseToken("identifier", v)
		if err != nil {
			return err
		}
		if t.HasSystem && t.System != SystemDocument {
			none = true
		}
		if _, _, err := chartscan.ParseDocumentID(t.Code); err != nil {
			none = true
		}
		f.ID = chartscan.DocumentID(t.Code)
		self.Set("identifier", v)
	}
	if f.MRN == "" && f.ID == "" {
		return chartscan.Errorf(chartscan.EINVALID, "a DocumentReference search needs patient.identifier=SYSTEM|MRN (or identifier=%s|ID)", SystemDocument)
	}
	if vs := q.all("type"); len(vs) > 0 {
		if len(vs) > 1 {
			return chartscan.Errorf(chartscan.EINVALID, "search parameter type: give it once (commas for any of several)")
		}
		f.Sections = []chartscan.Section{}
		for _, tv := range strings.Split(vs[0], ",") {
			t, err := parseToken("type", tv)
			if err != nil {
				return err
			}
			for _, sec := range chartscan.Sections {
				if dt := TypeOf(sec); (dt.LOINC != "" && t.matches(SystemLOINC, dt.LOINC)) || t.matches(SystemSection, string(sec)) {
					f.Sections = append(f.Sections, sec)
				}
			}
		}
		self.Set("type", vs[0])
	}
	var dr dateRange
	for _, v := range q.all("date") {
		if err := dr.addDate("date", v); err != nil {
			return err
		}
		self.Add("date", v)
	}
	f.From, f.Until = dr.From, dr.Until
	count, offset, err := paging(q, DefaultCount, MaxCount)
	if err != nil {
		return err
	}
	if err := q.unknown("DocumentReference"); err != nil {
		return err
	}
	self.Set("_count", strconv.Itoa(count))
	self.Set("_offset", strconv.Itoa(offset))
	f.Offset, f.Count, f.Query = offset, count, self.Encode()
	if none {
		f.Sections = []chartscan.Section{} // matches nothing, but the search is still recorded
	}
	page, err := s.Records.FindDocuments(r.Context(), a, f)
	if err != nil {
		return err
	}
	b := base(r)
	bundle := &Bundle{ResourceType: "Bundle", Type: "searchset", Total: &page.Total, Timestamp: Instant(time.Now()),
		Link: links(b+"/DocumentReference", self, offset, count, page.Total)}
	for _, rec := range page.Records {
		raw, err := json.Marshal(s.Converter.DocumentReference(rec, false))
		if err != nil {
			return err
		}
		bundle.Entry = append(bundle.Entry, BundleEntry{FullURL: b + "/DocumentReference/" + string(rec.Document.ID), Resource: raw, Search: &BundleSearch{Mode: "match"}})
	}
	s.write(w, http.StatusOK, as, bundle)
	return nil
}

// links are a searchset's self, next and previous links.
func links(u string, self url.Values, offset, count, total int) []BundleLink {
	at := func(off int) string {
		v := url.Values{}
		for k, vs := range self {
			v[k] = vs
		}
		v.Set("_offset", strconv.Itoa(off))
		return u + "?" + v.Encode()
	}
	out := []BundleLink{{Relation: "self", URL: at(offset)}}
	if count > 0 && offset+count < total && offset+count <= chartscan.MaxSearchOffset {
		out = append(out, BundleLink{Relation: "next", URL: at(offset + count)})
	}
	if count > 0 && offset > 0 {
		out = append(out, BundleLink{Relation: "previous", URL: at(max(0, offset-count))})
	}
	return out
}

// searchAudit answers AuditEvent?date=&agent=&_count=&_offset= (admin).
func (s *Server) searchAudit(w http.ResponseWriter, r *http.Request, a chartscan.Actor, _, as string) error {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	q.all("_format")
	self := url.Values{}
	var dr dateRange
	for _, v := range q.all("date") {
		if err := dr.addDate("date", v); err != nil {
			return err
		}
		self.Add("date", v)
	}
	agent, err := q.one("agent")
	if err != nil {
		return err
	}
	if agent != "" {
		self.Set("agent", agent)
	}
	count, offset, err := paging(q, DefaultAuditCount, MaxAuditCount)
	if err != nil {
		return err
	}
	if err := q.unknown("AuditEvent"); err != nil {
		return err
	}
	self.Set("_count", strconv.Itoa(count))
	self.Set("_offset", strconv.Itoa(offset))
	entries, err := s.Records.AuditTrail(r.Context(), a, audit.Filter{Since: dr.From, Actor: agent, Limit: maxAuditScan}, self.Encode())
	if err != nil {
		return err
	}
	scanned := len(entries)
	var match []records.AuditRecord
	for _, e := range entries {
		if dr.Until.IsZero() || e.Time.Before(dr.Until) {
			match = append(match, e)
		}
	}
	total := len(match)
	b := base(r)
	bundle := &Bundle{ResourceType: "Bundle", Type: "searchset", Total: &total, Timestamp: Instant(time.Now()),
		Link: links(b+"/AuditEvent", self, offset, count, total)}
	for i := offset; i < len(match) && i < offset+count; i++ {
		ev := s.Converter.AuditEvent(match[i])
		raw, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		bundle.Entry = append(bundle.Entry, BundleEntry{FullURL: b + "/AuditEvent/" + ev.ID, Resource: raw, Search: &BundleSearch{Mode: "match"}})
	}
	if scanned >= maxAuditScan {
		raw, _ := json.Marshal(&OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{{Severity: "warning", Code: "too-costly",
			Diagnostics: "only the " + strconv.Itoa(maxAuditScan) + " most recent entries in the range were searched: narrow it with date=le..."}}})
		bundle.Entry = append(bundle.Entry, BundleEntry{Resource: raw, Search: &BundleSearch{Mode: "outcome"}})
	}
	s.write(w, http.StatusOK, as, bundle)
	return nil
}
