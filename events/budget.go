package events

// An annual budget (预算) is per union and calendar year. It is drafted by
// the treasurer, reviewed by the committee (工会委员会) and by the
// funds-review committee (经审会), and its approval by the upper-level union
// is recorded; only then may money be spent against it (DOMAIN rule 1). A
// budget adjustment (预算调整) goes through the same chain and, once
// approved, changes lines from its "from" date. All of a year's events share
// the aggregate budget:<year>, so one aggregate replay is the whole history
// of that year's budget. None of them posts money.

// BudgetLine is one line of a budget: the amount that may be spent in the
// year on an expense account of the union's chart. A line on a parent
// account (501) covers every sub-account (50101…50104); the lines of a
// budget never overlap, so each postable account has at most one line.
type BudgetLine struct {
	Account string `json:"account"`
	Amount  Fen    `json:"amount_fen"`
}

// ApprovalDoc identifies the upper-level union's written reply (批复): its
// document number as printed and the SHA-256 of the scanned document, so
// the paper can be matched to the ledger without storing it.
type ApprovalDoc struct {
	Number string `json:"number"`
	SHA256 string `json:"sha256"`
}

// Review stages and outcomes of the budget chain.
const (
	StageCommittee   = "committee"    // 工会委员会 reviews
	StageFundsReview = "funds_review" // 经费审查委员会 reviews
	OutcomePass      = "pass"
	OutcomeReturn    = "return" // back to draft: the treasurer redrafts
)

func budgetAggregate(year string) string { return "budget:" + year }

// BudgetDrafted records the treasurer's draft of a year's budget. A draft
// of a year that already has an unapproved draft replaces it and restarts
// the chain.
type BudgetDrafted struct {
	Year  string       `json:"year"`
	Lines []BudgetLine `json:"lines"`
	Note  string       `json:"note,omitempty"`
}

func (BudgetDrafted) Type() string        { return "budget_drafted" }
func (p BudgetDrafted) Aggregate() string { return budgetAggregate(p.Year) }
func (BudgetDrafted) Postings() []Posting { return nil }

// BudgetReviewed records one review of the current draft: by the committee
// or by the funds-review committee, passing it on or returning it to draft.
type BudgetReviewed struct {
	Year    string `json:"year"`
	Stage   string `json:"stage"`
	Outcome string `json:"outcome"`
	Opinion string `json:"opinion,omitempty"`
}

func (BudgetReviewed) Type() string        { return "budget_reviewed" }
func (p BudgetReviewed) Aggregate() string { return budgetAggregate(p.Year) }
func (BudgetReviewed) Postings() []Posting { return nil }

// BudgetApproved records the upper-level union's approval of the reviewed
// draft. From then on its lines bound spending in the year.
type BudgetApproved struct {
	Year     string      `json:"year"`
	Document ApprovalDoc `json:"document"`
}

func (BudgetApproved) Type() string        { return "budget_approved" }
func (p BudgetApproved) Aggregate() string { return budgetAggregate(p.Year) }
func (BudgetApproved) Postings() []Posting { return nil }

// BudgetAdjustmentDrafted records the draft of an adjustment to an approved
// budget: each line sets the amount of a line (existing or new) from the
// date From on. Drafting the same adjustment again replaces the draft.
type BudgetAdjustmentDrafted struct {
	Adjustment string       `json:"adjustment"`
	Year       string       `json:"year"`
	From       string       `json:"from"`
	Lines      []BudgetLine `json:"lines"`
	Note       string       `json:"note"`
}

func (BudgetAdjustmentDrafted) Type() string        { return "budget_adjustment_drafted" }
func (p BudgetAdjustmentDrafted) Aggregate() string { return budgetAggregate(p.Year) }
func (BudgetAdjustmentDrafted) Postings() []Posting { return nil }

// BudgetAdjustmentReviewed is BudgetReviewed for an adjustment.
type BudgetAdjustmentReviewed struct {
	Adjustment string `json:"adjustment"`
	Year       string `json:"year"`
	Stage      string `json:"stage"`
	Outcome    string `json:"outcome"`
	Opinion    string `json:"opinion,omitempty"`
}

func (BudgetAdjustmentReviewed) Type() string        { return "budget_adjustment_reviewed" }
func (p BudgetAdjustmentReviewed) Aggregate() string { return budgetAggregate(p.Year) }
func (BudgetAdjustmentReviewed) Postings() []Posting { return nil }

// BudgetAdjustmentApproved records the upper-level union's approval of an
// adjustment: its lines take effect from its From date.
type BudgetAdjustmentApproved struct {
	Adjustment string      `json:"adjustment"`
	Year       string      `json:"year"`
	Document   ApprovalDoc `json:"document"`
}

func (BudgetAdjustmentApproved) Type() string        { return "budget_adjustment_approved" }
func (p BudgetAdjustmentApproved) Aggregate() string { return budgetAggregate(p.Year) }
func (BudgetAdjustmentApproved) Postings() []Posting { return nil }

// budgetTypes are the events of annual budgets (预算) and their adjustments.
var budgetTypes = map[string]typeInfo{
	"budget_drafted":             v1[BudgetDrafted](),
	"budget_reviewed":            v1[BudgetReviewed](),
	"budget_approved":            v1[BudgetApproved](),
	"budget_adjustment_drafted":  v1[BudgetAdjustmentDrafted](),
	"budget_adjustment_reviewed": v1[BudgetAdjustmentReviewed](),
	"budget_adjustment_approved": v1[BudgetAdjustmentApproved](),
}
