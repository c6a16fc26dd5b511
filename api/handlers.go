package api

import (
	"bytes"
	"image"
	_ "image/jpeg" // page images as stored

	"encoding/json"
	"errors"
	"fmt"
	_ "golang.org/x/image/tiff"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"chartscan"
	"chartscan/audit"
	"chartscan/index"
	"chartscan/pdf"
	"chartscan/raster"
	"chartscan/records"
)

// upload takes a scan, as the raw body or a multipart field "file", into
// the pipeline: POST /api/v1/scans?profile=NAME[&name=FILE]. The body is
// streamed to disk, never held in memory.
func (s *Server) upload(c echo.Context) error {
	r := c.Request()
	profName := c.QueryParam("profile")
	if profName == "" {
		profName = "default"
	}
	prof := s.Profiles[profName]
	if prof == nil {
		return chartscan.Errorf(chartscan.EINVALID, "unknown profile %q", profName)
	}
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
	if name == "" {
		name = "upload"
	}
	job, err := s.Queue.Upload(src, name, prof)
	if err != nil {
		return s.bodyError(err)
	}
	if err := s.record(c, http.StatusAccepted, audit.Entry{Action: audit.ActionUpload, Batch: string(job.BatchID)}); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"batch_id": string(job.BatchID), "status": string(chartscan.BatchQueued)})
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
	id, err := chartscan.ParseBatchID(c.Param("id"))
	if err != nil {
		return err
	}
	b, ok := s.Queue.Status(id)
	if !ok {
		b, err = chartscan.LoadBatch(c.Request().Context(), s.Store, id)
		if chartscan.IsNotFound(err) {
			return chartscan.Errorf(chartscan.ENOTFOUND, "no batch %s", id)
		}
		if err != nil {
			return err
		}
	}
	if b.Documents == nil {
		b.Documents = []chartscan.DocumentID{}
	}
	if err := s.record(c, http.StatusOK, audit.Entry{Action: audit.ActionBatchView, Batch: string(id)}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

// search: GET /api/v1/search?q=&section=&mrn=&from=&to=&limit=&offset=.
func (s *Server) search(c echo.Context) error {
	q := index.Query{Text: c.QueryParam("q"), MRN: c.QueryParam("mrn")}
	var err error
	if v := c.QueryParam("section"); v != "" {
		if q.Section, err = chartscan.ParseSection(v); err != nil {
			return err
		}
	}
	if q.From, err = dateParam(c, "from"); err != nil {
		return err
	}
	if q.To, err = dateParam(c, "to"); err != nil {
		return err
	}
	if q.Limit, err = intParam(c, "limit", 20); err != nil {
		return err
	}
	if q.Offset, err = intParam(c, "offset", 0); err != nil {
		return err
	}
	res, err := s.Index.Search(c.Request().Context(), q)
	if err != nil {
		return err
	}
	if err := s.record(c, http.StatusOK, audit.Entry{Action: audit.ActionSearch, Query: c.QueryString()}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func dateParam(c echo.Context, name string) (time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return time.Time{}, chartscan.Errorf(chartscan.EINVALID, "%s: want a date as YYYY-MM-DD", name)
	}
	return t, nil
}

func intParam(c echo.Context, name string, def int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, chartscan.Errorf(chartscan.EINVALID, "%s: want a whole number", name)
	}
	return n, nil
}

// document: GET /api/v1/documents/{id}, the manifest with page summaries.
func (s *Server) document(c echo.Context) error {
	id := c.Param("id")
	v, err := s.Records.Document(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if err := s.record(c, http.StatusOK, audit.Entry{Action: audit.ActionDocView, Document: id, Batch: string(v.BatchID)}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// documentPDF: GET /api/v1/documents/{id}/pdf, the page images as one PDF.
func (s *Server) documentPDF(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	d, pages, err := s.Records.Pages(ctx, id)
	if err != nil {
		return err
	}
	imgs := make([]pdf.PageImage, len(pages))
	for i, p := range pages {
		r, err := s.Store.Get(ctx, p.Image)
		if err != nil {
			return fmt.Errorf("page %s image: %w", p.ID, err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return err
		}
		imgs[i] = pdf.PageImage{Image: bytes.NewReader(b), Width: p.Width, Height: p.Height, DPI: p.DPI}
	}
	var out bytes.Buffer
	if _, err := pdf.Assemble(&out, imgs); err != nil {
		return fmt.Errorf("assemble %s: %w", id, err)
	}
	if err := s.record(c, http.StatusOK, audit.Entry{Action: audit.ActionDocPDF, Document: id, Batch: string(d.BatchID)}); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf"`, id))
	return c.Blob(http.StatusOK, "application/pdf", out.Bytes())
}

// correct: PATCH /api/v1/documents/{id} with any of section, mrn,
// patient_name, service_date.
func (s *Server) correct(c echo.Context) error {
	id := c.Param("id")
	if _, _, err := chartscan.ParseDocumentID(id); err != nil {
		return err
	}
	var corr records.Correction
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&corr); err != nil {
		return chartscan.WrapError(chartscan.EINVALID, err, "body: want JSON with section, mrn, patient_name or service_date")
	}
	d, changed, err := s.Records.Correct(c.Request().Context(), id, corr, token(c).Name)
	if err != nil {
		return err
	}
	if err := s.record(c, http.StatusOK, audit.Entry{Action: audit.ActionCorrect, Document: id, Batch: string(d.BatchID), Detail: strings.Join(changed, ",")}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// page: GET /api/v1/pages/{id}, the page record.
func (s *Server) page(c echo.Context) error {
	id := c.Param("id")
	p, err := s.Records.Page(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if err := s.record(c, http.StatusOK, audit.Entry{Action: audit.ActionPageView, Page: id, Document: string(p.DocumentID), Batch: string(p.BatchID)}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// pageImage: GET /api/v1/pages/{id}/image[?format=png], streamed from
// the store as it was stored (the scan's own JPEG or TIFF, or PNG), or
// converted to PNG for viewers that do not show TIFF.
func (s *Server) pageImage(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	format := c.QueryParam("format")
	if format != "" && format != "png" {
		return chartscan.Errorf(chartscan.EINVALID, "format: only png")
	}
	p, err := s.Records.Page(ctx, id)
	if err != nil {
		return err
	}
	r, err := s.Store.Get(ctx, p.Image)
	if err != nil {
		return fmt.Errorf("page %s image: %w", id, err)
	}
	defer r.Close()
	if err := s.record(c, http.StatusOK, audit.Entry{Action: audit.ActionPageImage, Page: id, Document: string(p.DocumentID), Batch: string(p.BatchID)}); err != nil {
		return err
	}
	if format == "png" && p.ImageType != "image/png" {
		img, _, err := image.Decode(r)
		if err != nil {
			return fmt.Errorf("page %s image: %w", id, err)
		}
		b, err := raster.EncodePNG(img, p.ImageType == "image/tiff" && isBilevel(img))
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "image/png", b)
	}
	return c.Stream(http.StatusOK, p.ImageType, r)
}

// isBilevel reports whether a decoded page holds black and white only.
func isBilevel(img image.Image) bool {
	g, ok := img.(*image.Gray)
	if !ok {
		return false
	}
	for _, v := range g.Pix {
		if v != 0 && v != 255 {
			return false
		}
	}
	return true
}

// review: GET /api/v1/review?limit=&offset=, documents waiting for a person.
func (s *Server) review(c echo.Context) error {
	ctx := c.Request().Context()
	limit, err := intParam(c, "limit", 50)
	if err != nil {
		return err
	}
	offset, err := intParam(c, "offset", 0)
	if err != nil {
		return err
	}
	ids, total, err := s.Index.Review(ctx, limit, offset)
	if err != nil {
		return err
	}
	docs := make([]*chartscan.Document, 0, len(ids))
	for _, id := range ids {
		d, err := chartscan.LoadDocument(ctx, s.Store, id)
		if err != nil {
			return err
		}
		docs = append(docs, d)
	}
	if err := s.record(c, http.StatusOK, audit.Entry{Action: audit.ActionReview}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"total": total, "documents": docs})
}

// auditLog: GET /api/v1/audit?since=&actor=&document=&limit=.
func (s *Server) auditLog(c echo.Context) error {
	f := audit.Filter{Actor: c.QueryParam("actor"), Document: c.QueryParam("document")}
	if v := c.QueryParam("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse("2006-01-02", v); err != nil {
				return chartscan.Errorf(chartscan.EINVALID, "since: want RFC 3339 time or YYYY-MM-DD")
			}
		}
		f.Since = t
	}
	var err error
	if f.Limit, err = intParam(c, "limit", 1000); err != nil {
		return err
	}
	if f.Limit < 1 || f.Limit > 10000 {
		return chartscan.Errorf(chartscan.EINVALID, "limit must be 1 to 10000")
	}
	entries, err := s.Audit.Query(f)
	if err != nil {
		return err
	}
	if err := s.record(c, http.StatusOK, audit.Entry{Action: audit.ActionAuditRead, Query: c.QueryString(), Document: f.Document}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": entries})
}
