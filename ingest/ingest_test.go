package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"chartscan"
	"chartscan/classify"
	"chartscan/config"
	"chartscan/index"
	"chartscan/ingest"
	"chartscan/internal/testutil"
	"chartscan/ocr"
	"chartscan/raster"
	"chartscan/storage"
)

func TestMain(m *testing.M) { testutil.Main(m) }

var (
	poolOnce sync.Once
	pool     *ocr.Pool
	poolErr  error
)

// sharedPool is one OCR pool for the package's tests.
func sharedPool(t *testing.T) *ocr.Pool {
	t.Helper()
	poolOnce.Do(func() {
		pool, poolErr = ocr.New(ocr.Config{Workers: runtime.NumCPU(), Languages: []string{"eng"}, PageTimeout: 2 * time.Minute, MaxDPI: config.Default().OCR.MaxDPI})
	})
	if poolErr != nil {
		t.Fatal(poolErr)
	}
	return pool
}

func builtinClassifier(t *testing.T) *classify.Classifier {
	t.Helper()
	m, err := classify.BuiltinModel()
	if err != nil {
		t.Fatal(err)
	}
	return classify.New(m, nil, nil)
}

type env struct {
	store *storage.FS
	index *index.Index
	pipe  *ingest.Pipeline
	prof  *chartscan.Profile
	dir   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	st, err := storage.NewFS(filepath.Join(dir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := index.Open(filepath.Join(dir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	prof := chartscan.NewProfile("default")
	prof.Settle = 300 * time.Millisecond
	return &env{
		store: st, index: idx, prof: prof, dir: dir,
		pipe: &ingest.Pipeline{
			Store: st, Index: idx, OCR: sharedPool(t), Classifier: builtinClassifier(t),
			Limits: raster.DefaultLimits, Languages: []string{"eng"},
			PagesInFlight: 3, // as the service sets it on two cores
		},
	}
}

func scan(t *testing.T, rel string) string {
	t.Helper()
	return filepath.Join(testutil.SharedData(t), rel)
}

func copyTo(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func countObjects(t *testing.T, s chartscan.ObjectStore) int {
	t.Helper()
	n := 0
	if err := s.List(context.Background(), "", func(chartscan.ObjectInfo) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// The same file processed twice is stored and indexed once.
func TestProcessTwiceIsOneBatch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	src := ingest.Source{Path: scan(t, "paperless-ngx/multi-page-images.pdf"), Name: "multi.pdf", Profile: e.prof}
	first, err := e.pipe.Process(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != ingest.StatusDone || first.Pages != 3 || len(first.Documents) == 0 {
		t.Fatalf("first = %+v", first)
	}
	objects := countObjects(t, e.store)
	pages, _ := e.index.Count()

	src.Name = "renamed copy.pdf"
	second, err := e.pipe.Process(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if second.Status != ingest.StatusDuplicate || second.BatchID != first.BatchID {
		t.Fatalf("second = %+v, want duplicate of %s", second, first.BatchID)
	}
	if n := countObjects(t, e.store); n != objects {
		t.Errorf("objects %d -> %d after a duplicate", objects, n)
	}
	if n, _ := e.index.Count(); n != pages {
		t.Errorf("index %d -> %d pages after a duplicate", pages, n)
	}
	res, err := e.index.Search(ctx, chartscan.SearchQuery{Text: `"multi page document"`})
	if err != nil || res.Total != 3 {
		t.Fatalf("search: %v, %d hits, want 3", err, res.Total)
	}
}

// Two copies of one file processed at the same time: one is ingested, the
// other waits for it and is reported a duplicate; one source is stored.
func TestConcurrentCopiesAreOneBatch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	path := scan(t, "paperless-ngx/multi-page-images.pdf")
	results := make([]*ingest.Result, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, name := range []string{"a.pdf", "b.pdf"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = e.pipe.Process(ctx, ingest.Source{Path: path, Name: name, Profile: e.prof})
		}()
	}
	wg.Wait()
	statuses := map[string]int{}
	for i := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		statuses[results[i].Status]++
	}
	if statuses[ingest.StatusDone] != 1 || statuses[ingest.StatusDuplicate] != 1 {
		t.Fatalf("statuses %v, want one done and one duplicate", statuses)
	}
	var sources []string
	e.store.List(ctx, "sources/", func(o chartscan.ObjectInfo) error {
		sources = append(sources, o.Key)
		return nil
	})
	if len(sources) != 1 {
		t.Errorf("sources %v, want one", sources)
	}
}

// A file that cannot be ingested goes to failed/ with its reason; the
// other files of the same drop go through.
func TestQueueQuarantinesBadFiles(t *testing.T) {
	e := newEnv(t)
	inbox := filepath.Join(e.dir, "inbox")
	os.MkdirAll(inbox, 0o755)
	q := &ingest.Queue{
		Dir: filepath.Join(e.dir, "work"), Pipeline: e.pipe,
		Profiles:   map[string]*chartscan.Profile{"default": e.prof},
		ArchiveDir: func(*chartscan.Profile) string { return filepath.Join(inbox, "archive") },
		FailedDir:  filepath.Join(e.dir, "failed"),
	}
	good := filepath.Join(inbox, "good scan.tif")
	copyTo(t, scan(t, "charts/batches/public-11-023.tif"), good)
	bad := filepath.Join(inbox, "login page.pdf")
	os.WriteFile(bad, []byte("<!DOCTYPE html><html><body>Session expired</body></html>"), 0o644)
	for _, p := range []string{bad, good} {
		if _, err := q.Accept(p, e.prof); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- q.Run(ctx) }()
	deadline := time.Now().Add(2 * time.Minute)
	for q.Len() > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	note, err := os.ReadFile(filepath.Join(inbox, "failed", "login page.pdf.error.txt"))
	if err != nil {
		t.Fatalf("no error note: %v", err)
	}
	if !strings.Contains(string(note), "it is an HTML page") {
		t.Errorf("note = %s", note)
	}
	if _, err := os.Stat(filepath.Join(inbox, "archive", "good scan.tif")); err != nil {
		t.Errorf("good file not archived: %v", err)
	}
	if ents, _ := os.ReadDir(q.Dir); len(ents) != 0 {
		t.Errorf("work folder not empty: %d entries", len(ents))
	}
	// The failure is recorded where the API looks batches up.
	var failed *chartscan.Batch
	e.store.List(context.Background(), chartscan.BatchesPrefix, func(o chartscan.ObjectInfo) error {
		r, _ := e.store.Get(context.Background(), o.Key)
		var b chartscan.Batch
		json.NewDecoder(r).Decode(&b)
		r.Close()
		if b.Status == chartscan.BatchFailed {
			failed = &b
		}
		return nil
	})
	if failed == nil || !strings.Contains(failed.Error, "HTML") {
		t.Errorf("failed batch record = %+v", failed)
	}
}

// Files accepted and not finished before a stop are processed at the next
// start; an upload is on disk, with its batch id, before Upload returns.
func TestQueueResumesAfterRestart(t *testing.T) {
	e := newEnv(t)
	work := filepath.Join(e.dir, "work")
	newQueue := func() *ingest.Queue {
		return &ingest.Queue{Dir: work, Pipeline: e.pipe, Profiles: map[string]*chartscan.Profile{"default": e.prof}, FailedDir: filepath.Join(e.dir, "failed")}
	}
	data, err := os.ReadFile(scan(t, "charts/batches/public-11-023.tif"))
	if err != nil {
		t.Fatal(err)
	}
	job, err := newQueue().Upload(bytes.NewReader(data), "../../etc/passwd", e.prof)
	if err != nil {
		t.Fatal(err)
	}
	if job.BatchID == "" || job.Name != "passwd" {
		t.Fatalf("job = %+v", job)
	}
	// That queue never ran (as if the service was killed). A new one finds
	// the job in the work folder.
	q := newQueue()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- q.Run(ctx) }()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if b, err := chartscan.LoadBatch(context.Background(), e.store, job.BatchID); err == nil && b.Status == chartscan.BatchDone {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	<-done
	b, err := chartscan.LoadBatch(context.Background(), e.store, job.BatchID)
	if err != nil || b.Status != chartscan.BatchDone || b.SourceName != "passwd" {
		t.Fatalf("batch after restart: %+v, %v", b, err)
	}
	r, err := e.store.Get(context.Background(), chartscan.SourceKey(job.BatchID, "passwd"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, data) {
		t.Error("stored source differs from the upload")
	}
}

// A file that was being read each time chartscan stopped uncleanly, as
// often as maxUncleanStops allows, is set aside with its reason at the
// next start; one that was being read once is read again (alone), and
// its count is cleared with it.
func TestFileThatKeepsStoppingTheServiceIsSetAside(t *testing.T) {
	e := newEnv(t)
	work := filepath.Join(e.dir, "work")
	failed := filepath.Join(e.dir, "failed")
	newQueue := func() *ingest.Queue {
		return &ingest.Queue{Dir: work, Pipeline: e.pipe, Profiles: map[string]*chartscan.Profile{"default": e.prof}, FailedDir: failed}
	}
	upload := func(rel, name string, stops int) *ingest.Job {
		data, err := os.ReadFile(scan(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		j, err := newQueue().Upload(bytes.NewReader(data), name, e.prof)
		if err != nil {
			t.Fatal(err)
		}
		// As the job file is left by a service that stopped that often
		// while reading the file.
		path := filepath.Join(work, j.ID, "job.json")
		var raw map[string]any
		b, _ := os.ReadFile(path)
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatal(err)
		}
		raw["unclean_stops"] = stops
		b, _ = json.Marshal(raw)
		if err := os.WriteFile(path, b, 0o640); err != nil {
			t.Fatal(err)
		}
		return j
	}
	killer := upload("charts/batches/public-11-023.tif", "killer.tif", 3)
	once := upload("charts/batches/public-11-021.tif", "once.tif", 1)

	q := newQueue()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- q.Run(ctx) }()
	defer func() { cancel(); <-done }()
	status := func(id chartscan.BatchID) chartscan.BatchStatus {
		b, err := chartscan.LoadBatch(context.Background(), e.store, id)
		if err != nil {
			return ""
		}
		return b.Status
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) && (status(killer.BatchID) == "" || status(once.BatchID) != chartscan.BatchDone) {
		time.Sleep(100 * time.Millisecond)
	}
	b, err := chartscan.LoadBatch(context.Background(), e.store, killer.BatchID)
	if err != nil || b.Status != chartscan.BatchFailed || !strings.Contains(b.Error, "stopped unexpectedly 3 times") {
		t.Fatalf("batch of the file that stopped the service: %+v, %v", b, err)
	}
	note, err := os.ReadFile(filepath.Join(failed, "killer.tif.error.txt"))
	if err != nil || !strings.Contains(string(note), "set aside") {
		t.Errorf("failed note: %q, %v", note, err)
	}
	if st := status(once.BatchID); st != chartscan.BatchDone {
		t.Errorf("file read once before a stop: %q, want done", st)
	}
	// The batch record is stored before the job's folder is removed (a
	// job is dropped only once all of it is safe), so the folder empties
	// just after.
	var left []os.DirEntry
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if left, _ = os.ReadDir(work); len(left) == 0 {
			break
		}
	}
	if len(left) != 0 {
		t.Errorf("work folder keeps %d jobs", len(left))
	}
}

func TestUploadLimits(t *testing.T) {
	e := newEnv(t)
	q := &ingest.Queue{Dir: filepath.Join(e.dir, "work"), Pipeline: e.pipe, MaxUpload: 1000}
	if _, err := q.Upload(bytes.NewReader(make([]byte, 1001)), "big.pdf", e.prof); chartscan.ErrorCode(err) != chartscan.ETOOLARGE {
		t.Errorf("upload over the limit: %v", err)
	}
	if _, err := q.Upload(bytes.NewReader(nil), "empty.pdf", e.prof); chartscan.ErrorCode(err) != chartscan.EINVALID {
		t.Errorf("empty upload: %v", err)
	}
	if ents, _ := os.ReadDir(q.Dir); len(ents) != 0 {
		t.Errorf("refused uploads left %d entries in the work folder", len(ents))
	}
}

// The watcher takes files present at start and new ones, each only once
// it has stopped changing, and leaves hidden, temporary and foreign files.
func TestWatcherTakesSettledFilesOnly(t *testing.T) {
	e := newEnv(t)
	inbox := filepath.Join(e.dir, "inbox")
	os.MkdirAll(inbox, 0o755)
	e.prof.Settle = 700 * time.Millisecond
	q := &ingest.Queue{Dir: filepath.Join(e.dir, "work"), Pipeline: e.pipe, Profiles: map[string]*chartscan.Profile{"default": e.prof}}
	// Present before the watcher starts: taken by the catch-up scan.
	os.WriteFile(filepath.Join(inbox, "early.pdf"), []byte("%PDF-1.4 early"), 0o644)
	// Never taken: hidden, temporary, not matching the profile.
	os.WriteFile(filepath.Join(inbox, ".hidden.pdf"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(inbox, "scan.pdf.part"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(inbox, "notes.txt"), []byte("x"), 0o644)

	w := &ingest.Watcher{Queue: q, Profiles: q.Profiles, InboxDir: func(*chartscan.Profile) string { return inbox }, Rescan: time.Second, Poll: 50 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)

	// A file written in pieces, with pauses shorter than the settle time,
	// is taken only once it stops growing.
	growing := filepath.Join(inbox, "growing.pdf")
	f, _ := os.Create(growing)
	for i := 0; i < 5; i++ {
		f.WriteString("%PDF-1.4 page ")
		f.Sync()
		time.Sleep(300 * time.Millisecond)
		if _, err := os.Stat(growing); err != nil {
			t.Fatalf("taken after %d writes while still being written", i+1)
		}
	}
	f.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, err1 := os.Stat(growing)
		_, err2 := os.Stat(filepath.Join(inbox, "early.pdf"))
		if os.IsNotExist(err1) && os.IsNotExist(err2) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if q.Len() != 2 {
		t.Fatalf("queue holds %d files, want 2 (early.pdf, growing.pdf)", q.Len())
	}
	for _, name := range []string{".hidden.pdf", "scan.pdf.part", "notes.txt"} {
		if _, err := os.Stat(filepath.Join(inbox, name)); err != nil {
			t.Errorf("%s was taken", name)
		}
	}
	// The queued copy of growing.pdf is complete.
	ents, _ := os.ReadDir(q.Dir)
	var sizes []int64
	for _, e := range ents {
		st, err := os.Stat(filepath.Join(q.Dir, e.Name(), "source"))
		if err == nil {
			sizes = append(sizes, st.Size())
		}
	}
	if len(sizes) != 2 || (sizes[0] != 70 && sizes[1] != 70) {
		t.Errorf("queued sizes %v, want one of 70 bytes", sizes)
	}
}

// panicky stands in for a dependency that panics on a page.
type panicky struct{}

func (panicky) Recognize(context.Context, *image.Gray, ocr.Options) (*ocr.Result, error) {
	panic("index out of range in a reader")
}

// A panic inside a dependency while reading a file is recovered: the file
// fails with the reason and the process goes on.
func TestPanicInAReaderIsContained(t *testing.T) {
	e := newEnv(t)
	e.pipe.OCR = panicky{}
	res, err := e.pipe.Process(context.Background(), ingest.Source{Path: scan(t, "charts/batches/public-11-023.tif"), Name: "x.tif", Profile: e.prof})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != ingest.StatusFailed || !strings.Contains(chartscan.ErrorMessage(res.Err), "crashed") {
		t.Fatalf("result = %+v (%v)", res, res.Err)
	}
}
