// Package ingest turns scanned files into stored, indexed documents: the
// pipeline (one file at a time: split, OCR, classify, group into
// documents, store, index), the queue that feeds it from a work folder, and
// the watcher over the scanner inboxes. It is the only package that
// imports fsnotify.
package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"chartscan"
	"chartscan/barcode"
	"chartscan/ocr"
	"chartscan/raster"
)

// Recognizer reads page images. *ocr.Pool implements it.
type Recognizer interface {
	Recognize(ctx context.Context, img *image.Gray, opt ocr.Options) (*ocr.Result, error)
}

// Indexer makes a stored batch searchable. *index.Index implements it.
type Indexer interface {
	// Put replaces whatever the index holds for the batch with the pages
	// of docs, atomically.
	Put(ctx context.Context, batch *chartscan.Batch, docs []*chartscan.Document, pages map[chartscan.PageID]*chartscan.Page) error
}

// Pipeline processes one scanned file at a time; several Process calls
// may run at once and share the OCR engines. The zero value is not usable:
// set Store, Index, OCR and Classifier.
type Pipeline struct {
	Store      chartscan.ObjectStore
	Index      Indexer
	OCR        Recognizer
	Classifier chartscan.Classifier
	// Limits bound the pages and pixels of a file.
	Limits raster.Limits
	// MaxFileSize is the largest file accepted, in bytes; 0 means no limit.
	MaxFileSize int64
	// Languages are the OCR languages when a profile names none.
	Languages []string
	// PagesInFlight bounds the decoded pages held in memory at once, over
	// all the files being processed: enough to keep every OCR engine busy,
	// few enough to keep memory flat on a file of hundreds of pages.
	// 0 means 4.
	PagesInFlight int

	semOnce sync.Once
	sem     chan struct{}

	busyMu sync.Mutex
	busy   map[chartscan.BatchID]chan struct{} // batches being processed
	// Logger receives progress by batch id and page number, never content.
	Logger *slog.Logger
	// OnPage, if set, is called after each page is processed.
	OnPage func(chartscan.BatchID)
	// OnPages, if set, is called with a file's page count once it is known.
	OnPages func(chartscan.BatchID, int)
}

// Source is a file to ingest.
type Source struct {
	Path       string // where the file is now
	Name       string // its name as received (sanitised before use)
	Profile    *chartscan.Profile
	ReceivedAt time.Time
}

// Result statuses.
const (
	StatusDone      = "done"
	StatusDuplicate = "duplicate"
	StatusFailed    = "failed"
)

// Result is the outcome of processing one file.
type Result struct {
	BatchID   chartscan.BatchID
	Status    string // StatusDone, StatusDuplicate or StatusFailed
	Pages     int
	Documents []chartscan.DocumentID
	// Err is why the file failed (Status failed): something wrong with
	// the file itself. Its chartscan error message is safe to show.
	Err error
	// PageErrors say which pages of a done file could not be read, and
	// why ("page 3: ..."). The rest of the file went through.
	PageErrors []string
}

