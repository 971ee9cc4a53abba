package events

import (
	"regexp"
	"strings"
	"testing"
)

// idRe is the rule ValidID implements, as a regular expression.
var idRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// TestValidIDMatchesTheExpression checks the loop against the expression on
// every string of up to two bytes, three-byte strings of the bytes that
// matter, and strings around the length limit.
func TestValidIDMatchesTheExpression(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := ValidID(s), idRe.MatchString(s); got != want {
			t.Errorf("ValidID(%q) = %v, the expression says %v", s, got, want)
		}
	}
	check("")
	for a := 0; a < 256; a++ {
		check(string([]byte{byte(a)}))
		for b := 0; b < 256; b++ {
			check(string([]byte{byte(a), byte(b)}))
		}
	}
	some := []byte("aZ09._:-/ \n@[`{\x00\x7f\x80\xff")
	for _, a := range some {
		for _, b := range some {
			for _, c := range some {
				check(string([]byte{a, b, c}))
			}
		}
	}
	for n := 60; n <= 70; n++ {
		for _, tail := range []string{"", "-", "\n", "é"} {
			check(strings.Repeat("a", n) + tail)
			check("0" + strings.Repeat(":", n) + tail)
		}
	}
	check("p-treasurer")
	check("张三")
}

func FuzzValidID(f *testing.F) {
	for _, s := range []string{"", "a", "p-treasurer", "-a", "a\n", "A.b_c:d-e", strings.Repeat("x", 64), strings.Repeat("x", 65), "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidID(s), idRe.MatchString(s); got != want {
			t.Errorf("ValidID(%q) = %v, the expression says %v", s, got, want)
		}
	})
}
