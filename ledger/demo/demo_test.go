package demo_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/demo"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

// TestDemo loads testProfile: the full demo (800 members, 2024–2026, about
// 31,000 commands, ~25 s) without the race detector (norace_test.go), and
// demo.Medium (150 members, 2024–2025, ~35 s) under it (race_test.go), so
// `go test -race ./...` (CI) stays within about a minute on two CPUs.

// TestDemoIsDeterministic: the same seed gives the same commands, ids and
// data (except the seals, which the ledger makes), another seed others.
func TestDemoIsDeterministic(t *testing.T) {
	a, b, c := demo.New(7, demo.Small), demo.New(7, demo.Small), demo.New(8, demo.Small)
	if !reflect.DeepEqual(a.Phases, b.Phases) {
		t.Fatal("seed 7 generated two different demos")
	}
	if reflect.DeepEqual(a.Members, c.Members) {
		t.Fatal("seeds 7 and 8 generated the same members")
	}
	ids := map[string]bool{}
	for _, ph := range a.Phases {
		for _, l := range ph.Lanes {
			for _, s := range l {
				if ids[s.Command.ID] {
					t.Fatalf("command id %s used twice", s.Command.ID)
				}
				ids[s.Command.ID] = true
			}
		}
	}
}

// TestMasked: names on the board show only the first and last character.
func TestMasked(t *testing.T) {
	for _, c := range []struct{ in, want string }{{"张三", "张*"}, {"王小明", "王*明"}, {"欧阳娜娜", "欧*娜"}} {
		if got := demo.Masked(c.in); got != c.want || !ledger.MaskedName(got) {
			t.Errorf("Masked(%q) = %q (valid: %v), want %q", c.in, got, ledger.MaskedName(got), c.want)
		}
	}
}

