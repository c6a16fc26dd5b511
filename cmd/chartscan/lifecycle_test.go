package main

import (
	"crypto/sha256"
	"encoding/json"
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

// SIGTERM in the middle of a file, with a drain shorter than the file
// takes: /readyz says the service is draining while the HTTP server
// stays up, the file is handed back to the work folder (not counted as an
// unclean stop), the service exits 0, and the next start finishes the
// file, once.
func TestSIGTERMHandsBackAFileInProgress(t *testing.T) {
	env := serviceSetup(t, "ingest:\n  rescan: 1s\n  drain: 1s\n")
	inbox := filepath.Join(env.data, "inbox", "default")
	os.MkdirAll(inbox, 0o755)
	const name = "public-11-006.tif" // 15 pages: more than a second of reading
	raw, err := os.ReadFile(filepath.Join(testutil.SharedData(t), "charts", "batches", name))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	id := chartscan.NewBatchID(sum[:])

	s := startService(t, env)
	os.WriteFile(filepath.Join(inbox, "."+name), raw, 0o644)
	os.Rename(filepath.Join(inbox, "."+name), filepath.Join(inbox, name))
	job := func() (string, int) {
		jobs, _ := filepath.Glob(filepath.Join(env.data, "work", "*", "job.json"))
		for _, p := range jobs {
			var j struct {
				Name         string `json:"name"`
				UncleanStops int    `json:"unclean_stops"`
			}
			if b, err := os.ReadFile(p); err == nil && json.Unmarshal(b, &j) == nil && j.Name == name {
				return p, j.UncleanStops
			}
		}
		return "", -1
	}
	waitFor(t, "the file to be read", time.Minute, func() bool { _, n := job(); return n == 1 })

	readyz := func() (int, string) {
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := readyz(); code != 200 {
		t.Fatalf("/readyz while working = %d %s", code, body)
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	// The HTTP server stops last: until then it says it is draining.
	sawDraining := false
	waitFor(t, "serve to exit", 2*time.Minute, func() bool {
		select {
		case err := <-s.done:
			if err != nil {
				t.Fatalf("serve exited with %v after SIGTERM, want 0", err)
			}
			return true
		default:
		}
		if code, body := readyz(); code == 503 && strings.Contains(body, "draining") {
			sawDraining = true
		}
		return false
	})
	if !sawDraining {
		t.Error("/readyz never answered 503 draining between SIGTERM and exit")
	}
	path, stops := job()
	if path == "" {
		t.Fatal("the file in progress was not handed back to the work folder")
	}
	if stops != 0 {
		t.Errorf("a file handed back at SIGTERM counts %d unclean stops, want 0", stops)
	}
	store, err := storage.NewFS(filepath.Join(env.data, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := chartscan.LoadBatch(t.Context(), store, id); err == nil && b.Status == chartscan.BatchDone {
		t.Fatal("the batch was committed although its drain was cut short; the test needs a slower file")
	}

	// The next start finishes it.
	s = startService(t, env)
	waitFor(t, "the handed-back file to be ingested", 3*time.Minute, func() bool {
		b, err := chartscan.LoadBatch(t.Context(), store, id)
		return err == nil && b.Status == chartscan.BatchDone
	})
	waitFor(t, "the source to be archived", time.Minute, func() bool {
		_, err := os.Stat(filepath.Join(inbox, "archive", name))
		return err == nil
	})
	s.cmd.Process.Signal(syscall.SIGTERM)
	<-s.done
	if left, _ := filepath.Glob(filepath.Join(env.data, "work", "*")); len(left) != 0 {
		t.Errorf("work folder holds %v after the file was finished", left)
	}
}

// An inbox on a network share that goes away is not a silent stall: the
// watcher fails, /readyz gives the reason while the files in progress
// drain, the log names it, and the service stops with exit status 1 so
// that its supervisor restarts it.
func TestAFailingPartStopsTheServiceWithTheReason(t *testing.T) {
	share := filepath.Join(t.TempDir(), "share", "ward-3")
	env := serviceSetup(t, "ingest:\n  rescan: 1s\n  drain: 1m\n")
	os.WriteFile(filepath.Join(filepath.Dir(env.cfg), "profiles", "ward.yaml"),
		[]byte("name: ward\ninbox: "+share+"\nsettle: 200ms\n"), 0o644)
	s := startService(t, env)
	// A file in progress keeps the service draining for a while.
	raw, err := os.ReadFile(filepath.Join(testutil.SharedData(t), "charts", "batches", "public-11-006.tif"))
	if err != nil {
		t.Fatal(err)
	}
	inbox := filepath.Join(env.data, "inbox", "default")
	os.WriteFile(filepath.Join(inbox, ".stack.tif"), raw, 0o644)
	os.Rename(filepath.Join(inbox, ".stack.tif"), filepath.Join(inbox, "stack.tif"))
	waitFor(t, "the file to be taken", time.Minute, func() bool {
		_, err := os.Stat(filepath.Join(inbox, "stack.tif"))
		return os.IsNotExist(err)
	})

	if err := os.RemoveAll(filepath.Dir(share)); err != nil { // the share goes away
		t.Fatal(err)
	}
	var reason string
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(env.log)
			t.Logf("service log:\n%s", b)
		}
	}()
	waitFor(t, "the service to stop", 3*time.Minute, func() bool {
		select {
		case err := <-s.done:
			if err == nil {
				t.Fatal("serve exited 0 after a part failed, want 1")
			}
			return true
		default:
		}
		if resp, err := http.Get("http://" + s.addr + "/readyz"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 503 && strings.Contains(string(b), "watcher") {
				reason = string(b)
			}
		}
		return false
	})
	if !strings.Contains(reason, "inbox of profile ward cannot be listed") {
		t.Errorf("/readyz did not give the failure while draining (last: %q)", reason)
	}
	log, _ := os.ReadFile(env.log)
	if !strings.Contains(string(log), "watcher: inbox of profile ward cannot be listed") ||
		!strings.Contains(string(log), "chartscan stopped because a part failed") {
		t.Errorf("the log does not name the failed part:\n%s", log)
	}
}
