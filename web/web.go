// Package web is the technicians' web UI: server-rendered pages (Go
// html/template, embedded with the static files) for searching the
// records, viewing pages with the matched words marked, working the review
// queue, following what the scanning stations sent, uploading, and, for
// administrators, reading the audit trail. It is plain net/http, mounted
// under /ui/ by package api, and reaches the records only through the
// records service, which checks roles and audits every access.
//
// Pages and forms work without JavaScript. The vendored htmx
// (static/htmx.min.js) refreshes the batches page while files are in
// progress; it is loaded only there, because htmx keeps the current path
// in the browser's session storage, and only that page's path (a day)
// holds nothing of a patient. No patient data goes into URLs beyond ids
// and the search query, into page titles, or into browser storage.
package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"chartscan"
	"chartscan/audit"
	"chartscan/auth"
	"chartscan/records"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Auditor records the sign-ins, their failures and the sign-outs.
// *audit.Log implements it.
type Auditor interface {
	Record(e audit.Entry) error
}

// Config is what the UI serves from.
type Config struct {
	Records  *records.Service
	Users    *auth.Users
	Sessions *auth.Sessions
	Audit    Auditor
	// Profiles are the scanner profile names an upload may use.
	Profiles []string
	// Secure marks the session cookie Secure (the server speaks HTTPS).
	Secure bool
	Logger *slog.Logger
}

// Server serves the UI. It is safe for concurrent use.
type Server struct {
	Config
	mux   *http.ServeMux
	pages map[string]*template.Template

	mu    sync.Mutex
	setup string // the one-time token for creating the first user; "" once used
}

// Cookie names.
const (
	sessionCookie = "chartscan_session"
	loginCookie   = "chartscan_login" // the CSRF token of the sign-in form
)

// New returns the UI.
func New(c Config) (*Server, error) {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{Config: c, mux: http.NewServeMux(), pages: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", n, err)
		}
		s.pages[base] = t
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	s.mux.Handle("GET /ui/static/{file}", staticFiles(static))
	s.mux.HandleFunc("GET /ui/{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/search", http.StatusFound) })
	s.mux.HandleFunc("GET /ui", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/search", http.StatusFound) })
	s.mux.HandleFunc("GET /ui/login", s.loginForm)
	s.mux.HandleFunc("POST /ui/login", s.login)
	s.mux.HandleFunc("GET /ui/setup", s.setupForm)
	s.mux.HandleFunc("POST /ui/setup", s.createFirstUser)
	s.mux.HandleFunc("POST /ui/logout", s.signedIn(chartscan.RoleScanner, s.logout))

	tech, scanner, admin := chartscan.RoleTechnician, chartscan.RoleScanner, chartscan.RoleAdmin
	s.mux.HandleFunc("GET /ui/search", s.signedIn(tech, s.search))
	s.mux.HandleFunc("GET /ui/documents/{id}", s.signedIn(tech, s.document))
	s.mux.HandleFunc("POST /ui/documents/{id}", s.signedIn(tech, s.correct))
	s.mux.HandleFunc("POST /ui/documents/{id}/split", s.signedIn(tech, s.split))
	s.mux.HandleFunc("POST /ui/documents/{id}/merge", s.signedIn(tech, s.merge))
	s.mux.HandleFunc("GET /ui/documents/{id}/pdf", s.signedIn(tech, s.pdf))
	s.mux.HandleFunc("GET /ui/pages/{id}/image", s.signedIn(tech, s.pageImage))
	s.mux.HandleFunc("GET /ui/review", s.signedIn(tech, s.review))
	s.mux.HandleFunc("GET /ui/batches", s.signedIn(scanner, s.batches))
	s.mux.HandleFunc("GET /ui/upload", s.signedIn(scanner, s.uploadForm))
	s.mux.HandleFunc("POST "+uploadPath, s.signedIn(scanner, s.upload))
	s.mux.HandleFunc("GET /ui/audit", s.signedIn(admin, s.auditPage))
	s.mux.HandleFunc("GET /ui/releases", s.signedIn(tech, s.releases))
	s.mux.HandleFunc("POST /ui/releases", s.signedIn(tech, s.newRelease))
	s.mux.HandleFunc("GET /ui/releases/{id}", s.signedIn(tech, s.releaseView))
	s.mux.HandleFunc("POST /ui/releases/{id}/approve", s.signedIn(tech, s.approve))
	s.mux.HandleFunc("GET /ui/releases/{id}/pdf", s.signedIn(tech, s.packet))
	s.mux.HandleFunc("GET /ui/disclosures", s.signedIn(tech, s.disclosuresForm))
	s.mux.HandleFunc("POST /ui/disclosures", s.signedIn(tech, s.disclosures))
	s.mux.HandleFunc("GET /ui/holds", s.signedIn(admin, s.holds))
	s.mux.HandleFunc("POST /ui/holds", s.signedIn(admin, s.createHold))
	s.mux.HandleFunc("POST /ui/holds/{id}/lift", s.signedIn(admin, s.deleteHold))
	return s, nil
}

