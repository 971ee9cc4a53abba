package ledger_test

import (
	"errors"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

// The beneficiary of the test cases, registered in union h1.
const ben = "p-ben"

func rc(id, typ, actor, date string, data any) ledger.Command {
	return ledgertest.Cmd(id, typ, "h1", actor, date, data)
}

// reliefApply is apply_relief as the rules see it: after the prepare hook
// sealed the details (the sealed text here is a stand-in).
func reliefApply(id, kase, person, amount string) ledger.Command {
	return rc(id, "apply_relief", ledgertest.Relief, "2025-03-01", map[string]string{
		"case": kase, "person": person, "kind": "hardship", "amount": amount, "sealed": "c2VhbGVk"})
}

const consent = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea"

func reliefVerify(id, kase, date string) ledger.Command {
	return rc(id, "verify_relief", ledgertest.Relief, date, map[string]any{
		"case": kase, "visited_on": "2025-03-01", "consent_sha256": consent, "officers": []string{ledgertest.Relief, ledgertest.Committee}})
}

// reliefNotice drafts, approves and publishes relief notice item for
// Monday 3 to Friday 7 March 2025, listing the entries.
func reliefNotice(item string, entries ...map[string]any) []ledger.Command {
	return []ledger.Command{
		rc(item+"-d", "draft_disclosure", ledgertest.Relief, "2025-03-02", map[string]any{"item": item, "kind": "relief_notice",
			"title": "帮扶公示", "body": map[string]any{"notice_start": "2025-03-03", "notice_end": "2025-03-07", "entries": entries}}),
		rc(item+"-a", "approve_disclosure", ledgertest.Committee, "2025-03-02", map[string]string{"item": item}),
		rc(item+"-p", "publish_disclosure", ledgertest.Chair, "2025-03-03", map[string]string{"item": item}),
	}
}

func reliefEntry(kase, kind, amount string) map[string]any {
	return map[string]any{"case": kase, "name": "张*明", "kind": kind, "amount": amount}
}

func reliefDecide(id, actor, date, granted string) ledger.Command {
	return rc(id, "decide_relief", actor, date, map[string]string{
		"case": "R1", "notice": "N1", "decision": "D1", "granted": granted, "expense": "E-R1"})
}

// reliefStages builds the case R1 (requested 3000.00) step by step; a
// test names the stage it starts from.
var reliefStages = []struct {
	name string
	cmds func() []ledger.Command
}{
	{"registered", func() []ledger.Command {
		return []ledger.Command{
			rc("reg-ben", "register_person", ledgertest.Admin, "2025-01-01", map[string]string{"person": ben}),
			rc("reg-gone", "register_person", ledgertest.Admin, "2025-01-01", map[string]string{"person": "p-gone"}),
			rc("erase-gone", "erase_person", ledgertest.Admin, "2025-01-01", map[string]string{"person": "p-gone", "reason": "left"}),
		}
	}},
	{"applied", func() []ledger.Command { return []ledger.Command{reliefApply("a1", "R1", ben, "3000.00")} }},
	{"verified", func() []ledger.Command { return []ledger.Command{reliefVerify("v1", "R1", "2025-03-02")} }},
	{"noticed", func() []ledger.Command {
		return reliefNotice("N1", reliefEntry("R1", "hardship", "2500"), reliefEntry("R9", "medical", "100"))
	}},
	{"objected", func() []ledger.Command {
		return []ledger.Command{rc("o1", "object_to_notice", ledgertest.Member, "2025-03-05", map[string]string{"objection": "O1", "item": "N1", "text": "情况不符"})}
	}},
	{"resolved", func() []ledger.Command {
		return []ledger.Command{rc("o2", "resolve_objection", ledgertest.Committee, "2025-03-10", map[string]string{"objection": "O1", "outcome": "dismissed", "reason": "经核实属实"})}
	}},
	{"meeting", func() []ledger.Command { return []ledger.Command{ledgertest.Decision("h1", "D1", "2025-03-10")} }},
	{"decided", func() []ledger.Command {
		return []ledger.Command{reliefDecide("dr", ledgertest.Committee, "2025-03-10", "2000.00")}
	}},
}

// reliefState is union h1 with case R1 brought to stage, then pre applied.
func reliefState(t *testing.T, stage string, pre ...ledger.Command) ledger.State {
	t.Helper()
	st := ledgertest.State(t, "h1")
	found := false
	for _, s := range reliefStages {
		st.Do(s.cmds()...)
		if s.name == stage {
			found = true
			break
		}
	}
	if !found {
		t.Fatalf("no stage %q", stage)
	}
	st.Do(pre...)
	return st
}

func types(ds []events.Draft) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Payload.Type()
	}
	return out
}

