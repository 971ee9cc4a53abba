package ledger

import "github.com/unionledger/unionledger/events"

// BudgetState answers the queries of the budget rules.
type BudgetState interface{}

var budgetCommands = map[string]spec{}

// checkBudget refuses spending amount on account (dated date) beyond the
// approved budget line of that year. Expense approval and payment call it.
func checkBudget(st State, org, account, date string, amount events.Fen) error {
	return nil
}
