// Package demo generates a deterministic demo union: the trade union of a
// city hospital (市第一人民医院工会) over one to three years, as ordinary
// commands that follow every rule of the ledger. Members are registered with
// (generated) personal data that the ledger seals; dues are assessed from
// each member's wage; the employer's allocation is split 60/40 and the upper
// share remitted; annual budgets go through the whole chain; festival gifts
// are welfare rounds under Anhui's policy (goods only); hardship relief cases
// go from application through a public notice to the chair's signature;
// large expenses rest on recorded collective decisions; months and years are
// closed, one mistaken receipt is reversed, the funds-review committee
// audits the books, and the disclosure board is kept.
//
// The generator is pure: the same seed and profile always give the same
// commands with the same ids, so loading the demo twice writes nothing the
// second time. It also exposes its inputs (wages, receipts, expenses…), so
// a test can compute what the ledger must show with its own arithmetic.
package demo

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// Org is the demo union's org name.
const Org = "demo-hospital"

// The demo's officers (person ids).
const (
	Admin     = "p-admin"
	Treasurer = "p-treasurer"
	Chair     = "p-chair"
	Review    = "p-review"
	Relief    = "p-relief"
	Auditor   = "p-auditor"
)

// Committee are the union committee members (工会委员). The first records
// decisions and relief decisions; the others attend and approve.
var committee = [...]string{"p-committee-1", "p-committee-2", "p-committee-3"}

// Committee returns the committee members' person ids.
func Committee() []string { return committee[:] }

// ChairKeyID is the id under which the demo chair's key is registered.
const ChairKeyID = "k-demo-chair"

// ChairKey is the demo chair's signing key for a seed. It is derived from a
// public string and the seed, so anyone can recompute it: the key is public
// and for the demo only. In real use the chair's private key never reaches
// the ledger: the chair makes it with `unionledger keygen`, keeps it, and
// signs with `unionledger sign`; the ledger holds only the public half.
func ChairKey(seed uint64) ed25519.PrivateKey {
	s := sha256.Sum256(fmt.Appendf(nil, "unionledger demo chair key (public, demo only) seed=%d", seed))
	return ed25519.NewKeyFromSeed(s[:])
}

// Profile sizes the demo.
type Profile struct {
	Members int // union members (会员), at most 9999
	From    int // first year
	Years   int // number of years, from January of From
}

// Profiles.
var (
	// Small is what `serve --demo` loads at start-up: quick, one year.
	Small = Profile{Members: 60, From: 2025, Years: 1}
	// Medium is two years of a smaller union: the race-detector test.
	Medium = Profile{Members: 150, From: 2024, Years: 2}
	// Full is the realistic size: about 800 members over 2024–2026.
	Full = Profile{Members: 800, From: 2024, Years: 3}
)

// Threshold is the demo union's collective-decision threshold: expenses
// above it go to the union committee (集体研究) before the chair signs.
const Threshold events.Fen = 2000000 // 20,000.00 yuan

// RetainedBP is the allocation split policy: 60% stays, 40% is remitted.
const RetainedBP = 6000

// Member is a union member with their generated personal data and wages.
type Member struct {
	ID    string
	Name  string // generated; sealed by the ledger, shown only masked
	Phone string // generated; sealed
	// Staff members (在编) of the public hospital pay dues on their basic
	// salary (基本工资); contract staff on their whole wage.
	Staff bool
	// Wage is the whole monthly wage and Basic the basic salary, in fen,
	// per year of the profile (index year − From).
	Wage, Basic []events.Fen
}

// DuesBase is the wage the member's dues are assessed on in year index y.
func (m Member) DuesBase(y int) events.Fen {
	if m.Staff {
		return m.Basic[y]
	}
	return m.Wage[y]
}

// Dues is one dues receipt as the generator records it: the ledger assesses
// the amount from Wage.
type Dues struct {
	Member, Period, Date string
	Wage                 events.Fen
	Basis                string
}

// Allocation is the employer's quarterly allocation (拨缴经费): 2% of the
// quarter's wage bill, received on Date and its upper share remitted on
// RemitDate.
type Allocation struct {
	Period, Date, RemitDate string
	WageBill                events.Fen
}

// Income is an upper-level subsidy.
type Income struct {
	Account, Date, Payer, Memo string
	Amount                     events.Fen
}

// Expense is an ordinary expense, paid on Paid.
type Expense struct {
	ID, Account, Payee, Purpose string
	Amount                      events.Fen
	Requested, Paid             string
	Decision                    string // the collective decision, above Threshold
}

// Round is a welfare round (festival gifts), paid on Paid.
type Round struct {
	ID, Festival, Date, Paid, Decision string
	Standard                           events.Fen
	Members                            []string
}

// Account of every welfare round: 50104 其他活动支出.
const RoundAccount = "50104"

// Case is a hardship relief case, granted and paid.
type Case struct {
	ID, Person, Kind, Applied, Paid string
	NoticeStart, NoticeEnd          string
	Amount, Granted                 events.Fen
}

// Account is the expense account relief of the case's kind is paid from.
func (c Case) Account() string {
	if c.Kind == "warmth" {
		return "50205"
	}
	return "50204"
}

// Step is one command of the load. A step with Reverses set is a reversal
// (红字冲销) of the first money event of the command with that id: its org
// sequence is known only once that command is recorded, so Load fills the
// command's "seq" then.
type Step struct {
	Command  ledger.Command
	Reverses string
}

// Phase is a set of lanes that may run concurrently; each lane's steps
// depend on each other and run in order. Phases run one after another.
type Phase struct {
	Name  string
	Lanes [][]Step
}

