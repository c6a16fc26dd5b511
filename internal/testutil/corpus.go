package testutil

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"chartscan"
)

// BenchPages returns how many pages benchmarks should generate:
// $CHARTSCAN_BENCH_PAGES, or def.
func BenchPages(def int) int {
	if n, err := strconv.Atoi(os.Getenv("CHARTSCAN_BENCH_PAGES")); err == nil && n > 0 {
		return n
	}
	return def
}

// SyntheticBatch is a scanned file's worth of records made from real
// transcribed notes: for benchmarks of search and reindex at hospital
// scale, where OCR of that many pages would take days.
type SyntheticBatch struct {
	Batch     *chartscan.Batch
	Documents []*chartscan.Document
	Pages     map[chartscan.PageID]*chartscan.Page
}

// SyntheticCorpus cuts the MTSamples notes into pages of about a page of
// print (2,000 characters) and groups them into batches of documents with
// made-up patients, sections and dates, until it has n pages. The same n
// gives the same corpus.
func SyntheticCorpus(tb testing.TB, n int) []SyntheticBatch {
	tb.Helper()
	f, err := os.Open(filepath.Join(SharedData(tb), "mtsamples", "mtsamples_public.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		tb.Fatal(err)
	}
	col := 0
	for i, h := range head {
		if h == "transcription" {
			col = i
		}
	}
	var notes []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if t := strings.TrimSpace(rec[col]); len(t) > 200 {
			notes = append(notes, strings.ReplaceAll(t, ",", ", "))
		}
	}
	rng := rand.New(rand.NewSource(int64(n)))
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []SyntheticBatch
	pages, note := 0, 0
	for b := 0; pages < n; b++ {
		id := chartscan.BatchID(fmt.Sprintf("%016x", 0xc0ffee0000000000+uint64(b)))
		sb := SyntheticBatch{Batch: &chartscan.Batch{ID: id, Profile: "default", Status: chartscan.BatchDone}, Pages: map[chartscan.PageID]*chartscan.Page{}}
		pn := 0
		for d := 0; d < 1+rng.Intn(4) && pages < n; d++ {
			text := notes[note%len(notes)]
			note++
			doc := &chartscan.Document{
				ID: id.Document(d + 1), BatchID: id, Profile: "default",
				Section:     chartscan.Sections[rng.Intn(len(chartscan.Sections)-1)],
				MRN:         fmt.Sprintf("%08d", rng.Intn(100000000)),
				PatientName: fmt.Sprintf("PATIENT%d^TEST", rng.Intn(50000)),
				ServiceDate: base.AddDate(0, 0, rng.Intn(7*365)).Format("2006-01-02"),
				ScannedAt:   base.AddDate(6, 0, rng.Intn(600)),
				NeedsReview: rng.Intn(10) == 0,
			}
			for len(text) > 0 && pages < n {
				cut := min(len(text), 2000)
				if i := strings.LastIndexByte(text[:cut], ' '); i > 1000 && cut < len(text) {
					cut = i
				}
				pn++
				pg := &chartscan.Page{ID: id.Page(pn), BatchID: id, Number: pn, Kind: chartscan.PageContent, Text: text[:cut], DocumentID: doc.ID, Section: doc.Section}
				text = text[cut:]
				sb.Pages[pg.ID] = pg
				doc.Pages = append(doc.Pages, pg.ID)
				pages++
			}
			sb.Documents = append(sb.Documents, doc)
			sb.Batch.Documents = append(sb.Batch.Documents, doc.ID)
		}
		sb.Batch.Pages = pn
		out = append(out, sb)
	}
	return out
}
