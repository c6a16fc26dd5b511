package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"chartscan"
	"chartscan/index"
	"chartscan/ingest"
)

// reindex rebuilds the index from the object store alone. It builds the
// new index beside the old one and swaps them only when it is complete, so
// a failed rebuild leaves the old index as it was.
func (e *cmdEnv) reindex(ctx context.Context, args []string) error {
	fs := e.flags("reindex")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return err
	}
	store, err := OpenStore(cfg, newLogger(cfg, e.stderr).With("component", "storage"), nil)
	if err != nil {
		return err
	}
	// The live index must not be in use: a running serve holds it.
	if _, err := os.Stat(cfg.IndexDir()); err == nil {
		old, err := index.Open(cfg.IndexDir())
		if chartscan.ErrorCode(err) == chartscan.EUNAVAILABLE {
			return fmt.Errorf("reindex: %s; stop chartscan serve first", chartscan.ErrorMessage(err))
		}
		if err == nil {
			old.Close()
		}
		// Any other error: the index is damaged, which is why we rebuild.
	}
	tmp := cfg.IndexDir() + ".rebuild"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	idx, err := index.Open(tmp)
	if err != nil {
		return err
	}
	start := time.Now()
	var bar *progressbar.ProgressBar
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription("reindexing"), progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("pages"), progressbar.OptionShowIts(), progressbar.OptionClearOnFinish())
	}
	last := 0
	stats, err := ingest.Reindex(ctx, store, idx.Bulk(), func(s ingest.ReindexStats) {
		if bar != nil {
			_ = bar.Add(s.Pages - last)
			last = s.Pages
		}
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("reindex: %w", err)
	}
	old := cfg.IndexDir() + ".old"
	os.RemoveAll(old)
	if err := os.Rename(cfg.IndexDir(), old); err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := os.Rename(tmp, cfg.IndexDir()); err != nil {
		return err
	}
	os.RemoveAll(old)
	secs := time.Since(start).Seconds()
	fmt.Fprintf(e.stdout, "reindexed %d batches, %d documents, %d pages in %.1fs (%.0f pages/s)\n",
		stats.Batches, stats.Documents, stats.Pages, secs, float64(stats.Pages)/max(secs, 0.001))
	return nil
}
