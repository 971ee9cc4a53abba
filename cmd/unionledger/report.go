package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
	"github.com/unionledger/unionledger/projections"
)

const reportUsage = `statement|balance-sheet|budget|welfare --org ORG [flags]

Reports:
  statement       income-expenditure statement (收入支出表): --from and --to, or --year
  balance-sheet   balance sheet (资产负债表) at the end of --date
  budget          budget vs actual (预算执行情况) of --year
  welfare         welfare per member against the caps (福利发放) of --year [--member ID]

Every report takes --as-of SEQ|YYYY-MM-DD: as it was right after that org
sequence, or counting only what is dated up to that accounting date.`

func runReport(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("report", reportUsage, stderr)
	rf := addReadFlags(fs)
	from := fs.String("from", "", "statement: first accounting date YYYY-MM-DD")
	to := fs.String("to", "", "statement: last accounting date YYYY-MM-DD")
	year := fs.String("year", "", "statement, budget, welfare: calendar year YYYY")
	date := fs.String("date", "", "balance-sheet: the date YYYY-MM-DD")
	member := fs.String("member", "", "welfare: only this member (person id)")
	var kind string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		kind, args = args[0], args[1:]
	}
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	if kind == "" && fs.NArg() > 0 {
		kind = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	q, err := rf.query()
	if err != nil {
		return err
	}
	var path string
	switch kind {
	case "statement":
		if *year != "" {
			if *from != "" || *to != "" {
				return usageError{"give --year or --from and --to, not both"}
			}
			*from, *to = *year+"-01-01", *year+"-12-31"
		}
		if *from == "" || *to == "" {
			return usageError{"statement needs --from and --to, or --year"}
		}
		path = "statement"
		q.Set("from", *from)
		q.Set("to", *to)
	case "balance-sheet":
		if *date == "" {
			return usageError{"balance-sheet needs --date YYYY-MM-DD"}
		}
		path = "balance-sheet"
		q.Set("date", *date)
	case "budget", "welfare":
		if *year == "" {
			return usageError{kind + " needs --year YYYY"}
		}
		path = kind
		q.Set("year", *year)
		if *member != "" {
			if kind != "welfare" {
				return usageError{"--member is for the welfare report"}
			}
			q.Set("member", *member)
		}
	case "":
		return usageError{"name a report: statement, balance-sheet, budget or welfare"}
	default:
		return usageError{fmt.Sprintf("unknown report %q: statement, balance-sheet, budget or welfare", kind)}
	}
	var (
		v      any
		render func() string
	)
	switch kind {
	case "statement":
		var s ledgerhttp.StatementJSON
		v, render = &s, func() string { return renderStatement(s) }
	case "balance-sheet":
		var s ledgerhttp.BalanceSheetJSON
		v, render = &s, func() string { return renderBalanceSheet(s) }
	case "budget":
		var s ledgerhttp.BudgetJSON
		v, render = &s, func() string { return renderBudget(s) }
	case "welfare":
		var s ledgerhttp.WelfareJSON
		v, render = &s, func() string { return renderWelfare(s) }
	}
	if printed, err := rf.get(ctx, "reports/"+path, q, stdout, v); printed || err != nil {
		return err
	}
	_, err = io.WriteString(stdout, render())
	return err
}

// reportHeader is the block every text report starts with.
func reportHeader(b *strings.Builder, title, org, name string, h ledgerhttp.ReportHead, chart *projections.ChartLabel, lines ...string) {
	fmt.Fprintf(b, "%s\n", title)
	fmt.Fprintf(b, "%-8s %s %s\n", "union", org, name)
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	switch {
	case h.AsOfSeq > 0:
		fmt.Fprintf(b, "%-8s org sequence %d (head %d)\n", "as of", h.AsOfSeq, h.HeadSeq)
	case h.AsOfDate != "":
		fmt.Fprintf(b, "%-8s accounting date %s (head %d)\n", "as of", h.AsOfDate, h.HeadSeq)
	default:
		fmt.Fprintf(b, "%-8s now (head %d)\n", "as of", h.HeadSeq)
	}
	if chart != nil {
		fmt.Fprintf(b, "%-8s %s %s (%s)\n", "chart", chart.Version, chart.NameZH, chart.NameEN)
	}
	b.WriteString("\n")
}

// reportRows writes account rows: code (sub-accounts indented), amount,
// names; names come last so Chinese text cannot break the alignment.
func reportRows(b *strings.Builder, rows []projections.ReportLine) {
	for _, l := range rows {
		code, name := l.Code, l.NameZH+" "+l.NameEN
		if l.Parent != "" {
			code, name = "  "+code, "  "+name
		}
		fmt.Fprintf(b, "%-9s %16s  %s\n", code, l.Amount, name)
	}
}

func reportTotal(b *strings.Builder, amount, label string) {
	fmt.Fprintf(b, "%-9s %16s  %s\n", "", amount, label)
}

func renderStatement(v ledgerhttp.StatementJSON) string {
	var b strings.Builder
	reportHeader(&b, "Income and expenditure statement 收入支出表", v.Org, v.Name, v.ReportHead, &v.Chart,
		fmt.Sprintf("%-8s %s to %s", "period", v.From, v.To))
	fmt.Fprintf(&b, "%-9s %16s  %s\n", "code", "amount (yuan)", "account")
	b.WriteString("Income 收入\n")
	reportRows(&b, v.Income)
	reportTotal(&b, v.IncomeTotal, "Total income 收入合计")
	b.WriteString("Expenditure 支出\n")
	reportRows(&b, v.Expenditure)
	reportTotal(&b, v.ExpenditureTotal, "Total expenditure 支出合计")
	b.WriteString("\n")
	reportTotal(&b, v.Surplus, "Surplus (deficit if negative) 收支结余")
	return b.String()
}

