package hl7test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"chartscan/internal/testutil"
)

// Parsed is a message as python-hl7 (Debian python3-hl7, an independent
// parser) read it: segment id → fields, each
// the list of its (unescaped) components; Fields are 1-based through F.
type Parsed struct {
	File     string `json:"file"`
	Segments []struct {
		ID     string     `json:"id"`
		Fields [][]string `json:"fields"`
	} `json:"segments"`
}

// F returns component c (1-based) of field f of the first segment id.
func (p *Parsed) F(id string, f, c int) string {
	for _, s := range p.Segments {
		if s.ID == id {
			if f-1 < len(s.Fields) && c-1 < len(s.Fields[f-1]) {
				return s.Fields[f-1][c-1]
			}
			return ""
		}
	}
	return "<no " + id + ">"
}

// ParseWithPythonHL7 parses files with Debian's python3-hl7.
func ParseWithPythonHL7(t *testing.T, mllp bool, files ...string) []Parsed {
	t.Helper()
	args := []string{filepath.Join(testutil.Root(t), "hl7", "testdata", "hl7fields.py")}
	if mllp {
		args = append(args, "--mllp")
	}
	out, err := exec.Command("/usr/bin/python3", append(args, files...)...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("python-hl7 (python3-hl7, installed by scripts/setup.sh --test): %v %s", err, msg)
	}
	var ps []Parsed
	if err := json.Unmarshal(out, &ps); err != nil {
		t.Fatal(err)
	}
	return ps
}
