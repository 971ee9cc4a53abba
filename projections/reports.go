package projections

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// Statutory reports (收入支出表, 资产负债表, 预算执行, 福利) answered from the
// existing state, as of any org sequence or accounting date. They add no
// projection state:
//
//   - "now" and "as of a date" read the balances projection's day, month
//     and year buckets (p/bd, p/bm, p/by): a few dozen keys per account
//     whatever the length of the history;
//   - "as of a sequence" scans the accounting-date index (i/date) over the
//     dates the report covers and folds the postings of the events with
//     seq ≤ the point, decoded from their copies (e/), so its cost follows
//     the events of the period, not the whole log;
//   - budgets and welfare as of a point re-run the budgets and welfare
//     projections, in memory, over the few events of their aggregates
//     (budget:<year>, welfare-policy:<year>, welfare-round:<id>,
//     expense:<id>) up to the point, so the as-of answer is computed by the
//     same code as the current state.
//
// Closing entries: month_closed and year_closed post nothing (docs/events.md),
// so income and expense are never carried into 331 结余 by the ledger, and a
// statement is simply every posting to an income or expense account dated in
// its period. The balance sheet therefore shows the surplus not carried to 331
// on its own rows, so that assets = liabilities + net assets.

// ChartLabel names the chart of accounts a report is labelled by.
type ChartLabel struct {
	Version string `json:"version"`
	NameZH  string `json:"name_zh"`
	NameEN  string `json:"name_en"`
}

// chartLabel labels a chart version.
func chartLabel(v string) ChartLabel {
	l := ChartLabel{Version: v, NameZH: "工会会计制度（" + v + "年科目表）", NameEN: "union accounting rules, " + v + " chart of accounts"}
	if v == "2022" {
		l.NameZH = "工会会计制度（2022年施行科目表）"
		l.NameEN = "union accounting rules in force from 2022, 2022 chart of accounts"
	}
	return l
}

// ReportLine is one row of a statement or balance sheet: an account of the
// chart (a sub-account names its Parent) or, with Row set and no Code, a
// line the report computes (the surplus not carried to 331). Amounts are on
// the account's normal side: income and liabilities show positive.
type ReportLine struct {
	Code      string     `json:"code,omitempty"`
	Row       string     `json:"row,omitempty"`
	Parent    string     `json:"parent,omitempty"`
	NameZH    string     `json:"name_zh"`
	NameEN    string     `json:"name_en"`
	AmountFen events.Fen `json:"amount_fen"`
	Amount    string     `json:"amount"`
}

// IncomeStatement is the income-expenditure statement (收入支出表) of an
// accounting period.
type IncomeStatement struct {
	Org   string     `json:"org"`
	Name  string     `json:"name"`
	Chart ChartLabel `json:"chart"`
	From  string     `json:"from"`
	To    string     `json:"to"`
	// Income and Expenditure list every income (4xx) and expense (5xx)
	// account of the chart in code order, a parent before its
	// sub-accounts; a parent's amount is the subtotal of its sub-accounts.
	Income              []ReportLine `json:"income"`
	Expenditure         []ReportLine `json:"expenditure"`
	IncomeTotalFen      events.Fen   `json:"income_total_fen"`
	IncomeTotal         string       `json:"income_total"`
	ExpenditureTotalFen events.Fen   `json:"expenditure_total_fen"`
	ExpenditureTotal    string       `json:"expenditure_total"`
	// Surplus is income less expenditure (收支结余); negative is a deficit.
	SurplusFen events.Fen `json:"surplus_fen"`
	Surplus    string     `json:"surplus"`
}

