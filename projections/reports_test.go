package projections_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger/demo"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/projections"
)

// moneyEvent is one event that posted, as the naive fold below reads it.
type moneyEvent struct {
	seq      uint64
	date     string
	postings []events.Posting
}

// naiveNet folds every posting of the log whose event counts as of at and
// whose accounting date is in [from, to] (from "" = unbounded): the
// definition of the as-of semantics, written without the store's buckets
// or indexes.
func naiveNet(log []moneyEvent, from, to string, at projections.AsOf) map[string]events.Fen {
	out := map[string]events.Fen{}
	for _, e := range log {
		if at.Seq > 0 && e.seq > at.Seq || at.Date != "" && e.date > at.Date || e.date > to || from != "" && e.date < from {
			continue
		}
		for _, p := range e.postings {
			out[p.Account] += p.Amount
		}
	}
	return out
}

// naiveAmount is an account's amount in a report: on its normal side, and
// for a parent the sum over its sub-accounts.
func naiveAmount(chart events.Chart, net map[string]events.Fen, code string) events.Fen {
	a, _ := chart.Account(code)
	var v events.Fen
	for c, d := range net {
		if c == code || len(code) == 3 && len(c) > 3 && c[:3] == code {
			v += d
		}
	}
	if a.Normal() == events.Credit {
		return -v
	}
	return v
}

