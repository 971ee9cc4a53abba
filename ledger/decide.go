package ledger

import (
	"github.com/unionledger/unionledger/events"
)

// OrgInfo is what the ledger knows of an opened union.
type OrgInfo struct {
	Name  string
	Chart string
}

// State is the per-org state the rules decide on. The append path gives
// decide functions a consistent snapshot at the org's last durable event,
// overlaid with what earlier commands of the same group decided.
type State interface {
	// Org returns the org's info, and false if it was never opened.
	Org(org string) (OrgInfo, bool, error)
	// Balance is the debit-positive balance of an account.
	Balance(org, account string) (events.Fen, error)
	// ReceiptUsed reports whether a receipt number was used in a book.
	ReceiptUsed(org string, r events.Receipt) (bool, error)
}

// decider turns one command into events, or refuses it. It is pure: it
// reads only st and cmd.
type decider func(st State, cmd Command) ([]events.Draft, error)

// deciders maps command types to their rules. Fixed at build time.
var deciders = map[string]decider{
	"open_org":           decideOpenOrg,
	"receive_dues":       decideReceiveDues,
	"receive_allocation": decideReceiveAllocation,
	"pay_expense":        decidePayExpense,
}

// CommandTypes lists the command types the ledger accepts.
func CommandTypes() []string {
	out := make([]string, 0, len(deciders))
	for k := range deciders {
		out = append(out, k)
	}
	return out
}

// Decide applies the rules for cmd to st. It never writes anything.
func Decide(st State, cmd Command) ([]events.Draft, error) {
	if err := cmd.check(); err != nil {
		return nil, err
	}
	d := deciders[cmd.Type]
	if cmd.Type != "open_org" {
		if _, ok, err := st.Org(cmd.Org); err != nil {
			return nil, err
		} else if !ok {
			return nil, ruleErr(CodeUnknownOrg, "org-opened", "org %q has not been opened", cmd.Org)
		}
	}
	return d(st, cmd)
}

func decideOpenOrg(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Name  string `json:"name"`
		Chart string `json:"chart"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if in.Name == "" || len(in.Name) > 200 {
		return nil, errField(cmd.Type, "name", "must be 1–200 bytes")
	}
	if _, ok := events.ChartByVersion(in.Chart); !ok {
		return nil, ruleErr(CodeInvalid, "chart-versioned", "chart %q: must be \"2010\" or \"2022\"", in.Chart)
	}
	if _, ok, err := st.Org(cmd.Org); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeOrgExists, "org-opened", "org %q is already open", cmd.Org)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.OrgOpened{Name: in.Name, Chart: in.Chart}}}, nil
}

// receiptIn is the receipt as commands carry it.
type receiptIn struct {
	Book   string `json:"book"`
	Number string `json:"number"`
}

func checkReceipt(st State, cmd Command, r receiptIn) (events.Receipt, error) {
	if !events.ValidID(r.Book) || !events.ValidID(r.Number) {
		return events.Receipt{}, errField(cmd.Type, "receipt", "needs a book and a number (letters, digits, '-')")
	}
	rc := events.Receipt{Book: r.Book, Number: r.Number}
	used, err := st.ReceiptUsed(cmd.Org, rc)
	if err != nil {
		return events.Receipt{}, err
	}
	if used {
		return events.Receipt{}, ruleErr(CodeDuplicateRecpt, "receipt-unique",
			"receipt %s/%s is already used in this union", r.Book, r.Number)
	}
	return rc, nil
}

func checkVia(cmd Command, v string) (events.Via, error) {
	switch events.Via(v) {
	case "", events.ViaBank:
		return events.ViaBank, nil
	case events.ViaCash:
		return events.ViaCash, nil
	}
	return "", errField(cmd.Type, "via", "must be \"bank\" or \"cash\"")
}

func decideReceiveDues(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Member  string    `json:"member"`
		Period  string    `json:"period"`
		Amount  string    `json:"amount"`
		Receipt receiptIn `json:"receipt"`
		Via     string    `json:"via"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	amt, err := amount("amount", in.Amount)
	if err != nil {
		return nil, err
	}
	if !events.ValidID(in.Member) {
		return nil, errField(cmd.Type, "member", "must be a person id")
	}
	if !validPeriod(in.Period) {
		return nil, errField(cmd.Type, "period", "must be a month, YYYY-MM")
	}
	via, err := checkVia(cmd, in.Via)
	if err != nil {
		return nil, err
	}
	rc, err := checkReceipt(st, cmd, in.Receipt)
	if err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.DuesReceived{
		Member: in.Member, Period: in.Period, Amount: amt, Receipt: rc, Via: via,
	}}}, nil
}

func decideReceiveAllocation(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Period   string    `json:"period"`
		WageBill string    `json:"wage_bill"`
		Amount   string    `json:"amount"`
		Remitted string    `json:"remitted"`
		Receipt  receiptIn `json:"receipt"`
		Via      string    `json:"via"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	gross, err := amount("amount", in.Amount)
	if err != nil {
		return nil, err
	}
	wage, err := amount("wage_bill", in.WageBill)
	if err != nil {
		return nil, err
	}
	var remitted events.Fen
	if in.Remitted != "" {
		if remitted, err = events.ParseYuan(in.Remitted); err != nil {
			return nil, ruleErr(CodeInvalidAmount, "money-format", "remitted %q: %v", in.Remitted, err)
		}
	}
	if remitted > gross {
		return nil, errField(cmd.Type, "remitted", "cannot exceed the amount received")
	}
	if len(in.Period) != 4 && !validPeriod(in.Period) {
		return nil, errField(cmd.Type, "period", "must be a year (YYYY) or a month (YYYY-MM)")
	}
	via, err := checkVia(cmd, in.Via)
	if err != nil {
		return nil, err
	}
	rc, err := checkReceipt(st, cmd, in.Receipt)
	if err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.AllocationReceived{
		Period: in.Period, WageBill: wage, Gross: gross, Retained: gross - remitted, Remitted: remitted,
		Receipt: rc, Via: via,
	}}}, nil
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
