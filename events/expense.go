package events

// Money out follows Open Collective's expense states: the treasurer
// requests (pending), the chair approves or rejects with their own key
// (一支笔), the requester may cancel before a decision, and the treasurer
// pays an approved expense. Only the payment moves money; every earlier
// step is a fact in the log so an auditor can replay who asked, who signed
// and on what grounds.

// ExpenseRequested records an expense drafted by the treasurer and now
// awaiting the chair's decision. PayeePerson names a registered person when
// an individual is paid, so the rule "requester, approver and payee are
// three different people" can be checked against person ids, never names.
type ExpenseRequested struct {
	Expense     string   `json:"expense"`
	Account     string   `json:"account"`
	Amount      Fen      `json:"amount_fen"`
	Payee       string   `json:"payee"`
	PayeePerson string   `json:"payee_person,omitempty"`
	Purpose     string   `json:"purpose"`
	Decision    string   `json:"decision,omitempty"`
	Documents   []string `json:"documents,omitempty"`
}

func (ExpenseRequested) Type() string        { return "expense_requested" }
func (p ExpenseRequested) Aggregate() string { return "expense:" + p.Expense }
func (ExpenseRequested) Postings() []Posting { return nil }

// ExpenseApproved records the chair's signature (一支笔) on an expense. The
// signature itself is in the envelope's sig slot; Statement is the exact
// byte string it signs (base64), so any verifier checks it with the
// registered public key without re-encoding JSON, then compares the
// statement's fields with the request.
type ExpenseApproved struct {
	Expense   string `json:"expense"`
	Statement string `json:"statement"`
}

func (ExpenseApproved) Type() string        { return "expense_approved" }
func (p ExpenseApproved) Aggregate() string { return "expense:" + p.Expense }
func (ExpenseApproved) Postings() []Posting { return nil }

// ExpenseRejected records the chair's refusal of an expense, with the
// reason. A signature is optional; when given it is in the sig slot and
// Statement is the bytes it signs.
type ExpenseRejected struct {
	Expense   string `json:"expense"`
	Reason    string `json:"reason"`
	Statement string `json:"statement,omitempty"`
}

func (ExpenseRejected) Type() string        { return "expense_rejected" }
func (p ExpenseRejected) Aggregate() string { return "expense:" + p.Expense }
func (ExpenseRejected) Postings() []Posting { return nil }

// ExpenseCancelled records that the requester withdrew an expense before
// the chair decided on it.
type ExpenseCancelled struct {
	Expense string `json:"expense"`
	Reason  string `json:"reason,omitempty"`
}

func (ExpenseCancelled) Type() string        { return "expense_cancelled" }
func (p ExpenseCancelled) Aggregate() string { return "expense:" + p.Expense }
func (ExpenseCancelled) Postings() []Posting { return nil }

// CollectiveDecisionRecorded records a decision of the union committee
// (集体研究): the meeting, when it was held, who attended and the hash of
// the minutes (the minutes themselves stay outside the log). Expenses lists
// the pending expenses it covers; a later request may instead name the
// decision.
type CollectiveDecisionRecorded struct {
	Decision    string   `json:"decision"`
	Meeting     string   `json:"meeting"`
	Held        string   `json:"held"`
	Attendees   []string `json:"attendees"`
	MinutesHash string   `json:"minutes_hash"`
	Expenses    []string `json:"expenses,omitempty"`
}

func (CollectiveDecisionRecorded) Type() string        { return "collective_decision_recorded" }
func (p CollectiveDecisionRecorded) Aggregate() string { return "decision:" + p.Decision }
func (CollectiveDecisionRecorded) Postings() []Posting { return nil }

// CollectiveThresholdSet is the union's policy for large items: an expense
// of more than Amount needs a recorded collective decision before the chair
// may sign. It is data, never a constant, because it varies by union.
type CollectiveThresholdSet struct {
	Amount Fen `json:"amount_fen"`
}

func (CollectiveThresholdSet) Type() string        { return "collective_threshold_set" }
func (CollectiveThresholdSet) Aggregate() string   { return "policy:collective-threshold" }
func (CollectiveThresholdSet) Postings() []Posting { return nil }

// ExpensePaid records money paid out for an approved expense against an
// expense account (501–508 and their sub-accounts). Account, amount, payee
// and purpose repeat the request so the event's postings stand alone.
// Voucher is the bookkeeping voucher or receipt number (凭证号), if any.
//
// Schema 2 added Voucher; schema-1 events (without it) are upcast.
type ExpensePaid struct {
	Expense string `json:"expense"`
	Account string `json:"account"`
	Amount  Fen    `json:"amount_fen"`
	Payee   string `json:"payee"`
	Purpose string `json:"purpose"`
	Via     Via    `json:"via"`
	Voucher string `json:"voucher,omitempty"`
}

func (ExpensePaid) Type() string        { return "expense_paid" }
func (p ExpensePaid) Aggregate() string { return "expense:" + p.Expense }
func (p ExpensePaid) Postings() []Posting {
	return []Posting{{p.Account, p.Amount}, {p.Via.Account(), -p.Amount}}
}

// expensePaidV1 is the schema-1 shape of expense_paid, written before
// payments carried a voucher number.
type expensePaidV1 struct {
	Expense string `json:"expense"`
	Account string `json:"account"`
	Amount  Fen    `json:"amount_fen"`
	Payee   string `json:"payee"`
	Purpose string `json:"purpose"`
	Via     Via    `json:"via"`
}

// expensePaidTypes decodes both schemas of expense_paid; version 1 is
// upcast to the current type with an empty voucher.
func expensePaidTypes() typeInfo {
	return typeInfo{latest: 2, decoders: map[int]func([]byte) (Payload, error){
		1: func(b []byte) (Payload, error) {
			var p expensePaidV1
			if err := strictUnmarshal(b, &p); err != nil {
				return nil, err
			}
			return ExpensePaid{Expense: p.Expense, Account: p.Account, Amount: p.Amount, Payee: p.Payee, Purpose: p.Purpose, Via: p.Via}, nil
		},
		2: func(b []byte) (Payload, error) {
			var p ExpensePaid
			if err := strictUnmarshal(b, &p); err != nil {
				return nil, err
			}
			return p, nil
		},
	}}
}

// expenseTypes are the events of money going out.
var expenseTypes = map[string]typeInfo{
	"expense_requested":            v1[ExpenseRequested](),
	"expense_approved":             v1[ExpenseApproved](),
	"expense_rejected":             v1[ExpenseRejected](),
	"expense_cancelled":            v1[ExpenseCancelled](),
	"collective_decision_recorded": v1[CollectiveDecisionRecorded](),
	"collective_threshold_set":     v1[CollectiveThresholdSet](),
	"expense_paid":                 expensePaidTypes(),
}
