// Package follow keeps a search node's index in step with the bucket that
// capture nodes write to. It needs nothing but plain S3: every batch
// commit and every change of documents leaves a small, time-ordered object
// in the change log (chartscan.Change under changes/), and the follower
// lists the change log after the last key it applied (S3 StartAfter),
// every interval, and applies each change to the index. At start it
// reconciles the whole index with the bucket first, so that nothing a
// stopped node missed stays missing.
package follow

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"chartscan"
	"chartscan/internal/safefile"
)

// Skew is how far back the follower lists again at each look, in time of
// the change keys: a node whose clock is behind writes keys that sort
// before ones already applied, and they must not be missed. Changes are
// applied idempotently, and the ones seen within the window are not
// applied twice.
const Skew = 2 * time.Minute

// Follower applies the change log to an index. Set Store, Index,
// StateFile and Interval. Run is not safe to call twice at once.
type Follower struct {
	Store     chartscan.ObjectStore
	Index     chartscan.SearchIndex
	StateFile string        // where the cursor is kept
	Interval  time.Duration // between looks
	Logger    *slog.Logger
	// OnLag, if set, is told after each look how old the newest change
	// applied was when it was applied.
	OnLag func(time.Duration)

	mu      sync.Mutex
	applied int
	seen    map[string]time.Time // keys applied within the skew window
}

// state is what the follower keeps between runs.
type state struct {
	Cursor string `json:"cursor"` // the change key up to which all is applied
}

// Applied returns how many changes were applied since the start.
func (f *Follower) Applied() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.applied
}

func (f *Follower) log() *slog.Logger {
	if f.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Logger
}

// Run reconciles the index with the bucket, then follows the change log
// until ctx ends (and returns nil). A store or index that fails is
// retried at the next look, the reconciliation too until it has gone
// through once; Run fails only when the state file cannot be written.
func (f *Follower) Run(ctx context.Context) error {
	f.seen = map[string]time.Time{}
	start := time.Now()
	reconciled := f.reconcile(ctx)
	if ctx.Err() != nil {
		return nil
	}
	st := state{Cursor: chartscan.ChangesAfter(start.Add(-Skew))}
	if err := safefile.WriteJSON(f.StateFile, st, 0o640); err != nil {
		return fmt.Errorf("follow: %w", err)
	}
	t := time.NewTicker(f.Interval)
	defer t.Stop()
	for {
		if !reconciled {
			// Until the whole bucket is in, batches done while this
			// node was away would stay unsearchable: try again.
			reconciled = f.reconcile(ctx)
		}
		if err := f.look(ctx, &st); err != nil && ctx.Err() == nil {
			f.log().Warn("following the bucket: will try again", "err", err.Error())
		}
		if err := safefile.WriteJSON(f.StateFile, st, 0o640); err != nil {
			return fmt.Errorf("follow: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// reconcile runs Reconcile and reports whether it went through; a failure
// is logged.
func (f *Follower) reconcile(ctx context.Context) bool {
	err := f.Reconcile(ctx)
	if err != nil && ctx.Err() == nil {
		f.log().Warn("reconciling the index with the bucket failed; following the change log, and trying again at the next look", "err", err.Error())
	}
	return err == nil
}

// Reconcile puts every done batch of the bucket into the index, as it is
// stored now (what a batch no longer holds leaves the index with it).
func (f *Follower) Reconcile(ctx context.Context) error {
	n := 0
	err := f.Store.List(ctx, chartscan.BatchesPrefix, func(o chartscan.ObjectInfo) error {
		id, ok := chartscan.ParseBatchKey(o.Key)
		if !ok {
			return nil
		}
		if err := f.putBatch(ctx, id); err != nil {
			return fmt.Errorf("batch %s: %w", id, err)
		}
		n++
		return nil
	})
	f.log().Info("index reconciled with the bucket", "batches", n)
	return err
}

// look applies the changes after the cursor (less the skew window).
func (f *Follower) look(ctx context.Context, st *state) error {
	from := st.Cursor
	if t, ok := keyTime(st.Cursor); ok {
		from = chartscan.ChangesAfter(t.Add(-Skew))
	}
	var newest time.Time
	err := f.Store.ListAfter(ctx, chartscan.ChangesPrefix, from, func(o chartscan.ObjectInfo) error {
		if _, done := f.seen[o.Key]; done {
			return nil
		}
		var c chartscan.Change
		if err := chartscan.GetJSON(ctx, f.Store, o.Key, &c); err != nil {
			if chartscan.IsNotFound(err) {
				return nil
			}
			return err
		}
		if err := f.apply(ctx, &c); err != nil {
			return fmt.Errorf("change %s: %w", o.Key, err)
		}
		f.mu.Lock()
		f.applied++
		f.mu.Unlock()
		kt, _ := keyTime(o.Key)
		f.seen[o.Key] = kt
		if o.Key > st.Cursor {
			st.Cursor = o.Key
		}
		if c.Time.After(newest) {
			newest = c.Time
		}
		return nil
	})
	// Forget what is older than the window: it will not be listed again.
	if t, ok := keyTime(st.Cursor); ok {
		for k, kt := range f.seen {
			if kt.Before(t.Add(-2 * Skew)) {
				delete(f.seen, k)
			}
		}
	}
	if !newest.IsZero() && f.OnLag != nil {
		f.OnLag(time.Since(newest))
	}
	return err
}

// apply makes the index say what the change says.
func (f *Follower) apply(ctx context.Context, c *chartscan.Change) error {
	for _, id := range c.Removed {
		if err := f.Index.DeleteDocument(ctx, id); err != nil {
			return err
		}
	}
	if c.Status == chartscan.BatchDone {
		return f.putBatch(ctx, c.Batch)
	}
	for _, id := range c.Documents {
		d, err := chartscan.LoadDocument(ctx, f.Store, id)
		if chartscan.IsNotFound(err) {
			if err := f.Index.DeleteDocument(ctx, id); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if d.MergedInto != "" || len(d.Pages) == 0 {
			if err := f.Index.DeleteDocument(ctx, id); err != nil {
				return err
			}
			continue
		}
		pages, err := chartscan.LoadPageTexts(ctx, f.Store, d.Pages)
		if err != nil {
			return err
		}
		if err := f.Index.PutDocument(ctx, d, pages); err != nil {
			return err
		}
	}
	return nil
}

// putBatch indexes a done batch as stored.
func (f *Follower) putBatch(ctx context.Context, id chartscan.BatchID) error {
	b, err := chartscan.LoadBatch(ctx, f.Store, id)
	if chartscan.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if b.Status != chartscan.BatchDone {
		return nil
	}
	var docs []*chartscan.Document
	var ids []chartscan.PageID
	for _, did := range b.Documents {
		d, err := chartscan.LoadDocument(ctx, f.Store, did)
		if chartscan.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if d.MergedInto != "" {
			continue
		}
		docs = append(docs, d)
		ids = append(ids, d.Pages...)
	}
	list, err := chartscan.LoadPageTexts(ctx, f.Store, ids)
	if err != nil {
		return err
	}
	pages := make(map[chartscan.PageID]*chartscan.Page, len(list))
	for _, p := range list {
		pages[p.ID] = p
	}
	return f.Index.Put(ctx, b, docs, pages)
}

// keyTime reads the time a change key (or a ChangesAfter cursor) spells.
func keyTime(key string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(key, chartscan.ChangesPrefix)
	if !ok || len(rest) < len("20060102T150405.000000000Z") {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102T150405.000000000Z", rest[:len("20060102T150405.000000000Z")])
	return t, err == nil
}
