package ingest

// The scheduler: which accepted file is read next, how many at once, what
// waits after a resource failure, and the drain at shutdown.

import (
	"context"
	"log/slog"
	"sort"
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
	// Workers is how many files are processed at once (at least one).
	Workers int
	// MaxUpload bounds an upload, in bytes; 0 means no limit.
	MaxUpload int64
	// Drain is how long Run waits for files in progress after its context
	// ends before handing them back (they are redone at the next start);
	// 0 hands them back at once.
	Drain  time.Duration
	Logger *slog.Logger
	// Node names this node when several share an inbox (see Accept); ""
	// for a node alone.
	Node string
	// OnOutcome, if set, is called once for every file the queue is done
	// with (released or quarantined), for the metrics.
	OnOutcome func(*chartscan.Profile, *Result)

	mu      sync.Mutex
	pending []*Job
	wake    chan struct{}
	jobs    map[string]*Job // every job queued or being processed, by id
	active  int
	alone   bool // a file under suspicion is being read; no other starts
}

func (q *Queue) init() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.wake == nil {
		q.wake = make(chan struct{}, 1)
		q.jobs = map[string]*Job{}
	}
}

func (q *Queue) log() *slog.Logger {
	if q.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return q.Logger
}

func (q *Queue) enqueue(j *Job) {
	q.mu.Lock()
	q.pending = append(q.pending, j)
	j.state = chartscan.BatchQueued
	q.jobs[j.ID] = j
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
	for _, j := range q.jobs {
		if j.BatchID == id {
			return j.batch(), true
		}
	}
	return nil, false
}

// Pending returns the files queued or being processed, oldest first, as
// batches (whose id is "" while a watched file is not yet read).
func (q *Queue) Pending() []*chartscan.Batch {
	q.init()
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]*chartscan.Batch, 0, len(q.jobs))
	for _, j := range q.jobs {
		out = append(out, j.batch())
	}
	sort.Slice(out, func(i, k int) bool { return out[i].ReceivedAt.Before(out[k].ReceivedAt) })
	return out
}

// Len returns the number of files waiting or in progress.
func (q *Queue) Len() int {
	q.init()
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending) + q.active
}

// Run processes queued files until ctx ends, then waits up to Drain for
// files in progress; those still running are handed back to the work
// folder. It resumes what a previous run left first.
func (q *Queue) Run(ctx context.Context) error {
	if err := q.Resume(); err != nil {
		return err
	}
	workers := max(q.Workers, 1)
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
	select {
	case <-done:
	case <-time.After(q.Drain):
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
		q.log().Warn("ingest waiting for resources", "batch", string(j.BatchID), "err", chartscan.WithoutPaths(err).Error(), "retry_in", backoff.String())
		q.mu.Lock()
		q.pending = append(q.pending, j)
		j.state = chartscan.BatchQueued
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
			j.state = chartscan.BatchProcessing
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
