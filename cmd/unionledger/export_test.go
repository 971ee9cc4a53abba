package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger/demo"
	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/projections"
)

// runExportCLI runs `unionledger export` against a server.
func runExportCLI(t *testing.T, url string, args ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	full := append([]string{"export", "--org", demo.Org, "--server", url}, args...)
	if err := run(context.Background(), full, strings.NewReader(""), &out, &errb); err != nil {
		t.Fatalf("export %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes()
}

// postedEvent is one money event read back from GET /events.
type postedEvent struct {
	seq      uint64
	date     string
	postings []events.Posting
}

// fetchPostings reads the org's whole log over the API and keeps the
// events that post: the independent count the exports are checked against.
func fetchPostings(t *testing.T, url string) []postedEvent {
	t.Helper()
	var out []postedEvent
	for from := 1; ; from += 1000 {
		status, body := reportGet(t, url, fmt.Sprintf("/api/v1/orgs/%s/events?from=%d&limit=1000", demo.Org, from))
		var page struct {
			Events []ledgerhttp.EventJSON `json:"events"`
		}
		if status != 200 || json.Unmarshal(body, &page) != nil {
			t.Fatalf("events: %d %s", status, body)
		}
		for _, e := range page.Events {
			env, err := events.Decode(e.Event)
			if err != nil {
				t.Fatal(err)
			}
			p, err := events.DecodePayload(env)
			if err != nil {
				t.Fatal(err)
			}
			if ps := p.Postings(); len(ps) > 0 {
				out = append(out, postedEvent{env.Seq, env.Date, ps})
			}
		}
		if len(page.Events) < 1000 {
			return out
		}
	}
}

// personalValues are the demo's personal data: every member's name and
// phone number (sealed in the log) and the hardship details of its relief
// cases; none may appear in an export.
func personalValues(d *demo.Demo) []string {
	vals := []string{"演示数据", "家庭成员患病", "四口之家", "人均月收入"}
	for _, m := range d.Members {
		vals = append(vals, m.Name, m.Phone)
	}
	return vals
}

var memoRe = regexp.MustCompile(`^[a-z_]+( [a-z-]+(:[A-Za-z0-9._:-]+)?)?( reverses seq [0-9]+)?$`)

// TestExportCSV exports the demo union's postings as CSV and checks what
// Excel needs (a byte-order mark, CRLF line ends, RFC 4180 quoting that
// encoding/csv reads back, the header), one row per posting line of the
// log (counted independently from GET /events), debits equal to credits
// and per-account sums equal to the ledger's balances, as of a date, a
// sequence and for a date range too; that --out writes the same bytes;
// and that no personal value of the demo appears. A small range is kept
// as a golden file, unchanged by a rebuild from the log.
func TestExportCSV(t *testing.T) {
	d := ledgertest.StartDemo(t, demo.Small)
	log := fetchPostings(t, d.URL)
	chart, _ := events.ChartByVersion("2010")
	cases := []struct {
		name string
		args []string
		at   projections.AsOf
		from string
		to   string
	}{
		{"now", nil, projections.AsOf{}, "", ""},
		{"as of a date", []string{"--as-of", "2025-06-30"}, projections.AsOf{Date: "2025-06-30"}, "", ""},
		{"as of a sequence", []string{"--as-of", "400"}, projections.AsOf{Seq: 400}, "", ""},
		{"a date range", []string{"--from", "2025-04-01", "--to", "2025-04-30"}, projections.AsOf{}, "2025-04-01", "2025-04-30"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := runExportCLI(t, d.URL, append([]string{"--format", "csv"}, tc.args...)...)
			body, ok := bytes.CutPrefix(raw, []byte("\xef\xbb\xbf"))
			if !ok {
				t.Fatalf("no UTF-8 byte-order mark: %q", raw[:min(len(raw), 20)])
			}
			if n, crlf := bytes.Count(body, []byte("\n")), bytes.Count(body, []byte("\r\n")); n != crlf || n == 0 {
				t.Fatalf("%d line ends, %d of them CRLF", n, crlf)
			}
			rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[0], ",") != "seq,date,type,event_id,account,account_name_zh,account_name_en,debit,credit,memo" {
				t.Fatalf("header %q", rows[0])
			}
			rows = rows[1:]
			want := map[string]events.Fen{}
			n := 0
			for _, e := range log {
				if tc.at.Seq > 0 && e.seq > tc.at.Seq || tc.at.Date != "" && e.date > tc.at.Date || tc.from != "" && e.date < tc.from || tc.to != "" && e.date > tc.to {
					continue
				}
				for _, p := range e.postings {
					want[p.Account] += p.Amount
					n++
				}
			}
			if len(rows) != n || n == 0 {
				t.Fatalf("%d rows, the log has %d posting lines", len(rows), n)
			}
			got := map[string]events.Fen{}
			var debits, credits events.Fen
			for _, r := range rows {
				a, ok := chart.Account(r[4])
				if !ok || r[5] != a.NameZH || r[6] != a.NameEN {
					t.Fatalf("row %q: account names", r)
				}
				if !memoRe.MatchString(r[9]) || !strings.HasPrefix(r[9], r[2]) {
					t.Fatalf("row %q: memo %q is not a type and an id", r, r[9])
				}
				if (r[7] == "") == (r[8] == "") {
					t.Fatalf("row %q: one of debit and credit", r)
				}
				if r[7] != "" {
					v, err := events.ParseYuan(r[7])
					if err != nil {
						t.Fatalf("row %q: %v", r, err)
					}
					got[r[4]] += v
					debits += v
				} else {
					v, err := events.ParseYuan(r[8])
					if err != nil {
						t.Fatalf("row %q: %v", r, err)
					}
					got[r[4]] -= v
					credits += v
				}
			}
			if debits != credits {
				t.Errorf("debits %s, credits %s", debits.Yuan(), credits.Yuan())
			}
			for a, v := range want {
				if got[a] != v {
					t.Errorf("account %s: CSV sums to %s, the log to %s", a, got[a].Yuan(), v.Yuan())
				}
			}
			if tc.from == "" {
				bals, err := d.Node.Store.Balances(demo.Org, tc.at)
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range bals {
					if got[b.Account.Code] != b.Debit {
						t.Errorf("account %s: CSV sums to %s, the ledger's balance is %s", b.Account.Code, got[b.Account.Code].Yuan(), b.Debit.Yuan())
					}
				}
			}
			for _, v := range personalValues(d.Demo) {
				if bytes.Contains(raw, []byte(v)) {
					t.Fatalf("the export contains the personal value %q", v)
				}
			}
		})
	}

	// --out writes exactly what standard output gets.
	path := filepath.Join(t.TempDir(), "postings.csv")
	runExportCLI(t, d.URL, "--format", "csv", "--out", path, "--as-of", "2025-06-30")
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, runExportCLI(t, d.URL, "--format", "csv", "--as-of", "2025-06-30")) {
		t.Fatal("--out wrote other bytes than standard output")
	}

	// The download: content type and file name.
	resp, err := http.Get(d.URL + "/api/v1/orgs/" + demo.Org + "/export.csv?as_of_date=2025-06-30")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); !strings.HasPrefix(ct, "text/csv; charset=utf-8") ||
		cd != `attachment; filename="demo-hospital-postings-2025-06-30.csv"` {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
	}

	exportGoldens(t, d)
}

