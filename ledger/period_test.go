package ledger_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

const porg = "p1"

// periodState is union p1 with, dated in January 2025: dues of 1000.00 from
// m1 (bank), an allocation of 200.00 in cash of which 80.00 is owed upward,
// and an expense of 100.00 paid from the bank (e1); in February: dues of
// 50.00 from m2. The bank holds 950.00, cash 200.00.
func periodState(t *testing.T) *ledgertest.Scratch {
	t.Helper()
	st := ledgertest.State(t, porg)
	st.Do(ledgertest.Dues(porg, "d1", "2025-01-10", "m1", "1000.00", "B1", "1"))
	st.Do(ledgertest.Cmd("a1", "receive_allocation", porg, ledgertest.Treasurer, "2025-01-12", map[string]any{
		"period": "2025-01", "wage_bill": "10000.00", "amount": "200.00", "remitted": "80.00", "via": "cash",
		"receipt": map[string]string{"book": "A1", "number": "1"},
	}))
	st.Do(ledgertest.Pay(porg, "e1", "2025-01-20", "50102", "100.00", "体育用品店", "篮球")...)
	st.Do(ledgertest.Dues(porg, "d2", "2025-02-05", "m2", "50.00", "B1", "2"))
	return st
}

// seqOf finds the org sequence of the last event that posted money with
// the given type and aggregate. The scratch does not expose sequences, so
// it asks the same query the reversal rule uses.
func seqOf(t *testing.T, st ledger.State, typ, aggregate string) uint64 {
	t.Helper()
	var found uint64
	for seq := uint64(1); seq < 2000; seq++ {
		ev, ok, err := st.PostedEvent(porg, seq)
		if err != nil {
			t.Fatal(err)
		}
		if ok && ev.Type == typ && ev.Aggregate == aggregate {
			found = seq
		}
	}
	if found == 0 {
		t.Fatalf("no %s event for %s", typ, aggregate)
	}
	return found
}

func closeMonth(id, month, date string) ledger.Command {
	return ledgertest.Cmd(id, "close_month", porg, ledgertest.Treasurer, date, map[string]string{"month": month})
}

func closeYear(id, year, date string) ledger.Command {
	return ledgertest.Cmd(id, "close_year", porg, ledgertest.Chair, date, map[string]string{"year": year})
}

func reverse(id string, seq uint64, date string) ledger.Command {
	return ledgertest.Cmd(id, "reverse_event", porg, ledgertest.Treasurer, date, map[string]any{"seq": seq, "reason": "entered twice"})
}

// closeThrough closes the months of 2025 up to and including 2025-<last>.
func closeThrough(last int) []ledger.Command {
	var out []ledger.Command
	for m := 1; m <= last; m++ {
		out = append(out, closeMonth(fmt.Sprintf("cm%02d", m), fmt.Sprintf("2025-%02d", m), nextMonthDay(m)))
	}
	return out
}

// nextMonthDay is a date in the month after 2025-<m>.
func nextMonthDay(m int) string {
	if m == 12 {
		return "2026-01-05"
	}
	return fmt.Sprintf("2025-%02d-05", m+1)
}

func wantRefusal(t *testing.T, err error, code ledger.Code, rule string) {
	t.Helper()
	var le *ledger.Error
	if !errors.As(err, &le) {
		t.Fatalf("want %s (rule %s), got %v", code, rule, err)
	}
	if le.Code != code || (rule != "" && le.Rule != rule) {
		t.Fatalf("want %s (rule %s), got %s (rule %s): %s", code, rule, le.Code, le.Rule, le.Message)
	}
}

