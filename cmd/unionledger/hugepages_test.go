package main

import (
	"slices"
	"testing"
)

func TestWithHugePages(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		want []string // nil: leave the environment alone
	}{
		{"unset", []string{"A=1"}, []string{"A=1", "GLIBC_TUNABLES=glibc.malloc.hugetlb=1"}},
		{"other tunables kept", []string{"GLIBC_TUNABLES=glibc.malloc.arena_max=2", "B=2"},
			[]string{"B=2", "GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"}},
		{"already on", []string{"GLIBC_TUNABLES=glibc.malloc.hugetlb=1"}, nil},
		{"turned off by the operator", []string{"GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0"}, nil},
		{"a longer name is another tunable", []string{"GLIBC_TUNABLES=glibc.malloc.hugetlbx=1"},
			[]string{"GLIBC_TUNABLES=glibc.malloc.hugetlbx=1:glibc.malloc.hugetlb=1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := withHugePages(tc.env)
			if (got == nil) != (tc.want == nil) || !slices.Equal(got, tc.want) {
				t.Fatalf("withHugePages(%q) = %q, want %q", tc.env, got, tc.want)
			}
		})
	}
}
