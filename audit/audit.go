// Package audit keeps the record of who did what to which patient record
// through the API: an append-only log, one JSON line per access, in a file
// per day under <data_dir>/audit, copied into the object store under
// audit/. Entries are hash-chained: each carries the hash of the one
// before, so a changed, removed or inserted line is detected by Verify.
//
// The log holds identifiers, never record content: no OCR text, and for a
// correction only the names of the fields changed.
package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"chartscan"
)

// Actions recorded.
const (
	ActionUpload    = "upload"
	ActionBatchView = "batch.view"
	ActionSearch    = "search"
	ActionDocView   = "document.view"
	ActionDocPDF    = "document.pdf"
	ActionCorrect   = "document.correct"
	ActionPageView  = "page.view"
	ActionPageImage = "page.image"
	ActionReview    = "review.list"
	ActionAuditRead = "audit.read"
	ActionDenied    = "denied"
	ActionSplit     = "document.split"
	ActionMerge     = "document.merge"
	ActionSignIn    = "signin"
	ActionSignInBad = "signin.failed"
	ActionSignOut   = "signout"
	ActionExport    = "export"
	ActionRelease   = "release.create"
	ActionApprove   = "release.approve"
	ActionHold      = "hold.create"
	ActionUnhold    = "hold.delete"
	ActionDestroy   = "retention.remove"
	// Reading releases and a patient's accounting of disclosures, and the
	// list of holds, are accesses too.
	ActionReleaseView = "release.view"
	ActionDisclosures = "disclosures.list"
	ActionHoldList    = "hold.list"
)

// Entry is one access.
type Entry struct {
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Actor    string    `json:"actor"` // token name; "" when no valid token was given
	Role     string    `json:"role"`
	Action   string    `json:"action"`
	Batch    string    `json:"batch,omitempty"`
	Document string    `json:"document,omitempty"`
	Page     string    `json:"page,omitempty"`
	Query    string    `json:"query,omitempty"`  // search text and filters, as asked
	Detail   string    `json:"detail,omitempty"` // e.g. the fields a correction changed
	Client   string    `json:"client"`
	Via      string    `json:"via,omitempty"` // api, ui, fhir or cli
	Status   int       `json:"status"`        // HTTP status of the answer
	Prev     string    `json:"prev"`          // hash of the entry before ("" for the first)
	Hash     string    `json:"hash"`          // SHA-256 of Prev and this entry without Hash
}

// Log is the audit log. It is safe for concurrent use.
type Log struct {
	dir   string
	store chartscan.ObjectStore // may be nil
	log   *slog.Logger

	mu     sync.Mutex
	f      *os.File
	day    string
	seq    int64
	last   string
	dirty  map[string]bool // days written since the last copy to the store
	closed bool
}

// Open opens the log in dir, continuing the chain of what is there.
// store, if not nil, receives copies of the day files (see Sync).
func Open(dir string, store chartscan.ObjectStore, log *slog.Logger) (*Log, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	l := &Log{dir: dir, store: store, log: log, dirty: map[string]bool{}}
	days, err := l.days()
	if err != nil {
		return nil, err
	}
	if len(days) > 0 {
		last, err := lastEntry(filepath.Join(dir, days[len(days)-1]+".jsonl"))
		if err != nil {
			return nil, err
		}
		if last != nil {
			l.seq, l.last = last.Seq, last.Hash
		}
	}
	return l, nil
}

// days returns the days with a log file, oldest first.
func (l *Log) days() ([]string, error) {
	ents, err := os.ReadDir(l.dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if n := e.Name(); strings.HasSuffix(n, ".jsonl") && len(n) == len("2006-01-02.jsonl") {
			out = append(out, strings.TrimSuffix(n, ".jsonl"))
		}
	}
	sort.Strings(out)
	return out, nil
}

func lastEntry(path string) (*Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimRight(b, "\n")
	if len(b) == 0 {
		return nil, nil
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("audit: last entry of %s is damaged: %w", filepath.Base(path), err)
	}
	return &e, nil
}

// hashOf returns the chain hash of e (its Hash field ignored).
func hashOf(e Entry) string {
	e.Hash = ""
	b, _ := json.Marshal(e)
	sum := sha256.Sum256(append([]byte(e.Prev+"\n"), b...))
	return hex.EncodeToString(sum[:])
}

// Record appends e, filling in its sequence number, time, and chain
// hashes, and syncs it to disk before returning. An access that cannot be
// recorded must not be served: callers fail the request on error.
func (l *Log) Record(e Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("audit: log closed")
	}
	e.Time = time.Now().UTC()
	day := e.Time.Format("2006-01-02")
	if l.f == nil || day != l.day {
		if l.f != nil {
			l.f.Close()
		}
		f, err := os.OpenFile(filepath.Join(l.dir, day+".jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
		if err != nil {
			return err
		}
		l.f, l.day = f, day
	}
	e.Seq = l.seq + 1
	e.Prev = l.last
	e.Hash = hashOf(e)
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		return err
	}
	if err := l.f.Sync(); err != nil {
		return err
	}
	l.seq, l.last = e.Seq, e.Hash
	l.dirty[day] = true
	return nil
}

