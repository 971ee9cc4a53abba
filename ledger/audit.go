package ledger

import (
	"strconv"
	"strings"

	"github.com/unionledger/unionledger/events"
)

// AuditState answers the queries of the rules of audits by the
// funds-review committee (经审会) and upper-level auditors (上级工会审计).
type AuditState interface {
	// Audit returns an audit's state, ok=false if no audit has the id.
	Audit(org, id string) (AuditInfo, bool, error)
	// Finding returns a finding's state, ok=false if no finding has the id.
	// Finding ids are unique in a union, across its audits.
	Finding(org, id string) (FindingInfo, bool, error)
	// EventSeqKnown reports whether the org has an event with that org
	// sequence, counting events decided earlier in the same group.
	EventSeqKnown(org string, seq uint64) (bool, error)
	// ExpenseIDKnown reports whether any event of the org is about the
	// expense (aggregate "expense:<id>").
	ExpenseIDKnown(org, id string) (bool, error)
}

// AuditInfo is what the rules know of an audit.
type AuditInfo struct {
	// Role is the role the audit was opened in: only its holders act on it.
	Role events.Role
	// Date is the accounting date the audit was opened.
	Date   string
	Closed bool
	// Open lists, sorted, the findings whose required rectification is not
	// accepted yet (superseded findings excluded).
	Open []string
}

// FindingInfo is what the rules know of a finding.
type FindingInfo struct {
	Audit        string
	SupersededBy string
	Rect         RectStatus
	// StepDate is the accounting date of the finding's latest step (its
	// recording or a rectification event): later steps may not predate it.
	StepDate string
}

// RectStatus is where a finding's rectification (整改) stands.
type RectStatus string

// Rectification states: none → required → submitted → accepted, or
// submitted → rejected → submitted … until accepted.
const (
	RectNone      RectStatus = ""
	RectRequired  RectStatus = "required"
	RectSubmitted RectStatus = "submitted"
	RectRejected  RectStatus = "rejected"
	RectAccepted  RectStatus = "accepted"
)

// Limits on audit text and references: enough for any real finding, small
// enough that an event stays far below the command size limit.
const (
	maxAuditText  = 2000
	maxAuditRefs  = 100
	maxAuditDocs  = 20
	maxAuditScope = 1000
	maxAuditNote  = 1000
)

var auditCommands = map[string]spec{
	"open_audit":            {decide: decideOpenAudit, roles: roles(events.RoleReview, events.RoleAuditor)},
	"record_finding":        {decide: decideRecordFinding, roles: roles(events.RoleReview, events.RoleAuditor)},
	"require_rectification": {decide: decideRequireRectification, roles: roles(events.RoleReview, events.RoleAuditor)},
	"submit_rectification":  {decide: decideSubmitRectification, roles: roles(events.RoleTreasurer, events.RoleChair)},
	"accept_rectification":  {decide: decideAcceptRectification, roles: roles(events.RoleReview, events.RoleAuditor)},
	"reject_rectification":  {decide: decideRejectRectification, roles: roles(events.RoleReview, events.RoleAuditor)},
	"close_audit":           {decide: decideCloseAudit, roles: roles(events.RoleReview, events.RoleAuditor)},
}

// auditIndependent refuses an auditing actor who also holds an office that
// posts or approves money (treasurer, chair): DOMAIN.md says the
// funds-review committee "may never post or approve money", and whoever
// does must not audit their own decisions. The upper-level auditor is held
// to the same rule.
func auditIndependent(st State, cmd Command) error {
	for _, r := range []events.Role{events.RoleTreasurer, events.RoleChair} {
		held, err := st.HasRole(cmd.Org, cmd.Actor, r)
		if err != nil {
			return err
		}
		if held {
			zh, en := r.Names()
			return ruleErr(CodeWrongRole, "audit-independent",
				"%s holds the role %s (%s): who posts or approves money may not audit it", cmd.Actor, en, zh)
		}
	}
	return nil
}

