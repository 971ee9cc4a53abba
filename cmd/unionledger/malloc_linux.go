//go:build linux

package main

import (
	"os"
	"syscall"
)

// reexecWithMallocTunables replaces the process with itself, same arguments
// and process id, with glibc's malloc tunables set (malloc.go), unless they
// are set already. It returns only if that is not needed or not possible;
// the ledger then runs as it would have, with glibc's defaults.
func reexecWithMallocTunables() {
	env := withMallocTunables(os.Environ())
	if env == nil {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, env)
}
