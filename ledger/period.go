package ledger

import (
	"time"

	"github.com/unionledger/unionledger/events"
)

// PeriodState answers the queries of the rules of periods: month and year
// close, reversals (红字冲销).
type PeriodState interface {
	// Periods returns how far the org's books are closed.
	Periods(org string) (Periods, error)
	// MonthClose returns who closed a month, and false if no month_closed
	// event names it (not closed yet, or before the union's first month).
	MonthClose(org, month string) (PeriodClose, bool, error)
	// PostedEvent returns an event of the org that posted money, by org
	// sequence, and false if there is none with that sequence (no such
	// event, or one that posted nothing).
	PostedEvent(org string, seq uint64) (PostedEvent, bool, error)
	// ReversedBy returns the sequence of the reversal of an event, and
	// false if it was not reversed.
	ReversedBy(org string, seq uint64) (uint64, bool, error)
}

// Periods is the state of an org's accounting periods. Months are closed
// strictly in order, so every month through ClosedMonth is closed, and every
// year through ClosedYear.
type Periods struct {
	// FirstMonth is the earliest accounting month of any event of the org:
	// the first month to close, so no month with entries escapes a close.
	FirstMonth string
	// ClosedMonth is the last closed month (YYYY-MM), "" if none.
	ClosedMonth string
	// FirstClosed is the first month ever closed: the union's first year is
	// the first one to close.
	FirstClosed string
	// ClosedYear is the last closed year (YYYY), "" if none.
	ClosedYear string
}

// MonthClosed reports whether month (YYYY-MM) is closed.
func (p Periods) MonthClosed(month string) bool {
	return p.ClosedMonth != "" && month <= p.ClosedMonth
}

// YearClosed reports whether year (YYYY) is closed.
func (p Periods) YearClosed(year string) bool {
	return p.ClosedYear != "" && year <= p.ClosedYear
}

// NextMonth is the only month that may be closed next.
func (p Periods) NextMonth() string {
	if p.ClosedMonth == "" {
		return p.FirstMonth
	}
	return addMonth(p.ClosedMonth)
}

// NextYear is the only year that may be closed next, "" while no month is
// closed.
func (p Periods) NextYear() string {
	switch {
	case p.ClosedYear != "":
		return addYear(p.ClosedYear)
	case p.FirstClosed != "":
		return p.FirstClosed[:4]
	}
	return ""
}

// PeriodClose is who closed a period, and with which event.
type PeriodClose struct {
	Seq   uint64
	Actor string
}

// PostedEvent is what a reversal needs of the event it reverses.
type PostedEvent struct {
	Type      string
	Hash      string
	Date      string
	Aggregate string
	Postings  []events.Posting
}

var periodCommands = map[string]spec{
	// The treasurer (会计) keeps the books, so closes each month.
	"close_month": {decide: decideCloseMonth, roles: roles(events.RoleTreasurer)},
	// The chair (工会主席) signs off the year after the treasurer closed its
	// months: a second person looks at the books before they are final.
	"close_year": {decide: decideCloseYear, roles: roles(events.RoleChair)},
	// Corrections are the bookkeeper's work, like the entries they correct.
	"reverse_event": {decide: decideReverseEvent, roles: roles(events.RoleTreasurer)},
}

// addMonth returns the month after m (YYYY-MM); m must be valid.
func addMonth(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 1, 0).Format("2006-01")
}

func addYear(y string) string {
	t, err := time.Parse("2006", y)
	if err != nil {
		return ""
	}
	return t.AddDate(1, 0, 0).Format("2006")
}

func validYear(y string) bool {
	return len(y) == 4 && events.ValidDate(y+"-01-01")
}

