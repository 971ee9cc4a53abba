package projections

import (
	"fmt"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// budgets keeps annual budgets, their approval chain and adjustments:
//
//	p/budget/<org>/<YYYY>   the year's budget: its chain, the current draft's
//	                        reviews, the approval and the lines in force
//	p/badj/<org>/<id>       one adjustment: its chain, reviews and approval
//
// One record per year and per adjustment, read with one Get, so the rules
// can decide on a scratch view (which has no iteration). The lines in force
// change only when an adjustment is approved: the record then gets a step
// per adjusted line (ledger.ApplyAdjustment), so the projection and the
// rules cannot disagree on what an adjustment does. What was spent is not
// kept here: it is the balances projection's net change per account and
// year (p/by/…), read by YearNet.
type budgets struct{}

// budgetRec is the stored record of a year's budget.
type budgetRec struct {
	ledger.Budget
	// Reviews are those of the current draft, in order; a redraft clears
	// them (the events keep every earlier one).
	Reviews  []reviewRec   `json:"reviews,omitempty"`
	Approval *approvalRec  `json:"approval,omitempty"`
	Adjusted []adjustedRec `json:"adjusted,omitempty"`
}

// adjRec is the stored record of an adjustment.
type adjRec struct {
	ledger.BudgetAdjustment
	Reviews  []reviewRec  `json:"reviews,omitempty"`
	Approval *approvalRec `json:"approval,omitempty"`
}

type reviewRec struct {
	Stage   string `json:"stage"`
	Outcome string `json:"outcome"`
	Opinion string `json:"opinion,omitempty"`
	By      string `json:"by"`
	Date    string `json:"date"`
	Seq     uint64 `json:"seq"`
}

type approvalRec struct {
	Document events.ApprovalDoc `json:"document"`
	By       string             `json:"by"`
	Date     string             `json:"date"`
	Seq      uint64             `json:"seq"`
}

// adjustedRec lists the approved adjustments of a year, in approval order.
type adjustedRec struct {
	ID   string `json:"id"`
	From string `json:"from"`
	Seq  uint64 `json:"seq"`
}

func budgetKey(org, year string) []byte { return key(famProj, "budget/", org, "/", year) }
func adjKey(org, id string) []byte      { return key(famProj, "badj/", org, "/", id) }
func yearNetKey(org, account, year string) []byte {
	return key(famProj, "by/", org, "/", account, byte(0), year)
}

// statusAfter is the chain status after a review.
func statusAfter(stage, outcome string) ledger.BudgetStatus {
	switch {
	case outcome == events.OutcomeReturn:
		return ledger.BudgetStatusReturned
	case stage == events.StageCommittee:
		return ledger.BudgetStatusCommitteeReviewed
	default:
		return ledger.BudgetStatusFundsReviewed
	}
}

func (budgets) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	switch p := p.(type) {
	case events.BudgetDrafted:
		return setJSON(tx, budgetKey(env.Org, p.Year), budgetRec{Budget: ledger.Budget{Year: p.Year, BudgetChain: ledger.BudgetChain{
			Status: ledger.BudgetStatusDrafted, DraftedBy: env.Actor, Lines: p.Lines, Note: p.Note,
		}}})
	case events.BudgetReviewed:
		return updateBudget(tx, env.Org, p.Year, func(r *budgetRec) {
			r.Status = statusAfter(p.Stage, p.Outcome)
			r.Reviews = append(r.Reviews, reviewRec{p.Stage, p.Outcome, p.Opinion, env.Actor, env.Date, env.Seq})
		})
	case events.BudgetApproved:
		return updateBudget(tx, env.Org, p.Year, func(r *budgetRec) {
			r.Status = ledger.BudgetStatusApproved
			r.Approval = &approvalRec{p.Document, env.Actor, env.Date, env.Seq}
			r.InForce = make([]ledger.LineInForce, len(r.Lines))
			for i, l := range r.Lines {
				r.InForce[i] = ledger.LineInForce{Account: l.Account, Steps: []ledger.LineStep{{From: p.Year + "-01-01", Amount: l.Amount}}}
			}
		})
	case events.BudgetAdjustmentDrafted:
		return setJSON(tx, adjKey(env.Org, p.Adjustment), adjRec{BudgetAdjustment: ledger.BudgetAdjustment{
			ID: p.Adjustment, Year: p.Year, From: p.From, BudgetChain: ledger.BudgetChain{
				Status: ledger.BudgetStatusDrafted, DraftedBy: env.Actor, Lines: p.Lines, Note: p.Note,
			}}})
	case events.BudgetAdjustmentReviewed:
		return updateAdj(tx, env.Org, p.Adjustment, func(r *adjRec) {
			r.Status = statusAfter(p.Stage, p.Outcome)
			r.Reviews = append(r.Reviews, reviewRec{p.Stage, p.Outcome, p.Opinion, env.Actor, env.Date, env.Seq})
		})
	case events.BudgetAdjustmentApproved:
		var adj adjRec
		if err := updateAdj(tx, env.Org, p.Adjustment, func(r *adjRec) {
			r.Status = ledger.BudgetStatusApproved
			r.Approval = &approvalRec{p.Document, env.Actor, env.Date, env.Seq}
			adj = *r
		}); err != nil {
			return err
		}
		return updateBudget(tx, env.Org, p.Year, func(r *budgetRec) {
			r.InForce = ledger.ApplyAdjustment(r.InForce, adj.From, adj.Lines)
			r.Adjusted = append(r.Adjusted, adjustedRec{ID: adj.ID, From: adj.From, Seq: env.Seq})
		})
	}
	return nil
}

