package migrate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"chartscan"
	"chartscan/internal/safefile"
)

// Row statuses. The first five are the reconciliation's; StatusInProgress
// is the state's only, for a row being read.
const (
	StatusOK         = "ok"      // the file went through with the expected pages
	StatusShort      = "short"   // it went through with fewer pages than expected
	StatusExtra      = "extra"   // it went through with more pages than expected
	StatusFailed     = "failed"  // the pipeline refused it, or some of its pages could not be read
	StatusMissing    = "missing" // the file is not there or cannot be opened
	StatusInProgress = "in_progress"
)

// Statuses lists the reconciliation's statuses, in report order.
var Statuses = []string{StatusOK, StatusShort, StatusExtra, StatusFailed, StatusMissing}

// Run states, as `chartscan migrate status` prints them.
const (
	StateRunning     = "running"     // a migrate process works on it now
	StateInterrupted = "interrupted" // stopped (or killed) before every row was done
	StateDone        = "done"        // every row was done and the reconciliation written
)

// Run is the state of a migration as a whole, kept in run.json.
type Run struct {
	Name           string `json:"name"`
	Manifest       string `json:"manifest"`
	ManifestSHA256 string `json:"manifest_sha256"`
	Profile        string `json:"profile"`
	Rows           int    `json:"rows"`
	ExpectedPages  int    `json:"expected_pages"`
	// State is what the last migrate process recorded: a killed one
	// leaves running, which Status tells as interrupted.
	State     string     `json:"state"`
	Starts    int        `json:"starts"`
	StartedAt time.Time  `json:"started_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
	// Seconds is the time spent running, over every start; PagesRead the
	// pages the pipeline read (files already stored are not read again).
	Seconds   float64 `json:"seconds"`
	PagesRead int     `json:"pages_read"`
}

// RowState is the record of one manifest row, kept in rows/. A row with
// no record has not been started.
type RowState struct {
	Line   int    `json:"line"`
	Path   string `json:"path"`
	Status string `json:"status"`
	// Runs counts the times the pipeline was run on the file: 1 for a
	// row done at once, one more for every start that found it in
	// progress (killed mid-file) or its file changed.
	Runs         int               `json:"runs"`
	BatchID      chartscan.BatchID `json:"batch_id,omitempty"`
	ScannedPages int               `json:"scanned_pages"`
	ContentPages int               `json:"content_pages"`
	BlankPages   int               `json:"blank_pages"`
	Documents    int               `json:"documents"`
	Reason       string            `json:"reason,omitempty"`
	// Size and ModTime are the file's when it was read (zero for a
	// missing file): a file changed since is read again.
	Size      int64     `json:"size,omitempty"`
	ModTime   time.Time `json:"mod_time,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Final reports whether the row's outcome is known.
func (r *RowState) Final() bool { return r != nil && r.Status != "" && r.Status != StatusInProgress }

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$`)

// ValidName reports whether name can name a migration: 1 to 64 letters,
// digits, '.', '_' or '-', not starting with a dot.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// DefaultName is the name of a migration when none is given: the
// manifest's file name without its extension, or "" when that is not a
// valid name.
func DefaultName(manifest string) string {
	n := strings.TrimSuffix(filepath.Base(manifest), filepath.Ext(manifest))
	if !ValidName(n) {
		return ""
	}
	return n
}

// Journal is the state of one migration in its folder
// (<data_dir>/migrations/<name>/): run.json, one record per row under
// rows/, and a lock file held while a migrate process works on it. Every
// record is written atomically and durably (internal/safefile), so a kill
// at any moment leaves each one whole, old or new. A Journal is safe for
// concurrent use; Close releases the lock.
type Journal struct {
	dir  string
	lock *os.File

	mu    sync.Mutex
	run   Run
	rows  map[int]*RowState // by line
	since time.Time         // this start, for Run.Seconds
	base  float64           // Run.Seconds at this start
}

// ErrRunning is returned by Open when another process works on the
// migration.
var ErrRunning = errors.New("the migration is already running in another process")

// Open takes the migration in dir for this process and reads its state.
// A new migration records the manifest and profile; an existing one must
// have been started with the same manifest (by SHA-256) and, when
// profile is not "", the same profile. Open changes no record: Begin
// does. The caller must Close the journal.
func Open(dir, name string, m *Manifest, profile string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Join(dir, "rows"), 0o750); err != nil {
		return nil, err
	}
	lock, err := takeLock(dir)
	if errors.Is(err, ErrRunning) {
		return nil, chartscan.WrapError(chartscan.ECONFLICT, err, "migration %q is already running in another process (see chartscan migrate status --name %s)", name, name)
	}
	if err != nil {
		return nil, err
	}
	j := &Journal{dir: dir, lock: lock, rows: map[int]*RowState{}}
	ok := false
	defer func() {
		if !ok {
			lock.Close()
		}
	}()
	err = safefile.ReadJSON(j.runFile(), &j.run)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if profile == "" {
			profile = "default"
		}
		j.run = Run{Name: name, Manifest: m.Path, ManifestSHA256: m.SHA256, Profile: profile,
			Rows: len(m.Rows), ExpectedPages: m.ExpectedPages(), State: StateInterrupted}
	case err != nil:
		return nil, chartscan.WrapError(chartscan.EINTERNAL, err, "the state of migration %q is damaged (%s)", name, filepath.Join(dir, "run.json"))
	case j.run.ManifestSHA256 != m.SHA256:
		return nil, chartscan.Errorf(chartscan.ECONFLICT, "migration %q was started with another manifest (its SHA-256 differs); give another --name, or remove %s to start it over", name, dir)
	case profile != "" && profile != j.run.Profile:
		return nil, chartscan.Errorf(chartscan.ECONFLICT, "migration %q runs with profile %q; give --profile %s or another --name", name, j.run.Profile, j.run.Profile)
	}
	if j.rows, err = readRows(dir); err != nil {
		return nil, err
	}
	ok = true
	return j, nil
}

// takeLock opens the lock file and locks it for this process, waiting a
// moment for a `migrate status` that holds it to read.
func takeLock(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, err
	}
	for try := 0; ; try++ {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || try == 20 {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, ErrRunning
			}
			return nil, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Run returns a copy of the run's state, with the time spent until now.
func (j *Journal) Run() Run {
	j.mu.Lock()
	defer j.mu.Unlock()
	r := j.run
	if !j.since.IsZero() {
		r.Seconds = round1(j.base + time.Since(j.since).Seconds())
	}
	return r
}

// Row returns a copy of the record of the row at line, nil when the row
// was never started.
func (j *Journal) Row(line int) *RowState {
	j.mu.Lock()
	defer j.mu.Unlock()
	r := j.rows[line]
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

// Begin records that this process starts working on the migration.
func (j *Journal) Begin() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := time.Now().UTC()
	if j.run.StartedAt.IsZero() {
		j.run.StartedAt = now
	}
	j.run.Starts++
	j.run.State, j.run.DoneAt = StateRunning, nil
	j.since, j.base = time.Now(), j.run.Seconds
	return j.writeRun(now)
}

// Start records that the file of the row at line is being read now (its
// size and modification time given), counting one more pipeline run.
func (j *Journal) Start(line int, path string, size int64, mod time.Time) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	r := j.rows[line]
	if r == nil {
		r = &RowState{Line: line, Path: path}
		j.rows[line] = r
	}
	*r = RowState{Line: line, Path: path, Status: StatusInProgress, Runs: r.Runs + 1, Size: size, ModTime: mod.UTC()}
	return j.writeRow(r)
}

// Finish records the outcome of a row (a final status) and, with it, the
// pages the pipeline read for it. Runs is the journal's, counted by Start.
func (j *Journal) Finish(rec RowState, pagesRead int) error {
	if !rec.Final() {
		return fmt.Errorf("migrate: row %d finished with status %q", rec.Line, rec.Status)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	rec.Runs = 0
	if r := j.rows[rec.Line]; r != nil {
		rec.Runs = r.Runs // counted by Start
	}
	r := rec
	j.rows[rec.Line] = &r
	if err := j.writeRow(&r); err != nil {
		return err
	}
	j.run.PagesRead += pagesRead
	return j.writeRun(time.Now().UTC())
}

// End records the state this process leaves the migration in
// (interrupted or done) and releases it. The journal is unusable after.
func (j *Journal) End(state string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := time.Now().UTC()
	j.run.State = state
	if state == StateDone {
		j.run.DoneAt = &now
	}
	err := j.writeRun(now)
	return errors.Join(err, j.closeLocked())
}

// Close releases the migration without recording anything: a run that
// never began, or whose records could not be written.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.closeLocked()
}

func (j *Journal) closeLocked() error {
	if j.lock == nil {
		return nil
	}
	err := j.lock.Close() // closing the file releases the lock
	j.lock = nil
	return err
}

// Rows returns copies of every row record, by line.
func (j *Journal) Rows() map[int]*RowState {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make(map[int]*RowState, len(j.rows))
	for l, r := range j.rows {
		c := *r
		out[l] = &c
	}
	return out
}

func (j *Journal) runFile() string { return filepath.Join(j.dir, "run.json") }

// writeRun stores run.json with the time spent so far. j.mu is held.
func (j *Journal) writeRun(now time.Time) error {
	if !j.since.IsZero() {
		j.run.Seconds = round1(j.base + time.Since(j.since).Seconds())
	}
	j.run.UpdatedAt = now
	return safefile.WriteJSON(j.runFile(), &j.run, 0o640)
}

// writeRow stores a row record. j.mu is held.
func (j *Journal) writeRow(r *RowState) error {
	r.UpdatedAt = time.Now().UTC()
	return safefile.WriteJSON(rowFile(j.dir, r.Line), r, 0o640)
}

// rowFile is where the record of the row at line is kept: a thousand rows
// per folder, so that no folder grows past what file systems list fast.
func rowFile(dir string, line int) string {
	return filepath.Join(dir, "rows", fmt.Sprintf("%04d", line/1000), fmt.Sprintf("%07d.json", line))
}

// readRows reads every row record under dir/rows.
func readRows(dir string) (map[int]*RowState, error) {
	rows := map[int]*RowState{}
	root := filepath.Join(dir, "rows")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return filepath.SkipAll
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".json") || strings.HasPrefix(d.Name(), safefile.TempPrefix) {
			return nil
		}
		var r RowState
		if err := safefile.ReadJSON(path, &r); err != nil {
			return chartscan.WrapError(chartscan.EINTERNAL, err, "a row record of the migration is damaged (%s)", path)
		}
		rows[r.Line] = &r
		return nil
	})
	return rows, err
}

// NeedsWork reports whether a row must be done (again) at this start,
// given its record (nil if never started) and what a stat of its file
// returned: a row never started or left in progress by a run that was
// killed, a missing file that is there now, or a file changed since it was
// read (another size or modification time: the vendor delivered it
// again). A row done is not done again otherwise, whatever its status.
func NeedsWork(rec *RowState, st fs.FileInfo, statErr error) bool {
	switch {
	case !rec.Final():
		return true
	case statErr != nil || st.IsDir():
		return false
	case rec.Status == StatusMissing:
		return true
	}
	return st.Size() != rec.Size || !st.ModTime().Equal(rec.ModTime)
}

// Status is what `chartscan migrate status` tells of a migration.
type Status struct {
	Run
	// State is the run's state as it is now: running only while a
	// process holds the migration, else what the last one left, a
	// killed run being interrupted.
	State string `json:"state"`
	// Counts are the rows by status: the five of the reconciliation,
	// in_progress (while running) and pending (not done yet).
	Counts       map[string]int `json:"counts"`
	ScannedPages int            `json:"scanned_pages"`
	ContentPages int            `json:"content_pages"`
	BlankPages   int            `json:"blank_pages"`
	Documents    int            `json:"documents"`
}

// StatusNames lists the keys of Status.Counts in the order they are
// printed.
var StatusNames = append(append([]string{}, Statuses...), StatusInProgress, "pending")

// ReadStatus reads the state of the migration in dir without taking it:
// it is safe while a migrate process works on it. A migration never
// started is an ENOTFOUND error.
func ReadStatus(dir string) (*Status, error) {
	var run Run
	if err := safefile.ReadJSON(filepath.Join(dir, "run.json"), &run); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, chartscan.Errorf(chartscan.ENOTFOUND, "no migration %q (nothing at %s)", filepath.Base(dir), dir)
		}
		return nil, chartscan.WrapError(chartscan.EINTERNAL, err, "the state of migration %q is damaged (%s)", filepath.Base(dir), filepath.Join(dir, "run.json"))
	}
	running, err := held(dir)
	if err != nil {
		return nil, err
	}
	rows, err := readRows(dir)
	if err != nil {
		return nil, err
	}
	st := &Status{Run: run, Counts: map[string]int{}}
	for _, k := range StatusNames {
		st.Counts[k] = 0
	}
	switch {
	case running:
		st.State = StateRunning
	case run.State == StateDone:
		st.State = StateDone
	default:
		st.State = StateInterrupted
	}
	lines := make([]int, 0, len(rows))
	for l := range rows {
		lines = append(lines, l)
	}
	sort.Ints(lines)
	done := 0
	for _, l := range lines {
		r := rows[l]
		switch {
		case r.Final():
			st.Counts[r.Status]++
			st.ScannedPages += r.ScannedPages
			st.ContentPages += r.ContentPages
			st.BlankPages += r.BlankPages
			st.Documents += r.Documents
			done++
		case running:
			st.Counts[StatusInProgress]++
			done++ // counted here rather than as pending
		}
	}
	st.Counts["pending"] = max(run.Rows-done, 0)
	return st, nil
}

// held reports whether a process holds the migration's lock.
func held(dir string) (bool, error) {
	f, err := os.Open(filepath.Join(dir, "lock"))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, nil
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
