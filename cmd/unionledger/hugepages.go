package main

import "strings"

// hugePagesTunable asks glibc's malloc to back its large allocations with
// transparent huge pages (madvise(MADV_HUGEPAGE)). Pebble allocates its
// memtables there, with C's calloc, as they grow from 256 KiB to 64 MiB; on
// virtual machines where a page fault is dear (10 µs a 4 KiB page on ours)
// filling them page by page was the largest single cost of a rebuild. glibc
// reads its tunables only when a process starts, hence the re-execution.
const hugePagesTunable = "glibc.malloc.hugetlb"

// withHugePages returns env with the tunable added to GLIBC_TUNABLES, or
// nil when env already sets it, to 1 or to anything else: an operator's
// choice, "glibc.malloc.hugetlb=0" included, is kept.
func withHugePages(env []string) []string {
	out := make([]string, 0, len(env)+1)
	cur := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GLIBC_TUNABLES="); ok {
			cur = v
			continue
		}
		out = append(out, kv)
	}
	for _, t := range strings.Split(cur, ":") {
		if name, _, _ := strings.Cut(t, "="); name == hugePagesTunable {
			return nil
		}
	}
	v := hugePagesTunable + "=1"
	if cur != "" {
		v = cur + ":" + v
	}
	return append(out, "GLIBC_TUNABLES="+v)
}
