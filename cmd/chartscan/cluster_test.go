package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"chartscan"
	"chartscan/internal/testutil"
	"chartscan/storage"
)

// node is one chartscan serve process of a cluster.
type node struct {
	env   serviceEnv
	svc   *service
	inbox string
	token string
}

// startNode writes the configuration of a node of role over the cluster's
// bucket and starts it; extraProfiles are profile files (name -> YAML).
func startNode(t *testing.T, m *testutil.MinIO, bucket, name, role string, extraProfiles map[string]string) *node {
	t.Helper()
	dir := t.TempDir()
	n := &node{env: serviceEnv{bin: buildBinary(t), data: filepath.Join(dir, "data"), cfg: filepath.Join(dir, "chartscan.yaml"), log: filepath.Join(dir, "serve.log")}}
	prof := filepath.Join(dir, "profiles")
	os.MkdirAll(prof, 0o755)
	os.WriteFile(filepath.Join(prof, "default.yaml"), []byte("name: default\nsettle: 200ms\nafter: archive\n"), 0o644)
	for p, y := range extraProfiles {
		os.WriteFile(filepath.Join(prof, p+".yaml"), []byte(y), 0o644)
	}
	cfg := fmt.Sprintf(`data_dir: %s
listen: 127.0.0.1:0
profiles_dir: %s
node: {role: %s, name: %s}
search: {follow_interval: 500ms}
ingest: {rescan: 1s, drain: 5s}
storage:
  kind: s3
  s3: {endpoint: %q, bucket: %s, access_key: %s, secret_key: %s, retry_for: 30s}
log: {format: text}
`, n.env.data, prof, role, name, m.Endpoint, bucket, m.AccessKey, m.SecretKey)
	os.WriteFile(n.env.cfg, []byte(cfg), 0o644)
	n.inbox = filepath.Join(n.env.data, "inbox", "default")
	n.svc = startService(t, n.env)
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"--config", n.env.cfg, "token", "create", "--name", name + "-ops", "--role", "admin"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("token create: %s", errOut.String())
	}
	n.token = strings.TrimSpace(out.String())
	return n
}

func (n *node) get(t *testing.T, path string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+n.svc.addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+n.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v in %s", path, err, b)
		}
	}
	return resp.StatusCode
}