// Demo is a generated demo: its inputs and the phases of commands.
type Demo struct {
	Seed    uint64
	Profile Profile
	Members []Member
	// Dues are every dues receipt except the mistake.
	Dues []Dues
	// Mistake is a dues receipt entered twice; the second entry is reversed.
	Mistake     Dues
	Allocations []Allocation
	Subsidies   []Income
	Expenses    []Expense
	Rounds      []Round
	Cases       []Case
	// Budgets are the approved budget lines per year: account → amount.
	Budgets map[int]map[string]events.Fen
	Phases  []Phase

	rng     *rand.Rand
	receipt map[string]int
	phase   *Phase
}

// New generates the demo for a seed and profile.
func New(seed uint64, p Profile) *Demo {
	if p.Members < 1 || p.Members > 9999 || p.Years < 1 || p.From < 2000 {
		panic(fmt.Sprintf("demo: bad profile %+v", p))
	}
	d := &Demo{Seed: seed, Profile: p, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		receipt: map[string]int{}, Budgets: map[int]map[string]events.Fen{}}
	d.members()
	d.plan()
	d.commands()
	return d
}

// Commands counts the commands of the demo.
func (d *Demo) Commands() int {
	n := 0
	for _, ph := range d.Phases {
		for _, l := range ph.Lanes {
			n += len(l)
		}
	}
	return n
}

// ---------------------------------------------------------------------
// Inputs

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢")
	given    = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅琳凤建国文海波云雪婷晨晓宇浩然思雨欣怡佳慧")
)

func (d *Demo) members() {
	for i := range d.Profile.Members {
		name := []rune{surnames[d.rng.IntN(len(surnames))], given[d.rng.IntN(len(given))]}
		if d.rng.IntN(4) != 0 {
			name = append(name, given[d.rng.IntN(len(given))])
		}
		m := Member{ID: fmt.Sprintf("m%04d", i+1), Name: string(name),
			Phone: fmt.Sprintf("1%d%09d", []int{3, 5, 8}[d.rng.IntN(3)], d.rng.Int64N(1e9)),
			Staff: d.rng.IntN(10) < 7}
		var wage, basic events.Fen
		if m.Staff {
			basic = events.Fen(2500+d.rng.Int64N(3000)) * 100
			wage = basic + events.Fen(4000+d.rng.Int64N(8000))*100
		} else {
			wage = events.Fen(4500+d.rng.Int64N(6500)) * 100
			basic = wage
		}
		for range d.Profile.Years {
			m.Wage, m.Basic = append(m.Wage, wage), append(m.Basic, basic)
			wage, basic = wage*103/100, basic*103/100 // a yearly raise of 3%
		}
		d.Members = append(d.Members, m)
	}
}

// Masked is a name as the disclosure board shows it: 张*明, 张*.
func Masked(name string) string {
	r := []rune(name)
	if len(r) <= 2 {
		return string(r[:1]) + "*"
	}
	return string(r[:1]) + "*" + string(r[len(r)-1:])
}

// festivals are the welfare rounds of a year: the festival, its standard
// per member, and the distribution day (within a month, days 5–26).
type festival struct {
	name     string
	standard events.Fen
	dates    map[int]string
	fallback string // MM-DD for years not listed
}

var festivals = []festival{
	{"spring_festival", 40000, map[int]string{2023: "2023-01-12", 2024: "2024-02-05", 2025: "2025-01-20", 2026: "2026-02-09", 2027: "2027-01-28"}, "01-25"},
	{"dragon_boat", 20000, map[int]string{2023: "2023-06-16", 2024: "2024-06-05", 2025: "2025-05-26", 2026: "2026-06-15", 2027: "2027-06-07"}, "06-10"},
	{"mid_autumn", 40000, map[int]string{2023: "2023-09-22", 2024: "2024-09-10", 2025: "2025-09-24", 2026: "2026-09-18", 2027: "2027-09-10"}, "09-15"},
}

// reliefSlots are the months and kinds of each year's relief cases.
var reliefSlots = []struct {
	month int
	kind  string
}{{1, "warmth"}, {4, "medical"}, {8, "education"}, {11, "hardship"}, {6, "accident"}, {10, "hardship"}}

func date(y, m, day int) string { return fmt.Sprintf("%04d-%02d-%02d", y, m, day) }
func month(y, m int) string     { return fmt.Sprintf("%04d-%02d", y, m) }

func addDays(d string, n int) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		panic(err) // generated dates
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// monday is the first Monday on or after day of the month.
func monday(y, m, day int) string {
	t := time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)
	for t.Weekday() != time.Monday {
		t = t.AddDate(0, 0, 1)
	}
	return t.Format(time.DateOnly)
}

func (d *Demo) amount(lo, hi int64) events.Fen { return events.Fen(lo+d.rng.Int64N(hi-lo+1)) * 100 }

