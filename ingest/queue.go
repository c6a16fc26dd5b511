package ingest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"chartscan"
)

// Queue owns the files chartscan has accepted and not yet finished with.
//
// Accepting a file moves it into its own job folder under the work folder,
// next to a job.json that says where it came from. Nothing is ever
// processed from an inbox directly, so a file is taken once, and a file in
// the work folder is a promise: at start, every job folder left by a crash
// is processed again. Because every object a file produces has a
// content-derived key, processing a file twice stores and indexes it once.
// Only after the pipeline has stored and indexed every page is the file
// archived or deleted; a file that fails is moved to a failed folder with
// the reason beside it, and so is a file that keeps bringing the service
// down (see maxUncleanStops).
type Queue struct {
	// Dir is the work folder.
	Dir string
	// Pipeline processes the files.
	Pipeline *Pipeline
	// Profiles are the scanner profiles by name.
	Profiles map[string]*chartscan.Profile
	// InboxDir returns a profile's inbox (for archive and failed folders).
	InboxDir func(*chartscan.Profile) string
	// ArchiveDir returns where a profile's sources are archived.
	ArchiveDir func(*chartscan.Profile) string
	// FailedDir receives uploads that failed.
	FailedDir string
	// Workers is how many files are processed at once; 0 means 2.
	Workers int
	// MaxUpload bounds an upload, in bytes; 0 means no limit.
	MaxUpload int64
	// Drain is how long Run waits for files in progress after its context
	// ends before handing them back (they are redone at the next start).
	Drain  time.Duration
	Logger *slog.Logger

	mu      sync.Mutex
	pending []*Job
	wake    chan struct{}
	status  map[chartscan.BatchID]*chartscan.Batch // queued or processing
	active  int
	alone   bool // a file under suspicion is being read; no other starts
}