func dropInto(t *testing.T, dir, name string, raw []byte) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	tmp := filepath.Join(dir, ".part-"+name)
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// The cluster shape of a hospital: MinIO erasure-coded over four drives,
// two capture nodes and two search nodes. Files dropped at both capture
// nodes, and into one inbox both share, are all searchable on the search
// nodes, each file taken by exactly one capture node; one drive's folder
// wiped mid-ingest loses nothing; a capture node killed mid-file loses
// nothing; a correction made on one search node reaches the other.
func TestCluster(t *testing.T) {
	m := testutil.StartMinIOCluster(t, 4)
	const bucket = "cluster"
	shared := filepath.Join(t.TempDir(), "share", "ward-inbox")
	sharedProfile := map[string]string{"ward": "name: ward\ninbox: " + shared + "\nsettle: 200ms\nafter: archive\n"}
	a := startNode(t, m, bucket, "capture-a", "capture", sharedProfile)
	b := startNode(t, m, bucket, "capture-b", "capture", sharedProfile)
	s1 := startNode(t, m, bucket, "search-1", "search", nil)
	s2 := startNode(t, m, bucket, "search-2", "search", nil)

	// What each role does not do, it refuses.
	if code := a.get(t, "/api/v1/search?q=x", nil); code != 503 {
		t.Errorf("search on a capture node = %d, want 503", code)
	}
	req, _ := http.NewRequest("POST", "http://"+s1.svc.addr+"/api/v1/scans?name=x.pdf", strings.NewReader("%PDF-1.4"))
	req.Header.Set("Authorization", "Bearer "+s1.token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 503 {
		t.Errorf("upload to a search node = %v %v, want 503", resp, err)
	}

	batches := []struct {
		file string
		at   string // a, b or shared
	}{
		{"public-11-009.tif", "a"}, {"public-11-006.tif", "a"},
		{"public-11-011.pdf", "b"}, {"public-11-013.pdf", "b"},
		{"public-11-017.tif", "shared"}, {"public-11-021.tif", "shared"}, {"public-11-023.tif", "shared"},
	}
	want := map[chartscan.BatchID]string{}
	for _, x := range batches {
		raw, err := os.ReadFile(filepath.Join(testutil.SharedData(t), "charts", "batches", x.file))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		want[chartscan.NewBatchID(sum[:])] = x.file
		switch x.at {
		case "a":
			dropInto(t, a.inbox, x.file, raw)
		case "b":
			dropInto(t, b.inbox, x.file, raw)
		default:
			dropInto(t, shared, x.file, raw)
		}
	}

	// One drive's folder is wiped while the nodes write.
	store, err := storage.NewS3(context.Background(), storage.S3Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: bucket, RetryFor: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "some pages stored", 2*time.Minute, func() bool {
		n := 0
		store.List(context.Background(), "pages/", func(chartscan.ObjectInfo) error { n++; return nil })
		return n >= 6
	})
	ents, _ := os.ReadDir(m.Drives[1])
	for _, e := range ents {
		os.RemoveAll(filepath.Join(m.Drives[1], e.Name()))
	}
	t.Logf("wiped drive %s mid-ingest (%d entries)", filepath.Base(m.Drives[1]), len(ents))

	// Capture node A is killed in the middle of a file, and started again.
	waitFor(t, "capture-a to be reading a file", 2*time.Minute, func() bool {
		jobs, _ := filepath.Glob(filepath.Join(a.env.data, "work", "*", "job.json"))
		for _, p := range jobs {
			var j struct {
				UncleanStops int `json:"unclean_stops"`
			}
			if raw, err := os.ReadFile(p); err == nil && json.Unmarshal(raw, &j) == nil && j.UncleanStops > 0 {
				return true
			}
		}
		return false
	})
	a.svc.cmd.Process.Signal(syscall.SIGKILL)
	<-a.svc.done
	a.svc = startService(t, a.env)

	// Everything arrives on both search nodes.
	ctx := context.Background()
	waitFor(t, "every batch done", 5*time.Minute, func() bool {
		for id := range want {
			bt, err := chartscan.LoadBatch(ctx, store, id)
			if err != nil || bt.Status != chartscan.BatchDone {
				return false
			}
		}
		return true
	})
	contentPages := 0
	for id := range want {
		bt, _ := chartscan.LoadBatch(ctx, store, id)
		contentPages += bt.PageKinds[chartscan.PageContent]
	}
	for _, s := range []*node{s1, s2} {
		var res chartscan.SearchResults
		waitFor(t, s.env.cfg+" to index every page", 2*time.Minute, func() bool {
			return s.get(t, "/api/v1/search?limit=1", &res) == 200 && int(res.Total) == contentPages
		})
		for id, file := range want {
			bt, _ := chartscan.LoadBatch(ctx, store, id)
			for _, did := range bt.Documents {
				var d chartscan.Document
				if code := s.get(t, "/api/v1/documents/"+string(did), &d); code != 200 {
					t.Errorf("%s: document %s of %s = %d", filepath.Base(filepath.Dir(s.env.cfg)), did, file, code)
				}
			}
		}
	}

	// Each file of the shared inbox was taken by exactly one capture node.
	taken := 0
	for _, n := range []*node{a, b} {
		log, _ := os.ReadFile(n.env.log)
		taken += strings.Count(string(log), `msg="file taken from inbox" component=watcher profile=ward`)
		taken += strings.Count(string(log), `msg="claimed file taken" component=watcher profile=ward`)
	}
	if taken != 3 {
		t.Errorf("the 3 files of the shared inbox were taken %d times", taken)
	}
	archived, _ := filepath.Glob(filepath.Join(shared, "archive", "*"))
	if len(archived) != 3 {
		t.Errorf("shared inbox archive holds %v", archived)
	}

	// Nothing was lost with the wiped drive: every object reads whole.
	objects := 0
	err = store.List(ctx, "", func(o chartscan.ObjectInfo) error {
		r, err := store.Get(ctx, o.Key)
		if err != nil {
			return fmt.Errorf("%s: %w", o.Key, err)
		}
		n, err := io.Copy(io.Discard, r)
		r.Close()
		if err != nil || n != o.Size {
			return fmt.Errorf("%s: read %d of %d bytes: %v", o.Key, n, o.Size, err)
		}
		objects++
		return nil
	})
	if err != nil {
		t.Fatalf("after the wiped drive: %v", err)
	}
	testutil.Report(t, "cluster", fmt.Sprintf("2 capture + 2 search nodes on MinIO with 4 drives: %d objects read back whole after a drive was wiped mid-ingest; %d content pages on both search nodes\n", objects, contentPages))

	// A correction on one search node reaches the other.
	var id chartscan.BatchID
	for k := range want {
		id = k
		break
	}
	bt, _ := chartscan.LoadBatch(ctx, store, id)
	doc := bt.Documents[0]
	req, _ = http.NewRequest("PATCH", "http://"+s1.svc.addr+"/api/v1/documents/"+string(doc), strings.NewReader(`{"mrn":"77001234"}`))
	req.Header.Set("Authorization", "Bearer "+s1.token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("correction on search-1: %v %v", resp, err)
	}
	var res chartscan.SearchResults
	waitFor(t, "the correction on search-2", time.Minute, func() bool {
		return s2.get(t, "/api/v1/search?mrn=77001234", &res) == 200 && res.Total > 0 && res.Hits[0].DocumentID == doc
	})
}