// auditTeam returns the audit and checks that the actor holds the role the
// audit was opened in: the committee's audit is the committee's, the
// upper-level union's audit the auditors'.
func auditTeam(st State, cmd Command, id string) (AuditInfo, error) {
	a, err := auditByID(st, cmd, id)
	if err != nil {
		return a, err
	}
	held, err := st.HasRole(cmd.Org, cmd.Actor, a.Role)
	if err != nil {
		return a, err
	}
	if !held {
		zh, en := a.Role.Names()
		return a, ruleErr(CodeWrongRole, "audit-team",
			"audit %q was opened by the %s (%s); %s does not hold that role", id, en, zh, cmd.Actor)
	}
	return a, nil
}

func auditByID(st State, cmd Command, id string) (AuditInfo, error) {
	if !events.ValidID(id) {
		return AuditInfo{}, errField(cmd.Type, "audit", "must be an audit id")
	}
	a, ok, err := st.Audit(cmd.Org, id)
	if err != nil {
		return a, err
	}
	if !ok {
		return a, ruleErr(CodeUnknownRef, "audit-references", "no audit %q in this union", id)
	}
	return a, nil
}

// findingByID returns a finding that is still in force: a superseded one
// is history, acted on through the finding that replaced it.
func findingByID(st State, cmd Command, id string) (FindingInfo, error) {
	if !events.ValidID(id) {
		return FindingInfo{}, errField(cmd.Type, "finding", "must be a finding id")
	}
	f, ok, err := st.Finding(cmd.Org, id)
	if err != nil {
		return f, err
	}
	if !ok {
		return f, ruleErr(CodeUnknownRef, "audit-references", "no finding %q in this union", id)
	}
	if f.SupersededBy != "" {
		return f, ruleErr(CodeStateConflict, "findings-append-only",
			"finding %q was superseded by %q; act on that one", id, f.SupersededBy)
	}
	return f, nil
}

// auditText checks a free-text field: required ones must not be empty.
func auditText(cmd Command, field, s string, limit int, required bool) error {
	if (required && strings.TrimSpace(s) == "") || len(s) > limit {
		if required {
			return errField(cmd.Type, field, "is required ("+strconv.Itoa(limit)+" bytes at most)")
		}
		return errField(cmd.Type, field, "is at most "+strconv.Itoa(limit)+" bytes")
	}
	return nil
}

// notBefore keeps an audit's history in date order, so that "as of a date"
// questions (what was overdue on 30 June?) have one answer.
func notBefore(cmd Command, date, what string) error {
	if cmd.Date < date {
		return ruleErr(CodeInvalid, "audit-dates", "%s is dated %s, before %s (%s)", cmd.Type, cmd.Date, what, date)
	}
	return nil
}