func updateBudget(tx *Tx, org, year string, f func(*budgetRec)) error {
	var r budgetRec
	if ok, err := getJSON(tx, budgetKey(org, year), &r); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("budget %s of %s was never drafted", year, org)
	}
	f(&r)
	return setJSON(tx, budgetKey(org, year), r)
}

func updateAdj(tx *Tx, org, id string, f func(*adjRec)) error {
	var r adjRec
	if ok, err := getJSON(tx, adjKey(org, id), &r); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("budget adjustment %s of %s was never drafted", id, org)
	}
	f(&r)
	return setJSON(tx, adjKey(org, id), r)
}

// Budget returns a year's budget.
func (s view) Budget(org, year string) (ledger.Budget, bool, error) {
	var r budgetRec
	ok, err := getJSON(s.g, budgetKey(org, year), &r)
	return r.Budget, ok, err
}

// BudgetAdjustment returns an adjustment.
func (s view) BudgetAdjustment(org, id string) (ledger.BudgetAdjustment, bool, error) {
	var r adjRec
	ok, err := getJSON(s.g, adjKey(org, id), &r)
	return r.BudgetAdjustment, ok, err
}

// YearNet is the net debit-positive change of an account in a year, from
// the balances projection.
func (s view) YearNet(org, account, year string) (events.Fen, error) {
	v, err := getInt(s.g, yearNetKey(org, account, year))
	return events.Fen(v), err
}

// BudgetReport is a year's budget against what was spent (预算执行情况).
type BudgetReport struct {
	Year   string
	Status ledger.BudgetStatus
	// FundsReviewOpinion is the funds-review committee's (经审会) opinion
	// on the current draft, which members must see with the budget.
	FundsReviewOpinion string
	// Approval is the upper-level union's approval document, once approved.
	Approval *events.ApprovalDoc
	// Adjustments are the approved adjustments, in approval order.
	Adjustments []string
	// Lines are the approved lines in account order; empty until the
	// budget is approved.
	Lines []BudgetLineReport
}

// BudgetLineReport is one line: approved, spent and remaining.
type BudgetLineReport struct {
	Account events.Account
	// Approved is the amount the upper-level union first approved (zero
	// for a line an adjustment added).
	Approved events.Fen
	// Adjusted is the amount in force at the end of the year, after every
	// approved adjustment.
	Adjusted events.Fen
	// Spent is the year's net spending on the accounts the line covers,
	// by accounting date.
	Spent events.Fen
	// Remaining is Adjusted − Spent.
	Remaining events.Fen
}

// BudgetVsActual reports a year's budget against its spending, from
// committed state. It fails with a not_found error when the year has no
// budget at all.
func (s *Store) BudgetVsActual(org, year string) (BudgetReport, error) {
	info, ok, err := s.Org(org)
	if err != nil {
		return BudgetReport{}, err
	}
	if !ok {
		return BudgetReport{}, ledger.Errorf(ledger.CodeNotFound, "org %q not found", org)
	}
	var r budgetRec
	if ok, err := getJSON(s, budgetKey(org, year), &r); err != nil {
		return BudgetReport{}, err
	} else if !ok {
		return BudgetReport{}, ledger.Errorf(ledger.CodeNotFound, "org %q has no budget for %q", org, year)
	}
	chart, _ := events.ChartByVersion(info.Chart)
	return budgetReport(r, year, chart, func(line string) (events.Fen, error) {
		return ledger.LineSpent(s.view, org, chart, line, year)
	})
}

// budgetReport reports a budget record against spending: spent gives what
// was spent on a line (its account and sub-accounts) in the year. The
// current report and the as-of report share it.
func budgetReport(r budgetRec, year string, chart events.Chart, spent func(line string) (events.Fen, error)) (BudgetReport, error) {
	out := BudgetReport{Year: year, Status: r.Status}
	for _, rv := range r.Reviews {
		if rv.Stage == events.StageFundsReview {
			out.FundsReviewOpinion = rv.Opinion
		}
	}
	if r.Approval != nil {
		doc := r.Approval.Document
		out.Approval = &doc
	}
	for _, a := range r.Adjusted {
		out.Adjustments = append(out.Adjustments, a.ID)
	}
	if r.Status != ledger.BudgetStatusApproved {
		return out, nil
	}
	original := map[string]events.Fen{}
	for _, l := range r.Lines {
		original[l.Account] = l.Amount
	}
	for _, l := range r.InForce {
		a, _ := chart.Account(l.Account)
		sp, err := spent(l.Account)
		if err != nil {
			return BudgetReport{}, err
		}
		out.Lines = append(out.Lines, BudgetLineReport{
			Account: a, Approved: original[l.Account], Adjusted: l.Final(), Spent: sp, Remaining: l.Final() - sp,
		})
	}
	return out, nil
}