// exportGoldens keeps the postings of 5–9 June 2025 (dues, the dues entered
// twice and its reversal) in both formats as golden files, and checks a
// rebuild from the log gives the same bytes.
func exportGoldens(t *testing.T, d *ledgertest.DemoNode) {
	t.Helper()
	formats := []struct{ name, format string }{{"export_csv_2025-06-05_09", "csv"}, {"export_hledger_2025-06-05_09", "hledger"}}
	got := map[string][]byte{}
	for _, f := range formats {
		got[f.name] = runExportCLI(t, d.URL, "--format", f.format, "--from", "2025-06-05", "--to", "2025-06-09")
		golden(t, f.name, got[f.name])
	}
	d.Rebuild(t)
	for _, f := range formats {
		if again := runExportCLI(t, d.URL, "--format", f.format, "--from", "2025-06-05", "--to", "2025-06-09"); !bytes.Equal(again, got[f.name]) {
			t.Errorf("%s changed after a rebuild from the log", f.name)
		}
	}
}

// TestExportHledger exports the demo union as an hledger journal, has the
// real hledger binary check it (strictly: every account and the commodity
// declared, every transaction balanced) and compute each account's
// balance, and compares those with the ledger's balances, now and as of a
// past date. hledger must be installed (CI installs it): the test fails
// without it.
func TestExportHledger(t *testing.T) {
	bin, err := exec.LookPath("hledger")
	if err != nil {
		t.Fatalf("hledger is not installed (apt-get install hledger): %v", err)
	}
	d := ledgertest.StartDemo(t, demo.Small)
	log := fetchPostings(t, d.URL)
	dir := t.TempDir()
	for _, at := range []projections.AsOf{{}, {Date: "2025-06-30"}, {Seq: 500}} {
		t.Run(fmt.Sprintf("%+v", at), func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("demo-%d-%s.journal", at.Seq, at.Date))
			args := []string{"--format", "hledger", "--out", path}
			if at.Seq > 0 {
				args = append(args, "--as-of", fmt.Sprint(at.Seq))
			} else if at.Date != "" {
				args = append(args, "--as-of", at.Date)
			}
			runExportCLI(t, d.URL, args...)
			journal, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range personalValues(d.Demo) {
				if bytes.Contains(journal, []byte(v)) {
					t.Fatalf("the journal contains the personal value %q", v)
				}
			}
			txns := 0
			for _, e := range log {
				if (at.Seq == 0 || e.seq <= at.Seq) && (at.Date == "" || e.date <= at.Date) {
					txns++
				}
			}
			if got := len(regexp.MustCompile(`(?m)^[0-9]{4}-[0-9]{2}-[0-9]{2} \(`).FindAll(journal, -1)); got != txns || txns == 0 {
				t.Fatalf("%d transactions, the log has %d money events", got, txns)
			}
			if out, err := exec.Command(bin, "-f", path, "check", "-s").CombinedOutput(); err != nil {
				t.Fatalf("hledger check -s: %v\n%s", err, out)
			}
			out, err := exec.Command(bin, "-f", path, "balance", "--flat", "-E", "--no-total", "-O", "csv").Output()
			if err != nil {
				t.Fatalf("hledger balance: %v", err)
			}
			rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
			if err != nil || len(rows) < 2 || rows[0][0] != "account" {
				t.Fatalf("hledger balance output %q: %v", out, err)
			}
			chart, _ := events.ChartByVersion("2010")
			got := map[string]events.Fen{}
			for _, r := range rows[1:] {
				parts := strings.Split(r[0], ":")
				code, _, _ := strings.Cut(parts[len(parts)-1], " ")
				if projections.HledgerAccount(chart, code) != r[0] {
					t.Fatalf("hledger account %q is not the chart's %s", r[0], code)
				}
				amt := strings.TrimSpace(strings.TrimPrefix(r[1], "CNY"))
				neg := strings.HasPrefix(amt, "-")
				v, err := events.ParseYuan(strings.TrimPrefix(amt, "-"))
				if err != nil {
					t.Fatalf("hledger amount %q: %v", r[1], err)
				}
				if neg {
					v = -v
				}
				got[code] = v
			}
			bals, err := d.Node.Store.Balances(demo.Org, at)
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, b := range bals {
				if v, ok := got[b.Account.Code]; ok || b.Debit != 0 {
					seen++
					if v != b.Debit {
						t.Errorf("account %s: hledger %s, the ledger %s (debit-positive)", b.Account.Code, v.Yuan(), b.Debit.Yuan())
					}
				}
			}
			if seen != len(got) || seen < 5 {
				t.Errorf("hledger lists %d accounts, the ledger's balances %d of them", len(got), seen)
			}
		})
	}
}