func renderBalanceSheet(v ledgerhttp.BalanceSheetJSON) string {
	var b strings.Builder
	reportHeader(&b, "Balance sheet 资产负债表", v.Org, v.Name, v.ReportHead, &v.Chart,
		fmt.Sprintf("%-8s end of %s", "date", v.Date))
	fmt.Fprintf(&b, "%-9s %16s  %s\n", "code", "amount (yuan)", "account")
	b.WriteString("Assets 资产\n")
	reportRows(&b, v.Assets)
	reportTotal(&b, v.AssetsTotal, "Total assets 资产合计")
	b.WriteString("Liabilities 负债\n")
	reportRows(&b, v.Liabilities)
	reportTotal(&b, v.LiabilitiesTotal, "Total liabilities 负债合计")
	b.WriteString("Net assets 净资产\n")
	reportRows(&b, v.NetAssets)
	reportTotal(&b, v.NetAssetsTotal, "Total net assets 净资产合计")
	b.WriteString("\n")
	reportTotal(&b, v.LiabilitiesAndNetAssets, "Total liabilities and net assets 负债和净资产合计")
	ok := "yes"
	if !v.Balanced {
		ok = "NO"
	}
	fmt.Fprintf(&b, "assets = liabilities + net assets: %s\n", ok)
	return b.String()
}

func renderBudget(v ledgerhttp.BudgetJSON) string {
	var b strings.Builder
	info := []string{fmt.Sprintf("%-8s %s", "year", v.Year), fmt.Sprintf("%-8s %s", "status", v.Status)}
	if v.Approval != nil {
		info = append(info, fmt.Sprintf("%-8s %s", "approval", v.Approval.Number))
	}
	if v.FundsReviewOpinion != "" {
		info = append(info, fmt.Sprintf("%-8s %s", "review", v.FundsReviewOpinion))
	}
	adj := "none"
	if len(v.Adjustments) > 0 {
		adj = strings.Join(v.Adjustments, ", ")
	}
	info = append(info, fmt.Sprintf("%-8s %s", "adjusted", adj))
	reportHeader(&b, "Budget vs actual 预算执行情况", v.Org, v.Name, v.ReportHead, &v.Chart, info...)
	row := func(code string, a projections.BudgetAmounts, name string) {
		fmt.Fprintf(&b, "%-9s %14s %14s %14s %14s  %s\n", code, a.Approved, a.Adjusted, a.Spent, a.Remaining, name)
	}
	fmt.Fprintf(&b, "%-9s %14s %14s %14s %14s  %s\n", "line", "approved", "in force", "spent", "remaining", "account")
	for _, l := range v.Lines {
		row(l.Code, l.BudgetAmounts, l.NameZH+" "+l.NameEN)
		for _, a := range l.Accounts {
			fmt.Fprintf(&b, "%-9s %14s %14s %14s %14s  %s\n", "  "+a.Code, "", "", a.Amount, "", "  "+a.NameZH+" "+a.NameEN)
		}
	}
	if len(v.Lines) == 0 {
		b.WriteString("(no lines in force: the budget is not approved)\n")
	}
	row("total", v.Totals, "合计")
	if len(v.Unbudgeted) > 0 {
		b.WriteString("\nSpending no budget line covers 预算外支出\n")
		reportRows(&b, v.Unbudgeted)
	}
	return b.String()
}

func renderWelfare(v ledgerhttp.WelfareJSON) string {
	var b strings.Builder
	policy := v.Province
	if policy == "" {
		policy = "none adopted (nothing capped)"
	}
	info := []string{fmt.Sprintf("%-8s %s", "year", v.Year), fmt.Sprintf("%-8s %s", "policy", policy)}
	if v.Source != "" {
		info = append(info, fmt.Sprintf("%-8s %s", "source", v.Source))
	}
	if len(v.Forms) > 0 {
		info = append(info, fmt.Sprintf("%-8s %s", "forms", strings.Join(v.Forms, ", ")))
	}
	if len(v.Festivals) > 0 {
		info = append(info, fmt.Sprintf("%-8s %s", "holidays", strings.Join(v.Festivals, ", ")))
	}
	reportHeader(&b, "Welfare per member against the caps 福利发放与标准", v.Org, v.Name, v.ReportHead, nil, info...)
	capOf := func(l projections.WelfareCapLine) (string, string) {
		if !l.Capped {
			return "-", "-"
		}
		return l.Cap, l.Remaining
	}
	if len(v.Caps) > 0 {
		b.WriteString("Caps per member per year (yuan)\n")
		fmt.Fprintf(&b, "%-18s %-16s %12s\n", "occasion", "festival", "cap")
		for _, c := range v.Caps {
			fmt.Fprintf(&b, "%-18s %-16s %12s\n", c.Occasion, c.Festival, c.Cap)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%-10s %-18s %-16s %12s %12s %12s\n", "member", "occasion", "festival", "granted", "cap", "remaining")
	for _, m := range v.Members {
		for _, l := range m.Lines {
			if l.GrantedFen == 0 && !l.Over {
				continue
			}
			c, r := capOf(l)
			over := ""
			if l.Over {
				over = "  OVER THE CAP"
			}
			fmt.Fprintf(&b, "%-10s %-18s %-16s %12s %12s %12s%s\n", m.Member, l.Occasion, l.Festival, l.Granted, c, r, over)
		}
		var rs []string
		for _, r := range m.Rounds {
			rs = append(rs, r.Round+" "+string(r.Status))
		}
		fmt.Fprintf(&b, "%-10s rounds: %s\n", "", strings.Join(rs, ", "))
	}
	if len(v.Members) == 0 {
		b.WriteString("(no member was named by a welfare round of the year)\n")
	}
	return b.String()
}
