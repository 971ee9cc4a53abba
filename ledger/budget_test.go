package ledger_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

// Budget tests use union h1 of ledgertest.State (approved 2025 and 2026
// budgets from Setup) and build their own budgets for 2027 on: 2027 has
// lines 501 (a parent, 1000.00) and 50201 (a leaf, 500.00).

const bOrg = "h1"

func bLine(account, amount string) ledgertest.Line {
	return ledgertest.Line{Account: account, Amount: amount}
}

var bLines2027 = []ledgertest.Line{bLine("501", "1000.00"), bLine("50201", "500.00")}

// budgetCmd builds a budget command by actor; the date is in December 2026,
// when next year's budget is drafted.
func budgetCmd(typ, actor string, data map[string]any) ledger.Command {
	return ledgertest.Cmd("c-test", typ, bOrg, actor, "2026-12-01", data)
}

func draft2027(id string, lines ...ledgertest.Line) ledger.Command {
	return ledgertest.Cmd(id, "draft_budget", bOrg, ledgertest.Treasurer, "2026-12-01", map[string]any{"year": "2027", "lines": lines})
}

func bReview(id, year, actor, stage, outcome, opinion string) ledger.Command {
	return ledgertest.Cmd(id, "review_budget", bOrg, actor, "2026-12-02", map[string]any{
		"year": year, "stage": stage, "outcome": outcome, "opinion": opinion})
}

func bReviewAdj(id, adj, actor, stage, outcome, opinion string) ledger.Command {
	return ledgertest.Cmd(id, "review_budget_adjustment", bOrg, actor, "2027-05-02", map[string]any{
		"adjustment": adj, "stage": stage, "outcome": outcome, "opinion": opinion})
}

// bCommittee and bFunds are the two passing reviews of the 2027 budget.
var (
	bCommittee = bReview("r-c", "2027", ledgertest.Committee, "committee", "pass", "")
	bFunds     = bReview("r-f", "2027", ledgertest.Review, "funds_review", "pass", "同意")
)

var bDoc = ledgertest.ApprovalDoc("test")

func approve2027() ledger.Command {
	return budgetCmd("approve_budget", ledgertest.Admin, map[string]any{"year": "2027", "document": bDoc})
}

// approved2027 is the whole chain of the 2027 budget.
func approved2027() []ledger.Command {
	return ledgertest.Budget(bOrg, "2027", "2026-12-01", bLines2027...)
}

// bFund puts 100,000.00 in the bank so payments never overdraw.
var bFund = ledgertest.Dues(bOrg, "fund", "2025-01-02", "m1", "100000.00", "F", "1")

func bGrant(id, person string, role events.Role) ledger.Command {
	return ledgertest.Cmd(id, "grant_role", bOrg, ledgertest.Admin, "2025-01-01", map[string]any{"person": person, "role": role})
}

func bl(account string, fen events.Fen) events.BudgetLine {
	return events.BudgetLine{Account: account, Amount: fen}
}

// bThen is base followed by more, never sharing base's array.
func bThen(base []ledger.Command, more ...ledger.Command) []ledger.Command {
	return bConcat(base, more)
}

func bConcat(parts ...[]ledger.Command) []ledger.Command {
	var out []ledger.Command
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func bDocHash() string { return bDoc["sha256"] }

type budgetCase struct {
	name  string
	setup []ledger.Command
	cmd   ledger.Command
	code  ledger.Code // "" for success
	rule  string
	want  []events.Payload
}

func runBudgetCases(t *testing.T, tests []budgetCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := ledgertest.State(t, bOrg)
			st.Do(tt.setup...)
			drafts, err := ledger.Decide(st, tt.cmd)
			if ledgertest.Outcome(t, drafts, err, tt.code, tt.rule) {
				return
			}
			got := make([]events.Payload, len(drafts))
			for i, d := range drafts {
				got[i] = d.Payload
				if d.Date != tt.cmd.Date {
					t.Fatalf("draft %d date %s, want %s", i, d.Date, tt.cmd.Date)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("drafts = %+v\nwant     %+v", got, tt.want)
			}
		})
	}
}

