package ledger

import (
	"encoding/hex"
	"sort"
	"strings"

	"github.com/unionledger/unionledger/events"
)

// BudgetState answers the queries of the budget rules.
type BudgetState interface {
	// Budget returns the annual budget of a year (YYYY), ok=false if none
	// was ever drafted.
	Budget(org, year string) (Budget, bool, error)
	// BudgetAdjustment returns an adjustment by id, ok=false if none was
	// ever drafted.
	BudgetAdjustment(org, id string) (BudgetAdjustment, bool, error)
	// YearNet is the net debit-positive change posted to one account with
	// accounting dates in year (YYYY): for an expense account, what was
	// spent on it that year. It counts earlier commands of the same group.
	YearNet(org, account, year string) (events.Fen, error)
}

// BudgetStatus is where a budget or an adjustment is in its approval chain:
// drafted → committee_reviewed → funds_reviewed → approved. A return at
// either review sends it to returned, and the treasurer redrafts it.
type BudgetStatus string

// The steps of the budget chain.
const (
	BudgetStatusDrafted           BudgetStatus = "drafted"
	BudgetStatusCommitteeReviewed BudgetStatus = "committee_reviewed"
	BudgetStatusFundsReviewed     BudgetStatus = "funds_reviewed"
	BudgetStatusReturned          BudgetStatus = "returned"
	BudgetStatusApproved          BudgetStatus = "approved"
)

// BudgetChain is the approval state of a budget or adjustment: the draft
// under review and who drafted it (who may then neither review nor record
// its approval).
type BudgetChain struct {
	Status    BudgetStatus        `json:"status"`
	DraftedBy string              `json:"drafted_by"`
	Lines     []events.BudgetLine `json:"lines"`
	Note      string              `json:"note,omitempty"`
}

// Budget is a year's annual budget.
type Budget struct {
	Year string `json:"year"`
	BudgetChain
	// InForce are the approved lines as changed by approved adjustments,
	// sorted by account; empty until the budget is approved.
	InForce []LineInForce `json:"in_force,omitempty"`
}

// BudgetAdjustment is an adjustment (预算调整) of a year's budget.
type BudgetAdjustment struct {
	ID   string `json:"id"`
	Year string `json:"year"`
	From string `json:"from"`
	BudgetChain
}

// LineInForce is one approved budget line with every change adjustments
// made to it.
type LineInForce struct {
	Account string `json:"account"`
	// Steps are sorted by From; each amount holds from its date until the
	// next step. The line does not exist before the first step (the annual
	// budget's lines start on 1 January; a line an adjustment added starts
	// on that adjustment's date). Of two steps with the same date, the one
	// approved later comes later and wins.
	Steps []LineStep `json:"steps"`
}

// LineStep is the amount of a line from a date on.
type LineStep struct {
	From   string     `json:"from"`
	Amount events.Fen `json:"amount_fen"`
}

// Covers reports whether a budget line on code covers account: the line's
// own account and, for a parent (501), every sub-account (50101…). Account
// codes of the union charts nest by prefix, as Chart.Postable assumes.
func Covers(line, account string) bool {
	return strings.HasPrefix(account, line)
}

func overlap(a, b string) bool { return Covers(a, b) || Covers(b, a) }

// LineFor returns the approved line covering account, if any.
func (b Budget) LineFor(account string) (LineInForce, bool) {
	for _, l := range b.InForce {
		if Covers(l.Account, account) {
			return l, true
		}
	}
	return LineInForce{}, false
}

// At is the line's amount in force on date, ok=false before the line
// exists.
func (l LineInForce) At(date string) (events.Fen, bool) {
	var amt events.Fen
	ok := false
	for _, s := range l.Steps {
		if s.From > date {
			break
		}
		amt, ok = s.Amount, true
	}
	return amt, ok
}

