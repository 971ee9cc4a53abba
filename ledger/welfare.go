package ledger

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/unionledger/unionledger/events"
)

// WelfareState answers the queries of the welfare rules (DOMAIN.md rule 4).
type WelfareState interface {
	// WelfarePolicy returns the welfare policy in force for a calendar year
	// (YYYY), and false while the union has adopted none for that year.
	WelfarePolicy(org, year string) (WelfarePolicy, bool, error)
	// WelfareRound returns a planned round, and false if there is none.
	WelfareRound(org, id string) (WelfareRoundInfo, bool, error)
	// WelfareGranted is what rounds not cancelled or rejected grant a
	// member in a calendar year for an occasion, or, when festival is not
	// empty, for that one festival.
	WelfareGranted(org, member, year, occasion, festival string) (events.Fen, error)
}

// WelfarePolicy is the adopted policy in force for a year.
type WelfarePolicy struct {
	events.WelfarePolicyAdopted
	Seq       uint64 `json:"seq"`
	AdoptedBy string `json:"adopted_by"`
}

// Cap is the yearly cap per member for an occasion, and false when the
// policy allows no welfare for it. For festivals false means no yearly
// total is set (per-festival caps may still apply).
func (p WelfarePolicy) Cap(occasion string) (events.Fen, bool) {
	for _, c := range p.Caps {
		if c.Occasion == occasion {
			return c.Amount, true
		}
	}
	return 0, false
}

// FestivalCap is the yearly cap per member for one festival, and false
// when neither a named nor an "other festivals" cap applies.
func (p WelfarePolicy) FestivalCap(festival string) (events.Fen, bool) {
	for _, c := range p.FestivalCaps {
		if c.Festival == festival {
			return c.Amount, true
		}
	}
	return p.OtherFestivalCap, p.OtherFestivalCap > 0
}

// FestivalAllowed reports whether gifts may be given on the festival.
func (p WelfarePolicy) FestivalAllowed(festival string) bool {
	return contains(p.Festivals, festival)
}

// FormAllowed reports whether a gift may take the form.
func (p WelfarePolicy) FormAllowed(form string) bool { return contains(p.Forms, form) }

// AllowsFestivals reports whether the policy allows festival gifts at all:
// a yearly total or some per-festival cap.
func (p WelfarePolicy) AllowsFestivals() bool {
	_, total := p.Cap(events.OccasionFestival)
	return total || len(p.FestivalCaps) > 0 || p.OtherFestivalCap > 0
}

// WelfareRoundStatus is where a round is: planned (its expense pending or
// approved), paid, or cancelled / rejected (its amounts released).
type WelfareRoundStatus string

// The welfare round states; they follow the round's expense.
const (
	WelfarePlanned   WelfareRoundStatus = "planned"
	WelfarePaid      WelfareRoundStatus = "paid"
	WelfareCancelled WelfareRoundStatus = "cancelled"
	WelfareRejected  WelfareRoundStatus = "rejected"
)

// Counts reports whether a round in this state counts against caps.
func (s WelfareRoundStatus) Counts() bool { return s == WelfarePlanned || s == WelfarePaid }

// WelfareRoundInfo is a round as planned, with its state.
type WelfareRoundInfo struct {
	events.WelfareRoundPlanned
	Status      WelfareRoundStatus `json:"status"`
	PlannedBy   string             `json:"planned_by"`
	PlannedSeq  uint64             `json:"planned_seq"`
	ClosedSeq   uint64             `json:"closed_seq,omitempty"` // paid, cancelled or rejected
	CloseReason string             `json:"close_reason,omitempty"`
}

// Year is the calendar year the round's amounts count in.
func (r WelfareRoundInfo) Year() string { return r.Date[:4] }

var welfareCommands = map[string]spec{
	"adopt_welfare_policy": {decide: decideAdoptWelfarePolicy, roles: roles(events.RoleAdmin, events.RoleChair)},
	"plan_welfare_round":   {decide: decidePlanWelfareRound, roles: roles(events.RoleTreasurer)},
	"cancel_welfare_round": {decide: decideCancelWelfareRound, roles: roles(events.RoleTreasurer)},
}

// Bounds of welfare commands, so one command stays small and reviewable.
const (
	maxRoundMembers = 500
	maxFestivals    = 50
)

