package main

// The migration run of the bench (go run ./bench -cluster): a manifest of
// generated boxes over the shared chart batches, migrated into a MinIO by
// one capture node and then by two, with a search node following the
// bucket; it measures pages/s for each, the time from capture to
// searchable on the search node, and the peak memory of each role, and
// writes them into docs/scaling.md between its markers.

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"chartscan"
	"chartscan/storage"
)

var (
	cluster     = flag.Bool("cluster", false, "run the migration bench (one and two capture nodes and a search node over MinIO) instead")
	clusterCopy = flag.Int("copies", 20, "copies of the shared batches in the generated boxes (160 pages each)")
	minioBin    = flag.String("minio", "", "the MinIO server binary (default: the one make test builds)")
)

// clusterResult is one migration run.
type clusterResult struct {
	nodes          int
	pages          int
	seconds        float64
	captureRSS     int64 // peak of one capture node's process tree
	searchRSS      int64
	latencies      []float64 // seconds from a batch's commit to searchable
	searchTotalEnd int
}

func runClusterBench(bin, tmp string, batches []string, truth map[string][]string) error {
	mbin := *minioBin
	if mbin == "" {
		home, _ := os.UserCacheDir()
		mbin = filepath.Join(home, "chartscan", "bin", "minio")
	}
	if _, err := os.Stat(mbin); err != nil {
		return fmt.Errorf("MinIO server not found at %s (make test builds it): %w", mbin, err)
	}
	boxes, manifest, pages, err := generateBoxes(tmp, batches, truth, *clusterCopy)
	if err != nil {
		return err
	}
	fmt.Printf("generated %d files in %d boxes, %d pages\n", len(manifest), boxes, pages)
	var results []clusterResult
	for _, nodes := range []int{1, 2} {
		r, err := migrateRun(bin, mbin, tmp, manifest, nodes)
		if err != nil {
			return fmt.Errorf("%d capture nodes: %w", nodes, err)
		}
		sort.Float64s(r.latencies)
		fmt.Printf("%d capture node(s): %d pages in %.1fs = %.2f pages/s; capture→searchable p50 %.1fs p95 %.1fs; peak RSS capture %s, search %s\n",
			nodes, r.pages, r.seconds, float64(r.pages)/r.seconds, quantile(r.latencies, 0.5), quantile(r.latencies, 0.95), mib(r.captureRSS), mib(r.searchRSS))
		results = append(results, r)
	}
	return writeScaling(results, machineFacts())
}

// generateBoxes copies the shared batches copies times into boxes of a
// manifest, each copy made distinct by bytes after the file's end (a PDF
// comment after %%EOF, trailing bytes of a TIFF), which every reader
// ignores: the same pages, new files.
func generateBoxes(tmp string, batches []string, truth map[string][]string, copies int) (int, [][]string, int, error) {
	var rows [][]string
	pages := 0
	for c := 0; c < copies; c++ {
		box := fmt.Sprintf("BOX-%04d", c+1)
		dir := filepath.Join(tmp, "boxes", box)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, nil, 0, err
		}
		for _, b := range batches {
			raw, err := os.ReadFile(b)
			if err != nil {
				return 0, nil, 0, err
			}
			raw = append(raw, []byte(fmt.Sprintf("\n%% chartscan bench copy %d\n", c))...)
			path := filepath.Join(dir, filepath.Base(b))
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				return 0, nil, 0, err
			}
			n := len(truth[filepath.Base(b)])
			pages += n
			rows = append(rows, []string{path, box, fmt.Sprint(n)})
		}
	}
	return copies, rows, pages, nil
}

