package projections_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

// flagBook drives one test union on a real node (embedded NATS, Pebble)
// through the append path, command by command.
type flagBook struct {
	t   *testing.T
	n   *node.Node
	org string
	ids int
}

func (b *flagBook) do(cmds ...ledger.Command) ledger.Result {
	b.t.Helper()
	var res ledger.Result
	for _, c := range cmds {
		var err error
		res, err = b.n.Service.Submit(context.Background(), c)
		if err != nil {
			b.t.Fatalf("%s %s: %v", c.Type, c.ID, err)
		}
	}
	return res
}

// seq is the org sequence of the result's event of type typ.
func (b *flagBook) seq(res ledger.Result, typ string) uint64 {
	b.t.Helper()
	for _, e := range res.Events {
		if e.Type == typ {
			return e.Seq
		}
	}
	b.t.Fatalf("no %s event in %+v", typ, res.Events)
	return 0
}

func (b *flagBook) cmd(typ, actor, date string, data any) ledger.Command {
	b.ids++
	return ledgertest.Cmd(fmt.Sprintf("c%d", b.ids), typ, b.org, actor, date, data)
}

// fund receives dues from a non-member, so there is money to spend.
func (b *flagBook) fund(amount string) {
	b.t.Helper()
	b.ids++
	b.do(ledgertest.Dues(b.org, fmt.Sprintf("fund%d", b.ids), "2025-01-02", "donor", amount, "FUND", fmt.Sprint(b.ids)))
}

// person registers a person and grants them roles, on date.
func (b *flagBook) person(id, date string, roles ...events.Role) ledger.Result {
	b.t.Helper()
	res := b.do(b.cmd("register_person", ledgertest.Admin, date, map[string]string{"person": id}))
	for _, r := range roles {
		res = b.do(b.cmd("grant_role", ledgertest.Admin, date, map[string]string{"person": id, "role": string(r)}))
	}
	return res
}

// request is a request for expense id by requester; payeePerson may be "".
func (b *flagBook) request(id, requester, date, account, amount, payee, payeePerson string) uint64 {
	b.t.Helper()
	data := map[string]any{"expense": id, "account": account, "amount": amount, "payee": payee, "purpose": "test " + id}
	if payeePerson != "" {
		data["payee_person"] = payeePerson
	}
	return b.seq(b.do(ledgertest.Cmd(id+":request", "request_expense", b.org, requester, date, data)), "expense_requested")
}

// approvePay has the chair approve expense id and payer pay it; it
// returns the payment's seq.
func (b *flagBook) approvePay(id, payer, date string) uint64 {
	b.t.Helper()
	e, ok, err := b.n.Store.Expense(b.org, id)
	if err != nil || !ok {
		b.t.Fatalf("expense %s: %v %v", id, ok, err)
	}
	b.do(ledgertest.Approve(id, date, e.Terms(b.org)))
	return b.seq(b.do(ledgertest.Cmd(id+":pay", "pay_expense", b.org, payer, date, map[string]any{"expense": id})), "expense_paid")
}

// pay requests, approves (after a collective decision above the
// threshold) and pays an expense; it returns the payment's seq.
func (b *flagBook) pay(id, date, account, amount string) uint64 {
	b.t.Helper()
	return b.seq(b.do(ledgertest.Pay(b.org, id, date, account, amount, "市体育用品公司", "test "+id)...), "expense_paid")
}

func (b *flagBook) dues(date, member, period, book, number string) uint64 {
	b.t.Helper()
	return b.seq(b.do(b.cmd("receive_dues", ledgertest.Treasurer, date, map[string]any{
		"member": member, "period": period, "amount": "20.00", "receipt": map[string]string{"book": book, "number": number}})), "dues_received")
}

// findSeq is the seq of the org's first event that matches.
func (b *flagBook) findSeq(match func(events.Envelope, events.Payload) bool) uint64 {
	b.t.Helper()
	var found uint64
	err := b.n.Store.Events(b.org, 1, 0, func(seq uint64, st events.Stored) bool {
		env, err := events.Decode(st.Data)
		if err != nil {
			b.t.Fatal(err)
		}
		p, err := events.DecodePayload(env)
		if err != nil {
			b.t.Fatal(err)
		}
		if match(env, p) {
			found = seq
			return false
		}
		return true
	})
	if err != nil || found == 0 {
		b.t.Fatalf("no matching event: %v", err)
	}
	return found
}

