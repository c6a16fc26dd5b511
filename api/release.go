package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"chartscan"
	"chartscan/records"
)

// createRelease: POST /api/v1/releases, a draft release.
func (s *Server) createRelease(c echo.Context) error {
	var req records.ReleaseRequest
	if err := decodeBody(c, &req, "mrn, requester, purpose, authorization_document_id and documents or sections"); err != nil {
		return err
	}
	r, err := s.Records.CreateRelease(c.Request().Context(), actor(c), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

// approveRelease: POST /api/v1/releases/{id}/approve {"redactions":[...]}:
// the packet is made and the disclosure recorded. Without "redactions"
// every suggested redaction is burned in; with it, exactly those given.
func (s *Server) approveRelease(c echo.Context) error {
	var req struct {
		Redactions *[]chartscan.Redaction `json:"redactions"`
	}
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, 1<<20))
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return chartscan.WrapError(chartscan.EINVALID, err, "body: want JSON with redactions")
		}
	}
	var redactions []chartscan.Redaction
	if req.Redactions != nil {
		redactions = append([]chartscan.Redaction{}, *req.Redactions...)
	}
	r, err := s.Records.ApproveRelease(c.Request().Context(), actor(c), chartscan.ReleaseID(c.Param("id")), redactions)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// release: GET /api/v1/releases/{id}.
func (s *Server) release(c echo.Context) error {
	r, err := s.Records.Release(c.Request().Context(), actor(c), chartscan.ReleaseID(c.Param("id")))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// releasePDF: GET /api/v1/releases/{id}/pdf, the packet of an approved release.
func (s *Server) releasePDF(c echo.Context) error {
	id := chartscan.ReleaseID(c.Param("id"))
	var out bytes.Buffer
	if err := s.Records.ReleasePacket(c.Request().Context(), actor(c), id, &out); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf"`, id))
	return c.Blob(http.StatusOK, "application/pdf", out.Bytes())
}

// disclosures: GET /api/v1/patients/{mrn}/disclosures, the accounting of
// disclosures of one patient.
func (s *Server) disclosures(c echo.Context) error {
	ds, err := s.Records.Disclosures(c.Request().Context(), actor(c), c.Param("mrn"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"mrn": c.Param("mrn"), "disclosures": ds})
}

// createHold: POST /api/v1/holds {"mrn"|"document_id","reason"} (admin).
func (s *Server) createHold(c echo.Context) error {
	var req records.HoldRequest
	if err := decodeBody(c, &req, "mrn or document_id, and reason"); err != nil {
		return err
	}
	h, err := s.Records.CreateHold(c.Request().Context(), actor(c), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, h)
}

// holds: GET /api/v1/holds (admin).
func (s *Server) holds(c echo.Context) error {
	hs, err := s.Records.Holds(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"holds": hs})
}

// deleteHold: DELETE /api/v1/holds/{id} (admin).
func (s *Server) deleteHold(c echo.Context) error {
	if err := s.Records.DeleteHold(c.Request().Context(), actor(c), chartscan.HoldID(c.Param("id"))); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
