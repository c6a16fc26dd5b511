// Command bench measures chartscan's capture speed, memory and OCR word
// accuracy side by side with what a user would otherwise run, on the same
// scanned pages and the same machine, and writes docs/performance.md:
//
//	go run ./bench            (make bench installs OCRmyPDF first)
//
// It runs, one after the other:
//
//   - chartscan ingest over every scanned chart batch;
//   - the floor: N parallel tesseract CLI processes (OMP_THREAD_LIMIT=1)
//     over the same pages, already extracted as images;
//   - ocrmypdf --jobs N with its fastest honest settings on the same files;
//   - chartscan ingest of one 300-page scanned PDF, for peak memory;
//   - the Go benchmarks of search and reindex (100,000 pages).
//
// Word accuracy is the share of the printed words (the batches' ground
// truth) that each tool read, over the content pages.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"chartscan"
	"chartscan/internal/testutil"
	"chartscan/pdf"
	"chartscan/raster"
	"chartscan/storage"
)

var (
	dataDir    = flag.String("data", "../shared/data", "the shared corpus (charts/batches and charts/truth)")
	outFile    = flag.String("o", "docs/performance.md", "where to write the report")
	workers    = flag.Int("workers", runtime.NumCPU(), "OCR engines / parallel processes for every tool")
	skipGo     = flag.Bool("skip-go-bench", false, "skip the search and reindex benchmarks")
	only       = flag.String("only", "", "run only this part: chartscan, floor, ocrmypdf or 300 (a quick check; writes no report)")
	benchPages = flag.String("go-bench-pages", "100000", "pages for the search and reindex benchmarks")
	keepTemp   = flag.Bool("keep", false, "keep the work folder")
)

// run is the outcome of one tool over the corpus.
type run struct {
	name     string
	command  string
	pages    int
	seconds  float64
	peakRSS  int64 // bytes, whole process tree
	accuracy float64
	texts    map[string][]string // file -> text per page
}

func (r run) pagesPerSecond() float64 { return float64(r.pages) / r.seconds }

func main() {
	flag.Parse()
	if err := bench(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func bench() error {
	tmp, err := os.MkdirTemp("", "chartscan-bench-")
	if err != nil {
		return err
	}
	if !*keepTemp {
		defer os.RemoveAll(tmp)
	}
	batches, err := filepath.Glob(filepath.Join(*dataDir, "charts", "batches", "*"))
	if err != nil || len(batches) == 0 {
		return fmt.Errorf("no batches under %s/charts/batches", *dataDir)
	}
	sort.Strings(batches)
	truth, err := loadTruth(batches)
	if err != nil {
		return err
	}
	bin := filepath.Join(tmp, "chartscan")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/chartscan").CombinedOutput(); err != nil {
		return fmt.Errorf("build chartscan: %v\n%s", err, out)
	}
	machine := machineFacts()
	fmt.Println(machine)
	if *cluster {
		return runClusterBench(bin, tmp, batches, truth)
	}
	if *only != "" {
		return runOnly(bin, tmp, batches, truth)
	}

	cs, err := runChartscan(bin, tmp, "corpus", batches)
	if err != nil {
		return err
	}
	cs.accuracy = accuracy(cs.texts, truth)
	fmt.Printf("chartscan: %d pages in %.1fs = %.2f pages/s, peak RSS %s, accuracy %.1f%%\n", cs.pages, cs.seconds, cs.pagesPerSecond(), mib(cs.peakRSS), 100*cs.accuracy)

	floor, err := runFloor(tmp, batches)
	if err != nil {
		return err
	}
	floor.accuracy = accuracy(floor.texts, truth)
	fmt.Printf("tesseract CLI floor: %d pages in %.1fs = %.2f pages/s, accuracy %.1f%%\n", floor.pages, floor.seconds, floor.pagesPerSecond(), 100*floor.accuracy)

	omp, err := runOCRmyPDF(tmp, batches)
	if err != nil {
		return err
	}
	omp.accuracy = accuracy(omp.texts, truth)
	fmt.Printf("ocrmypdf: %d pages in %.1fs = %.2f pages/s, accuracy %.1f%%\n", omp.pages, omp.seconds, omp.pagesPerSecond(), 100*omp.accuracy)

	big, bigPages, err := runBigPDF(bin, tmp, batches)
	if err != nil {
		return err
	}
	fmt.Printf("300-page PDF: %d pages in %.1fs = %.2f pages/s, peak RSS %s\n", bigPages, big.seconds, big.pagesPerSecond(), mib(big.peakRSS))

	var goBenchOut string
	if !*skipGo {
		goBenchOut, err = runGoBench()
		if err != nil {
			return err
		}
		fmt.Println(goBenchOut)
	}
	t := targets(cs, floor, big, goBenchOut)
	fmt.Print(t)
	return writeReport(machine, cs, floor, omp, big, goBenchOut, t)
}

// targets compares the figures with chartscan's performance targets and
// returns them as a Markdown table.
func targets(cs, floor, big run, goBench string) string {
	var b strings.Builder
	b.WriteString("| target | measured | met |\n| --- | ---: | :---: |\n")
	row := func(what, measured string, ok bool) {
		mark := "no"
		if ok {
			mark = "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", what, measured, mark)
	}
	ratio := cs.pagesPerSecond() / floor.pagesPerSecond()
	row("chartscan ≥ 1.2× the tesseract CLI floor", fmt.Sprintf("%.2f×", ratio), ratio >= 1.2)
	row("at equal or better word accuracy", fmt.Sprintf("%.1f %% vs %.1f %%", 100*cs.accuracy, 100*floor.accuracy), cs.accuracy >= floor.accuracy)
	row("peak RSS < 500 MiB on a 300-page PDF", mib(big.peakRSS), big.peakRSS < 500<<20)
	worst := 0.0
	for _, kind := range []string{"word", "phrase", "filtered"} {
		if v, ok := benchMetric(goBench, kind+"_p95_ms"); ok {
			worst = max(worst, v)
		}
	}
	if worst > 0 {
		row(fmt.Sprintf("search p95 < 50 ms over %s pages", *benchPages), fmt.Sprintf("%.1f ms (slowest query kind)", worst), worst < 50)
	}
	if secs, ok := benchMetric(goBench, "seconds"); ok {
		row(fmt.Sprintf("reindex %s pages < 5 minutes", *benchPages), fmt.Sprintf("%.0f s", secs), secs < 300)
	}
	return b.String()
}

// benchMetric finds the value of a custom metric in go test -bench output.
func benchMetric(out, unit string) (float64, bool) {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		for i := 1; i < len(f); i++ {
			if f[i] == unit {
				v, err := strconv.ParseFloat(f[i-1], 64)
				return v, err == nil
			}
		}
	}
	return 0, false
}

