package ledger

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/unionledger/unionledger/events"
)

// ReliefState answers the queries of the hardship relief rules (困难职工帮扶,
// DOMAIN rule 8).
type ReliefState interface {
	// ReliefCase returns a hardship case file, and false if there is none.
	ReliefCase(org, kase string) (ReliefInfo, bool, error)
}

// ReliefStatus is where a case is: applied → verified → decided → closed,
// or applied / verified → rejected. The payment of a decided case is the
// state of its expense.
type ReliefStatus string

// The states of a relief case.
const (
	ReliefApplied  ReliefStatus = "applied"
	ReliefVerified ReliefStatus = "verified"
	ReliefDecided  ReliefStatus = "decided"
	ReliefRejected ReliefStatus = "rejected"
	ReliefClosed   ReliefStatus = "closed"
)

// ReliefInfo is what the rules know of a case. It holds no personal data
// in clear: the reason and household details stay sealed in the
// relief_applied event.
type ReliefInfo struct {
	Case       string            `json:"case"`
	Status     ReliefStatus      `json:"status"`
	Person     string            `json:"person"`
	Kind       events.ReliefKind `json:"kind"`
	Requested  events.Fen        `json:"requested_fen"`
	AppliedBy  string            `json:"applied_by"`
	AppliedOn  string            `json:"applied_on"`
	VisitedOn  string            `json:"visited_on,omitempty"`
	VerifiedOn string            `json:"verified_on,omitempty"`
	Notice     string            `json:"notice,omitempty"`
	Decision   string            `json:"decision,omitempty"`
	Granted    events.Fen        `json:"granted_fen,omitempty"`
	Expense    string            `json:"expense,omitempty"`
	DecidedBy  string            `json:"decided_by,omitempty"`
	DecidedOn  string            `json:"decided_on,omitempty"`
	// RecheckDue is the last day of the current six-month period of a
	// decided case: a recheck after it is late.
	RecheckDue  string `json:"recheck_due,omitempty"`
	LastRecheck string `json:"last_recheck,omitempty"`
	ClosedOn    string `json:"closed_on,omitempty"`
}

// ReliefRecheckMonths is how often a granted case is rechecked (DOMAIN
// rule 8: every six months).
const ReliefRecheckMonths = 6

var reliefCommands = map[string]spec{
	"apply_relief":   {decide: decideApplyRelief, roles: roles(events.RoleReliefOfficer), prepare: prepareRelief},
	"verify_relief":  {decide: decideVerifyRelief, roles: roles(events.RoleReliefOfficer)},
	"decide_relief":  {decide: decideDecideRelief, roles: roles(events.RoleCommittee)},
	"reject_relief":  {decide: decideRejectRelief, roles: roles(events.RoleCommittee, events.RoleChair)},
	"recheck_relief": {decide: decideRecheckRelief, roles: roles(events.RoleReliefOfficer)},
	"close_relief":   {decide: decideCloseRelief, roles: roles(events.RoleReliefOfficer, events.RoleCommittee)},
}

// maxReliefText bounds free text kept in clear (reasons for rejecting or
// closing): short, and checked against personal numbers.
const maxReliefText = 500

// RecheckDue is the day a recheck falls due six months after from: the
// same day of the month, or the month's last day when it has none (a
// decision on 31 August is due for recheck on 28 or 29 February).
func RecheckDue(from string) (string, error) {
	t, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return "", err
	}
	y, m, d := t.Date()
	first := time.Date(y, m+ReliefRecheckMonths, 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), nil
}

// reliefApplyIn is apply_relief's data as clients send it.
type reliefApplyIn struct {
	Case    string               `json:"case"`
	Person  string               `json:"person"`
	Kind    events.ReliefKind    `json:"kind"`
	Amount  string               `json:"amount"`
	Details events.ReliefDetails `json:"details"`
}