// flagWant is what must hold for one subject of the case's kind at a point.
type flagWant struct {
	at      projections.AsOf
	subject string
	present bool
	seqs    []uint64 // when set, exactly the events behind the flag
	raised  uint64   // when set, the event that raised it
	items   []string // when set, exactly the listed items
}

// TestFlagKinds builds, for every kind of flag, the situation it checks on
// a real node and asserts the flag with the right events; each kind also
// has near misses where it must not appear, and points in history where it
// is not raised yet (a flag raised by event n is absent as of n-1).
func TestFlagKinds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()

	tr, ch := ledgertest.Treasurer, ledgertest.Chair
	at := func(seq uint64) projections.AsOf { return projections.AsOf{Seq: seq} }
	on := func(date string) projections.AsOf { return projections.AsOf{Date: date} }
	cases := []struct {
		name  string
		kind  projections.FlagKind
		setup []ledger.Command // nil: ledgertest.Setup
		build func(b *flagBook) []flagWant
	}{
		{"split by one requester to one payee", projections.FlagSplitExpenses, nil, func(b *flagBook) []flagWant {
			e1 := b.request("E1", tr, "2025-03-01", "50102", "3000.00", "体育用品店", "")
			e2 := b.request("E2", tr, "2025-03-10", "50102", "2500.00", "体育用品店", "")
			return []flagWant{
				{at: at(e2), subject: "E2", present: true, seqs: []uint64{e1, e2}, raised: e2},
				{at: at(e2 - 1), subject: "E2"},
				{at: on("2025-03-09"), subject: "E2"},
				{at: on("2025-03-10"), subject: "E2", present: true},
			}
		}},
		{"split to one payee by two requesters", projections.FlagSplitExpenses, nil, func(b *flagBook) []flagWant {
			b.person("p-t2", "2025-01-01", events.RoleTreasurer)
			e1 := b.request("E1", tr, "2025-03-01", "50102", "3000.00", "体育用品店", "")
			e2 := b.request("E2", "p-t2", "2025-03-30", "50102", "2500.00", "体育用品店", "")
			return []flagWant{{subject: "E2", present: true, seqs: []uint64{e1, e2}, raised: e2}}
		}},
		{"no split: different requesters and payees", projections.FlagSplitExpenses, nil, func(b *flagBook) []flagWant {
			b.person("p-t2", "2025-01-01", events.RoleTreasurer)
			b.request("E1", tr, "2025-03-01", "50102", "3000.00", "体育用品店", "")
			b.request("E2", "p-t2", "2025-03-10", "50102", "2500.00", "文具店", "")
			return []flagWant{{subject: "E2"}, {subject: "E1"}}
		}},
		{"no split: different accounts", projections.FlagSplitExpenses, nil, func(b *flagBook) []flagWant {
			b.request("E1", tr, "2025-03-01", "50102", "3000.00", "体育用品店", "")
			b.request("E2", tr, "2025-03-10", "50103", "2500.00", "体育用品店", "")
			return []flagWant{{subject: "E2"}}
		}},
		{"no split: more than 30 days apart", projections.FlagSplitExpenses, nil, func(b *flagBook) []flagWant {
			b.request("E1", tr, "2025-03-01", "50102", "3000.00", "体育用品店", "")
			b.request("E2", tr, "2025-04-01", "50102", "2500.00", "体育用品店", "")
			return []flagWant{{subject: "E2"}}
		}},
		{"no split: the sum is at the threshold", projections.FlagSplitExpenses, nil, func(b *flagBook) []flagWant {
			b.request("E1", tr, "2025-03-01", "50102", "2500.00", "体育用品店", "")
			b.request("E2", tr, "2025-03-10", "50102", "2500.00", "体育用品店", "")
			return []flagWant{{subject: "E2"}}
		}},
		{"no split: the first part was cancelled", projections.FlagSplitExpenses, nil, func(b *flagBook) []flagWant {
			b.request("E1", tr, "2025-03-01", "50102", "3000.00", "体育用品店", "")
			b.do(b.cmd("cancel_expense", tr, "2025-03-02", map[string]string{"expense": "E1"}))
			b.request("E2", tr, "2025-03-10", "50102", "2500.00", "体育用品店", "")
			return []flagWant{{subject: "E2"}}
		}},

		{"budget near at 90%", projections.FlagBudgetNear, budgetSetup("fb1"), func(b *flagBook) []flagWant {
			b.fund("20000.00")
			approved := b.findSeq(func(e events.Envelope, _ events.Payload) bool { return e.Type == "budget_approved" })
			b.pay("E1", "2025-03-01", "50102", "8900.00")
			p2 := b.pay("E2", "2025-03-05", "50101", "100.00")
			return []flagWant{
				{at: at(p2), subject: "501", present: true, seqs: []uint64{approved, p2}, raised: p2},
				{at: at(p2 - 1), subject: "501"},
			}
		}},
		{"no budget flag at 89%", projections.FlagBudgetNear, budgetSetup("fb2"), func(b *flagBook) []flagWant {
			b.fund("20000.00")
			b.pay("E1", "2025-03-01", "50102", "8900.00")
			return []flagWant{{subject: "501"}}
		}},
		{"budget line used up", projections.FlagBudgetAtLine, budgetSetup("fb3"), func(b *flagBook) []flagWant {
			b.fund("20000.00")
			approved := b.findSeq(func(e events.Envelope, _ events.Payload) bool { return e.Type == "budget_approved" })
			b.pay("E1", "2025-03-01", "50102", "8900.00")
			p2 := b.pay("E2", "2025-03-05", "50104", "1100.00")
			return []flagWant{
				{at: at(p2), subject: "501", present: true, seqs: []uint64{approved, p2}, raised: p2},
				{at: at(p2 - 1), subject: "501"},
			}
		}},
		{"no at-line flag one fen short", projections.FlagBudgetAtLine, budgetSetup("fb4"), func(b *flagBook) []flagWant {
			b.fund("20000.00")
			b.pay("E1", "2025-03-01", "50102", "8900.00")
			b.pay("E2", "2025-03-05", "50104", "1099.99")
			return []flagWant{{subject: "501"}}
		}},

		{"payee is a requester (payee person)", projections.FlagPayeeIsOfficer, nil, func(b *flagBook) []flagWant {
			b.fund("20000.00")
			b.person("p-t2", "2025-01-01", events.RoleTreasurer)
			r1 := b.request("E1", tr, "2025-02-01", "50102", "100.00", "体育用品店", "")
			r2 := b.request("E2", "p-t2", "2025-02-10", "50102", "300.00", "个人报销", tr)
			p2 := b.approvePay("E2", "p-t2", "2025-02-11")
			return []flagWant{
				{at: at(p2), subject: "E2", present: true, seqs: []uint64{r1, r2, p2}, raised: p2},
				{at: at(p2 - 1), subject: "E2"},
			}
		}},
		{"payee is the approver (free-text person id)", projections.FlagPayeeIsOfficer, nil, func(b *flagBook) []flagWant {
			b.fund("20000.00")
			b.person("p-chair2", "2025-01-01", events.RoleChair)
			b.do(ledgertest.RegisterKey(b.org, "p-chair2", "k-chair2"))
			b.request("E1", tr, "2025-02-01", "50102", "100.00", "体育用品店", "")
			e1, _, _ := b.n.Store.Expense(b.org, "E1")
			a1 := b.seq(b.do(ledgertest.Approve("E1", "2025-02-02", e1.Terms(b.org))), "expense_approved")
			// E2 pays the chair, named only as free text: another chair signs.
			r2 := b.request("E2", tr, "2025-02-10", "50102", "300.00", ch, "")
			e2, _, _ := b.n.Store.Expense(b.org, "E2")
			b.do(ledgertest.Cmd("E2:approve", "approve_expense", b.org, "p-chair2", "2025-02-11", map[string]string{
				"expense": "E2", "key": "k-chair2", "signature": ledger.Sign(ledgertest.Key("p-chair2"), ledger.ApprovalStatement(e2.Terms(b.org)))}))
			p2 := b.seq(b.do(ledgertest.Cmd("E2:pay", "pay_expense", b.org, tr, "2025-02-11", map[string]any{"expense": "E2"})), "expense_paid")
			return []flagWant{{subject: "E2", present: true, seqs: []uint64{a1, r2, p2}, raised: p2}}
		}},
		{"payee paid before becoming a requester", projections.FlagPayeeIsOfficer, nil, func(b *flagBook) []flagWant {
			b.fund("20000.00")
			b.person("p-x", "2025-01-01")
			b.request("E1", tr, "2025-02-01", "50102", "300.00", "个人报销", "p-x")
			p1 := b.approvePay("E1", tr, "2025-02-02")
			b.do(b.cmd("grant_role", ledgertest.Admin, "2025-03-01", map[string]string{"person": "p-x", "role": "treasurer"}))
			r3 := b.request("E3", "p-x", "2025-03-02", "50102", "100.00", "体育用品店", "")
			return []flagWant{
				{at: at(r3), subject: "E1", present: true, seqs: []uint64{p1, r3}, raised: r3},
				{at: at(r3 - 1), subject: "E1"},
			}
		}},
		{"no payee flag: payee never requested or approved", projections.FlagPayeeIsOfficer, nil, func(b *flagBook) []flagWant {
			b.fund("20000.00")
			b.request("E1", tr, "2025-02-01", "50102", "300.00", "个人报销", ledgertest.Member)
			b.approvePay("E1", tr, "2025-02-02")
			b.request("E2", tr, "2025-02-01", "50102", "300.00", "p-treasurer-shop", "")
			b.approvePay("E2", tr, "2025-02-02")
			return []flagWant{{subject: "E1"}, {subject: "E2"}}
		}},

		{"reversal", projections.FlagReversal, nil, func(b *flagBook) []flagWant {
			d := b.dues("2025-02-05", "m1", "2025-02", "B1", "1")
			r := b.seq(b.do(b.cmd("reverse_event", tr, "2025-02-08", map[string]any{"seq": d, "reason": "entered twice"})), "reversal_posted")
			return []flagWant{
				{at: at(r), subject: "member:m1", present: true, seqs: []uint64{d, r}, raised: r},
				{at: at(r - 1), subject: "member:m1"},
				{at: on("2025-02-07"), subject: "member:m1"},
			}
		}},
		{"no reversal: a cancelled expense", projections.FlagReversal, nil, func(b *flagBook) []flagWant {
			b.request("E1", tr, "2025-03-01", "50102", "3000.00", "体育用品店", "")
			b.do(b.cmd("cancel_expense", tr, "2025-03-02", map[string]string{"expense": "E1"}))
			return []flagWant{{subject: "expense:E1"}}
		}},

		{"receipt gap", projections.FlagReceiptGap, nil, func(b *flagBook) []flagWant {
			b.dues("2025-02-05", "m1", "2025-02", "B1", "1")
			s2 := b.dues("2025-02-05", "m2", "2025-02", "B1", "2")
			s5 := b.dues("2025-02-06", "m5", "2025-02", "B1", "5")
			b.dues("2025-02-07", "m3", "2025-02", "B1", "3")
			s4 := b.dues("2025-02-07", "m4", "2025-02", "B1", "4")
			return []flagWant{
				{at: at(s5), subject: "B1", present: true, seqs: []uint64{s2, s5}, items: []string{"3", "4"}},
				{at: at(s5 - 1), subject: "B1"},
				{at: at(s4 - 1), subject: "B1", present: true, items: []string{"4"}},
				{at: at(s4), subject: "B1"},
				{at: on("2025-02-06"), subject: "B1", present: true, items: []string{"3", "4"}},
				{at: on("2025-02-07"), subject: "B1"},
			}
		}},
		{"receipt gap with a prefix and zeros", projections.FlagReceiptGap, nil, func(b *flagBook) []flagWant {
			s1 := b.dues("2025-02-05", "m1", "2025-02", "B2", "R-0009")
			s2 := b.dues("2025-02-05", "m2", "2025-02", "B2", "R-0012")
			return []flagWant{{subject: "B2:R-", present: true, seqs: []uint64{s1, s2}, items: []string{"R-0010", "R-0011"}}}
		}},
		{"one number written two ways: the first use stands", projections.FlagReceiptGap, nil, func(b *flagBook) []flagWant {
			s7 := b.dues("2025-02-05", "m1", "2025-02", "B4", "7")
			b.dues("2025-02-06", "m2", "2025-02", "B4", "007") // the same number 7 again, later
			s9 := b.dues("2025-02-07", "m3", "2025-02", "B4", "9")
			return []flagWant{
				{subject: "B4", present: true, seqs: []uint64{s7, s9}, items: []string{"8"}},
				{at: at(s9 - 1), subject: "B4"}, // 7 and 007 alone leave no gap
			}
		}},
		{"no receipt gap across books", projections.FlagReceiptGap, nil, func(b *flagBook) []flagWant {
			b.dues("2025-02-05", "m1", "2025-02", "B1", "1")
			b.dues("2025-02-05", "m2", "2025-02", "B1", "2")
			b.dues("2025-02-05", "m3", "2025-02", "B3", "3")
			return []flagWant{{subject: "B1"}, {subject: "B3"}}
		}},

		{"dues arrears", projections.FlagDuesArrears, nil, func(b *flagBook) []flagWant {
			mb := ledgertest.Member
			grant := b.findSeq(func(_ events.Envelope, p events.Payload) bool {
				g, ok := p.(events.RoleGranted)
				return ok && g.Person == mb && g.Role == events.RoleMember
			})
			b.dues("2025-01-10", mb, "2025-01", "B1", "1")
			b.dues("2025-02-10", mb, "2025-02", "B1", "2")
			apr := b.dues("2025-04-10", mb, "2025-04", "B1", "3")
			return []flagWant{
				{at: on("2025-05-15"), subject: mb, present: true, seqs: []uint64{grant, apr}, items: []string{"2025-03"}},
				{at: on("2025-04-01"), subject: mb, present: true, items: []string{"2025-03"}},
				{at: on("2025-03-31"), subject: mb}, // March is the open month
				{at: at(apr), subject: mb, present: true, items: []string{"2025-03"}},
			}
		}},
		{"no arrears: joined later, or the month is open", projections.FlagDuesArrears, nil, func(b *flagBook) []flagWant {
			mb := ledgertest.Member
			b.person("p-new", "2025-04-01", events.RoleMember)
			b.dues("2025-04-10", "p-new", "2025-04", "B1", "1")
			for i, m := range []string{"2025-01", "2025-02", "2025-03", "2025-04"} {
				b.dues(m+"-10", mb, m, "B1", fmt.Sprint(i+2))
			}
			return []flagWant{{at: on("2025-05-20"), subject: "p-new"}, {at: on("2025-05-20"), subject: mb}}
		}},

		{"relief recheck overdue", projections.FlagReliefRecheckOverdue, nil, func(b *flagBook) []flagWant {
			decided := reliefCase(b)
			filler := b.dues("2025-09-15", "m1", "2025-09", "B1", "1")
			b.do(b.cmd("recheck_relief", ledgertest.Relief, "2025-09-20", map[string]string{"case": "R1", "outcome": "continue"}))
			return []flagWant{
				{at: on("2025-09-10"), subject: "R1"}, // due on the 10th: not late yet
				{at: on("2025-09-11"), subject: "R1", present: true, seqs: []uint64{decided}},
				{at: on("2025-09-19"), subject: "R1", present: true},
				{at: at(filler), subject: "R1", present: true}, // judged on 2025-09-15
				{at: on("2025-09-20"), subject: "R1"},
				{subject: "R1"},
			}
		}},
		{"no recheck overdue: the case was closed", projections.FlagReliefRecheckOverdue, nil, func(b *flagBook) []flagWant {
			reliefCase(b)
			b.do(b.cmd("close_relief", ledgertest.Relief, "2025-08-01", map[string]string{"case": "R1", "reason": "hardship ended"}))
			return []flagWant{{at: on("2025-12-31"), subject: "R1"}}
		}},

		{"finding past its deadline", projections.FlagFindingOverdue, nil, func(b *flagBook) []flagWant {
			rv := ledgertest.Review
			b.do(b.cmd("open_audit", rv, "2025-04-01", map[string]string{"audit": "A1", "kind": "routine", "scope": "Q1", "from": "2025-01-01", "to": "2025-03-31"}))
			rec := b.seq(b.do(b.cmd("record_finding", rv, "2025-04-05", map[string]string{"audit": "A1", "finding": "F1", "severity": "major", "text": "receipt not filed"})), "finding_recorded")
			req := b.seq(b.do(b.cmd("require_rectification", rv, "2025-04-06", map[string]string{"finding": "F1", "deadline": "2025-05-15", "action": "file it"})), "rectification_required")
			sub := b.seq(b.do(b.cmd("submit_rectification", tr, "2025-05-20", map[string]string{"finding": "F1", "evidence": "filed"})), "rectification_submitted")
			acc := b.seq(b.do(b.cmd("accept_rectification", rv, "2025-05-25", map[string]string{"finding": "F1", "reason": "seen"})), "rectification_accepted")
			return []flagWant{
				{at: on("2025-05-15"), subject: "F1"},
				{at: on("2025-05-16"), subject: "F1", present: true, seqs: []uint64{rec, req}},
				{at: on("2025-05-24"), subject: "F1", present: true, seqs: []uint64{rec, req, sub}},
				{at: at(acc - 1), subject: "F1", present: true},
				{at: at(acc), subject: "F1"},
				{at: on("2025-05-25"), subject: "F1"},
			}
		}},
		{"no finding overdue: accepted in time, or nothing required", projections.FlagFindingOverdue, nil, func(b *flagBook) []flagWant {
			rv := ledgertest.Review
			b.do(b.cmd("open_audit", rv, "2025-04-01", map[string]string{"audit": "A1", "kind": "routine", "scope": "Q1", "from": "2025-01-01", "to": "2025-03-31"}))
			b.do(b.cmd("record_finding", rv, "2025-04-05", map[string]string{"audit": "A1", "finding": "F1", "severity": "minor", "text": "receipt not filed"}))
			b.do(b.cmd("record_finding", rv, "2025-04-05", map[string]string{"audit": "A1", "finding": "F2", "severity": "info", "text": "a remark"}))
			b.do(b.cmd("require_rectification", rv, "2025-04-06", map[string]string{"finding": "F1", "deadline": "2025-05-15", "action": "file it"}))
			b.do(b.cmd("submit_rectification", tr, "2025-05-10", map[string]string{"finding": "F1", "evidence": "filed"}))
			b.do(b.cmd("accept_rectification", rv, "2025-05-12", map[string]string{"finding": "F1", "reason": "seen"}))
			return []flagWant{{at: on("2025-12-31"), subject: "F1"}, {at: on("2025-12-31"), subject: "F2"}}
		}},
	}
	covered := map[projections.FlagKind]bool{}
	for i, c := range cases {
		org := fmt.Sprintf("fk%d", i)
		if c.setup != nil {
			org = c.setup[0].Org
		}
		b := &flagBook{t: t, n: n, org: org}
		t.Run(c.name, func(t *testing.T) {
			b.t = t
			setup := c.setup
			if setup == nil {
				setup = ledgertest.Setup(org, "2010")
			}
			b.do(setup...)
			for _, w := range c.build(b) {
				fs, err := n.Store.Flags(org, w.at)
				if err != nil {
					t.Fatal(err)
				}
				var got *projections.Flag
				for i := range fs {
					if fs[i].Kind == c.kind && fs[i].Subject == w.subject {
						got = &fs[i]
					}
				}
				where := fmt.Sprintf("%s %s as of %+v", c.kind, w.subject, w.at)
				if !w.present {
					if got != nil {
						t.Fatalf("%s: want no flag, got %+v", where, *got)
					}
					continue
				}
				if got == nil {
					t.Fatalf("%s: no flag among %+v", where, fs)
				}
				covered[c.kind] = true
				var seqs []uint64
				for _, e := range got.Events {
					seqs = append(seqs, e.Seq)
					if !events.ValidDate(e.Date) || e.Type == "" {
						t.Fatalf("%s: event without date or type: %+v", where, e)
					}
				}
				if w.seqs != nil && !slices.Equal(seqs, w.seqs) {
					t.Fatalf("%s: events %v, want %v (%s)", where, seqs, w.seqs, got.Reason)
				}
				if w.raised != 0 && got.RaisedSeq != w.raised {
					t.Fatalf("%s: raised by %d, want %d", where, got.RaisedSeq, w.raised)
				}
				if w.items != nil && (!slices.Equal(got.Items, w.items) || got.ItemCount != len(w.items)) {
					t.Fatalf("%s: items %v (%d), want %v", where, got.Items, got.ItemCount, w.items)
				}
				if got.Reason == "" || got.Severity == "" || !events.ValidDate(got.RaisedDate) {
					t.Fatalf("%s: incomplete flag %+v", where, *got)
				}
			}
		})
	}
	for _, k := range projections.FlagKinds() {
		if !covered[k] {
			t.Errorf("no case raised a %s flag", k)
		}
	}
}