func (d *Demo) plan() {
	p := d.Profile
	n := int64(len(d.Members))
	late := map[string]string{} // member/period paid late → date
	used := map[string]bool{}   // relief beneficiaries
	for y := range p.Years {
		year := p.From + y
		for mo := 1; mo <= 12; mo++ {
			per := month(year, mo)
			for i, m := range d.Members {
				basis := events.DuesBasisWage
				if m.Staff {
					basis = events.DuesBasisBasicSalary
				}
				r := Dues{Member: m.ID, Period: per, Date: date(year, mo, 5+i%20), Wage: m.DuesBase(y), Basis: string(basis)}
				// A few members pay late (欠缴): the month's dues come with
				// the next month's, or never within the demo's span.
				if d.rng.IntN(150) == 0 {
					if mo == 12 && y == p.Years-1 {
						continue // still in arrears at the end
					}
					ny, nm := year, mo+1
					if nm > 12 {
						ny, nm = year+1, 1
					}
					r.Date = date(ny, nm, 26)
					late[m.ID+"/"+per] = r.Date
				}
				d.Dues = append(d.Dues, r)
			}
			if mo%3 == 1 {
				var bill events.Fen
				for _, m := range d.Members {
					bill += m.Wage[y] * 3
				}
				d.Allocations = append(d.Allocations, Allocation{Period: per, Date: date(year, mo, 10), RemitDate: date(year, mo, 20), WageBill: bill})
			}
		}
		if y == 0 {
			d.Subsidies = append(d.Subsidies, Income{Account: "40301", Date: date(year, 1, 6), Payer: "市总工会", Memo: "上年度经费回拨 (return of last year's upper share)", Amount: events.Fen(n) * 30000})
		}
		d.Subsidies = append(d.Subsidies,
			Income{Account: "40305", Date: date(year, 1, 8), Payer: "市总工会", Memo: "送温暖专项 (Spring Festival warmth fund)", Amount: events.Fen(5000+n*10) * 100},
			Income{Account: "40304", Date: date(year, 3, 12), Payer: "市总工会", Memo: "困难职工帮扶资金 (hardship relief fund)", Amount: events.Fen(10000+n*20) * 100})

		// Ordinary expenses: monthly club activities, the members'
		// congress, the sports meeting, training, publicity.
		add := func(mo, day int, account, payee, purpose string, amt events.Fen) {
			e := Expense{ID: fmt.Sprintf("E-%d-%02d-%s-%d", year, mo, account, day), Account: account, Payee: payee, Purpose: purpose,
				Amount: amt, Requested: date(year, mo, day), Paid: date(year, mo, day+4)}
			if amt > Threshold {
				e.Decision = "D-" + e.ID
			}
			d.Expenses = append(d.Expenses, e)
		}
		for mo := 1; mo <= 12; mo++ {
			add(mo, 14, "50102", "市全民健身中心", "科室羽毛球、篮球活动 (department badminton and basketball)", d.amount(500+n, 800+n*3))
		}
		add(3, 15, "50302", "市会议中心", "职工代表大会暨会员代表大会 (staff and members' congress)", events.Fen(5000+n*15)*100)
		add(4, 16, "50101", "市职工大学", "医护技能竞赛培训 (clinical skills training)", d.amount(2000+n*5, 3000+n*12))
		add(5, 17, "50104", "市体育中心", "职工运动会 (staff sports meeting)", events.Fen(2000+n*60)*100)
		add(7, 15, "50103", "市印刷厂", "院务公开栏、工会简报 (notice boards and union bulletin)", d.amount(1000, 1000+n*8))
		add(9, 16, "50301", "省总工会干部学校", "工会干部培训 (training of union officers)", d.amount(2000+n*5, 4000+n*10))
		add(10, 15, "50102", "市全民健身中心", "秋季健步走 (autumn walking event)", events.Fen(1000+n*20)*100)

		// Festival gifts, in rounds of at most 500 members.
		for _, f := range festivals {
			day, ok := f.dates[year]
			if !ok {
				day = fmt.Sprintf("%d-%s", year, f.fallback)
			}
			chunks := (len(d.Members) + 499) / 500
			for c := range chunks {
				lo, hi := c*len(d.Members)/chunks, (c+1)*len(d.Members)/chunks
				var ids []string
				for _, m := range d.Members[lo:hi] {
					ids = append(ids, m.ID)
				}
				r := Round{ID: fmt.Sprintf("W-%d-%s-%d", year, f.name, c+1), Festival: f.name, Date: day, Paid: addDays(day, -1),
					Standard: f.standard, Members: ids}
				if r.Standard*events.Fen(len(ids)) > Threshold {
					r.Decision = "D-" + r.ID
				}
				d.Rounds = append(d.Rounds, r)
			}
		}

		// Hardship relief: one case per 200 members a year, at least two.
		cases := max(2, len(d.Members)/200)
		for i, s := range reliefSlots[:min(cases, len(reliefSlots))] {
			var who string
			for {
				who = d.Members[d.rng.IntN(len(d.Members))].ID
				if !used[who] {
					used[who] = true
					break
				}
			}
			start := monday(year, s.month, 6)
			amt := d.amount(20, 60) * 100
			c := Case{ID: fmt.Sprintf("R-%d-%d", year, i+1), Person: who, Kind: s.kind, Applied: date(year, s.month, 2),
				NoticeStart: start, NoticeEnd: addDays(start, 4), Amount: amt, Granted: amt - events.Fen(d.rng.IntN(3))*50000}
			c.Paid = addDays(start, 9)
			d.Cases = append(d.Cases, c)
		}

		// The budget: what the year plans to spend, with a margin.
		spend := map[string]events.Fen{}
		for _, e := range d.Expenses {
			if e.Paid[:4] == fmt.Sprint(year) {
				spend[e.Account[:3]] += e.Amount
			}
		}
		for _, r := range d.Rounds {
			if r.Paid[:4] == fmt.Sprint(year) {
				spend[RoundAccount[:3]] += r.Standard * events.Fen(len(r.Members))
			}
		}
		for _, c := range d.Cases {
			if c.Paid[:4] == fmt.Sprint(year) {
				spend[c.Account()[:3]] += c.Granted
			}
		}
		lines := map[string]events.Fen{}
		for a, v := range spend {
			lines[a] = (v*11/10/1000000 + 1) * 1000000 // +10%, up to whole 10,000 yuan
		}
		d.Budgets[year] = lines
	}
	// The mistake: the first member's dues for June of the first year are
	// entered twice (a second receipt number); the second entry is reversed.
	for _, r := range d.Dues {
		if r.Period == month(p.From, 6) && late[r.Member+"/"+r.Period] == "" {
			d.Mistake = r
			d.Mistake.Date = addDays(r.Date, 1)
			break
		}
	}
}

