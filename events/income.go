package events

// DuesBasis says which figure a member's dues were assessed on: the whole
// monthly wage, or, for civil-service and public-institution staff (公务员、
// 参公及事业单位人员), the basic salary only.
type DuesBasis string

const (
	DuesBasisWage        DuesBasis = "wage"         // 工资收入
	DuesBasisBasicSalary DuesBasis = "basic_salary" // 基本工资 (civil service, public institutions)
)

// Valid reports whether b is a known basis.
func (b DuesBasis) Valid() bool { return b == DuesBasisWage || b == DuesBasisBasicSalary }

// DuesReceived records a member's monthly dues (会费) against a receipt.
// Basis is set only when the ledger assessed Amount itself from a wage the
// treasurer stated (the wage is personal data and is not recorded); it is
// empty when the treasurer stated the amount.
type DuesReceived struct {
	Member  string    `json:"member"`
	Period  string    `json:"period"`
	Amount  Fen       `json:"amount_fen"`
	Receipt Receipt   `json:"receipt"`
	Via     Via       `json:"via"`
	Basis   DuesBasis `json:"basis,omitempty"`
}

func (DuesReceived) Type() string        { return "dues_received" }
func (p DuesReceived) Aggregate() string { return "member:" + p.Member }
func (p DuesReceived) Postings() []Posting {
	return []Posting{{p.Via.Account(), p.Amount}, {AcctDues, -p.Amount}}
}

// AllocationReceived records the employer's allocation (拨缴经费, 2% of the
// wage bill): Gross arrives, Retained is the union's income, Remitted is owed
// to the upper-level union.
type AllocationReceived struct {
	Period   string  `json:"period"`
	WageBill Fen     `json:"wage_bill_fen"`
	Gross    Fen     `json:"gross_fen"`
	Retained Fen     `json:"retained_fen"`
	Remitted Fen     `json:"remitted_fen"`
	Receipt  Receipt `json:"receipt"`
	Via      Via     `json:"via"`
}

func (AllocationReceived) Type() string        { return "allocation_received" }
func (p AllocationReceived) Aggregate() string { return "allocation:" + p.Period }
func (p AllocationReceived) Postings() []Posting {
	ps := []Posting{{p.Via.Account(), p.Gross}, {AcctAllocation, -p.Retained}}
	if p.Remitted != 0 {
		ps = append(ps, Posting{AcctPayableUpper, -p.Remitted})
	}
	return ps
}

// AllocationSplitSet records the union's allocation split policy: the share
// of each allocation the grassroots union keeps, in basis points (6000 =
// 60%); the rest is owed upward. The split varies by province and year, so
// it is data, never a constant: it governs every allocation_received
// decided after it until the next allocation_split_set.
type AllocationSplitSet struct {
	RetainedBP int    `json:"retained_bp"`
	Reference  string `json:"reference,omitempty"`
}

func (AllocationSplitSet) Type() string        { return "allocation_split_set" }
func (AllocationSplitSet) Aggregate() string   { return "policy:allocation-split" }
func (AllocationSplitSet) Postings() []Posting { return nil }

// AllocationRemitted records paying the upper-level union (上解) the share
// of allocations owed to it (应付上级经费, 201).
type AllocationRemitted struct {
	Period    string `json:"period,omitempty"`
	Amount    Fen    `json:"amount_fen"`
	To        string `json:"to"`
	Reference string `json:"reference,omitempty"`
	Via       Via    `json:"via"`
}

func (AllocationRemitted) Type() string { return "allocation_remitted" }
func (p AllocationRemitted) Aggregate() string {
	if p.Period == "" {
		return "allocation"
	}
	return "allocation:" + p.Period
}
func (p AllocationRemitted) Postings() []Posting {
	return []Posting{{AcctPayableUpper, p.Amount}, {p.Via.Account(), -p.Amount}}
}

// SubsidyReceived records an upper-level subsidy (上级补助收入) credited to
// one of the sub-accounts of 403 (40301 回拨补助 … 40307 其他补助).
type SubsidyReceived struct {
	Account string  `json:"account"`
	Amount  Fen     `json:"amount_fen"`
	Payer   string  `json:"payer"`
	Memo    string  `json:"memo,omitempty"`
	Receipt Receipt `json:"receipt"`
	Via     Via     `json:"via"`
}

func (SubsidyReceived) Type() string        { return "subsidy_received" }
func (p SubsidyReceived) Aggregate() string { return "income:" + p.Account }
func (p SubsidyReceived) Postings() []Posting {
	return []Posting{{p.Via.Account(), p.Amount}, {p.Account, -p.Amount}}
}

// IncomeReceived records other income: 404 政府补助收入, 405 行政补助收入,
// 406 事业收入, 407 投资收益, 408 其他收入.
type IncomeReceived struct {
	Account string  `json:"account"`
	Amount  Fen     `json:"amount_fen"`
	Payer   string  `json:"payer"`
	Memo    string  `json:"memo,omitempty"`
	Receipt Receipt `json:"receipt"`
	Via     Via     `json:"via"`
}

func (IncomeReceived) Type() string        { return "income_received" }
func (p IncomeReceived) Aggregate() string { return "income:" + p.Account }
func (p IncomeReceived) Postings() []Posting {
	return []Posting{{p.Via.Account(), p.Amount}, {p.Account, -p.Amount}}
}

// Receipted is implemented by payloads that consume a receipt number.
type Receipted interface {
	ReceiptRef() Receipt
}

func (p DuesReceived) ReceiptRef() Receipt       { return p.Receipt }
func (p AllocationReceived) ReceiptRef() Receipt { return p.Receipt }
func (p SubsidyReceived) ReceiptRef() Receipt    { return p.Receipt }
func (p IncomeReceived) ReceiptRef() Receipt     { return p.Receipt }

// incomeTypes are the events of money coming in, and of the allocation
// owed upward leaving.
var incomeTypes = map[string]typeInfo{
	"dues_received":        v1[DuesReceived](),
	"allocation_received":  v1[AllocationReceived](),
	"allocation_split_set": v1[AllocationSplitSet](),
	"allocation_remitted":  v1[AllocationRemitted](),
	"subsidy_received":     v1[SubsidyReceived](),
	"income_received":      v1[IncomeReceived](),
}
