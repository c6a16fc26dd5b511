package export

import (
	"os"
	"testing"
	"time"

	"chartscan"
)

// The journal survives a crash that cut its last line, keeps the latest
// outcome of each document, is kept apart per destination, and stays the
// same when compacted.
func TestStateJournal(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenState(dir, "fhir", "https://ehr.example/fhir")
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := chartscan.DocumentID("0123456789abcdef-d01"), chartscan.DocumentID("0123456789abcdef-d02"), chartscan.DocumentID("0123456789abcdef-d03")
	for _, l := range []journalLine{
		{Doc: a, Event: "failed", Version: 1, Answer: "HTTP 500"},
		{Doc: a, Event: "sent", Version: 1},
		{Doc: b, Event: "held", Version: 1, Answer: "needs review"},
		{Doc: c, Event: "sent", Version: 1},
		{Doc: c, Event: "sent", Version: 2},
	} {
		if err := s.record(l); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	// A crash in the middle of a write leaves half a line.
	f, _ := os.OpenFile(s.path+".jsonl", os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"doc":"0123456789abcdef-d02","event":"se`)
	f.Close()
	check := func(s *State, when string) {
		t.Helper()
		if s.Sent[a] != 1 || s.Sent[c] != 2 || s.Held[b] != "needs review" || len(s.Failed) != 0 || len(s.Sent) != 2 {
			t.Errorf("%s: sent %v held %v failed %v", when, s.Sent, s.Held, s.Failed)
		}
	}
	s, err = OpenState(dir, "fhir", "https://ehr.example/fhir")
	if err != nil {
		t.Fatal(err)
	}
	check(s, "after a crash")
	// The next outcome goes on a line of its own.
	if err := s.record(journalLine{Doc: b, Event: "held", Version: 2, Answer: "needs review"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = OpenState(dir, "fhir", "https://ehr.example/fhir"); err != nil {
		t.Fatal(err)
	}
	check(s, "after the next outcome")
	if s.lines != 6 {
		t.Errorf("%d journal lines, want 6", s.lines)
	}
	s.lines = 1000 // make it compact
	cursor := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := s.Finish(cursor); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = OpenState(dir, "fhir", "https://ehr.example/fhir")
	if err != nil {
		t.Fatal(err)
	}
	check(s, "after compaction")
	if !s.Cursor.Equal(cursor) || s.lines != 3 {
		t.Errorf("cursor %v, %d lines", s.Cursor, s.lines)
	}
	s.Close()
	other, err := OpenState(dir, "fhir", "https://other.example/fhir")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if len(other.Sent) != 0 || !other.Cursor.IsZero() {
		t.Errorf("another destination shares the state: %v", other.Sent)
	}
}
