package locals3

import (
	"os/exec"
	"syscall"
)

// dieWithParent has Linux kill the server when the process that started it
// ends, so a test killed at its timeout leaves no server behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
