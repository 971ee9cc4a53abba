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
	"unicode"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/demo"
	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
)

// planted is a member registered with distinctive personal data, who
// gets hardship relief for a distinctive reason.
type planted struct {
	id, name, idNumber, phone, bank, address, health string
	reason, household, income                        string
	kind, amount                                     string
}

var plantedPeople = []planted{
	{id: "p-jia", name: "测试甲某某", idNumber: "110101199003071234", phone: "13912345678", bank: "6222021234567890123",
		address: "北京市东城区测试胡同12号", health: "罕见病长期透析", reason: "罕见病住院治疗费用", household: "独自抚养两名子女",
		income: "月收入不足八百元", kind: "medical", amount: "3000.00"},
	{id: "p-yi", name: "欧阳乙试验", idNumber: "11010119850615432X", phone: "13698765432", bank: "6217001234567890",
		address: "上海市浦东新区样例路88弄", health: "糖尿病并发肾衰竭", reason: "配偶工伤致残失去劳动能力", household: "赡养三位高龄老人",
		income: "家庭人均月收入六百元", kind: "hardship", amount: "2500.00"},
	{id: "p-bing", name: "试丙", idNumber: "440305200001015678", phone: "15811112222", bank: "6228481234567890",
		address: "深圳市南山区虚构大道7号", health: "先天性心脏病手术", reason: "住房火灾损毁全部家当", household: "租住城中村单间",
		income: "失业领取救济金", kind: "warmth", amount: "1200.00"},
}

// windows lists every run of n runes in s (s itself when shorter).
func windows(s string, n int) []string {
	rs := []rune(s)
	if len(rs) <= n {
		return []string{s}
	}
	var out []string
	for i := 0; i+n <= len(rs); i++ {
		out = append(out, string(rs[i:i+n]))
	}
	return out
}

// digitWindows lists every run of n digits inside the digits of s.
func digitWindows(s string, n int) []string {
	var ds []rune
	for _, r := range s {
		if unicode.IsDigit(r) {
			ds = append(ds, r)
		}
	}
	return windows(string(ds), n)
}

// secrets are the planted values and the pieces of them that would give
// them away: each name and every two characters of it (surname and given
// name, given name alone…), each run of seven digits of an ID, phone or
// bank number, and every three characters of an address, a health note or
// a hardship reason. Each maps to what it was cut from.
func (p planted) secrets() map[string]string {
	out := map[string]string{}
	add := func(what string, parts []string) {
		for _, s := range parts {
			out[s] = what
		}
	}
	add("name", append([]string{p.name}, windows(p.name, 2)...))
	for what, s := range map[string]string{"ID number": p.idNumber, "phone": p.phone, "bank account": p.bank} {
		add(what, append([]string{s}, digitWindows(s, 7)...))
	}
	for what, s := range map[string]string{"address": p.address, "health": p.health, "reason": p.reason,
		"household": p.household, "income": p.income} {
		add(what, append([]string{s}, windows(s, 3)...))
	}
	return out
}

// jsonText is every string and key in a JSON document, so that a value
// escaped in the JSON (\u6d4b) is still found.
func jsonText(t *testing.T, raw []byte) string {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers stay as written: no float, even in a test
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				b.WriteString(k + "\n")
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			b.WriteString(v + "\n")
		case json.Number:
			b.WriteString(v.String() + "\n")
		}
	}
	walk(v)
	return b.String()
}