// prepareRelief seals an application's details with the beneficiary's
// data key before the rules see it, so the log only ever holds
// ciphertext, and erasing the person erases the hardship file's reasons
// with the rest of their data. The content hash that identifies a retry
// covers an HMAC of the details under the same key, not the details: a
// plain hash of a short reason could be guessed from the log's command
// index (as preparePerson does for personal data).
func prepareRelief(keys KeyStore, cmd Command) (Command, string, error) {
	var in reliefApplyIn
	if err := decodeData(cmd, &in); err != nil {
		return cmd, "", err
	}
	if !events.ValidID(in.Person) {
		return cmd, "", errField(cmd.Type, "person", "must be a person id")
	}
	if !events.ValidID(in.Case) {
		return cmd, "", errField(cmd.Type, "case", "must be a relief case id")
	}
	if in.Details.Reason == "" {
		return cmd, "", errField(cmd.Type, "details.reason", "is required: why the household is in hardship")
	}
	for _, s := range []string{in.Details.Reason, in.Details.Household, in.Details.Income, in.Details.Health} {
		if len(s) > 4000 {
			return cmd, "", errField(cmd.Type, "details", "each field at most 4000 bytes")
		}
	}
	key, err := keys.PersonKey(cmd.Org, in.Person)
	if err != nil {
		return cmd, "", err
	}
	sealed, err := events.SealReliefDetails(key, cmd.Org, in.Person, in.Case, in.Details)
	if err != nil {
		return cmd, "", err
	}
	plain, err := events.Canonical(in.Details)
	if err != nil {
		return cmd, "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(plain)
	type public struct {
		Case   string            `json:"case"`
		Person string            `json:"person"`
		Kind   events.ReliefKind `json:"kind"`
		Amount string            `json:"amount"`
	}
	pub := public{in.Case, in.Person, in.Kind, in.Amount}
	ident := cmd
	if ident.Data, err = events.Canonical(struct {
		public
		DetailsMAC string `json:"details_mac"`
	}{pub, hex.EncodeToString(mac.Sum(nil))}); err != nil {
		return cmd, "", err
	}
	h, err := ident.Hash()
	if err != nil {
		return cmd, "", err
	}
	if cmd.Data, err = events.Canonical(struct {
		public
		Sealed string `json:"sealed"`
	}{pub, sealed}); err != nil {
		return cmd, "", err
	}
	return cmd, h, nil
}

// reliefCase returns the case a command is about.
func reliefCase(st State, cmd Command, id string) (ReliefInfo, error) {
	if !events.ValidID(id) {
		return ReliefInfo{}, errField(cmd.Type, "case", "must be a relief case id")
	}
	c, ok, err := st.ReliefCase(cmd.Org, id)
	if err != nil {
		return ReliefInfo{}, err
	}
	if !ok {
		return ReliefInfo{}, ruleErr(CodeUnknownRef, "relief-lifecycle", "relief case %q has not been applied for in this union", id)
	}
	return c, nil
}

// reliefOrder refuses a step the case is not ready for (DOMAIN rule 8's
// order: application → verification → notice → decision → recheck).
func reliefOrder(cmd Command, c ReliefInfo, want ...ReliefStatus) error {
	for _, w := range want {
		if c.Status == w {
			return nil
		}
	}
	if c.Status == ReliefRejected || c.Status == ReliefClosed {
		return ruleErr(CodeAlreadyDecided, "relief-lifecycle", "relief case %q is %s", c.Case, c.Status)
	}
	return ruleErr(CodeStateConflict, "relief-lifecycle", "%s: relief case %q is %s; this step needs it %s", cmd.Type, c.Case, c.Status, want[0])
}

func decideApplyRelief(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Case   string            `json:"case"`
		Person string            `json:"person"`
		Kind   events.ReliefKind `json:"kind"`
		Amount string            `json:"amount"`
		Sealed string            `json:"sealed"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if !events.ValidID(in.Case) {
		return nil, errField(cmd.Type, "case", "must be a relief case id")
	}
	if !in.Kind.Valid() {
		return nil, errField(cmd.Type, "kind", "must be hardship, warmth, education, medical or accident")
	}
	amt, err := amount("amount", in.Amount)
	if err != nil {
		return nil, err
	}
	if in.Sealed == "" || len(in.Sealed) > 24000 {
		return nil, errField(cmd.Type, "details", "are required (sealed with the person's key before the rules see them)")
	}
	if err := person(st, cmd, in.Person); err != nil {
		return nil, err
	}
	if in.Person == cmd.Actor {
		return nil, ruleErr(CodeSelfApproval, "relief-conflict", "%s may not open a hardship file for themselves", cmd.Actor)
	}
	if _, ok, err := st.ReliefCase(cmd.Org, in.Case); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeStateConflict, "relief-lifecycle", "relief case %q already exists", in.Case)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.ReliefApplied{
		Case: in.Case, Person: in.Person, Kind: in.Kind, Requested: amt, Sealed: in.Sealed,
	}}}, nil
}

func decideVerifyRelief(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Case          string   `json:"case"`
		VisitedOn     string   `json:"visited_on"`
		ConsentSHA256 string   `json:"consent_sha256"`
		Officers      []string `json:"officers"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	c, err := reliefCase(st, cmd, in.Case)
	if err != nil {
		return nil, err
	}
	if err := reliefOrder(cmd, c, ReliefApplied); err != nil {
		return nil, err
	}
	switch {
	case !events.ValidDate(in.VisitedOn):
		return nil, errField(cmd.Type, "visited_on", "must be the home visit's date, YYYY-MM-DD")
	case in.VisitedOn < c.AppliedOn || in.VisitedOn > cmd.Date:
		return nil, ruleErr(CodeInvalid, "relief-verification", "%s: the home visit (%s) is between the application (%s) and this record (%s)", cmd.Type, in.VisitedOn, c.AppliedOn, cmd.Date)
	case !sha256Hex.MatchString(in.ConsentSHA256):
		return nil, ruleErr(CodeInvalid, "relief-verification", "%s: consent_sha256 must be the SHA-256 (64 lowercase hex digits) of the signed consent to check household finances", cmd.Type)
	case len(in.Officers) == 0 || len(in.Officers) > 10:
		return nil, ruleErr(CodeInvalid, "relief-verification", "%s: officers must list the 1–10 people who made the home visit", cmd.Type)
	}
	if dup := firstDuplicate(in.Officers); dup != "" {
		return nil, errField(cmd.Type, "officers", "lists "+dup+" twice")
	}
	for _, o := range in.Officers {
		if err := person(st, cmd, o); err != nil {
			return nil, err
		}
		if o == c.Person {
			return nil, ruleErr(CodeSelfApproval, "relief-conflict", "the beneficiary %s cannot be one of the visiting officers", o)
		}
	}
	if err := person(st, cmd, c.Person); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.ReliefVerified{
		Case: c.Case, VisitedOn: in.VisitedOn, ConsentSHA256: in.ConsentSHA256, Officers: in.Officers,
	}}}, nil
}

