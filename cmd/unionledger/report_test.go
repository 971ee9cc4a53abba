package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/demo"
	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

// reportCases are the demo union's reports kept as golden files, each in
// text and JSON. Every case names its point explicitly or relies only on
// the log, never on the wall clock.
var reportCases = []struct {
	name string
	args []string
}{
	{"report_statement_2025", []string{"statement", "--year", "2025", "--as-of", "2025-12-31"}},
	{"report_statement_2025q2", []string{"statement", "--from", "2025-04-01", "--to", "2025-06-30"}},
	{"report_balance_sheet_20250630", []string{"balance-sheet", "--date", "2025-06-30"}},
	{"report_balance_sheet_20251231", []string{"balance-sheet", "--date", "2025-12-31", "--as-of", "2025-12-31"}},
	{"report_budget_2025", []string{"budget", "--year", "2025"}},
	{"report_welfare_2025", []string{"welfare", "--year", "2025"}},
}

// runReportCLI runs `unionledger report` against a server and returns its
// output.
func runReportCLI(t *testing.T, url string, args ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	full := append(append([]string{"report"}, args...), "--org", demo.Org, "--server", url)
	if err := run(context.Background(), full, strings.NewReader(""), &out, &errb); err != nil {
		t.Fatalf("report %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes()
}

// TestReportGoldens renders the demo union's reports (statement of the
// year and of a quarter, balance sheets at mid-year and year end, budget vs
// actual, welfare against the caps) as text and JSON, compares them with
// the golden files, then rebuilds the projections from the log and checks
// the output is byte for byte the same.
func TestReportGoldens(t *testing.T) {
	d := ledgertest.StartDemo(t, demo.Small)
	outputs := map[string][]byte{}
	for _, tc := range reportCases {
		for _, format := range []string{"", "json"} {
			args, name := tc.args, tc.name
			if format == "json" {
				args, name = append(append([]string{}, args...), "--json"), name+"_json"
			}
			got := runReportCLI(t, d.URL, args...)
			golden(t, name, got)
			outputs[name] = got
		}
	}
	d.Rebuild(t)
	for _, tc := range reportCases {
		for _, format := range []string{"", "json"} {
			args, name := tc.args, tc.name
			if format == "json" {
				args, name = append(append([]string{}, args...), "--json"), name+"_json"
			}
			if got := runReportCLI(t, d.URL, args...); !bytes.Equal(got, outputs[name]) {
				t.Errorf("%s after a rebuild from the log differs:\n%s\nwas:\n%s", name, got, outputs[name])
			}
		}
	}
}

// reportGet fetches an API path and returns the status and body.
func reportGet(t *testing.T, base, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// TestReportsMatchDemoInputs checks the demo union's 2025 statement, a
// quarter's statement, the budget and the welfare report against figures
// computed from the demo generator's inputs (wages, wage bills, subsidies,
// expenses, rounds, relief grants) with the test's own arithmetic.
func TestReportsMatchDemoInputs(t *testing.T) {
	d := ledgertest.StartDemo(t, demo.Small)
	g := d.Demo
	// expected is the income (credit-positive) and expense per account
	// from the inputs, for events dated in [from, to].
	expected := func(from, to string) map[string]events.Fen {
		in := func(day string) bool { return day >= from && day <= to }
		w := map[string]events.Fen{}
		for _, r := range g.Dues {
			if in(r.Date) {
				w["401"] += (r.Wage - r.Wage%1000) * 5 / 1000
			}
		}
		for _, a := range g.Allocations {
			gross := (a.WageBill*2 + 50) / 100
			if in(a.Date) {
				w["402"] += (gross*demo.RetainedBP + 5000) / 10000
			}
		}
		for _, s := range g.Subsidies {
			if in(s.Date) {
				w[s.Account] += s.Amount
			}
		}
		for _, e := range g.Expenses {
			if in(e.Paid) {
				w[e.Account] += e.Amount
			}
		}
		for _, r := range g.Rounds {
			if in(r.Paid) {
				w[demo.RoundAccount] += r.Standard * events.Fen(len(r.Members))
			}
		}
		for _, c := range g.Cases {
			if in(c.Paid) {
				w[c.Account()] += c.Granted
			}
		}
		return w
	}
	for _, p := range [][2]string{{"2025-01-01", "2025-12-31"}, {"2025-04-01", "2025-06-30"}, {"2025-06-01", "2025-06-30"}} {
		status, body := reportGet(t, d.URL, "/api/v1/orgs/"+demo.Org+"/reports/statement?from="+p[0]+"&to="+p[1])
		if status != http.StatusOK {
			t.Fatalf("statement %v: %d %s", p, status, body)
		}
		var st ledgerhttp.StatementJSON
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		want := expected(p[0], p[1])
		var inc, exp events.Fen
		lines := append(append([]projections.ReportLine{}, st.Income...), st.Expenditure...)
		parents := map[string]bool{}
		for _, l := range lines {
			parents[l.Parent] = true
		}
		for _, l := range lines {
			if parents[l.Code] {
				continue // a subtotal: checked through the totals
			}
			if l.AmountFen != want[l.Code] {
				t.Errorf("statement %v: %s %s, from the inputs %s", p, l.Code, l.Amount, want[l.Code].Yuan())
			}
			if l.Code[0] == '4' {
				inc += want[l.Code]
			} else {
				exp += want[l.Code]
			}
		}
		if st.IncomeTotalFen != inc || st.ExpenditureTotalFen != exp || st.SurplusFen != inc-exp || inc == 0 || exp == 0 {
			t.Errorf("statement %v: income %s, expenditure %s, surplus %s; from the inputs %s, %s", p, st.IncomeTotal, st.ExpenditureTotal, st.Surplus, inc.Yuan(), exp.Yuan())
		}
	}

	// Budget: the approved lines and what was spent under each.
	var bud ledgerhttp.BudgetJSON
	status, body := reportGet(t, d.URL, "/api/v1/orgs/"+demo.Org+"/reports/budget?year=2025")
	if status != http.StatusOK || json.Unmarshal(body, &bud) != nil {
		t.Fatalf("budget: %d %s", status, body)
	}
	spent := map[string]events.Fen{}
	for a, v := range expected("2025-01-01", "2025-12-31") {
		if a[0] == '5' {
			spent[a[:3]] += v
		}
	}
	if len(bud.Lines) != len(g.Budgets[2025]) || bud.Status != "approved" {
		t.Fatalf("budget: %d lines (%s), the demo approves %d", len(bud.Lines), bud.Status, len(g.Budgets[2025]))
	}
	for _, l := range bud.Lines {
		if l.ApprovedFen != g.Budgets[2025][l.Code] || l.AdjustedFen != l.ApprovedFen || l.SpentFen != spent[l.Code] || l.RemainingFen != l.ApprovedFen-spent[l.Code] {
			t.Errorf("budget line %s: %+v; inputs: approved %s, spent %s", l.Code, l.BudgetAmounts, g.Budgets[2025][l.Code].Yuan(), spent[l.Code].Yuan())
		}
	}

	// Welfare: per member, the festival total and each festival.
	var wel ledgerhttp.WelfareJSON
	status, body = reportGet(t, d.URL, "/api/v1/orgs/"+demo.Org+"/reports/welfare?year=2025")
	if status != http.StatusOK || json.Unmarshal(body, &wel) != nil {
		t.Fatalf("welfare: %d %s", status, body)
	}
	granted := map[string]map[string]events.Fen{}
	for _, r := range g.Rounds {
		for _, m := range r.Members {
			if granted[m] == nil {
				granted[m] = map[string]events.Fen{}
			}
			granted[m][""] += r.Standard
			granted[m][r.Festival] += r.Standard
		}
	}
	if len(wel.Members) != len(granted) {
		t.Fatalf("welfare: %d members, the demo's rounds name %d", len(wel.Members), len(granted))
	}
	for _, m := range wel.Members {
		n := 0
		for _, l := range m.Lines {
			if l.Occasion != events.OccasionFestival {
				if l.GrantedFen != 0 {
					t.Errorf("welfare %s: %s granted %s", m.Member, l.Occasion, l.Granted)
				}
				continue
			}
			n++
			if l.GrantedFen != granted[m.Member][l.Festival] {
				t.Errorf("welfare %s festival %q: %s, from the inputs %s", m.Member, l.Festival, l.Granted, granted[m.Member][l.Festival].Yuan())
			}
			if l.Festival == "" && (!l.Capped || l.CapFen != 200000 || l.RemainingFen != 200000-l.GrantedFen || l.Over) {
				t.Errorf("welfare %s: festival cap line %+v, want the 2000.00 cap of the Anhui policy", m.Member, l)
			}
		}
		if n != len(granted[m.Member]) {
			t.Errorf("welfare %s: %d festival lines, want %d", m.Member, n, len(granted[m.Member]))
		}
	}
}

// stripHead removes what differs between two nodes that hold the same
// history up to a point: the head and the as-of parameters echoed back.
func stripHead(t *testing.T, body []byte) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	delete(m, "head_seq")
	delete(m, "as_of_seq")
	delete(m, "as_of_date")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReportsAsOfEqualTruncatedLog is done-when 2: reports as of a past
// date equal the reports computed on a log truncated at that date. For each
// cut date, a second node's JetStream gets exactly the demo's events 1..k
// (their stored bytes, in order), where k is the last event dated on or
// before the cut (the demo's log is checked to put every event dated up to
// the cut before every later one); its projector builds from them, and
// every report it gives now must equal the full node's report as of the
// cut date, and as of org sequence k.
func TestReportsAsOfEqualTruncatedLog(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d := ledgertest.StartDemo(t, demo.Small)
	var log []events.Stored
	var dates []string
	if err := d.Node.Store.Events(demo.Org, 1, 0, func(seq uint64, st events.Stored) bool {
		env, err := events.Decode(st.Data)
		if err != nil {
			t.Fatal(err)
		}
		if env.Seq != uint64(len(log)+1) {
			t.Fatalf("event %d at position %d", env.Seq, len(log)+1)
		}
		log = append(log, st)
		dates = append(dates, env.Date)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	queries := []string{
		"/reports/statement?from=2025-01-01&to=2025-12-31",
		"/reports/statement?from=2025-01-01&to=2025-03-31",
		"/reports/statement?from=2025-04-01&to=2025-06-30",
		"/reports/statement?from=2025-03-15&to=2025-04-20",
		"/reports/balance-sheet?date=2025-02-14",
		"/reports/balance-sheet?date=2025-03-31",
		"/reports/balance-sheet?date=2025-06-30",
		"/reports/balance-sheet?date=2025-12-31",
		"/reports/budget?year=2025",
		"/reports/welfare?year=2025",
		"/reports/welfare?year=2025&member=m0007",
	}
	for _, cut := range []string{"2025-03-31", "2025-06-30"} {
		t.Run(cut, func(t *testing.T) {
			k := 0
			for k < len(dates) && dates[k] <= cut {
				k++
			}
			for i := k; i < len(dates); i++ {
				if dates[i] <= cut {
					t.Fatalf("the demo's event %d is dated %s, after event %d dated after %s: the log is not ordered by date at this cut", i+1, dates[i], k+1, cut)
				}
			}
			if k == 0 || k == len(log) {
				t.Fatalf("cut %s keeps %d of %d events", cut, k, len(log))
			}
			n, err := node.Start(ctx, node.Config{DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			var expect uint64
			for _, st := range log[:k] {
				env, err := events.Decode(st.Data)
				if err != nil {
					t.Fatal(err)
				}
				if expect, err = n.Log.Append(ctx, demo.Org, expect, []ledger.Message{{Env: env, Data: st.Data}}, nil); err != nil {
					t.Fatalf("republish %d: %v", env.Seq, err)
				}
			}
			if err := n.Store.WaitApplied(ctx, expect); err != nil {
				t.Fatal(err)
			}
			if h, err := n.Store.Head(demo.Org); err != nil || h.Seq != uint64(k) {
				t.Fatalf("truncated node's head %+v (%v), want seq %d", h, err, k)
			}
			srv := httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).Handler())
			defer srv.Close()
			for _, q := range queries {
				path := "/api/v1/orgs/" + demo.Org + q
				status, body := reportGet(t, srv.URL, path)
				if status != http.StatusOK {
					t.Fatalf("truncated %s: %d %s", q, status, body)
				}
				truncated := stripHead(t, body)
				for _, as := range []string{"as_of_date=" + cut, fmt.Sprintf("as_of_seq=%d", k)} {
					status, body := reportGet(t, d.URL, path+"&"+as)
					if status != http.StatusOK {
						t.Fatalf("full %s %s: %d %s", q, as, status, body)
					}
					if full := stripHead(t, body); full != truncated {
						t.Errorf("%s %s on the full log differs from the log truncated at %s (seq %d):\nfull:      %s\ntruncated: %s", q, as, cut, k, full, truncated)
					}
				}
				// And the full log now is a different story (the cut
				// is not the present), so the comparison can fail.
				if _, body := reportGet(t, d.URL, path); strings.Contains(q, "2025-12-31") && stripHead(t, body) == truncated {
					t.Errorf("%s: the full log now equals the truncated one", q)
				}
			}
		})
	}
}

// TestReportRefusals: bad parameters of the report and export endpoints
// are refused with a coded error and its status.
func TestReportRefusals(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	for _, c := range ledgertest.Setup("h1", "2010") {
		if _, err := n.Service.Submit(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).Handler())
	defer srv.Close()
	tests := []struct {
		path string
		code ledger.Code
	}{
		{"/api/v1/orgs/h1/reports/statement", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/statement?from=2025-01-01", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/statement?from=2025-13-01&to=2025-12-31", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/statement?from=2025-02-30&to=2025-12-31", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/statement?from=2025-12-31&to=2025-01-01", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/statement?from=20250101&to=2025-12-31", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/statement?from=2025-01-01&to=2025-12-31&as_of_seq=0", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/statement?from=2025-01-01&to=2025-12-31&as_of_seq=x", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/statement?from=2025-01-01&to=2025-12-31&as_of_date=2025-1-1", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/statement?from=2025-01-01&to=2025-12-31&as_of_seq=3&as_of_date=2025-01-01", ledger.CodeInvalid},
		{"/api/v1/orgs/nope/reports/statement?from=2025-01-01&to=2025-12-31", ledger.CodeUnknownOrg},
		{"/api/v1/orgs/Bad_Org/reports/statement?from=2025-01-01&to=2025-12-31", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/balance-sheet", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/balance-sheet?date=yesterday", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/budget", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/budget?year=25", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/budget?year=2025-01", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/budget?year=2031", ledger.CodeNotFound},
		{"/api/v1/orgs/h1/reports/welfare", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/welfare?year=abcd", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/welfare?year=2025&member=bad%20id", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/reports/welfare?year=2025&member=p-nobody", ledger.CodeNotFound},
		{"/api/v1/orgs/h1/export.csv?from=2025-01-32", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/export.csv?from=2025-06-01&to=2025-01-01", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/export.journal?as_of_seq=-1", ledger.CodeInvalid},
		{"/api/v1/orgs/h1/export.journal?to=31.12.2025", ledger.CodeInvalid},
		{"/api/v1/orgs/nope/export.csv", ledger.CodeUnknownOrg},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			status, body := reportGet(t, srv.URL, tt.path)
			var e struct{ Code, Message string }
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("%d %s: %v", status, body, err)
			}
			if ledger.Code(e.Code) != tt.code || status != ledgerhttp.StatusOf(tt.code) || e.Message == "" {
				t.Fatalf("got %d %s %q, want %d %s", status, e.Code, e.Message, ledgerhttp.StatusOf(tt.code), tt.code)
			}
		})
	}
	// The same requests, well formed, are answered.
	for _, p := range []string{"/reports/statement?from=2025-01-01&to=2025-12-31", "/reports/balance-sheet?date=2025-12-31",
		"/reports/welfare?year=2025", "/export.csv?from=2025-01-01&to=2025-12-31", "/export.journal?as_of_seq=1"} {
		if status, body := reportGet(t, srv.URL, "/api/v1/orgs/h1"+p); status != http.StatusOK {
			t.Errorf("%s: %d %s", p, status, body)
		}
	}
}

// TestReportCLIUsage: the report subcommand refuses what it cannot ask.
func TestReportCLIUsage(t *testing.T) {
	for _, args := range [][]string{
		{"report", "--org", "x"},
		{"report", "frobnicate", "--org", "x"},
		{"report", "statement", "--org", "x"},
		{"report", "statement", "--org", "x", "--year", "2025", "--from", "2025-01-01"},
		{"report", "balance-sheet", "--org", "x"},
		{"report", "budget", "--org", "x"},
		{"report", "budget", "--org", "x", "--year", "2025", "--member", "m1"},
		{"report", "welfare", "--org", "x", "--year", "2025", "--as-of", "soon"},
		{"report", "statement", "--year", "2025"},
		{"export", "--org", "x", "--format", "xlsx"},
		{"export", "--format", "csv"},
		{"export", "--org", "x", "--as-of", "0"},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
		if got := exitCode(err, &errb); got != exitUsage {
			t.Errorf("%v: exit %d (%v), want %d", args, got, err, exitUsage)
		}
	}
}
