package node_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
)

// acmd is a command of union h1 with raw JSON data.
func acmd(id, typ, actor, date, data string) ledger.Command {
	return ledger.Command{ID: id, Type: typ, Org: "h1", Actor: actor, Date: date, Data: json.RawMessage(data)}
}

// refuse submits c, expects code, and checks that the org's log did not
// move: a refused command writes nothing.
func refuse(t *testing.T, n *node.Node, c ledger.Command, code ledger.Code) {
	t.Helper()
	before, err := n.Store.Head(c.Org)
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.Service.Submit(context.Background(), c)
	if got := ledger.ErrorCode(err); got != code {
		t.Fatalf("%s by %s: got %s (%v), want %s", c.Type, c.Actor, got, err, code)
	}
	after, err := n.Store.Head(c.Org)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("%s refused but the log moved: head %+v → %+v", c.Type, before, after)
	}
}

// TestAuditEndToEnd runs a whole audit through the real append path: open,
// two findings, one rectified and accepted, the other rejected once and
// then accepted, a refused early close, the close; then checks the audit
// projection, the overdue query at several dates, and that a rebuild from
// the log gives the same bytes.
func TestAuditEndToEnd(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	closed := false
	defer func() {
		if !closed {
			n.Close()
		}
	}()
	setup(t, n, "h1")
	submit(t, n, ledgertest.Dues("h1", "d1", "2025-01-05", "m1", "500.00", "B1", "1"))
	var paid ledger.Result
	for _, c := range ledgertest.Pay("h1", "e1", "2025-02-10", "50102", "100.00", "体育用品店", "篮球") {
		paid = submit(t, n, c)
	}
	paySeq := paid.Events[len(paid.Events)-1].Seq
	rv, rv2, tr, ch := ledgertest.Review, "p-review2", ledgertest.Treasurer, ledgertest.Chair
	adm := ledgertest.Admin
	submit(t, n, acmd("p1", "register_person", adm, "2025-01-01", `{"person":"p-review2"}`))
	submit(t, n, acmd("p2", "grant_role", adm, "2025-01-01", `{"person":"p-review2","role":"review"}`))

	steps := []ledger.Command{
		acmd("a1", "open_audit", rv, "2025-04-01", `{"audit":"A1","kind":"routine","scope":"2025 Q1 accounts","from":"2025-01-01","to":"2025-03-31"}`),
		acmd("a2", "record_finding", rv, "2025-04-05", `{"audit":"A1","finding":"F1","severity":"major","text":"paid without the chair's approval","events":[`+strconv.FormatUint(paySeq, 10)+`],"expenses":["e1"],"amount":"100.00"}`),
		acmd("a3", "record_finding", rv2, "2025-04-05", `{"audit":"A1","finding":"F2","severity":"minor","text":"receipt not filed"}`),
		acmd("a4", "require_rectification", rv, "2025-04-06", `{"finding":"F1","deadline":"2025-05-31","action":"obtain the approval or recover the money"}`),
		acmd("a5", "require_rectification", rv2, "2025-04-06", `{"finding":"F2","deadline":"2025-05-15","action":"file the receipt"}`),
		acmd("a6", "submit_rectification", tr, "2025-05-08", `{"finding":"F1","evidence":"approval signed after the fact","documents":["`+strings.Repeat("1f", 32)+`"]}`),
		acmd("a7", "accept_rectification", rv2, "2025-05-10", `{"finding":"F1","reason":"approval seen"}`),
		acmd("a8", "submit_rectification", ch, "2025-05-12", `{"finding":"F2","evidence":"receipt photo"}`),
		acmd("a9", "reject_rectification", rv, "2025-05-14", `{"finding":"F2","reason":"a photo is not the original"}`),
	}
	for _, c := range steps {
		submit(t, n, c)
	}
	// F2 is rejected, so the audit cannot close without an open-items note.
	refuse(t, n, acmd("a10", "close_audit", rv, "2025-05-20", `{"audit":"A1","conclusion":"books in order"}`), ledger.CodeStateConflict)
	submit(t, n, acmd("a11", "submit_rectification", tr, "2025-05-22", `{"finding":"F2","evidence":"original receipt filed"}`))
	submit(t, n, acmd("a12", "accept_rectification", rv, "2025-05-25", `{"finding":"F2","reason":"original seen"}`))
	res := submit(t, n, acmd("a13", "close_audit", rv2, "2025-05-26", `{"audit":"A1","conclusion":"books in order after rectification"}`))
	if len(res.Events) != 1 || res.Events[0].Type != "audit_closed" {
		t.Fatalf("close: %+v", res)
	}
	refuse(t, n, acmd("a14", "record_finding", rv, "2025-05-27", `{"audit":"A1","finding":"F3","severity":"info","text":"late remark"}`), ledger.CodeAlreadyDecided)

	a, ok, err := n.Store.AuditByID("h1", "A1")
	if err != nil || !ok {
		t.Fatalf("audit A1: %v %v", ok, err)
	}
	if !a.Closed() || a.Findings != 2 || len(a.Open) != 0 || a.Conclusion != "books in order after rectification" || a.By != rv {
		t.Fatalf("audit A1 = %+v", a)
	}
	if all, err := n.Store.Audits("h1"); err != nil || len(all) != 1 || all[0].ID != "A1" {
		t.Fatalf("audits = %+v, %v", all, err)
	}
	fs, err := n.Store.Findings("h1", "A1")
	if err != nil || len(fs) != 2 {
		t.Fatalf("findings = %+v, %v", fs, err)
	}
	f1, f2 := fs[0], fs[1]
	if f1.ID != "F1" || f1.Rect != ledger.RectAccepted || f1.Submissions != 1 || f1.Rejections != 0 ||
		f1.AcceptedDate != "2025-05-10" || f1.Amount != 10000 || !reflect.DeepEqual(f1.Events, []uint64{paySeq}) ||
		!reflect.DeepEqual(f1.Expenses, []string{"e1"}) || len(f1.Documents) != 1 {
		t.Fatalf("F1 = %+v", f1)
	}
	if f2.ID != "F2" || f2.Rect != ledger.RectAccepted || f2.Submissions != 2 || f2.Rejections != 1 ||
		f2.AcceptedDate != "2025-05-25" || f2.Reason != "original seen" || f2.By != rv2 {
		t.Fatalf("F2 = %+v", f2)
	}

	// Overdue as of a date: required by then, deadline before it, not
	// accepted by then. F2 (deadline 05-15) was accepted on 05-25; F1
	// (deadline 05-31) on 05-10.
	for _, tc := range []struct {
		date string
		want []string
	}{
		{"2025-04-30", nil},
		{"2025-05-15", nil}, // the deadline day itself is not late
		{"2025-05-16", []string{"F2"}},
		{"2025-05-24", []string{"F2"}},
		{"2025-05-25", nil},
		{"2025-06-30", nil},
	} {
		got, err := n.Store.FindingsOverdue("h1", tc.date)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, f := range got {
			ids = append(ids, f.ID)
		}
		if !reflect.DeepEqual(ids, tc.want) {
			t.Errorf("overdue as of %s = %v, want %v", tc.date, ids, tc.want)
		}
	}
	if _, err := n.Store.FindingsOverdue("h1", "2025-13-01"); ledger.ErrorCode(err) != ledger.CodeInvalid {
		t.Errorf("overdue with a bad date: %v", err)
	}

	// Every step of the audit is on the audit's aggregate, none posts money.
	var types []string
	if err := n.Store.Events("h1", 0, 0, func(_ uint64, st events.Stored) bool {
		env, err := events.Decode(st.Data)
		if err != nil {
			t.Fatal(err)
		}
		if env.Aggregate == "audit:A1" {
			types = append(types, env.Type)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"audit_opened", "finding_recorded", "finding_recorded", "rectification_required", "rectification_required",
		"rectification_submitted", "rectification_accepted", "rectification_submitted", "rectification_rejected",
		"rectification_submitted", "rectification_accepted", "audit_closed"}
	if !reflect.DeepEqual(types, want) {
		t.Fatalf("audit trail = %v, want %v", types, want)
	}

	before := dump(t, n)
	n.Close()
	closed = true
	sameDump(t, "audit projection rebuilt from the log", before, rebuiltDump(t, dir))
}

// TestAuditRefusalsChangeNothing: who may not act on an audit is refused
// through the real append path, with a stable code, and the org's last
// sequence stays where it was.
func TestAuditRefusalsChangeNothing(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	setup(t, n, "h1")
	rv, aud, tr, ch := ledgertest.Review, ledgertest.Auditor, ledgertest.Treasurer, ledgertest.Chair
	adm := ledgertest.Admin
	for _, c := range []ledger.Command{
		acmd("p1", "register_person", adm, "2025-01-01", `{"person":"p-rt"}`),
		acmd("p2", "grant_role", adm, "2025-01-01", `{"person":"p-rt","role":"review"}`),
		acmd("p3", "grant_role", adm, "2025-01-01", `{"person":"p-rt","role":"treasurer"}`),
		acmd("a1", "open_audit", rv, "2025-04-01", `{"audit":"A1","kind":"special","scope":"welfare round","from":"2025-01-01","to":"2025-03-31"}`),
		acmd("a2", "record_finding", rv, "2025-04-02", `{"audit":"A1","finding":"F1","severity":"minor","text":"roster unsigned"}`),
		acmd("a3", "require_rectification", rv, "2025-04-02", `{"finding":"F1","deadline":"2025-05-01","action":"sign the roster"}`),
		acmd("a4", "submit_rectification", tr, "2025-04-03", `{"finding":"F1","evidence":"signed"}`),
		acmd("a5", "record_finding", rv, "2025-04-03", `{"audit":"A1","finding":"F2","severity":"info","text":"minutes late"}`),
	} {
		submit(t, n, c)
	}
	for _, tc := range []struct {
		name string
		cmd  ledger.Command
		code ledger.Code
	}{
		{"treasurer opens", acmd("x1", "open_audit", tr, "2025-04-05", `{"audit":"A2","kind":"routine","scope":"s","from":"2025-01-01","to":"2025-03-31"}`), ledger.CodeWrongRole},
		{"member opens", acmd("x2", "open_audit", ledgertest.Member, "2025-04-05", `{"audit":"A2","kind":"routine","scope":"s","from":"2025-01-01","to":"2025-03-31"}`), ledger.CodeWrongRole},
		{"reviewer who is treasurer opens", acmd("x3", "open_audit", "p-rt", "2025-04-05", `{"audit":"A2","kind":"routine","scope":"s","from":"2025-01-01","to":"2025-03-31"}`), ledger.CodeWrongRole},
		{"auditor records on the committee's audit", acmd("x4", "record_finding", aud, "2025-04-05", `{"audit":"A1","finding":"F3","severity":"info","text":"t"}`), ledger.CodeWrongRole},
		{"chair records", acmd("x5", "record_finding", ch, "2025-04-05", `{"audit":"A1","finding":"F3","severity":"info","text":"t"}`), ledger.CodeWrongRole},
		{"chair demands", acmd("x6", "require_rectification", ch, "2025-04-05", `{"finding":"F1","deadline":"2025-05-01","action":"a"}`), ledger.CodeWrongRole},
		{"reviewer submits evidence", acmd("x7", "submit_rectification", rv, "2025-04-05", `{"finding":"F1","evidence":"e"}`), ledger.CodeWrongRole},
		{"treasurer accepts own evidence", acmd("x8", "accept_rectification", tr, "2025-04-05", `{"finding":"F1","reason":"r"}`), ledger.CodeWrongRole},
		{"reviewer who is treasurer accepts", acmd("x9", "accept_rectification", "p-rt", "2025-04-05", `{"finding":"F1","reason":"r"}`), ledger.CodeWrongRole},
		{"chair rejects", acmd("x10", "reject_rectification", ch, "2025-04-05", `{"finding":"F1","reason":"r"}`), ledger.CodeWrongRole},
		{"auditor closes the committee's audit", acmd("x11", "close_audit", aud, "2025-04-05", `{"audit":"A1","conclusion":"c","open_items":"n"}`), ledger.CodeWrongRole},
		{"member closes", acmd("x12", "close_audit", ledgertest.Member, "2025-04-05", `{"audit":"A1","conclusion":"c"}`), ledger.CodeWrongRole},
		{"finding on unknown audit", acmd("x13", "record_finding", rv, "2025-04-05", `{"audit":"A9","finding":"F3","severity":"info","text":"t"}`), ledger.CodeUnknownRef},
		{"finding on unknown event", acmd("x14", "record_finding", rv, "2025-04-05", `{"audit":"A1","finding":"F3","severity":"info","text":"t","events":[9999]}`), ledger.CodeUnknownRef},
		{"deadline not after the demand", acmd("x15", "require_rectification", rv, "2025-04-05", `{"finding":"F2","deadline":"2025-04-05","action":"a"}`), ledger.CodeInvalid},
		{"finding already recorded", acmd("x17", "record_finding", rv, "2025-04-05", `{"audit":"A1","finding":"F2","severity":"info","text":"t"}`), ledger.CodeStateConflict},
		{"close with a submission pending", acmd("x16", "close_audit", rv, "2025-04-05", `{"audit":"A1","conclusion":"c"}`), ledger.CodeStateConflict},
	} {
		t.Run(tc.name, func(t *testing.T) { refuse(t, n, tc.cmd, tc.code) })
	}
	// The same steps by the right people go through.
	submit(t, n, acmd("ok1", "accept_rectification", rv, "2025-04-05", `{"finding":"F1","reason":"signed roster seen"}`))
	submit(t, n, acmd("ok2", "close_audit", rv, "2025-04-06", `{"audit":"A1","conclusion":"done"}`))
	if a, _, err := n.Store.AuditByID("h1", "A1"); err != nil || !a.Closed() {
		t.Fatalf("A1 = %+v, %v", a, err)
	}
}
