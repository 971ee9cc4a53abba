package events

// DisclosureKind is what a public disclosure item (会务公开事项) shows. The
// kinds follow DOMAIN.md "What members see": each has its own typed body, so
// a reader of the stream knows exactly which fields a published item carries
// and that nothing else (no reason, no ID number, no address) can be in it.
type DisclosureKind string

// The kinds of disclosure items.
const (
	DisclosurePeriodSummary DisclosureKind = "period_summary"        // 收支情况: income and spending by account
	DisclosureBudgetFinal   DisclosureKind = "budget_final_accounts" // 预算和决算, with the funds-review committee's opinion
	DisclosureWelfareRound  DisclosureKind = "welfare_round"         // 福利发放: standard per person, headcount, total
	DisclosureReliefNotice  DisclosureKind = "relief_notice"         // 帮扶公示: masked names, kind, amount
	DisclosureLargeExpense  DisclosureKind = "large_expense"         // 大额支出
	DisclosureAuditFindings DisclosureKind = "audit_findings"        // 审计发现及整改情况
	DisclosureAnswer        DisclosureKind = "answer"                // 答复: an answer to a member's question
)

// DisclosureKinds lists every kind, in the order the board shows them.
func DisclosureKinds() []DisclosureKind {
	return []DisclosureKind{DisclosurePeriodSummary, DisclosureBudgetFinal, DisclosureWelfareRound,
		DisclosureReliefNotice, DisclosureLargeExpense, DisclosureAuditFindings, DisclosureAnswer}
}

// Valid reports whether k is a known kind.
func (k DisclosureKind) Valid() bool {
	for _, v := range DisclosureKinds() {
		if k == v {
			return true
		}
	}
	return false
}

// DisclosureBody is the typed content of an item: exactly one field is set,
// the one named by the item's kind. A tagged union of objects rather than an
// interface keeps the JSON plain for readers in other languages and lets the
// strict decoder refuse any field a kind does not have.
type DisclosureBody struct {
	PeriodSummary *PeriodSummaryBody `json:"period_summary,omitempty"`
	BudgetFinal   *BudgetFinalBody   `json:"budget_final_accounts,omitempty"`
	WelfareRound  *WelfareRoundBody  `json:"welfare_round,omitempty"`
	ReliefNotice  *ReliefNoticeBody  `json:"relief_notice,omitempty"`
	LargeExpense  *LargeExpenseBody  `json:"large_expense,omitempty"`
	AuditFindings *AuditFindingsBody `json:"audit_findings,omitempty"`
	Answer        *AnswerBody        `json:"answer,omitempty"`
}

// Kind is the kind of the one body that is set; "" when none or several are.
func (b DisclosureBody) Kind() DisclosureKind {
	var k DisclosureKind
	n := 0
	set := func(ok bool, kind DisclosureKind) {
		if ok {
			n++
			k = kind
		}
	}
	set(b.PeriodSummary != nil, DisclosurePeriodSummary)
	set(b.BudgetFinal != nil, DisclosureBudgetFinal)
	set(b.WelfareRound != nil, DisclosureWelfareRound)
	set(b.ReliefNotice != nil, DisclosureReliefNotice)
	set(b.LargeExpense != nil, DisclosureLargeExpense)
	set(b.AuditFindings != nil, DisclosureAuditFindings)
	set(b.Answer != nil, DisclosureAnswer)
	if n != 1 {
		return ""
	}
	return k
}

// SummaryLine is one account's total in a period summary.
type SummaryLine struct {
	Account string `json:"account"`
	Amount  Fen    `json:"amount_fen"`
}

// PeriodSummaryBody is income and spending by account (401–408, 501–508
// and their sub-accounts) for a period the union chose. The figures are
// frozen in the item: the board shows what was approved, not a live query.
type PeriodSummaryBody struct {
	From  string        `json:"from"` // first day, YYYY-MM-DD
	To    string        `json:"to"`   // last day, YYYY-MM-DD
	Lines []SummaryLine `json:"lines"`
	Note  string        `json:"note,omitempty"`
}

// FinalAccountsLine is one account's budget and final (决算) figure.
type FinalAccountsLine struct {
	Account string `json:"account"`
	Budget  Fen    `json:"budget_fen"`
	Actual  Fen    `json:"actual_fen"`
}

// BudgetFinalBody is a year's budget and final accounts (预算、决算) with the
// funds-review committee's (经审会) opinion, which members must see with them.
type BudgetFinalBody struct {
	Year          string              `json:"year"` // YYYY
	Lines         []FinalAccountsLine `json:"lines"`
	ReviewOpinion string              `json:"review_opinion"`
	ReviewedOn    string              `json:"reviewed_on"` // YYYY-MM-DD
}

