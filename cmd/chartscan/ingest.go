package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"chartscan"
	"chartscan/ingest"
)

// ingestFile is one entry of `ingest --json`.
type ingestFile struct {
	Path      string            `json:"path"`
	BatchID   chartscan.BatchID `json:"batch_id"`
	Status    string            `json:"status"`
	Pages     int               `json:"pages"`
	Documents int               `json:"documents"`
	Error     string            `json:"error"`
}

// ingestSummary is the output of `ingest --json`.
type ingestSummary struct {
	Files   []ingestFile `json:"files"`
	Pages   int          `json:"pages"`
	Seconds float64      `json:"seconds"`
}

func (e *cmdEnv) ingest(ctx context.Context, args []string) error {
	fs := e.flags("ingest")
	profName := fs.String("profile", "default", "scanner profile to ingest with")
	asJSON := fs.Bool("json", false, "print one JSON summary on stdout")
	verbose := fs.Bool("v", false, "log progress on stderr")
	paths, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("ingest: give at least one file or folder")
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	if !*verbose {
		cfg.Log.Level = "warn"
	}
	m := NewMain(cfg, newLogger(cfg, e.stderr))
	if err := m.Open(); err != nil {
		m.Close()
		return err
	}
	defer m.Close()
	prof, err := m.profile(*profName)
	if err != nil {
		return err
	}
	files, err := collectFiles(paths, prof)
	if err != nil {
		return err
	}

	var bar *progressbar.ProgressBar
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = progressbar.NewOptions(0,
			progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription(fmt.Sprintf("ingesting %d files", len(files))),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("pages"),
			progressbar.OptionShowIts(),
			progressbar.OptionClearOnFinish(),
		)
		var mu sync.Mutex
		total := 0
		m.Pipeline.OnPages = func(_ chartscan.BatchID, n int) {
			mu.Lock()
			total += n
			bar.ChangeMax(total)
			mu.Unlock()
		}
		m.Pipeline.OnPage = func(chartscan.BatchID, *chartscan.Page, time.Duration) { _ = bar.Add(1) }
	}

	start := time.Now()
	out := ingestSummary{Files: make([]ingestFile, len(files))}
	work := make(chan int)
	var wg sync.WaitGroup
	workers := cfg.Files()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out.Files[i] = ingestOne(ctx, m, prof, files[i])
			}
		}()
	}
	for i := range files {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if bar != nil {
		_ = bar.Finish()
	}

	failed := 0
	for i, f := range out.Files {
		if f.Path == "" { // interrupted before it started
			out.Files[i] = ingestFile{Path: files[i], Status: ingest.StatusFailed, Error: "interrupted"}
			f = out.Files[i]
		}
		if f.Status == ingest.StatusFailed {
			failed++
		} else {
			out.Pages += f.Pages
		}
	}
	out.Seconds = time.Since(start).Seconds()
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		for _, f := range out.Files {
			switch f.Status {
			case ingest.StatusFailed:
				fmt.Fprintf(e.stdout, "failed     %s: %s\n", f.Path, f.Error)
			default:
				fmt.Fprintf(e.stdout, "%-10s %s  %d pages, %d documents  %s\n", f.Status, f.BatchID, f.Pages, f.Documents, f.Path)
			}
		}
		fmt.Fprintf(e.stdout, "%d files, %d pages in %.1fs (%.2f pages/s), %d failed\n",
			len(files), out.Pages, out.Seconds, float64(out.Pages)/max(out.Seconds, 0.001), failed)
	}
	if failed > 0 {
		return exitError(1)
	}
	return nil
}

func ingestOne(ctx context.Context, m *Main, prof *chartscan.Profile, path string) ingestFile {
	f := ingestFile{Path: path}
	res, err := m.Pipeline.Process(ctx, ingest.Source{Path: path, Name: filepath.Base(path), Profile: prof, ReceivedAt: time.Now()})
	if err != nil {
		f.Status, f.Error = ingest.StatusFailed, chartscan.ErrorMessage(err)
		if chartscan.ErrorCode(err) == chartscan.EINTERNAL {
			f.Error = err.Error()
		}
		m.Logger.Error("ingest failed", "err", err.Error())
		return f
	}
	out := res.Outcome()
	f.BatchID, f.Status, f.Pages, f.Documents, f.Error = res.BatchID, out.Status, res.Pages, len(res.Documents), out.Message
	return f
}

// collectFiles expands the command line: files are taken as given; folders
// are walked for the files the profile takes, skipping hidden ones.
func collectFiles(paths []string, prof *chartscan.Profile) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if path != p && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && prof.Matches(name) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}
