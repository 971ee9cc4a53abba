package ledgertest

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// BudgetLineAmount is each line of the budgets every test union has: far
// more than any test spends, so only tests about budgets meet the limit.
const BudgetLineAmount = "1000000.00"

// Line is a budget line as budget commands take it.
type Line struct {
	Account string `json:"account"`
	Amount  string `json:"amount"`
}

// Budgets gives a test union an approved budget for 2025 and for 2026,
// with a line of BudgetLineAmount on every expense parent account of its
// chart (501–508, and 509 in chart 2022), each covering its sub-accounts.
func Budgets(org, chart string) []ledger.Command {
	c, ok := events.ChartByVersion(chart)
	if !ok {
		return nil // open_org refuses the chart; the test sees that refusal
	}
	var lines []Line
	for _, a := range c.Accounts() {
		if a.Class == events.Expense && len(a.Code) == 3 {
			lines = append(lines, Line{Account: a.Code, Amount: BudgetLineAmount})
		}
	}
	var out []ledger.Command
	for _, year := range []string{"2025", "2026"} {
		out = append(out, Budget(org, year, "2025-01-01", lines...)...)
	}
	return out
}

// Budget is the whole chain of a year's budget, in order: the treasurer's
// draft, the committee's review, the funds-review committee's review and
// the administrator recording the upper-level union's approval. Command ids
// are budget-<year>-draft, -committee, -funds-review and -approve.
func Budget(org, year, date string, lines ...Line) []ledger.Command {
	p := "budget-" + year
	return []ledger.Command{
		Cmd(p+"-draft", "draft_budget", org, Treasurer, date, map[string]any{"year": year, "lines": lines}),
		Cmd(p+"-committee", "review_budget", org, Committee, date, map[string]any{
			"year": year, "stage": events.StageCommittee, "outcome": events.OutcomePass}),
		Cmd(p+"-funds-review", "review_budget", org, Review, date, map[string]any{
			"year": year, "stage": events.StageFundsReview, "outcome": events.OutcomePass, "opinion": "同意"}),
		Cmd(p+"-approve", "approve_budget", org, Admin, date, map[string]any{"year": year, "document": ApprovalDoc("budget " + year)}),
	}
}

// Adjust is the whole chain of a budget adjustment, like Budget: the lines
// take the given amounts from date from on. Command ids are
// adjust-<id>-draft, -committee, -funds-review and -approve.
func Adjust(org, id, year, from, date string, lines ...Line) []ledger.Command {
	p := "adjust-" + id
	return []ledger.Command{
		Cmd(p+"-draft", "draft_budget_adjustment", org, Treasurer, date, map[string]any{
			"adjustment": id, "year": year, "from": from, "lines": lines, "note": "adjustment " + id}),
		Cmd(p+"-committee", "review_budget_adjustment", org, Committee, date, map[string]any{
			"adjustment": id, "stage": events.StageCommittee, "outcome": events.OutcomePass}),
		Cmd(p+"-funds-review", "review_budget_adjustment", org, Review, date, map[string]any{
			"adjustment": id, "stage": events.StageFundsReview, "outcome": events.OutcomePass, "opinion": "同意"}),
		Cmd(p+"-approve", "approve_budget_adjustment", org, Admin, date, map[string]any{"adjustment": id, "document": ApprovalDoc("adjustment " + id)}),
	}
}

// ApprovalDoc is a deterministic upper-level approval document (批复) for
// what: a number and the SHA-256 of a stand-in scan.
func ApprovalDoc(what string) map[string]string {
	sum := sha256.Sum256([]byte("approval of " + what))
	return map[string]string{"number": "上级工会批复 " + what, "sha256": hex.EncodeToString(sum[:])}
}
