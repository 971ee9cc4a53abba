package events

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestFormatTimeMatchesLayout checks the hand-written format against
// time.Format's layout over random instants, zones and the edges.
func TestFormatTimeMatchesLayout(t *testing.T) {
	const layout = "2006-01-02T15:04:05.000000000Z"
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("odd", -(3*3600 + 30*60))}
	check := func(tm time.Time) {
		t.Helper()
		if got, want := FormatTime(tm), tm.UTC().Format(layout); got != want {
			t.Fatalf("FormatTime(%v) = %q, want %q", tm, got, want)
		}
	}
	for _, tm := range []time.Time{
		{}, time.Unix(0, 0), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 2, 28, 16, 0, 0, 5, zones[1]), time.Date(2024, 2, 29, 23, 59, 59, 123456789, time.UTC),
	} {
		check(tm)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		check(time.Unix(r.Int64N(400*365*86400)-100*365*86400, r.Int64N(1e9)).In(zones[r.IntN(len(zones))]))
	}
}