// migrateRun starts a MinIO and a search node, migrates the manifest with
// nodes capture nodes (the manifest cut in as many parts, run at once),
// and measures.
func migrateRun(bin, mbin, tmp string, manifest [][]string, nodes int) (clusterResult, error) {
	r := clusterResult{nodes: nodes}
	dir := filepath.Join(tmp, fmt.Sprintf("cluster-%d", nodes))
	os.MkdirAll(dir, 0o755)
	addr, err := freePort()
	if err != nil {
		return r, err
	}
	minio := exec.Command(mbin, "server", filepath.Join(dir, "minio"), "--address", addr, "--console-address", "127.0.0.1:0", "--quiet")
	minio.Env = append(os.Environ(), "MINIO_ROOT_USER=bench", "MINIO_ROOT_PASSWORD=bench-secret-key", "MINIO_CI_CD=on")
	minio.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := minio.Start(); err != nil {
		return r, err
	}
	defer func() { syscall.Kill(-minio.Process.Pid, syscall.SIGKILL); minio.Wait() }()
	config := func(name, role string) string {
		d := filepath.Join(dir, name)
		os.MkdirAll(d, 0o755)
		wd, _ := os.Getwd()
		cfg := filepath.Join(d, "chartscan.yaml")
		os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s
listen: 127.0.0.1:0
profiles_dir: %s
node: {role: %s, name: %s}
search: {follow_interval: 1s}
ocr: {workers: %d}
storage:
  kind: s3
  s3: {endpoint: %q, bucket: bench, access_key: bench, secret_key: bench-secret-key}
log: {format: text, level: info}
`, filepath.Join(d, "data"), filepath.Join(wd, "scanner-profiles"), role, name, *workers, addr)), 0o644)
		return cfg
	}
	// The search node, serving while the capture nodes work.
	searchCfg := config("search", "search")
	logf, _ := os.Create(filepath.Join(dir, "search.log"))
	defer logf.Close()
	search := exec.Command(bin, "--config", searchCfg, "serve")
	search.Stdout, search.Stderr = logf, logf
	if err := search.Start(); err != nil {
		return r, err
	}
	defer func() { search.Process.Signal(syscall.SIGTERM); search.Wait() }()
	searchAddr, err := waitServing(filepath.Join(dir, "search.log"))
	if err != nil {
		return r, err
	}
	out, err := exec.Command(bin, "--config", searchCfg, "token", "create", "--name", "bench", "--role", "technician").Output()
	if err != nil {
		return r, err
	}
	token := strings.TrimSpace(string(out))

	// Watch the search node: its page count over time, and its memory.
	type sample struct {
		at    time.Time
		total int
	}
	var (
		mu       sync.Mutex
		timeline []sample
		stop     = make(chan struct{})
		watched  sync.WaitGroup
	)
	watched.Add(1)
	go func() {
		defer watched.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for tick := 0; ; tick++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if n, ok := searchTotal(searchAddr, token); ok {
				mu.Lock()
				timeline = append(timeline, sample{time.Now(), n})
				mu.Unlock()
			}
			if tick%4 == 0 {
				var total int64
				for _, pid := range descendants(search.Process.Pid) {
					total += residentBytes(pid)
				}
				mu.Lock()
				r.searchRSS = max(r.searchRSS, total)
				mu.Unlock()
			}
		}
	}()

	// The capture nodes, each over its part of the manifest, at once.
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, nodes)
	rss := make([]int64, nodes)
	for i := 0; i < nodes; i++ {
		cfg := config(fmt.Sprintf("capture-%d", i+1), "capture")
		part := filepath.Join(dir, fmt.Sprintf("manifest-%d.csv", i+1))
		if err := writeManifest(part, manifest, i, nodes); err != nil {
			return r, err
		}
		wg.Add(1)
		go func(i int, cfg, part string) {
			defer wg.Done()
			cmd := exec.Command(bin, "--config", cfg, "migrate", "--manifest", part, "--name", "bench")
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			_, peak, err := measure(cmd)
			errs[i], rss[i] = err, peak
		}(i, cfg, part)
	}
	wg.Wait()
	r.seconds = time.Since(start).Seconds()
	for i, err := range errs {
		if err != nil {
			return r, fmt.Errorf("capture node %d: %w", i+1, err)
		}
		r.captureRSS = max(r.captureRSS, rss[i])
	}

	// When was each batch committed, and how many content pages were
	// searchable by then.
	st, err := storage.NewS3(context.Background(), storage.S3Config{Endpoint: addr, Bucket: "bench", AccessKey: "bench", SecretKey: "bench-secret-key", RetryFor: time.Minute})
	if err != nil {
		return r, err
	}
	type commit struct {
		at      time.Time
		content int
	}
	var commits []commit
	err = st.List(context.Background(), chartscan.BatchesPrefix, func(o chartscan.ObjectInfo) error {
		id, ok := chartscan.ParseBatchKey(o.Key)
		if !ok {
			return nil
		}
		b, err := chartscan.LoadBatch(context.Background(), st, id)
		if err != nil || b.Status != chartscan.BatchDone || b.DoneAt == nil {
			return err
		}
		r.pages += b.Pages
		commits = append(commits, commit{*b.DoneAt, b.PageKinds[chartscan.PageContent]})
		return nil
	})
	if err != nil {
		return r, err
	}
	sort.Slice(commits, func(i, k int) bool { return commits[i].at.Before(commits[k].at) })
	all := 0
	for _, c := range commits {
		all += c.content
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		n, _ := searchTotal(searchAddr, token)
		if n >= all || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	close(stop)
	watched.Wait()
	// A batch is searchable when the search node holds as many pages as
	// all the batches committed up to it: batches arrive in commit order.
	cum := 0
	j := 0
	for _, c := range commits {
		cum += c.content
		for j < len(timeline) && timeline[j].total < cum {
			j++
		}
		if j < len(timeline) {
			r.latencies = append(r.latencies, max(0, timeline[j].at.Sub(c.at).Seconds()))
		}
	}
	if len(timeline) > 0 {
		r.searchTotalEnd = timeline[len(timeline)-1].total
	}
	return r, nil
}

func writeManifest(path string, rows [][]string, part, parts int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"path", "box", "expected_pages"})
	for i, row := range rows {
		if i%parts == part {
			w.Write(row)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func searchTotal(addr, token string) (int, bool) {
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/search?limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var res struct {
		Total int `json:"total"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&res) != nil {
		return 0, false
	}
	return res.Total, true
}

