package ledger

import (
	"strconv"
	"unicode/utf8"

	"github.com/unionledger/unionledger/events"
)

// IncomeState answers the queries of the money-in rules.
type IncomeState interface {
	// AllocationSplit returns the union's allocation split policy in force:
	// the share it retains, in basis points; ok is false if none was set.
	AllocationSplit(org string) (retainedBP int, ok bool, err error)
}

var incomeCommands = map[string]spec{
	"receive_dues":         {decide: decideReceiveDues, roles: roles(events.RoleTreasurer)},
	"receive_allocation":   {decide: decideReceiveAllocation, roles: roles(events.RoleTreasurer)},
	"set_allocation_split": {decide: decideSetAllocationSplit, roles: roles(events.RoleAdmin, events.RoleChair)},
	"remit_allocation":     {decide: decideRemitAllocation, roles: roles(events.RoleTreasurer)},
	"receive_subsidy":      {decide: decideReceiveSubsidy, roles: roles(events.RoleTreasurer)},
	"receive_income":       {decide: decideReceiveIncome, roles: roles(events.RoleTreasurer)},
}

// AssessDues is a member's monthly dues (会费) on a monthly wage: 0.5% of the
// wage with the remainder under 10 yuan left out (wage 6,789.00 → 6,780.00 ×
// 0.5% = 33.90). For civil-service and public-institution staff the caller
// passes the basic salary instead of the whole wage; the arithmetic is the
// same.
//
// No rounding ever happens: the assessed base is a whole multiple of 10 yuan
// (1,000 fen), and 0.5% of 1,000 fen is exactly 5 fen, so the dues are
// base/200 fen exactly, always a multiple of 5 fen. A wage under 10 yuan, or
// not positive, assesses no dues (0).
func AssessDues(wage events.Fen) events.Fen {
	if wage <= 0 {
		return 0
	}
	base := wage - wage%1000
	return base / 200
}

// AllocationDue is the allocation (拨缴经费) an employer owes on a wage bill:
// 2% of it, in fen, rounded half up to the fen (wage bill 123.25 yuan →
// 2.465 → 2.47). Integer arithmetic only: (wageBill×2 + 50) / 100. The wage
// bill is at most 10¹⁴ fen (money-format), so nothing overflows.
func AllocationDue(wageBill events.Fen) events.Fen {
	if wageBill <= 0 {
		return 0
	}
	return (wageBill*2 + 50) / 100
}

// SplitAllocation divides an allocation received under a split policy: the
// union retains gross × retainedBP / 10000, rounded half up to the fen, and
// the remitted share is the rest, so retained + remitted = gross exactly
// (gross 0.05 at 6000 → retained 0.03, remitted 0.02; gross 0.05 at 5000 →
// 0.03 and 0.02). Integer arithmetic only: retained = (gross ×
// retainedBP + 5000) / 10000; gross ≤ 10¹⁴ fen and retainedBP ≤ 10000 keep it
// within int64.
func SplitAllocation(gross events.Fen, retainedBP int) (retained, remitted events.Fen) {
	retained = (gross*events.Fen(retainedBP) + 5000) / 10000
	return retained, gross - retained
}

// maxBP is 100% in basis points.
const maxBP = 10000

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

// checkText checks a free-text field: valid UTF-8 of at most max bytes,
// and not empty when required.
func checkText(cmd Command, field, s string, required bool, max int) error {
	if (required && s == "") || len(s) > max || !utf8.ValidString(s) {
		if required {
			return errField(cmd.Type, field, "is required: 1–"+strconv.Itoa(max)+" bytes of UTF-8")
		}
		return errField(cmd.Type, field, "must be at most "+strconv.Itoa(max)+" bytes of UTF-8")
	}
	return nil
}

// validYearOrMonth accepts a year (YYYY) or a month (YYYY-MM).
func validYearOrMonth(p string) bool {
	return (len(p) == 4 && events.ValidDate(p+"-01-01")) || validPeriod(p)
}

// duesIn is receive_dues data as clients send it.
type duesIn struct {
	Member  string    `json:"member"`
	Period  string    `json:"period"`
	Amount  string    `json:"amount"`
	Wage    string    `json:"wage"`
	Basis   string    `json:"basis"`
	Receipt receiptIn `json:"receipt"`
	Via     string    `json:"via"`
}