// Filter selects entries.
type Filter struct {
	Since    time.Time // zero for all
	Actor    string    // "" for any
	Document string    // "" for any
	Limit    int       // most recent first; 0 means 1000
}

// ParseFilter reads an audit query from request parameters (since as
// RFC 3339 or YYYY-MM-DD, actor, document, limit 1..1000, default 100);
// param returns "" for a parameter not given. Bad values are EINVALID.
func ParseFilter(param func(string) string) (Filter, error) {
	f := Filter{Actor: param("actor"), Document: param("document")}
	if v := param("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, v); err != nil {
				return f, chartscan.Errorf(chartscan.EINVALID, "since: want RFC 3339 time or YYYY-MM-DD")
			}
		}
		f.Since = t
	}
	var err error
	if f.Limit, err = chartscan.IntParam(param, "limit", 100); err != nil {
		return f, err
	}
	if f.Limit < 1 || f.Limit > 1000 {
		return f, chartscan.Errorf(chartscan.EINVALID, "limit must be 1 to 1000")
	}
	return f, nil
}

// Query returns the entries that match f, most recent first.
func (l *Log) Query(f Filter) ([]Entry, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	days, err := l.days()
	if err != nil {
		return nil, err
	}
	out := []Entry{}
	for i := len(days) - 1; i >= 0 && len(out) < f.Limit; i-- {
		if !f.Since.IsZero() && days[i] < f.Since.UTC().Format("2006-01-02") {
			break
		}
		entries, err := readDay(filepath.Join(l.dir, days[i]+".jsonl"))
		if err != nil {
			return nil, err
		}
		for j := len(entries) - 1; j >= 0 && len(out) < f.Limit; j-- {
			e := entries[j]
			if (!f.Since.IsZero() && e.Time.Before(f.Since)) ||
				(f.Actor != "" && e.Actor != f.Actor) ||
				(f.Document != "" && e.Document != f.Document) {
				continue
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func readDay(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("audit: %s line %d is damaged", filepath.Base(path), len(out)+1)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// Verify checks the whole chain, oldest first: every entry's hash, its
// link to the one before, and consecutive sequence numbers. It returns the
// number of entries checked, and an error naming the first entry that does
// not hold.
func Verify(dir string) (int, error) {
	l := &Log{dir: dir}
	days, err := l.days()
	if err != nil {
		return 0, err
	}
	n, prev, seq := 0, "", int64(0)
	for _, d := range days {
		f, err := os.Open(filepath.Join(dir, d+".jsonl"))
		if err != nil {
			return n, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		line := 0
		for sc.Scan() {
			line++
			var e Entry
			where := fmt.Sprintf("%s.jsonl line %d", d, line)
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				f.Close()
				return n, fmt.Errorf("%s: not a valid entry", where)
			}
			switch {
			case e.Prev != prev:
				f.Close()
				return n, fmt.Errorf("%s: chain broken (an entry before it was changed, removed or inserted)", where)
			case e.Hash != hashOf(e):
				f.Close()
				return n, fmt.Errorf("%s: entry was changed", where)
			case e.Seq != seq+1:
				f.Close()
				return n, fmt.Errorf("%s: sequence jumps from %d to %d", where, seq, e.Seq)
			}
			prev, seq = e.Hash, e.Seq
			n++
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Sync copies the day files written since the last Sync into the object
// store under audit/<day>.jsonl.
func (l *Log) Sync(ctx context.Context) error {
	if l.store == nil {
		return nil
	}
	l.mu.Lock()
	days := make([]string, 0, len(l.dirty))
	for d := range l.dirty {
		days = append(days, d)
	}
	l.dirty = map[string]bool{}
	l.mu.Unlock()
	var errs []error
	for _, d := range days {
		if err := l.copyDay(ctx, d); err != nil {
			l.mu.Lock()
			l.dirty[d] = true
			l.mu.Unlock()
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (l *Log) copyDay(ctx context.Context, day string) error {
	f, err := os.Open(filepath.Join(l.dir, day+".jsonl"))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	// Copy what is there now; later lines go with the next Sync.
	return l.store.Put(ctx, chartscan.AuditKey(day), io.LimitReader(f, st.Size()), st.Size(), "application/jsonl")
}

// Run copies the log to the store every interval until ctx ends, and once
// more at the end.
func (l *Log) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := l.Sync(sctx); err != nil {
				l.log.Warn("audit copy to the object store failed", "err", err.Error())
			}
			cancel()
			return
		case <-t.C:
			if err := l.Sync(ctx); err != nil && ctx.Err() == nil {
				l.log.Warn("audit copy to the object store failed; will retry", "err", err.Error())
			}
		}
	}
}

// Close closes the log file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.f != nil {
		return l.f.Close()
	}
	return nil
}
