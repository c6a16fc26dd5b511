package chartscan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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