// ServeHTTP serves the UI's routes, with the headers every page needs.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

// SetupLink makes the one-time token with which the first administrator
// is created on a fresh install, and returns the path of the sign-in link
// (/ui/setup?token=...) to print; "" when there already is a user.
func (s *Server) SetupLink() (string, error) {
	n, err := s.Users.Count()
	if err != nil || n > 0 {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.setup == "" {
		s.setup = auth.RandomToken()
	}
	return "/ui/setup?token=" + url.QueryEscape(s.setup), nil
}

// request is a signed-in request: who asks and the session's CSRF token.
type request struct {
	*http.Request
	actor chartscan.Actor
	csrf  string
	user  string
}

// signedIn admits requests of a live session whose user may still sign
// in and has at least role min; others go to the sign-in page (403 for a
// role too low). Every POST must carry the session's CSRF token, else it
// is refused with 403 and nothing changes.
func (s *Server) signedIn(min chartscan.Role, h func(http.ResponseWriter, *request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie(sessionCookie)
		var sess *auth.Session
		switch {
		case c == nil:
		case r.Method == http.MethodGet && r.Header.Get("HX-Request") == "true":
			// htmx refreshing a live part by itself (the batches page
			// every 5 s): the person is not necessarily there.
			sess, _ = s.Sessions.Peek(c.Value)
		default:
			sess, _ = s.Sessions.Get(c.Value)
		}
		if sess != nil {
			u, err := s.Users.Active(sess.User)
			if err != nil {
				s.Sessions.End(c.Value)
				sess = nil
			} else {
				sess.Role = u.Role // a role changed in the file counts at once
			}
		}
		if sess == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			} else {
				http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
			}
			return
		}
		req := &request{Request: r, csrf: sess.CSRF, user: sess.User,
			actor: chartscan.Actor{Name: sess.User, Role: sess.Role, Client: clientAddr(r), Via: chartscan.ViaUI}}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody(r))
		}
		// A scan upload checks its token itself, from the first part of
		// the form, before a byte of the file is read (see upload); every
		// other POST here, before the handler runs.
		if r.Method == http.MethodPost && r.URL.Path != uploadPath {
			if !auth.SameToken(r.FormValue("csrf"), sess.CSRF) {
				s.fail(w, req, chartscan.Errorf(chartscan.EFORBIDDEN, "this form has expired or did not come from chartscan: reload the page and try again"))
				return
			}
		}
		if !sess.Role.Allows(min) {
			s.fail(w, req, chartscan.Errorf(chartscan.EFORBIDDEN, "your role (%s) may not open this page", sess.Role))
			return
		}
		h(w, req)
	}
}