// TestReportsAsOf checks the statement and the balance sheet of the demo
// union, now, as of many org sequences and as of many accounting dates,
// against a naive fold over the whole log, and that every balance sheet
// balances. It also checks that budget vs actual and welfare per member,
// re-folded as of the head, equal what the projections hold now.
func TestReportsAsOf(t *testing.T) {
	d := ledgertest.StartDemo(t, demo.Small)
	s := d.Node.Store
	var log []moneyEvent
	if err := s.Events(demo.Org, 1, 0, func(seq uint64, st events.Stored) bool {
		env, err := events.Decode(st.Data)
		if err != nil {
			t.Fatal(err)
		}
		p, err := events.DecodePayload(env)
		if err != nil {
			t.Fatal(err)
		}
		if ps := p.Postings(); len(ps) > 0 {
			log = append(log, moneyEvent{seq, env.Date, ps})
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	head, err := s.Head(demo.Org)
	if err != nil {
		t.Fatal(err)
	}
	chart, _ := events.ChartByVersion("2010")
	incExp := 0
	for _, a := range chart.Accounts() {
		if a.Class == events.Income || a.Class == events.Expense {
			incExp++
		}
	}

	points := []projections.AsOf{{}, {Seq: head.Seq}, {Seq: head.Seq + 5}, {Seq: 1}}
	for k := uint64(7); k < head.Seq; k += 61 {
		points = append(points, projections.AsOf{Seq: k})
	}
	for _, day := range []string{"2024-12-31", "2025-01-01", "2025-01-19", "2025-02-28", "2025-03-31", "2025-06-06",
		"2025-06-09", "2025-06-30", "2025-09-30", "2025-11-15", "2025-12-31", "2026-03-01"} {
		points = append(points, projections.AsOf{Date: day})
	}
	periods := [][2]string{{"2025-01-01", "2025-12-31"}, {"2025-04-01", "2025-06-30"}, {"2025-06-05", "2025-06-12"}, {"2024-01-01", "2024-12-31"}}
	for _, at := range points {
		for _, p := range periods {
			name := fmt.Sprintf("statement %s..%s as of %+v", p[0], p[1], at)
			st, err := s.Statement(demo.Org, p[0], p[1], at)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			net := naiveNet(log, p[0], p[1], at)
			var inc, exp events.Fen
			for _, l := range append(append([]projections.ReportLine{}, st.Income...), st.Expenditure...) {
				if want := naiveAmount(chart, net, l.Code); l.AmountFen != want || l.Amount != want.Yuan() {
					t.Errorf("%s: %s %s, want %s", name, l.Code, l.Amount, want.Yuan())
				}
				a, _ := chart.Account(l.Code)
				if l.Parent == "" && a.Class == events.Income {
					inc += l.AmountFen
				} else if l.Parent == "" {
					exp += l.AmountFen
				}
			}
			if st.IncomeTotalFen != inc || st.ExpenditureTotalFen != exp || st.SurplusFen != inc-exp {
				t.Errorf("%s: totals %s − %s = %s, lines give %s − %s", name, st.IncomeTotal, st.ExpenditureTotal, st.Surplus, inc.Yuan(), exp.Yuan())
			}
			if len(st.Income)+len(st.Expenditure) != incExp || st.Chart.Version != "2010" {
				t.Errorf("%s: %d lines, chart %+v: want every income and expense account of the 2010 chart", name, len(st.Income)+len(st.Expenditure), st.Chart)
			}
		}
		for _, date := range []string{"2025-03-15", "2025-06-30", "2025-12-31"} {
			name := fmt.Sprintf("balance sheet %s as of %+v", date, at)
			bs, err := s.BalanceSheet(demo.Org, date, at)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			net := naiveNet(log, "", date, at)
			var assets, rest events.Fen
			for _, l := range bs.Assets {
				want := naiveAmount(chart, net, l.Code)
				assets += want
				if l.AmountFen != want {
					t.Errorf("%s: %s %s, want %s", name, l.Code, l.Amount, want.Yuan())
				}
			}
			for _, l := range append(append([]projections.ReportLine{}, bs.Liabilities...), bs.NetAssets...) {
				if l.Row != "" {
					rest += l.AmountFen
					continue
				}
				want := naiveAmount(chart, net, l.Code)
				rest += want
				if l.AmountFen != want {
					t.Errorf("%s: %s %s, want %s", name, l.Code, l.Amount, want.Yuan())
				}
			}
			year := naiveNet(log, date[:4]+"-01-01", date, at)
			var cur events.Fen
			for code, v := range year {
				if code[0] == '4' || code[0] == '5' {
					cur -= v
				}
			}
			if got := bs.NetAssets[len(bs.NetAssets)-1]; got.Row != projections.RowCurrentSurplus || got.AmountFen != cur {
				t.Errorf("%s: current surplus %+v, want %s", name, got, cur.Yuan())
			}
			if !bs.Balanced || bs.AssetsTotalFen != assets || bs.LiabilitiesAndNetAssetsFen != rest || assets != rest {
				t.Errorf("%s: assets %s, liabilities and net assets %s (lines: %s and %s), balanced %v",
					name, bs.AssetsTotal, bs.LiabilitiesAndNetAssets, assets.Yuan(), rest.Yuan(), bs.Balanced)
			}
		}
	}

	// The as-of paths re-fold budgets and welfare in memory; at the head
	// they must give exactly what the projections hold now.
	for _, at := range []projections.AsOf{{Seq: head.Seq}, {Date: "2026-12-31"}} {
		now, err := s.BudgetVsActualAsOf(demo.Org, "2025", projections.AsOf{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.BudgetVsActualAsOf(demo.Org, "2025", at)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, now) || len(now.Lines) != 3 {
			t.Errorf("budget as of %+v:\n%+v\nnow:\n%+v", at, got, now)
		}
		wNow, err := s.WelfareByMember(demo.Org, "2025", "", projections.AsOf{})
		if err != nil {
			t.Fatal(err)
		}
		wAt, err := s.WelfareByMember(demo.Org, "2025", "", at)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(wAt, wNow) || len(wNow.Members) != demo.Small.Members {
			t.Errorf("welfare as of %+v differs from now (%d members now)", at, len(wNow.Members))
		}
	}
	// Before the first round, nobody has received anything; before the
	// budget was drafted, there is none.
	w, err := s.WelfareByMember(demo.Org, "2025", "", projections.AsOf{Date: "2025-01-10"})
	if err != nil || len(w.Members) != 0 || w.Province == "" {
		t.Errorf("welfare as of 2025-01-10: %+v %v", w, err)
	}
	if _, err := s.BudgetVsActualAsOf(demo.Org, "2025", projections.AsOf{Date: "2025-01-01"}); err == nil {
		t.Errorf("budget as of 2025-01-01, before its draft: no error")
	}
}
