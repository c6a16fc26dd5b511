package ocr

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes a worker die when the service does, even when the
// service is killed without a chance to stop it.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