func decideOpenAudit(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Audit string           `json:"audit"`
		Kind  events.AuditKind `json:"kind"`
		Role  events.Role      `json:"role"`
		Scope string           `json:"scope"`
		From  string           `json:"from"`
		To    string           `json:"to"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if err := auditIndependent(st, cmd); err != nil {
		return nil, err
	}
	if !events.ValidID(in.Audit) {
		return nil, errField(cmd.Type, "audit", "must be an audit id")
	}
	if !in.Kind.Valid() {
		return nil, errField(cmd.Type, "kind", `must be "routine", "special" or "final_accounts"`)
	}
	if err := auditText(cmd, "scope", in.Scope, maxAuditScope, true); err != nil {
		return nil, err
	}
	if !events.ValidDate(in.From) || !events.ValidDate(in.To) || in.From > in.To {
		return nil, errField(cmd.Type, "from/to", "must be dates (YYYY-MM-DD), from no later than to")
	}
	role, err := auditRole(st, cmd, in.Role)
	if err != nil {
		return nil, err
	}
	if _, ok, err := st.Audit(cmd.Org, in.Audit); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeStateConflict, "audit-ids", "audit %q already exists", in.Audit)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.AuditOpened{
		Audit: in.Audit, Kind: in.Kind, Role: role, Scope: in.Scope, From: in.From, To: in.To,
	}}}, nil
}

// auditRole is the role an audit is opened in: the one named, which the
// actor must hold, or else the one audit role the actor holds.
func auditRole(st State, cmd Command, named events.Role) (events.Role, error) {
	var held []events.Role
	for _, r := range []events.Role{events.RoleReview, events.RoleAuditor} {
		ok, err := st.HasRole(cmd.Org, cmd.Actor, r)
		if err != nil {
			return "", err
		}
		if ok {
			held = append(held, r)
		}
	}
	switch {
	case named == "" && len(held) == 1:
		return held[0], nil
	case named == "":
		return "", errField(cmd.Type, "role", `must say "review" or "auditor": the actor holds both`)
	case named != events.RoleReview && named != events.RoleAuditor:
		return "", errField(cmd.Type, "role", `must be "review" or "auditor"`)
	}
	for _, r := range held {
		if r == named {
			return r, nil
		}
	}
	return "", ruleErr(CodeWrongRole, "audit-team", "%s does not hold the role %s", cmd.Actor, named)
}

func decideRecordFinding(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Audit      string          `json:"audit"`
		Finding    string          `json:"finding"`
		Severity   events.Severity `json:"severity"`
		Text       string          `json:"text"`
		Events     []uint64        `json:"events"`
		Expenses   []string        `json:"expenses"`
		Amount     string          `json:"amount"`
		Supersedes string          `json:"supersedes"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if err := auditIndependent(st, cmd); err != nil {
		return nil, err
	}
	a, err := auditTeam(st, cmd, in.Audit)
	if err != nil {
		return nil, err
	}
	if a.Closed {
		return nil, ruleErr(CodeAlreadyDecided, "audit-closed", "audit %q is closed: no more findings", in.Audit)
	}
	if err := notBefore(cmd, a.Date, "the audit was opened"); err != nil {
		return nil, err
	}
	if !events.ValidID(in.Finding) {
		return nil, errField(cmd.Type, "finding", "must be a finding id")
	}
	if !in.Severity.Valid() {
		return nil, errField(cmd.Type, "severity", `must be "info", "minor" or "major"`)
	}
	if err := auditText(cmd, "text", in.Text, maxAuditText, true); err != nil {
		return nil, err
	}
	if _, ok, err := st.Finding(cmd.Org, in.Finding); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeStateConflict, "audit-ids", "finding %q already exists", in.Finding)
	}
	if err := checkEventRefs(st, cmd, in.Events); err != nil {
		return nil, err
	}
	if err := checkExpenseRefs(st, cmd, in.Expenses); err != nil {
		return nil, err
	}
	var amt events.Fen
	if in.Amount != "" {
		if amt, err = amount("amount", in.Amount); err != nil {
			return nil, err
		}
	}
	if in.Supersedes != "" {
		old, err := findingByID(st, cmd, in.Supersedes)
		if err != nil {
			return nil, err
		}
		if old.Audit != in.Audit {
			return nil, ruleErr(CodeStateConflict, "findings-append-only",
				"finding %q belongs to audit %q; a correction stays in its audit", in.Supersedes, old.Audit)
		}
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.FindingRecorded{
		Audit: in.Audit, Finding: in.Finding, Severity: in.Severity, Text: in.Text,
		Events: in.Events, Expenses: in.Expenses, Amount: amt, Supersedes: in.Supersedes,
	}}}, nil
}

func checkEventRefs(st State, cmd Command, seqs []uint64) error {
	if len(seqs) > maxAuditRefs {
		return errField(cmd.Type, "events", "lists at most "+strconv.Itoa(maxAuditRefs)+" events")
	}
	seen := make(map[uint64]bool, len(seqs))
	for _, s := range seqs {
		if seen[s] {
			return errField(cmd.Type, "events", "lists an event twice")
		}
		seen[s] = true
		ok, err := st.EventSeqKnown(cmd.Org, s)
		if err != nil {
			return err
		}
		if !ok {
			return ruleErr(CodeUnknownRef, "audit-references", "this union has no event with sequence %d", s)
		}
	}
	return nil
}

