package records

import (
	"context"
	"net/http"
	"sort"
	"time"

	"chartscan"
	"chartscan/audit"
)

// Day is what the scanning stations sent on one day: the batches done or
// failed that day (from the change log), the files still queued or being
// read on this node, and the files in the inboxes that no profile takes.
type Day struct {
	Day     time.Time
	Batches []*chartscan.Batch // newest first
	Pending []*chartscan.Batch // oldest first
	Strays  []chartscan.StrayFile
}

// maxDayBatches bounds the batches one Day lists: the latest ones.
const maxDayBatches = 2000

// Batches returns what was sent on the (UTC) day of day. Scanner role.
func (s *Service) Batches(ctx context.Context, a chartscan.Actor, day time.Time) (*Day, error) {
	if err := grant(a, chartscan.RoleScanner); err != nil {
		return nil, err
	}
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	out := &Day{Day: day}
	seen := map[chartscan.BatchID]bool{}
	var ids []chartscan.BatchID
	err := s.Store.List(ctx, chartscan.ChangesDayPrefix(day), func(o chartscan.ObjectInfo) error {
		var c chartscan.Change
		if err := chartscan.GetJSON(ctx, s.Store, o.Key, &c); err != nil {
			if chartscan.IsNotFound(err) {
				return nil
			}
			return err
		}
		if c.Status == "" || seen[c.Batch] {
			return nil
		}
		seen[c.Batch] = true
		ids = append(ids, c.Batch)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(ids) > maxDayBatches { // the latest of a busy day
		ids = ids[len(ids)-maxDayBatches:]
	}
	for i := len(ids) - 1; i >= 0; i-- {
		b, err := chartscan.LoadBatch(ctx, s.Store, ids[i])
		if chartscan.IsNotFound(err) {
			continue // destroyed since
		}
		if err != nil {
			return nil, err
		}
		out.Batches = append(out.Batches, b)
	}
	sort.SliceStable(out.Batches, func(i, k int) bool { return doneAt(out.Batches[i]).After(doneAt(out.Batches[k])) })
	if s.Intake != nil {
		out.Pending = s.Intake.Pending()
	}
	if s.Inboxes != nil {
		out.Strays = s.Inboxes.Strays()
	}
	return recorded(out, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionBatchView, Detail: "batches of " + day.Format(time.DateOnly)}))
}

func doneAt(b *chartscan.Batch) time.Time {
	if b.DoneAt != nil {
		return *b.DoneAt
	}
	return b.ReceivedAt
}