func TestDecideDraftBudget(t *testing.T) {
	drafted := []events.Payload{events.BudgetDrafted{Year: "2027", Lines: []events.BudgetLine{bl("501", 100000), bl("50201", 50000)}}}
	data := func(lines ...ledgertest.Line) map[string]any { return map[string]any{"year": "2027", "lines": lines} }
	runBudgetCases(t, []budgetCase{
		{"draft, lines sorted", nil, draft2027("d", bLine("50201", "500.00"), bLine("501", "1000")), "", "", drafted},
		{"with a note", nil, budgetCmd("draft_budget", ledgertest.Treasurer, map[string]any{"year": "2027", "lines": bLines2027, "note": "职代会通过"}), "", "",
			[]events.Payload{events.BudgetDrafted{Year: "2027", Lines: []events.BudgetLine{bl("501", 100000), bl("50201", 50000)}, Note: "职代会通过"}}},
		{"by the chair", nil, budgetCmd("draft_budget", ledgertest.Chair, data(bLines2027...)), ledger.CodeWrongRole, "role-required", nil},
		{"bad year", nil, budgetCmd("draft_budget", ledgertest.Treasurer, map[string]any{"year": "27", "lines": bLines2027}), ledger.CodeInvalid, "", nil},
		{"no lines", nil, budgetCmd("draft_budget", ledgertest.Treasurer, data()), ledger.CodeInvalid, "", nil},
		{"income account", nil, budgetCmd("draft_budget", ledgertest.Treasurer, data(bLine("401", "1"))), ledger.CodeUnknownAccount, "budget-lines", nil},
		{"account of the other chart", nil, budgetCmd("draft_budget", ledgertest.Treasurer, data(bLine("509", "1"))), ledger.CodeUnknownAccount, "budget-lines", nil},
		{"parent and its leaf overlap", nil, budgetCmd("draft_budget", ledgertest.Treasurer, data(bLine("501", "1"), bLine("50102", "1"))), ledger.CodeInvalid, "budget-lines", nil},
		{"same account twice", nil, budgetCmd("draft_budget", ledgertest.Treasurer, data(bLine("504", "1"), bLine("504", "2"))), ledger.CodeInvalid, "budget-lines", nil},
		{"zero line", nil, budgetCmd("draft_budget", ledgertest.Treasurer, data(bLine("504", "0"))), ledger.CodeInvalidAmount, "money-format", nil},
		{"float amount", nil, budgetCmd("draft_budget", ledgertest.Treasurer, map[string]any{"year": "2027", "lines": []map[string]any{{"account": "504", "amount": 1.5}}}), ledger.CodeInvalid, "", nil},
		{"note too long", nil, budgetCmd("draft_budget", ledgertest.Treasurer, map[string]any{"year": "2027", "lines": bLines2027, "note": strings.Repeat("x", 2001)}), ledger.CodeInvalid, "", nil},
		{"redraft a draft", []ledger.Command{draft2027("d0", bLine("504", "1"))}, draft2027("d", bLines2027...), "", "", drafted},
		{"redraft after the committee passed", []ledger.Command{draft2027("d0", bLine("504", "1")), bCommittee}, draft2027("d", bLines2027...), "", "", drafted},
		{"redraft after a return", []ledger.Command{draft2027("d0", bLine("504", "1")), bReview("r", "2027", ledgertest.Chair, "committee", "return", "太多")},
			draft2027("d", bLines2027...), "", "", drafted},
		{"draft an approved year", nil, ledgertest.Cmd("d", "draft_budget", bOrg, ledgertest.Treasurer, "2025-03-01", map[string]any{"year": "2025", "lines": bLines2027}),
			ledger.CodeAlreadyDecided, "budget-chain", nil},
	})
}