// WelfareRoundBody is one welfare round (福利发放): standard per person,
// headcount and total, where total = standard × headcount.
type WelfareRoundBody struct {
	Round     string `json:"round"` // e.g. "2025年春节慰问"
	Standard  Fen    `json:"standard_fen"`
	Headcount int64  `json:"headcount"`
	Total     Fen    `json:"total_fen"`
}

// ReliefKind is a kind of hardship relief (DOMAIN rule 8).
type ReliefKind string

// The kinds of relief.
const (
	ReliefHardship  ReliefKind = "hardship"  // 困难帮扶
	ReliefWarmth    ReliefKind = "warmth"    // 送温暖
	ReliefEducation ReliefKind = "education" // 金秋助学
	ReliefMedical   ReliefKind = "medical"   // 医疗救助
	ReliefAccident  ReliefKind = "accident"  // 意外致困
)

// Valid reports whether k is a known relief kind.
func (k ReliefKind) Valid() bool {
	switch k {
	case ReliefHardship, ReliefWarmth, ReliefEducation, ReliefMedical, ReliefAccident:
		return true
	}
	return false
}

// ReliefEntry is one line of a relief roster. It holds a masked name and
// nothing else about the person: never the reason, ID number, address,
// phone, bank account or health data. Case links it to the hardship file
// (an opaque id; the file itself is private).
type ReliefEntry struct {
	Case   string     `json:"case,omitempty"`
	Name   string     `json:"name"` // masked: 张*明, 张*
	Kind   ReliefKind `json:"kind"`
	Amount Fen        `json:"amount_fen"`
}

// ReliefNoticeBody is a relief roster put up for public notice (公示). The
// notice runs from NoticeStart to NoticeEnd, both included, and spans at
// least five working days.
type ReliefNoticeBody struct {
	NoticeStart string        `json:"notice_start"` // YYYY-MM-DD
	NoticeEnd   string        `json:"notice_end"`   // YYYY-MM-DD
	Entries     []ReliefEntry `json:"entries"`
}

// LargeExpenseBody is one large expense: what for, paid to which
// organisation, how much, and when it was collectively decided and signed.
type LargeExpenseBody struct {
	Expense   string `json:"expense,omitempty"` // the expense id in the ledger, if recorded there
	Purpose   string `json:"purpose"`
	Payee     string `json:"payee"` // an organisation, never a private person
	Amount    Fen    `json:"amount_fen"`
	DecidedOn string `json:"decided_on"` // collective decision (集体研究), YYYY-MM-DD
	SignedOn  string `json:"signed_on"`  // the chair's signature, YYYY-MM-DD
}

// RectificationState is the state of rectification (整改) of an audit finding.
type RectificationState string

// The states of rectification.
const (
	RectificationOpen       RectificationState = "open"        // 待整改
	RectificationInProgress RectificationState = "in_progress" // 整改中
	RectificationDone       RectificationState = "rectified"   // 已整改
)

// Valid reports whether r is a known state.
func (r RectificationState) Valid() bool {
	return r == RectificationOpen || r == RectificationInProgress || r == RectificationDone
}

// DisclosedFinding is one audit finding and where its rectification stands.
type DisclosedFinding struct {
	Finding       string             `json:"finding"`
	Rectification RectificationState `json:"rectification"`
	Detail        string             `json:"detail,omitempty"`
}

// AuditFindingsBody is the findings of one audit and the state of their
// rectification.
type AuditFindingsBody struct {
	Audit    string             `json:"audit,omitempty"` // the audit id in the ledger, if recorded there
	Scope    string             `json:"scope"`
	Findings []DisclosedFinding `json:"findings"`
}

// AnswerBody is an answer to a member's question on a published item.
type AnswerBody struct {
	Question string `json:"question"`
	Item     string `json:"item"` // the item the question was about
	Text     string `json:"text"`
}

// DisclosureDrafted records a new disclosure item, not yet public.
type DisclosureDrafted struct {
	Item  string         `json:"item"`
	Kind  DisclosureKind `json:"kind"`
	Title string         `json:"title"`
	Body  DisclosureBody `json:"body"`
}

func (DisclosureDrafted) Type() string        { return "disclosure_drafted" }
func (p DisclosureDrafted) Aggregate() string { return "disclosure:" + p.Item }
func (DisclosureDrafted) Postings() []Posting { return nil }

// DisclosureApproved records a second person's approval of a draft.
type DisclosureApproved struct {
	Item string `json:"item"`
}

func (DisclosureApproved) Type() string        { return "disclosure_approved" }
func (p DisclosureApproved) Aggregate() string { return "disclosure:" + p.Item }
func (DisclosureApproved) Postings() []Posting { return nil }

