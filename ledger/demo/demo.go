// Package demo generates a deterministic demo union: a hospital union's
// dues, allocations and expenses, as ordinary commands.
package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/unionledger/unionledger/ledger"
)

// Org is the demo union's org name.
const Org = "demo-hospital"

// Commands returns the demo's commands in order. The same seed always
// gives the same commands (and command ids, so loading twice is a no-op).
func Commands(seed uint64, members, months int) []ledger.Command {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var out []ledger.Command
	add := func(id, typ, date string, data any) {
		b, err := json.Marshal(data)
		if err != nil {
			panic(err) // static shapes: cannot fail
		}
		out = append(out, ledger.Command{ID: fmt.Sprintf("demo-%d-%s", seed, id), Type: typ, Org: Org,
			Actor: "p-treasurer", Date: date, Data: b})
	}
	add("open", "open_org", "2025-01-01", map[string]any{"name": "市第一人民医院工会 (First People's Hospital union)", "chart": "2010",
		"officers": []map[string]string{{"person": "p-treasurer", "role": "treasurer"}}})
	// Monthly wages between 6,000 and 20,000 yuan; dues are 0.5% of the
	// wage with the remainder under 10 yuan left out.
	wages := make([]int64, members)
	for i := range wages {
		wages[i] = 6000 + rng.Int64N(14000)
	}
	receipt := 0
	for m := range months {
		year, month := 2025+m/12, m%12+1
		period := fmt.Sprintf("%04d-%02d", year, month)
		for i, w := range wages {
			dues := (w / 10 * 10) * 5 // fen: 0.5% of whole tens of yuan
			receipt++
			add(fmt.Sprintf("dues-%s-%d", period, i), "receive_dues", fmt.Sprintf("%s-%02d", period, 5+i%20),
				map[string]any{"member": fmt.Sprintf("m%04d", i), "period": period, "amount": yuan(dues),
					"receipt": map[string]string{"book": fmt.Sprintf("DUES-%d", year), "number": fmt.Sprintf("%06d", receipt)}})
		}
		if month%3 == 0 {
			var bill int64
			for _, w := range wages {
				bill += w * 100 * 3
			}
			gross := bill * 2 / 100
			add("alloc-"+period, "receive_allocation", period+"-25", map[string]any{
				"period": period, "wage_bill": yuan(bill), "amount": yuan(gross), "remitted": yuan(gross * 40 / 100),
				"receipt": map[string]string{"book": fmt.Sprintf("ALLOC-%d", year), "number": period}})
		}
		spend := []struct{ account, payee, purpose string }{
			{"50102", "市体育用品公司", "staff basketball tournament (职工篮球赛)"},
			{"50101", "市职工大学", "staff training course (职工培训)"},
			{"50302", "会议中心", "members' congress (会员代表大会)"},
		}
		s := spend[m%len(spend)]
		add("exp-"+period, "pay_expense", period+"-28", map[string]any{
			"expense": "E-" + period, "account": s.account, "amount": yuan(100000 + rng.Int64N(400000)),
			"payee": s.payee, "purpose": s.purpose})
	}
	return out
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }
