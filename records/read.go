package records

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // page images as stored
	_ "image/png"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/tiff"

	"chartscan"
	"chartscan/audit"
	"chartscan/pdf"
	"chartscan/raster"
)

// Upload takes a scan into the pipeline for the named profile ("" is
// "default") and returns its batch id once it is safely on disk. Scanner
// role. An unknown profile is EINVALID.
func (s *Service) Upload(ctx context.Context, a chartscan.Actor, r io.Reader, name, profile string) (chartscan.BatchID, error) {
	if err := grant(a, chartscan.RoleScanner); err != nil {
		return "", err
	}
	if s.Intake == nil {
		return "", chartscan.Errorf(chartscan.EUNAVAILABLE, "this node does not capture (node.role search)")
	}
	if profile == "" {
		profile = "default"
	}
	prof := s.Profiles[profile]
	if prof == nil {
		return "", chartscan.Errorf(chartscan.EINVALID, "unknown profile %q", profile)
	}
	if name == "" {
		name = "upload"
	}
	id, err := s.Intake.Receive(r, name, prof)
	if err != nil {
		return "", err
	}
	return recorded(id, s.record(a, http.StatusAccepted, audit.Entry{Action: audit.ActionUpload, Batch: string(id)}))
}

// Batch returns a batch: its state while it is queued or being processed,
// its stored record after. Scanner role.
func (s *Service) Batch(ctx context.Context, a chartscan.Actor, id chartscan.BatchID) (*chartscan.Batch, error) {
	if err := grant(a, chartscan.RoleScanner); err != nil {
		return nil, err
	}
	if !id.Valid() {
		return nil, chartscan.Errorf(chartscan.EINVALID, "malformed batch id")
	}
	var b *chartscan.Batch
	if s.Intake != nil {
		b, _ = s.Intake.Status(id)
	}
	if b == nil {
		var err error
		b, err = chartscan.LoadBatch(ctx, s.Store, id)
		if chartscan.IsNotFound(err) {
			return nil, chartscan.Errorf(chartscan.ENOTFOUND, "no batch %s", id)
		}
		if err != nil {
			return nil, err
		}
	}
	if b.Documents == nil {
		b.Documents = []chartscan.DocumentID{}
	}
	return recorded(b, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionBatchView, Batch: string(id)}))
}

// PageSummary is what a document view shows of each page.
type PageSummary struct {
	ID                chartscan.PageID  `json:"id"`
	Number            int               `json:"number"`
	Section           chartscan.Section `json:"section"`
	SectionConfidence float64           `json:"section_confidence"`
	Confidence        float64           `json:"confidence"`
	ImageType         string            `json:"image_type"`
	Width             int               `json:"width"`
	Height            int               `json:"height"`
	Error             string            `json:"error,omitempty"`
}

// DocumentView is a manifest with a summary of its pages.
type DocumentView struct {
	*chartscan.Document
	PageDetails []PageSummary `json:"page_details"`
}

// Document returns a document with its pages' summaries. Technician role.
// Malformed ids are EINVALID, unknown ones ENOTFOUND.
func (s *Service) Document(ctx context.Context, a chartscan.Actor, id chartscan.DocumentID) (*DocumentView, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, err
	}
	d, pages, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &DocumentView{Document: d, PageDetails: make([]PageSummary, len(pages))}
	for i, p := range pages {
		v.PageDetails[i] = PageSummary{
			ID: p.ID, Number: p.Number, Section: p.Section, SectionConfidence: p.SectionConfidence,
			Confidence: p.Confidence, ImageType: p.ImageType, Width: p.Width, Height: p.Height, Error: p.Error,
		}
	}
	return recorded(v, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionDocView, Document: string(id), Batch: string(d.BatchID)}))
}

