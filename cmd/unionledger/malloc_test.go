package main

import (
	"slices"
	"testing"
)

func TestWithMallocTunables(t *testing.T) {
	const both = "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=1048576"
	for _, tc := range []struct {
		name string
		env  []string
		want []string // nil: leave the environment alone
	}{
		{"unset", []string{"A=1"}, []string{"A=1", "GLIBC_TUNABLES=" + both}},
		{"other tunables kept", []string{"GLIBC_TUNABLES=glibc.malloc.arena_max=2", "B=2"},
			[]string{"B=2", "GLIBC_TUNABLES=glibc.malloc.arena_max=2:" + both}},
		{"already on", []string{"GLIBC_TUNABLES=" + both}, nil},
		{"turned off by the operator", []string{"GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0:glibc.malloc.mmap_threshold=0"}, nil},
		{"one set by the operator, the other added", []string{"GLIBC_TUNABLES=glibc.malloc.hugetlb=0"},
			[]string{"GLIBC_TUNABLES=glibc.malloc.hugetlb=0:glibc.malloc.mmap_threshold=1048576"}},
		{"the other one set", []string{"GLIBC_TUNABLES=glibc.malloc.mmap_threshold=65536"},
			[]string{"GLIBC_TUNABLES=glibc.malloc.mmap_threshold=65536:glibc.malloc.hugetlb=1"}},
		{"as read back from the process's memory, after glibc parsed it",
			[]string{"A=1", "GLIBC_TUNABLES=glibc.malloc.hugetlb=1", "glibc.malloc.mmap_threshold=1048576", "B=2"}, nil},
		{"read back, one missing", []string{"GLIBC_TUNABLES=glibc.malloc.arena_max=2", "glibc.malloc.hugetlb=0", "B=2"},
			[]string{"B=2", "GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0:glibc.malloc.mmap_threshold=1048576"}},
		{"a longer name is another tunable", []string{"GLIBC_TUNABLES=glibc.malloc.hugetlbx=1"},
			[]string{"GLIBC_TUNABLES=glibc.malloc.hugetlbx=1:" + both}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := withMallocTunables(tc.env)
			if (got == nil) != (tc.want == nil) || !slices.Equal(got, tc.want) {
				t.Fatalf("withMallocTunables(%q) = %q, want %q", tc.env, got, tc.want)
			}
		})
	}
}