func TestClosePeriods(t *testing.T) {
	tests := []struct {
		name  string
		setup []ledger.Command
		cmd   ledger.Command
		code  ledger.Code
		rule  string
		want  events.Payload
	}{
		{"first month", nil, closeMonth("c", "2025-01", "2025-02-01"), "", "", events.MonthClosed{Month: "2025-01"}},
		{"next month", closeThrough(1), closeMonth("c", "2025-02", "2025-03-01"), "", "", events.MonthClosed{Month: "2025-02"}},
		{"a month with the one before open", nil, closeMonth("c", "2025-02", "2025-03-01"), ledger.CodeStateConflict, "period-close", nil},
		{"a month before the union's first", nil, closeMonth("c", "2024-12", "2025-03-01"), ledger.CodeStateConflict, "period-close", nil},
		{"a backdated entry is the first month to close",
			[]ledger.Command{ledgertest.Dues(porg, "d0", "2024-12-20", "m0", "1.00", "B0", "1")},
			closeMonth("c", "2025-01", "2025-02-01"), ledger.CodeStateConflict, "period-close", nil},
		{"a month twice", closeThrough(1), closeMonth("c", "2025-01", "2025-03-01"), ledger.CodeAlreadyDecided, "period-close", nil},
		{"an earlier month again", closeThrough(2), closeMonth("c", "2025-01", "2025-03-01"), ledger.CodeAlreadyDecided, "period-close", nil},
		{"a month that is not over", nil, closeMonth("c", "2025-01", "2025-01-31"), ledger.CodeStateConflict, "period-close", nil},
		{"a month by the chair", nil, asActor(ledgertest.Chair, closeMonth("c", "2025-01", "2025-02-01")), ledger.CodeWrongRole, "role-required", nil},
		{"a bad month", nil, closeMonth("c", "2025-13", "2025-02-01"), ledger.CodeInvalid, "", nil},
		{"year", closeThrough(12), closeYear("y", "2025", "2026-01-10"), "", "", events.YearClosed{Year: "2025"}},
		{"year with a month open", closeThrough(11), closeYear("y", "2025", "2026-01-10"), ledger.CodeStateConflict, "period-close", nil},
		{"year by the treasurer", closeThrough(12), asActor(ledgertest.Treasurer, closeYear("y", "2025", "2026-01-10")), ledger.CodeWrongRole, "role-required", nil},
		{"year twice", append(closeThrough(12), closeYear("y0", "2025", "2026-01-10")), closeYear("y", "2025", "2026-01-11"), ledger.CodeAlreadyDecided, "period-close", nil},
		{"year before the union's first", closeThrough(12), closeYear("y", "2024", "2026-01-10"), ledger.CodeStateConflict, "period-close", nil},
		{"year that is not over", closeThrough(12), closeYear("y", "2025", "2025-12-31"), ledger.CodeStateConflict, "period-close", nil},
		{"year by a chair who closed its months",
			append(closeThrough(12), ledgertest.Cmd("g", "grant_role", porg, ledgertest.Admin, "2026-01-06", map[string]string{"person": ledgertest.Treasurer, "role": "chair"})),
			asActor(ledgertest.Treasurer, closeYear("y", "2025", "2026-01-10")), ledger.CodeSelfApproval, "period-close", nil},
		{"a bad year", closeThrough(12), closeYear("y", "25", "2026-01-10"), ledger.CodeInvalid, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := periodState(t)
			st.Do(tt.setup...)
			drafts, err := ledger.Decide(st, tt.cmd)
			if tt.code != "" {
				wantRefusal(t, err, tt.code, tt.rule)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(drafts) != 1 || !reflect.DeepEqual(drafts[0].Payload, tt.want) || drafts[0].Date != tt.cmd.Date {
				t.Fatalf("got %+v, want %+v", drafts, tt.want)
			}
		})
	}
}

// moneyCommands are the commands that post money, dated date, each
// preceded by the commands it needs first (which post nothing). n makes
// receipt numbers and ids unique.
func moneyCommands(date string, n int) map[string][]ledger.Command {
	id := func(s string) string { return fmt.Sprintf("%s-%d", s, n) }
	return map[string][]ledger.Command{
		"receive_dues": {ledgertest.Dues(porg, id("dues"), date, "m9", "10.00", "B9", id("r"))},
		"receive_allocation": {ledgertest.Cmd(id("alloc"), "receive_allocation", porg, ledgertest.Treasurer, date, map[string]any{
			"period": date[:7], "wage_bill": "10000.00", "amount": "200.00", "remitted": "80.00",
			"receipt": map[string]string{"book": "A9", "number": id("r")},
		})},
		"receive_subsidy": {ledgertest.Cmd(id("sub"), "receive_subsidy", porg, ledgertest.Treasurer, date, map[string]any{
			"account": "40302", "amount": "30.00", "payer": "市总工会", "receipt": map[string]string{"book": "S9", "number": id("r")},
		})},
		"receive_income": {ledgertest.Cmd(id("inc"), "receive_income", porg, ledgertest.Treasurer, date, map[string]any{
			"account": "407", "amount": "1.23", "payer": "开户银行", "receipt": map[string]string{"book": "I9", "number": id("r")},
		})},
		"remit_allocation": {ledgertest.Cmd(id("remit"), "remit_allocation", porg, ledgertest.Treasurer, date, map[string]any{
			"period": "2025-01", "amount": "10.00", "to": "市总工会", "via": "cash",
		})},
		"pay_expense":   ledgertest.Pay(porg, id("pay"), date, "50102", "10.00", "体育用品店", "球网"),
		"reverse_event": nil, // built by the test: it needs a sequence
	}
}

