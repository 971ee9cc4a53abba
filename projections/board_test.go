package projections_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

// boardNode is a real node (embedded NATS, Pebble) with union h1 set up.
func boardNode(t *testing.T) (*node.Node, func(cmds ...ledger.Command) []ledger.Result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	submit := func(cmds ...ledger.Command) []ledger.Result {
		t.Helper()
		var out []ledger.Result
		for _, c := range cmds {
			res, err := n.Service.Submit(ctx, c)
			if err != nil {
				t.Fatalf("%s %s: %v", c.Type, c.ID, err)
			}
			out = append(out, res)
		}
		return out
	}
	submit(ledgertest.Setup("h1", "2010")...)
	return n, submit
}

func bc(id, typ, actor, date string, data any) ledger.Command {
	return ledgertest.Cmd(id, typ, "h1", actor, date, data)
}

// section returns the board's items of one kind, by id.
func section(t *testing.T, b projections.Board, kind events.DisclosureKind) map[string]projections.BoardItem {
	t.Helper()
	for _, s := range b.Sections {
		if s.Kind == kind {
			out := map[string]projections.BoardItem{}
			for _, it := range s.Items {
				out[it.ID] = it
			}
			return out
		}
	}
	t.Fatalf("board has no section %s", kind)
	return nil
}

func board(t *testing.T, n *node.Node, at projections.AsOf) projections.Board {
	t.Helper()
	b, err := n.Store.Board("h1", at)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []events.DisclosureKind
	for _, s := range b.Sections {
		kinds = append(kinds, s.Kind)
	}
	if got, want := kinds, events.DisclosureKinds(); len(got) != len(want) || strings.Join(toStrings(got), ",") != strings.Join(toStrings(want), ",") {
		t.Fatalf("sections %v, want every kind in the order %v", got, want)
	}
	return b
}

