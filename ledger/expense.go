package ledger

import "github.com/unionledger/unionledger/events"

// ExpenseState answers the queries of the money-out rules.
type ExpenseState interface{}

var expenseCommands = map[string]spec{
	"pay_expense": {decide: decidePayExpense, roles: roles(events.RoleTreasurer)},
}

func decidePayExpense(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Expense string `json:"expense"`
		Account string `json:"account"`
		Amount  string `json:"amount"`
		Payee   string `json:"payee"`
		Purpose string `json:"purpose"`
		Via     string `json:"via"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	amt, err := amount("amount", in.Amount)
	if err != nil {
		return nil, err
	}
	if !events.ValidID(in.Expense) {
		return nil, errField(cmd.Type, "expense", "must be an expense id")
	}
	if in.Payee == "" || len(in.Payee) > 200 || in.Purpose == "" || len(in.Purpose) > 500 {
		return nil, errField(cmd.Type, "payee/purpose", "are required (payee ≤ 200 bytes, purpose ≤ 500)")
	}
	org, _, err := st.Org(cmd.Org)
	if err != nil {
		return nil, err
	}
	chart, _ := events.ChartByVersion(org.Chart)
	a, ok := chart.Account(in.Account)
	if !ok || a.Class != events.Expense || !chart.Postable(in.Account) {
		return nil, ruleErr(CodeUnknownAccount, "chart-versioned",
			"account %q is not a postable expense account of chart %s", in.Account, chart.Version)
	}
	via, err := checkVia(cmd, in.Via)
	if err != nil {
		return nil, err
	}
	bal, err := st.Balance(cmd.Org, via.Account())
	if err != nil {
		return nil, err
	}
	if bal < amt {
		return nil, ruleErr(CodeOverdraft, "no-overdraft",
			"paying %s would take account %s below zero (balance %s)", amt.Yuan(), via.Account(), bal.Yuan())
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.ExpensePaid{
		Expense: in.Expense, Account: in.Account, Amount: amt, Payee: in.Payee, Purpose: in.Purpose, Via: via,
	}}}, nil
}
