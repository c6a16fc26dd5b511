package index

import (
	"context"
	"io/fs"
	"math/rand"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"chartscan"
	"chartscan/internal/testutil"
)

// buildIndex indexes n synthetic pages into a new index in dir and returns
// how long it took.
func buildIndex(tb testing.TB, dir string, n int) (*Index, time.Duration) {
	corpus := testutil.SyntheticCorpus(tb, n)
	x, err := Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	bulk := x.Bulk()
	for _, b := range corpus {
		if err := bulk.Add(b.Batch.Profile, b.Documents, b.Pages); err != nil {
			tb.Fatal(err)
		}
	}
	if err := bulk.Flush(); err != nil {
		tb.Fatal(err)
	}
	return x, time.Since(start)
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// BenchmarkIndexAndSearch indexes CHARTSCAN_BENCH_PAGES pages (default
// 5,000) made from transcribed notes, then measures the latency of
// typical technician searches: a word, a phrase, and a word with a section
// filter and a date range. It reports indexing throughput, index size and
// the 50th and 95th percentile latency of each kind of query.
func BenchmarkIndexAndSearch(b *testing.B) {
	n := testutil.BenchPages(5000)
	dir := filepath.Join(b.TempDir(), "index")
	x, took := buildIndex(b, dir, n)
	defer x.Close()

	words := []string{"fracture", "pneumonia", "hypertension", "appendectomy", "laceration", "diabetes", "biopsy", "catheter", "anemia", "effusion", "stenosis", "melanoma"}
	phrases := []string{`"chest pain"`, `"shortness of breath"`, `"blood pressure"`, `"past medical history"`, `"left knee"`, `"no acute distress"`}
	rng := rand.New(rand.NewSource(1))
	kinds := map[string]func() chartscan.SearchQuery{
		"word":   func() chartscan.SearchQuery { return chartscan.SearchQuery{Text: words[rng.Intn(len(words))]} },
		"phrase": func() chartscan.SearchQuery { return chartscan.SearchQuery{Text: phrases[rng.Intn(len(phrases))]} },
		"filtered": func() chartscan.SearchQuery {
			from := time.Date(2020+rng.Intn(5), 1, 1, 0, 0, 0, 0, time.UTC)
			return chartscan.SearchQuery{Text: words[rng.Intn(len(words))], Section: chartscan.Sections[rng.Intn(15)], From: from, To: from.AddDate(1, 0, 0)}
		},
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, kind := range []string{"word", "phrase", "filtered"} {
			var lat []float64
			for q := 0; q < 300; q++ {
				start := time.Now()
				if _, err := x.Search(ctx, kinds[kind]()); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, float64(time.Since(start).Microseconds())/1000)
			}
			sort.Float64s(lat)
			b.ReportMetric(lat[len(lat)/2], kind+"_p50_ms")
			b.ReportMetric(lat[len(lat)*95/100], kind+"_p95_ms")
		}
	}
	// After the loop: ResetTimer drops metrics reported before it.
	b.ReportMetric(float64(n)/took.Seconds(), "indexed_pages/s")
	b.ReportMetric(float64(dirSize(dir))/(1<<20), "index_MiB")
}