// maxFormBody bounds a form: uploads may be large, other forms are small.
func maxFormBody(r *http.Request) int64 {
	if r.URL.Path == uploadPath {
		return 2 << 30
	}
	return 1 << 20
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// nav is what the layout shows of the signed-in person.
type nav struct {
	User    string
	Role    chartscan.Role
	CSRF    string
	Tech    bool
	Admin   bool
	Current string
}

// page is the data of every page: its title, the navigation and the body.
type page struct {
	Title string
	Nav   *nav
	Flash string
	Error string
	Body  any
	// Live loads htmx for the parts of the page that refresh themselves.
	Live bool
}

// render writes the named page with status.
func (s *Server) render(w http.ResponseWriter, r *request, status int, name, title string, body any) {
	p := page{Title: title, Body: body, Live: name == "batches"}
	if r != nil {
		p.Nav = &nav{User: r.user, Role: r.actor.Role, CSRF: r.csrf, Tech: r.actor.Role.Allows(chartscan.RoleTechnician),
			Admin: r.actor.Role.Allows(chartscan.RoleAdmin), Current: name}
		p.Flash = flashOf(r.URL.Query(), r.csrf)
	}
	s.write(w, status, name, p)
}

func (s *Server) write(w http.ResponseWriter, status int, name string, p page) {
	t := s.pages[name]
	if t == nil {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		s.Logger.Error("render page", "page", name, "err", err.Error())
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// statusOf maps chartscan error codes to HTTP statuses, as the API does.
var statusOf = map[string]int{
	chartscan.EINVALID:      http.StatusBadRequest,
	chartscan.ENOTFOUND:     http.StatusNotFound,
	chartscan.ECONFLICT:     http.StatusConflict,
	chartscan.EREFUSED:      http.StatusUnprocessableEntity,
	chartscan.EUNAUTHORIZED: http.StatusUnauthorized,
	chartscan.EFORBIDDEN:    http.StatusForbidden,
	chartscan.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	chartscan.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	chartscan.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// fail shows an error page: the user-facing message, with the status of
// its kind; internal detail goes to the log only.
func (s *Server) fail(w http.ResponseWriter, r *request, err error) {
	status := statusOf[chartscan.ErrorCode(err)]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		status, err = http.StatusRequestEntityTooLarge, chartscan.Errorf(chartscan.ETOOLARGE, "the file is larger than an upload may be")
	}
	if status >= 500 {
		s.Logger.Error("ui request failed", "path", r.Pattern, "err", err.Error())
	}
	s.render(w, r, status, "error", "Something went wrong", errorPage{Status: status, Message: chartscan.ErrorMessage(err)})
}

// errorPage is the body of the error page.
type errorPage struct {
	Status  int
	Message string
}

// funcs are the helpers the templates use.
var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04")
	},
	"datep": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04")
	},
	"name":     displayName,
	"pct":      func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
	"sections": func() []chartscan.Section { return chartscan.Sections },
	"label":    sectionLabel,
	"add":      func(a, b int) int { return a + b },
	// pages is "1 page", "2 pages", for a count of any integer type.
	"pages": func(n any) string {
		if s := fmt.Sprint(n); s != "1" {
			return s + " pages"
		}
		return "1 page"
	},
	"kind": func(m map[chartscan.PageKind]int, k string) int { return m[chartscan.PageKind(k)] },
	"query": func(kv ...string) template.URL {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				v.Set(kv[i], kv[i+1])
			}
		}
		return template.URL(v.Encode())
	},
	"mark": func(frag string) template.HTML {
		// The index escapes all of a fragment's text but its <mark> tags.
		return template.HTML(frag)
	},
	"bytes": func(n int64) string {
		switch {
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.0f kB", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d bytes", n)
	},
}

// displayName turns LAST^FIRST into "Last, First" for people to read.
func displayName(n string) string {
	last, first, ok := strings.Cut(n, "^")
	if !ok {
		return titleCase(n)
	}
	return titleCase(last) + ", " + titleCase(first)
}

func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// sectionLabel is a chart section as people read it.
func sectionLabel(s chartscan.Section) string {
	switch s {
	case chartscan.SectionHistoryPhysical:
		return "History & physical"
	case chartscan.SectionInsuranceBilling:
		return "Insurance & billing"
	case chartscan.SectionFaceSheet:
		return "Face sheet"
	case chartscan.SectionProgressNotes:
		return "Progress notes"
	}
	t := strings.ReplaceAll(string(s), "_", " ")
	if t == "" {
		return ""
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

// staticFiles serves the UI's own files, and no folder listing.
func staticFiles(fsys fs.FS) http.HandlerFunc {
	types := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		ctype := types[path.Ext(name)]
		b, err := fs.ReadFile(fsys, name)
		if err != nil || ctype == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Write(b)
	}
}
