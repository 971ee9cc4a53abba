package node_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
)

func overdue(t *testing.T, n *node.Node, asOf string) []string {
	t.Helper()
	var out []string
	if err := n.Store.OverdueRechecks("h1", asOf, func(c ledger.ReliefInfo) bool {
		out = append(out, c.Case)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReliefEndToEnd runs a hardship case through the real append path
// (embedded NATS, Pebble): application with sealed details → home visit →
// relief notice drafted, approved and published through the disclosure
// commands → an objection raised and resolved → the committee's decision
// after the notice period → the chair's signed approval → payment →
// six-monthly rechecks → closed. Refusals on the way leave the stream where
// it was. Then no stored event, no projection and no file of the data
// directory contains the planted reason or personal values in clear, the
// sealed details open with the beneficiary's key, and a rebuild from the
// log gives the same projections.
func TestReliefEndToEnd(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	closed := false
	defer func() {
		if !closed {
			n.Close()
		}
	}()
	setup(t, n, "h1")
	tr, ch, co, rl, mb := ledgertest.Treasurer, ledgertest.Chair, ledgertest.Committee, ledgertest.Relief, ledgertest.Member
	submit(t, n, ledgertest.Dues("h1", "d1", "2025-01-05", "m1", "5000.00", "B1", "1"))

	planted := []string{"PLANTED-REASON-7Q", "丈夫突发脑溢血住院", "PLANTED-HOUSEHOLD-3Z", "PLANTED-INCOME-9K", "PLANTED-HEALTH-2W",
		"王大明", "13912345678", "110101199003071234", "6222021234567890123"}
	submit(t, n, discCmd("reg-ben", "register_person", ledgertest.Admin, "2025-01-01", map[string]any{
		"person": "p-ben", "name": "王大明", "phone": "13912345678", "id_number": "110101199003071234", "bank_account": "6222021234567890123"}))
	submit(t, n, discCmd("reg-gone", "register_person", ledgertest.Admin, "2025-01-01", map[string]string{"person": "p-gone"}))
	submit(t, n, discCmd("erase-gone", "erase_person", ledgertest.Admin, "2025-01-01", map[string]string{"person": "p-gone", "reason": "left"}))

	details := events.ReliefDetails{Reason: "PLANTED-REASON-7Q 丈夫突发脑溢血住院", Household: "PLANTED-HOUSEHOLD-3Z 妻子无业，两个孩子上学",
		Income: "PLANTED-INCOME-9K 月收入800元", Health: "PLANTED-HEALTH-2W 脑溢血后遗症"}
	apply := func(id, person string, d events.ReliefDetails) ledger.Command {
		return discCmd(id, "apply_relief", rl, "2025-03-01", map[string]any{
			"case": "R1", "person": person, "kind": "hardship", "amount": "3000.00", "details": d})
	}
	discRefuse(t, n, apply("x1", "p-gone", details), ledger.CodePersonErased)
	discRefuse(t, n, func() ledger.Command { c := apply("x2", "p-ben", details); c.Actor = tr; return c }(), ledger.CodeWrongRole)
	first := submit(t, n, apply("a1", "p-ben", details))
	if again := submit(t, n, apply("a1", "p-ben", details)); !again.Duplicate || again.Events[0] != first.Events[0] {
		t.Fatalf("retry of apply_relief: %+v, first %+v", again, first)
	}
	other := details
	other.Reason = "another reason"
	discRefuse(t, n, apply("a1", "p-ben", other), ledger.CodeCommandIDReused)

	verify := discCmd("v1", "verify_relief", rl, "2025-03-02", map[string]any{"case": "R1", "visited_on": "2025-03-01",
		"consent_sha256": "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea", "officers": []string{rl, co}})
	decide := func(id, date, granted string) ledger.Command {
		return discCmd(id, "decide_relief", co, date, map[string]string{"case": "R1", "notice": "N1", "decision": "D1", "granted": granted, "expense": "E-R1"})
	}
	submit(t, n, ledgertest.Decision("h1", "D1", "2025-03-10"))
	discRefuse(t, n, decide("x3", "2025-03-10", "2000.00"), ledger.CodeStateConflict) // not verified
	submit(t, n, verify)
	again := verify
	again.ID = "x3b"
	discRefuse(t, n, again, ledger.CodeStateConflict)                              // verified twice
	discRefuse(t, n, decide("x4", "2025-03-10", "2000.00"), ledger.CodeUnknownRef) // no notice yet

	// the notice, Monday 3 to Friday 7 March, through the disclosure commands
	submit(t, n, discCmd("n1", "draft_disclosure", rl, "2025-03-02", map[string]any{"item": "N1", "kind": "relief_notice", "title": "2025年3月困难职工帮扶公示",
		"body": map[string]any{"notice_start": "2025-03-03", "notice_end": "2025-03-07", "entries": []map[string]any{
			{"case": "R1", "name": "王*明", "kind": "hardship", "amount": "2500"}}}}))
	submit(t, n, discCmd("n2", "approve_disclosure", co, "2025-03-02", map[string]string{"item": "N1"}))
	submit(t, n, discCmd("n3", "publish_disclosure", ch, "2025-03-03", map[string]string{"item": "N1"}))
	submit(t, n, discCmd("o1", "object_to_notice", mb, "2025-03-05", map[string]string{"objection": "O1", "item": "N1", "text": "对其家庭情况有疑问"}))
	discRefuse(t, n, decide("x5", "2025-03-07", "2000.00"), ledger.CodeNoticePeriod) // the notice still runs
	discRefuse(t, n, decide("x6", "2025-03-10", "2000.00"), ledger.CodeNoticePeriod) // objection open
	submit(t, n, discCmd("o2", "resolve_objection", co, "2025-03-10", map[string]string{"objection": "O1", "outcome": "dismissed", "reason": "经入户核实，情况属实"}))
	discRefuse(t, n, decide("x7", "2025-03-10", "3000.01"), ledger.CodeInvalidAmount) // more than requested
	discRefuse(t, n, func() ledger.Command { c := decide("x8", "2025-03-10", "2000.00"); c.Actor = rl; return c }(), ledger.CodeWrongRole)
	res := submit(t, n, decide("dr", "2025-03-10", "2000.00"))
	if got := []string{res.Events[0].Type, res.Events[1].Type}; len(res.Events) != 2 || !slices.Equal(got, []string{"relief_decided", "expense_requested"}) {
		t.Fatalf("decide_relief appended %+v", res.Events)
	}

	// the payment goes through the expense lifecycle unchanged
	e, ok, err := n.Store.Expense("h1", "E-R1")
	if err != nil || !ok || e.Status != ledger.ExpensePending || e.Account != "50204" || e.Amount != 200000 || e.PayeePerson != "p-ben" || e.RequestedBy != co || e.Decision != "D1" {
		t.Fatalf("relief expense: %+v %v %v", e, ok, err)
	}
	discRefuse(t, n, ledgertest.Cmd("x9", "pay_expense", "h1", tr, "2025-03-11", map[string]any{"expense": "E-R1"}), ledger.CodeNotApproved)
	submit(t, n, ledgertest.Approve("E-R1", "2025-03-11", e.Terms("h1")))
	submit(t, n, ledgertest.Cmd("pay-r1", "pay_expense", "h1", tr, "2025-03-12", map[string]any{"expense": "E-R1"}))
	if bal, err := n.Store.Balance("h1", "50204"); err != nil || bal != 200000 {
		t.Fatalf("50204 balance %d, %v", bal, err)
	}

	// rechecks every six months; overdue cases are flagged
	if got := overdue(t, n, "2025-09-10"); len(got) != 0 {
		t.Fatalf("overdue on the due day: %q", got)
	}
	if got := overdue(t, n, "2025-09-11"); !slices.Equal(got, []string{"R1"}) {
		t.Fatalf("overdue after the due day: %q", got)
	}
	discRefuse(t, n, discCmd("x10", "recheck_relief", co, "2025-09-20", map[string]string{"case": "R1", "outcome": "continue"}), ledger.CodeWrongRole)
	submit(t, n, discCmd("r1", "recheck_relief", rl, "2025-09-20", map[string]string{"case": "R1", "outcome": "continue"}))
	if got := overdue(t, n, "2026-03-20"); len(got) != 0 {
		t.Fatalf("overdue after a recheck: %q", got)
	}
	if got := overdue(t, n, "2026-03-21"); !slices.Equal(got, []string{"R1"}) {
		t.Fatalf("overdue six months after the recheck: %q", got)
	}
	submit(t, n, discCmd("r2", "recheck_relief", rl, "2026-03-25", map[string]string{"case": "R1", "outcome": "close"}))
	if got := overdue(t, n, "2030-01-01"); len(got) != 0 {
		t.Fatalf("a closed case is overdue: %q", got)
	}
	discRefuse(t, n, discCmd("x11", "close_relief", rl, "2026-03-26", map[string]string{"case": "R1", "reason": "again"}), ledger.CodeAlreadyDecided)

	f, ok, err := n.Store.ReliefFile("h1", "R1")
	if err != nil || !ok {
		t.Fatalf("relief file: %v %v", ok, err)
	}
	var hist []string
	for _, s := range f.History {
		hist = append(hist, s.Date+" "+s.Type+" "+s.Actor+" "+string(s.Outcome))
	}
	wantHist := []string{
		"2025-03-01 relief_applied p-relief ",
		"2025-03-02 relief_verified p-relief ",
		"2025-03-10 relief_decided p-committee ",
		"2025-09-20 relief_rechecked p-relief continue",
		"2026-03-25 relief_rechecked p-relief close",
		"2026-03-25 relief_closed p-relief ",
	}
	if f.Status != ledger.ReliefClosed || f.Payment != ledger.ExpensePaid || f.Granted != 200000 || f.Notice != "N1" || f.VisitedOn != "2025-03-01" || !slices.Equal(hist, wantHist) {
		t.Fatalf("relief file: %+v\nhistory %q", f, hist)
	}
	var closedCases []string
	if err := n.Store.ReliefCases("h1", ledger.ReliefClosed, func(c ledger.ReliefInfo) bool { closedCases = append(closedCases, c.Case); return true }); err != nil || !slices.Equal(closedCases, []string{"R1"}) {
		t.Fatalf("closed cases %q, %v", closedCases, err)
	}

	// nothing personal in clear: not in any stored event, not in the
	// projections; the sealed details open with the beneficiary's key only
	var sealed string
	if err := n.Store.Events("h1", 1, 0, func(_ uint64, st events.Stored) bool {
		for _, p := range planted {
			if bytes.Contains(st.Data, []byte(p)) {
				t.Errorf("event %s contains %q in clear", st.Data, p)
			}
		}
		env, err := events.Decode(st.Data)
		if err != nil {
			t.Fatal(err)
		}
		if env.Type == "relief_applied" {
			p, err := events.DecodePayload(env)
			if err != nil {
				t.Fatal(err)
			}
			sealed = p.(events.ReliefApplied).Sealed
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	d := dump(t, n)
	for _, p := range planted {
		if bytes.Contains(d, []byte(p)) {
			t.Errorf("projections contain %q in clear", p)
		}
	}
	key, err := n.Store.PersonKey("h1", "p-ben")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := events.OpenReliefDetails(key, "h1", "p-ben", "R1", sealed); err != nil || got != details {
		t.Fatalf("sealed details: %+v, %v", got, err)
	}
	if _, err := events.OpenReliefDetails(key, "h1", "p-ben", "R2", sealed); err == nil {
		t.Fatal("sealed details open for another case")
	}

	before := d
	n.Close()
	closed = true
	// the JetStream files on disk hold no planted value either; the public
	// masked name is found, so the scan does see what is in clear
	sawPublic := false
	if err := filepath.WalkDir(dir, func(path string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, p := range planted {
			if bytes.Contains(b, []byte(p)) {
				t.Errorf("file %s contains %q in clear", path, p)
			}
		}
		sawPublic = sawPublic || (bytes.Contains(b, []byte("王*明")) && bytes.Contains(b, []byte("relief_applied")))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !sawPublic {
		t.Fatal("no file of the data directory holds the published notice and the application in clear: the scan proves nothing")
	}
	sameDump(t, "relief projection rebuilt from the log", before, rebuiltDump(t, dir))
}