// BalanceSheetReport is a simple balance sheet (资产负债表) at a date.
type BalanceSheetReport struct {
	Org   string     `json:"org"`
	Name  string     `json:"name"`
	Chart ChartLabel `json:"chart"`
	Date  string     `json:"date"`
	// Assets, Liabilities and NetAssets list the chart's accounts of each
	// class; NetAssets ends with two computed rows: the surplus of earlier
	// years and of the year of Date up to Date, which no closing entry has
	// carried to 331.
	Assets                     []ReportLine `json:"assets"`
	Liabilities                []ReportLine `json:"liabilities"`
	NetAssets                  []ReportLine `json:"net_assets"`
	AssetsTotalFen             events.Fen   `json:"assets_total_fen"`
	AssetsTotal                string       `json:"assets_total"`
	LiabilitiesTotalFen        events.Fen   `json:"liabilities_total_fen"`
	LiabilitiesTotal           string       `json:"liabilities_total"`
	NetAssetsTotalFen          events.Fen   `json:"net_assets_total_fen"`
	NetAssetsTotal             string       `json:"net_assets_total"`
	LiabilitiesAndNetAssetsFen events.Fen   `json:"liabilities_and_net_assets_fen"`
	LiabilitiesAndNetAssets    string       `json:"liabilities_and_net_assets"`
	Balanced                   bool         `json:"balanced"`
}

// Computed rows of the balance sheet.
const (
	RowPriorSurplus   = "prior_years_surplus"
	RowCurrentSurplus = "current_year_surplus"
)

// includes says whether an event counts as of a point.
func (at AsOf) includes(seq uint64, date string) bool {
	return (at.Seq == 0 || seq <= at.Seq) && (at.Date == "" || date <= at.Date)
}

// orgChart returns the org's info and chart, or not_found.
func (s *Store) orgChart(org string) (ledger.OrgInfo, events.Chart, error) {
	info, ok, err := s.Org(org)
	if err != nil {
		return info, events.Chart{}, err
	}
	if !ok {
		return info, events.Chart{}, ledger.Errorf(ledger.CodeUnknownOrg, "org %q has not been opened", org)
	}
	chart, ok := events.ChartByVersion(info.Chart)
	if !ok {
		return info, chart, fmt.Errorf("projections: org %q has unknown chart %q", org, info.Chart)
	}
	return info, chart, nil
}

// dayBefore returns the date before d (YYYY-MM-DD).
func dayBefore(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, -1).Format(time.DateOnly)
}

// periodNet returns, per account, the net debit-positive change posted with
// accounting dates in [from, to] (from "" = since the beginning) counting
// only what is included as of at. Accounts without postings are absent.
func (s *Store) periodNet(org string, chart events.Chart, from, to string, at AsOf) (map[string]events.Fen, error) {
	out := map[string]events.Fen{}
	if at.Date != "" && at.Date < to {
		to = at.Date
	}
	if from != "" && to < from {
		return out, nil
	}
	if at.Seq > 0 {
		// At or past the head, "as of seq" is "now": the buckets answer.
		h, err := s.Head(org)
		if err != nil {
			return nil, err
		}
		if at.Seq < h.Seq {
			return out, s.periodNetAtSeq(org, chart, from, to, at.Seq, out)
		}
	}
	before := ""
	if from != "" {
		before = dayBefore(from)
	}
	for _, a := range chart.Accounts() {
		if _, ok, err := s.Get(key(famProj, "bcur/", org, "/", a.Code)); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		v, err := s.balanceAsOfDate(org, a.Code, to)
		if err != nil {
			return nil, err
		}
		if before != "" {
			b, err := s.balanceAsOfDate(org, a.Code, before)
			if err != nil {
				return nil, err
			}
			v -= b
		}
		if v != 0 {
			out[a.Code] = v
		}
	}
	return out, nil
}