// TestExportJSONLines: `export --json` writes the same posting lines as the
// CSV, one JSON object each, amounts in integer fen beside the yuan strings;
// debits equal credits.
func TestExportJSONLines(t *testing.T) {
	d := ledgertest.StartDemo(t, demo.Small)
	raw := runExportCLI(t, d.URL, "--format", "csv", "--as-of", "2025-09-30")
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows = rows[1:]
	lines := bytes.Split(bytes.TrimSuffix(runExportCLI(t, d.URL, "--json", "--as-of", "2025-09-30"), []byte("\n")), []byte("\n"))
	if len(lines) != len(rows) || len(rows) == 0 {
		t.Fatalf("%d JSON lines, %d CSV rows", len(lines), len(rows))
	}
	var debit, credit events.Fen
	for i, b := range lines {
		var l projections.PostingLine
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %d %s: %v", i, b, err)
		}
		got := []string{strconv.FormatUint(l.Seq, 10), l.Date, l.Type, l.EventID, l.Account, l.NameZH, l.NameEN, l.Debit, l.Credit, l.Memo}
		want := append([]string(nil), rows[i]...)
		for j := 7; j <= 8; j++ { // the CSV leaves the other side empty
			if want[j] == "" {
				want[j] = "0.00"
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("line %d: %q, CSV row %q", i, got, rows[i])
		}
		if l.Debit != l.DebitFen.Yuan() || l.Credit != l.CreditFen.Yuan() || (l.DebitFen == 0) == (l.CreditFen == 0) {
			t.Fatalf("line %d amounts: %+v", i, l)
		}
		debit += l.DebitFen
		credit += l.CreditFen
	}
	if debit != credit {
		t.Fatalf("debits %s, credits %s", debit.Yuan(), credit.Yuan())
	}
}
