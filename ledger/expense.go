package ledger

import (
	"encoding/base64"
	"regexp"
	"unicode"
	"unicode/utf8"

	"github.com/unionledger/unionledger/events"
)

// ExpenseState answers the queries of the money-out rules.
type ExpenseState interface {
	// Expense returns an expense of the union as requested and decided so
	// far, and false if no such expense was requested.
	Expense(org, id string) (ExpenseInfo, bool, error)
	// Decision returns a recorded collective decision (集体研究).
	Decision(org, id string) (DecisionInfo, bool, error)
	// CollectiveThreshold is the union's threshold for large items, and
	// false while the union has set none.
	CollectiveThreshold(org string) (events.Fen, bool, error)
}

// ExpenseStatus is where an expense is in its lifecycle:
// pending → approved → paid, or pending → rejected / cancelled.
type ExpenseStatus string

// The expense states. There is no "draft" in the ledger: a draft lives in
// the client until the treasurer requests it; the log records facts.
const (
	ExpensePending   ExpenseStatus = "pending"   // requested, awaiting the chair
	ExpenseApproved  ExpenseStatus = "approved"  // signed by the chair, not yet paid
	ExpenseRejected  ExpenseStatus = "rejected"  // refused by the chair
	ExpenseCancelled ExpenseStatus = "cancelled" // withdrawn by the requester
	ExpensePaid      ExpenseStatus = "paid"      // money paid out
)

// ExpenseStatuses lists every status, in lifecycle order.
func ExpenseStatuses() []ExpenseStatus {
	return []ExpenseStatus{ExpensePending, ExpenseApproved, ExpenseRejected, ExpenseCancelled, ExpensePaid}
}

// ExpenseInfo is an expense as requested and decided so far.
type ExpenseInfo struct {
	ID          string        `json:"expense"`
	Status      ExpenseStatus `json:"status"`
	Account     string        `json:"account"`
	Amount      events.Fen    `json:"amount_fen"`
	Payee       string        `json:"payee"`
	PayeePerson string        `json:"payee_person,omitempty"`
	Purpose     string        `json:"purpose"`
	// Decision is the collective decision that covers the expense: the one
	// the request named, or the first recorded decision that listed it.
	Decision    string   `json:"decision,omitempty"`
	Documents   []string `json:"documents,omitempty"`
	RequestedBy string   `json:"requested_by"`
	RequestSeq  uint64   `json:"request_seq"`
	RequestDate string   `json:"request_date"`
	// The chair's approval or rejection, or the requester's cancellation.
	DecidedBy   string `json:"decided_by,omitempty"`
	DecidedSeq  uint64 `json:"decided_seq,omitempty"`
	DecidedDate string `json:"decided_date,omitempty"`
	Key         string `json:"key,omitempty"` // the key that signed the decision
	Reason      string `json:"reason,omitempty"`
	// The payment.
	PaidBy   string     `json:"paid_by,omitempty"`
	PaidSeq  uint64     `json:"paid_seq,omitempty"`
	PaidDate string     `json:"paid_date,omitempty"`
	Via      events.Via `json:"via,omitempty"`
	Voucher  string     `json:"voucher,omitempty"`
}

// DecisionInfo is a recorded collective decision.
type DecisionInfo struct {
	ID          string   `json:"decision"`
	Seq         uint64   `json:"seq"`
	Meeting     string   `json:"meeting"`
	Held        string   `json:"held"`
	Attendees   []string `json:"attendees"`
	MinutesHash string   `json:"minutes_hash"`
	Expenses    []string `json:"expenses,omitempty"`
}

// covers reports whether the decision may be cited for expense: a decision
// that lists expenses covers those only; one that lists none is general.
func (d DecisionInfo) covers(expense string) bool {
	if len(d.Expenses) == 0 {
		return true
	}
	for _, e := range d.Expenses {
		if e == expense {
			return true
		}
	}
	return false
}

