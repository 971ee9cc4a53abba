//go:build !linux

package main

// reexecWithMallocTunables does nothing: the tunables are glibc's, on Linux.
func reexecWithMallocTunables() {}
