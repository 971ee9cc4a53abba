package ledger_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

// People of the audit tests beyond the standard officers.
const (
	review2   = "p-review2" // a second member of the funds-review committee
	reviewTr  = "p-rt"      // on the committee and also the treasurer
	reviewAud = "p-both"    // holds both audit roles
)

// ac is an audit command in union h1.
func ac(id, typ, actor, date, data string) ledger.Command {
	return ledger.Command{ID: id, Type: typ, Org: "h1", Actor: actor, Date: date, Data: json.RawMessage(data)}
}

const (
	rv  = ledgertest.Review
	aud = ledgertest.Auditor
	tr  = ledgertest.Treasurer
	ch  = ledgertest.Chair
)

// digest is a document's SHA-256 in the form the log keeps.
var digest = strings.Repeat("ab", 32)

// auditState is union h1 with a paid expense e1 and these audits, all
// reached through the commands themselves:
//
//	A1 (review, open):   F-none (no demand), F-req (required, deadline 2025-05-31),
//	                     F-sub (submitted), F-acc (accepted), F-rej (rejected),
//	                     F-old (required, then superseded by F-new)
//	A2 (auditor, open):  F-aud
//	A3 (review, closed): F-c3
//	A4 (review, closed with open items): F-a4 (submitted)
func auditState(t *testing.T) *ledgertest.Scratch {
	t.Helper()
	st := ledgertest.State(t, "h1")
	st.Do(ledgertest.Dues("h1", "d1", "2025-01-05", "m1", "500.00", "B1", "1"))
	st.Do(ledgertest.Pay("h1", "e1", "2025-02-10", "50102", "100.00", "体育用品店", "篮球")...)
	adm := ledgertest.Admin
	st.Do(
		ac("p1", "register_person", adm, "2025-01-01", `{"person":"`+review2+`"}`),
		ac("p2", "grant_role", adm, "2025-01-01", `{"person":"`+review2+`","role":"review"}`),
		ac("p3", "register_person", adm, "2025-01-01", `{"person":"`+reviewTr+`"}`),
		ac("p4", "grant_role", adm, "2025-01-01", `{"person":"`+reviewTr+`","role":"review"}`),
		ac("p5", "grant_role", adm, "2025-01-01", `{"person":"`+reviewTr+`","role":"treasurer"}`),
		ac("p6", "register_person", adm, "2025-01-01", `{"person":"`+reviewAud+`"}`),
		ac("p7", "grant_role", adm, "2025-01-01", `{"person":"`+reviewAud+`","role":"review"}`),
		ac("p8", "grant_role", adm, "2025-01-01", `{"person":"`+reviewAud+`","role":"auditor"}`),
	)
	open := func(id, actor string) ledger.Command {
		return ac("o-"+id, "open_audit", actor, "2025-04-01",
			`{"audit":"`+id+`","kind":"routine","scope":"2025 Q1","from":"2025-01-01","to":"2025-03-31"}`)
	}
	find := func(audit, id, actor string) ledger.Command {
		return ac("f-"+id, "record_finding", actor, "2025-04-05",
			`{"audit":"`+audit+`","finding":"`+id+`","severity":"minor","text":"receipt missing"}`)
	}
	require := func(id, actor string) ledger.Command {
		return ac("r-"+id, "require_rectification", actor, "2025-04-10",
			`{"finding":"`+id+`","deadline":"2025-05-31","action":"file the receipt"}`)
	}
	submit := func(id, actor, date string) ledger.Command {
		return ac("s-"+id+date, "submit_rectification", actor, date,
			`{"finding":"`+id+`","evidence":"receipt filed","documents":["`+digest+`"]}`)
	}
	decide := func(typ, id, date string) ledger.Command {
		return ac(typ+id+date, typ, rv, date, `{"finding":"`+id+`","reason":"checked"}`)
	}
	st.Do(
		open("A1", rv), open("A2", aud), open("A3", rv), open("A4", rv),
		find("A1", "F-none", rv), find("A1", "F-req", rv), find("A1", "F-sub", review2), find("A1", "F-acc", rv),
		find("A1", "F-rej", rv), find("A1", "F-old", rv), find("A2", "F-aud", aud), find("A3", "F-c3", rv),
		find("A4", "F-a4", rv),
		require("F-req", rv), require("F-sub", review2), require("F-acc", rv), require("F-rej", rv),
		require("F-old", rv), require("F-a4", rv),
		submit("F-sub", tr, "2025-04-12"), submit("F-acc", tr, "2025-04-12"), submit("F-rej", ch, "2025-04-12"),
		submit("F-a4", tr, "2025-04-12"),
		decide("accept_rectification", "F-acc", "2025-04-15"), decide("reject_rectification", "F-rej", "2025-04-15"),
		ac("f-new", "record_finding", rv, "2025-04-16",
			`{"audit":"A1","finding":"F-new","severity":"info","text":"corrected: receipt was filed late","supersedes":"F-old"}`),
		ac("c-A3", "close_audit", rv, "2025-04-16", `{"audit":"A3","conclusion":"books in order"}`),
		ac("c-A4", "close_audit", rv, "2025-04-16", `{"audit":"A4","conclusion":"one item open","open_items":"F-a4 awaits review"}`),
	)
	return st
}

