package ingest

// The work-folder journal: every accepted file sits in its own job folder
// under the work folder, beside a job.json that says where it came from,
// until the file is stored, indexed and released. A file in the work
// folder is a promise: at start every job folder a crash left is
// processed again.

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"chartscan"
	"chartscan/internal/safefile"
)

// Job is an accepted file in the work folder.
type Job struct {
	ID      string            `json:"id"`
	Name    string            `json:"name"`    // file name as received
	Profile string            `json:"profile"` // scanner profile name
	Inbox   string            `json:"inbox"`   // inbox it came from; "" for uploads
	BatchID chartscan.BatchID `json:"batch_id,omitempty"`
	// SHA256 is the file's hash in hex, once known (an upload is hashed as
	// it streams in, a watched file before its first reading): the file is
	// read for it once.
	SHA256     string    `json:"sha256,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
	// UncleanStops counts the times chartscan stopped without finishing
	// or handing back this file while reading it: killed, crashed, or out
	// of memory. It is raised before each reading and cleared when a
	// reading ends.
	UncleanStops int `json:"unclean_stops,omitempty"`

	dir   string
	alone bool // read with no other file at the same time
	// state is queued or processing; the queue's lock guards it, and
	// BatchID and SHA256 once the job is queued.
	state chartscan.BatchStatus
}

// batch returns the job as the batch API shows a batch in progress. The
// queue's lock is held.
func (j *Job) batch() *chartscan.Batch {
	return &chartscan.Batch{
		ID: j.BatchID, Profile: j.Profile, SourceName: j.Name, SHA256: j.SHA256,
		Status: j.state, Documents: []chartscan.DocumentID{}, ReceivedAt: j.ReceivedAt,
	}
}

// maxUncleanStops is how many times chartscan may stop uncleanly while
// reading one file before the file is set aside: a file that kills the
// service (by running it out of memory, say) would otherwise do so again
// at every restart, and no other file would ever be read. After a first
// such stop a file is read alone, so that the file that brings the service
// down is the one that is counted.
const maxUncleanStops = 3

const (
	jobFile    = "job.json"
	sourceFile = "source"
)

func (j *Job) source() string { return filepath.Join(j.dir, sourceFile) }

// save rewrites the job's job.json atomically.
func (j *Job) save() error { return safefile.WriteJSON(filepath.Join(j.dir, jobFile), j, 0o640) }

// sum returns the file's SHA-256, hashing the file the first time and
// keeping the answer in job.json.
func (q *Queue) sum(j *Job) ([]byte, error) {
	q.mu.Lock()
	known := j.SHA256
	q.mu.Unlock()
	if b, err := hex.DecodeString(known); err == nil && len(b) == sha256.Size {
		return b, nil
	}
	b, _, err := HashFile(j.source())
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	j.SHA256, j.BatchID = hex.EncodeToString(b), chartscan.NewBatchID(b)
	q.mu.Unlock()
	return b, j.save()
}

// newJob creates a job folder with its job.json; the file is not in yet.
func (q *Queue) newJob(name string, prof *chartscan.Profile, inbox string) (*Job, error) {
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	j := &Job{
		ID:         now.Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(rnd[:]),
		Name:       chartscan.SafeName(name),
		Profile:    prof.Name,
		Inbox:      inbox,
		ReceivedAt: now,
	}
	j.dir = filepath.Join(q.Dir, j.ID)
	if err := os.MkdirAll(j.dir, 0o750); err != nil {
		return nil, err
	}
	if err := j.save(); err != nil {
		os.RemoveAll(j.dir)
		return nil, err
	}
	return j, nil
}

// Accept takes the file at path, found in the inbox of prof, into the
// work folder and queues it. The file is moved, or copied and then removed
// when the inbox is on another file system.
//
// With a Node name set, the file is first claimed: renamed into the
// inbox's claims folder of this node (<inbox>/.claims/<node>/). A rename
// within one file system is atomic, so of several nodes watching one
// inbox on a network share exactly one takes the file; the others find it
// gone (an fs.ErrNotExist error). A claimed file a crash left behind is
// taken again by the same node at its next start (Claimed).
func (q *Queue) Accept(path string, prof *chartscan.Profile) (*Job, error) {
	q.init()
	inbox := filepath.Dir(path)
	if filepath.Base(filepath.Dir(inbox)) == claimsFolder {
		inbox = filepath.Dir(filepath.Dir(inbox)) // a file claimed before
	} else if q.Node != "" {
		dir := filepath.Join(inbox, claimsFolder, q.Node)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
		claimed := filepath.Join(dir, filepath.Base(path))
		if err := os.Rename(path, claimed); err != nil {
			return nil, err // another node took it, or it went away
		}
		path = claimed
	}
	j, err := q.newJob(filepath.Base(path), prof, inbox)
	if err != nil {
		return nil, err
	}
	if err := safefile.Move(path, j.source()); err != nil {
		os.RemoveAll(j.dir)
		return nil, err
	}
	q.enqueue(j)
	return j, nil
}

// claimsFolder is the hidden folder of an inbox that holds the files each
// node claimed and has not yet moved to its work folder.
const claimsFolder = ".claims"

// Claimed returns the files this node claimed in an inbox and did not
// take, because it stopped in between: they are its to take.
func (q *Queue) Claimed(inbox string) []string {
	if q.Node == "" {
		return nil
	}
	dir := filepath.Join(inbox, claimsFolder, q.Node)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

// Upload streams r into the work folder and queues it. It returns the job,
// whose BatchID is set, once the file is safely on disk. A body beyond
// MaxUpload is an ETOOLARGE error and leaves nothing behind.
func (q *Queue) Upload(r io.Reader, name string, prof *chartscan.Profile) (*Job, error) {
	q.init()
	j, err := q.newJob(name, prof, "")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(j.dir)
		}
	}()
	part := j.source() + ".part"
	f, err := os.OpenFile(part, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	src := r
	if q.MaxUpload > 0 {
		src = io.LimitReader(r, q.MaxUpload+1)
	}
	n, err := io.Copy(io.MultiWriter(f, h), src)
	if err == nil && q.MaxUpload > 0 && n > q.MaxUpload {
		err = chartscan.Errorf(chartscan.ETOOLARGE, "upload exceeds the limit of %d bytes", q.MaxUpload)
	}
	if err == nil && n == 0 {
		err = chartscan.Errorf(chartscan.EINVALID, "upload is empty")
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	sum := h.Sum(nil)
	j.BatchID, j.SHA256 = chartscan.NewBatchID(sum), hex.EncodeToString(sum)
	if err := j.save(); err != nil {
		return nil, err
	}
	if err := os.Rename(part, j.source()); err != nil {
		return nil, err
	}
	if err := safefile.SyncDir(j.dir); err != nil {
		return nil, err
	}
	ok = true
	q.enqueue(j)
	return j, nil
}

// Resume queues every complete job folder left in the work folder and
// removes incomplete ones (whose file never arrived).
func (q *Queue) Resume() error {
	q.init()
	if err := os.MkdirAll(q.Dir, 0o750); err != nil {
		return err
	}
	ents, err := os.ReadDir(q.Dir)
	if err != nil {
		return err
	}
	sort.Slice(ents, func(i, k int) bool { return ents[i].Name() < ents[k].Name() })
	n := 0
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(q.Dir, e.Name())
		var j Job
		if err := safefile.ReadJSON(filepath.Join(dir, jobFile), &j); err != nil {
			q.log().Warn("removing incomplete job folder", "job", e.Name())
			os.RemoveAll(dir)
			continue
		}
		j.dir = dir
		if _, err := os.Stat(j.source()); err != nil {
			os.RemoveAll(dir) // accepted but never moved in, or already finished
			continue
		}
		if j.UncleanStops > 0 {
			q.log().Warn("file was being read when chartscan stopped; it will be read alone", "job", j.ID, "unclean_stops", j.UncleanStops)
		}
		q.enqueue(&j)
		n++
	}
	if n > 0 {
		q.log().Info("resuming accepted files", "files", n)
	}
	return nil
}

func (q *Queue) finishJob(j *Job) {
	q.mu.Lock()
	delete(q.jobs, j.ID)
	q.mu.Unlock()
	os.RemoveAll(j.dir)
}

// uniquePath returns p, or p with a number added before the extension if
// p exists.
func uniquePath(p string) string {
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		return p
	}
	ext := filepath.Ext(p)
	base := strings.TrimSuffix(p, ext)
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s (%d)%s", base, i, ext)
		if _, err := os.Lstat(c); errors.Is(err, fs.ErrNotExist) {
			return c
		}
	}
}

// Receive is Upload for chartscan.Intake: it returns the batch id.
func (q *Queue) Receive(r io.Reader, name string, prof *chartscan.Profile) (chartscan.BatchID, error) {
	j, err := q.Upload(r, name, prof)
	if err != nil {
		return "", err
	}
	return j.BatchID, nil
}

var _ chartscan.Intake = (*Queue)(nil)
