//go:build linux

package main

import (
	"os"
	"syscall"
)

// reexecWithHugePages replaces the process with itself, same arguments and
// process id, with the tunable set, unless it is set already. It returns
// only if that is not needed or not possible; the ledger then runs as it
// would have, on small pages.
func reexecWithHugePages() {
	env := withHugePages(os.Environ())
	if env == nil {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, env)
}
