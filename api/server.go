// Package api is chartscan's HTTP API, built on Echo. It is the only
// package that imports echo; the rest of the program never sees net/http
// handlers.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"chartscan"
)

// Server serves the HTTP API.
type Server struct {
	// Health reports whether the service can serve; nil error means yes.
	Health func(ctx context.Context) error
	Logger *slog.Logger

	echo *echo.Echo
	ln   net.Listener
	srv  *http.Server
}

// New returns a server with its routes set up.
func New(health func(context.Context) error, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{Health: health, Logger: log}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.errorHandler
	e.GET("/healthz", s.healthz)
	s.echo = e
	return s
}

// Listen binds addr (":0" picks a free port).
func (s *Server) Listen(addr string) error {
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

// Serve serves on the listener until Shutdown.
func (s *Server) Serve() error {
	s.srv = &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	err := s.srv.Serve(s.ln)
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
	chartscan.EUNAUTHORIZED: http.StatusUnauthorized,
	chartscan.EFORBIDDEN:    http.StatusForbidden,
	chartscan.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	chartscan.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	chartscan.EUNAVAILABLE:  http.StatusServiceUnavailable,
	chartscan.EINTERNAL:     http.StatusInternalServerError,
}

// errorHandler writes every error as {"error":{"code","message"}}.
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
		if m, ok := he.Message.(string); ok {
			msg = m
		} else {
			msg = http.StatusText(he.Code)
		}
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		s.Logger.Error("request failed", "method", c.Request().Method, "route", c.Path(), "err", err.Error())
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