// decideCloseMonth closes the next month of the org's books. Months close
// strictly in order, starting with the union's first month, so a closed
// month's closing balances never change afterwards: nothing before it can
// still receive postings. The ledger has no clock; "the month is over" is
// judged against the close's own accounting date, which must fall in a
// later month.
func decideCloseMonth(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Month string `json:"month"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if !validPeriod(in.Month) {
		return nil, errField(cmd.Type, "month", "must be a month, YYYY-MM")
	}
	p, err := st.Periods(cmd.Org)
	if err != nil {
		return nil, err
	}
	if p.MonthClosed(in.Month) {
		return nil, ruleErr(CodeAlreadyDecided, "period-close", "month %s is already closed (books closed through %s)", in.Month, p.ClosedMonth)
	}
	if next := p.NextMonth(); in.Month != next {
		return nil, ruleErr(CodeStateConflict, "period-close", "months close in order: the next month to close is %s, not %s", next, in.Month)
	}
	if cmd.Date[:7] <= in.Month {
		return nil, ruleErr(CodeStateConflict, "period-close", "month %s is not over on %s: date the close in a later month", in.Month, cmd.Date)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.MonthClosed{Month: in.Month}}}, nil
}

// decideCloseYear closes a year whose twelve months the treasurer closed.
// The chair who signs it off must not have closed any of its months.
func decideCloseYear(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Year string `json:"year"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if !validYear(in.Year) {
		return nil, errField(cmd.Type, "year", "must be a year, YYYY")
	}
	p, err := st.Periods(cmd.Org)
	if err != nil {
		return nil, err
	}
	if p.YearClosed(in.Year) {
		return nil, ruleErr(CodeAlreadyDecided, "period-close", "year %s is already closed", in.Year)
	}
	if last := in.Year + "-12"; !p.MonthClosed(last) {
		return nil, ruleErr(CodeStateConflict, "period-close", "year %s needs all its months closed first (books closed through %s)", in.Year, orNone(p.ClosedMonth))
	}
	if next := p.NextYear(); in.Year != next {
		return nil, ruleErr(CodeStateConflict, "period-close", "years close in order: the next year to close is %s, not %s", next, in.Year)
	}
	if cmd.Date[:4] <= in.Year {
		return nil, ruleErr(CodeStateConflict, "period-close", "year %s is not over on %s: date the close in a later year", in.Year, cmd.Date)
	}
	for m := in.Year + "-01"; m <= in.Year+"-12"; m = addMonth(m) {
		c, ok, err := st.MonthClose(cmd.Org, m)
		if err != nil {
			return nil, err
		}
		if ok && c.Actor == cmd.Actor {
			return nil, ruleErr(CodeSelfApproval, "period-close", "%s closed month %s and so cannot also sign off year %s", cmd.Actor, m, in.Year)
		}
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.YearClosed{Year: in.Year}}}, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// decideReverseEvent posts the exact opposite of an earlier event that
// posted money (红字冲销). The reversal is dated in an open period (the
// closed-periods check in Decide sees to that), never before the original,
// and every event is reversed at most once; a reversal is never reversed:
// the right entry is recorded again instead, so the trail stays readable.
func decideReverseEvent(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Seq    uint64 `json:"seq"`
		Reason string `json:"reason"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if in.Seq == 0 {
		return nil, errField(cmd.Type, "seq", "must be the org sequence of the event to reverse")
	}
	if in.Reason == "" || len(in.Reason) > 500 {
		return nil, errField(cmd.Type, "reason", "is required (≤ 500 bytes)")
	}
	orig, ok, err := st.PostedEvent(cmd.Org, in.Seq)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ruleErr(CodeUnknownRef, "reversal", "event %d of %s did not post money, or does not exist: there is nothing to reverse", in.Seq, cmd.Org)
	}
	if orig.Type == (events.ReversalPosted{}).Type() {
		return nil, ruleErr(CodeStateConflict, "reversal", "event %d is itself a reversal; record the right entry again instead of reversing it", in.Seq)
	}
	if by, done, err := st.ReversedBy(cmd.Org, in.Seq); err != nil {
		return nil, err
	} else if done {
		return nil, ruleErr(CodeAlreadyDecided, "reversal", "event %d was already reversed by event %d", in.Seq, by)
	}
	if cmd.Date < orig.Date {
		return nil, ruleErr(CodeInvalid, "reversal", "the reversal is dated %s, before the event it reverses (%s)", cmd.Date, orig.Date)
	}
	lines := events.Negate(orig.Postings)
	if err := checkFunds(st, cmd.Org, lines); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.ReversalPosted{
		OriginalSeq: in.Seq, OriginalType: orig.Type, OriginalHash: orig.Hash, OriginalAggregate: orig.Aggregate,
		Reason: in.Reason, Lines: lines,
	}}}, nil
}

// checkFunds refuses postings that would take cash (101) or the bank
// account (102) below zero: a reversal of income the union has since spent
// would leave the books showing money that cannot exist.
func checkFunds(st State, org string, ps []events.Posting) error {
	for _, acct := range []string{events.AcctCash, events.AcctBank} {
		var d events.Fen
		for _, p := range ps {
			if p.Account == acct {
				d += p.Amount
			}
		}
		if d >= 0 {
			continue
		}
		bal, err := st.Balance(org, acct)
		if err != nil {
			return err
		}
		if bal+d < 0 {
			return ruleErr(CodeOverdraft, "no-overdraft", "the reversal would take account %s below zero (balance %s, reversal %s)", acct, bal.Yuan(), (-d).Yuan())
		}
	}
	return nil
}

// checkOpenPeriods refuses drafts that would post money into a closed month
// or year. Decide runs it on every command, so no area can forget it. It
// reads the state the command is decided on, which includes closes decided
// earlier in the same group.
func checkOpenPeriods(st State, cmd Command, drafts []events.Draft) error {
	var (
		p      Periods
		loaded bool
	)
	for _, d := range drafts {
		if len(d.Payload.Postings()) == 0 || len(d.Date) < 7 {
			continue
		}
		if !loaded {
			var err error
			if p, err = st.Periods(cmd.Org); err != nil {
				return err
			}
			loaded = true
		}
		if p.YearClosed(d.Date[:4]) {
			return ruleErr(CodePeriodClosed, "closed-periods", "%s would post into %s, but year %s is closed; correct earlier entries with reverse_event dated in an open period",
				d.Payload.Type(), d.Date, d.Date[:4])
		}
		if p.MonthClosed(d.Date[:7]) {
			return ruleErr(CodePeriodClosed, "closed-periods", "%s would post into %s, but the books are closed through %s; correct earlier entries with reverse_event dated in an open period",
				d.Payload.Type(), d.Date, p.ClosedMonth)
		}
	}
	return nil
}
