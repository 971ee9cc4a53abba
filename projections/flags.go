package projections

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// flags keeps what the funds-review committee's (经审会) compliance flags
// need. Flags raised by an event are stored when the event is applied,
// keyed by its org sequence, so "as of seq n" is one range scan and "as of
// date d" filters on the accounting date they carry. Flags that follow from
// state (receipt gaps, dues arrears, overdue rechecks and rectifications)
// are judged at query time from the records below, each of which carries
// the sequence and accounting date of the events behind it, so they too
// can be judged as of a point.
//
//	p/flag/ev/<org>/<seq><kind>0x00<subject>        Flag (JSON): raised by event seq
//	p/flag/win/<org>/<account>0x00r0x00<requester>  []splitEntry: recent small requests by a requester
//	p/flag/win/<org>/<account>0x00p0x00<payee>      []splitEntry: recent small requests to a payee
//	p/flag/bud/<org>/<year>0x00<line>               one byte: the line's spending level (0, near, at)
//	p/flag/off/<org>/<person>                       officerRec: the person's first request and approval
//	p/flag/paid/<org>/<person>                      paidRec: payments to the person (first maxPaidKept)
//	p/flag/mem/<org>/<person>                       []memberSpan: when the person held the member role
//	p/flag/dues/<org>/<member>0x00<period>0x00<seq> duesRec: a dues receipt and its reversal, if any
//
// A reversal of a dues receipt finds the receipt's record from the receipt
// event itself (its member and period), read like any reversal's original
// (eventAt).
//
// Every list kept in one value is bounded (maxSplitEntries, maxPaidKept),
// so memory never grows with the history.
type flags struct{}

// FlagKind is a stable code naming one compliance check.
type FlagKind string

// The compliance checks, in the order reports list them.
const (
	FlagSplitExpenses        FlagKind = "split_expenses"
	FlagBudgetNear           FlagKind = "budget_near"
	FlagBudgetAtLine         FlagKind = "budget_at_line"
	FlagPayeeIsOfficer       FlagKind = "payee_is_officer"
	FlagReversal             FlagKind = "reversal"
	FlagReceiptGap           FlagKind = "receipt_gap"
	FlagDuesArrears          FlagKind = "dues_arrears"
	FlagReliefRecheckOverdue FlagKind = "relief_recheck_overdue"
	FlagFindingOverdue       FlagKind = "finding_overdue"
)

// FlagKinds lists every kind in report order.
func FlagKinds() []FlagKind {
	return []FlagKind{FlagSplitExpenses, FlagBudgetNear, FlagBudgetAtLine, FlagPayeeIsOfficer, FlagReversal,
		FlagReceiptGap, FlagDuesArrears, FlagReliefRecheckOverdue, FlagFindingOverdue}
}

// Valid reports whether k is a known kind.
func (k FlagKind) Valid() bool { return k.order() < len(FlagKinds()) }

func (k FlagKind) order() int {
	for i, x := range FlagKinds() {
		if x == k {
			return i
		}
	}
	return len(FlagKinds())
}

// FlagSeverity grades a flag for the committee's attention.
type FlagSeverity string

// Severities, most urgent first.
const (
	SeverityHigh   FlagSeverity = "high"
	SeverityMedium FlagSeverity = "medium"
	SeverityLow    FlagSeverity = "low"
)

// Parameters of the checks. They are read-side judgement, not rules: a flag
// asks the committee to look, it refuses nothing.
const (
	// SplitWindowDays is how far apart, in accounting days, two requests may
	// be and still count as parts of one split purchase.
	SplitWindowDays = 30
	// BudgetNearPercent is the share of a budget line at which spending is
	// flagged as near the line.
	BudgetNearPercent = 90
	// MaxFlagItems caps the listed missing receipt numbers or months in
	// arrears of one flag; ItemCount gives the full count.
	MaxFlagItems = 24
	// MaxFlagEvents caps the events listed behind one flag.
	MaxFlagEvents = 24
	// maxSplitEntries bounds one split window; maxPaidKept the payments
	// remembered per payee.
	maxSplitEntries = 256
	maxPaidKept     = 50
)

// FlagEvent is an event behind a flag.
type FlagEvent struct {
	Seq  uint64 `json:"seq"`
	Date string `json:"date"`
	Type string `json:"type"`
}

// Flag is one compliance flag: what was found, why, and the events behind
// it.
type Flag struct {
	Kind     FlagKind     `json:"kind"`
	Severity FlagSeverity `json:"severity"`
	// Subject is what the flag is about: an expense id, a budget line's
	// account, a receipt book, a member, a relief case, a finding, or the
	// aggregate of a reversed event.
	Subject string `json:"subject"`
	// Reason says what the check found, with the numbers.
	Reason string `json:"reason"`
	// RaisedSeq is the event that raised the flag; zero for a flag judged
	// from state at the as-of point. RaisedDate is that event's accounting
	// date, or the date the state was judged at.
	RaisedSeq  uint64 `json:"raised_seq,omitempty"`
	RaisedDate string `json:"raised_date"`
	// Events are the events behind the flag, in sequence order (at most
	// MaxFlagEvents).
	Events []FlagEvent `json:"events"`
	// Amount is the figure the check measured (the sum of split requests,
	// the spending on a line, the payment, the reversed amount) and Limit
	// what it was measured against (the threshold, the line).
	Amount events.Fen `json:"-"`
	Limit  events.Fen `json:"-"`
	// Items are the missing receipt numbers or months in arrears (at most
	// MaxFlagItems); ItemCount is how many there are in all.
	Items     []string `json:"items,omitempty"`
	ItemCount int      `json:"item_count,omitempty"`
}

type flagPlain Flag