// runOnly runs one part of the benchmark and prints its figures.
func runOnly(bin, tmp string, batches []string, truth map[string][]string) error {
	var (
		r   run
		err error
	)
	switch *only {
	case "chartscan":
		r, err = runChartscan(bin, tmp, "corpus", batches)
	case "floor":
		r, err = runFloor(tmp, batches)
	case "ocrmypdf":
		r, err = runOCRmyPDF(tmp, batches)
	case "300":
		r, _, err = runBigPDF(bin, tmp, batches)
	default:
		return fmt.Errorf("-only %q: want chartscan, floor, ocrmypdf or 300", *only)
	}
	if err != nil {
		return err
	}
	if r.texts != nil && *only != "300" {
		r.accuracy = accuracy(r.texts, truth)
	}
	fmt.Printf("%s: %d pages in %.1fs = %.2f pages/s, peak RSS %s, accuracy %.1f%%\n", r.name, r.pages, r.seconds, r.pagesPerSecond(), mib(r.peakRSS), 100*r.accuracy)
	return nil
}

// loadTruth reads the printed text of every content page.
func loadTruth(batches []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, b := range batches {
		name := strings.TrimSuffix(filepath.Base(b), filepath.Ext(b))
		raw, err := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(b)), "truth", name+".json"))
		if err != nil {
			return nil, err
		}
		var t struct {
			Pages []struct {
				Kind, Text string
			}
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, err
		}
		texts := make([]string, len(t.Pages))
		for i, p := range t.Pages {
			if p.Kind == "content" {
				texts[i] = p.Text
			}
		}
		out[filepath.Base(b)] = texts
	}
	return out, nil
}

// accuracy is the share of the printed words of content pages found in
// what a tool read (bag of words per page).
func accuracy(got, truth map[string][]string) float64 {
	var right, total float64
	for file, pages := range truth {
		for i, want := range pages {
			if want == "" {
				continue
			}
			w := testutil.Words(want)
			text := ""
			if i < len(got[file]) {
				text = got[file][i]
			}
			rec, _ := testutil.WordRecall(w, testutil.Words(text))
			right += rec * float64(len(w))
			total += float64(len(w))
		}
	}
	return right / total
}