// DisclosurePublished puts an approved item on the board. From then on the
// item is never edited or withdrawn. Supersedes names the item this one
// corrects, when it was published by supersede_disclosure.
type DisclosurePublished struct {
	Item       string `json:"item"`
	Supersedes string `json:"supersedes,omitempty"`
}

func (DisclosurePublished) Type() string        { return "disclosure_published" }
func (p DisclosurePublished) Aggregate() string { return "disclosure:" + p.Item }
func (DisclosurePublished) Postings() []Posting { return nil }

// DisclosureSuperseded marks a published item as replaced by a correction
// (By), and says why. The old item stays on the board, marked.
type DisclosureSuperseded struct {
	Item   string `json:"item"`
	By     string `json:"by"`
	Reason string `json:"reason"`
}

func (DisclosureSuperseded) Type() string        { return "disclosure_superseded" }
func (p DisclosureSuperseded) Aggregate() string { return "disclosure:" + p.Item }
func (DisclosureSuperseded) Postings() []Posting { return nil }

// QuestionAsked records a member's question on a published item.
type QuestionAsked struct {
	Question string `json:"question"`
	Item     string `json:"item"`
	Text     string `json:"text"`
}

func (QuestionAsked) Type() string        { return "question_asked" }
func (p QuestionAsked) Aggregate() string { return "question:" + p.Question }
func (QuestionAsked) Postings() []Posting { return nil }

// QuestionAnswered records the answer to a question. The answer is public
// at once: it is itself a published item (kind answer, id Answer) that can
// be superseded like any other.
type QuestionAnswered struct {
	Question string `json:"question"`
	Item     string `json:"item"`   // the item the question was about
	Answer   string `json:"answer"` // id of the answer item
	Text     string `json:"text"`
}

func (QuestionAnswered) Type() string        { return "question_answered" }
func (p QuestionAnswered) Aggregate() string { return "question:" + p.Question }
func (QuestionAnswered) Postings() []Posting { return nil }

// ObjectionRaised records a member's objection (异议) to a relief notice,
// raised while its notice period was open.
type ObjectionRaised struct {
	Objection string `json:"objection"`
	Item      string `json:"item"`
	Text      string `json:"text"`
}

func (ObjectionRaised) Type() string        { return "objection_raised" }
func (p ObjectionRaised) Aggregate() string { return "objection:" + p.Objection }
func (ObjectionRaised) Postings() []Posting { return nil }

// ObjectionOutcome is how an objection was resolved.
type ObjectionOutcome string

// The outcomes of an objection.
const (
	ObjectionUpheld    ObjectionOutcome = "upheld"    // 异议成立
	ObjectionDismissed ObjectionOutcome = "dismissed" // 异议不成立
)

// ObjectionResolved records the committee's or chair's resolution of an
// objection, with its reason.
type ObjectionResolved struct {
	Objection string           `json:"objection"`
	Item      string           `json:"item"`
	Outcome   ObjectionOutcome `json:"outcome"`
	Reason    string           `json:"reason"`
}

func (ObjectionResolved) Type() string        { return "objection_resolved" }
func (p ObjectionResolved) Aggregate() string { return "objection:" + p.Objection }
func (ObjectionResolved) Postings() []Posting { return nil }

// disclosureTypes are the events of the public disclosure board (会务公开), questions and objections.
var disclosureTypes = map[string]typeInfo{
	"holiday_calendar_adopted": v1[HolidayCalendarAdopted](),
	"disclosure_drafted":       v1[DisclosureDrafted](),
	"disclosure_approved":      v1[DisclosureApproved](),
	"disclosure_published":     v1[DisclosurePublished](),
	"disclosure_superseded":    v1[DisclosureSuperseded](),
	"question_asked":           v1[QuestionAsked](),
	"question_answered":        v1[QuestionAnswered](),
	"objection_raised":         v1[ObjectionRaised](),
	"objection_resolved":       v1[ObjectionResolved](),
}

// HolidayCalendarAdopted records the union's working-day calendar for a
// year: statutory holidays (rest days) and make-up working days (调休上班)
// as the State Council's notice (and any local rule) sets them. Notice
// periods of at least five working days are counted on it.
type HolidayCalendarAdopted struct {
	Year     string   `json:"year"`
	Holidays []string `json:"holidays"`
	Workdays []string `json:"workdays"`
}

func (HolidayCalendarAdopted) Type() string        { return "holiday_calendar_adopted" }
func (p HolidayCalendarAdopted) Aggregate() string { return "calendar:" + p.Year }
func (HolidayCalendarAdopted) Postings() []Posting { return nil }