// WelfarePurpose is the purpose of the expense a round requests: what the
// chair reads and signs. Clients compute the approval statement from the
// pending expense; this function makes the text reproducible.
func WelfarePurpose(r events.WelfareRoundPlanned) string {
	what := r.Occasion
	if r.Festival != "" {
		what += " " + r.Festival
	}
	return fmt.Sprintf("welfare round %s (福利): %s, %s yuan × %d members, %s, distributed %s",
		r.Round, what, r.Standard.Yuan(), len(r.Members), r.Form, r.Date)
}

func decideAdoptWelfarePolicy(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Province         string            `json:"province"`
		Year             string            `json:"year"`
		Caps             map[string]string `json:"caps"`
		FestivalCaps     map[string]string `json:"festival_caps"`
		OtherFestivalCap string            `json:"other_festival_cap"`
		Festivals        []string          `json:"festivals"`
		Forms            []string          `json:"forms"`
		Source           string            `json:"source"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	switch {
	case in.Province == "" || len(in.Province) > 100:
		return nil, errField(cmd.Type, "province", "is required (≤ 100 bytes)")
	case len(in.Year) != 4 || !events.ValidDate(in.Year+"-01-01"):
		return nil, errField(cmd.Type, "year", "must be a calendar year, YYYY")
	case len(in.Source) > 500:
		return nil, errField(cmd.Type, "source", "at most 500 bytes")
	case len(in.Festivals) > maxFestivals || len(in.FestivalCaps) > maxFestivals:
		return nil, errField(cmd.Type, "festivals", "at most 50")
	case len(in.Forms) == 0:
		return nil, errField(cmd.Type, "forms", "must list the forms gifts may take (goods, card, cash, voucher)")
	}
	p := events.WelfarePolicyAdopted{Province: in.Province, Year: in.Year, Source: in.Source}
	for _, occ := range sortedKeys(in.Caps) {
		s := in.Caps[occ]
		if !events.ValidOccasion(occ) {
			return nil, errField(cmd.Type, "caps", fmt.Sprintf("names %q, which is not a welfare occasion (%s)", occ, strings.Join(events.WelfareOccasions(), ", ")))
		}
		amt, err := amount("caps."+occ, s)
		if err != nil {
			return nil, err
		}
		p.Caps = append(p.Caps, events.WelfareCap{Occasion: occ, Amount: amt})
	}
	for _, f := range sortedKeys(in.FestivalCaps) {
		s := in.FestivalCaps[f]
		if !events.ValidID(f) || !contains(in.Festivals, f) {
			return nil, errField(cmd.Type, "festival_caps", fmt.Sprintf("names %q, which is not one of the policy's festivals", f))
		}
		amt, err := amount("festival_caps."+f, s)
		if err != nil {
			return nil, err
		}
		p.FestivalCaps = append(p.FestivalCaps, events.FestivalCap{Festival: f, Amount: amt})
	}
	if in.OtherFestivalCap != "" {
		amt, err := amount("other_festival_cap", in.OtherFestivalCap)
		if err != nil {
			return nil, err
		}
		p.OtherFestivalCap = amt
	}
	if dup := firstDuplicate(in.Festivals); dup != "" {
		return nil, errField(cmd.Type, "festivals", "lists "+dup+" twice")
	}
	for _, f := range in.Festivals {
		if !events.ValidID(f) {
			return nil, errField(cmd.Type, "festivals", fmt.Sprintf("%q is not a festival name (1–64 letters, digits, '.', '_', ':' or '-')", f))
		}
	}
	p.Festivals = append([]string(nil), in.Festivals...)
	sort.Strings(p.Festivals)
	if dup := firstDuplicate(in.Forms); dup != "" {
		return nil, errField(cmd.Type, "forms", "lists "+dup+" twice")
	}
	for _, f := range in.Forms {
		if !events.ValidForm(f) {
			return nil, errField(cmd.Type, "forms", fmt.Sprintf("%q is not a form (goods, card, cash, voucher)", f))
		}
	}
	p.Forms = append([]string(nil), in.Forms...)
	sort.Strings(p.Forms)
	pol := WelfarePolicy{WelfarePolicyAdopted: p}
	if len(p.Caps) == 0 && !pol.AllowsFestivals() {
		return nil, errField(cmd.Type, "caps", "must cap at least one occasion")
	}
	if pol.AllowsFestivals() && len(p.Festivals) == 0 {
		return nil, errField(cmd.Type, "festivals", "must list the festivals gifts may be given on, since the policy caps festival gifts")
	}
	return []events.Draft{{Date: cmd.Date, Payload: p}}, nil
}

func decidePlanWelfareRound(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Round    string   `json:"round"`
		Occasion string   `json:"occasion"`
		Festival string   `json:"festival"`
		Standard string   `json:"standard"`
		Form     string   `json:"form"`
		Members  []string `json:"members"`
		Supplier string   `json:"supplier"`
		Account  string   `json:"account"`
		Date     string   `json:"date"`
		Decision string   `json:"decision"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if in.Date == "" {
		in.Date = cmd.Date
	}
	switch {
	case !events.ValidID(in.Round):
		return nil, errField(cmd.Type, "round", "must be a round id")
	case !events.ValidOccasion(in.Occasion):
		return nil, errField(cmd.Type, "occasion", "must be one of "+strings.Join(events.WelfareOccasions(), ", "))
	case in.Occasion == events.OccasionFestival && in.Festival == "":
		return nil, errField(cmd.Type, "festival", "is required for a festival round")
	case in.Occasion != events.OccasionFestival && in.Festival != "":
		return nil, errField(cmd.Type, "festival", "is only for festival rounds")
	case !events.ValidForm(in.Form):
		return nil, errField(cmd.Type, "form", "must be goods, card, cash or voucher")
	case len(in.Members) == 0 || len(in.Members) > maxRoundMembers:
		return nil, errField(cmd.Type, "members", "must list 1–500 members")
	case in.Supplier == "" || len(in.Supplier) > 200:
		return nil, errField(cmd.Type, "supplier", "is required (≤ 200 bytes)")
	case !events.ValidDate(in.Date):
		return nil, errField(cmd.Type, "date", "must be the distribution date, YYYY-MM-DD")
	}
	if dup := firstDuplicate(in.Members); dup != "" {
		return nil, errField(cmd.Type, "members", "lists "+dup+" twice")
	}
	std, err := amount("standard", in.Standard)
	if err != nil {
		return nil, err
	}
	if std > math.MaxInt64/events.Fen(len(in.Members)) {
		return nil, ruleErr(CodeInvalidAmount, "money-format", "standard %s × %d members overflows", std.Yuan(), len(in.Members))
	}
	if err := welfareAccount(st, cmd, in.Account); err != nil {
		return nil, err
	}
	if _, ok, err := st.WelfareRound(cmd.Org, in.Round); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeStateConflict, "welfare-round", "welfare round %q was already planned in this union", in.Round)
	}
	if _, ok, err := st.Expense(cmd.Org, in.Round); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeStateConflict, "welfare-round",
			"expense %q already exists: a round's expense takes the round's id, so choose another round id", in.Round)
	}
	if err := checkCitedDecision(st, cmd.Org, in.Decision, in.Round); err != nil {
		return nil, err
	}
	year := in.Date[:4]
	pol, ok, err := st.WelfarePolicy(cmd.Org, year)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ruleErr(CodeStateConflict, "welfare-policy",
			"the union has adopted no welfare policy for %s: adopt the provincial rule in force (adopt_welfare_policy) before planning a round dated %s", year, in.Date)
	}
	if !pol.FormAllowed(in.Form) {
		return nil, ruleErr(CodeProhibited, "welfare-form",
			"the %s %s welfare policy does not allow gifts as %s (allowed: %s)", pol.Province, year, in.Form, strings.Join(pol.Forms, ", "))
	}
	yearCap, hasYearCap := pol.Cap(in.Occasion)
	var festCap events.Fen
	var hasFestCap bool
	if in.Occasion == events.OccasionFestival {
		if !pol.AllowsFestivals() {
			return nil, ruleErr(CodeProhibited, "welfare-caps", "the %s %s welfare policy allows no festival gifts", pol.Province, year)
		}
		if !pol.FestivalAllowed(in.Festival) {
			return nil, ruleErr(CodeNotFestival, "welfare-festivals",
				"%q is not a statutory or approved festival under the %s %s welfare policy (allowed: %s)",
				in.Festival, pol.Province, year, strings.Join(pol.Festivals, ", "))
		}
		festCap, hasFestCap = pol.FestivalCap(in.Festival)
		if !hasYearCap && !hasFestCap {
			return nil, ruleErr(CodeProhibited, "welfare-caps",
				"the %s %s welfare policy sets no cap for %s and no yearly festival total, so no gift may be given on it", pol.Province, year, in.Festival)
		}
	} else if !hasYearCap {
		return nil, ruleErr(CodeProhibited, "welfare-caps",
			"the %s %s welfare policy sets no cap for %s: it is not an allowed welfare occasion", pol.Province, year, in.Occasion)
	}
	for _, m := range in.Members {
		if err := person(st, cmd, m); err != nil {
			return nil, err
		}
		member, err := st.HasRole(cmd.Org, m, events.RoleMember)
		if err != nil {
			return nil, err
		}
		if !member {
			return nil, ruleErr(CodeProhibited, "welfare-members",
				"%s does not hold the member role (会员): union welfare is for members only", m)
		}
		if hasYearCap {
			got, err := st.WelfareGranted(cmd.Org, m, year, in.Occasion, "")
			if err != nil {
				return nil, err
			}
			if got+std > yearCap {
				return nil, ruleErr(CodeOverCap, "welfare-caps",
					"member %s has received %s yuan for %s in %s; %s more would exceed the %s cap of %s yuan per member per year",
					m, got.Yuan(), in.Occasion, year, std.Yuan(), pol.Province, yearCap.Yuan())
			}
		}
		if hasFestCap {
			got, err := st.WelfareGranted(cmd.Org, m, year, in.Occasion, in.Festival)
			if err != nil {
				return nil, err
			}
			if got+std > festCap {
				return nil, ruleErr(CodeOverCap, "welfare-caps",
					"member %s has received %s yuan for %s in %s; %s more would exceed the %s cap of %s yuan per member for that festival",
					m, got.Yuan(), in.Festival, year, std.Yuan(), pol.Province, festCap.Yuan())
			}
		}
	}
	round := events.WelfareRoundPlanned{
		Round: in.Round, Occasion: in.Occasion, Festival: in.Festival, Standard: std, Form: in.Form,
		Members: in.Members, Total: std * events.Fen(len(in.Members)), Supplier: in.Supplier,
		Account: in.Account, Date: in.Date, Expense: in.Round,
	}
	return []events.Draft{
		{Date: cmd.Date, Payload: round},
		{Date: cmd.Date, Payload: events.ExpenseRequested{
			Expense: in.Round, Account: in.Account, Amount: round.Total, Payee: in.Supplier,
			Purpose: WelfarePurpose(round), Decision: in.Decision,
		}},
	}, nil
}