func TestDecideReviewBudget(t *testing.T) {
	drafted := []ledger.Command{draft2027("d", bLines2027...)}
	pass := func(stage, opinion string) []events.Payload {
		return []events.Payload{events.BudgetReviewed{Year: "2027", Stage: stage, Outcome: "pass", Opinion: opinion}}
	}
	runBudgetCases(t, []budgetCase{
		{"committee member passes", drafted, bCommittee, "", "", pass("committee", "")},
		{"chair passes for the committee", drafted, bReview("r", "2027", ledgertest.Chair, "committee", "pass", "研究同意"), "", "", pass("committee", "研究同意")},
		{"committee returns", drafted, bReview("r", "2027", ledgertest.Committee, "committee", "return", "50201 太少"), "", "",
			[]events.Payload{events.BudgetReviewed{Year: "2027", Stage: "committee", Outcome: "return", Opinion: "50201 太少"}}},
		{"return needs an opinion", drafted, bReview("r", "2027", ledgertest.Committee, "committee", "return", ""), ledger.CodeInvalid, "", nil},
		{"funds-review member may not review for the committee", drafted, bReview("r", "2027", ledgertest.Review, "committee", "pass", ""), ledger.CodeWrongRole, "role-required", nil},
		{"treasurer may not review", drafted, bReview("r", "2027", ledgertest.Treasurer, "committee", "pass", ""), ledger.CodeWrongRole, "role-required", nil},
		{"funds review before the committee", drafted, bFunds, ledger.CodeStateConflict, "budget-chain", nil},
		{"funds review passes", bThen(drafted, bCommittee), bFunds, "", "", pass("funds_review", "同意")},
		{"funds review returns", bThen(drafted, bCommittee), bReview("r", "2027", ledgertest.Review, "funds_review", "return", "超出收入"), "", "",
			[]events.Payload{events.BudgetReviewed{Year: "2027", Stage: "funds_review", Outcome: "return", Opinion: "超出收入"}}},
		{"funds review needs an opinion", bThen(drafted, bCommittee), bReview("r", "2027", ledgertest.Review, "funds_review", "pass", ""), ledger.CodeInvalid, "", nil},
		{"committee member may not review for the funds-review committee", bThen(drafted, bCommittee), bReview("r", "2027", ledgertest.Committee, "funds_review", "pass", "ok"), ledger.CodeWrongRole, "role-required", nil},
		{"committee reviews twice", bThen(drafted, bCommittee), bReview("r", "2027", ledgertest.Chair, "committee", "pass", ""), ledger.CodeStateConflict, "budget-chain", nil},
		{"funds review twice", bThen(drafted, bCommittee, bFunds), bReview("r", "2027", ledgertest.Review, "funds_review", "pass", "again"), ledger.CodeStateConflict, "budget-chain", nil},
		{"review a returned draft", bThen(drafted, bReview("r0", "2027", ledgertest.Chair, "committee", "return", "no")), bCommittee, ledger.CodeStateConflict, "budget-chain", nil},
		{"review an approved budget", nil, bReview("r", "2025", ledgertest.Committee, "committee", "pass", ""), ledger.CodeAlreadyDecided, "budget-chain", nil},
		{"review a year never drafted", nil, bReview("r", "2028", ledgertest.Committee, "committee", "pass", ""), ledger.CodeUnknownRef, "budget-chain", nil},
		{"unknown stage", drafted, bReview("r", "2027", ledgertest.Committee, "upper", "pass", ""), ledger.CodeInvalid, "", nil},
		{"unknown outcome", drafted, bReview("r", "2027", ledgertest.Committee, "committee", "maybe", ""), ledger.CodeInvalid, "", nil},
		{"drafter may not review", []ledger.Command{bGrant("g", ledgertest.Treasurer, events.RoleCommittee), draft2027("d", bLines2027...)},
			bReview("r", "2027", ledgertest.Treasurer, "committee", "pass", ""), ledger.CodeSelfApproval, "budget-separation", nil},
	})
}

