package ledger

import (
	"github.com/unionledger/unionledger/events"
)

// OrgInfo is what the ledger knows of an opened union.
type OrgInfo struct {
	Name  string
	Chart string
}

// State is the per-org state the rules decide on: a consistent snapshot at
// the org's last durable event plus what earlier commands of the same group
// decided. Each area of rules declares the queries it needs.
type State interface {
	MoneyState
	PeopleState
}

// MoneyState answers the queries of the money rules.
type MoneyState interface {
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

// spec is what the ledger knows of one command type.
type spec struct {
	decide decider
	// roles may issue the command: the actor must hold one of them when
	// the command is decided. Empty only for open_org.
	roles []events.Role
	// prepare, if set, rewrites the command before it is decided, outside
	// the pure rules (it seals personal data with the person's key), and
	// returns the content hash that identifies a retry.
	prepare func(keys KeyStore, cmd Command) (Command, string, error)
}

// commands maps command types to their specs, merged from each area's
// table. Fixed at build time.
var commands = mergeSpecs(moneyCommands, peopleCommands)

var moneyCommands = map[string]spec{
	"open_org":           {decide: decideOpenOrg},
	"receive_dues":       {decide: decideReceiveDues, roles: roles(events.RoleTreasurer)},
	"receive_allocation": {decide: decideReceiveAllocation, roles: roles(events.RoleTreasurer)},
	"pay_expense":        {decide: decidePayExpense, roles: roles(events.RoleTreasurer)},
}

func roles(r ...events.Role) []events.Role { return r }

func mergeSpecs(tables ...map[string]spec) map[string]spec {
	out := map[string]spec{}
	for _, t := range tables {
		for k, v := range t {
			if _, dup := out[k]; dup {
				panic("ledger: command type " + k + " defined twice")
			}
			out[k] = v
		}
	}
	return out
}

// CommandTypes lists the command types the ledger accepts.
func CommandTypes() []string {
	out := make([]string, 0, len(commands))
	for k := range commands {
		out = append(out, k)
	}
	return out
}

// Decide applies the rules for cmd to st. It never writes anything.
func Decide(st State, cmd Command) ([]events.Draft, error) {
	if err := cmd.check(); err != nil {
		return nil, err
	}
	sp := commands[cmd.Type]
	if cmd.Type != "open_org" {
		if _, ok, err := st.Org(cmd.Org); err != nil {
			return nil, err
		} else if !ok {
			return nil, ruleErr(CodeUnknownOrg, "org-opened", "org %q has not been opened", cmd.Org)
		}
		if err := authorize(st, cmd, sp.roles); err != nil {
			return nil, err
		}
	}
	return sp.decide(st, cmd)
}

func decideOpenOrg(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Name     string `json:"name"`
		Chart    string `json:"chart"`
		Officers []struct {
			Person string      `json:"person"`
			Role   events.Role `json:"role"`
		} `json:"officers"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if len(in.Officers) > 50 {
		return nil, errField(cmd.Type, "officers", "at most 50")
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
	// The opener becomes the first administrator; founding officers named in
	// the command are registered and granted their roles in the same batch.
	out := []events.Draft{{Date: cmd.Date, Payload: events.OrgOpened{Name: in.Name, Chart: in.Chart}}}
	registered := map[string]bool{}
	grant := func(person string, role events.Role) {
		if !registered[person] {
			registered[person] = true
			out = append(out, events.Draft{Date: cmd.Date, Payload: events.PersonRegistered{Person: person}})
		}
		out = append(out, events.Draft{Date: cmd.Date, Payload: events.RoleGranted{Person: person, Role: role}})
	}
	grant(cmd.Actor, events.RoleAdmin)
	for _, o := range in.Officers {
		if !events.ValidID(o.Person) || !o.Role.Valid() {
			return nil, errField(cmd.Type, "officers", "need a valid person id and role for each officer")
		}
		if o.Person == cmd.Actor && o.Role == events.RoleAdmin {
			continue
		}
		grant(o.Person, o.Role)
	}
	return out, nil
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