func toStrings(ks []events.DisclosureKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// TestBoardSupersession publishes a welfare round, a question on it and its
// answer, then a correction that supersedes it. Now the board shows both,
// the old one marked superseded by the new one with the reason and the new
// one saying what it supersedes; as of any point before the correction (by
// sequence or by date) only the old one, unmarked; before the answer, the
// question without it.
func TestBoardSupersession(t *testing.T) {
	tr, ch, co, mb := ledgertest.Treasurer, ledgertest.Chair, ledgertest.Committee, ledgertest.Member
	n, submit := boardNode(t)
	welfare := func(headcount int, total string) map[string]any {
		return map[string]any{"round": "2025年春节慰问", "standard": "300", "headcount": headcount, "total": total}
	}
	draft := func(id, item, date string, body any) ledger.Command {
		return bc(id, "draft_disclosure", tr, date, map[string]any{"item": item, "kind": "welfare_round", "title": "春节慰问公示 " + item, "body": body})
	}
	submit(
		draft("w1-draft", "W1", "2025-02-01", welfare(120, "36000")),
		bc("w1-approve", "approve_disclosure", co, "2025-02-02", map[string]string{"item": "W1"}),
		bc("w1-publish", "publish_disclosure", ch, "2025-02-03", map[string]string{"item": "W1"}),
	)
	asked := submit(bc("q1", "ask_question", mb, "2025-02-04", map[string]string{"question": "Q1", "item": "W1", "text": "人数是怎么统计的？"}))
	submit(bc("a1", "answer_question", ch, "2025-02-05", map[string]string{"question": "Q1", "answer": "A1", "text": "按在册会员统计。"}))
	submit(
		draft("w2-draft", "W2", "2025-02-10", welfare(118, "35400")),
		bc("w2-approve", "approve_disclosure", co, "2025-02-10", map[string]string{"item": "W2"}),
	)
	res := submit(bc("w2-supersede", "supersede_disclosure", ch, "2025-02-11", map[string]string{"item": "W2", "replaces": "W1", "reason": "两名会员重复统计"}))
	corrSeq := res[0].Events[0].Seq

	// Now: both, pointing at each other.
	now := board(t, n, projections.AsOf{})
	items := section(t, now, events.DisclosureWelfareRound)
	w1, w2 := items["W1"], items["W2"]
	if len(items) != 2 || w1.ID == "" || w2.ID == "" {
		t.Fatalf("welfare section %+v, want W1 and W2", items)
	}
	if s := w1.SupersededBy; s == nil || s.Item != "W2" || s.On != "2025-02-11" || s.Reason != "两名会员重复统计" {
		t.Fatalf("W1 superseded_by = %+v", w1.SupersededBy)
	}
	if s := w2.Supersedes; s == nil || s.Item != "W1" || s.On != "2025-02-11" || s.Reason != "两名会员重复统计" {
		t.Fatalf("W2 supersedes = %+v", w2.Supersedes)
	}
	if w2.SupersededBy != nil || w1.Supersedes != nil {
		t.Fatalf("links the wrong way: %+v %+v", w1, w2)
	}
	if r := w1.Body.WelfareRound; r == nil || r.Headcount != 120 || r.TotalFen != 3600000 || r.Total != "36000.00" || r.Standard != "300.00" {
		t.Fatalf("W1 body %+v", w1.Body)
	}
	if r := w2.Body.WelfareRound; r == nil || r.Headcount != 118 || r.Total != "35400.00" {
		t.Fatalf("W2 body %+v", w2.Body)
	}
	if len(w1.Questions) != 1 || w1.Questions[0].AskedBy != projections.AMember || w1.Questions[0].Text != "人数是怎么统计的？" ||
		w1.Questions[0].Answer == nil || w1.Questions[0].Answer.Text != "按在册会员统计。" || w1.Questions[0].Answer.Item != "A1" {
		t.Fatalf("W1 questions %+v", w1.Questions)
	}
	answers := section(t, now, events.DisclosureAnswer)
	if a := answers["A1"].Body.Answer; len(answers) != 1 || a == nil || a.QuestionText != "人数是怎么统计的？" || a.Text != "按在册会员统计。" || a.Item != "W1" {
		t.Fatalf("answers %+v", answers)
	}
	raw, err := json.Marshal(now)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), mb) {
		t.Fatalf("the board names the asker %s: %s", mb, raw)
	}

	// Before the correction, by sequence and by date: W1 alone, unmarked.
	for _, at := range []projections.AsOf{{Seq: corrSeq - 1}, {Date: "2025-02-10"}} {
		items := section(t, board(t, n, at), events.DisclosureWelfareRound)
		if len(items) != 1 || items["W1"].SupersededBy != nil {
			t.Fatalf("as of %+v: welfare section %+v, want W1 alone, unmarked", at, items)
		}
	}
	// Before the answer: the question, unanswered, and no answer item.
	for _, at := range []projections.AsOf{{Seq: asked[0].Events[0].Seq}, {Date: "2025-02-04"}} {
		b := board(t, n, at)
		qs := section(t, b, events.DisclosureWelfareRound)["W1"].Questions
		if len(qs) != 1 || qs[0].Answer != nil {
			t.Fatalf("as of %+v: questions %+v, want one, unanswered", at, qs)
		}
		if a := section(t, b, events.DisclosureAnswer); len(a) != 0 {
			t.Fatalf("as of %+v: answers %+v, want none", at, a)
		}
	}
	// Before the publication: nothing.
	if items := section(t, board(t, n, projections.AsOf{Date: "2025-02-02"}), events.DisclosureWelfareRound); len(items) != 0 {
		t.Fatalf("as of 2025-02-02: %+v, want nothing published", items)
	}
}