// periodNetAtSeq is periodNet as of org sequence seq. A bounded period is a
// scan of the accounting-date index over it; an open start is the running
// balance at seq (p/bal) less the events up to seq dated after to. Either
// way the cost follows the events scanned, not the whole log.
func (s *Store) periodNetAtSeq(org string, chart events.Chart, from, to string, seq uint64, out map[string]events.Fen) error {
	prefix := key(famIndex, "date/", org, "/")
	// One reader for all the events read: an iterator and a buffer each
	// (Store.Event) cost about three times as much an event.
	evs, err := s.eventReader(org)
	if err != nil {
		return err
	}
	defer evs.Close()
	add := func(lo, hi []byte, sign events.Fen) error {
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
		if err != nil {
			return err
		}
		defer it.Close()
		for it.First(); it.Valid(); it.Next() {
			k := it.Key()
			if len(k) < len(prefix)+8 {
				return fmt.Errorf("projections: corrupt date index key %q", k)
			}
			n := binary.BigEndian.Uint64(k[len(k)-8:])
			if n > seq {
				continue
			}
			// The postings are the event's own: its copy in e/, decoded.
			_, pl, err := decodedEvent(evs, org, n)
			if err != nil {
				return err
			}
			for _, p := range pl.Postings() {
				out[p.Account] += sign * p.Amount
			}
		}
		return it.Error()
	}
	if from != "" {
		if err := add(key(prefix, from, "/"), upper(key(prefix, to, "/")), 1); err != nil {
			return err
		}
	} else {
		for _, a := range chart.Accounts() {
			v, err := s.BalanceAsOf(org, a.Code, AsOf{Seq: seq})
			if err != nil {
				return err
			}
			if v != 0 {
				out[a.Code] = v
			}
		}
		if err := add(upper(key(prefix, to, "/")), upper(prefix), -1); err != nil {
			return err
		}
	}
	for k, v := range out {
		if v == 0 {
			delete(out, k)
		}
	}
	return nil
}

// decodedEvent reads and decodes one of org's events.
func decodedEvent(evs *eventReader, org string, seq uint64) (events.Envelope, events.Payload, error) {
	st, ok, err := evs.event(seq)
	if err != nil {
		return events.Envelope{}, nil, err
	}
	if !ok {
		return events.Envelope{}, nil, fmt.Errorf("projections: event %s/%d missing", org, seq)
	}
	env, err := events.Decode(st.Data)
	if err != nil {
		return env, nil, err
	}
	p, err := events.DecodePayload(env)
	return env, p, err
}

// normal turns a debit-positive amount to the account's normal side.
func normal(a events.Account, debit events.Fen) events.Fen {
	if a.Normal() == events.Credit {
		return -debit
	}
	return debit
}

// accountLines lists the chart's accounts of a class with their amounts on
// the normal side; a parent's amount is its own plus its sub-accounts'.
// It returns the lines and the total of the top-level lines.
func accountLines(chart events.Chart, class events.Class, net map[string]events.Fen) ([]ReportLine, events.Fen) {
	lines := []ReportLine{}
	var total events.Fen
	for _, a := range chart.Accounts() {
		if a.Class != class {
			continue
		}
		l := ReportLine{Code: a.Code, NameZH: a.NameZH, NameEN: a.NameEN}
		var amt events.Fen
		if len(a.Code) > 3 {
			if _, ok := chart.Account(a.Code[:3]); ok {
				l.Parent = a.Code[:3]
			}
			amt = normal(a, net[a.Code])
		} else {
			for code, v := range net {
				if len(code) >= len(a.Code) && code[:len(a.Code)] == a.Code {
					amt += normal(a, v)
				}
			}
		}
		if l.Parent == "" {
			total += amt
		}
		l.AmountFen, l.Amount = amt, amt.Yuan()
		lines = append(lines, l)
	}
	return lines, total
}

// Statement is the income-expenditure statement (收入支出表) of the
// accounting dates [from, to] as of at: every income and expense account of
// the chart in force, with parent subtotals, the totals and the surplus. As
// of a date, only postings dated up to it count.
func (s *Store) Statement(org, from, to string, at AsOf) (IncomeStatement, error) {
	info, chart, err := s.orgChart(org)
	if err != nil {
		return IncomeStatement{}, err
	}
	net, err := s.periodNet(org, chart, from, to, at)
	if err != nil {
		return IncomeStatement{}, err
	}
	out := IncomeStatement{Org: org, Name: info.Name, Chart: chartLabel(chart.Version), From: from, To: to}
	var inc, exp events.Fen
	out.Income, inc = accountLines(chart, events.Income, net)
	out.Expenditure, exp = accountLines(chart, events.Expense, net)
	out.IncomeTotalFen, out.IncomeTotal = inc, inc.Yuan()
	out.ExpenditureTotalFen, out.ExpenditureTotal = exp, exp.Yuan()
	out.SurplusFen, out.Surplus = inc-exp, (inc - exp).Yuan()
	return out, nil
}

// BalanceSheet is a simple balance sheet (资产负债表) at the end of date, as
// of at. As of an earlier accounting date it counts postings up to that
// date only (what a log cut there would show) but keeps its own date.
func (s *Store) BalanceSheet(org, date string, at AsOf) (BalanceSheetReport, error) {
	info, chart, err := s.orgChart(org)
	if err != nil {
		return BalanceSheetReport{}, err
	}
	all, err := s.periodNet(org, chart, "", date, at)
	if err != nil {
		return BalanceSheetReport{}, err
	}
	year, err := s.periodNet(org, chart, date[:4]+"-01-01", date, at)
	if err != nil {
		return BalanceSheetReport{}, err
	}
	out := BalanceSheetReport{Org: org, Name: info.Name, Chart: chartLabel(chart.Version), Date: date}
	var assets, liab, na events.Fen
	out.Assets, assets = accountLines(chart, events.Asset, all)
	out.Liabilities, liab = accountLines(chart, events.Liability, all)
	out.NetAssets, na = accountLines(chart, events.NetAsset, all)
	// The surplus (income less expense, credit-positive) not carried to 331.
	surplus := func(net map[string]events.Fen) events.Fen {
		var v events.Fen
		for code, d := range net {
			if a, ok := chart.Account(code); ok && (a.Class == events.Income || a.Class == events.Expense) {
				v -= d
			}
		}
		return v
	}
	cur := surplus(year)
	prior := surplus(all) - cur
	out.NetAssets = append(out.NetAssets,
		ReportLine{Row: RowPriorSurplus, NameZH: "以前年度收支结余（未转入结余）", NameEN: "surplus of earlier years not carried to 331", AmountFen: prior, Amount: prior.Yuan()},
		ReportLine{Row: RowCurrentSurplus, NameZH: "本年收支结余（" + date[:4] + "-01-01 至 " + date + "）", NameEN: "surplus of the year to date", AmountFen: cur, Amount: cur.Yuan()})
	na += prior + cur
	out.AssetsTotalFen, out.AssetsTotal = assets, assets.Yuan()
	out.LiabilitiesTotalFen, out.LiabilitiesTotal = liab, liab.Yuan()
	out.NetAssetsTotalFen, out.NetAssetsTotal = na, na.Yuan()
	out.LiabilitiesAndNetAssetsFen, out.LiabilitiesAndNetAssets = liab+na, (liab + na).Yuan()
	out.Balanced = assets == liab+na
	return out, nil
}

// ---------------------------------------------------------------------
// Folding an aggregate's events in memory

// emptyReader is committed state with nothing in it: the base of an
// in-memory Tx that re-runs a projection over a few events.
type emptyReader struct{}

func (emptyReader) Get([]byte) ([]byte, io.Closer, error) { return nil, nil, pebble.ErrNotFound }

func memTx() *Tx {
	return &Tx{r: emptyReader{}, dirty: map[string][]byte{}, read: map[string]readVal{}}
}