// TestDecideRelief runs each relief command from each stage of a case and
// checks what it decides or which coded rule refuses it.
func TestDecideRelief(t *testing.T) {
	erase := rc("erase-ben", "erase_person", ledgertest.Admin, "2025-03-02", map[string]string{"person": ben, "reason": "asked"})
	tests := []struct {
		name  string
		stage string
		pre   []ledger.Command
		cmd   ledger.Command
		code  ledger.Code
		rule  string
		want  []string // event types on success
	}{
		// apply_relief
		{"apply", "registered", nil, reliefApply("c", "R1", ben, "3000.00"), "", "", []string{"relief_applied"}},
		{"apply by the treasurer", "registered", nil, func() ledger.Command {
			c := reliefApply("c", "R1", ben, "3000.00")
			c.Actor = ledgertest.Treasurer
			return c
		}(), ledger.CodeWrongRole, "role-required", nil},
		{"apply for an erased person", "registered", nil, reliefApply("c", "R1", "p-gone", "3000.00"), ledger.CodePersonErased, "personal-data", nil},
		{"apply for an unknown person", "registered", nil, reliefApply("c", "R1", "p-nobody", "3000.00"), ledger.CodeUnknownPerson, "people-registered", nil},
		{"apply for oneself", "registered", nil, reliefApply("c", "R1", ledgertest.Relief, "3000.00"), ledger.CodeSelfApproval, "relief-conflict", nil},
		{"apply twice", "applied", nil, reliefApply("c", "R1", ben, "3000.00"), ledger.CodeStateConflict, "relief-lifecycle", nil},
		{"apply zero", "registered", nil, reliefApply("c", "R1", ben, "0"), ledger.CodeInvalidAmount, "money-format", nil},
		{"apply unknown kind", "registered", nil, rc("c", "apply_relief", ledgertest.Relief, "2025-03-01", map[string]string{
			"case": "R1", "person": ben, "kind": "lottery", "amount": "1", "sealed": "c2VhbGVk"}), ledger.CodeInvalid, "", nil},
		{"apply without sealed details", "registered", nil, rc("c", "apply_relief", ledgertest.Relief, "2025-03-01", map[string]string{
			"case": "R1", "person": ben, "kind": "hardship", "amount": "1"}), ledger.CodeInvalid, "", nil},
		{"apply with details in clear (not prepared)", "registered", nil, rc("c", "apply_relief", ledgertest.Relief, "2025-03-01", map[string]any{
			"case": "R1", "person": ben, "kind": "hardship", "amount": "1", "details": map[string]string{"reason": "病"}}), ledger.CodeMalformed, "", nil},

		// verify_relief
		{"verify", "applied", nil, reliefVerify("c", "R1", "2025-03-02"), "", "", []string{"relief_verified"}},
		{"verify unknown case", "applied", nil, reliefVerify("c", "R2", "2025-03-02"), ledger.CodeUnknownRef, "relief-lifecycle", nil},
		{"verify twice", "verified", nil, reliefVerify("c", "R1", "2025-03-02"), ledger.CodeStateConflict, "relief-lifecycle", nil},
		{"verify by a member", "applied", nil, func() ledger.Command {
			c := reliefVerify("c", "R1", "2025-03-02")
			c.Actor = ledgertest.Member
			return c
		}(), ledger.CodeWrongRole, "role-required", nil},
		{"verify without consent", "applied", nil, rc("c", "verify_relief", ledgertest.Relief, "2025-03-02", map[string]any{
			"case": "R1", "visited_on": "2025-03-01", "consent_sha256": "signed", "officers": []string{ledgertest.Relief}}), ledger.CodeInvalid, "relief-verification", nil},
		{"verify visit before application", "applied", nil, rc("c", "verify_relief", ledgertest.Relief, "2025-03-02", map[string]any{
			"case": "R1", "visited_on": "2025-02-01", "consent_sha256": consent, "officers": []string{ledgertest.Relief}}), ledger.CodeInvalid, "relief-verification", nil},
		{"verify with the beneficiary visiting", "applied", nil, rc("c", "verify_relief", ledgertest.Relief, "2025-03-02", map[string]any{
			"case": "R1", "visited_on": "2025-03-01", "consent_sha256": consent, "officers": []string{ben}}), ledger.CodeSelfApproval, "relief-conflict", nil},
		{"verify erased beneficiary", "applied", []ledger.Command{erase}, reliefVerify("c", "R1", "2025-03-02"), ledger.CodePersonErased, "personal-data", nil},

		// decide_relief
		{"decide", "meeting", nil, reliefDecide("c", ledgertest.Committee, "2025-03-10", "2000.00"), "", "", []string{"relief_decided", "expense_requested"}},
		{"decide the whole noticed amount", "meeting", nil, reliefDecide("c", ledgertest.Committee, "2025-03-10", "2500.00"), "", "", []string{"relief_decided", "expense_requested"}},
		{"decide before verification", "applied", []ledger.Command{ledgertest.Decision("h1", "D1", "2025-03-10")},
			reliefDecide("c", ledgertest.Committee, "2025-03-10", "2000.00"), ledger.CodeStateConflict, "relief-lifecycle", nil},
		{"decide while the notice runs", "noticed", []ledger.Command{ledgertest.Decision("h1", "D1", "2025-03-06")},
			reliefDecide("c", ledgertest.Committee, "2025-03-07", "2000.00"), ledger.CodeNoticePeriod, "relief-notice-period", nil},
		{"decide with an objection open", "objected", []ledger.Command{ledgertest.Decision("h1", "D1", "2025-03-10")},
			reliefDecide("c", ledgertest.Committee, "2025-03-10", "2000.00"), ledger.CodeNoticePeriod, "notice-objections", nil},
		{"decide after a meeting held during the notice", "resolved", []ledger.Command{ledgertest.Decision("h1", "D1", "2025-03-07")},
			reliefDecide("c", ledgertest.Committee, "2025-03-10", "2000.00"), ledger.CodeNoticePeriod, "relief-notice-period", nil},
		{"decide without a notice", "verified", []ledger.Command{ledgertest.Decision("h1", "D1", "2025-03-10")},
			reliefDecide("c", ledgertest.Committee, "2025-03-10", "2000.00"), ledger.CodeUnknownRef, "relief-notice-period", nil},
		{"decide on a notice without the case", "verified", append(reliefNotice("N1", reliefEntry("R9", "hardship", "2500")), ledgertest.Decision("h1", "D1", "2025-03-10")),
			reliefDecide("c", ledgertest.Committee, "2025-03-10", "2000.00"), ledger.CodeUnknownRef, "relief-notice-covers", nil},
		{"decide without a recorded decision", "resolved", nil,
			reliefDecide("c", ledgertest.Committee, "2025-03-10", "2000.00"), ledger.CodeUnknownRef, "collective-decision", nil},
		{"decide more than requested", "meeting", nil, reliefDecide("c", ledgertest.Committee, "2025-03-10", "3000.01"), ledger.CodeInvalidAmount, "relief-granted", nil},
		{"decide more than noticed", "meeting", nil, reliefDecide("c", ledgertest.Committee, "2025-03-10", "2600.00"), ledger.CodeInvalidAmount, "relief-granted", nil},
		{"decide by the relief officer", "meeting", nil, reliefDecide("c", ledgertest.Relief, "2025-03-10", "2000.00"), ledger.CodeWrongRole, "role-required", nil},
		{"decide by the chair", "meeting", []ledger.Command{rc("g", "grant_role", ledgertest.Admin, "2025-03-10", map[string]string{"person": ledgertest.Chair, "role": "committee"})},
			reliefDecide("c", ledgertest.Chair, "2025-03-10", "2000.00"), ledger.CodeSelfApproval, "three-people", nil},
		{"decide for an erased beneficiary", "meeting", []ledger.Command{erase}, reliefDecide("c", ledgertest.Committee, "2025-03-10", "2000.00"), ledger.CodePersonErased, "personal-data", nil},
		{"decide twice", "decided", nil, reliefDecide("c", ledgertest.Committee, "2025-03-10", "2000.00"), ledger.CodeStateConflict, "relief-lifecycle", nil},

		// reject_relief
		{"reject", "verified", nil, rc("c", "reject_relief", ledgertest.Chair, "2025-03-10", map[string]string{"case": "R1", "reason": "不符合困难职工认定标准"}), "", "", []string{"relief_rejected"}},
		{"reject by the relief officer", "verified", nil, rc("c", "reject_relief", ledgertest.Relief, "2025-03-10", map[string]string{"case": "R1", "reason": "x"}), ledger.CodeWrongRole, "role-required", nil},
		{"reject with a phone number", "verified", nil, rc("c", "reject_relief", ledgertest.Committee, "2025-03-10", map[string]string{"case": "R1", "reason": "联系13812345678"}), ledger.CodeProhibited, "no-personal-data", nil},
		{"reject after the decision", "decided", nil, rc("c", "reject_relief", ledgertest.Chair, "2025-03-10", map[string]string{"case": "R1", "reason": "x"}), ledger.CodeAlreadyDecided, "relief-lifecycle", nil},

		// recheck_relief and close_relief
		{"recheck", "decided", nil, rc("c", "recheck_relief", ledgertest.Relief, "2025-09-10", map[string]string{"case": "R1", "outcome": "continue"}), "", "", []string{"relief_rechecked"}},
		{"recheck closes", "decided", nil, rc("c", "recheck_relief", ledgertest.Relief, "2025-09-10", map[string]string{"case": "R1", "outcome": "close", "document": consent}), "", "", []string{"relief_rechecked", "relief_closed"}},
		{"recheck before the decision", "verified", nil, rc("c", "recheck_relief", ledgertest.Relief, "2025-09-10", map[string]string{"case": "R1", "outcome": "continue"}), ledger.CodeStateConflict, "relief-lifecycle", nil},
		{"recheck dated before the decision", "decided", nil, rc("c", "recheck_relief", ledgertest.Relief, "2025-03-09", map[string]string{"case": "R1", "outcome": "continue"}), ledger.CodeStateConflict, "relief-recheck", nil},
		{"recheck with an unknown outcome", "decided", nil, rc("c", "recheck_relief", ledgertest.Relief, "2025-09-10", map[string]string{"case": "R1", "outcome": "maybe"}), ledger.CodeInvalid, "", nil},
		{"recheck by the committee", "decided", nil, rc("c", "recheck_relief", ledgertest.Committee, "2025-09-10", map[string]string{"case": "R1", "outcome": "continue"}), ledger.CodeWrongRole, "role-required", nil},
		{"close", "decided", nil, rc("c", "close_relief", ledgertest.Relief, "2025-06-01", map[string]string{"case": "R1", "reason": "已再就业"}), "", "", []string{"relief_closed"}},
		{"close twice", "decided", []ledger.Command{rc("c0", "close_relief", ledgertest.Relief, "2025-06-01", map[string]string{"case": "R1", "reason": "已再就业"})},
			rc("c", "close_relief", ledgertest.Relief, "2025-06-02", map[string]string{"case": "R1", "reason": "again"}), ledger.CodeAlreadyDecided, "relief-lifecycle", nil},
		{"recheck a closed case", "decided", []ledger.Command{rc("c0", "close_relief", ledgertest.Relief, "2025-06-01", map[string]string{"case": "R1", "reason": "已再就业"})},
			rc("c", "recheck_relief", ledgertest.Relief, "2025-09-10", map[string]string{"case": "R1", "outcome": "continue"}), ledger.CodeAlreadyDecided, "relief-lifecycle", nil},
		{"close an undecided case", "verified", nil, rc("c", "close_relief", ledgertest.Relief, "2025-06-01", map[string]string{"case": "R1", "reason": "x"}), ledger.CodeStateConflict, "relief-lifecycle", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := reliefState(t, tc.stage, tc.pre...)
			drafts, err := ledger.Decide(st, tc.cmd)
			if tc.code != "" {
				if got := ledger.ErrorCode(err); got != tc.code {
					t.Fatalf("got %s (%v), want %s", got, err, tc.code)
				}
				var le *ledger.Error
				if tc.rule != "" && (!errors.As(err, &le) || le.Rule != tc.rule) {
					t.Fatalf("rule: got %v, want %s", err, tc.rule)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if got := types(drafts); len(got) != len(tc.want) || func() bool {
				for i := range got {
					if got[i] != tc.want[i] {
						return true
					}
				}
				return false
			}() {
				t.Fatalf("events %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDecideReliefOpensPayment checks that the committee's decision opens
// the payment through the expense lifecycle: an expense request on 50204
// for the granted amount, paying the beneficiary, resting on the recorded
// collective decision, requested by the committee member who recorded the
// decision; and that the chair's approval then applies unchanged.
func TestDecideReliefOpensPayment(t *testing.T) {
	st := reliefState(t, "meeting")
	drafts, err := ledger.Decide(st, reliefDecide("c", ledgertest.Committee, "2025-03-10", "2000.00"))
	if err != nil {
		t.Fatal(err)
	}
	dec := drafts[0].Payload.(events.ReliefDecided)
	if dec != (events.ReliefDecided{Case: "R1", Notice: "N1", Decision: "D1", Granted: 200000, Expense: "E-R1", Account: "50204"}) {
		t.Fatalf("decided: %+v", dec)
	}
	req := drafts[1].Payload.(events.ExpenseRequested)
	if req.Expense != "E-R1" || req.Account != "50204" || req.Amount != 200000 || req.PayeePerson != ben || req.Decision != "D1" {
		t.Fatalf("expense request: %+v", req)
	}
	sc := st.(*ledgertest.Scratch)
	sc.Do(reliefDecide("c", ledgertest.Committee, "2025-03-10", "2000.00"))
	e, ok, err := st.Expense("h1", "E-R1")
	if err != nil || !ok || e.RequestedBy != ledgertest.Committee || e.Status != ledger.ExpensePending {
		t.Fatalf("expense: %+v %v %v", e, ok, err)
	}
	c, ok, err := st.ReliefCase("h1", "R1")
	if err != nil || !ok || c.Status != ledger.ReliefDecided || c.RecheckDue != "2025-09-10" || c.Granted != 200000 {
		t.Fatalf("case: %+v %v %v", c, ok, err)
	}
	// The chair signs the payment as any expense; the signature must cover
	// the request as the relief decision made it.
	if _, err := ledger.Decide(st, ledgertest.Approve("E-R1", "2025-03-11", e.Terms("h1"))); err != nil {
		t.Fatalf("chair approval: %v", err)
	}
	bad := e.Terms("h1")
	bad.Amount = 300000
	if _, err := ledger.Decide(st, ledgertest.Approve("E-R1", "2025-03-11", bad)); ledger.ErrorCode(err) != ledger.CodeBadSignature {
		t.Fatalf("approval over other terms: %v", err)
	}
	// The warmth campaign is paid from its own account.
	st2 := reliefState(t, "registered", rc("a", "apply_relief", ledgertest.Relief, "2025-03-01", map[string]string{
		"case": "R1", "person": ben, "kind": "warmth", "amount": "500", "sealed": "c2VhbGVk"}),
		reliefVerify("v", "R1", "2025-03-02"))
	st2.(*ledgertest.Scratch).Do(append(reliefNotice("N1", reliefEntry("R1", "warmth", "500")), ledgertest.Decision("h1", "D1", "2025-03-10"))...)
	drafts, err = ledger.Decide(st2, reliefDecide("c", ledgertest.Committee, "2025-03-10", "500"))
	if err != nil || drafts[1].Payload.(events.ExpenseRequested).Account != "50205" {
		t.Fatalf("warmth: %v %+v", err, drafts)
	}
}

func TestRecheckDue(t *testing.T) {
	for from, want := range map[string]string{
		"2025-03-10": "2025-09-10",
		"2025-08-31": "2026-02-28",
		"2023-08-31": "2024-02-29",
		"2025-12-31": "2026-06-30",
		"2025-07-15": "2026-01-15",
	} {
		if got, err := ledger.RecheckDue(from); err != nil || got != want {
			t.Errorf("RecheckDue(%s) = %s, %v; want %s", from, got, err, want)
		}
	}
}
