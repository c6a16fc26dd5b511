package export

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"chartscan"
	"chartscan/internal/safefile"
)

// State is what one destination has been sent: the version of each
// document delivered, the documents held back or not delivered (tried
// again at every run), and the change-log cursor of the last run. It is
// kept in two files of the exports folder, named after the kind and a
// hash of the destination: <name>.jsonl, a journal with one line per
// document outcome, appended and synced before the next document is
// sent (a run killed half way loses nothing it delivered), and
// <name>.json, the cursor, written when a run ends.
//
// A State is used by one run at a time; it is not safe for concurrent use.
type State struct {
	Kind        string                          `json:"kind"`
	Destination string                          `json:"destination"`
	Cursor      time.Time                       `json:"cursor"` // zero: no run has ended yet
	Sent        map[chartscan.DocumentID]int    `json:"-"`
	Held        map[chartscan.DocumentID]string `json:"-"`
	Failed      map[chartscan.DocumentID]string `json:"-"`

	path    string
	journal *os.File
	lines   int
}

// journalLine is one outcome in the journal.
type journalLine struct {
	Doc     chartscan.DocumentID `json:"doc"`
	Event   string               `json:"event"` // sent | held | failed
	Version int                  `json:"version"`
	Answer  string               `json:"answer,omitempty"`
	At      time.Time            `json:"at"`
}

// OpenState opens (or starts) the state of kind and destination in dir.
// Close it when the run ends.
func OpenState(dir, kind, destination string) (*State, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(kind + "\n" + destination))
	s := &State{
		Kind: kind, Destination: destination, path: filepath.Join(dir, kind+"-"+hex.EncodeToString(sum[:8])),
		Sent: map[chartscan.DocumentID]int{}, Held: map[chartscan.DocumentID]string{}, Failed: map[chartscan.DocumentID]string{},
	}
	var head State
	if err := safefile.ReadJSON(s.path+".json", &head); err == nil {
		if head.Kind != kind || head.Destination != destination {
			return nil, fmt.Errorf("export state %s.json belongs to another destination", s.path)
		}
		s.Cursor = head.Cursor
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("export state: %w", err)
	}
	if err := s.replay(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(s.path+".jsonl", os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, err
	}
	s.journal = f
	return s, nil
}

// replay reads the journal. A last line cut short by a crash is dropped.
func (s *State) replay() error {
	b, err := os.ReadFile(s.path + ".jsonl")
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	// A line cut short by a crash is dropped, so that the next line is
	// appended after a whole one.
	if whole := bytes.LastIndexByte(b, '\n') + 1; whole < len(b) {
		if err := os.Truncate(s.path+".jsonl", int64(whole)); err != nil {
			return fmt.Errorf("export state: %w", err)
		}
		b = b[:whole]
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l journalLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			continue // a torn last line
		}
		s.apply(l)
		s.lines++
	}
	return sc.Err()
}

func (s *State) apply(l journalLine) {
	switch l.Event {
	case "sent":
		s.Sent[l.Doc] = l.Version
		delete(s.Held, l.Doc)
		delete(s.Failed, l.Doc)
	case "held":
		s.Held[l.Doc] = l.Answer
		delete(s.Failed, l.Doc)
	case "failed":
		s.Failed[l.Doc] = l.Answer
		delete(s.Held, l.Doc)
	case "gone":
		delete(s.Held, l.Doc)
		delete(s.Failed, l.Doc)
	}
}

// record appends one outcome to the journal and syncs it.
func (s *State) record(l journalLine) error {
	l.At = time.Now().UTC()
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	if _, err := s.journal.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("export state: %w", err)
	}
	if err := s.journal.Sync(); err != nil {
		return fmt.Errorf("export state: %w", err)
	}
	s.apply(l)
	s.lines++
	return nil
}

// Finish stores the cursor of a run that ended, and rewrites the journal
// with one line per document when it has grown to twice that.
func (s *State) Finish(cursor time.Time) error {
	s.Cursor = cursor
	if err := safefile.WriteJSON(s.path+".json", s, 0o640); err != nil {
		return fmt.Errorf("export state: %w", err)
	}
	if s.lines < 2*(len(s.Sent)+len(s.Held)+len(s.Failed))+64 {
		return nil
	}
	var buf bytes.Buffer
	ids := make([]chartscan.DocumentID, 0, len(s.Sent))
	for id := range s.Sent {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, k int) bool { return ids[i] < ids[k] })
	enc := json.NewEncoder(&buf)
	n := 0
	for _, id := range ids {
		_ = enc.Encode(journalLine{Doc: id, Event: "sent", Version: s.Sent[id]})
		n++
	}
	for id, why := range s.Held {
		_ = enc.Encode(journalLine{Doc: id, Event: "held", Answer: why})
		n++
	}
	for id, why := range s.Failed {
		_ = enc.Encode(journalLine{Doc: id, Event: "failed", Answer: why})
		n++
	}
	s.journal.Close()
	if err := safefile.WriteFile(s.path+".jsonl", buf.Bytes(), 0o640); err != nil {
		return fmt.Errorf("export state: %w", err)
	}
	f, err := os.OpenFile(s.path+".jsonl", os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	s.journal, s.lines = f, n
	return nil
}

// Close closes the journal.
func (s *State) Close() error {
	if s.journal == nil {
		return nil
	}
	err := s.journal.Close()
	s.journal = nil
	return err
}