var expenseCommands = map[string]spec{
	"request_expense":          {decide: decideRequestExpense, roles: roles(events.RoleTreasurer)},
	"record_decision":          {decide: decideRecordDecision, roles: roles(events.RoleCommittee, events.RoleChair)},
	"set_collective_threshold": {decide: decideSetThreshold, roles: roles(events.RoleAdmin, events.RoleCommittee)},
	"approve_expense":          {decide: decideApproveExpense, roles: roles(events.RoleChair)},
	"reject_expense":           {decide: decideRejectExpense, roles: roles(events.RoleChair)},
	"cancel_expense":           {decide: decideCancelExpense, roles: roles(events.RoleTreasurer)},
	"pay_expense":              {decide: decidePayExpense, roles: roles(events.RoleTreasurer)},
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Bounds on list fields, so one command stays small and reviewable.
const (
	maxDocuments = 50
	maxAttendees = 100
	maxCovered   = 100
)

func decideRequestExpense(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Expense     string   `json:"expense"`
		Account     string   `json:"account"`
		Amount      string   `json:"amount"`
		Payee       string   `json:"payee"`
		PayeePerson string   `json:"payee_person"`
		Purpose     string   `json:"purpose"`
		Decision    string   `json:"decision"`
		Documents   []string `json:"documents"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if !events.ValidID(in.Expense) {
		return nil, errField(cmd.Type, "expense", "must be an expense id")
	}
	amt, err := amount("amount", in.Amount)
	if err != nil {
		return nil, err
	}
	if in.Payee == "" || len(in.Payee) > 200 || in.Purpose == "" || len(in.Purpose) > 500 {
		return nil, errField(cmd.Type, "payee/purpose", "are required (payee ≤ 200 bytes, purpose ≤ 500)")
	}
	if len(in.Documents) > maxDocuments {
		return nil, errField(cmd.Type, "documents", "at most 50")
	}
	for _, d := range in.Documents {
		if !sha256Hex.MatchString(d) {
			return nil, errField(cmd.Type, "documents", "must be SHA-256 hashes (64 lowercase hex digits)")
		}
	}
	if err := expenseAccount(st, cmd, in.Account); err != nil {
		return nil, err
	}
	if _, ok, err := st.Expense(cmd.Org, in.Expense); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeStateConflict, "expense-lifecycle", "expense %q was already requested in this union", in.Expense)
	}
	if in.PayeePerson != "" {
		if err := person(st, cmd, in.PayeePerson); err != nil {
			return nil, err
		}
		if in.PayeePerson == cmd.Actor {
			return nil, ruleErr(CodeSelfApproval, "three-people",
				"%s may not request a payment to themselves: requester and payee must be different people", cmd.Actor)
		}
	}
	if err := checkCitedDecision(st, cmd.Org, in.Decision, in.Expense); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.ExpenseRequested{
		Expense: in.Expense, Account: in.Account, Amount: amt, Payee: in.Payee, PayeePerson: in.PayeePerson,
		Purpose: in.Purpose, Decision: in.Decision, Documents: in.Documents,
	}}}, nil
}

// expenseAccount checks that account is a postable expense account of the
// union's chart.
func expenseAccount(st State, cmd Command, account string) error {
	org, _, err := st.Org(cmd.Org)
	if err != nil {
		return err
	}
	chart, _ := events.ChartByVersion(org.Chart)
	a, ok := chart.Account(account)
	if !ok || a.Class != events.Expense || !chart.Postable(account) {
		return ruleErr(CodeUnknownAccount, "chart-versioned",
			"account %q is not a postable expense account of chart %s", account, chart.Version)
	}
	return nil
}

func decideRecordDecision(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Decision    string   `json:"decision"`
		Meeting     string   `json:"meeting"`
		Held        string   `json:"held"`
		Attendees   []string `json:"attendees"`
		MinutesHash string   `json:"minutes_hash"`
		Expenses    []string `json:"expenses"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	switch {
	case !events.ValidID(in.Decision):
		return nil, errField(cmd.Type, "decision", "must be a decision id")
	case in.Meeting == "" || len(in.Meeting) > 200:
		return nil, errField(cmd.Type, "meeting", "is required (≤ 200 bytes)")
	case !events.ValidDate(in.Held):
		return nil, errField(cmd.Type, "held", "must be the meeting's date, YYYY-MM-DD")
	case in.Held > cmd.Date:
		return nil, errField(cmd.Type, "held", "cannot be after the date the decision is recorded")
	case !sha256Hex.MatchString(in.MinutesHash):
		return nil, errField(cmd.Type, "minutes_hash", "must be the SHA-256 of the minutes (64 lowercase hex digits)")
	case len(in.Attendees) == 0 || len(in.Attendees) > maxAttendees:
		return nil, errField(cmd.Type, "attendees", "must list 1–100 people who attended")
	case len(in.Expenses) > maxCovered:
		return nil, errField(cmd.Type, "expenses", "at most 100")
	}
	if dup := firstDuplicate(in.Attendees); dup != "" {
		return nil, errField(cmd.Type, "attendees", "lists "+dup+" twice")
	}
	if dup := firstDuplicate(in.Expenses); dup != "" {
		return nil, errField(cmd.Type, "expenses", "lists "+dup+" twice")
	}
	for _, a := range in.Attendees {
		if err := person(st, cmd, a); err != nil {
			return nil, err
		}
	}
	if _, ok, err := st.Decision(cmd.Org, in.Decision); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeStateConflict, "collective-decision", "decision %q is already recorded", in.Decision)
	}
	for _, id := range in.Expenses {
		e, ok, err := st.Expense(cmd.Org, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ruleErr(CodeUnknownRef, "collective-decision", "expense %q has not been requested in this union", id)
		}
		if e.Status != ExpensePending {
			return nil, ruleErr(CodeAlreadyDecided, "collective-decision", "expense %q is already %s", id, e.Status)
		}
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.CollectiveDecisionRecorded{
		Decision: in.Decision, Meeting: in.Meeting, Held: in.Held, Attendees: in.Attendees,
		MinutesHash: in.MinutesHash, Expenses: in.Expenses,
	}}}, nil
}

