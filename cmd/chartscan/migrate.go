package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"chartscan"
	"chartscan/config"
	"chartscan/ingest"
	"chartscan/migrate"
)

// migrationDir is where the state and the reconciliation of the
// migration called name are kept.
func migrationDir(cfg *config.Config, name string) string {
	return filepath.Join(cfg.DataDir, "migrations", name)
}

// migrate runs a backfile migration: every row of a manifest through the
// pipeline, a row's outcome recorded as soon as it is known, then the
// reconciliation. Killed and started again, it does the rows not done
// yet (and the one that was in progress, which the pipeline recognises
// if it was stored already); the rows done are not read again.
func (e *cmdEnv) migrate(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "status" {
		return e.migrateStatus(args[1:])
	}
	fs := e.flags("migrate")
	manifestPath := fs.String("manifest", "", "the manifest: a CSV file with path,box,expected_pages[,mrn,patient_name,dob]")
	profName := fs.String("profile", "", "scanner profile to read the files with (default: the one the migration started with, else default)")
	name := fs.String("name", "", "the migration's name (default: the manifest's file name without extension)")
	verbose := fs.Bool("v", false, "log progress on stderr")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("migrate: unexpected argument %q (give --manifest FILE.csv, or migrate status --name N)", rest[0])
	}
	if *manifestPath == "" {
		return fmt.Errorf("migrate: give --manifest FILE.csv")
	}
	man, err := migrate.ReadManifest(*manifestPath)
	if err != nil {
		return err
	}
	n := *name
	switch {
	case n == "":
		if n = migrate.DefaultName(man.Path); n == "" {
			return fmt.Errorf("migrate: the manifest's file name cannot name a migration; give --name (letters, digits, '.', '_', '-')")
		}
	case !migrate.ValidName(n):
		return fmt.Errorf("migrate: --name %q: use 1 to 64 letters, digits, '.', '_' or '-', not starting with a dot", n)
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	dir := migrationDir(cfg, n)
	j, err := migrate.Open(dir, n, man, *profName)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer j.Close()
	if !*verbose {
		cfg.Log.Level = "warn"
	}
	m := NewMain(cfg, newLogger(cfg, e.stderr))
	if err := m.Open(); err != nil {
		m.Close()
		return err
	}
	defer m.Close()
	prof, err := m.profile(j.Run().Profile)
	if err != nil {
		return err
	}

	var todo []migrate.Row
	for _, row := range man.Rows {
		st, serr := os.Stat(row.File)
		if migrate.NeedsWork(j.Row(row.Line), st, serr) {
			todo = append(todo, row)
		}
	}
	if err := j.Begin(); err != nil {
		return err
	}
	run := &migrationRun{
		m: m, prof: prof, j: j, log: m.Logger.With("component", "migrate", "migration", n),
		progress: newMigrateProgress(e.stderr, todo),
	}
	m.Pipeline.OnPage = func(id chartscan.BatchID, _ *chartscan.Page, _ time.Duration) { run.progress.page(id) }
	start := time.Now()
	runErr := run.rows(ctx, todo, cfg.Files())
	run.progress.finish()
	secs := time.Since(start).Seconds()
	read := run.progress.pagesRead()

	if runErr != nil {
		if err := j.End(migrate.StateInterrupted); err != nil {
			m.Logger.Error("could not record the migration's state", "err", err.Error())
		}
		done := 0
		for _, r := range j.Rows() {
			if r.Final() {
				done++
			}
		}
		fmt.Fprintf(e.stderr, "migration %q interrupted: %d of %d rows done, %d pages read in %.1fs; run the same command again to resume\n",
			n, done, len(man.Rows), read, secs)
		if errors.Is(runErr, context.Canceled) {
			return exitError(1)
		}
		return fmt.Errorf("migrate: %w", runErr)
	}
	rep, err := migrate.Reconcile(j.Run(), man, j.Rows(), time.Now())
	if err != nil {
		return err
	}
	if err := rep.Write(dir); err != nil {
		return fmt.Errorf("migrate: write the reconciliation: %w", err)
	}
	if err := j.End(migrate.StateDone); err != nil {
		return err
	}
	printMigration(e.stdout, rep, len(todo), read, secs, dir)
	if !rep.OK {
		return exitError(1)
	}
	return nil
}

