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
	IncomeState
	ExpenseState
	BudgetState
	PeriodState
	AuditState
	DisclosureState
	ReliefState
	WelfareState
}

// MoneyState answers the queries every money rule needs.
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
var commands = mergeSpecs(orgCommands, incomeCommands, expenseCommands, budgetCommands, peopleCommands, periodCommands, auditCommands, disclosureCommands, reliefCommands, welfareCommands)

var orgCommands = map[string]spec{
	"open_org": {decide: decideOpenOrg},
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
	drafts, err := sp.decide(st, cmd)
	if err != nil {
		return nil, err
	}
	if err := checkOpenPeriods(st, cmd, drafts); err != nil {
		return nil, err
	}
	return drafts, nil
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
