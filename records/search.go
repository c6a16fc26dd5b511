package records

import (
	"context"
	"net/http"
	"sync"

	"chartscan"
	"chartscan/audit"
)

// Search runs a query and gives every hit the boxes of its matched words,
// in the stored page image's pixels. Technician role. The query, as asked,
// is recorded in the audit log (it is what the technician was looking
// for; the log holds no page text).
func (s *Service) Search(ctx context.Context, a chartscan.Actor, q chartscan.SearchQuery) (*chartscan.SearchResults, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, err
	}
	idx, err := s.index()
	if err != nil {
		return nil, err
	}
	res, err := idx.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := s.addBoxes(ctx, res.Hits); err != nil {
		return nil, err
	}
	return recorded(res, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionSearch, Query: q.Encode()}))
}

// addBoxes reads the page record of every hit, a few at a time, and turns
// the byte ranges the index matched in the page text into the boxes of
// the words there.
func (s *Service) addBoxes(ctx context.Context, hits []chartscan.SearchHit) error {
	var (
		wg   sync.WaitGroup
		errs = make([]error, len(hits))
		sem  = make(chan struct{}, 8)
	)
	for i := range hits {
		h := &hits[i]
		if h.Boxes == nil {
			h.Boxes = []chartscan.Box{}
		}
		if len(h.Matches) == 0 {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p, err := chartscan.LoadPage(ctx, s.Store, h.PageID)
			if chartscan.IsNotFound(err) {
				return // removed since it was indexed: a hit without boxes
			}
			if err != nil {
				errs[i] = err
				return
			}
			h.Boxes = WordBoxes(p, h.Matches)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// WordBoxes returns the boxes of the words of p that the byte ranges
// matches fall in; see chartscan.Page.Boxes.
func WordBoxes(p *chartscan.Page, matches [][2]int) []chartscan.Box { return p.Boxes(matches) }
