package main

import "strings"

// glibc's malloc, which Pebble allocates its memtables from with calloc as
// they grow from 256 KiB to 64 MiB, is tuned for them with two settings.
// glibc reads its tunables only when a process starts, hence the
// re-execution (malloc_linux.go).
const (
	// hugePagesTunable backs large allocations with transparent huge pages
	// (madvise(MADV_HUGEPAGE)). On virtual machines where a page fault is
	// dear (10 µs a 4 KiB page on ours) filling memtables page by page was
	// the largest single cost of a rebuild.
	hugePagesTunable = "glibc.malloc.hugetlb"
	// mmapThresholdTunable fixes the size from which glibc maps an
	// allocation on its own instead of carving it from its heap. Left
	// dynamic, glibc raises it as large blocks are freed, and later
	// memtables came from the heap, where calloc zeroes all of one at once,
	// inside the commit that needs it (25–62 ms with every writer waiting)
	// and whether or not it is ever filled. Mapped, a memtable is fresh
	// zeroed pages, faulted in as it fills.
	mmapThresholdTunable = "glibc.malloc.mmap_threshold"
)

// mallocTunables are the settings serve and bench run with, in the
// GLIBC_TUNABLES syntax.
func mallocTunables() []string {
	return []string{hugePagesTunable + "=1", mmapThresholdTunable + "=1048576"}
}

// withMallocTunables returns env with each of mallocTunables that
// GLIBC_TUNABLES does not name added to it, or nil when it names them all:
// an operator's choice, "glibc.malloc.hugetlb=0" included, is kept.
//
// glibc parses GLIBC_TUNABLES in place, writing a NUL over each ':', so
// where the environment is read back from the process's memory
// (/proc/<pid>/environ) the tunables after the first look like variables of
// their own. Entries named glibc.* right after it are taken as part of it,
// so that such an environment cannot make the process re-execute itself
// again and again.
func withMallocTunables(env []string) []string {
	out := make([]string, 0, len(env)+1)
	cur, in := "", false
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GLIBC_TUNABLES="); ok {
			cur, in = v, true
			continue
		}
		if in && strings.HasPrefix(kv, "glibc.") {
			cur += ":" + kv
			continue
		}
		in = false
		out = append(out, kv)
	}
	named := map[string]bool{}
	for _, t := range strings.Split(cur, ":") {
		name, _, _ := strings.Cut(t, "=")
		named[name] = true
	}
	v := cur
	added := false
	for _, t := range mallocTunables() {
		name, _, _ := strings.Cut(t, "=")
		if named[name] {
			continue
		}
		if v != "" {
			v += ":"
		}
		v += t
		added = true
	}
	if !added {
		return nil
	}
	return append(out, "GLIBC_TUNABLES="+v)
}