// TestNoPersonalDataOnBoardOrExports is done-when 3: members registered
// with planted personal values (names in clear, ID, phone and bank numbers,
// addresses, health notes) get hardship relief for planted reasons, taken
// through application, home visit, public notice, an objection, the
// committee's decision, the chair's signature and payment; they are in a
// welfare round, pay dues, and ask a question on the relief notice; the
// union publishes the notice (masked names), the round, a period summary
// drafted from the books and an answer. Then the board — GET /board as
// JSON, and `unionledger board` as text, now and as of the notice — and
// every export — GET export.csv and export.journal, and `unionledger
// export` as CSV and hledger — contain none of the planted values nor the
// pieces that would give them away, while the board does show the masked
// names.
func TestNoPersonalDataOnBoardOrExports(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A deterministic clock and event ids: the hashes and ids in the
	// exports are the same on every run, so no run can meet a planted
	// digit run in them by chance.
	now, newID := ledgertest.Deterministic(time.Date(2025, 4, 10, 8, 0, 0, 0, time.UTC))
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir(), Now: now, NewID: newID})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	srv := httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).Handler())
	defer srv.Close()
	tr, ch, co, rl, ad := ledgertest.Treasurer, ledgertest.Chair, ledgertest.Committee, ledgertest.Relief, ledgertest.Admin
	cmd := func(id, typ, actor, date string, data any) ledger.Command {
		return ledgertest.Cmd(id, typ, "h1", actor, date, data)
	}
	submit := func(cmds ...ledger.Command) {
		t.Helper()
		for _, c := range cmds {
			if _, err := n.Service.Submit(ctx, c); err != nil {
				t.Fatalf("%s %s: %v", c.Type, c.ID, err)
			}
		}
	}
	approve := func(expense, date string) {
		t.Helper()
		c, ok, err := ledgertest.ApprovePending(n.Store, "h1", expense, date)
		if err != nil || !ok {
			t.Fatalf("expense %s: %v %v", expense, ok, err)
		}
		submit(c)
	}

	submit(ledgertest.Setup("h1", "2010")...)
	submit(ledgertest.AnhuiPolicy("h1", "2025"))
	var ids []string
	for i, p := range plantedPeople {
		ids = append(ids, p.id)
		submit(
			cmd("reg-"+p.id, "register_person", ad, "2025-01-01", map[string]string{"person": p.id, "name": p.name,
				"id_number": p.idNumber, "phone": p.phone, "bank_account": p.bank, "address": p.address, "health": p.health}),
			cmd("member-"+p.id, "grant_role", ad, "2025-01-01", map[string]string{"person": p.id, "role": string(events.RoleMember)}),
			ledgertest.Dues("h1", "dues-"+p.id, "2025-01-05", p.id, "66.50", "DUES", fmt.Sprint(i+1)),
		)
	}
	submit(cmd("subsidy", "receive_subsidy", tr, "2025-01-06", map[string]any{"account": "40304", "amount": "20000.00",
		"payer": "市总工会", "memo": "帮扶补助", "receipt": map[string]string{"book": "SUB", "number": "1"}}))

	// A spring-festival round for the three, paid and disclosed.
	submit(ledgertest.Round("h1", "W1", "2025-01-20", events.OccasionFestival, "spring_festival", "200.00", events.FormGoods, ids...))
	approve("W1", "2025-01-21")
	submit(cmd("W1:pay", "pay_expense", tr, "2025-01-22", map[string]string{"expense": "W1"}))
	disclose := func(item, kind, drafter, drafted, published string, body any) {
		submit(
			cmd(item+":draft", "draft_disclosure", drafter, drafted, map[string]any{"item": item, "kind": kind, "title": "公示 " + item, "body": body}),
			cmd(item+":approve", "approve_disclosure", co, drafted, map[string]string{"item": item}),
			cmd(item+":publish", "publish_disclosure", ch, published, map[string]string{"item": item}))
	}
	disclose("DW1", "welfare_round", tr, "2025-01-23", "2025-01-24",
		map[string]any{"round": "2025年春节慰问品", "standard": "200", "headcount": len(ids), "total": "600"})

	// Relief for each: application with the planted reasons, home visit,
	// one notice with masked names, a question and an objection on it,
	// the committee's decision, the chair's signature, payment.
	var entries []map[string]string
	for i, p := range plantedPeople {
		c := fmt.Sprintf("R%d", i+1)
		submit(
			cmd(c+":apply", "apply_relief", rl, "2025-02-24", map[string]any{"case": c, "person": p.id, "kind": p.kind, "amount": p.amount,
				"details": events.ReliefDetails{Reason: p.reason, Household: p.household, Income: p.income, Health: p.health}}),
			cmd(c+":verify", "verify_relief", rl, "2025-02-26", map[string]any{"case": c, "visited_on": "2025-02-25",
				"consent_sha256": strings.Repeat("ab", 32), "officers": []string{rl, co}}),
		)
		entries = append(entries, map[string]string{"case": c, "name": demo.Masked(p.name), "kind": p.kind, "amount": p.amount})
	}
	disclose("N1", "relief_notice", rl, "2025-02-28", "2025-03-03",
		map[string]any{"notice_start": "2025-03-03", "notice_end": "2025-03-07", "entries": entries})
	submit(
		cmd("q1", "ask_question", plantedPeople[0].id, "2025-03-04", map[string]string{"question": "Q1", "item": "N1", "text": "公示名单的金额是按什么标准确定的？"}),
		cmd("a1", "answer_question", ch, "2025-03-05", map[string]string{"question": "Q1", "answer": "A1", "text": "按本会帮扶办法的标准确定。"}),
		cmd("o1", "object_to_notice", plantedPeople[1].id, "2025-03-05", map[string]string{"objection": "O1", "item": "N1", "text": "请再核实一户的家庭收入"}),
		cmd("o1:resolve", "resolve_objection", co, "2025-03-10", map[string]string{"objection": "O1", "outcome": "dismissed", "reason": "经入户核实属实"}),
	)
	for i := range plantedPeople {
		c := fmt.Sprintf("R%d", i+1)
		submit(
			ledgertest.Decision("h1", "D-"+c, "2025-03-10"),
			cmd(c+":decide", "decide_relief", co, "2025-03-10", map[string]string{"case": c, "notice": "N1", "decision": "D-" + c,
				"granted": plantedPeople[i].amount, "expense": "E-" + c}),
		)
		approve("E-"+c, "2025-03-11")
		submit(cmd("E-"+c+":pay", "pay_expense", tr, "2025-03-12", map[string]string{"expense": "E-" + c}))
	}
	// The first quarter's summary, drafted from the books.
	disclose("S1", "period_summary", tr, "2025-04-08", "2025-04-09", map[string]any{"from": "2025-01-01", "to": "2025-03-31"})

	// What the public sees, and what leaves the ledger in exports.
	outputs := map[string]string{}
	get := func(name, path string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v\n%s", path, resp.StatusCode, err, body)
		}
		outputs[name] = string(body)
		if strings.HasSuffix(path, "/board") || strings.Contains(path, "/board?") {
			outputs[name+" (strings)"] = jsonText(t, body)
		}
	}
	cli := func(name string, args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(ctx, append(args, "--server", srv.URL, "--org", "h1"), nil, &out, &errb); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errb.String())
		}
		outputs[name] = out.String()
	}
	get("GET /board", "/api/v1/orgs/h1/board")
	get("GET /board as of the notice", "/api/v1/orgs/h1/board?as_of_date=2025-03-05")
	cli("unionledger board", "board")
	cli("unionledger board --as-of 2025-03-05", "board", "--as-of", "2025-03-05")
	cli("unionledger board --json", "board", "--json")
	get("GET /export.csv", "/api/v1/orgs/h1/export.csv")
	get("GET /export.journal", "/api/v1/orgs/h1/export.journal")
	get("GET /export.jsonl", "/api/v1/orgs/h1/export.jsonl")
	cli("unionledger export --format csv", "export", "--format", "csv")
	cli("unionledger export --format hledger", "export", "--format", "hledger")
	cli("unionledger export --json", "export", "--json")

	for name, out := range outputs {
		if len(out) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	// Everything was exercised: the board shows the relief, the answer,
	// the round and the summary's relief spending.
	board := outputs["unionledger board"]
	for _, want := range []string{"N1", "A1", "DW1", "S1", "50204", "50205", "a member (会员)", "Objections 异议: 1 raised"} {
		if !strings.Contains(board, want) {
			t.Errorf("the board text lacks %q:\n%s", want, board)
		}
	}
	for _, p := range plantedPeople {
		masked := demo.Masked(p.name)
		if !ledger.MaskedName(masked) {
			t.Fatalf("%q is not a masked name", masked)
		}
		for name, out := range outputs {
			if strings.Contains(name, "board") && !strings.Contains(out, masked) {
				t.Errorf("%s does not show the masked name %s", name, masked)
			}
		}
		for secret, what := range p.secrets() {
			for name, out := range outputs {
				if strings.Contains(out, secret) {
					t.Errorf("%s shows %s's %s (%q)", name, p.id, what, secret)
				}
			}
		}
		// The board does not say who asked or objected either.
		for name, out := range outputs {
			if strings.Contains(name, "board") && strings.Contains(out, p.id) {
				t.Errorf("%s names person %s", name, p.id)
			}
		}
	}
}