// TestPostingIntoClosedPeriodRefused shows every command that moves money
// refused with period_closed when dated in a closed month or year, and the
// same command accepted in the open month after it.
func TestPostingIntoClosedPeriodRefused(t *testing.T) {
	scenarios := []struct {
		name   string
		closes []ledger.Command
		closed string // a date in a closed period
		open   string // a date in the open period after it, "" to skip
	}{
		{"month", closeThrough(1), "2025-01-31", "2025-02-10"},
		{"three months", closeThrough(3), "2025-02-15", "2025-04-10"},
		{"year", append(closeThrough(12), closeYear("y", "2025", "2026-01-10")), "2025-06-30", ""},
	}
	for _, sc := range scenarios {
		for typ := range moneyCommands("2025-01-01", 0) {
			t.Run(sc.name+"/"+typ, func(t *testing.T) {
				st := periodState(t)
				e1 := seqOf(t, st, "expense_paid", "expense:e1")
				st.Do(sc.closes...)
				cmds := moneyCommands(sc.closed, 1)[typ]
				if typ == "reverse_event" {
					cmds = []ledger.Command{reverse("rev-1", e1, sc.closed)}
				}
				st.Do(cmds[:len(cmds)-1]...)
				_, err := ledger.Decide(st, cmds[len(cmds)-1])
				wantRefusal(t, err, ledger.CodePeriodClosed, "closed-periods")
				if sc.name == "year" && !strings.Contains(err.Error(), "year 2025 is closed") {
					t.Fatalf("refusal does not name the closed year: %v", err)
				}
				if sc.open == "" {
					return
				}
				cmds = moneyCommands(sc.open, 2)[typ]
				if typ == "reverse_event" {
					cmds = []ledger.Command{reverse("rev-2", e1, sc.open)}
				}
				st.Do(cmds...)
			})
		}
	}
}

func TestReverseEvent(t *testing.T) {
	tests := []struct {
		name string
		// cmd builds the command on the prepared state; seq finds events.
		cmd  func(st *ledgertest.Scratch, seq func(typ, agg string) uint64) ledger.Command
		code ledger.Code
		rule string
	}{
		{"dues", func(st *ledgertest.Scratch, seq func(string, string) uint64) ledger.Command {
			return reverse("r", seq("dues_received", "member:m2"), "2025-02-06")
		}, "", ""},
		{"an expense payment", func(st *ledgertest.Scratch, seq func(string, string) uint64) ledger.Command {
			return reverse("r", seq("expense_paid", "expense:e1"), "2025-02-06")
		}, "", ""},
		{"an event of a closed month, in the open month", func(st *ledgertest.Scratch, seq func(string, string) uint64) ledger.Command {
			st.Do(closeThrough(1)...)
			return reverse("r", seq("expense_paid", "expense:e1"), "2025-02-06")
		}, "", ""},
		{"into a closed month", func(st *ledgertest.Scratch, seq func(string, string) uint64) ledger.Command {
			st.Do(closeThrough(1)...)
			return reverse("r", seq("expense_paid", "expense:e1"), "2025-01-31")
		}, ledger.CodePeriodClosed, "closed-periods"},
		{"twice", func(st *ledgertest.Scratch, seq func(string, string) uint64) ledger.Command {
			e1 := seq("expense_paid", "expense:e1")
			st.Do(reverse("r0", e1, "2025-02-06"))
			return reverse("r", e1, "2025-02-07")
		}, ledger.CodeAlreadyDecided, "reversal"},
		{"a reversal", func(st *ledgertest.Scratch, seq func(string, string) uint64) ledger.Command {
			st.Do(reverse("r0", seq("expense_paid", "expense:e1"), "2025-02-06"))
			return reverse("r", seq("reversal_posted", "expense:e1"), "2025-02-07")
		}, ledger.CodeStateConflict, "reversal"},
		{"an event that posted nothing", func(st *ledgertest.Scratch, seq func(string, string) uint64) ledger.Command {
			return reverse("r", 1, "2025-02-06") // org_opened
		}, ledger.CodeUnknownRef, "reversal"},
		{"an event that does not exist", func(st *ledgertest.Scratch, seq func(string, string) uint64) ledger.Command {
			return reverse("r", 99999, "2025-02-06")
		}, ledger.CodeUnknownRef, "reversal"},
		{"dated before the original", func(st *ledgertest.Scratch, seq func(string, string) uint64) ledger.Command {
			return reverse("r", seq("dues_received", "member:m2"), "2025-02-04")
		}, ledger.CodeInvalid, "reversal"},
		{"income already spent", func(st *ledgertest.Scratch, seq func(string, string) uint64) ledger.Command {
			return reverse("r", seq("dues_received", "member:m1"), "2025-02-06") // 1000.00 in, bank holds 950.00
		}, ledger.CodeOverdraft, "no-overdraft"},
		{"by the chair", func(st *ledgertest.Scratch, seq func(string, string) uint64) ledger.Command {
			return asActor(ledgertest.Chair, reverse("r", seq("dues_received", "member:m2"), "2025-02-06"))
		}, ledger.CodeWrongRole, "role-required"},
		{"without a reason", func(st *ledgertest.Scratch, seq func(string, string) uint64) ledger.Command {
			return ledgertest.Cmd("r", "reverse_event", porg, ledgertest.Treasurer, "2025-02-06", map[string]any{"seq": seq("dues_received", "member:m2")})
		}, ledger.CodeInvalid, ""},
		{"without a sequence", func(st *ledgertest.Scratch, seq func(string, string) uint64) ledger.Command {
			return ledgertest.Cmd("r", "reverse_event", porg, ledgertest.Treasurer, "2025-02-06", map[string]any{"reason": "x"})
		}, ledger.CodeInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := periodState(t)
			cmd := tt.cmd(st, func(typ, agg string) uint64 { return seqOf(t, st, typ, agg) })
			drafts, err := ledger.Decide(st, cmd)
			if tt.code != "" {
				wantRefusal(t, err, tt.code, tt.rule)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var in struct{ Seq uint64 }
			if err := json.Unmarshal(cmd.Data, &in); err != nil {
				t.Fatal(err)
			}
			orig, ok, err := st.PostedEvent(porg, in.Seq)
			if err != nil || !ok {
				t.Fatalf("original %d: %v %v", in.Seq, ok, err)
			}
			want := events.ReversalPosted{OriginalSeq: in.Seq, OriginalType: orig.Type, OriginalHash: orig.Hash,
				OriginalAggregate: orig.Aggregate, Reason: "entered twice", Lines: events.Negate(orig.Postings)}
			if len(drafts) != 1 || !reflect.DeepEqual(drafts[0].Payload, want) || drafts[0].Date != cmd.Date {
				t.Fatalf("got %+v, want %+v", drafts, want)
			}
			if len(orig.Hash) != 64 || len(want.Lines) < 2 {
				t.Fatalf("original not fully recorded: %+v", orig)
			}
		})
	}
}