func checkExpenseRefs(st State, cmd Command, ids []string) error {
	if len(ids) > maxAuditRefs {
		return errField(cmd.Type, "expenses", "lists at most "+strconv.Itoa(maxAuditRefs)+" expenses")
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !events.ValidID(id) {
			return errField(cmd.Type, "expenses", "must be expense ids")
		}
		if seen[id] {
			return errField(cmd.Type, "expenses", "lists an expense twice")
		}
		seen[id] = true
		ok, err := st.ExpenseIDKnown(cmd.Org, id)
		if err != nil {
			return err
		}
		if !ok {
			return ruleErr(CodeUnknownRef, "audit-references", "this union has no expense %q", id)
		}
	}
	return nil
}

func decideRequireRectification(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Finding  string `json:"finding"`
		Deadline string `json:"deadline"`
		Action   string `json:"action"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if err := auditIndependent(st, cmd); err != nil {
		return nil, err
	}
	f, err := findingByID(st, cmd, in.Finding)
	if err != nil {
		return nil, err
	}
	a, err := auditTeam(st, cmd, f.Audit)
	if err != nil {
		return nil, err
	}
	if a.Closed {
		return nil, ruleErr(CodeAlreadyDecided, "audit-closed", "audit %q is closed: no new demands", f.Audit)
	}
	if f.Rect != RectNone {
		return nil, ruleErr(CodeStateConflict, "rectification-flow",
			"rectification of finding %q was already required (now %s)", in.Finding, f.Rect)
	}
	if err := notBefore(cmd, f.StepDate, "the finding was recorded"); err != nil {
		return nil, err
	}
	if !events.ValidDate(in.Deadline) {
		return nil, errField(cmd.Type, "deadline", "must be a date (YYYY-MM-DD)")
	}
	if in.Deadline <= cmd.Date {
		return nil, ruleErr(CodeInvalid, "rectification-deadline",
			"deadline %s must be after the requirement's date %s", in.Deadline, cmd.Date)
	}
	if err := auditText(cmd, "action", in.Action, maxAuditText, true); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.RectificationRequired{
		Audit: f.Audit, Finding: in.Finding, Deadline: in.Deadline, Action: in.Action,
	}}}, nil
}

// decideSubmitRectification records the audited side's evidence. It is
// allowed after the audit closed: a closed audit's open items (listed in
// audit_closed) are still followed up until accepted.
func decideSubmitRectification(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Finding   string   `json:"finding"`
		Evidence  string   `json:"evidence"`
		Documents []string `json:"documents"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	f, err := findingByID(st, cmd, in.Finding)
	if err != nil {
		return nil, err
	}
	switch f.Rect {
	case RectRequired, RectRejected:
	case RectAccepted:
		return nil, ruleErr(CodeAlreadyDecided, "rectification-flow", "rectification of finding %q was already accepted", in.Finding)
	case RectSubmitted:
		return nil, ruleErr(CodeStateConflict, "rectification-flow", "rectification of finding %q awaits the auditors' decision", in.Finding)
	default:
		return nil, ruleErr(CodeStateConflict, "rectification-flow", "no rectification of finding %q was required", in.Finding)
	}
	if err := notBefore(cmd, f.StepDate, "the finding's last rectification step"); err != nil {
		return nil, err
	}
	if err := auditText(cmd, "evidence", in.Evidence, maxAuditText, true); err != nil {
		return nil, err
	}
	if len(in.Documents) > maxAuditDocs {
		return nil, errField(cmd.Type, "documents", "lists at most "+strconv.Itoa(maxAuditDocs)+" documents")
	}
	seen := map[string]bool{}
	for _, d := range in.Documents {
		if !events.ValidDocDigest(d) {
			return nil, errField(cmd.Type, "documents", "must be SHA-256 digests in lowercase hex")
		}
		if seen[d] {
			return nil, errField(cmd.Type, "documents", "lists a document twice")
		}
		seen[d] = true
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.RectificationSubmitted{
		Audit: f.Audit, Finding: in.Finding, Evidence: in.Evidence, Documents: in.Documents,
	}}}, nil
}