// budgetSetup is a union whose 2025 budget has one small line, 501 at
// 10,000 yuan, so that tests can reach it.
func budgetSetup(org string) []ledger.Command {
	return append([]ledger.Command{
		ledgertest.Open(org, "2010"),
		ledgertest.RegisterKey(org, ledgertest.Chair, ledgertest.ChairKey),
		ledgertest.Cmd("threshold-"+org, "set_collective_threshold", org, ledgertest.Admin, "2025-01-01", map[string]string{"amount": ledgertest.Threshold}),
	}, ledgertest.Budget(org, "2025", "2025-01-01", ledgertest.Line{Account: "501", Amount: "10000.00"})...)
}

// reliefCase takes relief case R1 through application, home visit, a
// published notice (3–7 March 2025) and the committee's decision on 10
// March; it returns the seq of relief_decided (recheck due 2025-09-10).
func reliefCase(b *flagBook) uint64 {
	b.t.Helper()
	rl, co, ch := ledgertest.Relief, ledgertest.Committee, ledgertest.Chair
	b.person("p-ben", "2025-01-01", events.RoleMember)
	b.do(b.cmd("apply_relief", rl, "2025-03-01", map[string]any{"case": "R1", "person": "p-ben", "kind": "hardship", "amount": "3000.00",
		"details": events.ReliefDetails{Reason: "illness", Household: "four", Income: "low"}}))
	b.do(b.cmd("verify_relief", rl, "2025-03-02", map[string]any{"case": "R1", "visited_on": "2025-03-01",
		"consent_sha256": strings.Repeat("3f", 32), "officers": []string{rl, co}}))
	b.do(b.cmd("draft_disclosure", rl, "2025-03-02", map[string]any{"item": "N1", "kind": "relief_notice", "title": "帮扶公示",
		"body": map[string]any{"notice_start": "2025-03-03", "notice_end": "2025-03-07", "entries": []map[string]any{
			{"case": "R1", "name": "王*明", "kind": "hardship", "amount": "2500"}}}}))
	b.do(b.cmd("approve_disclosure", co, "2025-03-02", map[string]string{"item": "N1"}))
	b.do(b.cmd("publish_disclosure", ch, "2025-03-03", map[string]string{"item": "N1"}))
	b.do(ledgertest.Decision(b.org, "D1", "2025-03-10"))
	res := b.do(b.cmd("decide_relief", co, "2025-03-10", map[string]string{"case": "R1", "notice": "N1", "decision": "D1", "granted": "2000.00", "expense": "E-R1"}))
	return b.seq(res, "relief_decided")
}

