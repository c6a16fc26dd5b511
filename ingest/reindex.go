package ingest

import (
	"context"
	"fmt"

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
		id, ok := chartscan.ParseBatchKey(o.Key)
		if !ok {
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

// loadBatch reads the manifests of a batch's documents and the text of
// their pages.
func loadBatch(ctx context.Context, s chartscan.ObjectStore, b *chartscan.Batch) ([]*chartscan.Document, map[chartscan.PageID]*chartscan.Page, error) {
	docs := make([]*chartscan.Document, 0, len(b.Documents))
	var ids []chartscan.PageID
	for _, id := range b.Documents {
		d, err := chartscan.LoadDocument(ctx, s, id)
		if err != nil {
			return nil, nil, err
		}
		if d.MergedInto != "" {
			continue // its pages are indexed under the document it went into
		}
		docs = append(docs, d)
		ids = append(ids, d.Pages...)
	}
	list, err := chartscan.LoadPageTexts(ctx, s, ids)
	if err != nil {
		return nil, nil, err
	}
	pages := make(map[chartscan.PageID]*chartscan.Page, len(list))
	for _, p := range list {
		pages[p.ID] = p
	}
	return docs, pages, nil
}
