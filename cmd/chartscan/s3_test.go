package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartscan"
	"chartscan/config"
	"chartscan/internal/testutil"
	"chartscan/storage"
)

// runCmd runs a chartscan command in-process, as the binary would.
func runCmd(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, nil, &out, &errOut)
	if errOut.Len() > 0 {
		t.Logf("chartscan %s: %s", args[2], errOut.String())
	}
	return out.String(), code
}

// s3Config writes a config file for an S3 store at s3 and returns it.
func s3Config(t *testing.T, s3 testutil.S3, bucket string) (path, dataDir string) {
	t.Helper()
	dir := t.TempDir()
	dataDir = filepath.Join(dir, "data")
	path = filepath.Join(dir, "chartscan.yaml")
	y := fmt.Sprintf(`data_dir: %s
profiles_dir: %s
storage:
  kind: s3
  s3: {endpoint: %q, bucket: %q, access_key: %q, secret_key: %q}
`, dataDir, filepath.Join(testutil.Root(t), "scanner-profiles"), s3.Endpoint, bucket, s3.AccessKey, s3.SecretKey)
	if err := os.WriteFile(path, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, dataDir
}

func withoutTook(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, `"took_ms"`) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// With kind s3, ingest stores every object in the bucket; a lost index is
// rebuilt from the bucket alone and gives the same search results.
func TestS3IngestThenReindex(t *testing.T) {
	s3 := testutil.SharedMinIO(t)
	bucket := fmt.Sprintf("e2e-%d", rand.Int63())
	cfgPath, dataDir := s3Config(t, s3, bucket)
	scanPath := filepath.Join(testutil.SharedData(t), "charts", "batches", "public-11-012.pdf")

	out, code := runCmd(t, "--config", cfgPath, "ingest", "--json", scanPath)
	if code != 0 {
		t.Fatalf("ingest exit %d: %s", code, out)
	}
	var sum ingestSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("ingest --json: %v\n%s", err, out)
	}
	f := sum.Files[0]
	if f.Status != "done" || f.Pages != 4 || f.Documents == 0 {
		t.Fatalf("ingest: %+v", f)
	}

	// The objects are in the bucket, read through a client of its own.
	st, err := storage.NewS3(context.Background(), storage.S3Config{Endpoint: s3.Endpoint, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey, Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	st.List(context.Background(), "", func(o chartscan.ObjectInfo) error { keys = append(keys, o.Key); return nil })
	want := []string{chartscan.BatchKey(f.BatchID), chartscan.SourceKey(f.BatchID, "public-11-012.pdf")}
	for n := 1; n <= 4; n++ {
		want = append(want, chartscan.PageRecordKey(f.BatchID, n))
	}
	for _, k := range want {
		found := false
		for _, got := range keys {
			found = found || got == k
		}
		if !found {
			t.Errorf("object %s missing from the bucket (have %v)", k, keys)
		}
	}
	// Page images keep the scanner's encoding: PNG, JPEG or TIFF.
	images := 0
	for _, ext := range []string{".png", ".jpg", ".tif"} {
		images += countPrefix(keys, "pages/"+string(f.BatchID)+"/", ext)
	}
	if images != 4 {
		t.Errorf("%d page images, want 4 (have %v)", images, keys)
	}
	if n := countPrefix(keys, "documents/", ".json"); n != f.Documents {
		t.Errorf("%d document manifests, want %d", n, f.Documents)
	}
	info, err := st.Stat(context.Background(), want[len(want)-1])
	if err != nil || info.ContentType != "application/json" {
		t.Errorf("page record content type %q, %v", info.ContentType, err)
	}

	truth := readTruth(t, "public-11-012")
	word := distinctiveWord(truth[len(truth)-1].Text)
	before, code := runCmd(t, "--config", cfgPath, "search", "--json", word)
	if code != 0 || !strings.Contains(before, string(f.BatchID.Page(4))) {
		t.Fatalf("search %q before reindex (exit %d): %s", word, code, before)
	}
	if err := os.RemoveAll(filepath.Join(dataDir, "index")); err != nil {
		t.Fatal(err)
	}
	if out, code := runCmd(t, "--config", cfgPath, "reindex"); code != 0 || !strings.Contains(out, "reindexed 1 batches") {
		t.Fatalf("reindex exit %d: %s", code, out)
	}
	after, _ := runCmd(t, "--config", cfgPath, "search", "--json", word)
	if withoutTook(after) != withoutTook(before) {
		t.Fatalf("search after reindex differs:\nbefore %s\nafter  %s", before, after)
	}
}

func countPrefix(keys []string, prefix, suffix string) int {
	n := 0
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) && strings.HasSuffix(k, suffix) {
			n++
		}
	}
	return n
}

