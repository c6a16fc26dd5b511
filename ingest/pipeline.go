// Package ingest turns scanned files into stored, indexed documents: the
// pipeline (one file at a time: split, OCR, classify, group into
// documents, store, index), the queue that feeds it from a work folder, and
// the watcher over the scanner inboxes. It is the only package that
// imports fsnotify.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"chartscan"
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
	Store chartscan.ObjectStore
	// Index is nil on a capture node: search nodes index the batch from
	// the change log.
	Index      Indexer
	OCR        Recognizer
	Classifier chartscan.Classifier
	// Patients is the master patient index documents are checked
	// against; nil for none.
	Patients chartscan.PatientIndex
	// Limits bound the pages and pixels of a file.
	Limits raster.Limits
	// MaxFileSize is the largest file accepted, in bytes; 0 means no limit.
	MaxFileSize int64
	// Languages are the OCR languages when a profile names none.
	Languages []string
	// PagesInFlight bounds the decoded pages held in memory at once, over
	// all the files being processed: enough to keep every OCR engine busy,
	// few enough to keep memory flat on a file of hundreds of pages (at
	// least one).
	PagesInFlight int

	semOnce sync.Once
	sem     chan struct{}

	busyMu sync.Mutex
	busy   map[chartscan.BatchID]chan struct{} // batches being processed
	// Logger receives progress by batch id and page number, never content.
	Logger *slog.Logger
	// OnPage, if set, is called after each page is processed, with its
	// record and how long the OCR engine took on it (0 when it was not
	// read). It must be safe for concurrent use.
	OnPage func(chartscan.BatchID, *chartscan.Page, time.Duration)
	// OnPages, if set, is called with a file's page count once it is known.
	OnPages func(chartscan.BatchID, int)
}

// Source is a file to ingest.
type Source struct {
	Path       string // where the file is now
	Name       string // its name as received (sanitised before use)
	Profile    *chartscan.Profile
	ReceivedAt time.Time
	// SHA256 is the file's SHA-256 when the caller already computed it
	// (an upload hashed as it streamed in); nil to have Process read it.
	SHA256 []byte
	// Patient is who the file is filed under outside chartscan (a
	// migration manifest's row), nil when nobody says: documents whose
	// pages do not name their patient take its values, and documents that
	// name another go to review.
	Patient *KnownPatient
}

// Result statuses, as `ingest --json`, the batch API and the metrics name
// them.
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
// unsupported, too large) gives a Result with Status failed and a reason,
// and the batch is recorded failed in the store. A problem with
// chartscan's own resources (object store or index unavailable, ctx
// cancelled) is returned as an error instead: the file is fine and must be
// processed again later. Processing the same file again is harmless: every
// write goes to the same content-derived keys.
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
	sum, size, err := fileSum(src)
	if err != nil {
		return nil, fmt.Errorf("read the file: %w", chartscan.WithoutPaths(err))
	}
	id := chartscan.NewBatchID(sum)
	res = &Result{BatchID: id}
	log = log.With("batch", string(id), "profile", src.Profile.Name)
	batch := &chartscan.Batch{
		ID: id, Profile: src.Profile.Name, SourceName: name, Size: size,
		SHA256: hex.EncodeToString(sum), Documents: []chartscan.DocumentID{}, ReceivedAt: receivedAt(src),
	}
	if p.MaxFileSize > 0 && size > p.MaxFileSize {
		return p.failed(ctx, res, batch, chartscan.Errorf(chartscan.ETOOLARGE, "file of %d bytes exceeds the limit of %d bytes", size, p.MaxFileSize))
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
		log.Warn("file rejected", "reason", chartscan.ErrorMessage(err))
		return p.failed(ctx, res, batch, err)
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

	scanned, err := p.pages(ctx, id, src.Profile, file, log)
	if err != nil {
		return nil, err
	}
	if readable := countReadable(scanned); readable == 0 {
		// Not one page could be read: the file itself is bad.
		reason := chartscan.Errorf(chartscan.EINVALID, "no page could be read (%s)", scanned[0].page.Error)
		log.Warn("file rejected", "reason", chartscan.ErrorMessage(reason))
		return p.failed(ctx, res, batch, reason)
	}
	docs := (&Assembler{Classifier: p.Classifier, Patients: p.Patients, Known: src.Patient}).Assemble(ctx, id, src.Profile, scanned, batch.ReceivedAt)
	for _, sp := range scanned {
		if sp.page.Error != "" {
			res.PageErrors = append(res.PageErrors, fmt.Sprintf("page %d: %s", sp.page.Number, sp.page.Error))
		}
	}
	batch.Pages = n
	batch.Rescan = rescanList(scanned)
	if len(res.PageErrors) > 0 {
		batch.Error = fmt.Sprintf("%d of %d pages could not be read", len(res.PageErrors), n)
	}
	if err := p.commit(ctx, batch, docs, scanned); err != nil {
		return nil, err
	}
	res.Status, res.Pages, res.Documents = StatusDone, n, batch.Documents
	log.Info("file ingested", "pages", n, "documents", len(docs), "seconds", time.Since(start).Seconds())
	return res, nil
}

