// Package api is chartscan's HTTP API, built on Echo. It is the only
// package that imports echo; the rest of the program never sees HTTP.
//
// Every /api route needs a bearer token of a high enough role, and every
// access to a record is written to the audit log before it is answered.
package api

import (
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"chartscan"
	"chartscan/audit"
	"chartscan/auth"
	"chartscan/records"
)

// OpenAPI is the OpenAPI 3.0 document of every route, served verbatim at
// GET /api/v1/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Authenticator checks bearer tokens. *auth.Store implements it.
type Authenticator interface {
	Authenticate(secret string) (*auth.Token, error)
}

// Auditor records refused requests. *audit.Log implements it; every
// granted access is recorded by the records service.
type Auditor interface {
	Record(e audit.Entry) error
}

// Metrics counts requests by route template and status, and serves what
// it counts. It must be safe for concurrent use.
type Metrics interface {
	ObserveHTTP(route string, code int)
	Handler() http.Handler
}

// Deps are what the API serves from.
type Deps struct {
	Records *records.Service
	Tokens  Authenticator
	Audit   Auditor
	// Health reports whether the service can serve; nil error means yes.
	Health func(ctx context.Context) error
	// Ready reports whether the service takes work: nil means ready, an
	// error says why not (starting, draining, a part that failed).
	Ready func() error
	// Metrics, if set, counts requests and serves GET /metrics.
	Metrics Metrics
	// UI, if set, serves the web UI under /ui/; GET / redirects there.
	UI http.Handler
	// FHIR, if set, serves the FHIR R4 facade under /fhir/r4/.
	FHIR http.Handler
	// MaxUpload bounds an upload in bytes.
	MaxUpload int64
	Logger    *slog.Logger
}

// Server serves the HTTP API.
type Server struct {
	Deps
	echo *echo.Echo
	ln   net.Listener
	srv  *http.Server
	tls  *tls.Config
}

// New returns a server with its routes set up.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{Deps: d}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.errorHandler
	// The audit log records the address that connected, never one a
	// client claims in X-Forwarded-For.
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(s.logRequests, s.secureHeaders)
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	if d.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(d.Metrics.Handler()))
	}
	if d.UI != nil {
		e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/ui/") })
		e.Any("/ui", echo.WrapHandler(d.UI))
		e.Any("/ui/*", echo.WrapHandler(d.UI))
	}
	if d.FHIR != nil {
		e.Any("/fhir/r4", echo.WrapHandler(d.FHIR))
		e.Any("/fhir/r4/*", echo.WrapHandler(d.FHIR))
	}

	v1 := e.Group("/api/v1")
	v1.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", OpenAPI)
	})
	scanner := s.require(chartscan.RoleScanner)
	tech := s.require(chartscan.RoleTechnician)
	admin := s.require(chartscan.RoleAdmin)
	v1.POST("/scans", s.upload, scanner)
	v1.GET("/batches/:id", s.batch, scanner)
	v1.GET("/search", s.search, tech)
	v1.GET("/documents/:id", s.document, tech)
	v1.GET("/documents/:id/pdf", s.documentPDF, tech)
	v1.PATCH("/documents/:id", s.correct, tech)
	v1.POST("/documents/:id/split", s.split, tech)
	v1.POST("/documents/:id/merge", s.merge, tech)
	v1.GET("/pages/:id", s.page, tech)
	v1.GET("/pages/:id/image", s.pageImage, tech)
	v1.GET("/review", s.review, tech)
	v1.GET("/audit", s.auditLog, admin)
	v1.POST("/releases", s.createRelease, tech)
	v1.GET("/releases/:id", s.release, tech)
	v1.POST("/releases/:id/approve", s.approveRelease, tech)
	v1.GET("/releases/:id/pdf", s.releasePDF, tech)
	v1.GET("/patients/:mrn/disclosures", s.disclosures, tech)
	v1.POST("/holds", s.createHold, admin)
	v1.GET("/holds", s.holds, admin)
	v1.DELETE("/holds/:id", s.deleteHold, admin)
	s.echo = e
	return s
}

