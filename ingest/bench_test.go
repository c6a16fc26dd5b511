package ingest_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"chartscan"
	"chartscan/index"
	"chartscan/ingest"
	"chartscan/internal/testutil"
	"chartscan/storage"
)

// writeRecord puts a JSON record where the fs store keeps it, without the
// per-object fsync of FS.Put: only the benchmark's setup is sped up.
func writeRecord(tb testing.TB, root, key string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(root, filepath.FromSlash(key))
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkReindex fills an object store with CHARTSCAN_BENCH_PAGES
// (default 5,000) page records, their documents and batches, and measures
// rebuilding the index from the store alone.
func BenchmarkReindex(b *testing.B) {
	n := testutil.BenchPages(5000)
	root := filepath.Join(b.TempDir(), "objects")
	for _, sb := range testutil.SyntheticCorpus(b, n) {
		for _, p := range sb.Pages {
			p.Words = []chartscan.Word{}
			writeRecord(b, root, chartscan.PageRecordKey(p.BatchID, p.Number), p)
		}
		for _, d := range sb.Documents {
			writeRecord(b, root, chartscan.DocumentKey(d.ID), d)
		}
		writeRecord(b, root, chartscan.BatchKey(sb.Batch.ID), sb.Batch)
	}
	st, err := storage.NewFS(root)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x, err := index.Open(filepath.Join(b.TempDir(), "index"))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		stats, err := ingest.Reindex(context.Background(), st, x.Bulk(), nil)
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		x.Close()
		if stats.Pages != n {
			b.Fatalf("reindexed %d pages of %d", stats.Pages, n)
		}
		b.ReportMetric(float64(n)/took.Seconds(), "pages/s")
		b.ReportMetric(took.Seconds(), "seconds")
	}
}