// printable reports whether s is valid UTF-8 without control characters:
// voucher numbers are written as on paper, e.g. "记-2025-017".
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func firstDuplicate(ids []string) string {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return id
		}
		seen[id] = true
	}
	return ""
}

func decideSetThreshold(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Amount string `json:"amount"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	amt, err := events.ParseYuan(in.Amount)
	if err != nil {
		return nil, ruleErr(CodeInvalidAmount, "money-format", "amount %q: %v", in.Amount, err)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.CollectiveThresholdSet{Amount: amt}}}, nil
}

// pendingExpense returns the expense a decision is about, refusing one that
// does not exist or was decided before.
func pendingExpense(st State, cmd Command, id string) (ExpenseInfo, error) {
	if !events.ValidID(id) {
		return ExpenseInfo{}, errField(cmd.Type, "expense", "must be an expense id")
	}
	e, ok, err := st.Expense(cmd.Org, id)
	if err != nil {
		return ExpenseInfo{}, err
	}
	if !ok {
		return ExpenseInfo{}, ruleErr(CodeUnknownRef, "expense-lifecycle", "expense %q has not been requested in this union", id)
	}
	if e.Status != ExpensePending {
		return ExpenseInfo{}, ruleErr(CodeAlreadyDecided, "expense-lifecycle", "expense %q is already %s", id, e.Status)
	}
	return e, nil
}

func decideApproveExpense(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Expense   string `json:"expense"`
		Key       string `json:"key"`
		Signature string `json:"signature"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	e, err := pendingExpense(st, cmd, in.Expense)
	if err != nil {
		return nil, err
	}
	if e.RequestedBy == cmd.Actor {
		return nil, ruleErr(CodeSelfApproval, "three-people", "%s requested expense %q and may not approve it", cmd.Actor, e.ID)
	}
	if e.PayeePerson == cmd.Actor {
		return nil, ruleErr(CodeSelfApproval, "three-people", "expense %q pays %s, who may not approve it", e.ID, cmd.Actor)
	}
	msg := ApprovalStatement(e.Terms(cmd.Org))
	sig, err := verifySigner(st, cmd, in.Key, in.Signature, msg)
	if err != nil {
		return nil, err
	}
	if e.Decision == "" {
		limit, set, err := st.CollectiveThreshold(cmd.Org)
		if err != nil {
			return nil, err
		}
		if !set {
			return nil, ruleErr(CodeNeedsCollective, "collective-decision",
				"the union has set no collective-decision threshold, so every expense needs a recorded collective decision (集体研究); expense %q has none", e.ID)
		}
		if e.Amount > limit {
			return nil, ruleErr(CodeNeedsCollective, "collective-decision",
				"expense %q of %s yuan is above the union's threshold of %s yuan and needs a recorded collective decision (集体研究)",
				e.ID, e.Amount.Yuan(), limit.Yuan())
		}
	}
	if err := checkBudget(st, cmd.Org, e.Account, cmd.Date, e.Amount); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Sig: sig, Payload: events.ExpenseApproved{
		Expense: e.ID, Statement: base64.StdEncoding.EncodeToString(msg),
	}}}, nil
}