// TestBoardReliefObjections: a relief notice shows masked names, kinds and
// amounts, and its objections only as counts, open until resolved as of
// the point asked for; objection texts and reasons are not on the board.
func TestBoardReliefObjections(t *testing.T) {
	rl, ch, co, mb := ledgertest.Relief, ledgertest.Chair, ledgertest.Committee, ledgertest.Member
	n, submit := boardNode(t)
	submit(
		bc("n1-draft", "draft_disclosure", rl, "2025-03-01", map[string]any{"item": "N1", "kind": "relief_notice", "title": "帮扶公示",
			"body": map[string]any{"notice_start": "2025-03-03", "notice_end": "2025-03-07", "entries": []map[string]any{
				{"case": "R-1", "name": "张*明", "kind": "hardship", "amount": "2000"},
				{"name": "李*", "kind": "medical", "amount": "800.50"}}}}),
		bc("n1-approve", "approve_disclosure", co, "2025-03-02", map[string]string{"item": "N1"}),
		bc("n1-publish", "publish_disclosure", ch, "2025-03-03", map[string]string{"item": "N1"}),
	)
	raised := submit(bc("o1", "object_to_notice", mb, "2025-03-04", map[string]string{"objection": "O1", "item": "N1", "text": "异议文字不公开"}))
	submit(bc("o1-resolve", "resolve_objection", co, "2025-03-10", map[string]string{"objection": "O1", "outcome": "dismissed", "reason": "处理理由不公开"}))

	for _, tt := range []struct {
		at   projections.AsOf
		want projections.BoardObjections
	}{
		{projections.AsOf{Date: "2025-03-03"}, projections.BoardObjections{}},
		{projections.AsOf{Seq: raised[0].Events[0].Seq}, projections.BoardObjections{Raised: 1, Open: 1}},
		{projections.AsOf{Date: "2025-03-09"}, projections.BoardObjections{Raised: 1, Open: 1}},
		{projections.AsOf{}, projections.BoardObjections{Raised: 1, Dismissed: 1}},
	} {
		b := board(t, n, tt.at)
		it := section(t, b, events.DisclosureReliefNotice)["N1"]
		if it.Objections == nil || *it.Objections != tt.want {
			t.Fatalf("as of %+v: objections %+v, want %+v", tt.at, it.Objections, tt.want)
		}
		rn := it.Body.ReliefNotice
		want := []projections.BoardReliefEntry{
			{Name: "张*明", Kind: events.ReliefHardship, KindZH: "困难帮扶", AmountFen: 200000, Amount: "2000.00"},
			{Name: "李*", Kind: events.ReliefMedical, KindZH: "医疗救助", AmountFen: 80050, Amount: "800.50"},
		}
		if rn == nil || len(rn.Entries) != 2 || rn.Entries[0] != want[0] || rn.Entries[1] != want[1] || rn.Total != "2800.50" {
			t.Fatalf("relief roster %+v", rn)
		}
		raw, _ := json.Marshal(b)
		for _, secret := range []string{"异议文字不公开", "处理理由不公开", "R-1", mb} {
			if strings.Contains(string(raw), secret) {
				t.Fatalf("as of %+v: the board shows %q: %s", tt.at, secret, raw)
			}
		}
	}
}