// Process ingests one file. A problem with the file itself (damaged,
// unsupported, too large) gives a Result with Status failed and a reason.
// A problem with chartscan's own resources (object store or index
// unavailable, ctx cancelled) is returned as an error instead: the file is
// fine and must be processed again later. Processing the same file again
// is harmless: every write goes to the same content-derived keys.
func (p *Pipeline) Process(ctx context.Context, src Source) (res *Result, err error) {
	log := p.log()
	defer func() {
		// A bug or a dependency's panic while reading this file costs
		// this file, never the service; the file is kept.
		if r := recover(); r != nil {
			log.Error("panic while processing a file", "panic", fmt.Sprint(r))
			id := chartscan.BatchID("")
			if res != nil {
				id = res.BatchID
			}
			res, err = &Result{BatchID: id, Status: StatusFailed, Err: chartscan.Errorf(chartscan.EINTERNAL, "reading this file crashed chartscan's reader (%v); the file is kept", r)}, nil
		}
	}()
	start := time.Now()
	name := chartscan.SafeName(src.Name)
	sum, size, err := hashFile(src.Path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	id := chartscan.NewBatchID(sum)
	res = &Result{BatchID: id}
	log = log.With("batch", string(id), "profile", src.Profile.Name)
	if p.MaxFileSize > 0 && size > p.MaxFileSize {
		res.Status, res.Err = StatusFailed, chartscan.Errorf(chartscan.ETOOLARGE, "file of %d bytes exceeds the limit of %d bytes", size, p.MaxFileSize)
		return res, nil
	}

	// Two copies of one file dropped together are taken one after the
	// other: the second then finds the first done.
	unlock, err := p.lockBatch(ctx, id)
	if err != nil {
		return nil, err
	}
	defer unlock()

	prev, err := chartscan.LoadBatch(ctx, p.Store, id)
	switch {
	case err == nil && prev.Status == chartscan.BatchDone:
		res.Status, res.Pages, res.Documents = StatusDuplicate, prev.Pages, prev.Documents
		log.Info("duplicate file", "pages", prev.Pages)
		return res, nil
	case err != nil && !chartscan.IsNotFound(err):
		return nil, err
	}

	file, err := raster.Open(src.Path, p.Limits)
	if err != nil {
		if chartscan.ErrorCode(err) == chartscan.EINTERNAL {
			return nil, err
		}
		res.Status, res.Err = StatusFailed, err
		log.Warn("file rejected", "reason", chartscan.ErrorMessage(err))
		return res, nil
	}
	defer file.Close()
	n := file.NumPages()
	if p.OnPages != nil {
		p.OnPages(id, n)
	}

	// The original goes to the store first: from here on it is safe.
	if err := putFile(ctx, p.Store, chartscan.SourceKey(id, name), src.Path, size); err != nil {
		return nil, err
	}

	pages, err := p.pages(ctx, id, src.Profile, file, log)
	if err != nil {
		return nil, err
	}
	if readable := countReadable(pages); readable == 0 {
		// Not one page could be read: the file itself is bad.
		res.Status, res.Err = StatusFailed, chartscan.Errorf(chartscan.EINVALID, "no page could be read (%s)", pages[0].Error)
		log.Warn("file rejected", "reason", chartscan.ErrorMessage(res.Err))
		return res, nil
	}
	scannedAt := src.ReceivedAt
	if scannedAt.IsZero() {
		scannedAt = time.Now()
	}
	docs := (&Assembler{Classifier: p.Classifier}).Assemble(id, src.Profile, pages, scannedAt.UTC())

	byID := map[chartscan.PageID]*chartscan.Page{}
	for _, pg := range pages {
		byID[pg.ID] = pg
		if err := chartscan.PutJSON(ctx, p.Store, chartscan.PageRecordKey(id, pg.Number), pg); err != nil {
			return nil, err
		}
	}
	docIDs := make([]chartscan.DocumentID, len(docs))
	keep := map[string]bool{}
	for i, d := range docs {
		docIDs[i] = d.ID
		keep[chartscan.DocumentKey(d.ID)] = true
		if err := chartscan.PutJSON(ctx, p.Store, chartscan.DocumentKey(d.ID), d); err != nil {
			return nil, err
		}
	}
	// A run cut short may have left manifests this run did not write.
	err = p.Store.List(ctx, chartscan.DocumentsPrefix(id), func(o chartscan.ObjectInfo) error {
		if keep[o.Key] || strings.HasPrefix(o.Key, "documents/versions/") {
			return nil
		}
		return p.Store.Delete(ctx, o.Key)
	})
	if err != nil {
		return nil, err
	}

	for _, pg := range pages {
		if pg.Error != "" {
			res.PageErrors = append(res.PageErrors, fmt.Sprintf("page %d: %s", pg.Number, pg.Error))
		}
	}
	done := time.Now().UTC()
	batch := &chartscan.Batch{
		ID: id, Profile: src.Profile.Name, SourceName: name, Size: size,
		SHA256: hex.EncodeToString(sum), Status: chartscan.BatchDone,
		Pages: n, Documents: docIDs, ReceivedAt: scannedAt.UTC(), DoneAt: &done,
	}
	if len(res.PageErrors) > 0 {
		batch.Error = fmt.Sprintf("%d of %d pages could not be read", len(res.PageErrors), n)
	}
	if err := p.Index.Put(ctx, batch, docs, byID); err != nil {
		return nil, fmt.Errorf("index batch %s: %w", id, err)
	}
	// The batch record is the commit: written last, it says every object
	// of the batch is stored and indexed.
	if err := chartscan.PutJSON(ctx, p.Store, chartscan.BatchKey(id), batch); err != nil {
		return nil, err
	}
	res.Status, res.Pages, res.Documents = StatusDone, n, docIDs
	log.Info("file ingested", "pages", n, "documents", len(docs), "seconds", time.Since(start).Seconds())
	return res, nil
}

// lockBatch waits until no other call of this pipeline is processing
// batch id, then marks it busy until unlock is called.
func (p *Pipeline) lockBatch(ctx context.Context, id chartscan.BatchID) (unlock func(), err error) {
	for {
		p.busyMu.Lock()
		wait, busy := p.busy[id]
		if !busy {
			if p.busy == nil {
				p.busy = map[chartscan.BatchID]chan struct{}{}
			}
			done := make(chan struct{})
			p.busy[id] = done
			p.busyMu.Unlock()
			return func() {
				p.busyMu.Lock()
				delete(p.busy, id)
				p.busyMu.Unlock()
				close(done)
			}, nil
		}
		p.busyMu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (p *Pipeline) log() *slog.Logger {
	if p.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Logger
}

// pages processes every page of file, several at a time, and returns the
// page records in order. Errors of single pages are kept in their records;
// only resource errors are returned.
func (p *Pipeline) pages(ctx context.Context, id chartscan.BatchID, prof *chartscan.Profile, file raster.File, log *slog.Logger) ([]*chartscan.Page, error) {
	n := file.NumPages()
	out := make([]*chartscan.Page, n)
	p.semOnce.Do(func() {
		n := p.PagesInFlight
		if n <= 0 {
			n = 4
		}
		p.sem = make(chan struct{}, n)
	})
	sem := p.sem
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
		mu.Unlock()
	}
	for i := 1; i <= n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		rp, rerr := file.Page(ctx, i)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			pg, err := p.safePage(ctx, id, prof, i, rp, rerr, log)
			if err != nil {
				fail(err)
				return
			}
			out[i-1] = pg
			if p.OnPage != nil {
				p.OnPage(id)
			}
		}(i)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// safePage is page, with a panic in a dependency (an image decoder, the
// barcode reader) turned into that page's error: the other pages go on.
func (p *Pipeline) safePage(ctx context.Context, id chartscan.BatchID, prof *chartscan.Profile, n int, rp *raster.Page, rerr error, log *slog.Logger) (pg *chartscan.Page, err error) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("panic while processing a page", "page", n, "panic", fmt.Sprint(r))
			pg, err = &chartscan.Page{
				ID: id.Page(n), BatchID: id, Number: n, Kind: chartscan.PageContent, Section: chartscan.SectionOther,
				Words: []chartscan.Word{}, Error: "reading this page crashed chartscan's reader",
			}, nil
		}
	}()
	return p.page(ctx, id, prof, n, rp, rerr, log)
}