// printMigration prints the outcome of a run: the counts, this run's
// throughput, the rows that are not ok (by line and box: paths can carry
// patients' names) and where the reconciliation is.
func printMigration(w io.Writer, rep *migrate.Report, did, read int, secs float64, dir string) {
	t := rep.Totals
	boxes := "boxes"
	if len(rep.Boxes) == 1 {
		boxes = "box"
	}
	fmt.Fprintf(w, "migration %q: %d rows in %d %s: ", rep.Name, t.Rows, len(rep.Boxes), boxes)
	for i, s := range migrate.Statuses {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprintf(w, "%d %s", t.ByStatus[s], s)
	}
	fmt.Fprintf(w, "\npages: %d expected, %d scanned (%d content, %d blank), %d documents\n",
		t.ExpectedPages, t.ScannedPages, t.ContentPages, t.BlankPages, t.Documents)
	fmt.Fprintf(w, "this run: %d rows, %d pages read in %.1fs (%.2f pages/s)\n", did, read, secs, float64(read)/max(secs, 0.001))
	shown := 0
	for _, r := range rep.Rows {
		if r.Status == migrate.StatusOK {
			continue
		}
		if shown == 20 {
			fmt.Fprintf(w, "... and %d more rows that are not ok\n", len(rep.Rows)-t.ByStatus[migrate.StatusOK]-shown)
			break
		}
		fmt.Fprintf(w, "line %d, box %s: %s: %s\n", r.Line, r.Box, r.Status, r.Reason)
		shown++
	}
	csvPath, jsonPath := migrate.Files(dir)
	fmt.Fprintf(w, "reconciliation: %s, %s\n", csvPath, jsonPath)
}

// migrationRun is one start of a migration: the program, the profile the
// files are read with, the journal, and the progress shown.
type migrationRun struct {
	m        *Main
	prof     *chartscan.Profile
	j        *migrate.Journal
	log      *slog.Logger
	progress *migrateProgress
}

