package ingest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"chartscan"
)

// BulkIndexer fills a fresh index. *index.Bulk implements it.
type BulkIndexer interface {
	Add(profile string, docs []*chartscan.Document, pages map[chartscan.PageID]*chartscan.Page) error
	Flush() error
}

// ReindexStats counts what Reindex read.
type ReindexStats struct {
	Batches, Documents, Pages int
}

// Reindex rebuilds search from the object store alone: for every batch
// record with status done, it reads the document manifests and the page
// records they list, and adds them to idx. It streams: one batch at a time
// is held in memory, its objects read concurrently. progress, if set, is
// called after each batch with the running totals.
func Reindex(ctx context.Context, s chartscan.ObjectStore, idx BulkIndexer, progress func(ReindexStats)) (ReindexStats, error) {
	var st ReindexStats
	err := s.List(ctx, chartscan.BatchesPrefix, func(o chartscan.ObjectInfo) error {
		if !strings.HasSuffix(o.Key, ".json") {
			return nil
		}
		id := chartscan.BatchID(strings.TrimSuffix(strings.TrimPrefix(o.Key, chartscan.BatchesPrefix), ".json"))
		if !id.Valid() {
			return nil
		}
		var b chartscan.Batch
		if err := chartscan.GetJSON(ctx, s, o.Key, &b); err != nil {
			return err
		}
		if b.Status != chartscan.BatchDone {
			return nil
		}
		docs, pages, err := loadBatch(ctx, s, &b)
		if err != nil {
			return fmt.Errorf("batch %s: %w", id, err)
		}
		if err := idx.Add(b.Profile, docs, pages); err != nil {
			return err
		}
		st.Batches++
		st.Documents += len(docs)
		st.Pages += len(pages)
		if progress != nil {
			progress(st)
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	return st, idx.Flush()
}

// loadBatch reads the manifests of a batch's documents and the records of
// their pages, eight objects at a time.
func loadBatch(ctx context.Context, s chartscan.ObjectStore, b *chartscan.Batch) ([]*chartscan.Document, map[chartscan.PageID]*chartscan.Page, error) {
	docs := make([]*chartscan.Document, len(b.Documents))
	for i, id := range b.Documents {
		var d chartscan.Document
		if err := chartscan.GetJSON(ctx, s, chartscan.DocumentKey(id), &d); err != nil {
			return nil, nil, err
		}
		docs[i] = &d
	}
	var ids []chartscan.PageID
	for _, d := range docs {
		ids = append(ids, d.Pages...)
	}
	pages := make(map[chartscan.PageID]*chartscan.Page, len(ids))
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		firstErr error
		sem      = make(chan struct{}, 8)
	)
	for _, pid := range ids {
		bid, n, err := chartscan.ParsePageID(string(pid))
		if err != nil {
			return nil, nil, err
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			// Only what the index needs: the words with their boxes are
			// the bulk of a record and are not indexed.
			var p struct {
				ID      chartscan.PageID  `json:"id"`
				BatchID chartscan.BatchID `json:"batch_id"`
				Number  int               `json:"number"`
				Text    string            `json:"text"`
			}
			err := chartscan.GetJSON(ctx, s, chartscan.PageRecordKey(bid, n), &p)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			pages[pid] = &chartscan.Page{ID: p.ID, BatchID: p.BatchID, Number: p.Number, Text: p.Text}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, nil, firstErr
	}
	return docs, pages, nil
}