// reliefAccount is the expense account a kind of relief is paid from: the
// warmth campaign has its own (50205 送温暖费), every other kind is
// hardship assistance (50204 困难职工帮扶费).
func reliefAccount(k events.ReliefKind) string {
	if k == events.ReliefWarmth {
		return "50205"
	}
	return "50204"
}

func decideDecideRelief(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Case     string `json:"case"`
		Notice   string `json:"notice"`
		Decision string `json:"decision"`
		Granted  string `json:"granted"`
		Expense  string `json:"expense"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	c, err := reliefCase(st, cmd, in.Case)
	if err != nil {
		return nil, err
	}
	if err := reliefOrder(cmd, c, ReliefVerified); err != nil {
		return nil, err
	}
	// The payment is requested in the name of whoever records the
	// decision, and the chair signs it: the chair cannot be both.
	if chair, err := st.HasRole(cmd.Org, cmd.Actor, events.RoleChair); err != nil {
		return nil, err
	} else if chair {
		return nil, ruleErr(CodeSelfApproval, "three-people", "%s is the chair, who signs the relief payment; a committee member records the committee's decision and so requests the payment", cmd.Actor)
	}
	if c.Person == cmd.Actor {
		return nil, ruleErr(CodeSelfApproval, "three-people", "%s is the beneficiary of relief case %q and may not record its decision", cmd.Actor, c.Case)
	}
	if err := person(st, cmd, c.Person); err != nil {
		return nil, err
	}
	granted, err := amount("granted", in.Granted)
	if err != nil {
		return nil, err
	}
	if granted > c.Requested {
		return nil, ruleErr(CodeInvalidAmount, "relief-granted", "granted %s yuan is more than the %s yuan applied for in relief case %q", granted.Yuan(), c.Requested.Yuan(), c.Case)
	}
	// The notice: published after the home visit, listing this case, in
	// force, its period over and every objection resolved.
	if !events.ValidID(in.Notice) {
		return nil, errField(cmd.Type, "notice", "must be the id of the published relief notice that listed the case")
	}
	if err := CheckReliefNotice(st, cmd.Org, in.Notice, cmd.Date); err != nil {
		return nil, err
	}
	it, _, err := st.Disclosure(cmd.Org, in.Notice)
	if err != nil {
		return nil, err
	}
	var entry *events.ReliefEntry
	for i, e := range it.Body.ReliefNotice.Entries {
		if e.Case == c.Case {
			entry = &it.Body.ReliefNotice.Entries[i]
			break
		}
	}
	if entry == nil {
		return nil, ruleErr(CodeUnknownRef, "relief-notice-covers", "relief notice %q does not list case %q: members must have seen it on notice", in.Notice, c.Case)
	}
	if entry.Kind != c.Kind {
		return nil, ruleErr(CodeInvalid, "relief-notice-covers", "relief notice %q lists case %q as %s, but it is a %s case", in.Notice, c.Case, entry.Kind, c.Kind)
	}
	if granted > entry.Amount {
		return nil, ruleErr(CodeInvalidAmount, "relief-granted", "granted %s yuan is more than the %s yuan relief notice %q showed members", granted.Yuan(), entry.Amount.Yuan(), in.Notice)
	}
	if it.PublishedOn < c.VerifiedOn {
		return nil, ruleErr(CodeStateConflict, "relief-lifecycle", "relief notice %q was published on %s, before the case was verified on %s: the notice follows the verification", in.Notice, it.PublishedOn, c.VerifiedOn)
	}
	// The committee's decision (集体研究), held after the notice ended.
	if !events.ValidID(in.Decision) {
		return nil, errField(cmd.Type, "decision", "must be the id of the recorded collective decision")
	}
	d, ok, err := st.Decision(cmd.Org, in.Decision)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ruleErr(CodeUnknownRef, "collective-decision", "decision %q has not been recorded in this union", in.Decision)
	}
	if !events.ValidID(in.Expense) {
		return nil, errField(cmd.Type, "expense", "must be an expense id for the payment")
	}
	if !d.covers(in.Expense) {
		return nil, ruleErr(CodeUnknownRef, "collective-decision", "decision %q lists the expenses it covers, and %q is not one of them", in.Decision, in.Expense)
	}
	if d.Held <= it.Body.ReliefNotice.NoticeEnd {
		return nil, ruleErr(CodeNoticePeriod, "relief-notice-period", "decision %q was held on %s, before relief notice %q ended on %s", in.Decision, d.Held, in.Notice, it.Body.ReliefNotice.NoticeEnd)
	}
	if _, ok, err := st.Expense(cmd.Org, in.Expense); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeStateConflict, "expense-lifecycle", "expense %q was already requested in this union", in.Expense)
	}
	acct := reliefAccount(c.Kind)
	if err := expenseAccount(st, cmd, acct); err != nil {
		return nil, err
	}
	return []events.Draft{
		{Date: cmd.Date, Payload: events.ReliefDecided{Case: c.Case, Notice: in.Notice, Decision: in.Decision,
			Granted: granted, Expense: in.Expense, Account: acct}},
		{Date: cmd.Date, Payload: events.ExpenseRequested{Expense: in.Expense, Account: acct, Amount: granted,
			Payee: c.Person, PayeePerson: c.Person, Decision: in.Decision,
			Purpose: "hardship relief (困难职工帮扶) case " + c.Case + " (" + string(c.Kind) + ")"}},
	}, nil
}

// reliefReason checks a reason kept in clear: required, bounded, and free
// of personal numbers (it cites the rule, never the household).
func reliefReason(cmd Command, s string) error {
	return disclosureText(cmd, "reason", s, true, maxReliefText)
}

func decideRejectRelief(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Case   string `json:"case"`
		Reason string `json:"reason"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	c, err := reliefCase(st, cmd, in.Case)
	if err != nil {
		return nil, err
	}
	if c.Status == ReliefDecided {
		return nil, ruleErr(CodeAlreadyDecided, "relief-lifecycle", "relief case %q was already decided on %s; the chair may reject its payment (expense %q), or the case is closed", c.Case, c.DecidedOn, c.Expense)
	}
	if err := reliefOrder(cmd, c, ReliefApplied, ReliefVerified); err != nil {
		return nil, err
	}
	if err := reliefReason(cmd, in.Reason); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.ReliefRejected{Case: c.Case, Reason: in.Reason}}}, nil
}