func TestDecideApproveBudget(t *testing.T) {
	reviewed := []ledger.Command{draft2027("d", bLines2027...), bCommittee, bFunds}
	approve := func(data map[string]any) ledger.Command { return budgetCmd("approve_budget", ledgertest.Admin, data) }
	runBudgetCases(t, []budgetCase{
		{"approve", reviewed, approve2027(), "", "",
			[]events.Payload{events.BudgetApproved{Year: "2027", Document: events.ApprovalDoc{Number: bDoc["number"], SHA256: bDocHash()}}}},
		{"before the funds review", reviewed[:2], approve2027(), ledger.CodeStateConflict, "budget-chain", nil},
		{"before any review", reviewed[:1], approve2027(), ledger.CodeStateConflict, "budget-chain", nil},
		{"returned", bThen(reviewed[:2], bReview("r", "2027", ledgertest.Review, "funds_review", "return", "no")), approve2027(), ledger.CodeStateConflict, "budget-chain", nil},
		{"by the chair", reviewed, budgetCmd("approve_budget", ledgertest.Chair, map[string]any{"year": "2027", "document": bDoc}), ledger.CodeWrongRole, "role-required", nil},
		{"by the auditor", reviewed, budgetCmd("approve_budget", ledgertest.Auditor, map[string]any{"year": "2027", "document": bDoc}), ledger.CodeWrongRole, "role-required", nil},
		{"no document number", reviewed, approve(map[string]any{"year": "2027", "document": map[string]string{"sha256": bDocHash()}}), ledger.CodeInvalid, "", nil},
		{"digest not sha256", reviewed, approve(map[string]any{"year": "2027", "document": map[string]string{"number": "1", "sha256": "abc"}}), ledger.CodeInvalid, "", nil},
		{"digest upper case", reviewed, approve(map[string]any{"year": "2027", "document": map[string]string{"number": "1", "sha256": strings.ToUpper(bDocHash())}}), ledger.CodeInvalid, "", nil},
		{"approve twice", nil, approve(map[string]any{"year": "2025", "document": bDoc}), ledger.CodeAlreadyDecided, "budget-chain", nil},
		{"year never drafted", nil, approve(map[string]any{"year": "2028", "document": bDoc}), ledger.CodeUnknownRef, "budget-chain", nil},
		{"drafter may not record the approval", []ledger.Command{bGrant("g", ledgertest.Admin, events.RoleTreasurer),
			ledgertest.Cmd("d", "draft_budget", bOrg, ledgertest.Admin, "2026-12-01", map[string]any{"year": "2027", "lines": bLines2027}), bCommittee, bFunds},
			approve2027(), ledger.CodeSelfApproval, "budget-separation", nil},
	})
}

func bAdjCmd(typ, actor, date string, data map[string]any) ledger.Command {
	return ledgertest.Cmd("c-adj", typ, bOrg, actor, date, data)
}