// page processes one page: blank check, OCR (turning the page upright when
// needed), and storing the page image. A page that cannot be read keeps
// its error in the record; the error return is for resource failures.
func (p *Pipeline) page(ctx context.Context, id chartscan.BatchID, prof *chartscan.Profile, n int, rp *raster.Page, rerr error, log *slog.Logger) (*chartscan.Page, error) {
	pg := &chartscan.Page{
		ID: id.Page(n), BatchID: id, Number: n, Kind: chartscan.PageContent,
		Section: chartscan.SectionOther, Words: []chartscan.Word{},
	}
	if rerr != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		pg.Error = chartscan.ErrorMessage(rerr)
		log.Warn("page unreadable", "page", n, "reason", pg.Error)
		return pg, nil
	}
	pg.DPI = rp.DPI
	if pg.DPI == 0 {
		pg.DPI = prof.OCR.DefaultDPI
	}
	pg.Rendered = rp.Rendered
	img, rotation := rp.Image, rp.Rotation
	encoded, encType := rp.Encoded, rp.EncodedType
	t0 := time.Now()
	gray := raster.Gray(img)
	pg.Ink = raster.Ink(gray, pg.DPI)
	var tBarcode, tOCR time.Duration
	orientationChecked := false

	if prof.Separation.BlankPages && pg.Ink < prof.Separation.BlankThreshold {
		pg.Kind = chartscan.PageBlank
	} else if kind, payload := timed(&tBarcode, func() (chartscan.PageKind, string) { return coverSheet(prof, gray, pg.DPI) }); kind != "" {
		// Cover and separator sheets are not document pages: no OCR.
		pg.Kind, pg.Barcode = kind, payload
	} else {
		tStart := time.Now()
		langs := prof.OCR.Languages
		if len(langs) == 0 {
			langs = p.Languages
		}
		res, err := p.OCR.Recognize(ctx, gray, ocr.Options{
			DPI: pg.DPI, Bilevel: rp.Bilevel, DetectOrientation: prof.OCR.DetectOrientation, Languages: langs,
		})
		tOCR = time.Since(tStart)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(err, ocr.ErrTimeout):
			pg.Error = "OCR did not finish within the page timeout"
			log.Warn("page OCR timed out", "page", n)
		case err != nil:
			pg.Error = "OCR failed on this page"
			log.Warn("page OCR failed", "page", n, "err", err.Error())
		default:
			pg.Text, pg.Words, pg.Confidence = res.Text, res.Words, res.Confidence
			orientationChecked = res.OrientationChecked
			if res.Rotation != 0 {
				img = raster.Rotate(img, res.Rotation)
				rotation = (rotation + res.Rotation) % 360
				encoded, encType = nil, ""
			}
		}
	}
	pg.Rotation = rotation
	b := img.Bounds()
	pg.Width, pg.Height = b.Dx(), b.Dy()

	// The scan's own encoding is kept when the page needed no turn:
	// JPEG as JPEG, CCITT and other lossless TIFF data as TIFF. Anything
	// else is stored as PNG, which loses nothing either.
	tEncode := time.Now()
	ext := map[string]string{"image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif"}[encType]
	if ext == "" {
		var err error
		if encoded, err = raster.EncodePNG(img, rp.Bilevel); err != nil {
			return nil, fmt.Errorf("encode page %d: %w", n, err)
		}
		ext, encType = "png", "image/png"
	}
	encodeTook := time.Since(tEncode)
	pg.Image, pg.ImageType = chartscan.PageImageKey(id, n, ext), encType
	tStore := time.Now()
	if err := p.Store.Put(ctx, pg.Image, bytes.NewReader(encoded), int64(len(encoded)), encType); err != nil {
		return nil, err
	}
	log.Debug("page done", "page", n, "kind", string(pg.Kind), "rotation", pg.Rotation, "orientation_checked", orientationChecked,
		"ms_total", time.Since(t0).Milliseconds(), "ms_barcode", tBarcode.Milliseconds(), "ms_ocr", tOCR.Milliseconds(),
		"ms_encode", encodeTook.Milliseconds(), "ms_store", time.Since(tStore).Milliseconds())
	return pg, nil
}

