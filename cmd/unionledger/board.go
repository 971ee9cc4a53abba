package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/projections"
)

func runBoard(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("board", "--org ORG [--as-of SEQ|YYYY-MM-DD] [--json]", stderr)
	rf := addReadFlags(fs)
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	q, err := rf.query()
	if err != nil {
		return err
	}
	var b projections.Board
	if printed, err := rf.get(ctx, "board", q, stdout, &b); printed || err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	writeBoard(w, b)
	return w.Flush()
}

// writeBoard renders the board as text: English headings with the Chinese
// terms beside, amounts in yuan, newest facts of each item under it.
func writeBoard(w io.Writer, b projections.Board) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("Disclosure board 会务公开: %s (%s)\n", b.Name, b.Org)
	switch {
	case b.AsOfSeq > 0:
		p("As of org sequence %d", b.AsOfSeq)
	case b.AsOfDate != "":
		p("As of %s", b.AsOfDate)
	default:
		p("Now (head seq %d)", b.HeadSeq)
	}
	p("; accounts as in chart 科目表 %s\n", b.Chart)
	for _, sec := range b.Sections {
		p("\n== %s %s (%d) ==\n", sec.NameEN, sec.NameZH, len(sec.Items))
		if len(sec.Items) == 0 {
			p("  (none 无)\n")
		}
		for _, it := range sec.Items {
			writeBoardItem(w, it)
		}
	}
}

func writeBoardItem(w io.Writer, it projections.BoardItem) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	title := it.Title
	if title == "" && it.Kind == events.DisclosureAnswer {
		title = "Answer to a member's question 答复"
	}
	p("\n[%s] %s\n", it.ID, title)
	p("  published 公开 %s (seq %d", it.PublishedOn, it.PublishedSeq)
	if it.ApprovedOn != "" {
		p("; approved 审核 %s", it.ApprovedOn)
	}
	p("; drafted at seq %d)\n", it.DraftSeq)
	if s := it.SupersededBy; s != nil {
		p("  SUPERSEDED 已被更正: superseded by %s on %s, because: %s\n", s.Item, s.On, s.Reason)
	}
	if s := it.Supersedes; s != nil {
		p("  Correction 更正: supersedes %s on %s, because: %s\n", s.Item, s.On, s.Reason)
	}
	writeBoardBody(w, it.Body)
	if o := it.Objections; o != nil {
		p("  Objections 异议: %d raised, %d open, %d upheld 成立, %d dismissed 不成立\n", o.Raised, o.Open, o.Upheld, o.Dismissed)
	}
	for _, q := range it.Questions {
		p("  Question 提问 %s, by %s (会员) on %s:\n", q.ID, q.AskedBy, q.AskedOn)
		p("    %s\n", q.Text)
		if a := q.Answer; a != nil {
			p("    Answer 答复 %s on %s:\n", a.Item, a.AnsweredOn)
			p("    %s\n", a.Text)
			if a.SupersededBy != "" {
				p("    (answer corrected by 已更正为 %s)\n", a.SupersededBy)
			}
		} else {
			p("    (not answered yet 待答复)\n")
		}
	}
}

func writeBoardBody(w io.Writer, b projections.BoardBody) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	switch {
	case b.PeriodSummary != nil:
		s := b.PeriodSummary
		p("  Period 期间: %s to %s\n", s.From, s.To)
		p("  %-8s %16s  %s\n", "account", "amount (yuan)", "name 科目")
		for _, l := range s.Lines {
			p("  %-8s %16s  %s %s\n", l.Account, l.Amount, l.NameZH, l.NameEN)
		}
		if s.Note != "" {
			p("  Note 说明: %s\n", s.Note)
		}
	case b.BudgetFinal != nil:
		f := b.BudgetFinal
		p("  Year 年度: %s\n", f.Year)
		p("  %-8s %16s %16s  %s\n", "account", "budget 预算", "actual 决算", "name 科目")
		for _, l := range f.Lines {
			p("  %-8s %16s %16s  %s %s\n", l.Account, l.Budget, l.Actual, l.NameZH, l.NameEN)
		}
		p("  Funds-review committee's opinion 经审会意见 (%s): %s\n", f.ReviewedOn, f.ReviewOpinion)
	case b.WelfareRound != nil:
		r := b.WelfareRound
		p("  Round 发放: %s\n", r.Round)
		p("  standard 标准 %s × headcount 人数 %d = total 合计 %s yuan\n", r.Standard, r.Headcount, r.Total)
	case b.ReliefNotice != nil:
		n := b.ReliefNotice
		p("  Notice period 公示期: %s to %s\n", n.NoticeStart, n.NoticeEnd)
		p("  %16s  %s\n", "amount (yuan)", "name 姓名 (masked), kind 类别")
		for _, e := range n.Entries {
			p("  %16s  %s  %s %s\n", e.Amount, e.Name, e.Kind, e.KindZH)
		}
		p("  %16s  total 合计\n", n.Total)
	case b.LargeExpense != nil:
		e := b.LargeExpense
		p("  Purpose 用途: %s\n", e.Purpose)
		p("  Payee 收款单位: %s\n", e.Payee)
		p("  Amount 金额: %s yuan\n", e.Amount)
		p("  Collective decision 集体研究 %s; chair's signature 主席签批 %s", e.DecidedOn, e.SignedOn)
		if e.Expense != "" {
			p("; expense 支出 %s", e.Expense)
		}
		p("\n")
	case b.AuditFindings != nil:
		a := b.AuditFindings
		if a.Audit != "" {
			p("  Audit 审计: %s\n", a.Audit)
		}
		p("  Scope 范围: %s\n", a.Scope)
		for _, f := range a.Findings {
			p("  - [%s %s] %s\n", f.Rectification, f.RectificationZH, f.Finding)
			if f.Detail != "" {
				p("    %s\n", strings.TrimSpace(f.Detail))
			}
		}
	case b.Answer != nil:
		a := b.Answer
		p("  In answer to question 问题 %s on item %s, asked by a member (会员):\n", a.Question, a.Item)
		p("    %s\n", a.QuestionText)
		p("  Answer 答复:\n    %s\n", a.Text)
	}
}