func decideRecheckRelief(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Case     string               `json:"case"`
		Outcome  events.ReliefOutcome `json:"outcome"`
		Document string               `json:"document"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	c, err := reliefCase(st, cmd, in.Case)
	if err != nil {
		return nil, err
	}
	if err := reliefOrder(cmd, c, ReliefDecided); err != nil {
		return nil, err
	}
	if in.Outcome != events.ReliefContinue && in.Outcome != events.ReliefClose {
		return nil, errField(cmd.Type, "outcome", `must be "continue" or "close"`)
	}
	if in.Document != "" && !sha256Hex.MatchString(in.Document) {
		return nil, errField(cmd.Type, "document", "must be the SHA-256 of the recheck record (64 lowercase hex digits)")
	}
	last := c.DecidedOn
	if c.LastRecheck > last {
		last = c.LastRecheck
	}
	if cmd.Date < last {
		return nil, ruleErr(CodeStateConflict, "relief-recheck", "relief case %q was last decided or rechecked on %s; a recheck dated %s comes before it", c.Case, last, cmd.Date)
	}
	out := []events.Draft{{Date: cmd.Date, Payload: events.ReliefRechecked{Case: c.Case, Outcome: in.Outcome, Document: in.Document}}}
	if in.Outcome == events.ReliefClose {
		out = append(out, events.Draft{Date: cmd.Date, Payload: events.ReliefClosed{Case: c.Case, Reason: "recheck: hardship ended"}})
	}
	return out, nil
}

func decideCloseRelief(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Case   string `json:"case"`
		Reason string `json:"reason"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	c, err := reliefCase(st, cmd, in.Case)
	if err != nil {
		return nil, err
	}
	if err := reliefOrder(cmd, c, ReliefDecided); err != nil {
		return nil, err
	}
	if err := reliefReason(cmd, in.Reason); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.ReliefClosed{Case: c.Case, Reason: in.Reason}}}, nil
}
