package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"chartscan"
)

// Watcher feeds the Queue from the inbox folders of the scanner profiles.
//
// It takes a file only after it has stopped changing (size and time) for
// its profile's settle time, because scanners write multi-page files page
// by page. It learns of files from file-system events and also by listing
// every inbox at start and then every Rescan, because events are not
// delivered for files written over SMB or NFS, where many network scanners
// write. Hidden files, temporary files and files no profile pattern
// matches are left alone, as are the archive and failed sub-folders.
type Watcher struct {
	Queue    *Queue
	Profiles map[string]*chartscan.Profile
	// InboxDir returns the folder a profile watches.
	InboxDir func(*chartscan.Profile) string
	// Rescan is how often every inbox is listed; it must be positive.
	Rescan time.Duration
	Logger *slog.Logger
	// Poll is how often settling files are checked; it must be positive.
	Poll time.Duration

	mu     sync.Mutex
	strays map[string]chartscan.StrayFile // by path, as of the last listing
}

// Strays returns the files of the inboxes that no profile takes, as of
// the last listing, by profile and name.
func (w *Watcher) Strays() []chartscan.StrayFile {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]chartscan.StrayFile, 0, len(w.strays))
	for _, s := range w.strays {
		out = append(out, s)
	}
	sort.Slice(out, func(i, k int) bool {
		if out[i].Profile != out[k].Profile {
			return out[i].Profile < out[k].Profile
		}
		return out[i].Name < out[k].Name
	})
	return out
}

// candidate is a file seen in an inbox and not yet taken.
type candidate struct {
	prof    *chartscan.Profile
	size    int64
	mod     time.Time
	changed time.Time // when size or mod last changed
}

// Run watches until ctx ends, and then returns nil. It fails when an
// inbox cannot be listed at two listings in a row (a network share that
// went away, a folder deleted): files would otherwise wait there unseen.
func (w *Watcher) Run(ctx context.Context) error {
	log := w.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer fw.Close()
	inboxes := map[string]*chartscan.Profile{}
	names := make([]string, 0, len(w.Profiles))
	for n := range w.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := w.Profiles[n]
		dir := w.InboxDir(p)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
		if err := fw.Add(dir); err != nil {
			log.Warn("inbox events unavailable; relying on rescans", "profile", p.Name, "err", chartscan.WithoutPaths(err).Error())
		}
		inboxes[dir] = p
		log.Info("watching inbox", "profile", p.Name, "dir", dir)
		// Files this node claimed on a shared inbox and did not take
		// before it stopped are its own to take now.
		for _, path := range w.Queue.Claimed(dir) {
			if job, err := w.Queue.Accept(path, p); err != nil {
				log.Error("cannot take a claimed file", "profile", p.Name, "err", chartscan.WithoutPaths(err).Error())
			} else {
				log.Info("claimed file taken", "profile", p.Name, "job", job.ID)
			}
		}
	}
	rescan, poll := w.Rescan, w.Poll
	if rescan <= 0 || poll <= 0 {
		return fmt.Errorf("watcher: rescan %s and poll %s must be positive", rescan, poll)
	}
	cands := map[string]*candidate{}
	see := func(path string, prof *chartscan.Profile) {
		name := filepath.Base(path)
		if ignored(name) || !prof.Matches(name) {
			return
		}
		st, err := os.Lstat(path)
		if err != nil || !st.Mode().IsRegular() {
			delete(cands, path)
			return
		}
		now := time.Now()
		c := cands[path]
		switch {
		case c == nil:
			cands[path] = &candidate{prof: prof, size: st.Size(), mod: st.ModTime(), changed: now}
		case c.size != st.Size() || !c.mod.Equal(st.ModTime()):
			c.size, c.mod, c.changed = st.Size(), st.ModTime(), now
		}
	}
	unlisted := map[string]int{} // inbox -> listings in a row that failed
	scan := func() error {
		strays := map[string]chartscan.StrayFile{}
		for dir, prof := range inboxes {
			ents, err := os.ReadDir(dir)
			if err != nil {
				unlisted[dir]++
				if unlisted[dir] >= 2 {
					return chartscan.WrapError(chartscan.EUNAVAILABLE, chartscan.WithoutPaths(err), "inbox of profile %s cannot be listed", prof.Name)
				}
				log.Warn("cannot list inbox; it is tried again at the next rescan", "profile", prof.Name, "err", chartscan.WithoutPaths(err).Error())
				continue
			}
			delete(unlisted, dir)
			for _, e := range ents {
				if !e.Type().IsRegular() {
					continue
				}
				path := filepath.Join(dir, e.Name())
				if ignored(e.Name()) || prof.Matches(e.Name()) {
					see(path, prof)
					continue
				}
				if info, err := e.Info(); err == nil {
					strays[path] = chartscan.StrayFile{Profile: prof.Name, Name: e.Name(), Size: info.Size(), Since: time.Now().UTC()}
				}
			}
		}
		w.mu.Lock()
		for path, s := range strays {
			if old, ok := w.strays[path]; ok {
				s.Since = old.Since
				strays[path] = s
			}
		}
		w.strays = strays
		w.mu.Unlock()
		return nil
	}
	if err := scan(); err != nil {
		return err
	}
	pollT := time.NewTicker(poll)
	defer pollT.Stop()
	rescanT := time.NewTicker(rescan)
	defer rescanT.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-fw.Events:
			if !ok {
				return nil
			}
			if prof := inboxes[filepath.Dir(ev.Name)]; prof != nil {
				see(ev.Name, prof)
			}
		case err, ok := <-fw.Errors:
			if ok {
				// An overflow loses events; the next rescan finds the files.
				log.Warn("inbox events lost; rescanning", "err", chartscan.WithoutPaths(err).Error())
				if err := scan(); err != nil {
					return err
				}
			}
		case <-rescanT.C:
			if err := scan(); err != nil {
				return err
			}
		case <-pollT.C:
			now := time.Now()
			for path, c := range cands {
				if now.Sub(c.changed) < c.prof.Settle {
					continue
				}
				// Look once more: the file must still be there, unchanged.
				st, err := os.Lstat(path)
				if err != nil {
					delete(cands, path) // deleted while waiting
					continue
				}
				if st.Size() != c.size || !st.ModTime().Equal(c.mod) {
					c.size, c.mod, c.changed = st.Size(), st.ModTime(), now
					continue
				}
				delete(cands, path)
				job, err := w.Queue.Accept(path, c.prof)
				if err != nil {
					if !os.IsNotExist(err) {
						log.Error("cannot take file from inbox", "profile", c.prof.Name, "err", chartscan.WithoutPaths(err).Error())
					}
					continue
				}
				log.Info("file taken from inbox", "profile", c.prof.Name, "job", job.ID, "bytes", c.size)
			}
		}
	}
}

// ignored reports whether a file name is one a scanner or a copy in
// progress leaves behind: hidden, temporary or partial files.
func ignored(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") {
		return true
	}
	for _, suf := range []string{".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".filepart", ".swp", ".lock", ".error.txt"} {
		if strings.HasSuffix(lower, suf) {
			return true
		}
	}
	return false
}

var _ chartscan.Inboxes = (*Watcher)(nil)