// rows does the rows, workers at a time, in the manifest's order. It
// stops taking rows at the first error of a resource (the object store,
// the index, the journal) or when ctx ends, lets the rows in progress
// finish, and returns that error; the rows not done stay for the next
// start.
func (r *migrationRun) rows(ctx context.Context, rows []migrate.Row, workers int) error {
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return firstErr != nil
	}
	work := make(chan migrate.Row)
	for w := 0; w < max(workers, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for row := range work {
				if err := r.row(ctx, row); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, row := range rows {
		if ctx.Err() != nil || failed() {
			break
		}
		select {
		case work <- row:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// row does one row: a file that is not there or cannot be read is
// missing; otherwise it goes through the pipeline and its counts are
// read from the batch stored. An error means the row is not done (a
// resource failed, or ctx ended): it is done again at the next start.
func (r *migrationRun) row(ctx context.Context, row migrate.Row) error {
	log := r.log.With("line", row.Line)
	rec := migrate.RowState{Line: row.Line, Path: row.Path}
	var id chartscan.BatchID
	finish := func() error {
		read := r.progress.rowDone(row.Line, id, row.ExpectedPages)
		log.Info("row done", "status", rec.Status, "pages", rec.ScannedPages, "read", read, "batch", string(rec.BatchID))
		return r.j.Finish(rec, read)
	}
	missing := func(reason string) error {
		rec.Status, rec.Reason, rec.BatchID = migrate.StatusMissing, reason, ""
		return finish()
	}
	st, err := os.Stat(row.File)
	switch {
	case err != nil:
		return missing(openReason(err))
	case st.IsDir():
		return missing("a folder, not a file")
	case !st.Mode().IsRegular():
		return missing("not a regular file")
	}
	// Hashed here, which also proves the file readable to its end, so
	// that its pages are shown as they are read.
	sum, _, err := ingest.HashFile(row.File)
	if err != nil {
		return missing(openReason(err))
	}
	id = chartscan.NewBatchID(sum)
	if err := r.j.Start(row.Line, row.Path, st.Size(), st.ModTime()); err != nil {
		return err
	}
	r.progress.rowStarted(row.Line, id, row.ExpectedPages)
	var known *ingest.KnownPatient
	if row.MRN != "" || row.PatientName != "" || row.DOB != "" {
		known = &ingest.KnownPatient{MRN: row.MRN, Name: row.PatientName, DOB: row.DOB}
	}
	res, err := r.m.Pipeline.Process(ctx, ingest.Source{
		Path: row.File, Name: filepath.Base(row.File), Profile: r.prof, ReceivedAt: time.Now(), SHA256: sum, Patient: known,
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, serr := os.Stat(row.File); serr != nil { // gone while it was read
			return missing(openReason(serr))
		}
		return err
	}
	rec.BatchID, rec.Size, rec.ModTime = res.BatchID, st.Size(), st.ModTime()
	if res.Status == ingest.StatusFailed {
		rec.Status, rec.Reason = migrate.StatusFailed, res.Outcome().Message
		return finish()
	}
	if err := r.tally(ctx, &rec, row, known); err != nil {
		return err
	}
	return finish()
}

// tally sets the counts and status of a row whose file went through,
// from the batch as stored (the same whether it was read now or before):
// short or extra by its page count, failed when some of its pages could
// not be read, with a word on documents that name another patient than
// the manifest.
func (r *migrationRun) tally(ctx context.Context, rec *migrate.RowState, row migrate.Row, known *ingest.KnownPatient) error {
	store := r.m.Store
	b, err := chartscan.LoadBatch(ctx, store, rec.BatchID)
	if err != nil {
		return err
	}
	kinds := b.PageKinds
	var unreadable []string
	if kinds == nil || b.Error != "" { // a batch stored before kinds were counted, or with pages to rescan
		kinds = map[chartscan.PageKind]int{}
		for n := 1; n <= b.Pages; n++ {
			pg, err := chartscan.LoadPage(ctx, store, rec.BatchID.Page(n))
			if err != nil {
				return err
			}
			kinds[pg.Kind]++
			if pg.Error != "" {
				unreadable = append(unreadable, fmt.Sprint(n))
			}
		}
	}
	rec.ScannedPages, rec.ContentPages, rec.BlankPages = b.Pages, kinds[chartscan.PageContent], kinds[chartscan.PageBlank]
	rec.Documents = len(b.Documents)
	var countReason, readReason, patientReason string
	rec.Status, countReason = migrate.CountStatus(row.ExpectedPages, b.Pages)
	if b.Error != "" {
		rec.Status = migrate.StatusFailed
		readReason = b.Error + " and need rescanning"
		if len(unreadable) > 0 {
			readReason += " (pages " + strings.Join(unreadable, ", ") + ")"
		}
	}
	if known != nil {
		differ, notInReview := 0, 0
		why := map[string]bool{}
		for _, did := range b.Documents {
			d, err := chartscan.LoadDocument(ctx, store, did)
			if err != nil {
				return err
			}
			rs := known.Differs(d)
			if len(rs) == 0 {
				continue
			}
			differ++
			if !d.NeedsReview {
				notInReview++
			}
			for _, x := range rs {
				why[x] = true
			}
		}
		if differ > 0 {
			var ws []string
			for _, w := range []string{ingest.ReasonKnownMRN, ingest.ReasonKnownName, ingest.ReasonKnownDOB} {
				if why[w] {
					ws = append(ws, w)
				}
			}
			patientReason = fmt.Sprintf("%d of %d documents: %s", differ, len(b.Documents), strings.Join(ws, ", "))
			if notInReview > 0 {
				patientReason += fmt.Sprintf(" (%d not in review: stored before this migration, or corrected since)", notInReview)
			}
		}
	}
	rec.Reason = migrate.JoinReasons(countReason, readReason, patientReason)
	return nil
}

// openReason says why a file cannot be opened or read, without its path.
func openReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "file not found"
	case errors.Is(err, fs.ErrPermission):
		return "cannot be opened: permission denied"
	case errors.Is(err, syscall.EISDIR):
		return "a folder, not a file"
	}
	return "cannot be read: " + err.Error()
}

// migrateProgress shows a migration's progress: a bar of the expected
// pages of the rows to do, with pages/s and the time left, on a terminal;
// a line every progressEvery otherwise. A row's pages count as they are
// read, up to its expected pages, and the rest of them when it is done,
// so the bar ends full whatever the rows held. It is safe for concurrent
// use.
type migrateProgress struct {
	mu       sync.Mutex
	bar      *progressbar.ProgressBar // nil off a terminal
	w        io.Writer
	rows     int
	rowsDone int
	expected int // pages of the rows to do
	shown    int
	read     int
	reading  map[int]*rowProgress      // rows being read, by line
	byBatch  map[chartscan.BatchID]int // the line reading each file
	start    time.Time
	stop     chan struct{}
	stopped  sync.WaitGroup
}

// rowProgress is a row being read.
type rowProgress struct {
	expected, shown, read int
}

// progressEvery is how often a migration says how far it is when its
// output is not a terminal (a log).
const progressEvery = time.Minute

func newMigrateProgress(w io.Writer, rows []migrate.Row) *migrateProgress {
	p := &migrateProgress{w: w, rows: len(rows), reading: map[int]*rowProgress{}, byBatch: map[chartscan.BatchID]int{},
		start: time.Now(), stop: make(chan struct{})}
	for _, r := range rows {
		p.expected += r.ExpectedPages
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(p.expected,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(p.describe()),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("pages"),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		return p
	}
	p.stopped.Add(1)
	go func() {
		defer p.stopped.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.line()
			}
		}
	}()
	return p
}

func (p *migrateProgress) describe() string {
	return fmt.Sprintf("migrating: %d of %d files", p.rowsDone, p.rows)
}

// line prints where the migration is, for a log.
func (p *migrateProgress) line() {
	p.mu.Lock()
	defer p.mu.Unlock()
	secs := time.Since(p.start).Seconds()
	rate := float64(p.read) / max(secs, 0.001)
	left := "unknown"
	if rate > 0 {
		left = (time.Duration(float64(p.expected-p.shown)/rate) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "migrate: %d of %d files, %d of %d pages, %.2f pages/s, about %s left\n",
		p.rowsDone, p.rows, p.shown, p.expected, rate, left)
}

// rowStarted registers the row at line, whose file (batch id) is about
// to be read.
func (p *migrateProgress) rowStarted(line int, id chartscan.BatchID, expected int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reading[line] = &rowProgress{expected: expected}
	if _, busy := p.byBatch[id]; !busy { // two rows with one file: the second finds it stored
		p.byBatch[id] = line
	}
}

// page counts a page the pipeline read.
func (p *migrateProgress) page(id chartscan.BatchID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.read++
	line, ok := p.byBatch[id]
	if !ok {
		return
	}
	rp := p.reading[line]
	rp.read++
	if rp.shown < rp.expected {
		rp.shown++
		p.add(1)
	}
}

// rowDone counts the row at line done, adds its pages not shown yet, and
// returns the pages read of its file.
func (p *migrateProgress) rowDone(line int, id chartscan.BatchID, expected int) (read int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rowsDone++
	rp := p.reading[line]
	if rp == nil { // never read: a missing file
		rp = &rowProgress{expected: expected}
	}
	delete(p.reading, line)
	if l, ok := p.byBatch[id]; ok && l == line {
		delete(p.byBatch, id)
	}
	if p.bar != nil {
		p.bar.Describe(p.describe()) // shown at the next move
	}
	if rest := rp.expected - rp.shown; rest > 0 {
		p.add(rest)
	}
	return rp.read
}

// add moves the bar. p.mu is held.
func (p *migrateProgress) add(n int) {
	p.shown += n
	if p.bar != nil {
		_ = p.bar.Add(n)
	}
}

// pagesRead returns the pages the pipeline read.
func (p *migrateProgress) pagesRead() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.read
}

// finish stops the progress display.
func (p *migrateProgress) finish() {
	close(p.stop)
	p.stopped.Wait()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// migrateStatus prints the state of a migration and its rows by status,
// read from its folder: it works while the migration runs, from another
// process, and after it was killed.
func (e *cmdEnv) migrateStatus(args []string) error {
	fs := e.flags("migrate status")
	name := fs.String("name", "", "the migration's name")
	asJSON := fs.Bool("json", false, "print the status as JSON")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) > 0:
		return fmt.Errorf("migrate status: unexpected argument %q", rest[0])
	case *name == "":
		return fmt.Errorf("migrate status: give --name N")
	case !migrate.ValidName(*name):
		return fmt.Errorf("migrate status: --name %q is not a migration name", *name)
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	dir := migrationDir(cfg, *name)
	st, err := migrate.ReadStatus(dir)
	if err != nil {
		return fmt.Errorf("migrate status: migration %q: %w", *name, err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	w := e.stdout
	fmt.Fprintf(w, "state: %s\n", st.State)
	fmt.Fprintf(w, "rows: %d\n", st.Rows)
	for _, k := range migrate.StatusNames {
		fmt.Fprintf(w, "%s: %d\n", k, st.Counts[k])
	}
	fmt.Fprintf(w, "expected_pages: %d\nscanned_pages: %d\ncontent_pages: %d\nblank_pages: %d\ndocuments: %d\n",
		st.ExpectedPages, st.ScannedPages, st.ContentPages, st.BlankPages, st.Documents)
	fmt.Fprintf(w, "pages_read: %d\nseconds: %.1f\n", st.PagesRead, st.Seconds)
	if st.Seconds > 0 {
		fmt.Fprintf(w, "pages_per_second: %.2f\n", float64(st.PagesRead)/st.Seconds)
	}
	if st.State == migrate.StateDone {
		csvPath, jsonPath := migrate.Files(dir)
		fmt.Fprintf(w, "reconciliation: %s %s\n", csvPath, jsonPath)
	}
	return nil
}
