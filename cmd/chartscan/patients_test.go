package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"chartscan"
	"chartscan/config"
)

// The patient index named in the config checks what the running service
// files: a page whose MRN the index does not know goes to review with
// the reason, and the one patient whose name and birth date it carries
// is offered as the suggested MRN in the manifest.
func TestPatientIndexFromConfig(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "registry.csv")
	os.WriteFile(csv, []byte("mrn,family_name,given_name,dob\n"+
		"66102347,Kowalski,Tomasz,1977-05-05\n"+
		"66102348,Kowalski,Tomasz,1951-10-19\n"+
		"33451238,Walsh,Emma,1977-05-05\n"), 0o644)
	m := MustOpenMain(t, map[string]string{"default": testProfile}, func(c *config.Config) { c.Patients.CSV = csv })
	if m.Pipeline.Patients == nil {
		t.Fatal("patients.csv configured, but the pipeline has no patient index")
	}
	page := filepath.Join(dir, "visit.png")
	writeTextPage(t, page, []string{
		"RIVERBEND CLINIC",
		"Name: Kowalski, Tomasz    Hosp No: 66102374    DOB: 05/05/1977",
		"Date of Service: 02/17/2026",
		"",
		"OFFICE VISIT",
		"Follow-up of hypertension. Blood pressure is well controlled.",
	})
	b, _ := os.ReadFile(page)
	sum := sha256.Sum256(b)
	id := chartscan.NewBatchID(sum[:])
	if err := os.Rename(page, filepath.Join(m.Config.InboxDir(m.Profiles["default"]), "visit.png")); err != nil {
		t.Fatal(err)
	}
	var batch chartscan.Batch
	waitFor(t, "the page to be filed", 2*time.Minute, func() bool {
		r, err := m.Store.Get(context.Background(), chartscan.BatchKey(id))
		if err != nil {
			return false
		}
		defer r.Close()
		return json.NewDecoder(r).Decode(&batch) == nil && batch.Status == chartscan.BatchDone
	})
	if len(batch.Documents) != 1 {
		t.Fatalf("batch = %+v, want one document", batch)
	}
	var doc chartscan.Document
	if err := json.Unmarshal(readObject(t, m.Store, chartscan.DocumentKey(batch.Documents[0])), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.MRN != "66102374" || !doc.NeedsReview || !slices.Contains(doc.ReviewReasons, "MRN not in the patient index") || doc.SuggestedMRN != "66102347" {
		t.Errorf("document: mrn %q needs_review %v reasons %q suggested %q", doc.MRN, doc.NeedsReview, doc.ReviewReasons, doc.SuggestedMRN)
	}
	if logs := logsOf(m); strings.Contains(logs, "Kowalski") || strings.Contains(logs, "66102374") {
		t.Error("the service log holds the patient's name or MRN")
	}
}

// A patient index file that does not load stops the service at start
// with one line naming the file's line.
func TestPatientIndexThatDoesNotLoad(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "registry.csv")
	os.WriteFile(csv, []byte("mrn,family_name,given_name,dob\n1,Doe,Jane,12/04/1957\n"), 0o644)
	cfg, err := config.Parse("", []byte("data_dir: "+filepath.Join(dir, "data")+"\nlisten: 127.0.0.1:0\npatients:\n  csv: "+csv+"\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, newLogger(cfg, testLogWriter{t}))
	err = m.Open()
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "line 2") || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "Doe") {
		t.Errorf("Open = %v, want one line naming line 2 without the patient's data", err)
	}
}
