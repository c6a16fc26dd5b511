package api

import (
	"strings"

	"github.com/labstack/echo/v4"

	"chartscan"
	"chartscan/audit"
	"chartscan/auth"
)

const tokenKey = "chartscan.token"

// token returns the request's authenticated token, nil before require.
func token(c echo.Context) *auth.Token {
	t, _ := c.Get(tokenKey).(*auth.Token)
	return t
}

// require admits requests whose bearer token has at least role min:
// 401 without a token or with an unknown one, 403 for a lower role. Both
// refusals are audited.
func (s *Server) require(min chartscan.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Request().Header.Get("Authorization")
			secret, ok := strings.CutPrefix(h, "Bearer ")
			secret = strings.TrimSpace(secret)
			if !ok || secret == "" {
				s.deny(c, 401, "", "")
				return chartscan.Errorf(chartscan.EUNAUTHORIZED, "a bearer token is required")
			}
			t, err := s.Tokens.Authenticate(secret)
			if err != nil {
				if chartscan.ErrorCode(err) != chartscan.EUNAUTHORIZED {
					return err
				}
				s.deny(c, 401, "", "")
				return chartscan.Errorf(chartscan.EUNAUTHORIZED, "invalid token")
			}
			if !t.Role.Allows(min) {
				s.deny(c, 403, t.Name, string(t.Role))
				return chartscan.Errorf(chartscan.EFORBIDDEN, "the %s role may not do this (needs %s)", t.Role, min)
			}
			c.Set(tokenKey, t)
			return next(c)
		}
	}
}

// deny audits a refused request. A refusal that cannot be audited is
// still refused.
func (s *Server) deny(c echo.Context, status int, actor, role string) {
	if err := s.Audit.Record(audit.Entry{
		Actor: actor, Role: role, Action: audit.ActionDenied, Client: c.RealIP(), Via: chartscan.ViaAPI,
		Status: status, Detail: c.Request().Method + " " + c.Path(),
	}); err != nil {
		s.Logger.Error("audit log write failed", "err", err.Error())
	}
}

// actor is who the request's token says is asking, from where.
func actor(c echo.Context) chartscan.Actor {
	a := chartscan.Actor{Client: c.RealIP(), Via: chartscan.ViaAPI}
	if t := token(c); t != nil {
		a.Name, a.Role = t.Name, t.Role
	}
	return a
}
