package events

// DuesReceived records a member's monthly dues (会费) against a receipt.
type DuesReceived struct {
	Member  string  `json:"member"`
	Period  string  `json:"period"`
	Amount  Fen     `json:"amount_fen"`
	Receipt Receipt `json:"receipt"`
	Via     Via     `json:"via"`
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

// Receipted is implemented by payloads that consume a receipt number.
type Receipted interface {
	ReceiptRef() Receipt
}

func (p DuesReceived) ReceiptRef() Receipt       { return p.Receipt }
func (p AllocationReceived) ReceiptRef() Receipt { return p.Receipt }

// incomeTypes are the events of money coming in.
var incomeTypes = map[string]typeInfo{
	"dues_received":       v1[DuesReceived](),
	"allocation_received": v1[AllocationReceived](),
}