// decideReceiveDues records a member's dues. The amount is either stated
// or assessed by the ledger from the member's wage (rule dues-assessment);
// when both are given they must agree, so a treasurer's arithmetic slip is
// caught rather than recorded. Data in the plain form clients send most is
// decoded without reflection; anything else goes through decodeData.
func decideReceiveDues(st State, cmd Command) ([]events.Draft, error) {
	in, err := decodeDues(cmd)
	if err != nil {
		return nil, err
	}
	var amt events.Fen
	var basis events.DuesBasis
	if in.Wage == "" {
		if in.Basis != "" {
			return nil, errField(cmd.Type, "basis", "describes the wage: state wage with it")
		}
		if amt, err = amount("amount", in.Amount); err != nil {
			return nil, err
		}
	} else {
		wage, err := amount("wage", in.Wage)
		if err != nil {
			return nil, err
		}
		basis = events.DuesBasis(in.Basis)
		if basis == "" {
			basis = events.DuesBasisWage
		}
		if !basis.Valid() {
			return nil, errField(cmd.Type, "basis", "must be \"wage\" or \"basic_salary\"")
		}
		if amt = AssessDues(wage); amt == 0 {
			return nil, ruleErr(CodeInvalidAmount, "dues-assessment",
				"a %s of %s yuan assesses no dues (the remainder under 10 yuan is left out)", basis, wage.Yuan())
		}
		if in.Amount != "" {
			stated, err := amount("amount", in.Amount)
			if err != nil {
				return nil, err
			}
			if stated != amt {
				return nil, ruleErr(CodeInvalid, "dues-assessment",
					"amount %s yuan disagrees with the dues assessed on a %s of %s yuan: %s yuan",
					stated.Yuan(), basis, wage.Yuan(), amt.Yuan())
			}
		}
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
		Member: in.Member, Period: in.Period, Amount: amt, Receipt: rc, Via: via, Basis: basis,
	}}}, nil
}

// decideReceiveAllocation records an allocation as actually received. A
// receipt may be less than 2% of the wage bill it states (a partial payment
// or an employer in arrears): refusing it would leave money that arrived off
// the books, so it is recorded and the shortfall shows in the allocation
// periods projection. A receipt above 2% of its own wage bill contradicts
// itself and is refused (rule allocation-rate). The split follows the
// union's policy when one is set (rule allocation-split).
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
	stated := in.Remitted != ""
	var remitted events.Fen
	if stated {
		if remitted, err = events.ParseYuan(in.Remitted); err != nil {
			return nil, ruleErr(CodeInvalidAmount, "money-format", "remitted %q: %v", in.Remitted, err)
		}
	}
	if remitted > gross {
		return nil, errField(cmd.Type, "remitted", "cannot exceed the amount received")
	}
	if due := AllocationDue(wage); gross > due {
		return nil, ruleErr(CodeInvalid, "allocation-rate",
			"amount %s yuan is more than 2%% of the wage bill %s yuan (%s yuan): state the wage bill the payment covers",
			gross.Yuan(), wage.Yuan(), due.Yuan())
	}
	if !validYearOrMonth(in.Period) {
		return nil, errField(cmd.Type, "period", "must be a year (YYYY) or a month (YYYY-MM)")
	}
	via, err := checkVia(cmd, in.Via)
	if err != nil {
		return nil, err
	}
	bp, ok, err := st.AllocationSplit(cmd.Org)
	if err != nil {
		return nil, err
	}
	retained := gross - remitted
	if ok {
		var owed events.Fen
		retained, owed = SplitAllocation(gross, bp)
		if stated && remitted != owed {
			return nil, ruleErr(CodeInvalid, "allocation-split",
				"remitted %s yuan disagrees with the union's split (%d.%02d%% retained): %s yuan is owed upward",
				remitted.Yuan(), bp/100, bp%100, owed.Yuan())
		}
		remitted = owed
	}
	rc, err := checkReceipt(st, cmd, in.Receipt)
	if err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.AllocationReceived{
		Period: in.Period, WageBill: wage, Gross: gross, Retained: retained, Remitted: remitted,
		Receipt: rc, Via: via,
	}}}, nil
}

