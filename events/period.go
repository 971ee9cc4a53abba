package events

// MonthClosed records that the treasurer closed a month's books (月结): no
// event dated in that month, or any month before it, may post money again.
// Months are closed one after another, so "closed through Month" is the
// whole state a reader needs.
type MonthClosed struct {
	Month string `json:"month"` // YYYY-MM
}

func (MonthClosed) Type() string        { return "month_closed" }
func (p MonthClosed) Aggregate() string { return "period:" + p.Month }
func (MonthClosed) Postings() []Posting { return nil }

// YearClosed records that the chair closed a year's books (年结) after the
// treasurer closed its twelve months.
type YearClosed struct {
	Year string `json:"year"` // YYYY
}

func (YearClosed) Type() string        { return "year_closed" }
func (p YearClosed) Aggregate() string { return "period:" + p.Year }
func (YearClosed) Postings() []Posting { return nil }

// ReversalPosted corrects an earlier event by posting its exact opposite
// (红字冲销) in an open period; the original stays in the log untouched.
// The negated postings are stored, not derived, so a reader in any language
// folds them like any other event's without looking the original up.
type ReversalPosted struct {
	OriginalSeq       uint64 `json:"original_seq"`
	OriginalType      string `json:"original_type"`
	OriginalHash      string `json:"original_hash"`
	OriginalAggregate string `json:"original_aggregate"`
	Reason            string `json:"reason"`
	// Lines are the original's postings with their signs flipped, in the
	// original's order.
	Lines []Posting `json:"postings"`
}

func (ReversalPosted) Type() string { return "reversal_posted" }

// Aggregate is the original's, so the trail of the thing corrected (an
// expense, a member's dues) shows the reversal beside what it reverses.
func (p ReversalPosted) Aggregate() string   { return p.OriginalAggregate }
func (p ReversalPosted) Postings() []Posting { return p.Lines }

// Negate returns postings with every amount's sign flipped: the lines of a
// reversal.
func Negate(ps []Posting) []Posting {
	out := make([]Posting, len(ps))
	for i, p := range ps {
		out[i] = Posting{Account: p.Account, Amount: -p.Amount}
	}
	return out
}

// periodTypes are the events of periods: month and year close, reversals (红字冲销).
var periodTypes = map[string]typeInfo{
	"month_closed":    v1[MonthClosed](),
	"year_closed":     v1[YearClosed](),
	"reversal_posted": v1[ReversalPosted](),
}
