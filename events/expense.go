package events

// ExpensePaid records money paid out for an expense against an expense
// account (501–508 and their sub-accounts).
type ExpensePaid struct {
	Expense string `json:"expense"`
	Account string `json:"account"`
	Amount  Fen    `json:"amount_fen"`
	Payee   string `json:"payee"`
	Purpose string `json:"purpose"`
	Via     Via    `json:"via"`
}

func (ExpensePaid) Type() string        { return "expense_paid" }
func (p ExpensePaid) Aggregate() string { return "expense:" + p.Expense }
func (p ExpensePaid) Postings() []Posting {
	return []Posting{{p.Account, p.Amount}, {p.Via.Account(), -p.Amount}}
}

// expenseTypes are the events of money going out.
var expenseTypes = map[string]typeInfo{
	"expense_paid": v1[ExpensePaid](),
}