// TestReversalRestoresBalances reverses each kind of posting event and
// checks every account it touched is back where it was before it, and that
// the reversal is indexed for other areas.
func TestReversalRestoresBalances(t *testing.T) {
	for typ, cmds := range moneyCommands("2025-02-10", 3) {
		if cmds == nil {
			continue
		}
		t.Run(typ, func(t *testing.T) {
			st := periodState(t)
			accounts := []string{events.AcctBank, events.AcctCash, events.AcctDues, events.AcctAllocation, events.AcctPayableUpper, "50102", "40302", "407"}
			before := map[string]events.Fen{}
			for _, a := range accounts {
				before[a] = balance(t, st, a)
			}
			st.Do(cmds...)
			seq := lastPosted(t, st)
			ev, _, err := st.PostedEvent(porg, seq)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ev.Postings {
				if _, ok := before[p.Account]; !ok {
					t.Fatalf("%s posts to %s: add it to the accounts checked", ev.Type, p.Account)
				}
				if balance(t, st, p.Account) == before[p.Account] {
					t.Fatalf("%s did not move %s", ev.Type, p.Account)
				}
			}
			st.Do(reverse("rev", seq, "2025-02-11"))
			for _, a := range accounts {
				if b := balance(t, st, a); b != before[a] {
					t.Errorf("account %s: %s after the reversal, %s before the original", a, b.Yuan(), before[a].Yuan())
				}
			}
			rev := lastPosted(t, st)
			by, ok, err := st.ReversedBy(porg, seq)
			if err != nil || !ok || by != rev {
				t.Fatalf("ReversedBy(%d) = %d %v %v, want %d", seq, by, ok, err, rev)
			}
		})
	}
}

func balance(t *testing.T, st ledger.State, account string) events.Fen {
	t.Helper()
	b, err := st.Balance(porg, account)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lastPosted is the highest sequence of an event that posted money.
func lastPosted(t *testing.T, st ledger.State) uint64 {
	t.Helper()
	var last uint64
	for seq := uint64(1); seq < 2000; seq++ {
		if _, ok, err := st.PostedEvent(porg, seq); err != nil {
			t.Fatal(err)
		} else if ok {
			last = seq
		}
	}
	return last
}
