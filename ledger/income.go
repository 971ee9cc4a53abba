package ledger

import "github.com/unionledger/unionledger/events"

// IncomeState answers the queries of the money-in rules.
type IncomeState interface{}

var incomeCommands = map[string]spec{
	"receive_dues":       {decide: decideReceiveDues, roles: roles(events.RoleTreasurer)},
	"receive_allocation": {decide: decideReceiveAllocation, roles: roles(events.RoleTreasurer)},
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