// timed runs f and adds its duration to *d.
func timed[T, U any](d *time.Duration, f func() (T, U)) (T, U) {
	start := time.Now()
	a, b := f()
	*d += time.Since(start)
	return a, b
}

// countReadable counts the pages that were read without error.
func countReadable(pages []*chartscan.Page) int {
	n := 0
	for _, p := range pages {
		if p.Error == "" {
			n++
		}
	}
	return n
}

// coverSheet reads the barcodes of a page and returns its kind when one is
// a chartscan cover or separator sheet, with the payload.
func coverSheet(prof *chartscan.Profile, g *image.Gray, dpi int) (chartscan.PageKind, string) {
	if !prof.Separation.CoverSheets {
		return "", ""
	}
	for _, s := range barcode.Find(g, dpi) {
		if !strings.HasPrefix(s.Text, chartscan.CoverSheetPrefix) {
			continue
		}
		cs, err := chartscan.ParseCoverSheet(s.Text)
		switch {
		case err != nil:
			// A damaged sheet still marks a boundary; its values are lost
			// and the document will need review.
			return chartscan.PageCover, s.Text
		case cs.Separator:
			return chartscan.PageSeparator, s.Text
		default:
			return chartscan.PageCover, s.Text
		}
	}
	return "", ""
}

func putFile(ctx context.Context, s chartscan.ObjectStore, key, path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return s.Put(ctx, key, f, size, chartscan.ContentType(key))
}

func hashFile(path string) ([]byte, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return nil, 0, err
	}
	return h.Sum(nil), n, nil
}