// Limit is what the year's spending on the line may total after spending
// dated date: the lowest amount in force on date or on any later date of
// the year. A year total never exceeds the line in force at any date from
// the spending on; since spending only adds to the total, a raise dated
// later cannot be used by spending dated earlier, and a cut binds
// everything recorded after its approval.
func (l LineInForce) Limit(date string) (events.Fen, bool) {
	limit, ok := l.At(date)
	if !ok {
		return 0, false
	}
	for _, s := range l.Steps {
		if s.From > date && s.Amount < limit {
			limit = s.Amount
		}
	}
	return limit, true
}

// Final is the line's amount at the end of the year, after every approved
// adjustment.
func (l LineInForce) Final() events.Fen {
	if len(l.Steps) == 0 {
		return 0
	}
	return l.Steps[len(l.Steps)-1].Amount
}

// ApplyAdjustment returns the lines in force after an approved adjustment:
// each adjustment line adds a step from its date to the line on the same
// account, or adds a new line. The projection applies it; it is here so
// the rules and the read side agree on what an adjustment does.
func ApplyAdjustment(in []LineInForce, from string, lines []events.BudgetLine) []LineInForce {
	out := make([]LineInForce, len(in))
	for i, l := range in {
		out[i] = LineInForce{Account: l.Account, Steps: append([]LineStep(nil), l.Steps...)}
	}
	for _, nl := range lines {
		step := LineStep{From: from, Amount: nl.Amount}
		i := sort.Search(len(out), func(i int) bool { return out[i].Account >= nl.Account })
		if i < len(out) && out[i].Account == nl.Account {
			s := out[i].Steps
			j := sort.Search(len(s), func(j int) bool { return s[j].From > from })
			s = append(s, LineStep{})
			copy(s[j+1:], s[j:])
			s[j] = step
			out[i].Steps = s
			continue
		}
		out = append(out, LineInForce{})
		copy(out[i+1:], out[i:])
		out[i] = LineInForce{Account: nl.Account, Steps: []LineStep{step}}
	}
	return out
}

// LineAccounts lists the accounts of chart a line on code covers.
func LineAccounts(chart events.Chart, code string) []string {
	var out []string
	for _, a := range chart.Accounts() {
		if Covers(code, a.Code) {
			out = append(out, a.Code)
		}
	}
	return out
}