// TestPostedBetween checks the bucketed period sums against balances as of
// dates (one reverse fold each) over postings spread across days, months
// and years, for periods cut every way.
func TestPostedBetween(t *testing.T) {
	n, submit := boardNode(t)
	dates := []string{"2025-01-01", "2025-01-31", "2025-02-01", "2025-02-28", "2025-06-15", "2025-12-31", "2026-01-01", "2026-03-02"}
	for i, d := range dates {
		submit(ledgertest.Dues("h1", "d"+d, d, ledgertest.Member, "1"+strings.Repeat("0", i)+".00", "B"+d[:4], d))
	}
	day := func(d string, delta int) string {
		t0, _ := time.Parse(time.DateOnly, d)
		return t0.AddDate(0, 0, delta).Format(time.DateOnly)
	}
	periods := [][2]string{
		{"2025-01-01", "2025-12-31"}, {"2025-01-01", "2026-12-31"}, {"2024-12-31", "2026-01-01"}, {"2025-01-31", "2025-02-01"},
		{"2025-02-01", "2025-02-28"}, {"2025-01-02", "2025-12-30"}, {"2025-03-01", "2025-05-31"}, {"2025-06-15", "2025-06-15"},
		{"2025-12-31", "2026-03-02"}, {"2024-01-01", "2024-12-31"}, {"2025-07-01", "2025-12-31"},
	}
	for _, p := range periods {
		got, err := n.Store.PostedBetween("h1", events.AcctDues, p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		to, err := n.Store.BalanceAsOf("h1", events.AcctDues, projections.AsOf{Date: p[1]})
		if err != nil {
			t.Fatal(err)
		}
		before, err := n.Store.BalanceAsOf("h1", events.AcctDues, projections.AsOf{Date: day(p[0], -1)})
		if err != nil {
			t.Fatal(err)
		}
		if got != to-before {
			t.Errorf("%s to %s: PostedBetween %s, balances say %s", p[0], p[1], got.Yuan(), (to - before).Yuan())
		}
		if got == 0 && p[0] != "2024-01-01" && p[0] != "2025-03-01" && p[0] != "2025-07-01" {
			t.Errorf("%s to %s: nothing posted, the period holds dues", p[0], p[1])
		}
	}
}

// TestPeriodSummaryOnTheBoard runs a summary through the real append path:
// lines typed in that disagree with the books are refused and nothing is
// appended; drafted without lines, the ledger records the books' figures
// in the event; the committee approves, the chair publishes, and the
// board shows the figures with the chart's account names.
func TestPeriodSummaryOnTheBoard(t *testing.T) {
	tr, ch, co := ledgertest.Treasurer, ledgertest.Chair, ledgertest.Committee
	n, submit := boardNode(t)
	submit(ledgertest.Dues("h1", "d1", "2025-02-10", ledgertest.Member, "1200.00", "B", "1"))
	submit(ledgertest.Pay("h1", "E1", "2025-03-15", "50102", "800.00", "市体育中心", "职工运动会场地")...)
	draft := func(id string, body map[string]any) ledger.Command {
		return bc(id, "draft_disclosure", tr, "2025-04-08", map[string]any{"item": "S1", "kind": "period_summary", "title": "一季度收支", "body": body})
	}
	ctx := context.Background()
	last, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.Service.Submit(ctx, draft("s1-typed", map[string]any{"from": "2025-01-01", "to": "2025-03-31",
		"lines": []map[string]string{{"account": "401", "amount": "1000.00"}, {"account": "501", "amount": "800.00"}}}))
	var e *ledger.Error
	if !errors.As(err, &e) || e.Code != ledger.CodeInvalid || e.Rule != "disclosure-summary-matches-books" {
		t.Fatalf("typed lines that disagree with the books: %v", err)
	}
	if now, err := n.Log.LastSeq(ctx); err != nil || now != last {
		t.Fatalf("a refused summary moved the stream from %d to %d (%v)", last, now, err)
	}
	res := submit(draft("s1", map[string]any{"from": "2025-01-01", "to": "2025-03-31"}))
	st, ok, err := n.Store.Event("h1", res[0].Events[0].Seq)
	if err != nil || !ok {
		t.Fatalf("event: %v %v", ok, err)
	}
	env, err := events.Decode(st.Data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := events.DecodePayload(env)
	if err != nil {
		t.Fatal(err)
	}
	lines := p.(events.DisclosureDrafted).Body.PeriodSummary.Lines
	got := map[string]events.Fen{}
	for _, l := range lines {
		got[l.Account] = l.Amount
	}
	if got["401"] != 120000 || got["501"] != 80000 || got["50102"] != 80000 || len(lines) != 17 {
		t.Fatalf("the event records %+v", lines)
	}
	submit(
		bc("s1-approve", "approve_disclosure", co, "2025-04-08", map[string]string{"item": "S1"}),
		bc("s1-publish", "publish_disclosure", ch, "2025-04-09", map[string]string{"item": "S1"}),
	)
	it := section(t, board(t, n, projections.AsOf{}), events.DisclosurePeriodSummary)["S1"]
	s := it.Body.PeriodSummary
	if s == nil || it.PublishedOn != "2025-04-09" || it.ApprovedOn != "2025-04-08" || len(s.Lines) != len(lines) ||
		s.Lines[0] != (projections.BoardSummaryLine{BoardAccount: projections.BoardAccount{Account: "401", NameZH: "会费收入", NameEN: "Membership dues income"}, AmountFen: 120000, Amount: "1200.00"}) {
		t.Fatalf("board item %+v, summary %+v", it, s)
	}
	if items := section(t, board(t, n, projections.AsOf{Date: "2025-04-08"}), events.DisclosurePeriodSummary); len(items) != 0 {
		t.Fatalf("as of the day before publication: %+v", items)
	}
}