// TestDemo builds the demo from zero on a real node through the real append
// path (lanes submitted concurrently), then checks, for every year, the
// totals of dues (401), allocations (402), each subsidy (403xx), each
// expense account (501xx, 502xx, 503xx), the bank (102) and the upper share
// owed (201) against figures the test computes itself from the generator's
// inputs (wages, wage bills, standards, grants); that every expense ended
// paid and every relief case was decided and paid; that the chain verifies
// from the stream alone; that loading again writes nothing; and that a
// rebuild from the log gives identical projections.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	d := demo.New(42, testProfile)
	dir := t.TempDir()
	n, err := node.Start(ctx, node.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			n.Close()
		}
	}()
	start := time.Now()
	if err := d.Load(ctx, n.Service.Submit, 64, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d members, %d years: %d commands loaded in %v", testProfile.Members, testProfile.Years, d.Commands(), time.Since(start))

	for y := range testProfile.Years {
		year := testProfile.From + y
		want := expected(d, fmt.Sprint(year))
		for acct, v := range want {
			got := yearDelta(t, n, acct, year)
			if got != v {
				t.Errorf("%d account %s: ledger %s, expected %s (debit-positive)", year, acct, got.Yuan(), v.Yuan())
			}
		}
	}

	for _, st := range []ledger.ExpenseStatus{ledger.ExpensePending, ledger.ExpenseApproved, ledger.ExpenseRejected, ledger.ExpenseCancelled} {
		if err := n.Store.ExpensesByStatus(demo.Org, st, func(e ledger.ExpenseInfo) bool {
			t.Errorf("expense %s left %s", e.ID, st)
			return true
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range d.Cases {
		f, ok, err := n.Store.ReliefFile(demo.Org, c.ID)
		if err != nil || !ok || f.Payment != ledger.ExpensePaid || f.Granted != c.Granted {
			t.Errorf("relief case %s: %+v %v %v", c.ID, f, ok, err)
		}
	}
	audits, err := n.Store.Audits(demo.Org)
	if err != nil || len(audits) != 1 || !audits[0].Closed() {
		t.Errorf("audits: %+v %v", audits, err)
	}

	last, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := projections.Verify(ctx, n.Log, last, nil)
	if err != nil || rep.FirstBad != nil || rep.Messages != last {
		t.Fatalf("verify: %+v %v", rep, err)
	}

	head, err := n.Store.Head(demo.Org)
	if err != nil {
		t.Fatal(err)
	}
	again := demo.New(42, testProfile)
	dups := 0
	if err := again.Load(ctx, func(ctx context.Context, c ledger.Command) (ledger.Result, error) {
		res, err := n.Service.Submit(ctx, c)
		if err == nil && res.Duplicate {
			dups++
		}
		return res, err
	}, 1, nil); err != nil {
		t.Fatal(err)
	}
	if after, _ := n.Store.Head(demo.Org); after != head || dups != d.Commands() {
		t.Fatalf("loading again: head %+v → %+v, %d of %d duplicates", head, after, dups, d.Commands())
	}

	var before bytes.Buffer
	if err := n.Store.Dump(&before); err != nil {
		t.Fatal(err)
	}
	balances, err := n.Store.Balances(demo.Org, projections.AsOf{})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	closed = true
	r, err := node.Start(ctx, node.Config{DataDir: dir, PebbleFS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rebuilt bytes.Buffer
	if err := r.Store.Dump(&rebuilt); err != nil {
		t.Fatal(err)
	}
	if before.Len() == 0 || !bytes.Equal(before.Bytes(), rebuilt.Bytes()) {
		t.Fatalf("rebuild from the log: %d bytes of projections, %d rebuilt, not identical", before.Len(), rebuilt.Len())
	}
	if got, err := r.Store.Balances(demo.Org, projections.AsOf{}); err != nil || !reflect.DeepEqual(got, balances) {
		t.Fatalf("rebuilt balances %+v (%v), were %+v", got, err, balances)
	}
}

// yearDelta is the change of an account's debit-positive balance over a
// calendar year, by accounting date.
func yearDelta(t *testing.T, n *node.Node, acct string, year int) events.Fen {
	t.Helper()
	end, err := n.Store.BalanceAsOf(demo.Org, acct, projections.AsOf{Date: fmt.Sprintf("%d-12-31", year)})
	if err != nil {
		t.Fatal(err)
	}
	begin, err := n.Store.BalanceAsOf(demo.Org, acct, projections.AsOf{Date: fmt.Sprintf("%d-12-31", year-1)})
	if err != nil {
		t.Fatal(err)
	}
	return end - begin
}

// expected computes the year's change of each account (debit-positive:
// income negative) from the generator's inputs, with the test's own
// arithmetic: dues are 0.5% of the wage less its remainder under 10 yuan,
// the allocation 2% of the wage bill rounded half up to the fen, 60% kept
// rounded half up, the rest owed upward and remitted.
func expected(d *demo.Demo, year string) map[string]events.Fen {
	in := func(date string) bool { return date[:4] == year }
	w := map[string]events.Fen{events.AcctBank: 0, events.AcctDues: 0, events.AcctAllocation: 0, events.AcctPayableUpper: 0}
	for _, r := range d.Dues {
		if in(r.Date) {
			dues := (int64(r.Wage) - int64(r.Wage)%1000) * 5 / 1000
			w[events.AcctDues] -= events.Fen(dues)
			w[events.AcctBank] += events.Fen(dues)
		}
	}
	for _, a := range d.Allocations {
		gross := (int64(a.WageBill)*2 + 50) / 100
		kept := (gross*6000 + 5000) / 10000
		if in(a.Date) {
			w[events.AcctBank] += events.Fen(gross)
			w[events.AcctAllocation] -= events.Fen(kept)
			w[events.AcctPayableUpper] -= events.Fen(gross - kept)
		}
		if in(a.RemitDate) {
			w[events.AcctBank] -= events.Fen(gross - kept)
			w[events.AcctPayableUpper] += events.Fen(gross - kept)
		}
	}
	for _, s := range d.Subsidies {
		if in(s.Date) {
			w[s.Account] -= s.Amount
			w[events.AcctBank] += s.Amount
		}
	}
	spend := func(acct, paid string, amt events.Fen) {
		if in(paid) {
			w[acct] += amt
			w[events.AcctBank] -= amt
		}
	}
	for _, e := range d.Expenses {
		spend(e.Account, e.Paid, e.Amount)
	}
	for _, r := range d.Rounds {
		spend("50104", r.Paid, r.Standard*events.Fen(len(r.Members)))
	}
	for _, c := range d.Cases {
		acct := "50204"
		if c.Kind == "warmth" {
			acct = "50205"
		}
		spend(acct, c.Paid, c.Granted)
	}
	return w
}