// LineSpent is what was spent in year on the accounts a line covers.
func LineSpent(st BudgetState, org string, chart events.Chart, code, year string) (events.Fen, error) {
	var total events.Fen
	for _, a := range LineAccounts(chart, code) {
		v, err := st.YearNet(org, a, year)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

var budgetCommands = map[string]spec{
	"draft_budget":              {decide: decideDraftBudget, roles: roles(events.RoleTreasurer)},
	"review_budget":             {decide: decideReviewBudget, roles: roles(events.RoleCommittee, events.RoleChair, events.RoleReview)},
	"approve_budget":            {decide: decideApproveBudget, roles: roles(events.RoleAdmin)},
	"draft_budget_adjustment":   {decide: decideDraftBudgetAdjustment, roles: roles(events.RoleTreasurer)},
	"review_budget_adjustment":  {decide: decideReviewBudgetAdjustment, roles: roles(events.RoleCommittee, events.RoleChair, events.RoleReview)},
	"approve_budget_adjustment": {decide: decideApproveBudgetAdjustment, roles: roles(events.RoleAdmin)},
}

// Limits on budget commands' text and size.
const (
	maxBudgetLines = 100
	maxBudgetText  = 2000
	maxDocNumber   = 100
)

// checkBudget refuses spending amount on account (dated date) beyond the
// approved budget line of that year. Expense approval and payment call it.
//
// Only expense accounts of the union's chart are checked; income and other
// accounts, and non-positive amounts (reversals), always pass. Spending is
// refused when the year of date has no approved budget, when no line of it
// covers the account on date, or when the year's spending on the line so
// far (every posting dated in that year, from Pebble, including commands
// decided earlier in the same group) plus amount exceeds the line's Limit.
func checkBudget(st State, org, account, date string, amount events.Fen) error {
	if amount <= 0 {
		return nil
	}
	info, ok, err := st.Org(org)
	if err != nil {
		return err
	}
	if !ok {
		return ruleErr(CodeUnknownOrg, "org-opened", "org %q has not been opened", org)
	}
	chart, _ := events.ChartByVersion(info.Chart)
	if a, ok := chart.Account(account); !ok || a.Class != events.Expense {
		return nil
	}
	if !events.ValidDate(date) {
		return Errorf(CodeInvalid, "date %q is not an accounting date (YYYY-MM-DD)", date)
	}
	year := date[:4]
	b, ok, err := st.Budget(org, year)
	if err != nil {
		return err
	}
	if !ok || b.Status != BudgetStatusApproved {
		return ruleErr(CodeOverBudget, "budget-first",
			"there is no approved %s budget: spending on %s needs one (drafted, reviewed by the committee and the funds-review committee, approved by the upper-level union)", year, account)
	}
	line, ok := b.LineFor(account)
	if !ok {
		return ruleErr(CodeOverBudget, "budget-first", "the approved %s budget has no line covering account %s", year, account)
	}
	limit, ok := line.Limit(date)
	if !ok {
		return ruleErr(CodeOverBudget, "budget-first", "line %s of the %s budget takes effect only from %s", line.Account, year, line.Steps[0].From)
	}
	spent, err := LineSpent(st, org, chart, line.Account, year)
	if err != nil {
		return err
	}
	if spent+amount > limit {
		return ruleErr(CodeOverBudget, "budget-first",
			"spending %s on %s would take line %s of the %s budget to %s, over its approved %s (%s spent so far)",
			amount.Yuan(), account, line.Account, year, (spent + amount).Yuan(), limit.Yuan(), spent.Yuan())
	}
	return nil
}

// CheckBudget is the budget-first rule as a query, so that a client can be
// told before it asks whether spending would fit. The expense rules call
// the same function.
func CheckBudget(st State, org, account, date string, amount events.Fen) error {
	return checkBudget(st, org, account, date, amount)
}

// lineIn is a budget line as commands carry it.
type lineIn struct {
	Account string `json:"account"`
	Amount  string `json:"amount"`
}

// budgetYear checks a YYYY year field.
func budgetYear(cmd Command, y string) error {
	if len(y) != 4 || !events.ValidDate(y+"-01-01") {
		return errField(cmd.Type, "year", "must be a year, YYYY")
	}
	return nil
}

// budgetLines checks and converts the lines of a draft: 1–100 lines, each on
// an expense account (leaf or parent) of the union's chart, no two
// overlapping (a line on 501 and one on 50102 would both cover 50102).
// Adjustments may set a line to zero (nothing more may be spent on it).
func budgetLines(st State, cmd Command, in []lineIn, allowZero bool) ([]events.BudgetLine, error) {
	if len(in) == 0 || len(in) > maxBudgetLines {
		return nil, errField(cmd.Type, "lines", "must have 1–100 lines")
	}
	org, _, err := st.Org(cmd.Org)
	if err != nil {
		return nil, err
	}
	chart, _ := events.ChartByVersion(org.Chart)
	out := make([]events.BudgetLine, 0, len(in))
	for _, l := range in {
		if a, ok := chart.Account(l.Account); !ok || a.Class != events.Expense {
			return nil, ruleErr(CodeUnknownAccount, "budget-lines",
				"account %q is not an expense account of chart %s", l.Account, chart.Version)
		}
		amt, err := amount("line "+l.Account+" amount", l.Amount)
		if allowZero && err != nil {
			if v, perr := events.ParseYuan(l.Amount); perr == nil && v == 0 {
				amt, err = 0, nil
			}
		}
		if err != nil {
			return nil, err
		}
		for _, o := range out {
			if overlap(o.Account, l.Account) {
				return nil, ruleErr(CodeInvalid, "budget-lines", "lines %s and %s overlap: a line on a parent account covers its sub-accounts", o.Account, l.Account)
			}
		}
		out = append(out, events.BudgetLine{Account: l.Account, Amount: amt})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Account < out[j].Account })
	return out, nil
}

// fitsInForce checks that each adjustment line either changes an approved
// line on the same account or adds a line that overlaps none, so lines
// never overlap after the adjustment either.
func fitsInForce(year string, inForce []LineInForce, lines []events.BudgetLine) error {
	for _, nl := range lines {
		for _, l := range inForce {
			if l.Account != nl.Account && overlap(l.Account, nl.Account) {
				return ruleErr(CodeInvalid, "budget-lines",
					"line %s overlaps line %s of the approved %s budget: adjust %s itself", nl.Account, l.Account, year, l.Account)
			}
		}
	}
	return nil
}

func budgetNote(cmd Command, note string, required bool) error {
	if len(note) > maxBudgetText || (required && note == "") {
		if required {
			return errField(cmd.Type, "note", "is required (the reason, ≤ 2000 bytes)")
		}
		return errField(cmd.Type, "note", "must be at most 2000 bytes")
	}
	return nil
}

func decideDraftBudget(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Year  string   `json:"year"`
		Lines []lineIn `json:"lines"`
		Note  string   `json:"note"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if err := budgetYear(cmd, in.Year); err != nil {
		return nil, err
	}
	if err := budgetNote(cmd, in.Note, false); err != nil {
		return nil, err
	}
	lines, err := budgetLines(st, cmd, in.Lines, false)
	if err != nil {
		return nil, err
	}
	b, ok, err := st.Budget(cmd.Org, in.Year)
	if err != nil {
		return nil, err
	}
	if ok && b.Status == BudgetStatusApproved {
		return nil, ruleErr(CodeAlreadyDecided, "budget-chain",
			"the %s budget is already approved; change it with draft_budget_adjustment", in.Year)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.BudgetDrafted{Year: in.Year, Lines: lines, Note: in.Note}}}, nil
}

// reviewIn is a review as commands carry it.
type reviewIn struct {
	Stage   string `json:"stage"`
	Outcome string `json:"outcome"`
	Opinion string `json:"opinion"`
}

// checkReview checks a review's fields, that the actor may review at that
// stage, and that the chain is at that stage: the committee reviews a fresh
// draft, the funds-review committee one the committee passed. The drafter
// never reviews their own draft.
func checkReview(st State, cmd Command, what string, ch BudgetChain, r reviewIn) error {
	var allowed []events.Role
	switch r.Stage {
	case events.StageCommittee:
		allowed = roles(events.RoleCommittee, events.RoleChair)
	case events.StageFundsReview:
		allowed = roles(events.RoleReview)
	default:
		return errField(cmd.Type, "stage", `must be "committee" or "funds_review"`)
	}
	if r.Outcome != events.OutcomePass && r.Outcome != events.OutcomeReturn {
		return errField(cmd.Type, "outcome", `must be "pass" or "return"`)
	}
	if len(r.Opinion) > maxBudgetText ||
		(r.Opinion == "" && (r.Stage == events.StageFundsReview || r.Outcome == events.OutcomeReturn)) {
		return errField(cmd.Type, "opinion", "is required for the funds-review committee and for a return (≤ 2000 bytes)")
	}
	if err := authorize(st, cmd, allowed); err != nil {
		return err
	}
	switch ch.Status {
	case BudgetStatusApproved:
		return ruleErr(CodeAlreadyDecided, "budget-chain", "%s is already approved", what)
	case BudgetStatusReturned:
		return ruleErr(CodeStateConflict, "budget-chain", "%s was returned to draft; the treasurer redrafts it first", what)
	}
	want := BudgetStatusDrafted
	if r.Stage == events.StageFundsReview {
		want = BudgetStatusCommitteeReviewed
	}
	if ch.Status != want {
		if r.Stage == events.StageFundsReview && ch.Status == BudgetStatusDrafted {
			return ruleErr(CodeStateConflict, "budget-chain", "%s must be reviewed by the committee before the funds-review committee", what)
		}
		return ruleErr(CodeStateConflict, "budget-chain", "%s is %s: the %s review is done", what, ch.Status, r.Stage)
	}
	if cmd.Actor == ch.DraftedBy {
		return ruleErr(CodeSelfApproval, "budget-separation", "%s drafted %s and may not review it", cmd.Actor, what)
	}
	return nil
}

// docIn is the upper-level approval document as commands carry it.
type docIn struct {
	Number string `json:"number"`
	SHA256 string `json:"sha256"`
}

// checkApproval checks the approval document and that both reviews passed;
// the drafter may not record the approval of their own draft.
func checkApproval(cmd Command, what string, ch BudgetChain, d docIn) (events.ApprovalDoc, error) {
	if d.Number == "" || len(d.Number) > maxDocNumber {
		return events.ApprovalDoc{}, errField(cmd.Type, "document.number", "is required (≤ 100 bytes)")
	}
	if b, err := hex.DecodeString(d.SHA256); err != nil || len(b) != 32 || strings.ToLower(d.SHA256) != d.SHA256 {
		return events.ApprovalDoc{}, errField(cmd.Type, "document.sha256", "must be the document's SHA-256, 64 lowercase hex digits")
	}
	switch ch.Status {
	case BudgetStatusApproved:
		return events.ApprovalDoc{}, ruleErr(CodeAlreadyDecided, "budget-chain", "%s is already approved", what)
	case BudgetStatusFundsReviewed:
	default:
		return events.ApprovalDoc{}, ruleErr(CodeStateConflict, "budget-chain",
			"%s is %s: the committee and the funds-review committee must both pass it before the upper-level approval is recorded", what, ch.Status)
	}
	if cmd.Actor == ch.DraftedBy {
		return events.ApprovalDoc{}, ruleErr(CodeSelfApproval, "budget-separation", "%s drafted %s and may not record its approval", cmd.Actor, what)
	}
	return events.ApprovalDoc{Number: d.Number, SHA256: d.SHA256}, nil
}

func budgetOf(st State, cmd Command, year string) (Budget, error) {
	if err := budgetYear(cmd, year); err != nil {
		return Budget{}, err
	}
	b, ok, err := st.Budget(cmd.Org, year)
	if err != nil {
		return Budget{}, err
	}
	if !ok {
		return Budget{}, ruleErr(CodeUnknownRef, "budget-chain", "no budget for %s has been drafted", year)
	}
	return b, nil
}

func decideReviewBudget(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Year string `json:"year"`
		reviewIn
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	b, err := budgetOf(st, cmd, in.Year)
	if err != nil {
		return nil, err
	}
	if err := checkReview(st, cmd, "the "+in.Year+" budget", b.BudgetChain, in.reviewIn); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.BudgetReviewed{
		Year: in.Year, Stage: in.Stage, Outcome: in.Outcome, Opinion: in.Opinion,
	}}}, nil
}

func decideApproveBudget(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Year     string `json:"year"`
		Document docIn  `json:"document"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	b, err := budgetOf(st, cmd, in.Year)
	if err != nil {
		return nil, err
	}
	doc, err := checkApproval(cmd, "the "+in.Year+" budget", b.BudgetChain, in.Document)
	if err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.BudgetApproved{Year: in.Year, Document: doc}}}, nil
}