func TestDecideDraftBudgetAdjustment(t *testing.T) {
	draft := func(data map[string]any) ledger.Command {
		return bAdjCmd("draft_budget_adjustment", ledgertest.Treasurer, "2027-05-01", data)
	}
	raise := map[string]any{"adjustment": "A1", "year": "2027", "from": "2027-07-01", "note": "活动增加",
		"lines": []ledgertest.Line{bLine("503", "200"), bLine("501", "1500.00")}}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range raise {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	want := func(from string, lines ...events.BudgetLine) []events.Payload {
		return []events.Payload{events.BudgetAdjustmentDrafted{Adjustment: "A1", Year: "2027", From: from, Lines: lines, Note: "活动增加"}}
	}
	approved := approved2027()
	runBudgetCases(t, []budgetCase{
		{"raise a line and add one", approved, draft(raise), "", "", want("2027-07-01", bl("501", 150000), bl("503", 20000))},
		{"from defaults to the command's date", approved, draft(with("from", nil)), "", "", want("2027-05-01", bl("501", 150000), bl("503", 20000))},
		{"close a line with zero", approved, draft(with("lines", []ledgertest.Line{bLine("50201", "0.00")})), "", "", want("2027-07-01", bl("50201", 0))},
		{"budget not approved", []ledger.Command{draft2027("d", bLines2027...), bCommittee}, draft(raise), ledger.CodeNotApproved, "budget-chain", nil},
		{"no budget for the year", nil, draft(map[string]any{"adjustment": "A1", "year": "2028", "from": "2028-07-01", "note": "n",
			"lines": []ledgertest.Line{bLine("501", "1")}}), ledger.CodeNotApproved, "budget-chain", nil},
		{"new line overlaps an approved parent line", approved, draft(with("lines", []ledgertest.Line{bLine("50102", "10")})), ledger.CodeInvalid, "budget-lines", nil},
		{"new parent line overlaps an approved leaf line", approved, draft(with("lines", []ledgertest.Line{bLine("502", "10")})), ledger.CodeInvalid, "budget-lines", nil},
		{"from in another year", approved, draft(with("from", "2026-12-31")), ledger.CodeInvalid, "", nil},
		{"note required", approved, draft(with("note", nil)), ledger.CodeInvalid, "", nil},
		{"bad id", approved, draft(with("adjustment", "A 1")), ledger.CodeInvalid, "", nil},
		{"negative line", approved, draft(with("lines", []ledgertest.Line{bLine("501", "-1")})), ledger.CodeInvalidAmount, "money-format", nil},
		{"by the chair", approved, bAdjCmd("draft_budget_adjustment", ledgertest.Chair, "2027-05-01", raise), ledger.CodeWrongRole, "role-required", nil},
		{"redraft", bConcat(approved, []ledger.Command{draft(with("lines", []ledgertest.Line{bLine("504", "1")}))}), draft(raise), "", "",
			want("2027-07-01", bl("501", 150000), bl("503", 20000))},
		{"redraft an approved adjustment", bConcat(approved, ledgertest.Adjust(bOrg, "A1", "2027", "2027-07-01", "2027-05-01", bLine("504", "1"))),
			draft(raise), ledger.CodeAlreadyDecided, "budget-chain", nil},
		{"id used in another year", bConcat(approved, []ledger.Command{ledgertest.Cmd("x", "draft_budget_adjustment", bOrg, ledgertest.Treasurer, "2025-05-01",
			map[string]any{"adjustment": "A1", "year": "2025", "note": "n", "lines": []ledgertest.Line{bLine("504", "1")}})}),
			draft(raise), ledger.CodeStateConflict, "budget-chain", nil},
	})
}

func TestDecideReviewBudgetAdjustment(t *testing.T) {
	drafted := bConcat(approved2027(), ledgertest.Adjust(bOrg, "A1", "2027", "2027-07-01", "2027-05-01", bLine("501", "1500"))[:1])
	runBudgetCases(t, []budgetCase{
		{"committee passes", drafted, bReviewAdj("r", "A1", ledgertest.Committee, "committee", "pass", ""), "", "",
			[]events.Payload{events.BudgetAdjustmentReviewed{Adjustment: "A1", Year: "2027", Stage: "committee", Outcome: "pass"}}},
		{"funds review before the committee", drafted, bReviewAdj("r", "A1", ledgertest.Review, "funds_review", "pass", "ok"), ledger.CodeStateConflict, "budget-chain", nil},
		{"funds review passes", bThen(drafted, bReviewAdj("r0", "A1", ledgertest.Chair, "committee", "pass", "")),
			bReviewAdj("r", "A1", ledgertest.Review, "funds_review", "pass", "同意"), "", "",
			[]events.Payload{events.BudgetAdjustmentReviewed{Adjustment: "A1", Year: "2027", Stage: "funds_review", Outcome: "pass", Opinion: "同意"}}},
		{"funds review returns", bThen(drafted, bReviewAdj("r0", "A1", ledgertest.Chair, "committee", "pass", "")),
			bReviewAdj("r", "A1", ledgertest.Review, "funds_review", "return", "理由不足"), "", "",
			[]events.Payload{events.BudgetAdjustmentReviewed{Adjustment: "A1", Year: "2027", Stage: "funds_review", Outcome: "return", Opinion: "理由不足"}}},
		{"review a returned adjustment", bThen(drafted, bReviewAdj("r0", "A1", ledgertest.Chair, "committee", "return", "no")),
			bReviewAdj("r", "A1", ledgertest.Chair, "committee", "pass", ""), ledger.CodeStateConflict, "budget-chain", nil},
		{"wrong role for the stage", drafted, bReviewAdj("r", "A1", ledgertest.Review, "committee", "pass", ""), ledger.CodeWrongRole, "role-required", nil},
		{"unknown adjustment", drafted, bReviewAdj("r", "A9", ledgertest.Committee, "committee", "pass", ""), ledger.CodeUnknownRef, "budget-chain", nil},
		{"review an approved adjustment", bConcat(approved2027(), ledgertest.Adjust(bOrg, "A1", "2027", "2027-07-01", "2027-05-01", bLine("501", "1500"))),
			bReviewAdj("r", "A1", ledgertest.Committee, "committee", "pass", ""), ledger.CodeAlreadyDecided, "budget-chain", nil},
	})
}

func TestDecideApproveBudgetAdjustment(t *testing.T) {
	chain := func(id string, lines ...ledgertest.Line) []ledger.Command {
		return ledgertest.Adjust(bOrg, id, "2027", "2027-07-01", "2027-05-01", lines...)
	}
	reviewed := func(id string, lines ...ledgertest.Line) []ledger.Command { return chain(id, lines...)[:3] }
	approve := bAdjCmd("approve_budget_adjustment", ledgertest.Admin, "2027-05-03", map[string]any{"adjustment": "A1", "document": bDoc})
	approved := bConcat([]ledger.Command{bFund}, approved2027())
	runBudgetCases(t, []budgetCase{
		{"approve", bConcat(approved, reviewed("A1", bLine("501", "1500"))), approve, "", "",
			[]events.Payload{events.BudgetAdjustmentApproved{Adjustment: "A1", Year: "2027", Document: events.ApprovalDoc{Number: bDoc["number"], SHA256: bDocHash()}}}},
		{"before the funds review", bConcat(approved, chain("A1", bLine("501", "1500"))[:2]), approve, ledger.CodeStateConflict, "budget-chain", nil},
		{"by the treasurer", bConcat(approved, reviewed("A1", bLine("501", "1500"))),
			bAdjCmd("approve_budget_adjustment", ledgertest.Treasurer, "2027-05-03", map[string]any{"adjustment": "A1", "document": bDoc}), ledger.CodeWrongRole, "role-required", nil},
		{"unknown adjustment", approved, approve, ledger.CodeUnknownRef, "budget-chain", nil},
		{"approve twice", bConcat(approved, chain("A1", bLine("501", "1500"))), approve, ledger.CodeAlreadyDecided, "budget-chain", nil},
		{"overlaps a line another adjustment added since", bConcat(approved, reviewed("A1", bLine("50301", "10")), chain("A2", bLine("503", "10"))),
			approve, ledger.CodeInvalid, "budget-lines", nil},
		{"cut below what was spent", bConcat(approved, ledgertest.Pay(bOrg, "E1", "2027-02-01", "50101", "300.00", "书店", "教材"), reviewed("A1", bLine("501", "299.99"))),
			approve, ledger.CodeOverBudget, "budget-first", nil},
		{"cut to what was spent", bConcat(approved, ledgertest.Pay(bOrg, "E1", "2027-02-01", "50101", "300.00", "书店", "教材"), reviewed("A1", bLine("501", "300"))),
			approve, "", "", []events.Payload{events.BudgetAdjustmentApproved{Adjustment: "A1", Year: "2027", Document: events.ApprovalDoc{Number: bDoc["number"], SHA256: bDocHash()}}}},
	})
}

// TestCheckBudget runs the budget-first rule on one scratch view (nothing
// is committed: every spending below is an earlier command of the same
// group, as the writer decides them). In 2027: bLine 501 (1000.00) covers
// its leaves, 300.00 already spent on 50101; bLine 50201 (500.00) with
// 100.00 spent; adjustment A1 raises 501 to 1500.00 and adds 503 (200.00)
// from 1 July; A2 cuts 50201 to 250.00 from 1 September. 2029 is only
// drafted; 2028 has no budget.
func TestCheckBudget(t *testing.T) {
	st := ledgertest.State(t, bOrg)
	st.Do(bFund)
	st.Do(approved2027()...)
	st.Do(ledgertest.Pay(bOrg, "E1", "2027-02-01", "50101", "300.00", "书店", "教材")...)
	st.Do(ledgertest.Pay(bOrg, "E2", "2027-02-01", "50201", "100.00", "律所", "咨询")...)
	st.Do(ledgertest.Adjust(bOrg, "A1", "2027", "2027-07-01", "2027-05-01", bLine("501", "1500"), bLine("503", "200"))...)
	st.Do(ledgertest.Adjust(bOrg, "A2", "2027", "2027-09-01", "2027-05-01", bLine("50201", "250"))...)
	st.Do(ledgertest.Cmd("d29", "draft_budget", bOrg, ledgertest.Treasurer, "2028-12-01", map[string]any{"year": "2029", "lines": bLines2027}))

	tests := []struct {
		name    string
		account string
		date    string
		amount  string
		ok      bool
	}{
		{"no budget for the year", "50102", "2028-03-01", "0.01", false},
		{"budget not yet approved", "50102", "2029-03-01", "0.01", false},
		{"not an account of the chart: left to the caller's chart rule", "50401", "2027-03-01", "0.01", true},
		{"no line covers the account (leaf of 503 before its line)", "50301", "2027-03-01", "0.01", false},
		{"no line covers a parent account", "504", "2027-03-01", "0.01", false},
		{"exactly at the line", "50102", "2027-03-01", "700.00", true},
		{"one fen over the line", "50102", "2027-03-01", "700.01", false},
		{"parent line covers another leaf", "50104", "2027-06-30", "700.00", true},
		{"parent line covers its leaves together", "50101", "2027-06-30", "700.01", false},
		{"leaf line exactly", "50201", "2027-03-01", "150.00", true},       // A2 cut to 250 binds earlier dates
		{"leaf line over the cut", "50201", "2027-03-01", "150.01", false}, // though 500 were in force on 1 March
		{"adjustment raises the line from its date", "50102", "2027-07-01", "1200.00", true},
		{"raise not yet in force the day before", "50102", "2027-06-30", "1200.00", false},
		{"raise exactly one fen over", "50102", "2027-12-31", "1200.01", false},
		{"line added by an adjustment, from its date", "50301", "2027-07-01", "200.00", true},
		{"line added by an adjustment, over it", "50301", "2027-07-01", "200.01", false},
		{"2025 budget from Setup", "50102", "2025-03-01", "1000000.00", true},
		{"income is never checked", "401", "2028-01-01", "99999999.00", true},
		{"assets are never checked", "102", "2028-01-01", "99999999.00", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			amt, err := events.ParseYuan(tt.amount)
			if err != nil {
				t.Fatal(err)
			}
			err = ledger.CheckBudget(st, bOrg, tt.account, tt.date, amt)
			if tt.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if ledger.ErrorCode(err) != ledger.CodeOverBudget {
				t.Fatalf("got %v, want over_budget", err)
			}
			if e := new(ledger.Error); !errors.As(err, &e) || e.Rule != "budget-first" {
				t.Fatalf("rule: %v", err)
			}
		})
	}
	// Spending counts as soon as it is decided: after paying 700.00 on
	// 50102 in this group, one more fen on 501's leaves is refused.
	st.Do(ledgertest.Pay(bOrg, "E3", "2027-03-01", "50102", "700.00", "体育用品店", "篮球")...)
	if err := ledger.CheckBudget(st, bOrg, "50103", "2027-03-01", 1); ledger.ErrorCode(err) != ledger.CodeOverBudget {
		t.Fatalf("after spending the line: %v", err)
	}
	// Reversals and zero never are.
	if err := ledger.CheckBudget(st, bOrg, "50103", "2027-03-01", -100); err != nil {
		t.Fatalf("negative amount: %v", err)
	}
}

