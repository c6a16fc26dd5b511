package audit

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartscan/storage"
)

func TestRecordQueryVerify(t *testing.T) {
	dir := t.TempDir()
	st, err := storage.NewFS(filepath.Join(dir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(filepath.Join(dir, "audit"), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range []Entry{
		{Actor: "station-3", Role: "scanner", Action: ActionUpload, Batch: "0123456789abcdef", Client: "10.0.0.5", Status: 202},
		{Actor: "jdoe", Role: "technician", Action: ActionSearch, Query: "q=fracture", Client: "10.0.0.9", Status: 200},
		{Actor: "jdoe", Role: "technician", Action: ActionDocView, Document: "0123456789abcdef-d01", Client: "10.0.0.9", Status: 200},
	} {
		if err := l.Record(e); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	got, err := l.Query(Filter{Actor: "jdoe"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Action != ActionDocView || got[1].Action != ActionSearch {
		t.Fatalf("query by actor = %+v", got)
	}
	if got, _ := l.Query(Filter{Document: "0123456789abcdef-d01"}); len(got) != 1 || got[0].Seq != 3 {
		t.Fatalf("query by document = %+v", got)
	}
	if got, _ := l.Query(Filter{Since: time.Now().Add(time.Hour)}); len(got) != 0 {
		t.Fatalf("query since the future = %+v", got)
	}

	// A reopened log continues the chain.
	l.Close()
	l, err = Open(filepath.Join(dir, "audit"), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Record(Entry{Actor: "a", Action: ActionAuditRead, Status: 200}); err != nil {
		t.Fatal(err)
	}
	if n, err := Verify(filepath.Join(dir, "audit")); err != nil || n != 4 {
		t.Fatalf("Verify = %d, %v", n, err)
	}

	// Copies reach the object store.
	if err := l.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	day := time.Now().UTC().Format("2006-01-02")
	r, err := st.Get(context.Background(), "audit/"+day+".jsonl")
	if err != nil {
		t.Fatal(err)
	}
	copied, _ := io.ReadAll(r)
	r.Close()
	local, _ := os.ReadFile(filepath.Join(dir, "audit", day+".jsonl"))
	if !bytes.Equal(copied, local) {
		t.Fatal("store copy differs from the local log")
	}
	l.Close()
}

// Changing, removing or inserting a line is detected.
func TestVerifyDetectsTampering(t *testing.T) {
	fresh := func(t *testing.T) (string, []string) {
		dir := t.TempDir()
		l, err := Open(dir, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"alice", "bob", "carol", "dave"} {
			l.Record(Entry{Actor: a, Action: ActionDocView, Document: "0123456789abcdef-d01", Status: 200})
		}
		l.Close()
		path := filepath.Join(dir, time.Now().UTC().Format("2006-01-02")+".jsonl")
		b, _ := os.ReadFile(path)
		return dir, strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	}
	for name, tamper := range map[string]func([]string) []string{
		"changed":  func(ls []string) []string { ls[1] = strings.Replace(ls[1], "bob", "eve", 1); return ls },
		"removed":  func(ls []string) []string { return append(ls[:1], ls[2:]...) },
		"inserted": func(ls []string) []string { return append(ls[:2], append([]string{ls[1]}, ls[2:]...)...) },
		"reordered": func(ls []string) []string {
			ls[1], ls[2] = ls[2], ls[1]
			return ls
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir, lines := fresh(t)
			if n, err := Verify(dir); err != nil || n != 4 {
				t.Fatalf("untouched log: %d, %v", n, err)
			}
			path := filepath.Join(dir, time.Now().UTC().Format("2006-01-02")+".jsonl")
			os.WriteFile(path, []byte(strings.Join(tamper(lines), "\n")+"\n"), 0o640)
			if _, err := Verify(dir); err == nil {
				t.Fatal("tampering not detected")
			}
		})
	}
}
