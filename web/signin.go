package web

import (
	"net/http"
	"strings"

	"chartscan"
	"chartscan/audit"
	"chartscan/auth"
)

// loginPage is the body of the sign-in page.
type loginPage struct {
	CSRF  string
	Next  string
	Name  string
	Setup bool // no user exists yet: say how to create the first one
}

// loginForm shows the sign-in form. Its CSRF token is bound to a cookie
// of its own, since there is no session yet.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	tok := auth.RandomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: tok, Path: "/ui/login", HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	n, _ := s.Users.Count()
	s.write(w, http.StatusOK, "login", page{Title: "Sign in", Body: loginPage{CSRF: tok, Next: safeNext(r.URL.Query().Get("next")), Setup: n == 0}})
}

// login checks the name and password and starts a session. Every attempt
// is audited with the name given; five failures in a row lock the name.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	c, _ := r.Cookie(loginCookie)
	if c == nil || !auth.SameToken(r.FormValue("csrf"), c.Value) {
		s.write(w, http.StatusForbidden, "error", page{Title: "Sign in", Body: errorPage{Status: http.StatusForbidden,
			Message: "this sign-in form has expired or did not come from chartscan: open the sign-in page again"}})
		return
	}
	name, password := strings.TrimSpace(r.FormValue("name")), r.FormValue("password")
	next := safeNext(r.FormValue("next"))
	u, err := s.Users.SignIn(name, password)
	entry := audit.Entry{Actor: name, Client: clientAddr(r), Via: chartscan.ViaUI}
	if err != nil {
		entry.Action, entry.Status = audit.ActionSignInBad, http.StatusUnauthorized
		if chartscan.ErrorCode(err) == chartscan.EFORBIDDEN {
			entry.Detail = "locked"
		}
		if aerr := s.Audit.Record(entry); aerr != nil {
			s.Logger.Error("audit log write failed", "err", aerr.Error())
		}
		status := http.StatusUnauthorized
		if code := chartscan.ErrorCode(err); code != chartscan.EUNAUTHORIZED && code != chartscan.EFORBIDDEN {
			status = http.StatusServiceUnavailable
			s.Logger.Error("sign-in failed", "err", err.Error())
		}
		tok := auth.RandomToken()
		http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: tok, Path: "/ui/login", HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
		s.write(w, status, "login", page{Title: "Sign in", Error: chartscan.ErrorMessage(err), Body: loginPage{CSRF: tok, Next: next, Name: name}})
		return
	}
	entry.Action, entry.Role, entry.Status = audit.ActionSignIn, string(u.Role), http.StatusOK
	if err := s.Audit.Record(entry); err != nil {
		s.write(w, http.StatusServiceUnavailable, "error", page{Title: "Sign in", Body: errorPage{Status: http.StatusServiceUnavailable,
			Message: "the audit log cannot be written, so no one can sign in now"}})
		return
	}
	s.startSession(w, u)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/ui/login", MaxAge: -1})
	if next == "" {
		next = "/ui/search"
		if !u.Role.Allows(chartscan.RoleTechnician) {
			next = "/ui/batches"
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// startSession sets the session cookie of a new session for u and returns
// the session's CSRF token.
func (s *Server) startSession(w http.ResponseWriter, u *auth.User) (csrf string) {
	id, sess := s.Sessions.Start(u)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteStrictMode})
	return sess.CSRF
}

// logout ends the session on the server and in the browser.
func (s *Server) logout(w http.ResponseWriter, r *request) {
	if c, _ := r.Cookie(sessionCookie); c != nil {
		s.Sessions.End(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteStrictMode})
	if err := s.Audit.Record(audit.Entry{Actor: r.user, Role: string(r.actor.Role), Action: audit.ActionSignOut, Client: r.actor.Client, Via: chartscan.ViaUI, Status: http.StatusOK}); err != nil {
		s.Logger.Error("audit log write failed", "err", err.Error())
	}
	http.Redirect(w, r.Request, "/ui/login", http.StatusSeeOther)
}

// safeNext keeps a redirect after sign-in on this site's UI.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") || strings.HasPrefix(next, "/ui/login") {
		return ""
	}
	return next
}

// setupPage is the body of the first-user page.
type setupPage struct {
	Token string
	Name  string
}

// setupForm shows, on a fresh install and with the one-time token the
// service printed, the form that creates the first administrator.
func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	if !s.setupAllowed(tok) {
		s.write(w, http.StatusForbidden, "error", page{Title: "Set up", Body: errorPage{Status: http.StatusForbidden,
			Message: "this set-up link is not valid: it works once, until the first user exists. Create users with chartscan user create."}})
		return
	}
	s.write(w, http.StatusOK, "setup", page{Title: "Set up chartscan", Body: setupPage{Token: tok}})
}

// createFirstUser creates the first administrator and signs them in.
func (s *Server) createFirstUser(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	tok := r.FormValue("token")
	if !s.setupAllowed(tok) {
		s.write(w, http.StatusForbidden, "error", page{Title: "Set up", Body: errorPage{Status: http.StatusForbidden,
			Message: "this set-up link is not valid any more: sign in instead."}})
		return
	}
	name, pw := strings.TrimSpace(r.FormValue("name")), r.FormValue("password")
	again := r.FormValue("password2")
	var err error
	switch {
	case pw != again:
		err = chartscan.Errorf(chartscan.EINVALID, "the two passwords differ")
	default:
		err = s.Users.Create(name, chartscan.RoleAdmin, pw)
	}
	if err != nil {
		s.write(w, http.StatusBadRequest, "setup", page{Title: "Set up chartscan", Error: chartscan.ErrorMessage(err), Body: setupPage{Token: tok, Name: name}})
		return
	}
	s.mu.Lock()
	s.setup = ""
	s.mu.Unlock()
	u, err := s.Users.Active(name)
	if err != nil {
		http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
		return
	}
	if err := s.Audit.Record(audit.Entry{Actor: name, Role: string(u.Role), Action: audit.ActionSignIn, Client: clientAddr(r), Via: chartscan.ViaUI,
		Status: http.StatusOK, Detail: "first administrator created"}); err != nil {
		http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
		return
	}
	csrf := s.startSession(w, u)
	http.Redirect(w, r, "/ui/search?"+flashQuery(csrf, "Welcome. Upload a scan or drop one into an inbox, then find it here."), http.StatusSeeOther)
}

// setupAllowed reports whether tok is the live one-time set-up token.
func (s *Server) setupAllowed(tok string) bool {
	if n, err := s.Users.Count(); err != nil || n > 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return auth.SameToken(tok, s.setup)
}