// decideSetAllocationSplit records the share of allocations the union
// keeps. It is local policy (the usual 60/40 varies by province), so it is
// an event, and it governs allocations decided after it.
func decideSetAllocationSplit(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		RetainedBP *int   `json:"retained_bp"`
		Reference  string `json:"reference"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if in.RetainedBP == nil || *in.RetainedBP < 0 || *in.RetainedBP > maxBP {
		return nil, ruleErr(CodeInvalid, "allocation-split",
			"%s: retained_bp must be an integer from 0 to 10000 (basis points: 6000 = 60%%)", cmd.Type)
	}
	if err := checkText(cmd, "reference", in.Reference, false, 200); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.AllocationSplitSet{
		RetainedBP: *in.RetainedBP, Reference: in.Reference,
	}}}, nil
}

// decideRemitAllocation pays the upper-level union from what is owed to
// it (201). Paying more than is owed would turn the liability into a
// receivable nobody agreed to, so it is refused; so is an overdraft.
func decideRemitAllocation(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Period    string `json:"period"`
		Amount    string `json:"amount"`
		To        string `json:"to"`
		Reference string `json:"reference"`
		Via       string `json:"via"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	amt, err := amount("amount", in.Amount)
	if err != nil {
		return nil, err
	}
	if in.Period != "" && !validYearOrMonth(in.Period) {
		return nil, errField(cmd.Type, "period", "must be a year (YYYY) or a month (YYYY-MM)")
	}
	if err := checkText(cmd, "to", in.To, true, 200); err != nil {
		return nil, err
	}
	if err := checkText(cmd, "reference", in.Reference, false, 200); err != nil {
		return nil, err
	}
	via, err := checkVia(cmd, in.Via)
	if err != nil {
		return nil, err
	}
	payable, err := st.Balance(cmd.Org, events.AcctPayableUpper)
	if err != nil {
		return nil, err
	}
	if owed := -payable; amt > owed {
		return nil, ruleErr(CodeStateConflict, "allocation-remit",
			"remitting %s yuan is more than the %s yuan owed to the upper-level union (201)", amt.Yuan(), owed.Yuan())
	}
	bal, err := st.Balance(cmd.Org, via.Account())
	if err != nil {
		return nil, err
	}
	if bal < amt {
		return nil, ruleErr(CodeOverdraft, "no-overdraft",
			"paying %s would take account %s below zero (balance %s)", amt.Yuan(), via.Account(), bal.Yuan())
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.AllocationRemitted{
		Period: in.Period, Amount: amt, To: in.To, Reference: in.Reference, Via: via,
	}}}, nil
}

// otherIncomeIn is the data of receive_subsidy and receive_income.
type otherIncomeIn struct {
	Account string    `json:"account"`
	Amount  string    `json:"amount"`
	Payer   string    `json:"payer"`
	Memo    string    `json:"memo"`
	Receipt receiptIn `json:"receipt"`
	Via     string    `json:"via"`
}

// isSubsidyAccount: 403 上级补助收入 and its sub-accounts.
func isSubsidyAccount(code string) bool { return len(code) >= 3 && code[:3] == "403" }

// isOtherIncomeAccount: 404 政府补助收入 … 408 其他收入 and any sub-accounts.
func isOtherIncomeAccount(code string) bool {
	if len(code) < 3 {
		return false
	}
	switch code[:3] {
	case "404", "405", "406", "407", "408":
		return true
	}
	return false
}

// decideOtherIncome checks what receive_subsidy and receive_income share:
// the account must be a postable income account of the union's chart in
// the command's family (rule income-accounts), so dues and allocations keep
// their own commands and rules and nothing lands on a parent account.
func decideOtherIncome(st State, cmd Command, family func(string) bool, familyName string) (otherIncomeIn, events.Fen, events.Via, events.Receipt, error) {
	var in otherIncomeIn
	fail := func(err error) (otherIncomeIn, events.Fen, events.Via, events.Receipt, error) {
		return otherIncomeIn{}, 0, "", events.Receipt{}, err
	}
	if err := decodeData(cmd, &in); err != nil {
		return fail(err)
	}
	amt, err := amount("amount", in.Amount)
	if err != nil {
		return fail(err)
	}
	org, _, err := st.Org(cmd.Org)
	if err != nil {
		return fail(err)
	}
	chart, _ := events.ChartByVersion(org.Chart)
	a, ok := chart.Account(in.Account)
	if !ok || a.Class != events.Income || !family(in.Account) || !chart.Postable(in.Account) {
		return fail(ruleErr(CodeUnknownAccount, "income-accounts",
			"%s: account %q is not a postable %s account of chart %s", cmd.Type, in.Account, familyName, chart.Version))
	}
	if err := checkText(cmd, "payer", in.Payer, true, 200); err != nil {
		return fail(err)
	}
	if err := checkText(cmd, "memo", in.Memo, false, 500); err != nil {
		return fail(err)
	}
	via, err := checkVia(cmd, in.Via)
	if err != nil {
		return fail(err)
	}
	rc, err := checkReceipt(st, cmd, in.Receipt)
	if err != nil {
		return fail(err)
	}
	return in, amt, via, rc, nil
}

func decideReceiveSubsidy(st State, cmd Command) ([]events.Draft, error) {
	in, amt, via, rc, err := decideOtherIncome(st, cmd, isSubsidyAccount, "upper-level subsidy (403xx 上级补助收入)")
	if err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.SubsidyReceived{
		Account: in.Account, Amount: amt, Payer: in.Payer, Memo: in.Memo, Receipt: rc, Via: via,
	}}}, nil
}

func decideReceiveIncome(st State, cmd Command) ([]events.Draft, error) {
	in, amt, via, rc, err := decideOtherIncome(st, cmd, isOtherIncomeAccount, "other income (404–408)")
	if err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.IncomeReceived{
		Account: in.Account, Amount: amt, Payer: in.Payer, Memo: in.Memo, Receipt: rc, Via: via,
	}}}, nil
}
