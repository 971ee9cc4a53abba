//go:build !linux

package main

// reexecWithHugePages does nothing: the tunable is glibc's, on Linux.
func reexecWithHugePages() {}