// TestFlagsAgreeWithExistingQueries checks that the flags judged from
// replayed history agree with the overdue queries over current state.
func TestFlagsAgreeWithExistingQueries(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	b := &flagBook{t: t, n: n, org: "agree"}
	b.do(ledgertest.Setup(b.org, "2010")...)
	reliefCase(b)
	rv := ledgertest.Review
	b.do(b.cmd("open_audit", rv, "2025-04-01", map[string]string{"audit": "A1", "kind": "routine", "scope": "Q1", "from": "2025-01-01", "to": "2025-03-31"}))
	b.do(b.cmd("record_finding", rv, "2025-04-05", map[string]string{"audit": "A1", "finding": "F1", "severity": "minor", "text": "late"}))
	b.do(b.cmd("require_rectification", rv, "2025-04-06", map[string]string{"finding": "F1", "deadline": "2025-06-30", "action": "fix"}))
	for _, date := range []string{"2025-06-30", "2025-07-01", "2025-09-10", "2025-09-11", "2026-01-01"} {
		fs, err := n.Store.Flags(b.org, projections.AsOf{Date: date})
		if err != nil {
			t.Fatal(err)
		}
		var rechecks, findings []string
		for _, f := range fs {
			switch f.Kind {
			case projections.FlagReliefRecheckOverdue:
				rechecks = append(rechecks, f.Subject)
			case projections.FlagFindingOverdue:
				findings = append(findings, f.Subject)
			}
		}
		var wantR, wantF []string
		if err := n.Store.OverdueRechecks(b.org, date, func(c ledger.ReliefInfo) bool { wantR = append(wantR, c.Case); return true }); err != nil {
			t.Fatal(err)
		}
		fo, err := n.Store.FindingsOverdue(b.org, date)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fo {
			wantF = append(wantF, f.ID)
		}
		if !slices.Equal(rechecks, wantR) || !slices.Equal(findings, wantF) {
			t.Fatalf("as of %s: flags %v %v, queries %v %v", date, rechecks, findings, wantR, wantF)
		}
	}
}