// commit stores the page records and document manifests of a batch,
// removes manifests a run cut short may have left, indexes the batch and
// writes its record, last: a batch record with status done says every
// object of the batch is stored and indexed.
func (p *Pipeline) commit(ctx context.Context, batch *chartscan.Batch, docs []*chartscan.Document, scanned []scannedPage) error {
	id := batch.ID
	byID := make(map[chartscan.PageID]*chartscan.Page, len(scanned))
	for _, sp := range scanned {
		pg := sp.page
		byID[pg.ID] = pg
		if err := chartscan.PutJSON(ctx, p.Store, chartscan.PageRecordKey(id, pg.Number), pg); err != nil {
			return err
		}
	}
	keep := map[string]bool{}
	for _, d := range docs {
		batch.Documents = append(batch.Documents, d.ID)
		keep[chartscan.DocumentKey(d.ID)] = true
		if err := chartscan.PutJSON(ctx, p.Store, chartscan.DocumentKey(d.ID), d); err != nil {
			return err
		}
	}
	err := p.Store.List(ctx, chartscan.DocumentsPrefix(id), func(o chartscan.ObjectInfo) error {
		if keep[o.Key] {
			return nil
		}
		return p.Store.Delete(ctx, o.Key)
	})
	if err != nil {
		return err
	}
	batch.PageKinds = map[chartscan.PageKind]int{}
	for _, sp := range scanned {
		batch.PageKinds[sp.page.Kind]++
	}
	done := time.Now().UTC()
	batch.Status, batch.DoneAt = chartscan.BatchDone, &done
	if p.Index != nil {
		if err := p.Index.Put(ctx, batch, docs, byID); err != nil {
			return fmt.Errorf("index batch %s: %w", id, err)
		}
	}
	if err := chartscan.PutJSON(ctx, p.Store, chartscan.BatchKey(id), batch); err != nil {
		return err
	}
	return chartscan.RecordChange(ctx, p.Store, chartscan.Change{Batch: id, Status: batch.Status, Profile: batch.Profile, Documents: batch.Documents})
}

// failed records a batch that failed, with the reason, beside where a
// done one is recorded, and returns res as failed. The record is what the
// batch API shows; an error storing it is a resource error.
func (p *Pipeline) failed(ctx context.Context, res *Result, batch *chartscan.Batch, reason error) (*Result, error) {
	res.Status, res.Err = StatusFailed, reason
	if err := p.RecordFailed(ctx, batch, reason); err != nil {
		return nil, err
	}
	return res, nil
}

// RecordFailed stores the record of a batch that failed, with the reason.
// It is also how the queue records a file it set aside without reading.
func (p *Pipeline) RecordFailed(ctx context.Context, batch *chartscan.Batch, reason error) error {
	now := time.Now().UTC()
	rec := *batch
	rec.Status, rec.Error, rec.DoneAt = chartscan.BatchFailed, chartscan.ErrorMessage(reason), &now
	if rec.Documents == nil {
		rec.Documents = []chartscan.DocumentID{}
	}
	if err := chartscan.PutJSON(ctx, p.Store, chartscan.BatchKey(rec.ID), &rec); err != nil {
		return err
	}
	return chartscan.RecordChange(ctx, p.Store, chartscan.Change{Batch: rec.ID, Status: rec.Status, Profile: rec.Profile})
}

func receivedAt(src Source) time.Time {
	if src.ReceivedAt.IsZero() {
		return time.Now().UTC()
	}
	return src.ReceivedAt.UTC()
}

// fileSum returns the SHA-256 and size of the source, reading the file
// only when the caller has not already hashed it.
func fileSum(src Source) ([]byte, int64, error) {
	if len(src.SHA256) == sha256.Size {
		st, err := os.Stat(src.Path)
		if err != nil {
			return nil, 0, err
		}
		return src.SHA256, st.Size(), nil
	}
	return HashFile(src.Path)
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
func (p *Pipeline) pages(ctx context.Context, id chartscan.BatchID, prof *chartscan.Profile, file raster.File, log *slog.Logger) ([]scannedPage, error) {
	n := file.NumPages()
	out := make([]scannedPage, n)
	p.semOnce.Do(func() {
		p.sem = make(chan struct{}, max(p.PagesInFlight, 1))
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
			sp, err := p.safePage(ctx, id, prof, i, rp, rerr, log)
			if err != nil {
				fail(err)
				return
			}
			out[i-1] = sp
			if p.OnPage != nil {
				p.OnPage(id, sp.page, sp.ocr)
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

func putFile(ctx context.Context, s chartscan.ObjectStore, key, path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return s.Put(ctx, key, f, size, chartscan.ContentType(key))
}

// HashFile returns the SHA-256 and the size of the file at path.
func HashFile(path string) ([]byte, int64, error) {
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

// countReadable counts the pages that were read without error.
func countReadable(pages []scannedPage) int {
	n := 0
	for _, p := range pages {
		if p.page.Error == "" {
			n++
		}
	}
	return n
}