// aggregateSeqs returns the org sequences of an aggregate's events up to
// at.Seq (all when zero), in order.
func (s *Store) aggregateSeqs(org, agg string, at AsOf) ([]uint64, error) {
	prefix := key(famIndex, "agg/", org, "/", agg, byte(0))
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []uint64
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		if len(k) != len(prefix)+8 {
			continue
		}
		n := binary.BigEndian.Uint64(k[len(prefix):])
		if at.Seq > 0 && n > at.Seq {
			break
		}
		out = append(out, n)
	}
	return out, it.Error()
}

// fold applies projection pr, in memory, to the org's events with the given
// sequences (sorted, duplicates dropped) that count as of at.
func (s *Store) fold(tx *Tx, pr Projection, org string, seqs []uint64, at AsOf) error {
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	evs, err := s.eventReader(org)
	if err != nil {
		return err
	}
	defer evs.Close()
	var last uint64
	for _, n := range seqs {
		if n == last {
			continue
		}
		last = n
		env, p, err := decodedEvent(evs, org, n)
		if err != nil {
			return err
		}
		if !at.includes(env.Seq, env.Date) {
			continue
		}
		if err := pr.Apply(tx, env, p); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------------
// Budget vs actual

// BudgetExecution is a year's budget against spending (预算执行情况), per
// budget line and per account.
type BudgetExecution struct {
	Org                string              `json:"org"`
	Name               string              `json:"name"`
	Chart              ChartLabel          `json:"chart"`
	Year               string              `json:"year"`
	Status             ledger.BudgetStatus `json:"status"`
	FundsReviewOpinion string              `json:"funds_review_opinion,omitempty"`
	Approval           *events.ApprovalDoc `json:"approval,omitempty"`
	Adjustments        []string            `json:"adjustments"`
	// Lines are the lines in force (empty until approved), in account order.
	Lines []BudgetExecutionLine `json:"lines"`
	// Unbudgeted lists expense accounts with spending in the year that no
	// line covers (the budget-first rule refuses such spending, so this
	// stays empty unless the budget was never approved).
	Unbudgeted []ReportLine  `json:"unbudgeted"`
	Totals     BudgetAmounts `json:"totals"`
}

// BudgetAmounts are a line's (or the total's) approved, adjusted, spent and
// remaining amounts.
type BudgetAmounts struct {
	ApprovedFen  events.Fen `json:"approved_fen"`
	Approved     string     `json:"approved"`
	AdjustedFen  events.Fen `json:"adjusted_fen"`
	Adjusted     string     `json:"adjusted"`
	SpentFen     events.Fen `json:"spent_fen"`
	Spent        string     `json:"spent"`
	RemainingFen events.Fen `json:"remaining_fen"`
	Remaining    string     `json:"remaining"`
}

func budgetAmounts(approved, adjusted, spent events.Fen) BudgetAmounts {
	return BudgetAmounts{approved, approved.Yuan(), adjusted, adjusted.Yuan(), spent, spent.Yuan(), adjusted - spent, (adjusted - spent).Yuan()}
}

// BudgetExecutionLine is one budget line: the amounts and the spending on
// each account it covers.
type BudgetExecutionLine struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	BudgetAmounts
	Accounts []ReportLine `json:"accounts"`
}

// BudgetVsActualAsOf reports a year's budget against spending as of at:
// the budget as its events up to the point made it, and spending posted in
// the year up to the point. Now (at zero) it is BudgetVsActual's report.
func (s *Store) BudgetVsActualAsOf(org, year string, at AsOf) (BudgetExecution, error) {
	info, chart, err := s.orgChart(org)
	if err != nil {
		return BudgetExecution{}, err
	}
	net, err := s.periodNet(org, chart, year+"-01-01", year+"-12-31", at)
	if err != nil {
		return BudgetExecution{}, err
	}
	var rep BudgetReport
	if at == (AsOf{}) {
		if rep, err = s.BudgetVsActual(org, year); err != nil {
			return BudgetExecution{}, err
		}
	} else if rep, err = s.budgetAsOf(org, year, chart, net, at); err != nil {
		return BudgetExecution{}, err
	}
	out := BudgetExecution{Org: org, Name: info.Name, Chart: chartLabel(chart.Version), Year: year, Status: rep.Status,
		FundsReviewOpinion: rep.FundsReviewOpinion, Approval: rep.Approval, Adjustments: rep.Adjustments,
		Lines: []BudgetExecutionLine{}, Unbudgeted: []ReportLine{}}
	if out.Adjustments == nil {
		out.Adjustments = []string{}
	}
	covered := map[string]bool{}
	var tot [3]events.Fen
	for _, l := range rep.Lines {
		bl := BudgetExecutionLine{Code: l.Account.Code, NameZH: l.Account.NameZH, NameEN: l.Account.NameEN,
			BudgetAmounts: budgetAmounts(l.Approved, l.Adjusted, l.Spent), Accounts: []ReportLine{}}
		for _, code := range ledger.LineAccounts(chart, l.Account.Code) {
			covered[code] = true
			if !chart.Postable(code) {
				continue
			}
			a, _ := chart.Account(code)
			v := net[code]
			bl.Accounts = append(bl.Accounts, ReportLine{Code: code, NameZH: a.NameZH, NameEN: a.NameEN, AmountFen: v, Amount: v.Yuan()})
		}
		tot[0], tot[1], tot[2] = tot[0]+l.Approved, tot[1]+l.Adjusted, tot[2]+l.Spent
		out.Lines = append(out.Lines, bl)
	}
	for _, a := range chart.Accounts() {
		if a.Class != events.Expense || covered[a.Code] || net[a.Code] == 0 {
			continue
		}
		v := net[a.Code]
		out.Unbudgeted = append(out.Unbudgeted, ReportLine{Code: a.Code, NameZH: a.NameZH, NameEN: a.NameEN, AmountFen: v, Amount: v.Yuan()})
	}
	out.Totals = budgetAmounts(tot[0], tot[1], tot[2])
	return out, nil
}

// budgetAsOf folds the year's budget events up to at with the budgets
// projection, in memory, and reports it as BudgetVsActual does, with net,
// the spending of the year as of at.
func (s *Store) budgetAsOf(org, year string, chart events.Chart, net map[string]events.Fen, at AsOf) (BudgetReport, error) {
	seqs, err := s.aggregateSeqs(org, "budget:"+year, at)
	if err != nil {
		return BudgetReport{}, err
	}
	tx := memTx()
	if err := s.fold(tx, budgets{}, org, seqs, at); err != nil {
		return BudgetReport{}, err
	}
	var r budgetRec
	if ok, err := getJSON(tx, budgetKey(org, year), &r); err != nil {
		return BudgetReport{}, err
	} else if !ok {
		return BudgetReport{}, ledger.Errorf(ledger.CodeNotFound, "org %q has no budget for %q", org, year)
	}
	return budgetReport(r, year, chart, func(line string) (events.Fen, error) {
		var spent events.Fen
		for _, code := range ledger.LineAccounts(chart, line) {
			spent += net[code]
		}
		return spent, nil
	})
}

// ---------------------------------------------------------------------
// Welfare per member against the caps

// WelfareReport is what each member received in a calendar year against the
// welfare caps in force (福利发放与标准).
type WelfareReport struct {
	Org  string `json:"org"`
	Name string `json:"name"`
	Year string `json:"year"`
	// Province is the policy's; empty when no policy was adopted for the
	// year (then nothing is capped).
	Province string `json:"province,omitempty"`
	// Source is the document the policy comes from.
	Source string `json:"source,omitempty"`
	// Caps are the policy's caps: per occasion, then per festival (and
	// "(other)" for festivals without their own cap); Forms
	// and Festivals what it allows.
	Caps      []WelfareCap          `json:"caps"`
	Forms     []string              `json:"forms"`
	Festivals []string              `json:"festivals"`
	Members   []WelfareMemberReport `json:"members"`
}

// WelfareCap is one cap of the policy in force: the most one member may
// receive in the year for an occasion, or for one festival.
type WelfareCap struct {
	Occasion string     `json:"occasion"`
	Festival string     `json:"festival,omitempty"`
	CapFen   events.Fen `json:"cap_fen"`
	Cap      string     `json:"cap"`
}

// WelfareCapLine is one cap, or one member's line against it.
type WelfareCapLine struct {
	Occasion string `json:"occasion"`
	Festival string `json:"festival,omitempty"`
	// Granted counts rounds planned or paid (not cancelled or rejected).
	GrantedFen events.Fen `json:"granted_fen"`
	Granted    string     `json:"granted"`
	Capped     bool       `json:"capped"`
	CapFen     events.Fen `json:"cap_fen"`
	Cap        string     `json:"cap"`
	// Remaining is Cap − Granted when Capped; Over when Granted > Cap.
	RemainingFen events.Fen `json:"remaining_fen"`
	Remaining    string     `json:"remaining"`
	Over         bool       `json:"over"`
}

// WelfareMemberReport is one member's year.
type WelfareMemberReport struct {
	Member string            `json:"member"`
	Lines  []WelfareCapLine  `json:"lines"`
	Rounds []WelfareRoundRef `json:"rounds"`
}

// WelfareByMember reports the welfare each member received in year (or only
// member, when not empty) against the caps in force, as of at. Members are
// those named by a round of the year, in id order. Now (at zero) each
// member's lines are WelfareReceived's.
func (s *Store) WelfareByMember(org, year, member string, at AsOf) (WelfareReport, error) {
	info, _, err := s.orgChart(org)
	if err != nil {
		return WelfareReport{}, err
	}
	out := WelfareReport{Org: org, Name: info.Name, Year: year, Caps: []WelfareCap{}, Forms: []string{}, Festivals: []string{}, Members: []WelfareMemberReport{}}
	// The year's rounds, from the current state; as of a point, only those
	// the folded state knows.
	var rounds []ledger.WelfareRoundInfo
	prefix := key(famProj, "welfare/round/", org, "/")
	if err := s.welfareScan(prefix, func(_, v []byte) error {
		var r ledger.WelfareRoundInfo
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("projections: corrupt welfare round record: %w", err)
		}
		if len(r.Date) >= 4 && r.Year() == year {
			rounds = append(rounds, r)
		}
		return nil
	}); err != nil {
		return out, err
	}
	var g getter = s
	if at != (AsOf{}) {
		seqs, err := s.aggregateSeqs(org, "welfare-policy:"+year, at)
		if err != nil {
			return out, err
		}
		for _, r := range rounds {
			for _, agg := range []string{"welfare-round:" + r.Round, "expense:" + r.Expense} {
				more, err := s.aggregateSeqs(org, agg, at)
				if err != nil {
					return out, err
				}
				seqs = append(seqs, more...)
			}
		}
		tx := memTx()
		if err := s.fold(tx, welfare{}, org, seqs, at); err != nil {
			return out, err
		}
		g = tx
		kept := rounds[:0]
		for _, r := range rounds {
			var f ledger.WelfareRoundInfo
			if ok, err := getJSON(tx, welfareRoundKey(org, r.Round), &f); err != nil {
				return out, err
			} else if ok {
				kept = append(kept, f)
			}
		}
		rounds = kept
	}
	v := view{g: g}
	pol, havePol, err := v.WelfarePolicy(org, year)
	if err != nil {
		return out, err
	}
	if havePol {
		out.Province = pol.Province
		for _, c := range pol.Caps {
			out.Caps = append(out.Caps, WelfareCap{Occasion: c.Occasion, CapFen: c.Amount, Cap: c.Amount.Yuan()})
		}
		for _, c := range pol.FestivalCaps {
			out.Caps = append(out.Caps, WelfareCap{Occasion: events.OccasionFestival, Festival: c.Festival, CapFen: c.Amount, Cap: c.Amount.Yuan()})
		}
		if pol.OtherFestivalCap > 0 {
			out.Caps = append(out.Caps, WelfareCap{Occasion: events.OccasionFestival, Festival: "(other)", CapFen: pol.OtherFestivalCap, Cap: pol.OtherFestivalCap.Yuan()})
		}
		out.Source = pol.Source
		out.Forms = append(out.Forms, pol.Forms...)
		out.Festivals = append(out.Festivals, pol.Festivals...)
	}
	// Members named by the year's rounds, in id order, each with the ids of
	// their rounds.
	byMember := map[string][]ledger.WelfareRoundInfo{}
	var members []string
	for _, r := range rounds {
		for _, m := range r.Members {
			if member != "" && m != member {
				continue
			}
			if _, ok := byMember[m]; !ok {
				members = append(members, m)
			}
			byMember[m] = append(byMember[m], r)
		}
	}
	sort.Strings(members)
	for _, m := range members {
		var st WelfareStatement
		if at == (AsOf{}) {
			if st, err = s.WelfareReceived(org, m, year); err != nil {
				return out, err
			}
		} else if st, err = welfareStatement(v, org, m, year, pol, havePol, byMember[m]); err != nil {
			return out, err
		}
		mr := WelfareMemberReport{Member: m, Lines: []WelfareCapLine{}, Rounds: st.Rounds}
		for _, l := range st.Lines {
			mr.Lines = append(mr.Lines, capLine(l.Occasion, l.Festival, l.Granted, l.Cap, l.Capped))
		}
		out.Members = append(out.Members, mr)
	}
	return out, nil
}

