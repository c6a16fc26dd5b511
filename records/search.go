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
// matches ([start, end) in p.Text, sorted by start) fall in, each word
// once, in reading order. The page text is the words joined by spaces and
// newlines, in order (as package ocr makes it), so the n-th run of
// non-space bytes is the n-th word. (UTF-8 never puts an ASCII space
// inside a character, so bytes will do.)
func WordBoxes(p *chartscan.Page, matches [][2]int) []chartscan.Box {
	out := []chartscan.Box{}
	if len(matches) == 0 || len(p.Words) == 0 {
		return out
	}
	text, m := p.Text, 0
	word, start := -1, -1
	for i := 0; i <= len(text) && m < len(matches); i++ {
		inWord := i < len(text) && !isSpace(text[i])
		switch {
		case inWord && start < 0:
			start = i
			word++
		case !inWord && start >= 0:
			// The word is text[start:i]; does a match fall in it?
			hit := false
			for m < len(matches) && matches[m][0] < i {
				if matches[m][1] > start {
					hit = true
				}
				m++
			}
			if hit && word < len(p.Words) {
				w := p.Words[word]
				out = append(out, chartscan.Box{X: w.X, Y: w.Y, W: w.W, H: w.H})
			}
			start = -1
		}
	}
	return out
}

func isSpace(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }
