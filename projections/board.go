package projections

import (
	"fmt"

	"github.com/unionledger/unionledger/events"
)

// Board is the public disclosure board (会务公开) of a union as of a point
// in its history: what members see (DOMAIN "What members see"). It is
// public by nature, so it is built only from what was published, and it
// carries nothing that names or identifies a person: relief entries show a
// masked name, kind and amount; questions are "a member's"; objections are
// counted, never quoted.
type Board struct {
	Org      string         `json:"org"`
	Name     string         `json:"name"`  // the union's name
	Chart    string         `json:"chart"` // chart of accounts version in force, which labels accounts
	HeadSeq  uint64         `json:"head_seq"`
	AsOfSeq  uint64         `json:"as_of_seq,omitempty"`
	AsOfDate string         `json:"as_of_date,omitempty"`
	Sections []BoardSection `json:"sections"`
}

// BoardSection is the published items of one kind, in publication date
// then item id order.
type BoardSection struct {
	Kind   events.DisclosureKind `json:"kind"`
	NameZH string                `json:"name_zh"`
	NameEN string                `json:"name_en"`
	Items  []BoardItem           `json:"items"`
}

// BoardItem is one published item. A superseded item stays on the board,
// marked with a pointer to its correction; a correction says what it
// supersedes and why.
type BoardItem struct {
	ID           string                `json:"id"`
	Kind         events.DisclosureKind `json:"kind"`
	Title        string                `json:"title,omitempty"` // answers have none
	ApprovedOn   string                `json:"approved_on,omitempty"`
	PublishedOn  string                `json:"published_on"`
	PublishedSeq uint64                `json:"published_seq"`
	DraftSeq     uint64                `json:"draft_seq"` // the event whose body this is, to verify in the ledger
	Supersedes   *BoardLink            `json:"supersedes,omitempty"`
	SupersededBy *BoardLink            `json:"superseded_by,omitempty"`
	Body         BoardBody             `json:"body"`
	Questions    []BoardQuestion       `json:"questions"`
	Objections   *BoardObjections      `json:"objections,omitempty"` // relief notices only
}

// BoardLink ties a superseded item and its correction: the other item, the
// date of the supersession and its reason.
type BoardLink struct {
	Item   string `json:"item"`
	On     string `json:"on"`
	Reason string `json:"reason"`
}

// BoardBody is an item's content, one member set as in
// events.DisclosureBody, with money both in fen and as yuan strings and
// accounts labelled by the chart in force.
type BoardBody struct {
	PeriodSummary *BoardSummary       `json:"period_summary,omitempty"`
	BudgetFinal   *BoardFinalAccounts `json:"budget_final_accounts,omitempty"`
	WelfareRound  *BoardWelfareRound  `json:"welfare_round,omitempty"`
	ReliefNotice  *BoardReliefNotice  `json:"relief_notice,omitempty"`
	LargeExpense  *BoardLargeExpense  `json:"large_expense,omitempty"`
	AuditFindings *BoardAuditFindings `json:"audit_findings,omitempty"`
	Answer        *BoardAnswer        `json:"answer,omitempty"`
}

// BoardAccount labels an account code with its names in the chart in force.
type BoardAccount struct {
	Account string `json:"account"`
	NameZH  string `json:"name_zh"`
	NameEN  string `json:"name_en"`
}

// BoardSummaryLine is one account of a period summary.
type BoardSummaryLine struct {
	BoardAccount
	AmountFen int64  `json:"amount_fen"`
	Amount    string `json:"amount"`
}

// BoardSummary is income and spending by account for a period.
type BoardSummary struct {
	From  string             `json:"from"`
	To    string             `json:"to"`
	Lines []BoardSummaryLine `json:"lines"`
	Note  string             `json:"note,omitempty"`
}

// BoardFinalLine is one account's budget and final figure.
type BoardFinalLine struct {
	BoardAccount
	BudgetFen int64  `json:"budget_fen"`
	Budget    string `json:"budget"`
	ActualFen int64  `json:"actual_fen"`
	Actual    string `json:"actual"`
}

// BoardFinalAccounts is a year's budget and final accounts with the
// funds-review committee's opinion.
type BoardFinalAccounts struct {
	Year          string           `json:"year"`
	Lines         []BoardFinalLine `json:"lines"`
	ReviewOpinion string           `json:"review_opinion"`
	ReviewedOn    string           `json:"reviewed_on"`
}

// BoardWelfareRound is one welfare round: standard, headcount, total.
type BoardWelfareRound struct {
	Round       string `json:"round"`
	StandardFen int64  `json:"standard_fen"`
	Standard    string `json:"standard"`
	Headcount   int64  `json:"headcount"`
	TotalFen    int64  `json:"total_fen"`
	Total       string `json:"total"`
}

// BoardReliefEntry is one line of a relief roster: a masked name, the kind
// of relief and the amount, and nothing else — not even the case id, which
// the relief officer chose and which leads to the private file.
type BoardReliefEntry struct {
	Name      string            `json:"name"`
	Kind      events.ReliefKind `json:"kind"`
	KindZH    string            `json:"kind_zh"`
	AmountFen int64             `json:"amount_fen"`
	Amount    string            `json:"amount"`
}

// BoardReliefNotice is a relief roster on public notice.
type BoardReliefNotice struct {
	NoticeStart string             `json:"notice_start"`
	NoticeEnd   string             `json:"notice_end"`
	Entries     []BoardReliefEntry `json:"entries"`
	TotalFen    int64              `json:"total_fen"`
	Total       string             `json:"total"`
}

// BoardLargeExpense is one large expense.
type BoardLargeExpense struct {
	Expense   string `json:"expense,omitempty"`
	Purpose   string `json:"purpose"`
	Payee     string `json:"payee"`
	AmountFen int64  `json:"amount_fen"`
	Amount    string `json:"amount"`
	DecidedOn string `json:"decided_on"`
	SignedOn  string `json:"signed_on"`
}

// BoardFinding is one audit finding and its rectification.
type BoardFinding struct {
	Finding         string                    `json:"finding"`
	Rectification   events.RectificationState `json:"rectification"`
	RectificationZH string                    `json:"rectification_zh"`
	Detail          string                    `json:"detail,omitempty"`
}

// BoardAuditFindings is an audit's findings and their rectification.
type BoardAuditFindings struct {
	Audit    string         `json:"audit,omitempty"`
	Scope    string         `json:"scope"`
	Findings []BoardFinding `json:"findings"`
}

// BoardAnswer is an answer to a member's question, with the question as
// asked (by "a member": never who).
type BoardAnswer struct {
	Question     string `json:"question"`
	Item         string `json:"item"` // the item asked about
	QuestionText string `json:"question_text"`
	Text         string `json:"text"`
}

// BoardQuestion is a member's question on an item and, once given, its
// answer. The asker is never shown: the board says "a member" (会员).
type BoardQuestion struct {
	ID      string            `json:"id"`
	AskedBy string            `json:"asked_by"` // always "a member"
	AskedOn string            `json:"asked_on"`
	Text    string            `json:"text"`
	Answer  *BoardAnswerGiven `json:"answer,omitempty"`
}

// BoardAnswerGiven is the answer to a question: the answer item, its
// date and text, and its correction if it was superseded.
type BoardAnswerGiven struct {
	Item         string `json:"item"`
	AnsweredOn   string `json:"answered_on"`
	Text         string `json:"text"`
	SupersededBy string `json:"superseded_by,omitempty"`
}

// BoardObjections says how many objections a relief notice drew and how
// they were resolved. Objection texts and reasons are not public: they
// are about a person's circumstances (docs/rules.md), so only the
// committee reads them.
type BoardObjections struct {
	Raised    int `json:"raised"`
	Open      int `json:"open"`
	Upheld    int `json:"upheld"`
	Dismissed int `json:"dismissed"`
}

// AMember is how the board names whoever asked a question.
const AMember = "a member"

// kindNames are the board's headings.
var kindNames = map[events.DisclosureKind][2]string{
	events.DisclosurePeriodSummary: {"收支情况", "Income and spending by account"},
	events.DisclosureBudgetFinal:   {"预算和决算", "Budget and final accounts"},
	events.DisclosureWelfareRound:  {"福利发放", "Welfare rounds"},
	events.DisclosureReliefNotice:  {"帮扶公示", "Relief roster"},
	events.DisclosureLargeExpense:  {"大额支出", "Large expenses"},
	events.DisclosureAuditFindings: {"审计发现及整改情况", "Audit findings and rectification"},
	events.DisclosureAnswer:        {"答复", "Answers to members' questions"},
}

var reliefKindZH = map[events.ReliefKind]string{
	events.ReliefHardship: "困难帮扶", events.ReliefWarmth: "送温暖", events.ReliefEducation: "金秋助学",
	events.ReliefMedical: "医疗救助", events.ReliefAccident: "意外致困",
}

var rectificationZH = map[events.RectificationState]string{
	events.RectificationOpen: "待整改", events.RectificationInProgress: "整改中", events.RectificationDone: "已整改",
}

// boardAt decides what of the board had happened by a point: an event
// with seq and accounting date date is included as of at.
type boardAt AsOf

func (a boardAt) has(seq uint64, date string) bool {
	switch {
	case seq == 0 || date == "":
		return false
	case a.Seq > 0:
		return seq <= a.Seq
	case a.Date != "":
		return date <= a.Date
	}
	return true
}

// Board returns the disclosure board as of a point: the items published
// by then (seq ≤ at.Seq, or publication date ≤ at.Date), each as it stood
// then — marked superseded only if the correction was published by then,
// with the questions asked and answered by then. It reads the board
// indexes (p/disc/pub) and each item's questions and objections, so its
// cost is that of what it shows.
func (s *Store) Board(org string, at AsOf) (Board, error) {
	info, ok, err := s.Org(org)
	if err != nil {
		return Board{}, err
	}
	if !ok {
		return Board{}, fmt.Errorf("projections: org %q not found", org)
	}
	head, err := s.Head(org)
	if err != nil {
		return Board{}, err
	}
	chart, _ := events.ChartByVersion(info.Chart)
	b := Board{Org: org, Name: info.Name, Chart: info.Chart, HeadSeq: head.Seq, AsOfSeq: at.Seq, AsOfDate: at.Date,
		Sections: []BoardSection{}}
	when := boardAt(at)
	for _, kind := range events.DisclosureKinds() {
		names := kindNames[kind]
		sec := BoardSection{Kind: kind, NameZH: names[0], NameEN: names[1], Items: []BoardItem{}}
		var items []DisclosureItem
		// With a date, publication dates bound the scan; with a seq, a
		// later event may carry an earlier date, so every date is read.
		if err := s.PublishedItems(org, kind, "", at.Date, func(it DisclosureItem) bool {
			if when.has(it.PublishedSeq, it.PublishedOn) {
				items = append(items, it)
			}
			return true
		}); err != nil {
			return Board{}, err
		}
		for _, it := range items {
			bi, err := s.boardItem(org, chart, when, it)
			if err != nil {
				return Board{}, err
			}
			sec.Items = append(sec.Items, bi)
		}
		b.Sections = append(b.Sections, sec)
	}
	return b, nil
}

func (s *Store) boardItem(org string, chart events.Chart, when boardAt, it DisclosureItem) (BoardItem, error) {
	bi := BoardItem{ID: it.ID, Kind: it.Kind, Title: it.Title, ApprovedOn: it.ApprovedOn, PublishedOn: it.PublishedOn,
		PublishedSeq: it.PublishedSeq, DraftSeq: it.DraftSeq, Questions: []BoardQuestion{}}
	if it.SupersededBy != "" && when.has(it.SupersededSeq, it.SupersededOn) {
		bi.SupersededBy = &BoardLink{Item: it.SupersededBy, On: it.SupersededOn, Reason: it.SupersedeReason}
	}
	if it.Supersedes != "" {
		old, ok, err := s.DisclosureItem(org, it.Supersedes)
		if err != nil {
			return BoardItem{}, err
		}
		if !ok {
			return BoardItem{}, fmt.Errorf("projections: item %q supersedes missing item %q", it.ID, it.Supersedes)
		}
		// The correction and the mark on the old item come from one
		// command: the correction's publication is the supersession.
		bi.Supersedes = &BoardLink{Item: it.Supersedes, On: it.PublishedOn, Reason: old.SupersedeReason}
	}
	body, err := s.boardBody(org, chart, it.Body)
	if err != nil {
		return BoardItem{}, err
	}
	bi.Body = body

	qs, err := s.QuestionsOn(org, it.ID)
	if err != nil {
		return BoardItem{}, err
	}
	for _, q := range qs {
		if !when.has(q.AskedSeq, q.AskedOn) {
			continue
		}
		bq := BoardQuestion{ID: q.ID, AskedBy: AMember, AskedOn: q.AskedOn, Text: q.Text}
		if q.Answer != "" && when.has(q.AnsweredSeq, q.AnsweredOn) {
			ans, ok, err := s.DisclosureItem(org, q.Answer)
			if err != nil {
				return BoardItem{}, err
			}
			if !ok {
				return BoardItem{}, fmt.Errorf("projections: question %q answered by missing item %q", q.ID, q.Answer)
			}
			bq.Answer = &BoardAnswerGiven{Item: q.Answer, AnsweredOn: q.AnsweredOn, Text: q.AnswerText}
			if ans.SupersededBy != "" && when.has(ans.SupersededSeq, ans.SupersededOn) {
				bq.Answer.SupersededBy = ans.SupersededBy
			}
		}
		bi.Questions = append(bi.Questions, bq)
	}

	if it.Kind == events.DisclosureReliefNotice {
		obs, err := s.ObjectionsOn(org, it.ID)
		if err != nil {
			return BoardItem{}, err
		}
		var o BoardObjections
		for _, ob := range obs {
			if !when.has(ob.RaisedSeq, ob.RaisedOn) {
				continue
			}
			o.Raised++
			switch {
			case ob.Outcome == "" || !when.has(ob.ResolvedSeq, ob.ResolvedOn):
				o.Open++
			case ob.Outcome == events.ObjectionUpheld:
				o.Upheld++
			default:
				o.Dismissed++
			}
		}
		bi.Objections = &o
	}
	return bi, nil
}

func label(chart events.Chart, code string) BoardAccount {
	a, _ := chart.Account(code)
	return BoardAccount{Account: code, NameZH: a.NameZH, NameEN: a.NameEN}
}

// boardBody turns an item's body into the board's, field by field: a
// field is on the board only because it is listed here.
func (s *Store) boardBody(org string, chart events.Chart, b events.DisclosureBody) (BoardBody, error) {
	var out BoardBody
	switch {
	case b.PeriodSummary != nil:
		p := b.PeriodSummary
		sum := &BoardSummary{From: p.From, To: p.To, Note: p.Note, Lines: []BoardSummaryLine{}}
		for _, l := range p.Lines {
			sum.Lines = append(sum.Lines, BoardSummaryLine{BoardAccount: label(chart, l.Account), AmountFen: int64(l.Amount), Amount: l.Amount.Yuan()})
		}
		out.PeriodSummary = sum
	case b.BudgetFinal != nil:
		p := b.BudgetFinal
		fa := &BoardFinalAccounts{Year: p.Year, ReviewOpinion: p.ReviewOpinion, ReviewedOn: p.ReviewedOn, Lines: []BoardFinalLine{}}
		for _, l := range p.Lines {
			fa.Lines = append(fa.Lines, BoardFinalLine{BoardAccount: label(chart, l.Account),
				BudgetFen: int64(l.Budget), Budget: l.Budget.Yuan(), ActualFen: int64(l.Actual), Actual: l.Actual.Yuan()})
		}
		out.BudgetFinal = fa
	case b.WelfareRound != nil:
		p := b.WelfareRound
		out.WelfareRound = &BoardWelfareRound{Round: p.Round, StandardFen: int64(p.Standard), Standard: p.Standard.Yuan(),
			Headcount: p.Headcount, TotalFen: int64(p.Total), Total: p.Total.Yuan()}
	case b.ReliefNotice != nil:
		p := b.ReliefNotice
		rn := &BoardReliefNotice{NoticeStart: p.NoticeStart, NoticeEnd: p.NoticeEnd, Entries: []BoardReliefEntry{}}
		var total events.Fen
		for _, e := range p.Entries {
			rn.Entries = append(rn.Entries, BoardReliefEntry{Name: e.Name, Kind: e.Kind, KindZH: reliefKindZH[e.Kind],
				AmountFen: int64(e.Amount), Amount: e.Amount.Yuan()})
			total += e.Amount
		}
		rn.TotalFen, rn.Total = int64(total), total.Yuan()
		out.ReliefNotice = rn
	case b.LargeExpense != nil:
		p := b.LargeExpense
		out.LargeExpense = &BoardLargeExpense{Expense: p.Expense, Purpose: p.Purpose, Payee: p.Payee,
			AmountFen: int64(p.Amount), Amount: p.Amount.Yuan(), DecidedOn: p.DecidedOn, SignedOn: p.SignedOn}
	case b.AuditFindings != nil:
		p := b.AuditFindings
		af := &BoardAuditFindings{Audit: p.Audit, Scope: p.Scope, Findings: []BoardFinding{}}
		for _, f := range p.Findings {
			af.Findings = append(af.Findings, BoardFinding{Finding: f.Finding, Rectification: f.Rectification,
				RectificationZH: rectificationZH[f.Rectification], Detail: f.Detail})
		}
		out.AuditFindings = af
	case b.Answer != nil:
		p := b.Answer
		var q Question
		if err := mustGetJSON(s, discQKey(org, p.Question), &q); err != nil {
			return BoardBody{}, err
		}
		out.Answer = &BoardAnswer{Question: p.Question, Item: p.Item, QuestionText: q.Text, Text: p.Text}
	}
	return out, nil
}
