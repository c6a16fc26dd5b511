package chartscan

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Change is a note in the object store that a batch or some documents
// changed, written after the change itself under a key that sorts by time
// (ChangeKey): a search node follows the bucket by listing the changes
// after the last one it applied, and the UI lists what each station sent
// on a day. The change log is derived data like the index: losing it
// loses nothing that reindex cannot rebuild.
type Change struct {
	Time  time.Time `json:"time"`
	Batch BatchID   `json:"batch"`
	// Status and Profile are set for a batch committed (done) or failed.
	Status  BatchStatus `json:"status,omitempty"`
	Profile string      `json:"profile,omitempty"`
	// Documents are the documents changed (corrected, split, merged).
	Documents []DocumentID `json:"documents,omitempty"`
	// Removed are documents that no longer exist (destroyed at the end of
	// their retention).
	Removed []DocumentID `json:"removed,omitempty"`
}

// RecordChange stores c (its Time set to now) in the change log.
func RecordChange(ctx context.Context, s ObjectStore, c Change) error {
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	c.Time = time.Now().UTC()
	return PutJSON(ctx, s, ChangeKey(c.Time, hex.EncodeToString(rnd[:])), &c)
}
