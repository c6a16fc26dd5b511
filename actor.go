package chartscan

import (
	"io"
	"time"
)

// Actor is who asks for an access to records, and from where: a person
// signed in to the web UI, the holder of an API token, or an operator at
// the command line. Every access the records service grants is written to
// the audit log under the actor's name.
type Actor struct {
	Name   string // user or token name, as the audit log shows it
	Role   Role
	Client string // the connecting address; "" at the command line
	Via    string // how the actor came in: ViaAPI, ViaUI, ViaFHIR or ViaCLI
}

// The ways in.
const (
	ViaAPI  = "api"
	ViaUI   = "ui"
	ViaFHIR = "fhir"
	ViaCLI  = "cli"
)

// Intake takes scans into the capture pipeline and says where they are.
// *ingest.Queue implements it. Implementations are safe for concurrent use.
type Intake interface {
	// Receive streams r, a scan named name, into the pipeline for the
	// profile and returns its batch id once every byte is safely on disk
	// (not yet processed). A body beyond the upload limit is ETOOLARGE and
	// an empty one EINVALID; neither leaves anything behind.
	Receive(r io.Reader, name string, prof *Profile) (BatchID, error)
	// Status returns the state of a batch that is queued or being
	// processed, and false for any other (done, failed or unknown).
	Status(id BatchID) (*Batch, bool)
	// Pending returns the files queued or being processed, oldest first,
	// as batches (whose id is "" while a watched file is not yet read).
	Pending() []*Batch
}

// StrayFile is a file sitting in an inbox that no profile takes (a Word
// file saved into the scan folder): it would wait there unseen.
type StrayFile struct {
	Profile string    `json:"profile"` // the profile whose inbox it is in
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	Since   time.Time `json:"since"` // when chartscan first saw it
}

// Inboxes reports on the scanner inboxes. *ingest.Watcher implements it;
// it is safe for concurrent use.
type Inboxes interface {
	// Strays returns the files in the inboxes that no profile takes, as
	// of the last listing.
	Strays() []StrayFile
}