// MinIO is killed in the middle of an ingest, for longer than the store
// retries an operation: the queue then keeps the file in the work folder
// and tries it again later, and once MinIO is back the scan completes by
// itself with nothing lost. The source is not archived while its objects
// cannot be stored.
func TestS3OutageDuringIngest(t *testing.T) {
	minio := testutil.StartMinIO(t)
	m := MustOpenMain(t, map[string]string{"default": testProfile}, func(c *config.Config) {
		c.Storage.Kind = "s3"
		c.Storage.S3 = config.S3{Endpoint: minio.Endpoint, Bucket: "outage", AccessKey: minio.AccessKey, SecretKey: minio.SecretKey,
			RetryFor: 2 * time.Second}
	})
	inbox := m.Config.InboxDir(m.Profiles["default"])
	src := filepath.Join(testutil.SharedData(t), "charts", "batches", "public-11-003.pdf")
	data, _ := os.ReadFile(src)
	sum := sha256.Sum256(data)
	id := chartscan.NewBatchID(sum[:])
	copyFile(t, src, filepath.Join(inbox, "stack.pdf"))

	// Once the source is stored the pipeline is busy with the pages: cut
	// the store there.
	waitFor(t, "the source to reach the bucket", time.Minute, func() bool {
		_, err := m.Store.Stat(context.Background(), chartscan.SourceKey(id, "stack.pdf"))
		return err == nil
	})
	minio.Stop()
	// The store gives up after its retry window; the queue then waits and
	// tries the file again, and says so.
	waitFor(t, "the queue to wait for the store", 2*time.Minute, func() bool {
		return strings.Contains(logsOf(m), "ingest waiting for resources")
	})
	if _, err := os.Stat(filepath.Join(inbox, "archive", "stack.pdf")); err == nil {
		t.Fatal("source archived while the store was down")
	}
	if ents, _ := os.ReadDir(m.Config.WorkDir()); len(ents) != 1 {
		t.Fatalf("work folder holds %d jobs during the outage, want 1", len(ents))
	}
	if !strings.Contains(metricsText(t, m), "chartscan_store_retries_total") {
		t.Error("store retries are not in /metrics")
	}
	minio.Start()

	waitFor(t, "the batch to complete after the outage", 4*time.Minute, func() bool {
		var b chartscan.Batch
		r, err := m.Store.Get(context.Background(), chartscan.BatchKey(id))
		if err != nil {
			return false
		}
		defer r.Close()
		return json.NewDecoder(r).Decode(&b) == nil && b.Status == chartscan.BatchDone
	})
	got := readObject(t, m.Store, chartscan.SourceKey(id, "stack.pdf"))
	if !bytes.Equal(got, data) {
		t.Error("stored source differs")
	}
	for n := 1; n <= 12; n++ {
		var pg chartscan.Page
		if err := json.Unmarshal(readObject(t, m.Store, chartscan.PageRecordKey(id, n)), &pg); err != nil {
			t.Fatalf("page %d: %v", n, err)
		}
		if _, err := m.Store.Stat(context.Background(), pg.Image); err != nil {
			t.Errorf("page %d image: %v", n, err)
		}
	}
	truth := readTruth(t, "public-11-003")
	res, err := m.Index.Search(context.Background(), chartscan.SearchQuery{Text: distinctiveWord(truth[8].Text)})
	if err != nil || res.Total == 0 {
		t.Fatalf("page 9 not searchable after the outage: %v", err)
	}
	waitFor(t, "the source to be archived", 30*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(inbox, "archive", "stack.pdf"))
		return err == nil
	})
}
