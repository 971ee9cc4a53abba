package projections_test

import (
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

	org := ""
	msgs := map[uint64]bool{}
	sums := map[string]events.Fen{}
	var want []map[string]events.Fen // want[seq-1]: balances after seq
	for _, raw := range s {
		env, err := events.Decode(raw.Data)
		if err != nil {
			t.Fatal(err)
		}
		if org == "" {
			org = env.Org
		}
		if env.Org != org {
			continue
		}
		msgs[raw.StreamSeq] = true
		p, err := events.DecodePayload(env)
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
