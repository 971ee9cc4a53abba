package node_test

import (
	"context"
	"slices"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

// discRefuse submits c, expects code, and checks that neither the stream's
// last sequence nor the org's head moved: a refused command writes nothing.
func discRefuse(t *testing.T, n *node.Node, c ledger.Command, code ledger.Code) {
	t.Helper()
	ctx := context.Background()
	before, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head, err := n.Store.Head(c.Org)
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.Service.Submit(ctx, c)
	if got := ledger.ErrorCode(err); got != code {
		t.Fatalf("%s %s by %s: got %s (%v), want %s", c.Type, c.ID, c.Actor, got, err, code)
	}
	after, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("%s %s refused but the stream moved from %d to %d", c.Type, c.ID, before, after)
	}
	if h, err := n.Store.Head(c.Org); err != nil || h != head {
		t.Fatalf("%s %s refused but the org head moved: %+v → %+v (%v)", c.Type, c.ID, head, h, err)
	}
}

func discCmd(id, typ, actor, date string, data any) ledger.Command {
	return ledgertest.Cmd(id, typ, "h1", actor, date, data)
}

func discItem(t *testing.T, n *node.Node, id string) projections.DisclosureItem {
	t.Helper()
	it, ok, err := n.Store.DisclosureItem("h1", id)
	if err != nil || !ok {
		t.Fatalf("item %s: ok=%v err=%v", id, ok, err)
	}
	return it
}