// TestLineInForce pins how adjustments change a bLine over the year.
func TestLineInForce(t *testing.T) {
	in := []ledger.LineInForce{{Account: "501", Steps: []ledger.LineStep{{From: "2027-01-01", Amount: 1000}}}}
	out := ledger.ApplyAdjustment(in, "2027-07-01", []events.BudgetLine{bl("501", 1500), bl("503", 200)})
	out = ledger.ApplyAdjustment(out, "2027-04-01", []events.BudgetLine{bl("501", 800)})
	out = ledger.ApplyAdjustment(out, "2027-07-01", []events.BudgetLine{bl("501", 1600)})
	want := []ledger.LineInForce{
		{Account: "501", Steps: []ledger.LineStep{{From: "2027-01-01", Amount: 1000}, {From: "2027-04-01", Amount: 800}, {From: "2027-07-01", Amount: 1500}, {From: "2027-07-01", Amount: 1600}}},
		{Account: "503", Steps: []ledger.LineStep{{From: "2027-07-01", Amount: 200}}},
	}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("got %+v\nwant %+v", out, want)
	}
	if len(in[0].Steps) != 1 {
		t.Fatalf("ApplyAdjustment changed its input")
	}
	for _, c := range []struct {
		date      string
		at, limit events.Fen
		ok        bool
	}{
		{"2027-03-31", 1000, 800, true}, // the April cut binds March spending
		{"2027-04-01", 800, 800, true},
		{"2027-06-30", 800, 800, true},
		{"2027-07-01", 1600, 1600, true}, // same date: the later approval wins
		{"2027-12-31", 1600, 1600, true},
	} {
		at, ok := out[0].At(c.date)
		limit, _ := out[0].Limit(c.date)
		if at != c.at || limit != c.limit || ok != c.ok {
			t.Errorf("%s: at %d limit %d ok %v, want %d %d %v", c.date, at, limit, ok, c.at, c.limit, c.ok)
		}
	}
	if _, ok := out[1].Limit("2027-06-30"); ok {
		t.Errorf("line 503 in force before its date")
	}
	if out[0].Final() != 1600 {
		t.Errorf("final %d", out[0].Final())
	}
}
