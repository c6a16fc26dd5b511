package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"chartscan"
	"chartscan/audit"
	"chartscan/records"
)

// upload takes a scan, as the raw body or a multipart field "file", into
// the pipeline: POST /api/v1/scans?profile=NAME[&name=FILE]. The body is
// streamed to disk, never held in memory.
func (s *Server) upload(c echo.Context) error {
	r := c.Request()
	if r.ContentLength > s.MaxUpload {
		return chartscan.Errorf(chartscan.ETOOLARGE, "upload exceeds the limit of %d bytes", s.MaxUpload)
	}
	body := http.MaxBytesReader(c.Response(), r.Body, s.MaxUpload+1)
	name := c.QueryParam("name")
	var src io.Reader = body
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return chartscan.WrapError(chartscan.EINVALID, err, "malformed multipart body")
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return chartscan.Errorf(chartscan.EINVALID, `multipart body has no "file" field`)
			}
			if err != nil {
				return s.bodyError(err)
			}
			if part.FormName() == "file" {
				if name == "" {
					name = part.FileName()
				}
				src = part
				break
			}
			part.Close()
		}
	} else if name == "" {
		if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
			name = params["filename"]
		}
	}
	id, err := s.Records.Upload(r.Context(), actor(c), src, name, c.QueryParam("profile"))
	if err != nil {
		return s.bodyError(err)
	}
	return c.JSON(http.StatusAccepted, map[string]string{"batch_id": string(id), "status": string(chartscan.BatchQueued)})
}

// bodyError reports a body over the limit as 413.
func (s *Server) bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return chartscan.Errorf(chartscan.ETOOLARGE, "upload exceeds the limit of %d bytes", s.MaxUpload)
	}
	return err
}

// batch reports where an uploaded (or watched) file is: GET /api/v1/batches/{id}.
func (s *Server) batch(c echo.Context) error {
	b, err := s.Records.Batch(c.Request().Context(), actor(c), chartscan.BatchID(c.Param("id")))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

// search: GET /api/v1/search?q=&section=&mrn=&from=&to=&limit=&offset=.
func (s *Server) search(c echo.Context) error {
	q, err := chartscan.ParseSearchQuery(c.QueryParam)
	if err != nil {
		return err
	}
	res, err := s.Records.Search(c.Request().Context(), actor(c), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func intParam(param func(string) string, name string, def int) (int, error) {
	return chartscan.IntParam(param, name, def)
}

// document: GET /api/v1/documents/{id}, the manifest with page summaries.
func (s *Server) document(c echo.Context) error {
	v, err := s.Records.Document(c.Request().Context(), actor(c), chartscan.DocumentID(c.Param("id")))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// documentPDF: GET /api/v1/documents/{id}/pdf, the page images as one PDF.
func (s *Server) documentPDF(c echo.Context) error {
	id := chartscan.DocumentID(c.Param("id"))
	var out bytes.Buffer
	if _, err := s.Records.DocumentPDF(c.Request().Context(), actor(c), id, &out); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf"`, id))
	return c.Blob(http.StatusOK, "application/pdf", out.Bytes())
}

// decodeBody decodes a small JSON body into v, refusing unknown fields.
func decodeBody(c echo.Context, v any, want string) error {
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return chartscan.WrapError(chartscan.EINVALID, err, "body: want JSON with %s", want)
	}
	return nil
}

// correct: PATCH /api/v1/documents/{id} with any of section, mrn,
// patient_name, service_date (and version, to refuse a stale change).
func (s *Server) correct(c echo.Context) error {
	id := chartscan.DocumentID(c.Param("id"))
	if _, _, err := chartscan.ParseDocumentID(string(id)); err != nil {
		return err
	}
	var corr records.Correction
	if err := decodeBody(c, &corr, "section, mrn, patient_name or service_date"); err != nil {
		return err
	}
	d, _, err := s.Records.Correct(c.Request().Context(), actor(c), id, corr)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// split: POST /api/v1/documents/{id}/split {"before_page","version"}.
func (s *Server) split(c echo.Context) error {
	id := chartscan.DocumentID(c.Param("id"))
	if _, _, err := chartscan.ParseDocumentID(string(id)); err != nil {
		return err
	}
	var req struct {
		BeforePage chartscan.PageID `json:"before_page"`
		Version    int              `json:"version"`
	}
	if err := decodeBody(c, &req, "before_page"); err != nil {
		return err
	}
	kept, split, err := s.Records.Split(c.Request().Context(), actor(c), id, req.BeforePage, req.Version)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"documents": []*chartscan.Document{kept, split}})
}

// merge: POST /api/v1/documents/{id}/merge {"with","version","confirm"}.
func (s *Server) merge(c echo.Context) error {
	id := chartscan.DocumentID(c.Param("id"))
	if _, _, err := chartscan.ParseDocumentID(string(id)); err != nil {
		return err
	}
	var req struct {
		With    chartscan.DocumentID `json:"with"`
		Version int                  `json:"version"`
		Confirm bool                 `json:"confirm"`
	}
	if err := decodeBody(c, &req, "with"); err != nil {
		return err
	}
	d, err := s.Records.Merge(c.Request().Context(), actor(c), id, req.With, req.Version, req.Confirm)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// page: GET /api/v1/pages/{id}, the page record.
func (s *Server) page(c echo.Context) error {
	p, err := s.Records.Page(c.Request().Context(), actor(c), chartscan.PageID(c.Param("id")))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// pageImage: GET /api/v1/pages/{id}/image[?format=png], streamed from
// the store as it was stored (the scan's own JPEG or TIFF, or PNG), or
// converted to PNG for viewers that do not show TIFF.
func (s *Server) pageImage(c echo.Context) error {
	format := c.QueryParam("format")
	if format != records.AsStored && format != records.AsPNG {
		return chartscan.Errorf(chartscan.EINVALID, "format: only png")
	}
	r, ctype, err := s.Records.PageImage(c.Request().Context(), actor(c), chartscan.PageID(c.Param("id")), format)
	if err != nil {
		return err
	}
	defer r.Close()
	return c.Stream(http.StatusOK, ctype, r)
}

// review: GET /api/v1/review?limit=&offset=, documents waiting for a person.
func (s *Server) review(c echo.Context) error {
	limit, err := intParam(c.QueryParam, "limit", 50)
	if err != nil {
		return err
	}
	offset, err := intParam(c.QueryParam, "offset", 0)
	if err != nil {
		return err
	}
	docs, total, err := s.Records.Review(c.Request().Context(), actor(c), limit, offset)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"total": total, "documents": docs})
}

// auditLog: GET /api/v1/audit?since=&actor=&document=&limit=.
func (s *Server) auditLog(c echo.Context) error {
	f, err := audit.ParseFilter(c.QueryParam)
	if err != nil {
		return err
	}
	entries, err := s.Records.AuditLog(c.Request().Context(), actor(c), f, c.QueryString())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": entries})
}