// MarshalJSON writes amounts as `amount_fen` and a yuan string `amount`
// (likewise `limit`): money is never a float.
func (f Flag) MarshalJSON() ([]byte, error) {
	out := struct {
		flagPlain
		AmountFen events.Fen `json:"amount_fen,omitempty"`
		Amount    string     `json:"amount,omitempty"`
		LimitFen  events.Fen `json:"limit_fen,omitempty"`
		Limit     string     `json:"limit,omitempty"`
	}{flagPlain: flagPlain(f), AmountFen: f.Amount, LimitFen: f.Limit}
	if f.Amount != 0 {
		out.Amount = f.Amount.Yuan()
	}
	if f.Limit != 0 {
		out.Limit = f.Limit.Yuan()
	}
	if out.Events == nil {
		out.Events = []FlagEvent{}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Flag) UnmarshalJSON(b []byte) error {
	var in struct {
		flagPlain
		AmountFen events.Fen `json:"amount_fen"`
		LimitFen  events.Fen `json:"limit_fen"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*f = Flag(in.flagPlain)
	f.Amount, f.Limit = in.AmountFen, in.LimitFen
	return nil
}

// ---------------------------------------------------------------------
// Keys and records

func flagEvPrefix(org string) []byte { return key(famProj, "flag/ev/", org, "/") }
func flagEvKey(org string, seq uint64, k FlagKind, subject string) []byte {
	return key(flagEvPrefix(org), seq, string(k), byte(0), subject)
}
func splitWinKey(org, account, by, who string) []byte {
	return key(famProj, "flag/win/", org, "/", account, byte(0), by, byte(0), who)
}
func budLevelKey(org, year, line string) []byte {
	return key(famProj, "flag/bud/", org, "/", year, byte(0), line)
}
func officerKey(org, person string) []byte { return key(famProj, "flag/off/", org, "/", person) }
func paidKey(org, person string) []byte    { return key(famProj, "flag/paid/", org, "/", person) }
func memberSpanPrefix(org string) []byte   { return key(famProj, "flag/mem/", org, "/") }
func duesPrefix(org, member string) []byte {
	return keyOf(famProj, "flag/dues/", org, "/", member, "\x00")
}
func duesKey(org, member, period string, seq uint64) []byte {
	return keySeq(seq, famProj, "flag/dues/", org, "/", member, "\x00", period, "\x00")
}

// splitEntry is a request at or below the threshold, not covered by a
// collective decision, kept while it may be part of a split.
type splitEntry struct {
	Expense   string     `json:"e"`
	Seq       uint64     `json:"s"`
	Date      string     `json:"d"`
	Amount    events.Fen `json:"a"`
	Requester string     `json:"r"`
	Payee     string     `json:"p"`
}

type firstRec struct {
	Expense string `json:"e"`
	Seq     uint64 `json:"s"`
	Date    string `json:"d"`
}

// officerRec is a person's first expense request and first approval.
type officerRec struct {
	Requested *firstRec `json:"requested,omitempty"`
	Approved  *firstRec `json:"approved,omitempty"`
}

type paymentRec struct {
	Expense string     `json:"e"`
	Seq     uint64     `json:"s"`
	Date    string     `json:"d"`
	Amount  events.Fen `json:"a"`
}

// paidRec counts the payments to a person and keeps the first few.
type paidRec struct {
	Count    int          `json:"n"`
	Payments []paymentRec `json:"p"`
}

// memberSpan is a time the person held the member role (会员).
type memberSpan struct {
	GrantSeq   uint64 `json:"gs"`
	GrantDate  string `json:"gd"`
	RevokeSeq  uint64 `json:"rs,omitempty"`
	RevokeDate string `json:"rd,omitempty"`
}

type duesRec struct {
	Date    string `json:"d"`
	RevSeq  uint64 `json:"rs,omitempty"`
	RevDate string `json:"rd,omitempty"`
}

// ---------------------------------------------------------------------
// Apply: event-raised flags and the records state-derived flags read

func (flags) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	switch p := p.(type) {
	case events.ExpenseRequested:
		if err := checkSplit(tx, env, p); err != nil {
			return err
		}
		if err := becomeOfficer(tx, env, p.Expense, "requested"); err != nil {
			return err
		}
	case events.ExpenseApproved:
		if err := becomeOfficer(tx, env, p.Expense, "approved"); err != nil {
			return err
		}
	case events.ExpenseRejected:
		if err := dropFromWindows(tx, env.Org, p.Expense); err != nil {
			return err
		}
	case events.ExpenseCancelled:
		if err := dropFromWindows(tx, env.Org, p.Expense); err != nil {
			return err
		}
	case events.CollectiveDecisionRecorded:
		for _, id := range p.Expenses {
			if err := dropFromWindows(tx, env.Org, id); err != nil {
				return err
			}
		}
	case events.ExpensePaid:
		if err := checkPayee(tx, env, p); err != nil {
			return err
		}
	case events.ReversalPosted:
		oenv, op, found, err := eventAt(tx, env.Org, p.OriginalSeq)
		if err != nil {
			return err
		}
		origDate := ""
		if found {
			if orig, posted := postedOf(oenv, op); posted {
				origDate = orig.Date
			}
		}
		if err := raiseReversal(tx, env, p, origDate); err != nil {
			return err
		}
		if err := reverseDues(tx, env, p, op); err != nil {
			return err
		}
	case events.BudgetApproved:
		if err := checkBudgetLines(tx, env, p.Year, nil); err != nil {
			return err
		}
	case events.BudgetAdjustmentApproved:
		if err := checkBudgetLines(tx, env, p.Year, nil); err != nil {
			return err
		}
	case events.RoleGranted:
		if p.Role == events.RoleMember {
			return updateSpans(tx, env.Org, p.Person, func(s []memberSpan) []memberSpan {
				return append(s, memberSpan{GrantSeq: env.Seq, GrantDate: env.Date})
			})
		}
	case events.RoleRevoked:
		if p.Role == events.RoleMember {
			return updateSpans(tx, env.Org, p.Person, func(s []memberSpan) []memberSpan {
				if n := len(s); n > 0 && s[n-1].RevokeSeq == 0 {
					s[n-1].RevokeSeq, s[n-1].RevokeDate = env.Seq, env.Date
				}
				return s
			})
		}
	case events.DuesReceived:
		if err := tx.Set(duesKey(env.Org, p.Member, p.Period, env.Seq), encodeDues(env.Date)); err != nil {
			return err
		}
	}
	// Spending moved on an expense account (a payment, or a reversal of
	// one): its budget line may have reached a level.
	// Expense accounts are 5xx in every chart: the prefix spares income
	// events the chart lookup, which then confirms the class.
	var accounts []string
	for _, ps := range p.Postings() {
		if strings.HasPrefix(ps.Account, "5") {
			accounts = append(accounts, ps.Account)
		}
	}
	if len(accounts) > 0 && len(env.Date) >= 4 {
		return checkBudgetLines(tx, env, env.Date[:4], accounts)
	}
	return nil
}

func raise(tx *Tx, env events.Envelope, f Flag) error {
	f.RaisedSeq, f.RaisedDate = env.Seq, env.Date
	sort.SliceStable(f.Events, func(i, j int) bool { return f.Events[i].Seq < f.Events[j].Seq })
	if len(f.Events) > MaxFlagEvents {
		f.Events = f.Events[:MaxFlagEvents]
	}
	return setJSON(tx, flagEvKey(env.Org, env.Seq, f.Kind, f.Subject), f)
}

func chartOf(g getter, org string) (events.Chart, error) {
	info, _, err := view{g: g}.Org(org)
	if err != nil {
		return events.Chart{}, err
	}
	c, _ := events.ChartByVersion(info.Chart)
	return c, nil
}

func accountName(c events.Chart, code string) string {
	if a, ok := c.Account(code); ok {
		return code + " " + a.NameZH + " (" + a.NameEN + ")"
	}
	return code
}

// payeeID is who a request pays, for comparing payees: the registered
// person it names, else the free text.
func payeeID(payee, person string) string {
	if person != "" {
		return person
	}
	return payee
}

func dayNum(date string) (int64, bool) {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return 0, false
	}
	return t.Unix() / 86400, true
}

// checkSplit raises split_expenses when a request at or below the
// collective-decision threshold, with the earlier such requests on the same
// account by the same requester or to the same payee within SplitWindowDays,
// adds up to more than the threshold: each part escapes the collective
// decision (集体研究) the whole would need.
func checkSplit(tx *Tx, env events.Envelope, p events.ExpenseRequested) error {
	limit, set, err := view{g: tx}.CollectiveThreshold(env.Org)
	if err != nil || !set || p.Amount > limit || p.Decision != "" {
		return err // without a threshold every expense needs a decision: nothing to evade
	}
	day, ok := dayNum(env.Date)
	if !ok {
		return nil
	}
	self := splitEntry{Expense: p.Expense, Seq: env.Seq, Date: env.Date, Amount: p.Amount, Requester: env.Actor, Payee: payeeID(p.Payee, p.PayeePerson)}
	group := []splitEntry{}
	seen := map[string]bool{}
	for _, w := range []struct{ by, who string }{{"r", self.Requester}, {"p", self.Payee}} {
		k := splitWinKey(env.Org, p.Account, w.by, w.who)
		var entries []splitEntry
		if _, err := getJSON(tx, k, &entries); err != nil {
			return err
		}
		kept := entries[:0]
		for _, e := range entries {
			d, ok := dayNum(e.Date)
			if !ok || d < day-SplitWindowDays {
				continue // out of this window, and of the windows of later-dated requests
			}
			kept = append(kept, e)
			if d-day <= SplitWindowDays && day-d <= SplitWindowDays && !seen[e.Expense] {
				seen[e.Expense] = true
				group = append(group, e)
			}
		}
		kept = append(kept, self)
		if len(kept) > maxSplitEntries {
			kept = kept[len(kept)-maxSplitEntries:]
		}
		if err := setJSON(tx, k, kept); err != nil {
			return err
		}
	}
	if len(group) == 0 {
		return nil
	}
	sum := self.Amount
	for _, e := range group {
		sum += e.Amount
	}
	if sum <= limit {
		return nil
	}
	sort.Slice(group, func(i, j int) bool { return group[i].Seq < group[j].Seq })
	group = append(group, self)
	chart, err := chartOf(tx, env.Org)
	if err != nil {
		return err
	}
	var parts []string
	f := Flag{Kind: FlagSplitExpenses, Severity: SeverityHigh, Subject: p.Expense, Amount: sum, Limit: limit}
	for i, e := range group {
		if i < 10 {
			parts = append(parts, fmt.Sprintf("%s %s yuan (%s, by %s, to %s)", e.Expense, e.Amount.Yuan(), e.Date, e.Requester, e.Payee))
		}
		f.Events = append(f.Events, FlagEvent{Seq: e.Seq, Date: e.Date, Type: "expense_requested"})
	}
	if len(group) > 10 {
		parts = append(parts, fmt.Sprintf("and %d more", len(group)-10))
	}
	f.Reason = fmt.Sprintf("Expense %s with %d earlier request(s) on account %s by the same requester or to the same payee within %d days "+
		"adds up to %s yuan, above the collective-decision threshold (集体研究) of %s yuan, while each request is at or below it "+
		"and none is covered by a collective decision (拆分规避集体研究): %s.",
		p.Expense, len(group)-1, accountName(chart, p.Account), SplitWindowDays, sum.Yuan(), limit.Yuan(), strings.Join(parts, "; "))
	return raise(tx, env, f)
}

// dropFromWindows takes an expense out of the split windows once it can no
// longer be a part of a split: rejected, cancelled, or covered by a
// collective decision.
func dropFromWindows(tx *Tx, org, id string) error {
	e, ok, err := view{g: tx}.Expense(org, id)
	if err != nil || !ok {
		return err
	}
	for _, w := range []struct{ by, who string }{{"r", e.RequestedBy}, {"p", payeeID(e.Payee, e.PayeePerson)}} {
		k := splitWinKey(org, e.Account, w.by, w.who)
		var entries []splitEntry
		ok, err := getJSON(tx, k, &entries)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		kept := entries[:0]
		for _, x := range entries {
			if x.Expense != id {
				kept = append(kept, x)
			}
		}
		if len(kept) == len(entries) {
			continue
		}
		if len(kept) == 0 {
			err = tx.Delete(k)
		} else {
			err = setJSON(tx, k, kept)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// payeePerson resolves who a payment goes to, as a registered person id:
// the request's payee person, else the free-text payee when it is exactly
// the id of a registered person. Names are never compared: they are
// sealed, and free text naming an organisation is not a person.
func payeePerson(tx *Tx, org string, e ledger.ExpenseInfo) (string, error) {
	if e.PayeePerson != "" {
		return e.PayeePerson, nil
	}
	if !events.ValidID(e.Payee) {
		return "", nil
	}
	info, err := view{g: tx}.Person(org, e.Payee)
	if err != nil || !info.Registered {
		return "", err
	}
	return e.Payee, nil
}

func (o officerRec) describe() string {
	var parts []string
	if r := o.Requested; r != nil {
		parts = append(parts, fmt.Sprintf("requested expense %s on %s (seq %d)", r.Expense, r.Date, r.Seq))
	}
	if a := o.Approved; a != nil {
		parts = append(parts, fmt.Sprintf("approved expense %s on %s (seq %d)", a.Expense, a.Date, a.Seq))
	}
	return strings.Join(parts, " and ")
}

func (o officerRec) events() []FlagEvent {
	var out []FlagEvent
	if r := o.Requested; r != nil {
		out = append(out, FlagEvent{Seq: r.Seq, Date: r.Date, Type: "expense_requested"})
	}
	if a := o.Approved; a != nil {
		out = append(out, FlagEvent{Seq: a.Seq, Date: a.Date, Type: "expense_approved"})
	}
	return out
}

// checkPayee raises payee_is_officer when a payment goes to a person who
// has requested or approved an expense of the union, and remembers the
// payment for the day its payee first does.
func checkPayee(tx *Tx, env events.Envelope, p events.ExpensePaid) error {
	e, ok, err := view{g: tx}.Expense(env.Org, p.Expense)
	if err != nil || !ok {
		return err
	}
	who, err := payeePerson(tx, env.Org, e)
	if err != nil || who == "" {
		return err
	}
	var off officerRec
	if _, err := getJSON(tx, officerKey(env.Org, who), &off); err != nil {
		return err
	}
	if off.Requested != nil || off.Approved != nil {
		f := Flag{Kind: FlagPayeeIsOfficer, Severity: SeverityHigh, Subject: p.Expense, Amount: p.Amount,
			Events: append(off.events(), FlagEvent{Seq: env.Seq, Date: env.Date, Type: env.Type})}
		if e.RequestSeq != env.Seq {
			f.Events = append(f.Events, FlagEvent{Seq: e.RequestSeq, Date: e.RequestDate, Type: "expense_requested"})
		}
		f.Reason = fmt.Sprintf("Expense %s paid %s yuan to %s, who %s: the payee is also a requester or approver of the union's expenses (经办人或审批人兼收款人).",
			p.Expense, p.Amount.Yuan(), payeeText(e, who), off.describe())
		if err := raise(tx, env, f); err != nil {
			return err
		}
	}
	var paid paidRec
	if _, err := getJSON(tx, paidKey(env.Org, who), &paid); err != nil {
		return err
	}
	paid.Count++
	if len(paid.Payments) < maxPaidKept {
		paid.Payments = append(paid.Payments, paymentRec{Expense: p.Expense, Seq: env.Seq, Date: env.Date, Amount: p.Amount})
	}
	return setJSON(tx, paidKey(env.Org, who), paid)
}

func payeeText(e ledger.ExpenseInfo, who string) string {
	if e.PayeePerson != "" {
		return "person " + who
	}
	return fmt.Sprintf("payee %q (the id of a registered person)", who)
}

// becomeOfficer records a person's first request or approval; when it is
// the first of either, payments made to them before are flagged now.
func becomeOfficer(tx *Tx, env events.Envelope, expense, as string) error {
	var off officerRec
	if _, err := getJSON(tx, officerKey(env.Org, env.Actor), &off); err != nil {
		return err
	}
	first := off.Requested == nil && off.Approved == nil
	rec := &firstRec{Expense: expense, Seq: env.Seq, Date: env.Date}
	switch {
	case as == "requested" && off.Requested == nil:
		off.Requested = rec
	case as == "approved" && off.Approved == nil:
		off.Approved = rec
	default:
		return nil
	}
	if err := setJSON(tx, officerKey(env.Org, env.Actor), off); err != nil {
		return err
	}
	if !first {
		return nil
	}
	var paid paidRec
	if ok, err := getJSON(tx, paidKey(env.Org, env.Actor), &paid); err != nil || !ok {
		return err
	}
	for _, pm := range paid.Payments {
		f := Flag{Kind: FlagPayeeIsOfficer, Severity: SeverityHigh, Subject: pm.Expense, Amount: pm.Amount, Events: []FlagEvent{
			{Seq: pm.Seq, Date: pm.Date, Type: "expense_paid"}, {Seq: env.Seq, Date: env.Date, Type: env.Type}}}
		f.Reason = fmt.Sprintf("Expense %s paid %s yuan to %s on %s (seq %d); %s %s %s: the payee is also a requester or approver of the union's expenses (经办人或审批人兼收款人).",
			pm.Expense, pm.Amount.Yuan(), env.Actor, pm.Date, pm.Seq, env.Actor, as, fmt.Sprintf("expense %s on %s (seq %d)", expense, env.Date, env.Seq))
		if err := raise(tx, env, f); err != nil {
			return err
		}
	}
	if paid.Count > len(paid.Payments) {
		// Payments beyond the first maxPaidKept: one flag says how many.
		f := Flag{Kind: FlagPayeeIsOfficer, Severity: SeverityHigh, Subject: "person:" + env.Actor,
			Events: []FlagEvent{{Seq: env.Seq, Date: env.Date, Type: env.Type}}}
		f.Reason = fmt.Sprintf("%s, who %s expense %s on %s (seq %d), was paid %d more time(s) before; the payments are in their trail.",
			env.Actor, as, expense, env.Date, env.Seq, paid.Count-len(paid.Payments))
		return raise(tx, env, f)
	}
	return nil
}

// raiseReversal raises a reversal flag for every red-ink correction (红字冲销).
// origDate is the original's accounting date, "" when PostedEvent would
// not find it.
func raiseReversal(tx *Tx, env events.Envelope, p events.ReversalPosted, origDate string) error {
	var amt events.Fen
	for _, l := range p.Lines {
		if l.Amount < 0 {
			amt -= l.Amount
		}
	}
	subject := p.OriginalAggregate
	if subject == "" {
		subject = fmt.Sprintf("event:%d", p.OriginalSeq)
	}
	f := Flag{Kind: FlagReversal, Severity: SeverityLow, Subject: subject, Amount: amt, Events: []FlagEvent{
		{Seq: p.OriginalSeq, Date: origDate, Type: p.OriginalType}, {Seq: env.Seq, Date: env.Date, Type: env.Type}}}
	f.Reason = fmt.Sprintf("Event %d (%s of %s, dated %s) was reversed (红字冲销) by event %d dated %s, %s yuan, with the reason %q.",
		p.OriginalSeq, p.OriginalType, p.OriginalAggregate, origDate, env.Seq, env.Date, amt.Yuan(), p.Reason)
	return raise(tx, env, f)
}

// reverseDues marks a reversed dues receipt, so the month it paid is unpaid
// again from the reversal on. orig is the original's payload (nil if there
// is no such event).
func reverseDues(tx *Tx, env events.Envelope, p events.ReversalPosted, orig events.Payload) error {
	if p.OriginalType != (events.DuesReceived{}).Type() {
		return nil
	}
	d, ok := orig.(events.DuesReceived)
	if !ok {
		return nil
	}
	k := duesKey(env.Org, d.Member, d.Period, p.OriginalSeq)
	var rec duesRec
	if ok, err := getJSON(tx, k, &rec); err != nil || !ok {
		return err
	}
	rec.RevSeq, rec.RevDate = env.Seq, env.Date
	return setJSON(tx, k, rec)
}

// checkBudgetLines recomputes the spending level of the year's lines that
// cover accounts (all lines when accounts is nil: the lines changed) and
// raises budget_near or budget_at_line when a line's level rises.
func checkBudgetLines(tx *Tx, env events.Envelope, year string, accounts []string) error {
	chart, err := chartOf(tx, env.Org)
	if err != nil {
		return err
	}
	var spending []string
	for _, acct := range accounts {
		if a, ok := chart.Account(acct); ok && a.Class == events.Expense {
			spending = append(spending, acct)
		}
	}
	if accounts != nil && len(spending) == 0 {
		return nil // income, transfers: no budget line moves
	}
	var b budgetRec
	if ok, err := getJSON(tx, budgetKey(env.Org, year), &b); err != nil || !ok || b.Status != ledger.BudgetStatusApproved {
		return err
	}
	var lines []ledger.LineInForce
	if accounts == nil {
		lines = b.InForce
	} else {
		for _, acct := range spending {
			l, ok := b.LineFor(acct)
			if !ok {
				continue
			}
			dup := false
			for _, x := range lines {
				dup = dup || x.Account == l.Account
			}
			if !dup {
				lines = append(lines, l)
			}
		}
	}
	for _, l := range lines {
		if err := checkLine(tx, env, chart, b, year, l); err != nil {
			return err
		}
	}
	return nil
}

func checkLine(tx *Tx, env events.Envelope, chart events.Chart, b budgetRec, year string, l ledger.LineInForce) error {
	at := env.Date
	if at < year+"-01-01" {
		at = year + "-01-01"
	} else if at > year+"-12-31" {
		at = year + "-12-31"
	}
	limit, ok := l.Limit(at)
	if !ok {
		return nil
	}
	spent, err := ledger.LineSpent(view{g: tx}, env.Org, chart, l.Account, year)
	if err != nil {
		return err
	}
	level := byte(0)
	switch {
	case limit > 0 && spent > 0 && spent >= limit:
		level = 2
	case limit > 0 && spent > 0 && spent*100 >= limit*BudgetNearPercent:
		level = 1
	}
	k := budLevelKey(env.Org, year, l.Account)
	old, _, err := tx.Get(k)
	if err != nil {
		return err
	}
	was := byte(0)
	if len(old) == 1 {
		was = old[0]
	}
	if level == was {
		return nil
	}
	if err := tx.Set(k, []byte{level}); err != nil {
		return err
	}
	if level < was {
		return nil // spending went back down (a reversal) or the line rose
	}
	f := Flag{Kind: FlagBudgetNear, Severity: SeverityMedium, Subject: l.Account, Amount: spent, Limit: limit,
		Events: []FlagEvent{{Seq: env.Seq, Date: env.Date, Type: env.Type}}}
	if b.Approval != nil {
		f.Events = append(f.Events, FlagEvent{Seq: b.Approval.Seq, Date: b.Approval.Date, Type: "budget_approved"})
	}
	for _, a := range b.Adjusted {
		var adj adjRec
		date := ""
		if ok, err := getJSON(tx, adjKey(env.Org, a.ID), &adj); err != nil {
			return err
		} else if ok && adj.Approval != nil {
			date = adj.Approval.Date
		}
		if a.Seq != env.Seq {
			f.Events = append(f.Events, FlagEvent{Seq: a.Seq, Date: date, Type: "budget_adjustment_approved"})
		}
	}
	what := fmt.Sprintf("at or above %d%% of the line (预算执行接近上限)", BudgetNearPercent)
	if level == 2 {
		f.Kind, f.Severity = FlagBudgetAtLine, SeverityHigh
		what = "the whole line is used (预算已用尽): further spending on it is refused until an adjustment (预算调整) is approved"
	}
	f.Reason = fmt.Sprintf("Spending on line %s of the %s budget (预算) is %s of %s yuan (%s), %s.",
		accountName(chart, l.Account), year, spent.Yuan(), limit.Yuan(), percent(spent, limit), what)
	return raise(tx, env, f)
}

// percent formats part/whole with two decimals, in integer arithmetic.
func percent(part, whole events.Fen) string {
	if whole <= 0 {
		return "-"
	}
	bp := int64(part) * 10000 / int64(whole)
	return fmt.Sprintf("%d.%02d%%", bp/100, bp%100)
}

// splitNumber splits a receipt number into its non-numeric prefix and its
// trailing digits; ok is false when it has no digits or too many.
func splitNumber(n string) (prefix, digits string, v uint64, ok bool) {
	i := len(n)
	for i > 0 && n[i-1] >= '0' && n[i-1] <= '9' {
		i--
	}
	prefix, digits = n[:i], n[i:]
	if digits == "" || len(digits) > 18 {
		return prefix, digits, 0, false
	}
	v, err := strconv.ParseUint(digits, 10, 64)
	return prefix, digits, v, err == nil
}

func updateSpans(tx *Tx, org, person string, f func([]memberSpan) []memberSpan) error {
	k := key(memberSpanPrefix(org), person)
	var spans []memberSpan
	if _, err := getJSON(tx, k, &spans); err != nil {
		return err
	}
	return setJSON(tx, k, f(spans))
}

// ---------------------------------------------------------------------
// Queries

// FlagReport is the flags of a union as of a point in its history.
type FlagReport struct {
	Org      string `json:"org"`
	HeadSeq  uint64 `json:"head_seq"`
	AsOfSeq  uint64 `json:"as_of_seq,omitempty"`
	AsOfDate string `json:"as_of_date,omitempty"`
	// Kind is the kind asked for; empty for all.
	Kind FlagKind `json:"kind,omitempty"`
	// Through is the last org sequence taken into account (for as of a
	// date, events are further limited to those dated on or before it).
	Through uint64 `json:"through_seq"`
	// JudgedOn is the accounting date time-dependent checks (arrears,
	// overdue) were judged at: the as-of date, or the accounting date of
	// the last event taken into account. Never the wall clock.
	JudgedOn string `json:"judged_on"`
	Flags    []Flag `json:"flags"`
}

// point is the cut of history a report looks at.
type point struct {
	seq   uint64 // events with seq ≤ seq
	date  string // and, if set, accounting date ≤ date
	judge string
}

func (pt point) includes(seq uint64, date string) bool {
	return seq <= pt.seq && (pt.date == "" || date <= pt.date)
}

func (s *Store) eventDate(org string, seq uint64) (string, error) {
	st, ok, err := s.Event(org, seq)
	if err != nil || !ok {
		return "", err
	}
	env, err := events.Decode(st.Data)
	if err != nil {
		return "", err
	}
	return env.Date, nil
}

// Flags lists the union's compliance flags as they stood at a point: right
// after org sequence at.Seq, or through accounting date at.Date, or now.
func (s *Store) Flags(org string, at AsOf) ([]Flag, error) {
	r, err := s.FlagReport(org, at, "")
	return r.Flags, err
}

// FlagReport answers the flags of one kind (or all kinds when kind is
// empty) as of a point, in kind order, then by subject, then by sequence.
func (s *Store) FlagReport(org string, at AsOf, kind FlagKind) (FlagReport, error) {
	if _, ok, err := s.Org(org); err != nil {
		return FlagReport{}, err
	} else if !ok {
		return FlagReport{}, ledger.Errorf(ledger.CodeUnknownOrg, "org %q has not been opened", org)
	}
	if kind != "" && !kind.Valid() {
		return FlagReport{}, ledger.Errorf(ledger.CodeInvalid, "flag kind %q is not one of %v", kind, FlagKinds())
	}
	if at.Date != "" && !events.ValidDate(at.Date) {
		return FlagReport{}, ledger.Errorf(ledger.CodeInvalid, "date %q is not a date (YYYY-MM-DD)", at.Date)
	}
	head, err := s.Head(org)
	if err != nil {
		return FlagReport{}, err
	}
	pt := point{seq: head.Seq, date: at.Date, judge: at.Date}
	if at.Seq > 0 && at.Seq < head.Seq {
		pt.seq = at.Seq
	}
	if pt.judge == "" {
		if pt.judge, err = s.eventDate(org, pt.seq); err != nil {
			return FlagReport{}, err
		}
	}
	out := FlagReport{Org: org, HeadSeq: head.Seq, AsOfSeq: at.Seq, AsOfDate: at.Date, Kind: kind, Through: pt.seq, JudgedOn: pt.judge, Flags: []Flag{}}
	want := func(k FlagKind) bool { return kind == "" || kind == k }
	if err := s.raisedFlags(org, pt, want, &out.Flags); err != nil {
		return FlagReport{}, err
	}
	derived := []struct {
		kind FlagKind
		fn   func(string, point) ([]Flag, error)
	}{
		{FlagReceiptGap, s.receiptGaps},
		{FlagDuesArrears, s.duesArrears},
		{FlagReliefRecheckOverdue, s.rechecksOverdue},
		{FlagFindingOverdue, s.findingsOverdue},
	}
	for _, d := range derived {
		if !want(d.kind) || pt.judge == "" {
			continue
		}
		fs, err := d.fn(org, pt)
		if err != nil {
			return FlagReport{}, err
		}
		out.Flags = append(out.Flags, fs...)
	}
	sort.SliceStable(out.Flags, func(i, j int) bool {
		a, b := out.Flags[i], out.Flags[j]
		if a.Kind != b.Kind {
			return a.Kind.order() < b.Kind.order()
		}
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		if a.RaisedSeq != b.RaisedSeq {
			return a.RaisedSeq < b.RaisedSeq
		}
		return firstSeq(a) < firstSeq(b)
	})
	return out, nil
}

func firstSeq(f Flag) uint64 {
	if len(f.Events) == 0 {
		return 0
	}
	return f.Events[0].Seq
}

// raisedFlags reads the event-raised flags through pt: one range scan over
// the flags raised up to pt.seq.
func (s *Store) raisedFlags(org string, pt point, want func(FlagKind) bool, out *[]Flag) error {
	prefix := flagEvPrefix(org)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: key(prefix, pt.seq+1)})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		rest := it.Key()[len(prefix):]
		end := -1
		if len(rest) > 8 {
			end = bytes.IndexByte(rest[8:], 0)
		}
		if end < 0 {
			return fmt.Errorf("projections: corrupt flag key %q", it.Key())
		}
		k := FlagKind(rest[8 : 8+end])
		if !want(k) {
			continue
		}
		var f Flag
		if err := json.Unmarshal(it.Value(), &f); err != nil {
			return fmt.Errorf("projections: corrupt flag %q: %w", it.Key(), err)
		}
		if pt.includes(f.RaisedSeq, f.RaisedDate) {
			*out = append(*out, f)
		}
	}
	return it.Error()
}

// receiptGaps flags, per receipt book (and non-numeric prefix within it),
// the numbers missing between the lowest and highest used through pt. It
// streams the book's numbers in numeric order from their first uses
// (receipts, balances.go).
func (s *Store) receiptGaps(org string, pt point) ([]Flag, error) {
	prefix := receiptPrefix(org)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var (
		out      []Flag
		series   string // book 0x00 0x01 prefix
		book     string
		numPre   string
		low, hi  receiptUse
		prev     uint64
		prevRec  receiptUse
		have     bool
		missing  int
		items    []string
		evs      []FlagEvent
		lastEvSq uint64
	)
	flush := func() {
		if have && missing > 0 {
			subject := book
			if numPre != "" {
				subject = book + ":" + numPre
			}
			listed := listItems(items, missing)
			sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
			out = append(out, Flag{Kind: FlagReceiptGap, Severity: SeverityMedium, Subject: subject, RaisedDate: pt.judge,
				Events: evs, Items: items, ItemCount: missing,
				Reason: fmt.Sprintf("Receipt book %s (收据) has %d number(s) missing between %s and %s, the lowest and highest used: %s.",
					book, missing, low.Number, hi.Number, listed)})
		}
		have, missing, items, evs, lastEvSq = false, 0, nil, nil, 0
	}
	addEv := func(r receiptUse) {
		if r.Seq != lastEvSq && len(evs) < MaxFlagEvents {
			evs = append(evs, FlagEvent{Seq: r.Seq, Date: r.Date, Type: r.Type})
			lastEvSq = r.Seq
		}
	}
	// step takes the next number of the stream, n (its first use r).
	step := func(ser, bk, pre string, n uint64, r receiptUse) {
		if ser != series {
			flush()
			series, book, numPre = ser, bk, pre
		}
		if !have {
			have, low = true, r
		} else if n > prev+1 {
			missing += int(min(n-prev-1, 1<<31))
			_, digits, _, _ := splitNumber(prevRec.Number)
			for m := prev + 1; m < n && len(items) < MaxFlagItems; m++ {
				items = append(items, fmt.Sprintf("%s%0*d", numPre, len(digits), m))
			}
			addEv(prevRec)
			addEv(r)
		}
		prev, prevRec, hi = n, r, r
	}
	// One number may be written several ways ("7", "007"), each a key of
	// its own, one after another: the first use of them all stands.
	var (
		cur             receiptUse
		curSer, curBook string
		curPre          string
		curN            uint64
		haveCur         bool
	)
	for it.First(); it.Valid(); it.Next() {
		rest := it.Key()[len(prefix):]
		b := bytes.IndexByte(rest, 0) // the book's end
		if b < 0 || b+1 >= len(rest) {
			return nil, fmt.Errorf("projections: corrupt receipt key %q", it.Key())
		}
		if rest[b+1] != receiptNumeric {
			continue // a number without a numeric end has no place in a series
		}
		e := b + 2 + bytes.IndexByte(rest[b+2:], 0) // the prefix's end
		if e < b+2 || len(rest) < e+1+8+1 {
			return nil, fmt.Errorf("projections: corrupt receipt key %q", it.Key())
		}
		n := binary.BigEndian.Uint64(rest[e+1 : e+9])
		r, err := decodeReceiptUse(it.Value())
		if err != nil {
			return nil, fmt.Errorf("%w at %q", err, it.Key())
		}
		if !pt.includes(r.Seq, r.Date) {
			continue
		}
		r.Number = string(rest[b+2:e]) + string(rest[e+9:])
		if haveCur && n == curN && string(rest[:e]) == curSer {
			if r.Seq < cur.Seq {
				cur = r
			}
			continue
		}
		if haveCur {
			step(curSer, curBook, curPre, curN, cur)
		}
		cur, curN, curSer, curBook, curPre, haveCur = r, n, string(rest[:e]), string(rest[:b]), string(rest[b+2:e]), true
	}
	if haveCur {
		step(curSer, curBook, curPre, curN, cur)
	}
	flush()
	return out, it.Error()
}

// listItems writes the listed items of a flag, and how many more there are
// of total.
func listItems(items []string, total int) string {
	s := strings.Join(items, ", ")
	if total > len(items) {
		s += fmt.Sprintf(" and %d more", total-len(items))
	}
	return s
}

func nextMonth(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return "9999-12"
	}
	return t.AddDate(0, 1, 0).Format("2006-01")
}

// duesArrears flags each member with a past month, since they took the
// member role, that no dues receipt (会费) through pt pays. It walks the
// members' own records one member at a time.
func (s *Store) duesArrears(org string, pt point) ([]Flag, error) {
	prefix := memberSpanPrefix(org)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	judgeMonth := pt.judge[:7]
	var out []Flag
	for it.First(); it.Valid(); it.Next() {
		member := string(it.Key()[len(prefix):])
		var spans []memberSpan
		if err := json.Unmarshal(it.Value(), &spans); err != nil {
			return nil, fmt.Errorf("projections: corrupt member record %q: %w", it.Key(), err)
		}
		var evs []FlagEvent
		var owed []string // months owed, ascending (spans do not overlap)
		since := ""
		for _, sp := range spans {
			if !pt.includes(sp.GrantSeq, sp.GrantDate) {
				continue
			}
			if since == "" {
				since = sp.GrantDate
			}
			evs = append(evs, FlagEvent{Seq: sp.GrantSeq, Date: sp.GrantDate, Type: "role_granted"})
			end := judgeMonth
			if sp.RevokeSeq > 0 && pt.includes(sp.RevokeSeq, sp.RevokeDate) {
				evs = append(evs, FlagEvent{Seq: sp.RevokeSeq, Date: sp.RevokeDate, Type: "role_revoked"})
				end = min(end, sp.RevokeDate[:7])
			}
			for m := sp.GrantDate[:7]; m < end; m = nextMonth(m) {
				if len(owed) == 0 || owed[len(owed)-1] < m {
					owed = append(owed, m)
				}
			}
		}
		if len(owed) == 0 {
			continue
		}
		paid, last, err := s.duesPaid(org, member, pt)
		if err != nil {
			return nil, err
		}
		if last.Seq > 0 {
			evs = append(evs, last)
		}
		var items []string
		count := 0
		for _, m := range owed {
			if paid[m] {
				continue
			}
			count++
			if len(items) < MaxFlagItems {
				items = append(items, m)
			}
		}
		if count == 0 {
			continue
		}
		listed := listItems(items, count)
		sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
		out = append(out, Flag{Kind: FlagDuesArrears, Severity: SeverityLow, Subject: member, RaisedDate: pt.judge,
			Events: evs, Items: items, ItemCount: count,
			Reason: fmt.Sprintf("Member %s (会员 since %s) has no dues receipt (会费) for %d of the %d past month(s) from %s through %s: %s.",
				member, since, count, len(owed), owed[0], owed[len(owed)-1], listed)})
	}
	return out, it.Error()
}

// duesPaid returns the months a member's dues receipts through pt pay (a
// receipt reversed through pt pays nothing), and the latest such receipt.
func (s *Store) duesPaid(org, member string, pt point) (map[string]bool, FlagEvent, error) {
	prefix := duesPrefix(org, member)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return nil, FlagEvent{}, err
	}
	defer it.Close()
	paid := map[string]bool{}
	var last FlagEvent
	for it.First(); it.Valid(); it.Next() {
		rest := it.Key()[len(prefix):]
		if len(rest) < 9 || rest[len(rest)-9] != 0 {
			return nil, FlagEvent{}, fmt.Errorf("projections: corrupt dues key %q", it.Key())
		}
		period := string(rest[:len(rest)-9])
		seq := binary.BigEndian.Uint64(rest[len(rest)-8:])
		var r duesRec
		if err := json.Unmarshal(it.Value(), &r); err != nil {
			return nil, FlagEvent{}, fmt.Errorf("projections: corrupt dues record %q: %w", it.Key(), err)
		}
		if !pt.includes(seq, r.Date) || (r.RevSeq > 0 && pt.includes(r.RevSeq, r.RevDate)) {
			continue
		}
		paid[period] = true
		if seq > last.Seq {
			last = FlagEvent{Seq: seq, Date: r.Date, Type: "dues_received"}
		}
	}
	return paid, last, it.Error()
}

func daysBetween(from, to string) int64 {
	a, ok1 := dayNum(from)
	b, ok2 := dayNum(to)
	if !ok1 || !ok2 {
		return 0
	}
	return b - a
}

// rechecksOverdue flags decided, open relief cases whose six-monthly
// recheck (复核) fell due before the judging date. Each case's history is
// replayed through pt, so a recheck or close recorded later does not hide
// a case that was overdue at the point. The same judgement as
// OverdueRechecks, which answers from the current due index.
func (s *Store) rechecksOverdue(org string, pt point) ([]Flag, error) {
	prefix := key(famProj, "relief/case/", org, "/")
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []Flag
	for it.First(); it.Valid(); it.Next() {
		var c ledger.ReliefInfo
		if err := json.Unmarshal(it.Value(), &c); err != nil {
			return nil, fmt.Errorf("projections: corrupt relief case %q: %w", it.Key(), err)
		}
		f, ok, err := s.recheckFlag(org, c, pt)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, f)
		}
	}
	return out, it.Error()
}

func (s *Store) recheckFlag(org string, c ledger.ReliefInfo, pt point) (Flag, bool, error) {
	prefix := key(famProj, "relief/hist/", org, "/", c.Case, byte(0))
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return Flag{}, false, err
	}
	defer it.Close()
	var decided, recheck *ReliefStep
	closed := false
	for it.First(); it.Valid(); it.Next() {
		var st ReliefStep
		if err := json.Unmarshal(it.Value(), &st); err != nil {
			return Flag{}, false, fmt.Errorf("projections: corrupt relief step %q: %w", it.Key(), err)
		}
		if !pt.includes(st.Seq, st.Date) {
			continue
		}
		switch st.Type {
		case "relief_decided":
			decided = &st
		case "relief_rechecked":
			recheck = &st
		case "relief_rejected", "relief_closed":
			closed = true
		}
	}
	if err := it.Error(); err != nil || decided == nil || closed {
		return Flag{}, false, err
	}
	from, last := decided.Date, "none recorded"
	evs := []FlagEvent{{Seq: decided.Seq, Date: decided.Date, Type: decided.Type}}
	if recheck != nil {
		from, last = recheck.Date, fmt.Sprintf("the last on %s (seq %d)", recheck.Date, recheck.Seq)
		evs = append(evs, FlagEvent{Seq: recheck.Seq, Date: recheck.Date, Type: recheck.Type})
	}
	due, err := ledger.RecheckDue(from)
	if err != nil || due >= pt.judge {
		return Flag{}, false, err
	}
	return Flag{Kind: FlagReliefRecheckOverdue, Severity: SeverityMedium, Subject: c.Case, RaisedDate: pt.judge, Events: evs,
		Reason: fmt.Sprintf("Relief case %s (%s) was decided on %s (seq %d); rechecks (复核): %s; the six-monthly recheck fell due on %s, %d day(s) before %s, and the case is not closed.",
			c.Case, c.Kind, decided.Date, decided.Seq, last, due, daysBetween(due, pt.judge), pt.judge)}, true, nil
}

// findingState is a finding replayed through a point.
type findingState struct {
	audit, severity                string
	recorded, required, submitted  FlagEvent
	deadline, rect                 string
	accepted, superseded, rejected bool
}

// findingsOverdue flags findings whose rectification (整改) deadline passed
// before the judging date without the rectification being accepted. The
// candidates come from the deadline index (findings with a deadline before
// the judging date); each candidate's audit is replayed through pt from
// the aggregate index, so acceptances recorded after the point do not
// count. The same judgement as FindingsOverdue.
func (s *Store) findingsOverdue(org string, pt point) ([]Flag, error) {
	prefix := key(famProj, "audit/dl/", org, "/")
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: key(prefix, pt.judge)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	replayed := map[string]map[string]*findingState{} // per audit of a candidate
	var out []Flag
	for it.First(); it.Valid(); it.Next() {
		rest := it.Key()[len(prefix):]
		if len(rest) < 11 || rest[10] != 0 {
			return nil, fmt.Errorf("projections: corrupt deadline key %q", it.Key())
		}
		id := string(rest[11:])
		rec, ok, err := s.FindingByID(org, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("projections: deadline index names missing finding %q", id)
		}
		states, done := replayed[rec.Audit]
		if !done {
			if states, err = s.replayAudit(org, rec.Audit, pt); err != nil {
				return nil, err
			}
			replayed[rec.Audit] = states
		}
		f := states[id]
		if f == nil || f.required.Seq == 0 || f.accepted || f.superseded || f.deadline >= pt.judge {
			continue
		}
		sev := SeverityMedium
		switch events.Severity(f.severity) {
		case events.SeverityMajor:
			sev = SeverityHigh
		case events.SeverityInfo:
			sev = SeverityLow
		}
		evs := []FlagEvent{f.recorded, f.required}
		state := "no rectification has been submitted"
		if f.submitted.Seq > 0 {
			evs = append(evs, f.submitted)
			state = fmt.Sprintf("the latest submission, of %s (seq %d), %s", f.submitted.Date, f.submitted.Seq, f.rect)
		}
		out = append(out, Flag{Kind: FlagFindingOverdue, Severity: sev, Subject: id, RaisedDate: pt.judge, Events: evs,
			Reason: fmt.Sprintf("Finding %s of audit %s (%s) was required to be rectified (整改) by %s (required on %s, seq %d); %d day(s) past the deadline on %s it is not accepted: %s.",
				id, f.audit, f.severity, f.deadline, f.required.Date, f.required.Seq, daysBetween(f.deadline, pt.judge), pt.judge, state)})
	}
	return out, it.Error()
}

// replayAudit replays an audit's events through pt into the state of each
// of its findings.
func (s *Store) replayAudit(org, audit string, pt point) (map[string]*findingState, error) {
	prefix := key(famIndex, "agg/", org, "/", "audit:"+audit, byte(0))
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	out := map[string]*findingState{}
	get := func(id string) *findingState {
		if out[id] == nil {
			out[id] = &findingState{audit: audit}
		}
		return out[id]
	}
	evs, err := s.eventReader(org)
	if err != nil {
		return nil, err
	}
	defer evs.Close()
	for it.First(); it.Valid(); it.Next() {
		seq := binary.BigEndian.Uint64(it.Key()[len(it.Key())-8:])
		if seq > pt.seq {
			break
		}
		st, ok, err := evs.event(seq)
		if err != nil || !ok {
			return nil, err
		}
		env, err := events.Decode(st.Data)
		if err != nil {
			return nil, err
		}
		if !pt.includes(env.Seq, env.Date) {
			continue
		}
		p, err := events.DecodePayload(env)
		if err != nil {
			return nil, err
		}
		ev := FlagEvent{Seq: env.Seq, Date: env.Date, Type: env.Type}
		switch p := p.(type) {
		case events.FindingRecorded:
			f := get(p.Finding)
			f.recorded, f.severity = ev, string(p.Severity)
			if p.Supersedes != "" {
				get(p.Supersedes).superseded = true
			}
		case events.RectificationRequired:
			f := get(p.Finding)
			f.required, f.deadline = ev, p.Deadline
		case events.RectificationSubmitted:
			f := get(p.Finding)
			f.submitted, f.rect = ev, "awaits the auditors' decision"
		case events.RectificationRejected:
			f := get(p.Finding)
			f.rejected, f.rect = true, fmt.Sprintf("was rejected on %s (seq %d)", env.Date, env.Seq)
		case events.RectificationAccepted:
			get(p.Finding).accepted = true
		}
	}
	return out, it.Error()
}