// runChartscan ingests files with a fresh data folder and reads back the
// text of every page from the object store.
func runChartscan(bin, tmp, label string, files []string) (run, error) {
	dir := filepath.Join(tmp, "chartscan-"+label)
	cfg := filepath.Join(dir, "chartscan.yaml")
	os.MkdirAll(dir, 0o755)
	wd, _ := os.Getwd()
	os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\nprofiles_dir: %s\nocr:\n  workers: %d\n", filepath.Join(dir, "data"), filepath.Join(wd, "scanner-profiles"), *workers)), 0o644)
	args := append([]string{"--config", cfg, "ingest", "--json"}, files...)
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	secs, peak, err := measure(cmd)
	if err != nil {
		return run{}, fmt.Errorf("chartscan ingest: %w", err)
	}
	var sum struct {
		Files []struct {
			Path    string `json:"path"`
			BatchID string `json:"batch_id"`
			Status  string `json:"status"`
			Pages   int    `json:"pages"`
		} `json:"files"`
	}
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		return run{}, err
	}
	st, err := storage.NewFS(filepath.Join(dir, "data", "objects"))
	if err != nil {
		return run{}, err
	}
	r := run{name: "chartscan", command: fmt.Sprintf("chartscan ingest --json FILES (ocr.workers %d)", *workers), seconds: secs, peakRSS: peak, texts: map[string][]string{}}
	for _, f := range sum.Files {
		if f.Status != "done" {
			return run{}, fmt.Errorf("%s: %s", f.Path, f.Status)
		}
		r.pages += f.Pages
		texts := make([]string, f.Pages)
		for n := 1; n <= f.Pages; n++ {
			p, err := chartscan.LoadPage(context.Background(), st, chartscan.BatchID(f.BatchID).Page(n))
			if err != nil {
				return run{}, err
			}
			texts[n-1] = p.Text
		}
		r.texts[filepath.Base(f.Path)] = texts
	}
	return r, nil
}

// runFloor extracts every page as the image the scan holds (outside the
// timing), then times N parallel tesseract processes over them.
func runFloor(tmp string, batches []string) (run, error) {
	dir := filepath.Join(tmp, "floor")
	os.MkdirAll(dir, 0o755)
	type job struct {
		file string
		page int
		img  string
	}
	var jobs []job
	for _, b := range batches {
		f, err := raster.Open(b, raster.DefaultLimits)
		if err != nil {
			return run{}, err
		}
		for n := 1; n <= f.NumPages(); n++ {
			p, err := f.Page(context.Background(), n)
			if err != nil {
				f.Close()
				return run{}, err
			}
			data, ext := p.Encoded, map[string]string{"image/jpeg": ".jpg", "image/tiff": ".tif", "image/png": ".png"}[p.EncodedType]
			if ext == "" {
				if data, err = raster.EncodePNG(p.Image, p.Bilevel); err != nil {
					f.Close()
					return run{}, err
				}
				ext = ".png"
			}
			img := filepath.Join(dir, fmt.Sprintf("%s-%04d%s", filepath.Base(b), n, ext))
			if err := os.WriteFile(img, data, 0o644); err != nil {
				f.Close()
				return run{}, err
			}
			jobs = append(jobs, job{filepath.Base(b), n, img})
		}
		f.Close()
	}
	start := time.Now()
	work := make(chan job)
	var wg sync.WaitGroup
	errs := make(chan error, len(jobs))
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				cmd := exec.Command("tesseract", j.img, strings.TrimSuffix(j.img, filepath.Ext(j.img)), "-l", "eng")
				cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
				if out, err := cmd.CombinedOutput(); err != nil {
					errs <- fmt.Errorf("tesseract %s: %v %s", j.img, err, out)
				}
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	secs := time.Since(start).Seconds()
	close(errs)
	for err := range errs {
		return run{}, err
	}
	r := run{name: "tesseract CLI (floor)", command: fmt.Sprintf("%d × `OMP_THREAD_LIMIT=1 tesseract PAGE OUT -l eng` in parallel over pre-extracted page images", *workers),
		pages: len(jobs), seconds: secs, texts: map[string][]string{}}
	for _, j := range jobs {
		b, err := os.ReadFile(strings.TrimSuffix(j.img, filepath.Ext(j.img)) + ".txt")
		if err != nil {
			return run{}, err
		}
		t := r.texts[j.file]
		for len(t) < j.page {
			t = append(t, "")
		}
		t[j.page-1] = string(b)
		r.texts[j.file] = t
	}
	return r, nil
}

