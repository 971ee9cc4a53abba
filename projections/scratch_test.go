package projections_test

import (
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/projections"
)

// TestScratchSeesEarlierCommandsOfTheGroup decides commands one after the
// other on one scratch view, as the writer does for a group, and checks
// each decision sees the effects of the ones before, while nothing reaches
// the committed state.
func TestScratchSeesEarlierCommandsOfTheGroup(t *testing.T) {
	s, err := projections.Open(t.TempDir(), projections.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sc, err := s.Begin(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	seq := uint64(0)
	prev := events.ZeroHash
	decide := func(c ledger.Command) error {
		t.Helper()
		drafts, err := ledger.Decide(sc, c)
		if err != nil {
			return err
		}
		for _, d := range drafts {
			seq++
			env, _, err := events.Seal(d, events.Meta{ID: "x", Org: "h1", Seq: seq, Recorded: time.Unix(0, 0), Actor: c.Actor, Command: c.ID, Prev: prev})
			if err != nil {
				t.Fatal(err)
			}
			prev = env.Hash
			if err := sc.Apply(env, d.Payload); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	}
	type step struct {
		cmd  ledger.Command
		code ledger.Code
	}
	dues := func(member string) ledger.Command {
		return ledgertest.Dues("h1", "d-"+member, "2025-03-05", member, "10", "B1", "8")
	}
	// pay is the lifecycle of one expense: request and approval see each
	// other; the payment's outcome is code.
	pay := func(id, amount string, code ledger.Code) []step {
		var out []step
		cmds := ledgertest.Pay("h1", id, "2025-03-05", "504", amount, "x", "y")
		for _, c := range cmds[:len(cmds)-1] {
			out = append(out, step{c, ""})
		}
		return append(out, step{cmds[len(cmds)-1], code})
	}
	steps := []step{{dues("m1"), ledger.CodeUnknownOrg}}
	for _, c := range ledgertest.Setup("h1", "2010") {
		steps = append(steps, step{c, ""})
	}
	steps = append(steps,
		step{ledgertest.Open("h1", "2010"), ledger.CodeOrgExists},
		step{dues("m1"), ""},
		step{dues("m2"), ledger.CodeDuplicateRecpt},
	)
	steps = append(steps, pay("E1", "10.01", ledger.CodeOverdraft)...)
	steps = append(steps, pay("E2", "10.00", "")...)
	steps = append(steps, pay("E3", "0.01", ledger.CodeOverdraft)...)
	again := ledgertest.Pay("h1", "E2", "2025-03-05", "504", "10.00", "x", "y")
	steps = append(steps, step{again[len(again)-1], ledger.CodeAlreadyDecided})
	for i, st := range steps {
		if err := decide(st.cmd); ledger.ErrorCode(err) != st.code && !(st.code == "" && err == nil) {
			t.Fatalf("step %d (%s %s): got %v, want %q", i, st.cmd.Type, st.cmd.ID, err, st.code)
		}
	}
	if b, _ := sc.Balance("h1", "504"); b != 1000 {
		t.Fatalf("scratch 504 balance = %d", b)
	}
	if e, ok, _ := sc.Expense("h1", "E1"); !ok || e.Status != ledger.ExpenseApproved {
		t.Fatalf("scratch E1 = %+v, %v; want approved and unpaid", e, ok)
	}
	// Nothing of the scratch reached the store.
	if _, ok, _ := s.Org("h1"); ok {
		t.Fatalf("scratch leaked into committed state")
	}
	if _, ok, _ := s.Expense("h1", "E2"); ok {
		t.Fatalf("scratch expense leaked into committed state")
	}
	if b, _ := s.Balance("h1", "504"); b != 0 {
		t.Fatalf("committed 504 balance = %d", b)
	}
}