// Job is an accepted file in the work folder.
type Job struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`    // file name as received
	Profile    string            `json:"profile"` // scanner profile name
	Inbox      string            `json:"inbox"`   // inbox it came from; "" for uploads
	BatchID    chartscan.BatchID `json:"batch_id,omitempty"`
	ReceivedAt time.Time         `json:"received_at"`
	// UncleanStops counts the times chartscan stopped without finishing
	// or handing back this file while reading it: killed, crashed, or out
	// of memory. It is raised before each reading and cleared when a
	// reading ends.
	UncleanStops int `json:"unclean_stops,omitempty"`

	dir   string
	alone bool // read with no other file at the same time
}

// maxUncleanStops is how many times chartscan may stop uncleanly while
// reading one file before the file is set aside: a file that kills the
// service (by running it out of memory, say) would otherwise do so again
// at every restart, and no other file would ever be read. After a first
// such stop a file is read alone, so that the file that brings the service
// down is the one that is counted.
const maxUncleanStops = 3

const (
	jobFile    = "job.json"
	sourceFile = "source"
)

func (j *Job) source() string { return filepath.Join(j.dir, sourceFile) }

func (q *Queue) init() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.wake == nil {
		q.wake = make(chan struct{}, 1)
		q.status = map[chartscan.BatchID]*chartscan.Batch{}
	}
}

func (q *Queue) log() *slog.Logger {
	if q.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return q.Logger
}

// newJob creates a job folder with its job.json; the file is not in yet.
func (q *Queue) newJob(name string, prof *chartscan.Profile, inbox string) (*Job, error) {
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	j := &Job{
		ID:         now.Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(rnd[:]),
		Name:       chartscan.SafeName(name),
		Profile:    prof.Name,
		Inbox:      inbox,
		ReceivedAt: now,
	}
	j.dir = filepath.Join(q.Dir, j.ID)
	if err := os.MkdirAll(j.dir, 0o750); err != nil {
		return nil, err
	}
	if err := writeJSONFile(filepath.Join(j.dir, jobFile), j); err != nil {
		os.RemoveAll(j.dir)
		return nil, err
	}
	return j, nil
}

// Accept takes the file at path, found in the inbox of prof, into the
// work folder and queues it. The file is moved, or copied and then removed
// when the inbox is on another file system.
func (q *Queue) Accept(path string, prof *chartscan.Profile) (*Job, error) {
	q.init()
	j, err := q.newJob(filepath.Base(path), prof, filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	if err := moveFile(path, j.source()); err != nil {
		os.RemoveAll(j.dir)
		return nil, err
	}
	q.enqueue(j)
	return j, nil
}

// Upload streams r into the work folder and queues it. It returns the job,
// whose BatchID is set, once the file is safely on disk. A body beyond
// MaxUpload is an ETOOLARGE error and leaves nothing behind.
func (q *Queue) Upload(r io.Reader, name string, prof *chartscan.Profile) (*Job, error) {
	q.init()
	j, err := q.newJob(name, prof, "")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(j.dir)
		}
	}()
	part := j.source() + ".part"
	f, err := os.OpenFile(part, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	src := r
	if q.MaxUpload > 0 {
		src = io.LimitReader(r, q.MaxUpload+1)
	}
	n, err := io.Copy(io.MultiWriter(f, h), src)
	if err == nil && q.MaxUpload > 0 && n > q.MaxUpload {
		err = chartscan.Errorf(chartscan.ETOOLARGE, "upload exceeds the limit of %d bytes", q.MaxUpload)
	}
	if err == nil && n == 0 {
		err = chartscan.Errorf(chartscan.EINVALID, "upload is empty")
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	j.BatchID = chartscan.NewBatchID(h.Sum(nil))
	if err := writeJSONFile(filepath.Join(j.dir, jobFile), j); err != nil {
		return nil, err
	}
	if err := os.Rename(part, j.source()); err != nil {
		return nil, err
	}
	if err := syncDir(j.dir); err != nil {
		return nil, err
	}
	ok = true
	q.enqueue(j)
	return j, nil
}

func (q *Queue) enqueue(j *Job) {
	q.mu.Lock()
	q.pending = append(q.pending, j)
	if j.BatchID != "" {
		q.status[j.BatchID] = &chartscan.Batch{
			ID: j.BatchID, Profile: j.Profile, SourceName: j.Name,
			Status: chartscan.BatchQueued, Documents: []chartscan.DocumentID{}, ReceivedAt: j.ReceivedAt,
		}
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Status returns the state of a batch that is queued or being processed.
func (q *Queue) Status(id chartscan.BatchID) (*chartscan.Batch, bool) {
	q.init()
	q.mu.Lock()
	defer q.mu.Unlock()
	b, ok := q.status[id]
	if !ok {
		return nil, false
	}
	c := *b
	return &c, true
}

// Len returns the number of files waiting or in progress.
func (q *Queue) Len() int {
	q.init()
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending) + q.active
}

// Resume queues every complete job folder left in the work folder and
// removes incomplete ones (whose file never arrived).
func (q *Queue) Resume() error {
	q.init()
	if err := os.MkdirAll(q.Dir, 0o750); err != nil {
		return err
	}
	ents, err := os.ReadDir(q.Dir)
	if err != nil {
		return err
	}
	sort.Slice(ents, func(i, k int) bool { return ents[i].Name() < ents[k].Name() })
	n := 0
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(q.Dir, e.Name())
		var j Job
		if err := readJSONFile(filepath.Join(dir, jobFile), &j); err != nil {
			q.log().Warn("removing incomplete job folder", "job", e.Name())
			os.RemoveAll(dir)
			continue
		}
		j.dir = dir
		if _, err := os.Stat(j.source()); err != nil {
			os.RemoveAll(dir) // accepted but never moved in, or already finished
			continue
		}
		if j.UncleanStops > 0 {
			q.log().Warn("file was being read when chartscan stopped; it will be read alone", "job", j.ID, "unclean_stops", j.UncleanStops)
		}
		q.enqueue(&j)
		n++
	}
	if n > 0 {
		q.log().Info("resuming accepted files", "files", n)
	}
	return nil
}

// Run processes queued files until ctx ends, then waits up to Drain for
// files in progress; those still running are handed back to the work
// folder. It resumes what a previous run left first.
func (q *Queue) Run(ctx context.Context) error {
	if err := q.Resume(); err != nil {
		return err
	}
	workers := q.Workers
	if workers <= 0 {
		workers = 2
	}
	pctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q.work(ctx, pctx)
		}()
	}
	<-ctx.Done()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	drain := q.Drain
	if drain <= 0 {
		drain = 30 * time.Second
	}
	select {
	case <-done:
	case <-time.After(drain):
		q.log().Warn("handing back files still in progress", "files", q.Len())
		cancel()
		<-done
	}
	return nil
}

// work takes jobs until ctx ends. Jobs run under pctx, which outlives ctx
// by the drain time.
func (q *Queue) work(ctx, pctx context.Context) {
	backoff := time.Duration(0)
	for {
		j := q.next(ctx)
		if j == nil {
			return
		}
		err := q.process(pctx, j)
		q.mu.Lock()
		q.active--
		if j.alone {
			q.alone = false
		}
		q.mu.Unlock()
		select { // another worker may be waiting for this one to end
		case q.wake <- struct{}{}:
		default:
		}
		if err == nil {
			backoff = 0
			continue
		}
		if pctx.Err() != nil {
			return // handed back: the job folder stays for the next start
		}
		// A resource is down (object store, index): keep the job and
		// wait before trying again, longer each time.
		backoff = min(max(2*backoff, time.Second), time.Minute)
		q.log().Warn("ingest waiting for resources", "batch", string(j.BatchID), "err", err.Error(), "retry_in", backoff.String())
		q.mu.Lock()
		q.pending = append(q.pending, j)
		if b := q.status[j.BatchID]; b != nil {
			b.Status = chartscan.BatchQueued
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
	}
}

// next waits for a job; nil when ctx ends.
func (q *Queue) next(ctx context.Context) *Job {
	for {
		q.mu.Lock()
		// A file that was being read when chartscan last stopped uncleanly
		// waits until it can be read alone, and nothing starts beside it.
		if ctx.Err() == nil && len(q.pending) > 0 && !q.alone &&
			(q.pending[0].UncleanStops == 0 || q.active == 0) {
			j := q.pending[0]
			q.pending = q.pending[1:]
			q.active++
			j.alone = j.UncleanStops > 0
			q.alone = j.alone
			if b := q.status[j.BatchID]; b != nil {
				b.Status = chartscan.BatchProcessing
			}
			q.mu.Unlock()
			return j
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-q.wake:
		case <-time.After(time.Second):
		}
	}
}

// process runs one job. It returns an error only when the job must be
// tried again (a resource failed or the run is stopping).
func (q *Queue) process(ctx context.Context, j *Job) error {
	log := q.log().With("job", j.ID)
	prof := q.Profiles[j.Profile]
	if prof == nil {
		q.fail(j, nil, chartscan.Errorf(chartscan.EINVALID, "scanner profile %q no longer exists", j.Profile))
		return nil
	}
	if _, err := os.Stat(j.source()); errors.Is(err, fs.ErrNotExist) {
		log.Warn("accepted file vanished from the work folder")
		q.finishJob(j)
		return nil
	}
	if j.UncleanStops >= maxUncleanStops {
		reason := chartscan.Errorf(chartscan.EINTERNAL, "chartscan stopped unexpectedly %d times while reading this file (it may need more memory than the machine has); it was set aside so that other files go on, and can be dropped in again", j.UncleanStops)
		if j.BatchID == "" {
			if sum, _, err := hashFile(j.source()); err == nil {
				j.BatchID = chartscan.NewBatchID(sum)
			}
		}
		q.fail(j, prof, reason)
		q.recordFailed(j, prof, reason)
		q.finishJob(j)
		return nil
	}
	// Counted as an unclean stop until the reading ends, one way or another.
	j.UncleanStops++
	if err := writeJSONFile(filepath.Join(j.dir, jobFile), j); err != nil {
		log.Warn("could not update job file", "err", err.Error())
	}
	res, err := q.Pipeline.Process(ctx, Source{Path: j.source(), Name: j.Name, Profile: prof, ReceivedAt: j.ReceivedAt})
	if err != nil {
		// Tried again later, or at the next start: that was no crash.
		j.UncleanStops = 0
		if werr := writeJSONFile(filepath.Join(j.dir, jobFile), j); werr != nil {
			log.Warn("could not update job file", "err", werr.Error())
		}
		return err
	}
	if j.BatchID == "" {
		j.BatchID = res.BatchID
	}
	switch res.Status {
	case StatusFailed:
		q.fail(j, prof, res.Err)
		q.recordFailed(j, prof, res.Err)
	default:
		if len(res.PageErrors) > 0 {
			// Stored and searchable, but incomplete: the source goes to the
			// failed folder with the pages to rescan, not to the archive.
			q.quarantine(j, chartscan.Errorf(chartscan.EINVALID, "%d of %d pages could not be read and need rescanning: %s",
				len(res.PageErrors), res.Pages, strings.Join(res.PageErrors, "; ")),
				"chartscan ingested this file, but some pages could not be read. The other pages are stored and searchable.")
		} else {
			q.release(j, prof)
		}
	}
	q.finishJob(j)
	return nil
}

// recordFailed stores the batch record of a file that failed, so that the
// API shows it and the reason.
func (q *Queue) recordFailed(j *Job, prof *chartscan.Profile, reason error) {
	if j.BatchID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := time.Now().UTC()
	rec := &chartscan.Batch{
		ID: j.BatchID, Profile: prof.Name, SourceName: j.Name, Status: chartscan.BatchFailed,
		Documents: []chartscan.DocumentID{}, Error: chartscan.ErrorMessage(reason),
		ReceivedAt: j.ReceivedAt, DoneAt: &now,
	}
	if err := chartscan.PutJSON(ctx, q.Pipeline.Store, chartscan.BatchKey(j.BatchID), rec); err != nil {
		q.log().Warn("could not record failed batch", "batch", string(j.BatchID), "err", err.Error())
	}
}

// release archives or deletes an ingested file per its profile. Uploads
// are deleted: the object store holds the original.
func (q *Queue) release(j *Job, prof *chartscan.Profile) {
	if j.Inbox == "" || prof.After == "delete" || q.ArchiveDir == nil {
		os.Remove(j.source())
		return
	}
	dir := q.ArchiveDir(prof)
	if err := os.MkdirAll(dir, 0o750); err == nil {
		dst := uniquePath(filepath.Join(dir, j.Name))
		if err := moveFile(j.source(), dst); err == nil {
			return
		}
	}
	q.log().Error("could not archive source; it stays in the work folder", "job", j.ID)
}

// fail moves a file that cannot be ingested to the failed folder next to
// its inbox (or the uploads' failed folder) with <name>.error.txt beside it.
func (q *Queue) fail(j *Job, prof *chartscan.Profile, reason error) {
	q.quarantine(j, reason, "chartscan could not ingest this file.")
}

// quarantine moves the job's file to the failed folder with a note that
// starts with headline and gives the reason.
func (q *Queue) quarantine(j *Job, reason error, headline string) {
	dir := q.FailedDir
	if j.Inbox != "" {
		dir = filepath.Join(j.Inbox, "failed")
	}
	msg := chartscan.ErrorMessage(reason)
	q.log().Warn("file quarantined", "job", j.ID, "batch", string(j.BatchID), "reason", msg)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		q.log().Error("cannot create failed folder", "err", err.Error())
		return
	}
	dst := uniquePath(filepath.Join(dir, j.Name))
	if err := moveFile(j.source(), dst); err != nil {
		q.log().Error("cannot move failed file", "err", err.Error())
		return
	}
	profName := j.Profile
	note := fmt.Sprintf("%s\n\nfile:     %s\nreason:   %s\nbatch:    %s\nprofile:  %s\nreceived: %s\nfailed:   %s\n",
		headline, filepath.Base(dst), msg, j.BatchID, profName, j.ReceivedAt.Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339))
	_ = os.WriteFile(dst+".error.txt", []byte(note), 0o640)
}

func (q *Queue) finishJob(j *Job) {
	q.mu.Lock()
	delete(q.status, j.BatchID)
	q.mu.Unlock()
	os.RemoveAll(j.dir)
}

// uniquePath returns p, or p with a number added before the extension if
// p exists.
func uniquePath(p string) string {
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		return p
	}
	ext := filepath.Ext(p)
	base := strings.TrimSuffix(p, ext)
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s (%d)%s", base, i, ext)
		if _, err := os.Lstat(c); errors.Is(err, fs.ErrNotExist) {
			return c
		}
	}
}

// moveFile renames src to dst, or copies (synced) and removes src when
// they are on different file systems.
func moveFile(src, dst string) error {
	err := os.Rename(src, dst)
	if err == nil {
		return syncDir(filepath.Dir(dst))
	}
	var le *os.LinkError
	if !errors.As(err, &le) || !strings.Contains(le.Err.Error(), "cross-device") {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".part"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return err
	}
	return os.Remove(src)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
