package chartscan

import "io"

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
}