// runOCRmyPDF runs ocrmypdf over each file in turn (it spreads the pages
// of a file over --jobs processes) and reads the text layer back.
func runOCRmyPDF(tmp string, batches []string) (run, error) {
	dir := filepath.Join(tmp, "ocrmypdf")
	os.MkdirAll(dir, 0o755)
	r := run{name: "OCRmyPDF", command: fmt.Sprintf("`ocrmypdf --jobs %d --output-type pdf -O0 --fast-web-view 999999 IN OUT` per file", *workers), texts: map[string][]string{}}
	start := time.Now()
	var peak int64
	for _, b := range batches {
		out := filepath.Join(dir, filepath.Base(b)+".pdf")
		cmd := exec.Command("ocrmypdf", "--jobs", strconv.Itoa(*workers), "--output-type", "pdf", "-O0", "--fast-web-view", "999999", "--quiet", b, out)
		cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
		cmd.Stderr = os.Stderr
		_, p, err := measure(cmd)
		if err != nil {
			return run{}, fmt.Errorf("ocrmypdf %s: %w", b, err)
		}
		peak = max(peak, p)
	}
	r.seconds, r.peakRSS = time.Since(start).Seconds(), peak
	for _, b := range batches {
		out := filepath.Join(dir, filepath.Base(b)+".pdf")
		info, err := exec.Command("pdfinfo", out).Output()
		if err != nil {
			return run{}, err
		}
		n := 0
		for _, l := range strings.Split(string(info), "\n") {
			if strings.HasPrefix(l, "Pages:") {
				n, _ = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(l, "Pages:")))
			}
		}
		r.pages += n
		for p := 1; p <= n; p++ {
			txt, err := exec.Command("pdftotext", "-f", strconv.Itoa(p), "-l", strconv.Itoa(p), out, "-").Output()
			if err != nil {
				return run{}, err
			}
			r.texts[filepath.Base(b)] = append(r.texts[filepath.Base(b)], string(txt))
		}
	}
	return r, nil
}

// runBigPDF joins the PDF batches into one scanned PDF of at least 300
// pages (pages copied, not re-encoded) and ingests it alone.
func runBigPDF(bin, tmp string, batches []string) (run, int, error) {
	var pdfs []string
	for _, b := range batches {
		if strings.HasSuffix(b, ".pdf") {
			pdfs = append(pdfs, b)
		}
	}
	var parts []string
	pages := 0
	for pages < 300 {
		for _, p := range pdfs {
			n, err := pdfPages(p)
			if err != nil {
				return run{}, 0, err
			}
			parts = append(parts, p)
			pages += n
			if pages >= 300 {
				break
			}
		}
	}
	big := filepath.Join(tmp, "300-pages.pdf")
	w, err := os.Create(big)
	if err != nil {
		return run{}, 0, err
	}
	if err := pdf.Merge(w, parts); err != nil {
		w.Close()
		return run{}, 0, err
	}
	w.Close()
	r, err := runChartscan(bin, tmp, "300", []string{big})
	return r, r.pages, err
}

func pdfPages(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	d, err := pdf.Open(f, pdf.Limits{})
	if err != nil {
		return 0, err
	}
	return d.NumPages(), nil
}

// runGoBench runs the search and reindex benchmarks.
func runGoBench() (string, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchtime", "1x", "-timeout", "60m", "./index", "./ingest")
	data, err := filepath.Abs(*dataDir) // go test runs in each package's folder
	if err != nil {
		return "", err
	}
	cmd.Env = append(os.Environ(), "CHARTSCAN_BENCH_PAGES="+*benchPages, "CHARTSCAN_SHARED_DATA="+data)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go test -bench: %v\n%s", err, out)
	}
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Benchmark") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n"), nil
}

// measure runs cmd and returns its wall time and the peak resident memory
// of its whole process tree (the OCR workers and renderers included).
func measure(cmd *exec.Cmd) (float64, int64, error) {
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// The sampling must cost the measured program next to nothing: finding
	// its processes means reading every process's status (about 1 ms), so
	// that is done every half second; the resident size of the processes
	// found is read every 20 ms.
	var peak int64
	tree := []int{cmd.Process.Pid}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for tick := 1; ; tick++ {
		select {
		case err := <-done:
			return time.Since(start).Seconds(), peak, err
		case <-t.C:
			if tick%25 == 1 {
				tree = descendants(cmd.Process.Pid)
			}
			var total int64
			for _, pid := range tree {
				total += residentBytes(pid)
			}
			peak = max(peak, total)
		}
	}
}

