package chartscan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// maxRecord bounds a JSON record read from the store.
const maxRecord = 256 << 20

// GetJSON reads the JSON object at key into v. A missing object is an
// ENOTFOUND error.
func GetJSON(ctx context.Context, s ObjectStore, key string, v any) error {
	r, err := s.Get(ctx, key)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := json.NewDecoder(io.LimitReader(r, maxRecord)).Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

// PutJSON stores v as JSON at key.
func PutJSON(ctx context.Context, s ObjectStore, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.Put(ctx, key, bytes.NewReader(b), int64(len(b)), "application/json")
}

// LoadBatch reads a batch record; ENOTFOUND if there is none.
func LoadBatch(ctx context.Context, s ObjectStore, id BatchID) (*Batch, error) {
	var b Batch
	if err := GetJSON(ctx, s, BatchKey(id), &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// LoadDocument reads a document manifest; ENOTFOUND if there is none.
func LoadDocument(ctx context.Context, s ObjectStore, id DocumentID) (*Document, error) {
	var d Document
	if err := GetJSON(ctx, s, DocumentKey(id), &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// LoadPage reads a page record; ENOTFOUND if there is none.
func LoadPage(ctx context.Context, s ObjectStore, id PageID) (*Page, error) {
	b, n, err := ParsePageID(string(id))
	if err != nil {
		return nil, err
	}
	var p Page
	if err := GetJSON(ctx, s, PageRecordKey(b, n), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// loadersAtOnce bounds the records read from the store at once by one
// LoadPages call.
const loadersAtOnce = 8

// LoadPages reads the page records ids, several at a time, in order. A
// missing one is an ENOTFOUND error naming it.
func LoadPages(ctx context.Context, s ObjectStore, ids []PageID) ([]*Page, error) {
	return loadPages(ctx, s, ids, func(key string) (*Page, error) {
		var p Page
		return &p, GetJSON(ctx, s, key, &p)
	})
}

// LoadPageTexts is LoadPages for what the index needs of a page (its id,
// batch, number and text), without decoding the words and their boxes,
// which are the bulk of a record.
func LoadPageTexts(ctx context.Context, s ObjectStore, ids []PageID) ([]*Page, error) {
	return loadPages(ctx, s, ids, func(key string) (*Page, error) {
		var p struct {
			ID      PageID   `json:"id"`
			BatchID BatchID  `json:"batch_id"`
			Number  int      `json:"number"`
			Kind    PageKind `json:"kind"`
			Text    string   `json:"text"`
		}
		if err := GetJSON(ctx, s, key, &p); err != nil {
			return nil, err
		}
		return &Page{ID: p.ID, BatchID: p.BatchID, Number: p.Number, Kind: p.Kind, Text: p.Text}, nil
	})
}

func loadPages(ctx context.Context, s ObjectStore, ids []PageID, load func(key string) (*Page, error)) ([]*Page, error) {
	out := make([]*Page, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, loadersAtOnce)
	for _, id := range ids { // before any load starts
		if _, _, err := ParsePageID(string(id)); err != nil {
			return nil, err
		}
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		b, n, _ := ParsePageID(string(id))
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i], errs[i] = load(PageRecordKey(b, n))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			if IsNotFound(err) {
				return nil, WrapError(ENOTFOUND, err, "no page %s", ids[i])
			}
			return nil, fmt.Errorf("page %s: %w", ids[i], err)
		}
	}
	return out, nil
}