// Route is one route the server serves: a method and a path template in
// OpenAPI's form (/api/v1/documents/{id}).
type Route struct{ Method, Path string }

// Routes returns the routes of the API proper (/api/, /healthz, /readyz,
// /metrics), sorted: what api/openapi.yaml must describe. The UI and the
// FHIR facade are documented elsewhere.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.echo.Routes() {
		p := r.Path
		if strings.HasPrefix(p, "/ui") || strings.HasPrefix(p, "/fhir/") || p == "/" || r.Method == echo.RouteNotFound {
			continue
		}
		parts := strings.Split(p, "/")
		for i, el := range parts {
			if strings.HasPrefix(el, ":") {
				parts[i] = "{" + el[1:] + "}"
			}
		}
		out = append(out, Route{Method: r.Method, Path: strings.Join(parts, "/")})
	}
	sort.Slice(out, func(i, k int) bool {
		if out[i].Path != out[k].Path {
			return out[i].Path < out[k].Path
		}
		return out[i].Method < out[k].Method
	})
	return out
}

// Handler returns the API as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Listen binds addr (":0" picks a free port). With cert and key files it
// serves HTTPS only.
func (s *Server) Listen(addr, certFile, keyFile string) error {
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return chartscan.WrapError(chartscan.EINVALID, err, "tls: cannot load the certificate and key")
		}
		s.tls = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	return nil
}

// Addr returns the bound address, after Listen.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Serve serves on the listener until Shutdown. Slow or idle clients are
// cut off, headers are bounded; bodies are bounded per route.
func (s *Server) Serve() error {
	s.srv = &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		// Uploads of large scans over slow links take time: the read
		// timeout bounds the whole body, so it is generous.
		ReadTimeout:    30 * time.Minute,
		WriteTimeout:   10 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	ln := s.ln
	if s.tls != nil {
		ln = tls.NewListener(ln, s.tls)
	}
	err := s.srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting requests and waits for those in progress.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.srv == nil {
		if s.ln != nil {
			return s.ln.Close()
		}
		return nil
	}
	return s.srv.Shutdown(ctx)
}

// readyz answers 200 while the service takes work, 503 with the reason
// while it starts, drains or has a part that failed.
func (s *Server) readyz(c echo.Context) error {
	if s.Ready != nil {
		if err := s.Ready(); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) healthz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Second)
	defer cancel()
	if s.Health != nil {
		if err := s.Health(ctx); err != nil {
			s.Logger.Warn("health check failed", "err", err.Error())
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// logRequests logs each request by route pattern, never by its URL: ids
// are fine to log, but query strings carry search text.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		actor := ""
		if t := token(c); t != nil {
			actor = t.Name
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		if s.Metrics != nil {
			s.Metrics.ObserveHTTP(route, c.Response().Status)
		}
		s.Logger.Info("request", "method", c.Request().Method, "route", route,
			"status", c.Response().Status, "ms", time.Since(start).Milliseconds(), "actor", actor)
		return nil
	}
}

// secureHeaders keeps browsers and proxies from caching or sniffing
// patient records.
func (s *Server) secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// statusOf maps chartscan error codes to HTTP statuses.
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
	chartscan.EINTERNAL:     http.StatusInternalServerError,
}

// errorHandler writes every error as {"error":{"code","message"}}. Users
// see the message; the log gets the detail of server-side failures.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, msg := chartscan.ErrorCode(err), chartscan.ErrorMessage(err)
	status := statusOf[code]
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
		code = codeOf(he.Code)
		msg = http.StatusText(he.Code)
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		s.Logger.Error("request failed", "method", c.Request().Method, "route", c.Path(), "err", err.Error())
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="chartscan"`)
	}
	var body errorBody
	body.Error.Code, body.Error.Message = code, msg
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, body)
}

func codeOf(status int) string {
	for code, st := range statusOf {
		if st == status {
			return code
		}
	}
	if status == http.StatusMethodNotAllowed {
		return "method_not_allowed"
	}
	return chartscan.EINTERNAL
}
