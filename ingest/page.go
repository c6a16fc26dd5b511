package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"strings"
	"time"

	"chartscan"
	"chartscan/barcode"
	"chartscan/ocr"
	"chartscan/raster"
)

// scannedPage is one page as the pipeline leaves it for assembly: the
// record that is stored, and what its barcodes said, parsed once.
type scannedPage struct {
	page *chartscan.Page
	// cover is the parsed cover sheet of a cover page; nil for any other
	// page, and for a damaged sheet (which still ends a document).
	cover *chartscan.CoverSheet
	// ocr is how long the engine took on the page; 0 when not read.
	ocr time.Duration
}

// pageWork is a page on its way through the steps of Pipeline.page.
type pageWork struct {
	pg      *chartscan.Page
	cover   *chartscan.CoverSheet
	img     image.Image // upright once recognised
	gray    *image.Gray // img as the engine and the barcode reader see it
	bilevel bool
	// encoded is the scan's own encoding of img (encType its MIME type),
	// kept while the page needs no turn; nil otherwise.
	encoded []byte
	encType string
	// quality is the page's quality record as it is being filled in (see
	// quality.go), and cutOff the edges of the scan that cut through text.
	quality *chartscan.PageQuality
	cutOff  []string
	// turned is the clockwise turn OCR found the page needed (0, 90, 180,
	// 270), beyond the one the file gave.
	turned int
	// Timings of the steps, for the debug log.
	tKind, tOCR, tEncode, tStore time.Duration
	orientationChecked           bool
}

// safePage is page, with a panic in a dependency (an image decoder, the
// barcode reader) turned into that page's error: the other pages go on.
func (p *Pipeline) safePage(ctx context.Context, id chartscan.BatchID, prof *chartscan.Profile, n int, rp *raster.Page, rerr error, log *slog.Logger) (sp scannedPage, err error) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("panic while processing a page", "page", n, "panic", fmt.Sprint(r))
			pg := newPageRecord(id, n)
			pg.Error = "reading this page crashed chartscan's reader"
			sp, err = scannedPage{page: pg}, nil
		}
	}()
	return p.page(ctx, id, prof, n, rp, rerr, log)
}

// newPageRecord returns the record of page n of a batch before anything
// is known of it.
func newPageRecord(id chartscan.BatchID, n int) *chartscan.Page {
	return &chartscan.Page{
		ID: id.Page(n), BatchID: id, Number: n, Kind: chartscan.PageContent,
		Section: chartscan.SectionOther, Words: []chartscan.Word{},
	}
}

// page processes one page in named steps: kind (blank, cover, separator
// or content), recognise (OCR of content pages, turning them upright),
// encoding (the scan's own where it can be kept, else PNG) and store (the
// page image). The page record itself is stored with the others once the
// batch is assembled. A page that cannot be read keeps its error in the
// record; the error return is for resource failures only.
func (p *Pipeline) page(ctx context.Context, id chartscan.BatchID, prof *chartscan.Profile, n int, rp *raster.Page, rerr error, log *slog.Logger) (scannedPage, error) {
	pg := newPageRecord(id, n)
	if rerr != nil {
		if ctx.Err() != nil {
			return scannedPage{}, ctx.Err()
		}
		pg.Error = chartscan.ErrorMessage(rerr)
		pg.Quality = &chartscan.PageQuality{Rescan: []string{"unreadable: " + pg.Error}}
		log.Warn("page unreadable", "page", n, "reason", pg.Error)
		return scannedPage{page: pg}, nil
	}
	pg.Rendered, pg.Rotation = rp.Rendered, rp.Rotation
	w := &pageWork{
		pg: pg, img: rp.Image, gray: raster.Gray(rp.Image), bilevel: rp.Bilevel,
		encoded: rp.Encoded, encType: rp.EncodedType,
	}
	t0 := time.Now()
	measure(w, rp, prof) // sets pg.DPI
	p.kind(w, prof)
	if pg.Kind == chartscan.PageContent {
		if err := p.recognise(ctx, w, prof, log); err != nil {
			return scannedPage{}, err
		}
	}
	judge(w, prof)
	b := w.img.Bounds()
	pg.Width, pg.Height = b.Dx(), b.Dy()
	if err := encoding(w); err != nil {
		return scannedPage{}, fmt.Errorf("encode page %d: %w", n, err)
	}
	if err := p.storeImage(ctx, w); err != nil {
		return scannedPage{}, err
	}
	log.Debug("page done", "page", n, "kind", string(pg.Kind), "rotation", pg.Rotation, "orientation_checked", w.orientationChecked,
		"ms_total", time.Since(t0).Milliseconds(), "ms_kind", w.tKind.Milliseconds(), "ms_ocr", w.tOCR.Milliseconds(),
		"ms_encode", w.tEncode.Milliseconds(), "ms_store", w.tStore.Milliseconds())
	return scannedPage{page: pg, cover: w.cover, ocr: w.tOCR}, nil
}