// DocumentPDF writes a document's page images, in order and at their
// scanned size, as one PDF to w. The PDF is the same, byte for byte, until
// the document changes. Technician role. Nothing is written to w unless
// the whole PDF could be made and the access recorded.
func (s *Service) DocumentPDF(ctx context.Context, a chartscan.Actor, id chartscan.DocumentID, w io.Writer) (*chartscan.Document, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, err
	}
	d, out, err := s.documentPDF(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionDocPDF, Document: string(id), Batch: string(d.BatchID)}); err != nil {
		return nil, err
	}
	_, err = w.Write(out)
	return d, err
}

// documentPDF makes a document's PDF, without audit (callers record).
func (s *Service) documentPDF(ctx context.Context, id chartscan.DocumentID) (*chartscan.Document, []byte, error) {
	d, pages, err := s.load(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if len(pages) == 0 {
		return nil, nil, chartscan.Errorf(chartscan.ENOTFOUND, "document %s has no pages (merged into %s)", id, d.MergedInto)
	}
	imgs := make([]pdf.PageImage, len(pages))
	for i, p := range pages {
		b, err := s.readObject(ctx, p.Image)
		if err != nil {
			return nil, nil, fmt.Errorf("page %s image: %w", p.ID, err)
		}
		imgs[i] = pdf.PageImage{Image: bytes.NewReader(b), Width: p.Width, Height: p.Height, DPI: p.DPI}
	}
	var out bytes.Buffer
	if _, err := pdf.AssembleAt(&out, imgs, changedAt(d)); err != nil {
		return nil, nil, fmt.Errorf("assemble %s: %w", id, err)
	}
	return d, out.Bytes(), nil
}

// changedAt is when a document last changed: the date of its PDF.
func changedAt(d *chartscan.Document) time.Time {
	if d.CorrectedAt != nil {
		return *d.CorrectedAt
	}
	return d.ScannedAt
}

func (s *Service) readObject(ctx context.Context, key string) ([]byte, error) {
	r, err := s.Store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// Page returns a page record. Technician role. Malformed ids are
// EINVALID, unknown ones ENOTFOUND.
func (s *Service) Page(ctx context.Context, a chartscan.Actor, id chartscan.PageID) (*chartscan.Page, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, err
	}
	p, err := s.loadPage(ctx, id)
	if err != nil {
		return nil, err
	}
	return recorded(p, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionPageView, Page: string(id), Document: string(p.DocumentID), Batch: string(p.BatchID)}))
}

// Image formats PageImage can be asked for.
const (
	AsStored = ""      // the image as it was stored (PNG, the scan's JPEG or TIFF)
	AsPNG    = "png"   // PNG, converted when stored otherwise
	AsWeb    = "web"   // as stored when a browser shows it (PNG, JPEG), else PNG
	AsThumb  = "thumb" // a grey PNG ThumbWidth pixels wide
)

// ThumbWidth is the width of a page thumbnail, in pixels.
const ThumbWidth = 160

// PageImage opens a page image: as stored, or converted for viewers that
// do not show TIFF. The caller must close the reader. Technician role. An
// unknown format is EINVALID.
func (s *Service) PageImage(ctx context.Context, a chartscan.Actor, id chartscan.PageID, format string) (io.ReadCloser, string, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, "", err
	}
	if format != AsStored && format != AsPNG && format != AsWeb && format != AsThumb {
		return nil, "", chartscan.Errorf(chartscan.EINVALID, "format: only png")
	}
	p, err := s.loadPage(ctx, id)
	if err != nil {
		return nil, "", err
	}
	r, err := s.Store.Get(ctx, p.Image)
	if err != nil {
		return nil, "", fmt.Errorf("page %s image: %w", id, err)
	}
	convert := (format == AsPNG && p.ImageType != "image/png") || (format == AsWeb && p.ImageType == "image/tiff") || format == AsThumb
	var out io.ReadCloser = r
	ctype := p.ImageType
	if convert {
		img, _, err := image.Decode(r)
		r.Close()
		if err != nil {
			return nil, "", fmt.Errorf("page %s image: %w", id, err)
		}
		var b []byte
		if format == AsThumb {
			b, err = thumbnail(img)
		} else {
			b, err = raster.EncodePNG(img, p.ImageType == "image/tiff" && isBilevel(img))
		}
		if err != nil {
			return nil, "", err
		}
		out, ctype = io.NopCloser(bytes.NewReader(b)), "image/png"
	}
	if err := s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionPageImage, Page: string(id), Document: string(p.DocumentID), Batch: string(p.BatchID)}); err != nil {
		out.Close()
		return nil, "", err
	}
	return out, ctype, nil
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