// welfareAccount checks that a round is booked to a postable account under
// 501 职工活动支出 (both charts) or 509 职工服务支出 (chart 2022), where
// union accounting rules put gifts and condolences to members.
func welfareAccount(st State, cmd Command, account string) error {
	if err := expenseAccount(st, cmd, account); err != nil {
		return err
	}
	if !strings.HasPrefix(account, "501") && !strings.HasPrefix(account, "509") {
		return ruleErr(CodeUnknownAccount, "welfare-account",
			"account %q: welfare is booked under 501 (职工活动支出) or, in chart 2022, 509 (职工服务支出)", account)
	}
	return nil
}

func decideCancelWelfareRound(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Round  string `json:"round"`
		Reason string `json:"reason"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if !events.ValidID(in.Round) {
		return nil, errField(cmd.Type, "round", "must be a round id")
	}
	if len(in.Reason) > 500 {
		return nil, errField(cmd.Type, "reason", "at most 500 bytes")
	}
	r, ok, err := st.WelfareRound(cmd.Org, in.Round)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ruleErr(CodeUnknownRef, "welfare-round", "welfare round %q has not been planned in this union", in.Round)
	}
	if r.Status != WelfarePlanned {
		return nil, ruleErr(CodeAlreadyDecided, "welfare-round", "welfare round %q is already %s", r.Round, r.Status)
	}
	if r.PlannedBy != cmd.Actor {
		return nil, ruleErr(CodeWrongRole, "welfare-round", "only %s, who planned welfare round %q, may cancel it", r.PlannedBy, r.Round)
	}
	e, ok, err := st.Expense(cmd.Org, r.Expense)
	if err != nil {
		return nil, err
	}
	if !ok || e.Status != ExpensePending {
		status := "missing"
		if ok {
			status = string(e.Status)
		}
		return nil, ruleErr(CodeStateConflict, "welfare-round",
			"welfare round %q can only be cancelled while its expense awaits the chair; expense %q is %s", r.Round, r.Expense, status)
	}
	return []events.Draft{
		{Date: cmd.Date, Payload: events.WelfareRoundCancelled{Round: r.Round, Reason: in.Reason}},
		{Date: cmd.Date, Payload: events.ExpenseCancelled{Expense: r.Expense, Reason: in.Reason}},
	}, nil
}

// sortedKeys lists a map's keys in order, so a command's refusals and
// events do not depend on map iteration.
func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