func decideRejectExpense(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Expense   string `json:"expense"`
		Reason    string `json:"reason"`
		Key       string `json:"key"`
		Signature string `json:"signature"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if in.Reason == "" || len(in.Reason) > 500 {
		return nil, errField(cmd.Type, "reason", "is required (≤ 500 bytes)")
	}
	e, err := pendingExpense(st, cmd, in.Expense)
	if err != nil {
		return nil, err
	}
	out := events.Draft{Date: cmd.Date, Payload: events.ExpenseRejected{Expense: e.ID, Reason: in.Reason}}
	if in.Key != "" || in.Signature != "" {
		msg := RejectionStatement(e.Terms(cmd.Org), in.Reason)
		sig, err := verifySigner(st, cmd, in.Key, in.Signature, msg)
		if err != nil {
			return nil, err
		}
		out.Sig = sig
		out.Payload = events.ExpenseRejected{Expense: e.ID, Reason: in.Reason, Statement: base64.StdEncoding.EncodeToString(msg)}
	}
	return []events.Draft{out}, nil
}

func decideCancelExpense(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Expense string `json:"expense"`
		Reason  string `json:"reason"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if len(in.Reason) > 500 {
		return nil, errField(cmd.Type, "reason", "at most 500 bytes")
	}
	e, err := pendingExpense(st, cmd, in.Expense)
	if err != nil {
		return nil, err
	}
	if e.RequestedBy != cmd.Actor {
		return nil, ruleErr(CodeWrongRole, "expense-lifecycle", "only %s, who requested expense %q, may cancel it", e.RequestedBy, e.ID)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.ExpenseCancelled{Expense: e.ID, Reason: in.Reason}}}, nil
}

func decidePayExpense(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Expense string `json:"expense"`
		Via     string `json:"via"`
		Voucher string `json:"voucher"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if !events.ValidID(in.Expense) {
		return nil, errField(cmd.Type, "expense", "must be an expense id")
	}
	if len(in.Voucher) > 64 || !printable(in.Voucher) {
		return nil, errField(cmd.Type, "voucher", "must be at most 64 bytes of printable text")
	}
	via, err := checkVia(cmd, in.Via)
	if err != nil {
		return nil, err
	}
	e, ok, err := st.Expense(cmd.Org, in.Expense)
	if err != nil {
		return nil, err
	}
	switch {
	case !ok:
		return nil, ruleErr(CodeUnknownRef, "expense-lifecycle", "expense %q has not been requested in this union", in.Expense)
	case e.Status == ExpensePaid:
		return nil, ruleErr(CodeAlreadyDecided, "expense-lifecycle", "expense %q was already paid (seq %d)", e.ID, e.PaidSeq)
	case e.Status != ExpenseApproved:
		return nil, ruleErr(CodeNotApproved, "one-signature", "expense %q is %s: only an expense the chair approved can be paid", e.ID, e.Status)
	case e.PayeePerson == cmd.Actor:
		return nil, ruleErr(CodeSelfApproval, "three-people", "expense %q pays %s, who may not record the payment", e.ID, cmd.Actor)
	}
	bal, err := st.Balance(cmd.Org, via.Account())
	if err != nil {
		return nil, err
	}
	if bal < e.Amount {
		return nil, ruleErr(CodeOverdraft, "no-overdraft",
			"paying %s would take account %s below zero (balance %s)", e.Amount.Yuan(), via.Account(), bal.Yuan())
	}
	if err := checkBudget(st, cmd.Org, e.Account, cmd.Date, e.Amount); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.ExpensePaid{
		Expense: e.ID, Account: e.Account, Amount: e.Amount, Payee: e.Payee, Purpose: e.Purpose, Via: via, Voucher: in.Voucher,
	}}}, nil
}

// checkCitedDecision checks a collective decision an expense request cites
// (none is fine): it must be recorded and, if it lists expenses, list this
// one.
func checkCitedDecision(st State, org, decision, expense string) error {
	if decision == "" {
		return nil
	}
	d, ok, err := st.Decision(org, decision)
	if err != nil {
		return err
	}
	if !ok {
		return ruleErr(CodeUnknownRef, "collective-decision", "decision %q has not been recorded in this union", decision)
	}
	if !d.covers(expense) {
		return ruleErr(CodeUnknownRef, "collective-decision", "decision %q lists the expenses it covers, and %q is not one of them", decision, expense)
	}
	return nil
}