// ---------------------------------------------------------------------
// Commands

func (d *Demo) cmd(id, typ, actor, date string, data any) Step {
	b, err := json.Marshal(data)
	if err != nil {
		panic(err) // static shapes: cannot fail
	}
	return Step{Command: ledger.Command{ID: fmt.Sprintf("demo%d-%s", d.Seed, id), Type: typ, Org: Org, Actor: actor, Date: date, Data: b}}
}

func (d *Demo) begin(name string) {
	d.Phases = append(d.Phases, Phase{Name: name})
	d.phase = &d.Phases[len(d.Phases)-1]
}
func (d *Demo) lane(steps ...Step) {
	if len(steps) > 0 {
		d.phase.Lanes = append(d.phase.Lanes, steps)
	}
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func receiptOf(book string, n int) map[string]string {
	return map[string]string{"book": book, "number": fmt.Sprintf("%06d", n)}
}

func (d *Demo) nextReceipt(book string) map[string]string {
	d.receipt[book]++
	return receiptOf(book, d.receipt[book])
}

func (d *Demo) approve(id, date string, t ledger.ExpenseTerms) Step {
	t.Org = Org
	return d.cmd(id, "approve_expense", Chair, date, map[string]string{
		"expense": t.Expense, "key": ChairKeyID, "signature": ledger.Sign(ChairKey(d.Seed), ledger.ApprovalStatement(t))})
}

func (d *Demo) decision(id, held string, expenses ...string) Step {
	data := map[string]any{"decision": id, "meeting": "工会委员会会议 " + held + " (union committee meeting)", "held": held,
		"attendees": append(Committee(), Chair), "minutes_hash": sha("demo minutes " + id)}
	if len(expenses) > 0 {
		data["expenses"] = expenses
	}
	return d.cmd(id, "record_decision", committee[0], held, data)
}

// disclose is the lifecycle of a disclosure item: drafted, approved by a
// committee member, published by the chair on the publication date.
func (d *Demo) disclose(item, kind, title, drafter, drafted, published string, body any) []Step {
	return []Step{
		d.cmd("disc-"+item+"-draft", "draft_disclosure", drafter, drafted, map[string]any{"item": item, "kind": kind, "title": title, "body": body}),
		d.cmd("disc-"+item+"-approve", "approve_disclosure", committee[1], drafted, map[string]string{"item": item}),
		d.cmd("disc-"+item+"-publish", "publish_disclosure", Chair, published, map[string]string{"item": item}),
	}
}

func (d *Demo) commands() {
	p := d.Profile
	first := p.From
	d.begin("union")
	officers := []map[string]string{{"person": Treasurer, "role": "treasurer"}, {"person": Chair, "role": "chair"},
		{"person": Review, "role": "review"}, {"person": Relief, "role": "relief_officer"}, {"person": Auditor, "role": "auditor"}}
	for _, c := range committee {
		officers = append(officers, map[string]string{"person": c, "role": "committee"})
	}
	start := date(first, 1, 1)
	d.lane(
		d.cmd("open", "open_org", Admin, start, map[string]any{"name": "市第一人民医院工会", "chart": "2010", "officers": officers}),
		d.cmd("chair-key", "register_key", Admin, start, map[string]string{
			"person": Chair, "key": ChairKeyID, "public": base64.StdEncoding.EncodeToString(ChairKey(d.Seed).Public().(ed25519.PublicKey))}),
		d.cmd("threshold", "set_collective_threshold", Admin, start, map[string]string{"amount": Threshold.Yuan()}),
		d.cmd("split", "set_allocation_split", Admin, start, map[string]any{"retained_bp": RetainedBP, "reference": "上级工会经费分成办法 (60% retained, 40% remitted)"}),
	)
	d.begin("members")
	for _, m := range d.Members {
		d.lane(
			d.cmd("reg-"+m.ID, "register_person", Admin, start, map[string]string{"person": m.ID, "name": m.Name, "phone": m.Phone}),
			d.cmd("member-"+m.ID, "grant_role", Admin, start, map[string]string{"person": m.ID, "role": string(events.RoleMember)}))
	}

	names := map[string]string{}
	for _, m := range d.Members {
		names[m.ID] = m.Name
	}
	var lastSummary string
	for y := range p.Years {
		year := p.From + y
		ys := fmt.Sprint(year)
		d.begin(ys + " budget and policy")
		var lines []map[string]string
		for _, a := range []string{"501", "502", "503"} {
			if v := d.Budgets[year][a]; v > 0 {
				lines = append(lines, map[string]string{"account": a, "amount": v.Yuan()})
			}
		}
		bd := date(year, 1, 2)
		d.lane(
			d.cmd("budget-"+ys+"-draft", "draft_budget", Treasurer, bd, map[string]any{"year": ys, "lines": lines, "note": ys + "年度工会经费收支预算"}),
			d.cmd("budget-"+ys+"-committee", "review_budget", committee[0], bd, map[string]any{"year": ys, "stage": events.StageCommittee, "outcome": events.OutcomePass}),
			d.cmd("budget-"+ys+"-funds-review", "review_budget", Review, bd, map[string]any{"year": ys, "stage": events.StageFundsReview, "outcome": events.OutcomePass, "opinion": "经审会审查同意 (approved by the funds-review committee)"}),
			d.cmd("budget-"+ys+"-approve", "approve_budget", Admin, bd, map[string]any{"year": ys, "document": map[string]string{
				"number": "市总工会批复〔" + ys + "〕1号", "sha256": sha("demo budget approval " + ys)}}),
		)
		d.lane(d.cmd("welfare-policy-"+ys, "adopt_welfare_policy", Chair, date(year, 1, 1), map[string]any{
			"province": "安徽", "year": ys,
			"caps": map[string]string{events.OccasionFestival: "2000.00", events.OccasionBirthday: "300.00", events.OccasionMarriage: "600.00",
				events.OccasionBirth: "600.00", events.OccasionHospital: "1000.00", events.OccasionHospitalSurgery: "2000.00",
				events.OccasionDeathMember: "2000.00", events.OccasionDeathRelative: "1000.00", events.OccasionRetirement: "1000.00"},
			"festivals": []string{"new_year", "spring_festival", "qingming", "labour_day", "dragon_boat", "mid_autumn", "national_day"},
			"forms":     []string{events.FormGoods}, "source": "安徽省基层工会经费收支管理实施办法 (goods only: no cash, cards or vouchers)"}))

		for mo := 1; mo <= 12; mo++ {
			per := month(year, mo)
			d.begin(per + " receipts")
			for _, r := range d.Dues {
				if r.Date[:7] == per {
					d.lane(d.dues("dues-"+r.Period+"-"+r.Member, r))
				}
			}
			if d.Mistake.Date[:7] == per {
				d.lane(d.dues("dues-mistake-"+d.Mistake.Period+"-"+d.Mistake.Member, d.Mistake))
			}
			for _, a := range d.Allocations {
				if a.Date[:7] == per {
					d.lane(d.cmd("alloc-"+a.Period, "receive_allocation", Treasurer, a.Date, map[string]any{
						"period": a.Period, "wage_bill": a.WageBill.Yuan(), "amount": ledger.AllocationDue(a.WageBill).Yuan(),
						"receipt": d.nextReceipt("ALLOC-" + a.Date[:4])}))
				}
			}
			for _, s := range d.Subsidies {
				if s.Date[:7] == per {
					d.lane(d.cmd("subsidy-"+s.Date+"-"+s.Account, "receive_subsidy", Treasurer, s.Date, map[string]any{
						"account": s.Account, "amount": s.Amount.Yuan(), "payer": s.Payer, "memo": s.Memo, "receipt": d.nextReceipt("SUB-" + s.Date[:4])}))
				}
			}

			d.begin(per + " spending")
			for _, a := range d.Allocations {
				if a.RemitDate[:7] == per {
					_, remitted := ledger.SplitAllocation(ledger.AllocationDue(a.WageBill), RetainedBP)
					d.lane(d.cmd("remit-"+a.Period, "remit_allocation", Treasurer, a.RemitDate, map[string]any{
						"amount": remitted.Yuan(), "to": "市总工会 (city federation of trade unions)", "period": a.Period,
						"reference": "上解 " + a.Period}))
				}
			}
			if d.Mistake.Date[:7] == per {
				r := d.cmd("reverse-dues-mistake", "reverse_event", Treasurer, addDays(d.Mistake.Date, 3), map[string]string{
					"reason": "重复入账：同一笔会费录入两次 (the same dues payment was entered twice)"})
				r.Reverses = fmt.Sprintf("demo%d-dues-mistake-%s-%s", d.Seed, d.Mistake.Period, d.Mistake.Member)
				d.lane(r)
			}
			for _, e := range d.Expenses {
				if e.Requested[:7] == per {
					d.lane(d.expense(e)...)
				}
			}
			for _, r := range d.Rounds {
				if r.Date[:7] == per {
					d.lane(d.round(r)...)
				}
			}
			for _, c := range d.Cases {
				if c.Applied[:7] == per {
					d.lane(d.relief(c, names[c.Person], c == d.Cases[0])...)
				}
				if rc := addDays(c.Paid, 183); rc[:7] == per {
					outcome := "continue"
					if c.Kind != "hardship" {
						outcome = "close"
					}
					d.lane(d.cmd("relief-"+c.ID+"-recheck", "recheck_relief", Relief, rc, map[string]string{
						"case": c.ID, "outcome": outcome, "document": sha("recheck " + c.ID)}))
				}
			}
			// Quarterly income and spending on the board, the month after.
			if mo%3 == 1 && (y > 0 || mo > 1) {
				qy, qm := year, mo-3
				if qm < 1 {
					qy, qm = year-1, qm+12
				}
				item := fmt.Sprintf("summary-%d-Q%d", qy, (qm+2)/3)
				from, to := date(qy, qm, 1), date(qy, qm+2, map[bool]int{true: 31, false: 30}[qm == 1 || qm == 10])
				// No lines: the ledger drafts them from the books of the
				// quarter, closed by now, so nobody types a figure.
				steps := d.disclose(item, "period_summary", fmt.Sprintf("%d年第%d季度工会经费收支情况", qy, (qm+2)/3), Treasurer,
					date(year, mo, 8), date(year, mo, 9), map[string]any{"from": from, "to": to,
						"note": "按科目列示的收入和支出，由账簿生成 (income and spending by account, drafted from the books)"})
				if lastSummary == "" {
					q := "q-" + item
					steps = append(steps,
						d.cmd(q+"-ask", "ask_question", d.Members[0].ID, date(year, mo, 12), map[string]string{
							"question": q, "item": item, "text": "职工运动会的费用为什么计入其他活动支出？(why is the sports meeting booked to other activities?)"}),
						d.cmd(q+"-answer", "answer_question", Chair, date(year, mo, 15), map[string]string{
							"question": q, "answer": "a-" + item, "text": "按2010年科目表，全院性体育活动计入50104其他活动支出。(under the 2010 chart, hospital-wide sports go to 50104.)"}))
				}
				lastSummary = item
				d.lane(steps...)
			}
			if year > first && mo == 1 {
				d.lane(d.finalAccounts(year - 1)...)
			}
			if (p.Years > 1 && y == 1 && mo == 3) || (p.Years == 1 && mo == 11) {
				d.lane(d.audit(year, mo)...)
			}

			// Close the month (月结), and the year (年结) after December;
			// the demo's last month stays open.
			if y == p.Years-1 && mo == 12 {
				continue
			}
			d.begin(per + " close")
			ny, nm := year, mo+1
			if nm > 12 {
				ny, nm = year+1, 1
			}
			cl := []Step{d.cmd("close-"+per, "close_month", Treasurer, date(ny, nm, 1), map[string]string{"month": per})}
			if mo == 12 {
				cl = append(cl, d.cmd("close-"+ys, "close_year", Chair, date(ny, 1, 5), map[string]string{"year": ys}))
			}
			d.lane(cl...)
		}
	}
}

func (d *Demo) dues(id string, r Dues) Step {
	book := "DUES-" + r.Date[:4]
	return d.cmd(id, "receive_dues", Treasurer, r.Date, map[string]any{"member": r.Member, "period": r.Period,
		"wage": r.Wage.Yuan(), "basis": r.Basis, "receipt": d.nextReceipt(book)})
}

func (d *Demo) expense(e Expense) []Step {
	terms := ledger.ExpenseTerms{Expense: e.ID, Account: e.Account, Amount: e.Amount, Payee: e.Payee, Purpose: e.Purpose,
		RequestedBy: Treasurer, Decision: e.Decision}
	out := []Step{d.cmd(e.ID+"-request", "request_expense", Treasurer, e.Requested, map[string]any{
		"expense": e.ID, "account": e.Account, "amount": e.Amount.Yuan(), "payee": e.Payee, "purpose": e.Purpose})}
	signed := addDays(e.Requested, 2)
	if e.Decision != "" {
		// The request cites no decision: the committee's decision lists
		// it, which makes it the expense's decision (signed in the terms).
		out[0] = d.cmd(e.ID+"-request", "request_expense", Treasurer, e.Requested, map[string]any{
			"expense": e.ID, "account": e.Account, "amount": e.Amount.Yuan(), "payee": e.Payee, "purpose": e.Purpose,
			"documents": []string{sha("contract " + e.ID)}})
		terms.Documents = []string{sha("contract " + e.ID)}
		out = append(out, d.decision(e.Decision, addDays(e.Requested, 1), e.ID))
	}
	out = append(out, d.approve(e.ID+"-approve", signed, terms),
		d.cmd(e.ID+"-pay", "pay_expense", Treasurer, e.Paid, map[string]any{"expense": e.ID, "voucher": "记-" + e.ID[2:]}))
	if e.Decision != "" {
		out = append(out, d.disclose("large-"+e.ID, "large_expense", "大额支出公示："+e.Payee, Treasurer, addDays(e.Paid, 1), addDays(e.Paid, 2),
			map[string]any{"expense": e.ID, "purpose": e.Purpose, "payee": e.Payee, "amount": e.Amount.Yuan(),
				"decided_on": addDays(e.Requested, 1), "signed_on": signed})...)
	}
	return out
}

func (d *Demo) round(r Round) []Step {
	planned := addDays(r.Date, -3)
	total := r.Standard * events.Fen(len(r.Members))
	var out []Step
	data := map[string]any{"round": r.ID, "occasion": events.OccasionFestival, "festival": r.Festival, "standard": r.Standard.Yuan(),
		"form": events.FormGoods, "members": r.Members, "supplier": "市百货大楼 (city department store)", "account": RoundAccount, "date": r.Date}
	if r.Decision != "" {
		out = append(out, d.decision(r.Decision, planned))
		data["decision"] = r.Decision
	}
	purpose := ledger.WelfarePurpose(events.WelfareRoundPlanned{Round: r.ID, Occasion: events.OccasionFestival, Festival: r.Festival,
		Standard: r.Standard, Form: events.FormGoods, Members: r.Members, Date: r.Date})
	terms := ledger.ExpenseTerms{Expense: r.ID, Account: RoundAccount, Amount: total, Payee: "市百货大楼 (city department store)",
		Purpose: purpose, RequestedBy: Treasurer, Decision: r.Decision}
	out = append(out,
		d.cmd(r.ID+"-plan", "plan_welfare_round", Treasurer, planned, data),
		d.approve(r.ID+"-approve", addDays(r.Date, -2), terms),
		d.cmd(r.ID+"-pay", "pay_expense", Treasurer, r.Paid, map[string]any{"expense": r.ID, "voucher": "记-" + r.ID}))
	out = append(out, d.disclose("welfare-"+r.ID, "welfare_round", "节日慰问品发放公示 "+r.ID, Treasurer, addDays(r.Date, 1), addDays(r.Date, 2),
		map[string]any{"round": r.ID + " (" + r.Festival + ", 实物 goods)", "standard": r.Standard.Yuan(), "headcount": len(r.Members), "total": total.Yuan()})...)
	return out
}

func (d *Demo) relief(c Case, name string, objection bool) []Step {
	notice, decision, expense := "notice-"+c.ID, "D-"+c.ID, "E-"+c.ID
	out := []Step{
		d.cmd("relief-"+c.ID+"-apply", "apply_relief", Relief, c.Applied, map[string]any{"case": c.ID, "person": c.Person, "kind": c.Kind,
			"amount": c.Amount.Yuan(), "details": events.ReliefDetails{
				Reason:    "演示数据：家庭成员患病，医疗支出大 (demo data: illness in the family, high medical costs)",
				Household: "演示数据：四口之家，一人工作 (demo data: four people, one earner)",
				Income:    "演示数据：人均月收入低于当地标准 (demo data: income per head below the local line)"}}),
		d.cmd("relief-"+c.ID+"-verify", "verify_relief", Relief, addDays(c.Applied, 2), map[string]any{"case": c.ID,
			"visited_on": addDays(c.Applied, 1), "consent_sha256": sha("consent " + c.ID), "officers": []string{Relief, committee[2]}}),
	}
	out = append(out, d.disclose(notice, "relief_notice", "困难职工帮扶公示 "+c.ID, Relief, addDays(c.Applied, 3), c.NoticeStart,
		map[string]any{"notice_start": c.NoticeStart, "notice_end": c.NoticeEnd, "entries": []map[string]string{
			{"case": c.ID, "name": Masked(name), "kind": c.Kind, "amount": c.Granted.Yuan()}}})...)
	decided := addDays(c.NoticeEnd, 3) // the Monday after the notice
	if objection {
		obj := "obj-" + c.ID
		who := d.Members[len(d.Members)-1].ID
		if who == c.Person {
			who = d.Members[len(d.Members)-2].ID
		}
		out = append(out,
			d.cmd(obj, "object_to_notice", who, addDays(c.NoticeStart, 2), map[string]string{"objection": obj, "item": notice,
				"text": "请核实其家庭收入情况 (please check the household's income)"}),
			d.cmd(obj+"-resolve", "resolve_objection", committee[1], decided, map[string]string{"objection": obj, "outcome": "dismissed",
				"reason": "经入户核实，情况属实 (the home visit confirmed the facts)"}))
	}
	terms := ledger.ExpenseTerms{Expense: expense, Account: c.Account(), Amount: c.Granted, Payee: c.Person, PayeePerson: c.Person,
		Purpose: "hardship relief (困难职工帮扶) case " + c.ID + " (" + c.Kind + ")", RequestedBy: committee[0], Decision: decision}
	return append(out,
		d.decision(decision, decided),
		d.cmd("relief-"+c.ID+"-decide", "decide_relief", committee[0], decided, map[string]string{"case": c.ID, "notice": notice,
			"decision": decision, "granted": c.Granted.Yuan(), "expense": expense}),
		d.approve(expense+"-approve", addDays(decided, 1), terms),
		d.cmd(expense+"-pay", "pay_expense", Treasurer, c.Paid, map[string]any{"expense": expense, "voucher": "记-" + c.ID}))
}

// summary is the income and spending by parent account between two dates,
// from the generator's own plan: the actual figures of the final accounts
// (决算). Period summaries are drafted from the books by the ledger.
func (d *Demo) summary(from, to string) []map[string]string {
	in := func(day string) bool { return day >= from && day <= to }
	sums := map[string]events.Fen{}
	for _, r := range d.Dues {
		if in(r.Date) {
			sums["401"] += ledger.AssessDues(r.Wage)
		}
	}
	for _, a := range d.Allocations {
		if in(a.Date) {
			kept, _ := ledger.SplitAllocation(ledger.AllocationDue(a.WageBill), RetainedBP)
			sums["402"] += kept
		}
	}
	for _, s := range d.Subsidies {
		if in(s.Date) {
			sums["403"] += s.Amount
		}
	}
	for _, e := range d.Expenses {
		if in(e.Paid) {
			sums[e.Account[:3]] += e.Amount
		}
	}
	for _, r := range d.Rounds {
		if in(r.Paid) {
			sums[RoundAccount[:3]] += r.Standard * events.Fen(len(r.Members))
		}
	}
	for _, c := range d.Cases {
		if in(c.Paid) {
			sums[c.Account()[:3]] += c.Granted
		}
	}
	var out []map[string]string
	for _, a := range []string{"401", "402", "403", "501", "502", "503"} {
		out = append(out, map[string]string{"account": a, "amount": sums[a].Yuan()})
	}
	return out
}

func (d *Demo) finalAccounts(year int) []Step {
	ys := fmt.Sprint(year)
	actual := d.summary(ys+"-01-01", ys+"-12-31")
	var lines []map[string]string
	for _, l := range actual {
		budget := d.Budgets[year][l["account"]]
		lines = append(lines, map[string]string{"account": l["account"], "budget": budget.Yuan(), "actual": l["amount"]})
	}
	return d.disclose("final-"+ys, "budget_final_accounts", ys+"年度工会经费预算执行情况及决算", Treasurer, date(year+1, 1, 20), date(year+1, 1, 22),
		map[string]any{"year": ys, "lines": lines, "review_opinion": "经审会审查：收支真实，符合预算 (the funds-review committee finds the accounts true and within budget)",
			"reviewed_on": date(year+1, 1, 18)})
}

func (d *Demo) audit(year, mo int) []Step {
	id := fmt.Sprintf("audit-%d", year)
	from, to := date(year-1, 1, 1), date(year-1, 12, 31)
	if d.Profile.Years == 1 {
		from, to = date(year, 1, 1), date(year, mo-1, 28)
	}
	var exp, round string
	for _, e := range d.Expenses {
		if e.Paid >= from && e.Paid <= to {
			exp = e.ID
			break
		}
	}
	for _, r := range d.Rounds {
		if r.Paid >= from && r.Paid <= to {
			round = r.ID
			break
		}
	}
	f1, f2 := id+"-f1", id+"-f2"
	return append([]Step{
		d.cmd(id+"-open", "open_audit", Review, date(year, mo, 3), map[string]string{"audit": id, "kind": "routine",
			"scope": "工会经费收支常规审查 (routine review of income and spending)", "from": from, "to": to}),
		d.cmd(f1, "record_finding", Review, date(year, mo, 10), map[string]any{"audit": id, "finding": f1, "severity": "minor",
			"text": "支出凭证未附发票影像 (the payment voucher lacks the invoice scan)", "expenses": []string{exp}}),
		d.cmd(f2, "record_finding", Review, date(year, mo, 10), map[string]any{"audit": id, "finding": f2, "severity": "minor",
			"text": "慰问品发放签收表不全 (the recipients' sign-off sheet of the round is incomplete)", "expenses": []string{round}}),
		d.cmd(f1+"-require", "require_rectification", Review, date(year, mo, 10), map[string]string{"finding": f1,
			"deadline": date(year, mo, 28), "action": "补附发票影像 (attach the invoice scan)"}),
		d.cmd(f2+"-require", "require_rectification", Review, date(year, mo, 10), map[string]string{"finding": f2,
			"deadline": date(year, mo, 28), "action": "补齐签收表 (complete the sign-off sheet)"}),
		d.cmd(f1+"-submit", "submit_rectification", Treasurer, date(year, mo, 17), map[string]any{"finding": f1,
			"evidence": "已补附发票影像 (invoice scan attached)", "documents": []string{sha("invoice " + exp)}}),
		d.cmd(f2+"-submit", "submit_rectification", Treasurer, date(year, mo, 17), map[string]any{"finding": f2,
			"evidence": "已补齐签收表 (sign-off sheet completed)", "documents": []string{sha("sign-off " + round)}}),
		d.cmd(f1+"-accept", "accept_rectification", Review, date(year, mo, 20), map[string]string{"finding": f1, "reason": "已整改 (rectified)"}),
		d.cmd(f2+"-accept", "accept_rectification", Review, date(year, mo, 20), map[string]string{"finding": f2, "reason": "已整改 (rectified)"}),
		d.cmd(id+"-close", "close_audit", Review, date(year, mo, 24), map[string]string{"audit": id,
			"conclusion": "收支真实、合规；两项问题已整改 (income and spending true and lawful; both findings rectified)"}),
	}, d.disclose("findings-"+id, "audit_findings", "经费审查发现及整改情况 "+id, Review, date(year, mo, 25), date(year, mo, 27),
		map[string]any{"audit": id, "scope": "工会经费收支常规审查 " + from + " – " + to, "findings": []map[string]string{
			{"finding": "支出凭证未附发票影像", "rectification": "rectified", "detail": "已补附"},
			{"finding": "慰问品发放签收表不全", "rectification": "rectified", "detail": "已补齐"}}})...)
}

// ---------------------------------------------------------------------
// Loading

// Submitter records one command: ledger.Service.Submit in-process, or a
// POST to /api/v1/commands of a running ledger.
type Submitter func(ctx context.Context, cmd ledger.Command) (ledger.Result, error)

// Load submits the demo phase by phase. The lanes of a phase are submitted
// concurrently by up to workers goroutines (group commit makes concurrent
// submits fast); the steps of a lane, and the phases, in order. done, if
// not nil, is called after each command with the number recorded so far
// (from one goroutine at a time). Already-recorded commands come back as
// duplicates, so loading twice writes nothing the second time. The first
// refusal stops the load and is returned with the command's id.
func (d *Demo) Load(ctx context.Context, submit Submitter, workers int, done func(n int)) error {
	workers = max(workers, 1)
	var (
		mu    sync.Mutex
		seqs  = map[string]uint64{} // command id → first money event's org sequence
		count int
	)
	record := func(id string, res ledger.Result) {
		mu.Lock()
		defer mu.Unlock()
		if len(res.Events) > 0 {
			seqs[id] = res.Events[0].Seq
		}
		count++
		if done != nil {
			done(count)
		}
	}
	run := func(ctx context.Context, st Step) error {
		c := st.Command
		if st.Reverses != "" {
			mu.Lock()
			seq, ok := seqs[st.Reverses]
			mu.Unlock()
			if !ok {
				return fmt.Errorf("demo: %s reverses %s, which was not recorded", c.ID, st.Reverses)
			}
			var data map[string]any
			if err := json.Unmarshal(c.Data, &data); err != nil {
				return fmt.Errorf("demo: %s: %w", c.ID, err)
			}
			data["seq"] = seq
			b, err := json.Marshal(data)
			if err != nil {
				return fmt.Errorf("demo: %s: %w", c.ID, err)
			}
			c.Data = b
		}
		res, err := submit(ctx, c)
		if err != nil {
			return fmt.Errorf("demo: %s %s: %w", c.Type, c.ID, err)
		}
		record(c.ID, res)
		return nil
	}
	parent := ctx
	for _, ph := range d.Phases {
		ctx, cancel := context.WithCancel(parent)
		lanes := make(chan []Step)
		errc := make(chan error, workers)
		var wg sync.WaitGroup
		for range min(workers, len(ph.Lanes)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for lane := range lanes {
					for _, st := range lane {
						if err := run(ctx, st); err != nil {
							errc <- err
							cancel()
							return
						}
					}
				}
			}()
		}
	feed:
		for _, l := range ph.Lanes {
			select {
			case lanes <- l:
			case <-ctx.Done():
				break feed
			}
		}
		close(lanes)
		wg.Wait()
		cancel()
		close(errc)
		if err := <-errc; err != nil {
			return fmt.Errorf("phase %s: %w", ph.Name, err)
		}
		if err := parent.Err(); err != nil {
			return err
		}
	}
	return nil
}