func decideDraftBudgetAdjustment(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Adjustment string   `json:"adjustment"`
		Year       string   `json:"year"`
		From       string   `json:"from"`
		Lines      []lineIn `json:"lines"`
		Note       string   `json:"note"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if !events.ValidID(in.Adjustment) {
		return nil, errField(cmd.Type, "adjustment", "must be an adjustment id")
	}
	if err := budgetYear(cmd, in.Year); err != nil {
		return nil, err
	}
	if in.From == "" {
		in.From = cmd.Date
	}
	if !events.ValidDate(in.From) || in.From[:4] != in.Year {
		return nil, errField(cmd.Type, "from", "must be a date (YYYY-MM-DD) in the budget's year; it defaults to the command's date")
	}
	if err := budgetNote(cmd, in.Note, true); err != nil {
		return nil, err
	}
	lines, err := budgetLines(st, cmd, in.Lines, true)
	if err != nil {
		return nil, err
	}
	b, ok, err := st.Budget(cmd.Org, in.Year)
	if err != nil {
		return nil, err
	}
	if !ok || b.Status != BudgetStatusApproved {
		return nil, ruleErr(CodeNotApproved, "budget-chain", "the %s budget is not approved: an adjustment changes an approved budget", in.Year)
	}
	if err := fitsInForce(in.Year, b.InForce, lines); err != nil {
		return nil, err
	}
	adj, ok, err := st.BudgetAdjustment(cmd.Org, in.Adjustment)
	if err != nil {
		return nil, err
	}
	if ok && adj.Status == BudgetStatusApproved {
		return nil, ruleErr(CodeAlreadyDecided, "budget-chain", "adjustment %s is already approved; draft a new one", in.Adjustment)
	}
	if ok && adj.Year != in.Year {
		return nil, ruleErr(CodeStateConflict, "budget-chain", "adjustment %s belongs to the %s budget", in.Adjustment, adj.Year)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.BudgetAdjustmentDrafted{
		Adjustment: in.Adjustment, Year: in.Year, From: in.From, Lines: lines, Note: in.Note,
	}}}, nil
}

func adjustmentOf(st State, cmd Command, id string) (BudgetAdjustment, error) {
	if !events.ValidID(id) {
		return BudgetAdjustment{}, errField(cmd.Type, "adjustment", "must be an adjustment id")
	}
	adj, ok, err := st.BudgetAdjustment(cmd.Org, id)
	if err != nil {
		return BudgetAdjustment{}, err
	}
	if !ok {
		return BudgetAdjustment{}, ruleErr(CodeUnknownRef, "budget-chain", "no budget adjustment %s has been drafted", id)
	}
	return adj, nil
}

func decideReviewBudgetAdjustment(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Adjustment string `json:"adjustment"`
		reviewIn
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	adj, err := adjustmentOf(st, cmd, in.Adjustment)
	if err != nil {
		return nil, err
	}
	if err := checkReview(st, cmd, "adjustment "+adj.ID, adj.BudgetChain, in.reviewIn); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.BudgetAdjustmentReviewed{
		Adjustment: adj.ID, Year: adj.Year, Stage: in.Stage, Outcome: in.Outcome, Opinion: in.Opinion,
	}}}, nil
}

// decideApproveBudgetAdjustment also checks the adjustment against the
// lines in force now (another adjustment may have been approved since it
// was drafted) and refuses to cut a line below what the year has already
// spent on it: spending cannot be undone by a budget.
func decideApproveBudgetAdjustment(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Adjustment string `json:"adjustment"`
		Document   docIn  `json:"document"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	adj, err := adjustmentOf(st, cmd, in.Adjustment)
	if err != nil {
		return nil, err
	}
	doc, err := checkApproval(cmd, "adjustment "+adj.ID, adj.BudgetChain, in.Document)
	if err != nil {
		return nil, err
	}
	b, ok, err := st.Budget(cmd.Org, adj.Year)
	if err != nil {
		return nil, err
	}
	if !ok || b.Status != BudgetStatusApproved {
		return nil, Errorf(CodeInternal, "adjustment %s: the %s budget is not approved", adj.ID, adj.Year)
	}
	if err := fitsInForce(adj.Year, b.InForce, adj.Lines); err != nil {
		return nil, err
	}
	org, _, err := st.Org(cmd.Org)
	if err != nil {
		return nil, err
	}
	chart, _ := events.ChartByVersion(org.Chart)
	for _, l := range adj.Lines {
		spent, err := LineSpent(st, cmd.Org, chart, l.Account, adj.Year)
		if err != nil {
			return nil, err
		}
		if spent > l.Amount {
			return nil, ruleErr(CodeOverBudget, "budget-first",
				"adjustment %s would set line %s to %s, below the %s already spent on it in %s", adj.ID, l.Account, l.Amount.Yuan(), spent.Yuan(), adj.Year)
		}
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.BudgetAdjustmentApproved{
		Adjustment: adj.ID, Year: adj.Year, Document: doc,
	}}}, nil
}