// TestDisclosureEndToEnd runs the disclosure board's write side through the
// real append path (embedded NATS, Pebble): draft → approve → publish →
// supersede, a question and its answer, objections during and after a
// relief notice period, the refusals on the way (each leaving the stream
// where it was), the board indexes, and a rebuild from the log that gives
// the same bytes.
func TestDisclosureEndToEnd(t *testing.T) {
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
	welfare := func(headcount int, total string) map[string]any {
		return map[string]any{"round": "2025年春节慰问", "standard": "300", "headcount": headcount, "total": total}
	}
	draft := func(id, item, kind, actor, date string, body any) ledger.Command {
		return discCmd(id, "draft_disclosure", actor, date, map[string]any{"item": item, "kind": kind, "title": "公示 " + item, "body": body})
	}
	item := func(id, typ, it, actor, date string) ledger.Command {
		return discCmd(id, typ, actor, date, map[string]string{"item": it})
	}

	// draft → approve → publish
	submit(t, n, draft("w1", "W1", "welfare_round", tr, "2025-02-01", welfare(120, "36000")))
	if it := discItem(t, n, "W1"); it.State != ledger.ItemDrafted || it.Drafter != tr {
		t.Fatalf("W1 after draft: %+v", it)
	}
	discRefuse(t, n, item("x1", "publish_disclosure", "W1", ch, "2025-02-02"), ledger.CodeNotApproved)
	discRefuse(t, n, item("x2", "approve_disclosure", "W1", tr, "2025-02-02"), ledger.CodeWrongRole)
	submit(t, n, item("w2", "approve_disclosure", "W1", co, "2025-02-02"))
	discRefuse(t, n, item("x3", "approve_disclosure", "W1", ch, "2025-02-02"), ledger.CodeAlreadyDecided)
	discRefuse(t, n, discCmd("x4", "supersede_disclosure", ch, "2025-02-02", map[string]string{"item": "W1", "replaces": "W0", "reason": "r"}), ledger.CodeUnknownRef)
	submit(t, n, item("w3", "publish_disclosure", "W1", ch, "2025-02-03"))
	if it := discItem(t, n, "W1"); it.State != ledger.ItemPublished || it.Approver != co || it.Publisher != ch || it.PublishedOn != "2025-02-03" ||
		it.Body.WelfareRound == nil || it.Body.WelfareRound.Total != 3600000 {
		t.Fatalf("W1 after publish: %+v", it)
	}
	discRefuse(t, n, item("x5", "publish_disclosure", "W1", ch, "2025-02-04"), ledger.CodeAlreadyDecided)

	// the chair's own draft: not approved by the chair; not publishable,
	// not supersedable while unpublished
	submit(t, n, draft("w4", "W2", "welfare_round", ch, "2025-02-05", welfare(121, "36300")))
	discRefuse(t, n, item("x6", "approve_disclosure", "W2", ch, "2025-02-05"), ledger.CodeSelfApproval)
	discRefuse(t, n, item("x7", "publish_disclosure", "W2", ch, "2025-02-05"), ledger.CodeNotApproved)
	discRefuse(t, n, discCmd("x8", "supersede_disclosure", ch, "2025-02-05", map[string]string{"item": "W1", "replaces": "W2", "reason": "r"}), ledger.CodeStateConflict)
	discRefuse(t, n, draft("x9", "W9", "welfare_round", tr, "2025-02-05", map[string]any{"round": "联系13812345678", "standard": "1", "headcount": 1, "total": "1"}), ledger.CodeProhibited)

	// supersede: W2 corrects W1 and says why; both point at each other
	submit(t, n, item("w5", "approve_disclosure", "W2", co, "2025-02-06"))
	submit(t, n, discCmd("w6", "supersede_disclosure", ch, "2025-02-07", map[string]string{"item": "W2", "replaces": "W1", "reason": "人数少算一人"}))
	old, corr := discItem(t, n, "W1"), discItem(t, n, "W2")
	if old.State != ledger.ItemSuperseded || old.SupersededBy != "W2" || old.SupersedeReason != "人数少算一人" || old.SupersededOn != "2025-02-07" {
		t.Fatalf("W1 after supersede: %+v", old)
	}
	if corr.State != ledger.ItemPublished || corr.Supersedes != "W1" || corr.PublishedOn != "2025-02-07" {
		t.Fatalf("W2 after supersede: %+v", corr)
	}
	submit(t, n, draft("w7", "W3", "welfare_round", tr, "2025-02-08", welfare(122, "36600")))
	submit(t, n, item("w8", "approve_disclosure", "W3", co, "2025-02-08"))
	discRefuse(t, n, discCmd("x10", "supersede_disclosure", ch, "2025-02-08", map[string]string{"item": "W3", "replaces": "W1", "reason": "again"}), ledger.CodeAlreadyDecided)

	// a member's question and its public answer
	discRefuse(t, n, discCmd("x11", "ask_question", mb, "2025-02-09", map[string]string{"question": "Q1", "item": "W3", "text": "t"}), ledger.CodeStateConflict)
	submit(t, n, discCmd("q1", "ask_question", mb, "2025-02-09", map[string]string{"question": "Q1", "item": "W2", "text": "为什么改了人数？"}))
	discRefuse(t, n, discCmd("x12", "answer_question", mb, "2025-02-10", map[string]string{"question": "Q1", "answer": "A1", "text": "t"}), ledger.CodeWrongRole)
	submit(t, n, discCmd("q2", "answer_question", ch, "2025-02-10", map[string]string{"question": "Q1", "answer": "A1", "text": "漏计了一名退休会员。"}))
	discRefuse(t, n, discCmd("x13", "answer_question", co, "2025-02-10", map[string]string{"question": "Q1", "answer": "A2", "text": "t"}), ledger.CodeAlreadyDecided)
	qs, err := n.Store.QuestionsOn("h1", "W2")
	if err != nil || len(qs) != 1 || qs[0].ID != "Q1" || qs[0].Answer != "A1" || qs[0].AnswerText != "漏计了一名退休会员。" || qs[0].Asker != mb || qs[0].Answerer != ch {
		t.Fatalf("questions on W2: %+v, %v", qs, err)
	}
	if a := discItem(t, n, "A1"); a.State != ledger.ItemPublished || a.Kind != events.DisclosureAnswer || a.Body.Answer == nil || a.Body.Answer.Question != "Q1" {
		t.Fatalf("answer item: %+v", a)
	}

	// a relief notice from Monday 3 March to Friday 7 March 2025
	relief := map[string]any{"notice_start": "2025-03-03", "notice_end": "2025-03-07", "entries": []map[string]any{
		{"case": "R-1", "name": "张*明", "kind": "hardship", "amount": "2000"}}}
	discRefuse(t, n, draft("x14", "N1", "relief_notice", rl, "2025-03-01", map[string]any{"notice_start": "2025-03-03", "notice_end": "2025-03-06",
		"entries": relief["entries"]}), ledger.CodeNoticePeriod)
	discRefuse(t, n, draft("x15", "N1", "relief_notice", rl, "2025-03-01", map[string]any{"notice_start": "2025-03-03", "notice_end": "2025-03-07",
		"entries": []map[string]any{{"name": "张三明", "kind": "hardship", "amount": "2000"}}}), ledger.CodeProhibited)
	submit(t, n, draft("n1", "N1", "relief_notice", rl, "2025-03-01", relief))
	submit(t, n, item("n2", "approve_disclosure", "N1", co, "2025-03-02"))
	discRefuse(t, n, discCmd("x16", "object_to_notice", mb, "2025-03-03", map[string]string{"objection": "O1", "item": "N1", "text": "t"}), ledger.CodeStateConflict)
	submit(t, n, item("n3", "publish_disclosure", "N1", ch, "2025-03-03"))
	submit(t, n, discCmd("o1", "object_to_notice", mb, "2025-03-05", map[string]string{"objection": "O1", "item": "N1", "text": "其家庭收入情况与公示不符"}))
	discRefuse(t, n, discCmd("x17", "object_to_notice", mb, "2025-03-10", map[string]string{"objection": "O2", "item": "N1", "text": "逾期异议"}), ledger.CodeNoticePeriod)
	if k, err := n.Store.OpenObjections("h1", "N1"); err != nil || k != 1 {
		t.Fatalf("open objections: %d, %v", k, err)
	}
	if err := ledger.CheckReliefNotice(n.Store, "h1", "N1", "2025-03-07"); ledger.ErrorCode(err) != ledger.CodeNoticePeriod {
		t.Fatalf("relief gate during the notice: %v", err)
	}
	if err := ledger.CheckReliefNotice(n.Store, "h1", "N1", "2025-03-10"); ledger.ErrorCode(err) != ledger.CodeNoticePeriod {
		t.Fatalf("relief gate with an objection open: %v", err)
	}
	discRefuse(t, n, discCmd("x18", "resolve_objection", mb, "2025-03-10", map[string]string{"objection": "O1", "outcome": "dismissed", "reason": "r"}), ledger.CodeWrongRole)
	submit(t, n, discCmd("o2", "resolve_objection", co, "2025-03-10", map[string]string{"objection": "O1", "outcome": "dismissed", "reason": "经入户核实，情况属实"}))
	discRefuse(t, n, discCmd("x19", "resolve_objection", ch, "2025-03-10", map[string]string{"objection": "O1", "outcome": "upheld", "reason": "r"}), ledger.CodeAlreadyDecided)
	if err := ledger.CheckReliefNotice(n.Store, "h1", "N1", "2025-03-10"); err != nil {
		t.Fatalf("relief gate after the notice, objections resolved: %v", err)
	}
	objs, err := n.Store.ObjectionsOn("h1", "N1")
	if err != nil || len(objs) != 1 || objs[0].Outcome != events.ObjectionDismissed || objs[0].Resolver != co || objs[0].RaisedOn != "2025-03-05" {
		t.Fatalf("objections on N1: %+v, %v", objs, err)
	}

	// the board: published items by kind and by date, superseded ones kept
	var board []string
	if err := n.Store.PublishedItems("h1", "", "", "", func(it projections.DisclosureItem) bool {
		board = append(board, it.PublishedOn+" "+string(it.Kind)+" "+it.ID+" "+string(it.State))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"2025-02-03 welfare_round W1 superseded",
		"2025-02-07 welfare_round W2 published",
		"2025-02-10 answer A1 published",
		"2025-03-03 relief_notice N1 published",
	}
	if !slices.Equal(board, want) {
		t.Fatalf("board = %q\nwant  %q", board, want)
	}
	var welfareFeb []string
	if err := n.Store.PublishedItems("h1", events.DisclosureWelfareRound, "2025-02-04", "2025-02-28", func(it projections.DisclosureItem) bool {
		welfareFeb = append(welfareFeb, it.ID)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(welfareFeb, []string{"W2"}) {
		t.Fatalf("welfare rounds published 4–28 February: %q", welfareFeb)
	}

	// everything above is derived from the log
	before := dump(t, n)
	n.Close()
	closed = true
	sameDump(t, "disclosure projection rebuilt from the log", before, rebuiltDump(t, dir))
}