var servingRE = regexp.MustCompile(`msg="chartscan serving".* addr=(\S+)`)

func waitServing(log string) (string, error) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(log)
		if m := servingRE.FindSubmatch(b); m != nil {
			return string(m[1]), nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("the search node did not start; see %s", log)
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

// writeScaling puts the figures into docs/scaling.md between its markers.
func writeScaling(rs []clusterResult, machine string) error {
	const begin, end = "<!-- bench -cluster: begin -->", "<!-- bench -cluster: end -->"
	path := "docs/scaling.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	i, j := strings.Index(string(doc), begin), strings.Index(string(doc), end)
	if i < 0 || j < i {
		return fmt.Errorf("%s lacks the markers %q and %q", path, begin, end)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nMeasured by `make bench` (`go run ./bench -cluster`) on %s, %s; %d pages in generated boxes (the shared chart batches, copied), migrated into one MinIO with `chartscan migrate` by capture nodes (`node.role: capture`, `ocr.workers: %d` each) while a search node (`node.role: search`, `search.follow_interval: 1s`) followed the bucket.\n\n",
		begin, time.Now().UTC().Format("2006-01-02"), machine, rs[0].pages, *workers)
	b.WriteString("| capture nodes | pages | seconds | pages/s | ratio to one node | capture → searchable p50 | p95 | peak RSS, capture node | peak RSS, search node |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	base := float64(rs[0].pages) / rs[0].seconds
	for _, r := range rs {
		pps := float64(r.pages) / r.seconds
		fmt.Fprintf(&b, "| %d | %d | %.0f | %.2f | %.2f× | %.1f s | %.1f s | %s | %s |\n", r.nodes, r.pages, r.seconds, pps, pps/base,
			quantile(r.latencies, 0.5), quantile(r.latencies, 0.95), mib(r.captureRSS), mib(r.searchRSS))
	}
	b.WriteString("\n")
	b.WriteString(end)
	out := string(doc[:i]) + b.String() + string(doc[j+len(end):])
	return os.WriteFile(path, []byte(out), 0o644)
}