// Review returns the documents waiting for a person, oldest first, and
// how many there are. Technician role.
func (s *Service) Review(ctx context.Context, a chartscan.Actor, limit, offset int) ([]*chartscan.Document, int, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, 0, err
	}
	idx, err := s.index()
	if err != nil {
		return nil, 0, err
	}
	ids, total, err := idx.Review(ctx, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	docs := make([]*chartscan.Document, 0, len(ids))
	for _, id := range ids {
		d, err := chartscan.LoadDocument(ctx, s.Store, id)
		if err != nil {
			return nil, 0, err
		}
		docs = append(docs, d)
	}
	// The queue shows patients: the entry names the documents shown.
	if err := s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionReview, Detail: documentList(ids)}); err != nil {
		return nil, 0, err
	}
	return docs, total, nil
}

// ReviewCount returns how many documents wait for a person, without
// recording an access (no record is read): for the metrics.
func (s *Service) ReviewCount(ctx context.Context) (int, error) {
	idx, err := s.index()
	if err != nil {
		return 0, err
	}
	_, total, err := idx.Review(ctx, 1, 0)
	return total, err
}

// AuditLog returns the audit entries f selects, newest first. Admin role;
// the reading is itself recorded.
func (s *Service) AuditLog(ctx context.Context, a chartscan.Actor, f audit.Filter, query string) ([]audit.Entry, error) {
	if err := grant(a, chartscan.RoleAdmin); err != nil {
		return nil, err
	}
	entries, err := s.Audit.Query(f)
	if err != nil {
		return nil, err
	}
	return recorded(entries, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionAuditRead, Query: query, Document: f.Document}))
}

// load reads a document and its page records.
func (s *Service) load(ctx context.Context, id chartscan.DocumentID) (*chartscan.Document, []*chartscan.Page, error) {
	if _, _, err := chartscan.ParseDocumentID(string(id)); err != nil {
		return nil, nil, err
	}
	d, err := chartscan.LoadDocument(ctx, s.Store, id)
	if err != nil {
		if chartscan.IsNotFound(err) {
			return nil, nil, chartscan.Errorf(chartscan.ENOTFOUND, "no document %s", id)
		}
		return nil, nil, err
	}
	pages, err := chartscan.LoadPages(ctx, s.Store, d.Pages)
	if err != nil {
		return nil, nil, fmt.Errorf("document %s: %w", id, err)
	}
	return d, pages, nil
}

// loadPage reads one page record.
func (s *Service) loadPage(ctx context.Context, id chartscan.PageID) (*chartscan.Page, error) {
	if _, _, err := chartscan.ParsePageID(string(id)); err != nil {
		return nil, err
	}
	p, err := chartscan.LoadPage(ctx, s.Store, id)
	if chartscan.IsNotFound(err) {
		return nil, chartscan.Errorf(chartscan.ENOTFOUND, "no page %s", id)
	}
	return p, err
}

// thumbnail scales a page image to ThumbWidth pixels wide, in grey.
func thumbnail(img image.Image) ([]byte, error) {
	b := img.Bounds()
	if b.Dx() == 0 || b.Dy() == 0 {
		return nil, chartscan.Errorf(chartscan.EINVALID, "empty page image")
	}
	h := max(1, b.Dy()*ThumbWidth/b.Dx())
	dst := image.NewGray(image.Rect(0, 0, ThumbWidth, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return raster.EncodePNG(dst, false)
}

// documentList is the Detail of an audit entry of an access to several
// documents: their ids, comma separated.
func documentList(ids []chartscan.DocumentID) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(id))
	}
	return b.String()
}