func decideAcceptRectification(st State, cmd Command) ([]events.Draft, error) {
	audit, finding, reason, err := decideRectification(st, cmd)
	if err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.RectificationAccepted{Audit: audit, Finding: finding, Reason: reason}}}, nil
}

func decideRejectRectification(st State, cmd Command) ([]events.Draft, error) {
	audit, finding, reason, err := decideRectification(st, cmd)
	if err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.RectificationRejected{Audit: audit, Finding: finding, Reason: reason}}}, nil
}

// decideRectification is the shared part of accepting and rejecting: the
// auditors of the finding's audit decide on a submitted rectification,
// also after the audit closed with the finding as an open item. It returns
// the finding's audit, the finding and the reason.
func decideRectification(st State, cmd Command) (audit, finding, reason string, err error) {
	var in struct {
		Finding string `json:"finding"`
		Reason  string `json:"reason"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return "", "", "", err
	}
	if err := auditIndependent(st, cmd); err != nil {
		return "", "", "", err
	}
	f, err := findingByID(st, cmd, in.Finding)
	if err != nil {
		return "", "", "", err
	}
	if _, err := auditTeam(st, cmd, f.Audit); err != nil {
		return "", "", "", err
	}
	switch f.Rect {
	case RectSubmitted:
	case RectAccepted:
		return "", "", "", ruleErr(CodeAlreadyDecided, "rectification-flow", "rectification of finding %q was already accepted", in.Finding)
	default:
		return "", "", "", ruleErr(CodeStateConflict, "rectification-flow", "nothing was submitted for finding %q to decide on", in.Finding)
	}
	if err := notBefore(cmd, f.StepDate, "the rectification was submitted"); err != nil {
		return "", "", "", err
	}
	if err := auditText(cmd, "reason", in.Reason, maxAuditNote, true); err != nil {
		return "", "", "", err
	}
	return f.Audit, in.Finding, in.Reason, nil
}

// decideCloseAudit ends an audit. While rectifications it required are not
// accepted, closing needs an explicit open_items note; the event then
// lists those findings, and they can still be submitted and decided.
func decideCloseAudit(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Audit      string `json:"audit"`
		Conclusion string `json:"conclusion"`
		OpenItems  string `json:"open_items"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if err := auditIndependent(st, cmd); err != nil {
		return nil, err
	}
	a, err := auditTeam(st, cmd, in.Audit)
	if err != nil {
		return nil, err
	}
	if a.Closed {
		return nil, ruleErr(CodeAlreadyDecided, "audit-closed", "audit %q is already closed", in.Audit)
	}
	if err := notBefore(cmd, a.Date, "the audit was opened"); err != nil {
		return nil, err
	}
	if err := auditText(cmd, "conclusion", in.Conclusion, maxAuditText, true); err != nil {
		return nil, err
	}
	if err := auditText(cmd, "open_items", in.OpenItems, maxAuditText, false); err != nil {
		return nil, err
	}
	switch {
	case len(a.Open) > 0 && strings.TrimSpace(in.OpenItems) == "":
		return nil, ruleErr(CodeStateConflict, "audit-close",
			"rectification of %s is not accepted yet: accept it, or close with an open_items note", strings.Join(a.Open, ", "))
	case len(a.Open) == 0 && in.OpenItems != "":
		return nil, ruleErr(CodeInvalid, "audit-close", "open_items given, but every required rectification was accepted")
	}
	var open []string
	if len(a.Open) > 0 {
		open = append(open, a.Open...)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.AuditClosed{
		Audit: in.Audit, Conclusion: in.Conclusion, OpenItems: in.OpenItems, OpenFindings: open,
	}}}, nil
}