// kind decides what a page is for: blank (too little ink), a cover or
// separator sheet (its barcode says so; no OCR), or content, which keeps
// the texts of its barcodes. Barcodes are read once, here.
func (p *Pipeline) kind(w *pageWork, prof *chartscan.Profile) {
	start := time.Now()
	defer func() { w.tKind = time.Since(start) }()
	pg := w.pg
	pg.Ink = raster.Ink(w.gray, pg.DPI)
	if prof.Separation.BlankPages && pg.Ink < prof.Separation.BlankThreshold {
		pg.Kind = chartscan.PageBlank
		return
	}
	kind, payload, cover, others := coverSheet(prof, w.gray, pg.DPI)
	if kind != "" {
		pg.Kind, pg.Barcode, w.cover = kind, payload, cover
		return
	}
	pg.Barcodes = others
}

// recognise reads a content page. A page the engine turned upright is
// turned here too, and loses the scan's own encoding.
func (p *Pipeline) recognise(ctx context.Context, w *pageWork, prof *chartscan.Profile, log *slog.Logger) error {
	start := time.Now()
	defer func() { w.tOCR = time.Since(start) }()
	pg := w.pg
	langs := prof.OCR.Languages
	if len(langs) == 0 {
		langs = p.Languages
	}
	res, err := p.OCR.Recognize(ctx, w.gray, ocr.Options{
		DPI: pg.DPI, Bilevel: w.bilevel, DetectOrientation: prof.OCR.DetectOrientation, Languages: langs,
		Skew: w.quality.Skew,
	})
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, ocr.ErrTimeout):
		pg.Error = "OCR did not finish within the page timeout"
		log.Warn("page OCR timed out", "page", pg.Number)
	case err != nil:
		pg.Error = "OCR failed on this page"
		log.Warn("page OCR failed", "page", pg.Number, "err", err.Error())
	default:
		pg.Text, pg.Words, pg.Confidence = res.Text, res.Words, res.Confidence
		w.orientationChecked = res.OrientationChecked
		log.Debug("page read", "page", pg.Number, "dpi", pg.DPI, "layout", res.Layout,
			"full_resolution", res.FullResolution, "straightened", res.Straightened, "readings", res.Readings)
		if res.Rotation != 0 {
			w.turned = res.Rotation
			w.img = raster.Rotate(w.img, res.Rotation)
			pg.Rotation = (pg.Rotation + res.Rotation) % 360
			w.encoded, w.encType = nil, ""
		}
	}
	return nil
}

// encoding chooses how the page image is stored. The scan's own encoding
// is kept when the page needed no turn: JPEG as JPEG, CCITT and other
// lossless TIFF data as TIFF. Anything else is stored as PNG, which loses
// nothing either.
func encoding(w *pageWork) error {
	start := time.Now()
	defer func() { w.tEncode = time.Since(start) }()
	ext := imageExt[w.encType]
	if ext == "" {
		b, err := raster.EncodePNG(w.img, w.bilevel)
		if err != nil {
			return err
		}
		w.encoded, w.encType, ext = b, "image/png", "png"
	}
	w.pg.Image, w.pg.ImageType = chartscan.PageImageKey(w.pg.BatchID, w.pg.Number, ext), w.encType
	return nil
}

// imageExt gives the object key extension of each stored image type.
var imageExt = map[string]string{"image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif"}

// storeImage puts the page image in the object store.
func (p *Pipeline) storeImage(ctx context.Context, w *pageWork) error {
	start := time.Now()
	defer func() { w.tStore = time.Since(start) }()
	return p.Store.Put(ctx, w.pg.Image, bytes.NewReader(w.encoded), int64(len(w.encoded)), w.encType)
}

// coverSheet reads the barcodes of a page, once, and returns its kind
// when it is a sheet: a cover sheet (a CS1 payload, with its values when
// it parses) or a separator sheet (CS1;sep, or a text of the profile's
// separator_barcodes). Otherwise it returns the texts of the page's
// barcodes, top to bottom, for the document and label rules of assembly.
// CS1 sheets count only when the profile takes cover sheets; separator
// barcodes count whenever the profile lists any, so that a site can use
// PATCHT sheets without printing chartscan's own.
func coverSheet(prof *chartscan.Profile, g *image.Gray, dpi int) (kind chartscan.PageKind, payload string, cs *chartscan.CoverSheet, others []string) {
	sep := prof.Separation
	if !sep.CoverSheets && len(sep.SeparatorBarcodes) == 0 && len(sep.DocumentBarcodes) == 0 && len(sep.LabelBarcodes) == 0 {
		return "", "", nil, nil
	}
	syms := barcode.Find(g, dpi)
	for _, s := range syms {
		if !sep.CoverSheets || !strings.HasPrefix(s.Text, chartscan.CoverSheetPrefix) {
			continue
		}
		sheet, err := chartscan.ParseCoverSheet(s.Text)
		switch {
		case err != nil:
			// A damaged sheet still marks a boundary; its values are lost
			// and the document will need review.
			return chartscan.PageCover, s.Text, nil, nil
		case sheet.Separator:
			return chartscan.PageSeparator, s.Text, nil, nil
		default:
			return chartscan.PageCover, s.Text, sheet, nil
		}
	}
	for _, s := range syms {
		for _, t := range sep.SeparatorBarcodes {
			if strings.EqualFold(strings.TrimSpace(s.Text), strings.TrimSpace(t)) {
				return chartscan.PageSeparator, s.Text, nil, nil
			}
		}
	}
	for _, s := range syms {
		others = append(others, s.Text)
	}
	return "", "", nil, others
}