// descendants returns root and every process below it.
func descendants(root int) []int {
	ents, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 {
			if f := strings.Fields(string(b[i+1:])); len(f) > 1 {
				parent[pid], _ = strconv.Atoi(f[1])
			}
		}
	}
	out := []int{root}
	for pid := range parent {
		for p := parent[pid]; p != 0; p = parent[p] {
			if p == root {
				out = append(out, pid)
				break
			}
			if _, ok := parent[p]; !ok {
				break
			}
		}
	}
	return out
}

// residentBytes returns the resident set size of pid, 0 when it is gone.
func residentBytes(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func machineFacts() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				model = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	tv, _ := exec.Command("tesseract", "--version").CombinedOutput()
	ov, _ := exec.Command("ocrmypdf", "--version").CombinedOutput()
	first := func(b []byte) string { return strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]) }
	return fmt.Sprintf("%d CPUs (%s), %s, %s, ocrmypdf %s", runtime.NumCPU(), model, runtime.Version(), first(tv), first(ov))
}

func writeReport(machine string, cs, floor, omp, big run, goBench, targets string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Performance\n\n")
	fmt.Fprintf(&b, "Measured by `make bench` (`go run ./bench`) on %s, %s.\n\n", time.Now().UTC().Format("2006-01-02"), machine)
	fmt.Fprintf(&b, "## Targets\n\n%s\n", targets)
	fmt.Fprintf(&b, "## Capture: chartscan against OCRmyPDF and the raw Tesseract CLI\n\n")
	fmt.Fprintf(&b, "The same %d scanned chart batches (%d pages: CCITT G4 and grayscale JPEG PDFs, G4 TIFFs; cover sheets, blank backs, turned pages), the same Tesseract, %d parallel workers for every tool. Word accuracy: share of the printed words of the content pages each tool read.\n\n", len(cs.texts), cs.pages, *workers)
	fmt.Fprintf(&b, "| tool | pages | seconds | pages/s | peak RSS | word accuracy |\n| --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range []run{cs, floor, omp} {
		rss := "–"
		if r.peakRSS > 0 {
			rss = mib(r.peakRSS)
		}
		fmt.Fprintf(&b, "| %s | %d | %.1f | %.2f | %s | %.1f %% |\n", r.name, r.pages, r.seconds, r.pagesPerSecond(), rss, 100*r.accuracy)
	}
	fmt.Fprintf(&b, "\n- chartscan / tesseract CLI floor: **%.2f×**\n", cs.pagesPerSecond()/floor.pagesPerSecond())
	fmt.Fprintf(&b, "- chartscan / OCRmyPDF: **%.2f×**\n", cs.pagesPerSecond()/omp.pagesPerSecond())
	fmt.Fprintf(&b, "- tesseract CLI floor / OCRmyPDF: %.2f×\n\n", floor.pagesPerSecond()/omp.pagesPerSecond())
	fmt.Fprintf(&b, "chartscan's time includes everything it does beyond OCR: reading the files, orientation checks, barcodes, blank detection, classification, extraction, storing every object and indexing. The floor's excludes extracting the page images; OCRmyPDF's includes writing searchable PDFs.\n\n")
	fmt.Fprintf(&b, "Commands:\n\n")
	for _, r := range []run{cs, floor, omp} {
		fmt.Fprintf(&b, "- %s: %s\n", r.name, r.command)
	}
	fmt.Fprintf(&b, "\n## Memory on a 300-page scanned PDF\n\n")
	fmt.Fprintf(&b, "The batches' PDFs joined into one file of %d pages (pages copied, not re-encoded), ingested alone: %.1f s, %.2f pages/s, peak RSS of chartscan and its OCR workers **%s**.\n\n", big.pages, big.seconds, big.pagesPerSecond(), mib(big.peakRSS))
	if goBench != "" {
		fmt.Fprintf(&b, "## Search and reindex\n\n`go test -run '^$' -bench . -benchtime 1x ./index ./ingest` with CHARTSCAN_BENCH_PAGES=%s pages generated from the MTSamples notes:\n\n```\n%s\n```\n", *benchPages, goBench)
	}
	// The notes below the marker are written by hand (what was tried and
	// why the defaults are what they are) and kept from run to run.
	if old, err := os.ReadFile(*outFile); err == nil {
		if i := bytes.Index(old, []byte(notesMarker)); i >= 0 {
			b.WriteString("\n")
			b.Write(old[i:])
		}
	}
	if err := os.MkdirAll(filepath.Dir(*outFile), 0o755); err != nil {
		return err
	}
	return os.WriteFile(*outFile, []byte(b.String()), 0o644)
}

// notesMarker starts the part of the report that a run keeps as it is.
const notesMarker = "<!-- notes: everything below is kept by make bench -->"
