package projections_test

import (
	"slices"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/projections"
)

// TestBalanceAsOfEverySeq: the running balances are kept a run per message
// (p/bal/), so "as of seq" seeks the run and searches in it. For every
// sequence of a union whose messages hold many events each, in chunks that
// cut across no message, the balance of each account must equal the sum of
// the postings up to that sequence, between runs and within them.
func TestBalanceAsOfEverySeq(t *testing.T) {
	s := duesStream(t, 1200)
	st := rebuild(t, t.TempDir(), s)
	defer st.Close()

	org, evs := firstUnion(t, s)
	msgs := map[uint64]bool{}
	sums := map[string]events.Fen{}
	var want []map[string]events.Fen // want[seq-1]: balances after seq
	for _, e := range evs {
		msgs[e.streamSeq] = true
		p, err := events.DecodePayload(e.env)
		if err != nil {
			t.Fatal(err)
		}
		for _, ps := range p.Postings() {
			sums[ps.Account] += ps.Amount
		}
		now := map[string]events.Fen{}
		for a, v := range sums {
			now[a] = v
		}
		want = append(want, now)
	}
	if len(msgs)*4 > len(want) {
		t.Fatalf("bad test: %d events of %s in %d messages; runs of several events are what this checks", len(want), org, len(msgs))
	}
	if len(sums) == 0 {
		t.Fatal("bad test: no postings")
	}
	for i, bals := range want {
		seq := uint64(i + 1)
		for a := range sums {
			got, err := st.BalanceAsOf(org, a, projections.AsOf{Seq: seq})
			if err != nil {
				t.Fatal(err)
			}
			if got != bals[a] {
				t.Fatalf("%s %s as of seq %d = %d fen, want %d", org, a, seq, got, bals[a])
			}
		}
	}
}

// TestActorTrailAcrossRuns: the actor index is a run per message
// (i/act/), so an actor's trail expands runs. On a union whose messages
// hold many events of one actor, the trail must list every event once, in
// order, however it is paged (pages ending inside runs) and bounded (as of
// a seq inside a run).
func TestActorTrailAcrossRuns(t *testing.T) {
	s := duesStream(t, 900)
	st := rebuild(t, t.TempDir(), s)
	defer st.Close()

	org, evs := firstUnion(t, s)
	var all []uint64
	msgs := map[uint64]bool{}
	for _, e := range evs {
		if e.env.Actor == "p-bench" {
			all = append(all, e.env.Seq)
			msgs[e.streamSeq] = true
		}
	}
	if len(msgs)*4 > len(all) {
		t.Fatalf("bad test: %d events in %d messages; runs of several events are what this checks", len(all), len(msgs))
	}
	sub := projections.TrailSubject{Kind: projections.TrailActor, ID: "p-bench"}
	seqs := func(tr projections.Trail) []uint64 {
		var out []uint64
		for _, st := range tr.Steps {
			out = append(out, st.Seq)
		}
		return out
	}
	for _, tt := range []struct {
		name  string
		at    uint64 // as of seq; 0: now
		limit int
	}{
		{"whole", 0, 0},
		{"pages of 7", 0, 7},
		{"pages of 40", 0, 40},
		{"as of a seq inside a run", all[len(all)/2] - 1, 0},
		{"as of a seq inside a run, pages of 9", all[len(all)/3] + 2, 9},
	} {
		want := all
		if tt.at > 0 {
			want = nil
			for _, q := range all {
				if q <= tt.at {
					want = append(want, q)
				}
			}
		}
		var got []uint64
		after := uint64(0)
		for range len(all) + 1 {
			tr, err := st.TrailPage(org, sub, projections.AsOf{Seq: tt.at}, after, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, seqs(tr)...)
			if tr.NextAfter == 0 {
				break
			}
			after = tr.NextAfter
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: trail of %d steps %v…, want %d steps %v…", tt.name, len(got), got[:min(len(got), 12)], len(want), want[:min(len(want), 12)])
		}
	}
}

// unionEvent is an event of a captured stream with its message's sequence.
type unionEvent struct {
	env       events.Envelope
	streamSeq uint64
}

// firstUnion returns the union of a stream's first event and its events,
// decoded, in order.
func firstUnion(t *testing.T, s []events.Stored) (string, []unionEvent) {
	t.Helper()
	org := ""
	var out []unionEvent
	for _, raw := range s {
		env, err := events.Decode(raw.Data)
		if err != nil {
			t.Fatal(err)
		}
		if org == "" {
			org = env.Org
		}
		if env.Org == org {
			out = append(out, unionEvent{env, raw.StreamSeq})
		}
	}
	return org, out
}
