package events

// AuditKind says why an audit was opened.
type AuditKind string

// The kinds of audit the funds-review committee (经审会) and the upper-level
// union's auditors (上级工会审计) carry out.
const (
	AuditRoutine       AuditKind = "routine"        // 常规审查: the regular review of a period
	AuditSpecial       AuditKind = "special"        // 专项审计: one matter, e.g. a welfare round or a project
	AuditFinalAccounts AuditKind = "final_accounts" // 决算审查: the year's final accounts
)

// Valid reports whether k is a known kind.
func (k AuditKind) Valid() bool {
	return k == AuditRoutine || k == AuditSpecial || k == AuditFinalAccounts
}

// Severity grades a finding.
type Severity string

// Severities of findings, from a remark to a breach of the rules.
const (
	SeverityInfo  Severity = "info"  // a remark; nothing needs doing
	SeverityMinor Severity = "minor" // a lapse of form or procedure
	SeverityMajor Severity = "major" // money spent or recorded against the rules
)

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool {
	return s == SeverityInfo || s == SeverityMinor || s == SeverityMajor
}

// AuditOpened starts an audit of the union's books over a period. Role is
// the role the opener acted in (review or auditor): only holders of that
// role act on the audit afterwards, so the committee's audit and the
// upper-level union's audit stay apart.
type AuditOpened struct {
	Audit string    `json:"audit"`
	Kind  AuditKind `json:"kind"`
	Role  Role      `json:"role"`
	Scope string    `json:"scope"`
	From  string    `json:"from"`
	To    string    `json:"to"`
}

func (AuditOpened) Type() string        { return "audit_opened" }
func (p AuditOpened) Aggregate() string { return "audit:" + p.Audit }
func (AuditOpened) Postings() []Posting { return nil }

// FindingRecorded records one finding of an audit. Events are org
// sequences and Expenses expense ids the finding is about; Amount is the
// money in question (0: none named). A finding is never edited: a
// correction is a new finding whose Supersedes names the one it replaces.
// Findings move no money, so Amount is not a posting.
type FindingRecorded struct {
	Audit      string   `json:"audit"`
	Finding    string   `json:"finding"`
	Severity   Severity `json:"severity"`
	Text       string   `json:"text"`
	Events     []uint64 `json:"events,omitempty"`
	Expenses   []string `json:"expenses,omitempty"`
	Amount     Fen      `json:"amount_fen,omitempty"`
	Supersedes string   `json:"supersedes,omitempty"`
}

func (FindingRecorded) Type() string        { return "finding_recorded" }
func (p FindingRecorded) Aggregate() string { return "audit:" + p.Audit }
func (FindingRecorded) Postings() []Posting { return nil }

// RectificationRequired demands that the audited side put a finding right
// (整改) by Deadline (YYYY-MM-DD), doing Action.
type RectificationRequired struct {
	Audit    string `json:"audit"`
	Finding  string `json:"finding"`
	Deadline string `json:"deadline"`
	Action   string `json:"action"`
}

func (RectificationRequired) Type() string        { return "rectification_required" }
func (p RectificationRequired) Aggregate() string { return "audit:" + p.Audit }
func (RectificationRequired) Postings() []Posting { return nil }

// RectificationSubmitted is the audited side's evidence that a finding was
// put right. Documents are SHA-256 digests (lowercase hex) of the papers
// kept outside the log, so anyone holding a paper can show it is the one
// submitted.
type RectificationSubmitted struct {
	Audit     string   `json:"audit"`
	Finding   string   `json:"finding"`
	Evidence  string   `json:"evidence"`
	Documents []string `json:"documents,omitempty"`
}

func (RectificationSubmitted) Type() string        { return "rectification_submitted" }
func (p RectificationSubmitted) Aggregate() string { return "audit:" + p.Audit }
func (RectificationSubmitted) Postings() []Posting { return nil }

// RectificationAccepted says the auditors found the submitted rectification
// sufficient: the finding is settled.
type RectificationAccepted struct {
	Audit   string `json:"audit"`
	Finding string `json:"finding"`
	Reason  string `json:"reason"`
}

func (RectificationAccepted) Type() string        { return "rectification_accepted" }
func (p RectificationAccepted) Aggregate() string { return "audit:" + p.Audit }
func (RectificationAccepted) Postings() []Posting { return nil }

// RectificationRejected says the submitted rectification is not enough; the
// audited side may submit again.
type RectificationRejected struct {
	Audit   string `json:"audit"`
	Finding string `json:"finding"`
	Reason  string `json:"reason"`
}

func (RectificationRejected) Type() string        { return "rectification_rejected" }
func (p RectificationRejected) Aggregate() string { return "audit:" + p.Audit }
func (RectificationRejected) Postings() []Posting { return nil }

// AuditClosed ends an audit with its conclusion (审计意见). When
// rectifications were still not accepted, OpenItems is the auditors' note
// on them and OpenFindings lists them, so closing never hides an open item.
type AuditClosed struct {
	Audit        string   `json:"audit"`
	Conclusion   string   `json:"conclusion"`
	OpenItems    string   `json:"open_items,omitempty"`
	OpenFindings []string `json:"open_findings,omitempty"`
}

func (AuditClosed) Type() string        { return "audit_closed" }
func (p AuditClosed) Aggregate() string { return "audit:" + p.Audit }
func (AuditClosed) Postings() []Posting { return nil }

// ValidDocDigest reports whether s is a SHA-256 digest in lowercase hex, the
// form document references take in the log.
func ValidDocDigest(s string) bool { return validHash(s) }

// auditTypes are the events of audits by the funds-review committee and upper-level auditors.
var auditTypes = map[string]typeInfo{
	"audit_opened":            v1[AuditOpened](),
	"finding_recorded":        v1[FindingRecorded](),
	"rectification_required":  v1[RectificationRequired](),
	"rectification_submitted": v1[RectificationSubmitted](),
	"rectification_accepted":  v1[RectificationAccepted](),
	"rectification_rejected":  v1[RectificationRejected](),
	"audit_closed":            v1[AuditClosed](),
}