func TestDecideAudit(t *testing.T) {
	st := auditState(t)
	const day = "2025-04-20"
	tests := []struct {
		name string
		cmd  ledger.Command
		code ledger.Code
		rule string
		want []events.Payload
	}{
		// open_audit
		{"open by review", ac("x", "open_audit", rv, day, `{"audit":"A9","kind":"routine","scope":"Q1 books","from":"2025-01-01","to":"2025-03-31"}`), "", "",
			[]events.Payload{events.AuditOpened{Audit: "A9", Kind: events.AuditRoutine, Role: events.RoleReview, Scope: "Q1 books", From: "2025-01-01", To: "2025-03-31"}}},
		{"open by auditor", ac("x", "open_audit", aud, day, `{"audit":"A9","kind":"final_accounts","scope":"2024 决算","from":"2024-01-01","to":"2024-12-31"}`), "", "",
			[]events.Payload{events.AuditOpened{Audit: "A9", Kind: events.AuditFinalAccounts, Role: events.RoleAuditor, Scope: "2024 决算", From: "2024-01-01", To: "2024-12-31"}}},
		{"open holding both roles names one", ac("x", "open_audit", reviewAud, day, `{"audit":"A9","kind":"special","role":"auditor","scope":"s","from":"2025-01-01","to":"2025-01-01"}`), "", "",
			[]events.Payload{events.AuditOpened{Audit: "A9", Kind: events.AuditSpecial, Role: events.RoleAuditor, Scope: "s", From: "2025-01-01", To: "2025-01-01"}}},
		{"open holding both roles names none", ac("x", "open_audit", reviewAud, day, `{"audit":"A9","kind":"special","scope":"s","from":"2025-01-01","to":"2025-01-01"}`), ledger.CodeInvalid, "", nil},
		{"open in a role not held", ac("x", "open_audit", rv, day, `{"audit":"A9","kind":"special","role":"auditor","scope":"s","from":"2025-01-01","to":"2025-01-01"}`), ledger.CodeWrongRole, "audit-team", nil},
		{"open by treasurer", ac("x", "open_audit", tr, day, `{"audit":"A9","kind":"routine","scope":"s","from":"2025-01-01","to":"2025-03-31"}`), ledger.CodeWrongRole, "role-required", nil},
		{"open by member", ac("x", "open_audit", ledgertest.Member, day, `{"audit":"A9","kind":"routine","scope":"s","from":"2025-01-01","to":"2025-03-31"}`), ledger.CodeWrongRole, "role-required", nil},
		{"open by reviewer who is treasurer", ac("x", "open_audit", reviewTr, day, `{"audit":"A9","kind":"routine","scope":"s","from":"2025-01-01","to":"2025-03-31"}`), ledger.CodeWrongRole, "audit-independent", nil},
		{"open existing id", ac("x", "open_audit", rv, day, `{"audit":"A1","kind":"routine","scope":"s","from":"2025-01-01","to":"2025-03-31"}`), ledger.CodeStateConflict, "audit-ids", nil},
		{"open unknown kind", ac("x", "open_audit", rv, day, `{"audit":"A9","kind":"casual","scope":"s","from":"2025-01-01","to":"2025-03-31"}`), ledger.CodeInvalid, "", nil},
		{"open period backwards", ac("x", "open_audit", rv, day, `{"audit":"A9","kind":"routine","scope":"s","from":"2025-04-01","to":"2025-03-31"}`), ledger.CodeInvalid, "", nil},
		{"open without scope", ac("x", "open_audit", rv, day, `{"audit":"A9","kind":"routine","scope":" ","from":"2025-01-01","to":"2025-03-31"}`), ledger.CodeInvalid, "", nil},
		{"open bad id", ac("x", "open_audit", rv, day, `{"audit":"A 9","kind":"routine","scope":"s","from":"2025-01-01","to":"2025-03-31"}`), ledger.CodeInvalid, "", nil},

		// record_finding
		{"finding with references", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F9","severity":"major","text":"paid without approval","events":[1,2],"expenses":["e1"],"amount":"100.00"}`), "", "",
			[]events.Payload{events.FindingRecorded{Audit: "A1", Finding: "F9", Severity: events.SeverityMajor, Text: "paid without approval", Events: []uint64{1, 2}, Expenses: []string{"e1"}, Amount: 10000}}},
		{"finding by a colleague of the opener", ac("x", "record_finding", review2, day, `{"audit":"A1","finding":"F9","severity":"info","text":"t"}`), "", "",
			[]events.Payload{events.FindingRecorded{Audit: "A1", Finding: "F9", Severity: events.SeverityInfo, Text: "t"}}},
		{"finding by the other audit role", ac("x", "record_finding", aud, day, `{"audit":"A1","finding":"F9","severity":"info","text":"t"}`), ledger.CodeWrongRole, "audit-team", nil},
		{"finding by review on the auditors' audit", ac("x", "record_finding", rv, day, `{"audit":"A2","finding":"F9","severity":"info","text":"t"}`), ledger.CodeWrongRole, "audit-team", nil},
		{"finding by treasurer", ac("x", "record_finding", tr, day, `{"audit":"A1","finding":"F9","severity":"info","text":"t"}`), ledger.CodeWrongRole, "role-required", nil},
		{"finding by reviewer who is treasurer", ac("x", "record_finding", reviewTr, day, `{"audit":"A1","finding":"F9","severity":"info","text":"t"}`), ledger.CodeWrongRole, "audit-independent", nil},
		{"finding on closed audit", ac("x", "record_finding", rv, day, `{"audit":"A3","finding":"F9","severity":"info","text":"t"}`), ledger.CodeAlreadyDecided, "audit-closed", nil},
		{"finding on unknown audit", ac("x", "record_finding", rv, day, `{"audit":"A0","finding":"F9","severity":"info","text":"t"}`), ledger.CodeUnknownRef, "audit-references", nil},
		{"finding on unknown event", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F9","severity":"info","text":"t","events":[99999]}`), ledger.CodeUnknownRef, "audit-references", nil},
		{"finding on event zero", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F9","severity":"info","text":"t","events":[0]}`), ledger.CodeUnknownRef, "audit-references", nil},
		{"finding on unknown expense", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F9","severity":"info","text":"t","expenses":["e404"]}`), ledger.CodeUnknownRef, "audit-references", nil},
		{"finding lists an event twice", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F9","severity":"info","text":"t","events":[1,1]}`), ledger.CodeInvalid, "", nil},
		{"finding id reused", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F-aud","severity":"info","text":"t"}`), ledger.CodeStateConflict, "audit-ids", nil},
		{"finding unknown severity", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F9","severity":"grave","text":"t"}`), ledger.CodeInvalid, "", nil},
		{"finding without text", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F9","severity":"info","text":""}`), ledger.CodeInvalid, "", nil},
		{"finding amount zero", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F9","severity":"info","text":"t","amount":"0"}`), ledger.CodeInvalidAmount, "money-format", nil},
		{"finding amount as number", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F9","severity":"info","text":"t","amount":12.5}`), ledger.CodeInvalid, "", nil},
		{"finding dated before the audit", ac("x", "record_finding", rv, "2025-03-31", `{"audit":"A1","finding":"F9","severity":"info","text":"t"}`), ledger.CodeInvalid, "audit-dates", nil},
		{"correction supersedes a finding", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F9","severity":"minor","text":"corrected","supersedes":"F-none"}`), "", "",
			[]events.Payload{events.FindingRecorded{Audit: "A1", Finding: "F9", Severity: events.SeverityMinor, Text: "corrected", Supersedes: "F-none"}}},
		{"correction of a superseded finding", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F9","severity":"minor","text":"t","supersedes":"F-old"}`), ledger.CodeStateConflict, "findings-append-only", nil},
		{"correction across audits", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F9","severity":"minor","text":"t","supersedes":"F-aud"}`), ledger.CodeStateConflict, "findings-append-only", nil},
		{"correction of unknown finding", ac("x", "record_finding", rv, day, `{"audit":"A1","finding":"F9","severity":"minor","text":"t","supersedes":"F-0"}`), ledger.CodeUnknownRef, "audit-references", nil},

		// require_rectification
		{"require", ac("x", "require_rectification", review2, day, `{"finding":"F-none","deadline":"2025-06-30","action":"return the money"}`), "", "",
			[]events.Payload{events.RectificationRequired{Audit: "A1", Finding: "F-none", Deadline: "2025-06-30", Action: "return the money"}}},
		{"require deadline on the day", ac("x", "require_rectification", rv, day, `{"finding":"F-none","deadline":"`+day+`","action":"a"}`), ledger.CodeInvalid, "rectification-deadline", nil},
		{"require deadline before", ac("x", "require_rectification", rv, day, `{"finding":"F-none","deadline":"2025-04-01","action":"a"}`), ledger.CodeInvalid, "rectification-deadline", nil},
		{"require bad deadline", ac("x", "require_rectification", rv, day, `{"finding":"F-none","deadline":"2025-06-31","action":"a"}`), ledger.CodeInvalid, "", nil},
		{"require without action", ac("x", "require_rectification", rv, day, `{"finding":"F-none","deadline":"2025-06-30"}`), ledger.CodeInvalid, "", nil},
		{"require twice", ac("x", "require_rectification", rv, day, `{"finding":"F-req","deadline":"2025-06-30","action":"a"}`), ledger.CodeStateConflict, "rectification-flow", nil},
		{"require on unknown finding", ac("x", "require_rectification", rv, day, `{"finding":"F-0","deadline":"2025-06-30","action":"a"}`), ledger.CodeUnknownRef, "audit-references", nil},
		{"require on superseded finding", ac("x", "require_rectification", rv, day, `{"finding":"F-old","deadline":"2025-06-30","action":"a"}`), ledger.CodeStateConflict, "findings-append-only", nil},
		{"require by the other audit role", ac("x", "require_rectification", aud, day, `{"finding":"F-none","deadline":"2025-06-30","action":"a"}`), ledger.CodeWrongRole, "audit-team", nil},
		{"require by chair", ac("x", "require_rectification", ch, day, `{"finding":"F-none","deadline":"2025-06-30","action":"a"}`), ledger.CodeWrongRole, "role-required", nil},
		{"require on closed audit", ac("x", "require_rectification", rv, day, `{"finding":"F-c3","deadline":"2025-06-30","action":"a"}`), ledger.CodeAlreadyDecided, "audit-closed", nil},

		// submit_rectification
		{"submit by treasurer", ac("x", "submit_rectification", tr, day, `{"finding":"F-req","evidence":"receipt filed","documents":["`+digest+`"]}`), "", "",
			[]events.Payload{events.RectificationSubmitted{Audit: "A1", Finding: "F-req", Evidence: "receipt filed", Documents: []string{digest}}}},
		{"submit again after rejection, by chair", ac("x", "submit_rectification", ch, day, `{"finding":"F-rej","evidence":"now signed"}`), "", "",
			[]events.Payload{events.RectificationSubmitted{Audit: "A1", Finding: "F-rej", Evidence: "now signed"}}},
		{"submit by review", ac("x", "submit_rectification", rv, day, `{"finding":"F-req","evidence":"e"}`), ledger.CodeWrongRole, "role-required", nil},
		{"submit by auditor", ac("x", "submit_rectification", aud, day, `{"finding":"F-req","evidence":"e"}`), ledger.CodeWrongRole, "role-required", nil},
		{"submit when nothing was required", ac("x", "submit_rectification", tr, day, `{"finding":"F-none","evidence":"e"}`), ledger.CodeStateConflict, "rectification-flow", nil},
		{"submit while awaiting decision", ac("x", "submit_rectification", tr, day, `{"finding":"F-sub","evidence":"e"}`), ledger.CodeStateConflict, "rectification-flow", nil},
		{"submit after acceptance", ac("x", "submit_rectification", tr, day, `{"finding":"F-acc","evidence":"e"}`), ledger.CodeAlreadyDecided, "rectification-flow", nil},
		{"submit bad digest", ac("x", "submit_rectification", tr, day, `{"finding":"F-req","evidence":"e","documents":["ABC"]}`), ledger.CodeInvalid, "", nil},
		{"submit same document twice", ac("x", "submit_rectification", tr, day, `{"finding":"F-req","evidence":"e","documents":["`+digest+`","`+digest+`"]}`), ledger.CodeInvalid, "", nil},
		{"submit without evidence", ac("x", "submit_rectification", tr, day, `{"finding":"F-req","evidence":""}`), ledger.CodeInvalid, "", nil},
		{"submit on unknown finding", ac("x", "submit_rectification", tr, day, `{"finding":"F-0","evidence":"e"}`), ledger.CodeUnknownRef, "audit-references", nil},
		{"submit dated before the demand", ac("x", "submit_rectification", tr, "2025-04-09", `{"finding":"F-req","evidence":"e"}`), ledger.CodeInvalid, "audit-dates", nil},

		// accept_rectification and reject_rectification
		{"accept", ac("x", "accept_rectification", review2, day, `{"finding":"F-sub","reason":"receipt seen"}`), "", "",
			[]events.Payload{events.RectificationAccepted{Audit: "A1", Finding: "F-sub", Reason: "receipt seen"}}},
		{"reject", ac("x", "reject_rectification", rv, day, `{"finding":"F-sub","reason":"unsigned"}`), "", "",
			[]events.Payload{events.RectificationRejected{Audit: "A1", Finding: "F-sub", Reason: "unsigned"}}},
		{"accept an open item of a closed audit", ac("x", "accept_rectification", rv, day, `{"finding":"F-a4","reason":"done"}`), "", "",
			[]events.Payload{events.RectificationAccepted{Audit: "A4", Finding: "F-a4", Reason: "done"}}},
		{"accept with nothing submitted", ac("x", "accept_rectification", rv, day, `{"finding":"F-req","reason":"r"}`), ledger.CodeStateConflict, "rectification-flow", nil},
		{"reject a rejected one", ac("x", "reject_rectification", rv, day, `{"finding":"F-rej","reason":"r"}`), ledger.CodeStateConflict, "rectification-flow", nil},
		{"accept twice", ac("x", "accept_rectification", rv, day, `{"finding":"F-acc","reason":"r"}`), ledger.CodeAlreadyDecided, "rectification-flow", nil},
		{"reject an accepted one", ac("x", "reject_rectification", rv, day, `{"finding":"F-acc","reason":"r"}`), ledger.CodeAlreadyDecided, "rectification-flow", nil},
		{"accept by treasurer", ac("x", "accept_rectification", tr, day, `{"finding":"F-sub","reason":"r"}`), ledger.CodeWrongRole, "role-required", nil},
		{"accept by the other audit role", ac("x", "accept_rectification", aud, day, `{"finding":"F-sub","reason":"r"}`), ledger.CodeWrongRole, "audit-team", nil},
		{"accept by reviewer who is treasurer", ac("x", "accept_rectification", reviewTr, day, `{"finding":"F-sub","reason":"r"}`), ledger.CodeWrongRole, "audit-independent", nil},
		{"reject without reason", ac("x", "reject_rectification", rv, day, `{"finding":"F-sub"}`), ledger.CodeInvalid, "", nil},
		{"accept dated before the submission", ac("x", "accept_rectification", rv, "2025-04-11", `{"finding":"F-sub","reason":"r"}`), ledger.CodeInvalid, "audit-dates", nil},
		{"accept unknown finding", ac("x", "accept_rectification", rv, day, `{"finding":"F-0","reason":"r"}`), ledger.CodeUnknownRef, "audit-references", nil},

		// close_audit
		{"close with open rectifications", ac("x", "close_audit", rv, day, `{"audit":"A1","conclusion":"c"}`), ledger.CodeStateConflict, "audit-close", nil},
		{"close with an open items note", ac("x", "close_audit", review2, day, `{"audit":"A1","conclusion":"c","open_items":"three items follow in Q3"}`), "", "",
			[]events.Payload{events.AuditClosed{Audit: "A1", Conclusion: "c", OpenItems: "three items follow in Q3", OpenFindings: []string{"F-rej", "F-req", "F-sub"}}}},
		{"close with nothing open", ac("x", "close_audit", aud, day, `{"audit":"A2","conclusion":"no irregularities"}`), "", "",
			[]events.Payload{events.AuditClosed{Audit: "A2", Conclusion: "no irregularities"}}},
		{"close with a note but nothing open", ac("x", "close_audit", aud, day, `{"audit":"A2","conclusion":"c","open_items":"n"}`), ledger.CodeInvalid, "audit-close", nil},
		{"close twice", ac("x", "close_audit", rv, day, `{"audit":"A3","conclusion":"c"}`), ledger.CodeAlreadyDecided, "audit-closed", nil},
		{"close by the other audit role", ac("x", "close_audit", aud, day, `{"audit":"A1","conclusion":"c","open_items":"n"}`), ledger.CodeWrongRole, "audit-team", nil},
		{"close by member", ac("x", "close_audit", ledgertest.Member, day, `{"audit":"A2","conclusion":"c"}`), ledger.CodeWrongRole, "role-required", nil},
		{"close by reviewer who is treasurer", ac("x", "close_audit", reviewTr, day, `{"audit":"A3","conclusion":"c"}`), ledger.CodeWrongRole, "audit-independent", nil},
		{"close without conclusion", ac("x", "close_audit", aud, day, `{"audit":"A2"}`), ledger.CodeInvalid, "", nil},
		{"close unknown audit", ac("x", "close_audit", rv, day, `{"audit":"A0","conclusion":"c"}`), ledger.CodeUnknownRef, "audit-references", nil},
		{"close dated before opening", ac("x", "close_audit", aud, "2025-03-01", `{"audit":"A2","conclusion":"c"}`), ledger.CodeInvalid, "audit-dates", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drafts, err := ledger.Decide(st, tt.cmd)
			if ledgertest.Outcome(t, drafts, err, tt.code, tt.rule) {
				return
			}
			if len(drafts) != len(tt.want) {
				t.Fatalf("drafts = %+v, want %+v", drafts, tt.want)
			}
			for i, d := range drafts {
				if !reflect.DeepEqual(d.Payload, tt.want[i]) || d.Date != tt.cmd.Date {
					t.Fatalf("draft %d = %+v, want %+v", i, d, tt.want[i])
				}
				if len(d.Payload.Postings()) != 0 {
					t.Fatalf("audit event %s posts money", d.Payload.Type())
				}
			}
		})
	}
}

// TestAuditStateAfterSteps checks what the rules read back after each kind
// of step: a superseded finding leaves the audit's open list, acceptance
// removes it, and the next step of a finding cannot predate its last one.
func TestAuditStateAfterSteps(t *testing.T) {
	st := auditState(t)
	a, ok, err := st.Audit("h1", "A1")
	if err != nil || !ok {
		t.Fatalf("A1: %v %v", ok, err)
	}
	if want := []string{"F-rej", "F-req", "F-sub"}; !reflect.DeepEqual(a.Open, want) || a.Closed || a.Role != events.RoleReview {
		t.Fatalf("A1 = %+v, want open %v", a, want)
	}
	for id, want := range map[string]ledger.FindingInfo{
		"F-none": {Audit: "A1", StepDate: "2025-04-05"},
		"F-req":  {Audit: "A1", Rect: ledger.RectRequired, StepDate: "2025-04-10"},
		"F-sub":  {Audit: "A1", Rect: ledger.RectSubmitted, StepDate: "2025-04-12"},
		"F-acc":  {Audit: "A1", Rect: ledger.RectAccepted, StepDate: "2025-04-15"},
		"F-rej":  {Audit: "A1", Rect: ledger.RectRejected, StepDate: "2025-04-15"},
		"F-old":  {Audit: "A1", Rect: ledger.RectRequired, SupersededBy: "F-new", StepDate: "2025-04-10"},
		"F-a4":   {Audit: "A4", Rect: ledger.RectSubmitted, StepDate: "2025-04-12"},
	} {
		got, ok, err := st.Finding("h1", id)
		if err != nil || !ok || got != want {
			t.Errorf("%s = %+v (%v, %v), want %+v", id, got, ok, err, want)
		}
	}
	if a4, _, _ := st.Audit("h1", "A4"); !a4.Closed || !reflect.DeepEqual(a4.Open, []string{"F-a4"}) {
		t.Fatalf("A4 = %+v", a4)
	}
	if ok, _ := st.ExpenseIDKnown("h1", "e1"); !ok {
		t.Fatalf("expense e1 not known")
	}
	// Steps decided in the same group are visible to the next decision.
	st.Do(ac("acc2", "accept_rectification", rv, "2025-04-20", `{"finding":"F-a4","reason":"done"}`))
	if a4, _, _ := st.Audit("h1", "A4"); len(a4.Open) != 0 {
		t.Fatalf("A4 after acceptance = %+v", a4)
	}
}
