package events

// Hardship relief (困难职工帮扶, DOMAIN rule 8) keeps a case file per
// beneficiary: application → verification (home visit, signed consent to
// check household finances) → public notice (a relief_notice disclosure
// item) → committee decision → the chair's signature and the payment (the
// expense lifecycle) → a recheck every six months → closed when the
// hardship ends. Every event is about the aggregate "relief:<case>". The
// reason and the household's circumstances are sensitive personal data:
// they are in the log only as ciphertext under the beneficiary's data key,
// so erasing the person erases them too.

// ReliefDetails is what an application says of the hardship. It is never
// written in clear: apply_relief seals it (SealReliefDetails) before the
// rules see the command.
type ReliefDetails struct {
	Reason    string `json:"reason"`              // why the household is in hardship
	Household string `json:"household,omitempty"` // who lives in it, who earns
	Income    string `json:"income,omitempty"`    // household income as declared
	Health    string `json:"health,omitempty"`    // illness or disability, where relevant
}

// reliefAAD binds sealed details to one union, person and case, so a
// ciphertext cannot be moved to another file.
func reliefAAD(org, person, kase string) []byte {
	return []byte(org + "/" + person + "/relief/" + kase)
}

// SealReliefDetails encrypts d with the person's data key (AES-256-GCM,
// random nonce), bound to org, person and case, as SealPersonal.
func SealReliefDetails(key []byte, org, person, kase string, d ReliefDetails) (string, error) {
	return seal(key, reliefAAD(org, person, kase), d)
}

// OpenReliefDetails decrypts sealed relief details; ErrSealed when the key
// is wrong or erased or the ciphertext was tampered with or moved.
func OpenReliefDetails(key []byte, org, person, kase, sealed string) (ReliefDetails, error) {
	var d ReliefDetails
	err := open(key, reliefAAD(org, person, kase), sealed, &d)
	return d, err
}

// ReliefApplied opens a hardship case for a registered person. Requested
// is the amount applied for; Sealed is the sealed ReliefDetails.
type ReliefApplied struct {
	Case      string     `json:"case"`
	Person    string     `json:"person"`
	Kind      ReliefKind `json:"kind"`
	Requested Fen        `json:"requested_fen"`
	Sealed    string     `json:"sealed"`
}

func (ReliefApplied) Type() string        { return "relief_applied" }
func (p ReliefApplied) Aggregate() string { return "relief:" + p.Case }
func (ReliefApplied) Postings() []Posting { return nil }

// ReliefVerified records the home visit (入户核实) and the beneficiary's
// signed consent to checking the household's finances: the consent
// document itself stays outside the log, its SHA-256 is the proof.
type ReliefVerified struct {
	Case          string   `json:"case"`
	VisitedOn     string   `json:"visited_on"`     // YYYY-MM-DD
	ConsentSHA256 string   `json:"consent_sha256"` // 64 lowercase hex digits
	Officers      []string `json:"officers"`       // person ids of the visitors
}

func (ReliefVerified) Type() string        { return "relief_verified" }
func (p ReliefVerified) Aggregate() string { return "relief:" + p.Case }
func (ReliefVerified) Postings() []Posting { return nil }

// ReliefDecided records the committee's decision to grant relief, after
// the public notice ran its course. It is appended together with the
// expense_requested event of Expense (account, granted amount, the
// beneficiary as payee person, Decision as its collective decision), so the
// chair's signature, the budget, the no-overdraft rule and the three-people
// rule apply to the payment unchanged.
type ReliefDecided struct {
	Case     string `json:"case"`
	Notice   string `json:"notice"`   // the published relief_notice item that listed the case
	Decision string `json:"decision"` // the recorded collective decision (集体研究)
	Granted  Fen    `json:"granted_fen"`
	Expense  string `json:"expense"`
	Account  string `json:"account"`
}

func (ReliefDecided) Type() string        { return "relief_decided" }
func (p ReliefDecided) Aggregate() string { return "relief:" + p.Case }
func (ReliefDecided) Postings() []Posting { return nil }

// ReliefRejected records that the committee or the chair refused a case
// before a decision to grant. Reason is free text checked against personal
// numbers; it should cite the rule, not the household.
type ReliefRejected struct {
	Case   string `json:"case"`
	Reason string `json:"reason"`
}

func (ReliefRejected) Type() string        { return "relief_rejected" }
func (p ReliefRejected) Aggregate() string { return "relief:" + p.Case }
func (ReliefRejected) Postings() []Posting { return nil }

// ReliefOutcome is what a six-monthly recheck found.
type ReliefOutcome string

// The recheck outcomes.
const (
	ReliefContinue ReliefOutcome = "continue" // still in hardship: the file stays open
	ReliefClose    ReliefOutcome = "close"    // hardship ended: the file is closed
)

// ReliefRechecked records a recheck of a granted case (动态管理, every six
// months). Document is the SHA-256 of the recheck record, if any.
type ReliefRechecked struct {
	Case     string        `json:"case"`
	Outcome  ReliefOutcome `json:"outcome"`
	Document string        `json:"document,omitempty"`
}

func (ReliefRechecked) Type() string        { return "relief_rechecked" }
func (p ReliefRechecked) Aggregate() string { return "relief:" + p.Case }
func (ReliefRechecked) Postings() []Posting { return nil }

// ReliefClosed closes a granted case: the hardship ended. No recheck is
// due after it.
type ReliefClosed struct {
	Case   string `json:"case"`
	Reason string `json:"reason"`
}

func (ReliefClosed) Type() string        { return "relief_closed" }
func (p ReliefClosed) Aggregate() string { return "relief:" + p.Case }
func (ReliefClosed) Postings() []Posting { return nil }

// reliefTypes are the events of hardship relief files.
var reliefTypes = map[string]typeInfo{
	"relief_applied":   v1[ReliefApplied](),
	"relief_verified":  v1[ReliefVerified](),
	"relief_decided":   v1[ReliefDecided](),
	"relief_rejected":  v1[ReliefRejected](),
	"relief_rechecked": v1[ReliefRechecked](),
	"relief_closed":    v1[ReliefClosed](),
}
