package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/unionledger/unionledger/projections"
)

// flagKindTitles names each kind of compliance flag for people, in Chinese
// and English.
var flagKindTitles = map[projections.FlagKind]string{
	projections.FlagSplitExpenses:        "拆分支出 expenses split to stay under the collective-decision threshold",
	projections.FlagBudgetNear:           "预算接近上限 spending at 90% or more of a budget line",
	projections.FlagBudgetAtLine:         "预算已用尽 spending at the whole budget line",
	projections.FlagPayeeIsOfficer:       "经办人/审批人兼收款人 payments to a payee who also requests or approves",
	projections.FlagReversal:             "红字冲销 reversals",
	projections.FlagReceiptGap:           "收据断号 gaps in receipt numbers",
	projections.FlagDuesArrears:          "欠缴会费 dues arrears",
	projections.FlagReliefRecheckOverdue: "帮扶复核逾期 relief files overdue for their six-monthly recheck",
	projections.FlagFindingOverdue:       "整改逾期 findings past their rectification deadline",
}

func runFlags(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("flags", "--org ORG [--kind KIND] [--as-of SEQ|YYYY-MM-DD] [--json]", stderr)
	rf := addReadFlags(fs)
	var kinds []string
	for _, k := range projections.FlagKinds() {
		kinds = append(kinds, string(k))
	}
	kind := fs.String("kind", "", "only flags of this kind: "+strings.Join(kinds, ", "))
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	q, err := rf.query()
	if err != nil {
		return err
	}
	if *kind != "" {
		if !projections.FlagKind(*kind).Valid() {
			return usageError{fmt.Sprintf("--kind %q: give one of %s", *kind, strings.Join(kinds, ", "))}
		}
		q.Set("kind", *kind)
	}
	var rep projections.FlagReport
	if printed, err := rf.get(ctx, "flags", q, stdout, &rep); printed || err != nil {
		return err
	}
	_, err = io.WriteString(stdout, renderFlagReport(rep))
	return err
}

// renderFlagReport writes the flags as text grouped by kind; every kind
// asked for is listed, with "none" when the check found nothing, so the
// reader sees each check was made.
func renderFlagReport(rep projections.FlagReport) string {
	var b strings.Builder
	point := "now"
	switch {
	case rep.AsOfDate != "":
		point = "as of " + rep.AsOfDate
	case rep.AsOfSeq > 0:
		point = fmt.Sprintf("as of seq %d", rep.AsOfSeq)
	}
	fmt.Fprintf(&b, "Compliance flags (合规提示) of %s for the funds-review committee (经审会), %s\n", rep.Org, point)
	fmt.Fprintf(&b, "events through seq %d (head %d), judged on %s: %d flag(s)\n", rep.Through, rep.HeadSeq, rep.JudgedOn, len(rep.Flags))
	byKind := map[projections.FlagKind][]projections.Flag{}
	for _, f := range rep.Flags {
		byKind[f.Kind] = append(byKind[f.Kind], f)
	}
	for _, k := range projections.FlagKinds() {
		if rep.Kind != "" && rep.Kind != k {
			continue
		}
		fs := byKind[k]
		count := "none"
		if len(fs) > 0 {
			count = strconv.Itoa(len(fs))
		}
		fmt.Fprintf(&b, "\n%s — %s: %s\n", k, flagKindTitles[k], count)
		for _, f := range fs {
			raised := "judged on " + f.RaisedDate
			if f.RaisedSeq > 0 {
				raised = fmt.Sprintf("raised by seq %d on %s", f.RaisedSeq, f.RaisedDate)
			}
			fmt.Fprintf(&b, "  %s [%s]  (%s)\n", f.Subject, f.Severity, raised)
			fmt.Fprintf(&b, "      %s\n", f.Reason)
			if f.Amount != 0 || f.Limit != 0 {
				fmt.Fprintf(&b, "      amount %s yuan", f.Amount.Yuan())
				if f.Limit != 0 {
					fmt.Fprintf(&b, ", limit %s yuan", f.Limit.Yuan())
				}
				b.WriteString("\n")
			}
			var evs []string
			for _, e := range f.Events {
				evs = append(evs, fmt.Sprintf("%d %s %s", e.Seq, e.Type, e.Date))
			}
			if len(evs) > 0 {
				fmt.Fprintf(&b, "      events: %s\n", strings.Join(evs, "; "))
			}
		}
	}
	return b.String()
}
