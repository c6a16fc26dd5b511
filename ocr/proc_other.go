//go:build !linux

package ocr

import "os/exec"

// dieWithParent does nothing where the system offers no such signal; a
// worker still ends when its input closes.
func dieWithParent(cmd *exec.Cmd) {}
