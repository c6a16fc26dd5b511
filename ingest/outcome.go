package ingest

// What becomes of a file once the pipeline is done with it: released
// (archived or deleted per its profile) when every page went through,
// quarantined in a failed folder with the reason beside it otherwise.
// `chartscan ingest` reports the same Outcome the service acts on.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"chartscan"
	"chartscan/internal/safefile"
)

// Outcome is what a Result means for the file and for the person who
// dropped it in.
type Outcome struct {
	// Status is the Result's status: done, duplicate or failed.
	Status string
	// Message says why the file failed or which pages could not be read;
	// "" when every page went through. Safe to show: no PHI.
	Message string
	// Quarantine is true when the source goes to the failed folder rather
	// than the archive: it failed, or some of its pages need rescanning.
	Quarantine bool
	// Headline opens the note left beside a quarantined file.
	Headline string
}

// Outcome maps a Result to what becomes of its file.
func (r *Result) Outcome() Outcome {
	switch {
	case r.Status == StatusFailed:
		return Outcome{Status: r.Status, Message: chartscan.ErrorMessage(r.Err), Quarantine: true,
			Headline: "chartscan could not ingest this file."}
	case len(r.PageErrors) > 0:
		// Stored and searchable, but incomplete: the source goes to the
		// failed folder with the pages to rescan, not to the archive.
		return Outcome{Status: r.Status, Quarantine: true,
			Message: fmt.Sprintf("%d of %d pages could not be read and need rescanning: %s",
				len(r.PageErrors), r.Pages, strings.Join(r.PageErrors, "; ")),
			Headline: "chartscan ingested this file, but some pages could not be read. The other pages are stored and searchable."}
	}
	return Outcome{Status: r.Status}
}

// process runs one job. It returns an error only when the job must be
// tried again (a resource failed or the run is stopping).
func (q *Queue) process(ctx context.Context, j *Job) error {
	log := q.log().With("job", j.ID)
	prof := q.Profiles[j.Profile]
	if prof == nil {
		q.quarantine(j, Outcome{Status: StatusFailed, Quarantine: true, Headline: "chartscan could not ingest this file.",
			Message: fmt.Sprintf("scanner profile %q no longer exists", j.Profile)})
		q.finishJob(j)
		return nil
	}
	if _, err := os.Stat(j.source()); errors.Is(err, fs.ErrNotExist) {
		log.Warn("accepted file vanished from the work folder")
		q.finishJob(j)
		return nil
	}
	sum, err := q.sum(j)
	if err != nil {
		return fmt.Errorf("hash accepted file: %w", err)
	}
	if j.UncleanStops >= maxUncleanStops {
		reason := chartscan.Errorf(chartscan.EINTERNAL, "chartscan stopped unexpectedly %d times while reading this file (it may need more memory than the machine has); it was set aside so that other files go on, and can be dropped in again", j.UncleanStops)
		res := &Result{BatchID: j.BatchID, Status: StatusFailed, Err: reason}
		batch := &chartscan.Batch{ID: j.BatchID, Profile: prof.Name, SourceName: j.Name, SHA256: j.SHA256, ReceivedAt: j.ReceivedAt}
		if err := q.Pipeline.RecordFailed(ctx, batch, reason); err != nil {
			return err
		}
		q.settle(j, prof, res)
		return nil
	}
	// Counted as an unclean stop until the reading ends, one way or another.
	j.UncleanStops++
	if err := j.save(); err != nil {
		log.Warn("could not update job file", "err", chartscan.WithoutPaths(err).Error())
	}
	res, err := q.Pipeline.Process(ctx, Source{Path: j.source(), Name: j.Name, Profile: prof, ReceivedAt: j.ReceivedAt, SHA256: sum})
	if err != nil {
		// Tried again later, or at the next start: that was no crash.
		j.UncleanStops = 0
		if werr := j.save(); werr != nil {
			log.Warn("could not update job file", "err", werr.Error())
		}
		return err
	}
	q.settle(j, prof, res)
	return nil
}

// settle releases or quarantines the job's file per its outcome and
// removes the job folder.
func (q *Queue) settle(j *Job, prof *chartscan.Profile, res *Result) {
	if out := res.Outcome(); out.Quarantine {
		q.quarantine(j, out)
	} else {
		q.release(j, prof)
	}
	if q.OnOutcome != nil {
		q.OnOutcome(prof, res)
	}
	q.finishJob(j)
}

// release archives or deletes an ingested file per its profile. Uploads
// are deleted: the object store holds the original.
func (q *Queue) release(j *Job, prof *chartscan.Profile) {
	if j.Inbox == "" || prof.After == "delete" || q.ArchiveDir == nil {
		os.Remove(j.source())
		return
	}
	dir := q.ArchiveDir(prof)
	if err := os.MkdirAll(dir, 0o750); err == nil {
		dst := uniquePath(filepath.Join(dir, j.Name))
		if err := safefile.Move(j.source(), dst); err == nil {
			return
		}
	}
	q.log().Error("could not archive source; it stays in the work folder", "job", j.ID)
}

// quarantine moves the job's file to the failed folder next to its inbox
// (or the uploads' failed folder) with <name>.error.txt beside it, which
// opens with the outcome's headline and gives the reason.
func (q *Queue) quarantine(j *Job, out Outcome) {
	dir := q.FailedDir
	if j.Inbox != "" {
		dir = filepath.Join(j.Inbox, "failed")
	}
	q.log().Warn("file quarantined", "job", j.ID, "batch", string(j.BatchID), "reason", out.Message)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		q.log().Error("cannot create failed folder", "err", chartscan.WithoutPaths(err).Error())
		return
	}
	dst := uniquePath(filepath.Join(dir, j.Name))
	if err := safefile.Move(j.source(), dst); err != nil {
		q.log().Error("cannot move failed file", "err", chartscan.WithoutPaths(err).Error())
		return
	}
	note := fmt.Sprintf("%s\n\nfile:     %s\nreason:   %s\nbatch:    %s\nprofile:  %s\nreceived: %s\nfailed:   %s\n",
		out.Headline, filepath.Base(dst), out.Message, j.BatchID, j.Profile, j.ReceivedAt.Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339))
	if err := safefile.WriteFile(dst+".error.txt", []byte(note), 0o640); err != nil {
		q.log().Error("cannot write the reason beside a failed file", "err", chartscan.WithoutPaths(err).Error())
	}
}