func capLine(occasion, festival string, granted, limit events.Fen, capped bool) WelfareCapLine {
	l := WelfareCapLine{Occasion: occasion, Festival: festival, GrantedFen: granted, Granted: granted.Yuan(), Capped: capped}
	if capped {
		l.CapFen, l.Cap = limit, limit.Yuan()
		l.RemainingFen, l.Remaining = limit-granted, (limit - granted).Yuan()
		l.Over = granted > limit
	}
	return l
}

// welfareStatement is WelfareReceived over any state (the folded, as-of
// one): the policy's capped lines and every line the member was granted,
// sorted by occasion then festival, and the member's rounds in id order.
func welfareStatement(v view, org, member, year string, pol ledger.WelfarePolicy, havePol bool, rounds []ledger.WelfareRoundInfo) (WelfareStatement, error) {
	out := WelfareStatement{Member: member, Year: year, Lines: []WelfareLine{}, Rounds: []WelfareRoundRef{}}
	type lk struct{ occ, fest string }
	wl := newWelfareLines(pol, havePol)
	if havePol {
		out.Province = pol.Province
	}
	seen := map[lk]bool{}
	for _, r := range rounds {
		keys := []lk{{r.Occasion, ""}}
		if r.Festival != "" {
			keys = append(keys, lk{r.Occasion, r.Festival})
		}
		for _, k := range keys {
			if seen[k] {
				continue
			}
			seen[k] = true
			g, err := v.WelfareGranted(org, member, year, k.occ, k.fest)
			if err != nil {
				return out, err
			}
			if g != 0 {
				wl.line(k.occ, k.fest).Granted = g
			}
		}
	}
	out.Lines = wl.sorted()
	sort.Slice(rounds, func(i, j int) bool { return rounds[i].Round < rounds[j].Round })
	for _, r := range rounds {
		out.Rounds = append(out.Rounds, WelfareRoundRef{Round: r.Round, Occasion: r.Occasion, Festival: r.Festival,
			Standard: r.Standard, Date: r.Date, Status: r.Status})
	}
	return out, nil
}
