// Package demo generates a deterministic demo union: a hospital union's
// officers, budget, dues, allocations and expenses (requested, decided
// collectively when large, signed by the chair, paid), as ordinary commands.
package demo

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// Org is the demo union's org name.
const Org = "demo-hospital"

// The demo's officers.
const (
	Admin     = "p-admin"
	Treasurer = "p-treasurer"
	Chair     = "p-chair"
	Committee = "p-committee"
	Review    = "p-review"
)

// ChairKeyID is the id under which the demo chair's key is registered.
const ChairKeyID = "k-demo-chair"

// ChairKey is the demo chair's signing key. It is derived from a public
// string so the demo is reproducible: anyone can sign with it, which is
// fine for a demo and never for a real union (use `unionledger keygen`).
func ChairKey() ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("unionledger demo chair key (public, demo only)"))
	return ed25519.NewKeyFromSeed(seed[:])
}

// threshold is the demo union's collective-decision threshold, in yuan:
// larger expenses go to the union committee (集体研究) first.
const threshold = "3000.00"

// Commands returns the demo's commands in order. The same seed always
// gives the same commands (and command ids, so loading twice is a no-op).
func Commands(seed uint64, members, months int) []ledger.Command {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var out []ledger.Command
	add := func(id, typ, actor, date string, data any) {
		b, err := json.Marshal(data)
		if err != nil {
			panic(err) // static shapes: cannot fail
		}
		out = append(out, ledger.Command{ID: fmt.Sprintf("demo-%d-%s", seed, id), Type: typ, Org: Org,
			Actor: actor, Date: date, Data: b})
	}
	add("open", "open_org", Admin, "2025-01-01", map[string]any{"name": "市第一人民医院工会 (First People's Hospital union)", "chart": "2010",
		"officers": []map[string]string{
			{"person": Treasurer, "role": "treasurer"}, {"person": Chair, "role": "chair"},
			{"person": Committee, "role": "committee"}, {"person": Review, "role": "review"},
		}})
	add("chair-key", "register_key", Admin, "2025-01-01", map[string]string{
		"person": Chair, "key": ChairKeyID, "public": base64.StdEncoding.EncodeToString(ChairKey().Public().(ed25519.PublicKey))})
	add("threshold", "set_collective_threshold", Admin, "2025-01-01", map[string]string{"amount": threshold})
	// Each year's budget goes through its chain before money is spent.
	for year := 2025; year <= 2025+(months-1)/12; year++ {
		y := fmt.Sprint(year)
		date := y + "-01-02"
		add("budget-"+y+"-draft", "draft_budget", Treasurer, date, map[string]any{"year": y, "lines": []map[string]string{
			{"account": "501", "amount": "200000.00"}, {"account": "503", "amount": "100000.00"}}})
		add("budget-"+y+"-committee", "review_budget", Committee, date, map[string]any{
			"year": y, "stage": events.StageCommittee, "outcome": events.OutcomePass})
		add("budget-"+y+"-funds-review", "review_budget", Review, date, map[string]any{
			"year": y, "stage": events.StageFundsReview, "outcome": events.OutcomePass, "opinion": "同意 (approved)"})
		add("budget-"+y+"-approve", "approve_budget", Admin, date, map[string]any{"year": y, "document": map[string]string{
			"number": "上级工会批复 " + y, "sha256": sha256Hex("demo budget approval " + y)}})
	}
	// Monthly wages between 6,000 and 20,000 yuan; dues are 0.5% of the
	// wage with the remainder under 10 yuan left out.
	wages := make([]int64, members)
	for i := range wages {
		wages[i] = 6000 + rng.Int64N(14000)
	}
	receipt := 0
	limit, _ := events.ParseYuan(threshold)
	for m := range months {
		year, month := 2025+m/12, m%12+1
		period := fmt.Sprintf("%04d-%02d", year, month)
		for i, w := range wages {
			dues := (w / 10 * 10) * 5 // fen: 0.5% of whole tens of yuan
			receipt++
			add(fmt.Sprintf("dues-%s-%d", period, i), "receive_dues", Treasurer, fmt.Sprintf("%s-%02d", period, 5+i%20),
				map[string]any{"member": fmt.Sprintf("m%04d", i), "period": period, "amount": yuan(dues),
					"receipt": map[string]string{"book": fmt.Sprintf("DUES-%d", year), "number": fmt.Sprintf("%06d", receipt)}})
		}
		if month%3 == 0 {
			var bill int64
			for _, w := range wages {
				bill += w * 100 * 3
			}
			gross := bill * 2 / 100
			add("alloc-"+period, "receive_allocation", Treasurer, period+"-25", map[string]any{
				"period": period, "wage_bill": yuan(bill), "amount": yuan(gross), "remitted": yuan(gross * 40 / 100),
				"receipt": map[string]string{"book": fmt.Sprintf("ALLOC-%d", year), "number": period}})
		}
		spend := []struct{ account, payee, purpose string }{
			{"50102", "市体育用品公司", "staff basketball tournament (职工篮球赛)"},
			{"50101", "市职工大学", "staff training course (职工培训)"},
			{"50302", "会议中心", "members' congress (会员代表大会)"},
		}
		s := spend[m%len(spend)]
		amount := events.Fen(100000 + rng.Int64N(400000))
		terms := ledger.ExpenseTerms{Org: Org, Expense: "E-" + period, Account: s.account, Amount: amount,
			Payee: s.payee, Purpose: s.purpose, RequestedBy: Treasurer}
		add("exp-"+period+"-request", "request_expense", Treasurer, period+"-20", map[string]any{
			"expense": terms.Expense, "account": s.account, "amount": amount.Yuan(), "payee": s.payee, "purpose": s.purpose})
		if amount > limit {
			terms.Decision = "D-" + period
			add("exp-"+period+"-decision", "record_decision", Committee, period+"-22", map[string]any{
				"decision": terms.Decision, "meeting": "工会委员会会议 " + period + " (union committee meeting)", "held": period + "-22",
				"attendees": []string{Committee, Chair}, "minutes_hash": sha256Hex("demo minutes " + period), "expenses": []string{terms.Expense}})
		}
		add("exp-"+period+"-approve", "approve_expense", Chair, period+"-25", map[string]string{
			"expense": terms.Expense, "key": ChairKeyID, "signature": ledger.Sign(ChairKey(), ledger.ApprovalStatement(terms))})
		add("exp-"+period, "pay_expense", Treasurer, period+"-28", map[string]any{
			"expense": terms.Expense, "voucher": fmt.Sprintf("记-%s-%03d", period, 1)})
	}
	return out
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
