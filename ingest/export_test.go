package ingest

import (
	"context"
	"time"

	"chartscan"
)

// Reassemble runs document assembly again over the n stored page records
// of a batch, with a's settings (a patient index, say), and returns the
// documents; nothing is stored. It lets a test compare assembly settings
// on pages read once.
func Reassemble(ctx context.Context, a *Assembler, store chartscan.ObjectStore, id chartscan.BatchID, prof *chartscan.Profile, n int, scannedAt time.Time) ([]*chartscan.Document, error) {
	pages := make([]scannedPage, 0, n)
	for i := 1; i <= n; i++ {
		pg, err := chartscan.LoadPage(ctx, store, id.Page(i))
		if err != nil {
			return nil, err
		}
		sp := scannedPage{page: pg}
		if pg.Kind == chartscan.PageCover {
			sp.cover, _ = chartscan.ParseCoverSheet(pg.Barcode)
		}
		pages = append(pages, sp)
	}
	return a.Assemble(ctx, id, prof, pages, scannedAt), nil
}
