package http_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/ledger"
	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
)

func startAPI(t *testing.T) (*node.Node, *httptest.Server) {
	t.Helper()
	n := ledgertest.StartNode(t)
	srv := httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).Handler())
	t.Cleanup(srv.Close) // before the node's own cleanup
	return n, srv
}

func post(t *testing.T, srv *httptest.Server, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(srv.URL+"/api/v1/commands", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("answer is not JSON: %q", data)
	}
	return resp.StatusCode, out
}

func cmdJSON(id, typ, org, data string) string {
	return `{"id":"` + id + `","type":"` + typ + `","org":"` + org + `","actor":"p-treasurer","date":"2025-03-05","data":` + data + `}`
}

func dues(id, amount, number string) string {
	return cmdJSON(id, "receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"`+amount+`","receipt":{"book":"B1","number":"`+number+`"}}`)
}

// TestBadInputChangesNothing posts refused commands and checks each gets
// its stable code, HTTP status and a message, and that the stream's last
// sequence does not move.
func TestBadInputChangesNothing(t *testing.T) {
	n, srv := startAPI(t)
	// E1 is approved but more than the bank holds; E2 is pending.
	e1 := ledger.ExpenseTerms{Org: "h1", Expense: "E1", Account: "50102", Amount: 10001, Payee: "x", Purpose: "y", RequestedBy: ledgertest.Treasurer}
	var setup []string
	for _, c := range ledgertest.Setup("h1", "2010") {
		setup = append(setup, ledgertest.JSON(c))
	}
	for _, body := range append(setup,
		dues("d1", "100.00", "1"),
		ledgertest.JSON(ledgertest.Request("h1", "E1", "2025-03-05", "50102", "100.01", "x", "y")),
		ledgertest.JSON(ledgertest.Request("h1", "E2", "2025-03-05", "50102", "10.00", "x", "y")),
		ledgertest.JSON(ledgertest.Approve("E1", "2025-03-05", e1)),
	) {
		if status, out := post(t, srv, body); status != http.StatusCreated {
			t.Fatalf("setup: %d %v", status, out)
		}
	}
	chair := func(id, typ, data string) string {
		return strings.Replace(cmdJSON(id, typ, "h1", data), `"actor":"p-treasurer"`, `"actor":"p-chair"`, 1)
	}
	replayed := ledger.Sign(ledgertest.Key(ledgertest.Chair), ledger.ApprovalStatement(e1))
	huge := dues("big", "1.00", "2")
	huge = huge[:len(huge)-1] + `,"pad":"` + strings.Repeat("x", ledger.MaxCommandBytes) + `"}`

	tests := []struct {
		name   string
		body   string
		code   ledger.Code
		status int
		msg    string // a fragment the message must contain
	}{
		{"malformed json", `{"id":"x",`, ledger.CodeMalformed, 400, "not valid JSON"},
		{"not an object", `[1,2]`, ledger.CodeMalformed, 400, "not valid JSON"},
		{"trailing data", dues("t1", "1.00", "3") + `{}`, ledger.CodeMalformed, 400, "trailing"},
		{"unknown envelope field", strings.Replace(dues("u1", "1.00", "3"), `"id"`, `"sudo":true,"id"`, 1), ledger.CodeMalformed, 400, "unknown field"},
		{"empty body", ``, ledger.CodeMalformed, 400, "not valid JSON"},
		{"body over the limit", huge, ledger.CodeTooLarge, 413, "limit"},
		{"unknown command", cmdJSON("x1", "withdraw_cash", "h1", `{}`), ledger.CodeUnknownCommand, 400, "withdraw_cash"},
		{"unknown org", cmdJSON("x2", "receive_dues", "nowhere", `{"member":"m1","period":"2025-03","amount":"1.00","receipt":{"book":"B1","number":"9"}}`), ledger.CodeUnknownOrg, 404, "nowhere"},
		{"negative amount", dues("a1", "-5.00", "10"), ledger.CodeInvalidAmount, 422, "decimal yuan"},
		{"zero amount", dues("a2", "0.00", "11"), ledger.CodeInvalidAmount, 422, "more than zero"},
		{"three decimals", dues("a3", "1.005", "12"), ledger.CodeInvalidAmount, 422, "decimal yuan"},
		{"exponent", dues("a4", "1e3", "13"), ledger.CodeInvalidAmount, 422, "decimal yuan"},
		{"overflowing int64 fen", dues("a5", "92233720368547758.08", "14"), ledger.CodeInvalidAmount, 422, "too large"},
		{"amount as JSON number", cmdJSON("a6", "receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":1.5,"receipt":{"book":"B1","number":"15"}}`), ledger.CodeInvalid, 422, "wrong type"},
		{"bad accounting date", strings.Replace(dues("a7", "1.00", "16"), "2025-03-05", "2025-02-30", 1), ledger.CodeInvalid, 422, "accounting date"},
		{"missing command id", strings.Replace(dues("a8", "1.00", "17"), `"id":"a8"`, `"id":""`, 1), ledger.CodeInvalid, 422, "command id"},
		{"duplicate receipt", dues("r1", "1.00", "1"), ledger.CodeDuplicateRecpt, 409, "already used"},
		{"overdraft", cmdJSON("o1", "pay_expense", "h1", `{"expense":"E1"}`), ledger.CodeOverdraft, 409, "below zero"},
		{"unknown account", cmdJSON("o2", "request_expense", "h1", `{"expense":"E3","account":"599","amount":"1.00","payee":"x","purpose":"y"}`), ledger.CodeUnknownAccount, 422, "599"},
		{"paying an unapproved expense", cmdJSON("o3", "pay_expense", "h1", `{"expense":"E2"}`), ledger.CodeNotApproved, 409, "approved"},
		{"paying an unknown expense", cmdJSON("o4", "pay_expense", "h1", `{"expense":"E9"}`), ledger.CodeUnknownRef, 422, "E9"},
		{"approving twice", chair("o5", "approve_expense", `{"expense":"E1","key":"k-chair","signature":"`+replayed+`"}`), ledger.CodeAlreadyDecided, 409, "already approved"},
		{"replayed signature", chair("o6", "approve_expense", `{"expense":"E2","key":"k-chair","signature":"`+replayed+`"}`), ledger.CodeBadSignature, 403, "does not verify"},
		{"approving as the treasurer", cmdJSON("o7", "approve_expense", "h1", `{"expense":"E2","key":"k-chair","signature":"`+replayed+`"}`), ledger.CodeWrongRole, 403, "chair"},
		{"org opened twice", cmdJSON("open2", "open_org", "h1", `{"name":"x","chart":"2010"}`), ledger.CodeOrgExists, 409, "already open"},
		{"wrong role", strings.Replace(dues("w1", "1.00", "20"), `"actor":"p-treasurer"`, `"actor":"p-admin"`, 1), ledger.CodeWrongRole, 403, "treasurer"},
		{"actor holding no role", strings.Replace(dues("w2", "1.00", "21"), `"actor":"p-treasurer"`, `"actor":"p-stranger"`, 1), ledger.CodeWrongRole, 403, "p-stranger"},
		{"command id reused", dues("d1", "200.00", "99"), ledger.CodeCommandIDReused, 409, "different command"},
	}
	before, err := n.Log.LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := post(t, srv, tt.body)
			if status != tt.status || out["code"] != string(tt.code) {
				t.Fatalf("got %d %v, want %d %s", status, out, tt.status, tt.code)
			}
			if msg, _ := out["message"].(string); !strings.Contains(msg, tt.msg) {
				t.Fatalf("message %q does not say %q", msg, tt.msg)
			}
			after, err := n.Log.LastSeq(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Fatalf("stream moved from %d to %d on a refused command", before, after)
			}
		})
	}
	// A retry of an accepted command is answered with the original result
	// and appends nothing either.
	status, out := post(t, srv, dues("d1", "100.00", "1"))
	if status != http.StatusOK || out["duplicate"] != true {
		t.Fatalf("retry: %d %v", status, out)
	}
	if after, _ := n.Log.LastSeq(context.Background()); after != before {
		t.Fatalf("retry appended: %d → %d", before, after)
	}
}

func TestQueries(t *testing.T) {
	_, srv := startAPI(t)
	var seqs []int // the org sequence of each setup command's first event
	for _, body := range []string{
		ledgertest.JSON(ledgertest.Open("h1", "2010")),
		dues("d1", "100.00", "1"),
		strings.Replace(dues("d2", "50.25", "2"), "2025-03-05", "2025-04-01", 1),
	} {
		status, out := post(t, srv, body)
		if status != http.StatusCreated {
			t.Fatalf("setup: %d %v", status, out)
		}
		seqs = append(seqs, int(out["events"].([]any)[0].(map[string]any)["seq"].(float64)))
	}
	d1, d2 := seqs[1], seqs[2]
	get := func(path string) (int, map[string]any) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	bank := func(out map[string]any) any {
		for _, a := range out["accounts"].([]any) {
			if a := a.(map[string]any); a["code"] == "102" {
				return a["balance"]
			}
		}
		return nil
	}
	tests := []struct {
		path   string
		status int
		bank   any
		code   string
	}{
		{"/api/v1/orgs/h1/balances", 200, "150.25", ""},
		{fmt.Sprintf("/api/v1/orgs/h1/balances?as_of_seq=%d", d1), 200, "100.00", ""},
		{"/api/v1/orgs/h1/balances?as_of_date=2025-03-31", 200, "100.00", ""},
		{"/api/v1/orgs/h1/balances?as_of_date=2025-03-04", 200, nil, ""},
		{"/api/v1/orgs/h1/balances?as_of_seq=0", 422, nil, "invalid"},
		{"/api/v1/orgs/h1/balances?as_of_date=2025-3-1", 422, nil, "invalid"},
		{"/api/v1/orgs/h1/balances?as_of_seq=1&as_of_date=2025-03-01", 422, nil, "invalid"},
		{"/api/v1/orgs/nowhere/balances", 404, nil, "unknown_org"},
		{"/api/v1/nothing", 404, nil, "not_found"},
	}
	for _, tt := range tests {
		status, out := get(tt.path)
		if status != tt.status {
			t.Errorf("%s: status %d %v", tt.path, status, out)
			continue
		}
		if tt.code != "" && out["code"] != tt.code {
			t.Errorf("%s: code %v", tt.path, out["code"])
		}
		if tt.status == 200 {
			if got := bank(out); got != tt.bank && !(tt.bank == nil && got == "0.00") {
				t.Errorf("%s: bank %v, want %v", tt.path, got, tt.bank)
			}
		}
	}
	_, out := get(fmt.Sprintf("/api/v1/orgs/h1/events?from=%d&limit=1", d1))
	evs := out["events"].([]any)
	if len(evs) != 1 {
		t.Fatalf("events: %v", out)
	}
	ev := evs[0].(map[string]any)["event"].(map[string]any)
	if ev["seq"] != float64(d1) || ev["type"] != "dues_received" {
		t.Fatalf("event: %v", ev)
	}
	for _, path := range []string{"/api/v1/orgs/h1/events?from=18446744073709551615&limit=10", fmt.Sprintf("/api/v1/orgs/h1/events?from=%d", d2+1)} {
		status, out := get(path)
		if status != 200 || len(out["events"].([]any)) != 0 {
			t.Fatalf("%s: %d %v", path, status, out)
		}
	}
	if status, out := get("/api/v1/orgs/h1/events?limit=0"); status != 422 || out["code"] != "invalid" {
		t.Fatalf("limit=0: %d %v", status, out)
	}
}

func TestStatusTableCoversEveryCode(t *testing.T) {
	for _, c := range ledger.Codes() {
		if s := ledgerhttp.StatusOf(c); s == http.StatusInternalServerError && c != ledger.CodeInternal {
			t.Errorf("code %s maps to 500", c)
		}
	}
	if ledgerhttp.StatusOf(ledger.CodeInternal) != 500 {
		t.Errorf("internal must be 500")
	}
}

// TestExpenseQuery reads an expense back with the exact statement the
// chair signs, which must be the one the rules verify.
func TestExpenseQuery(t *testing.T) {
	_, srv := startAPI(t)
	cmds := append(ledgertest.Setup("h1", "2010"), ledgertest.Request("h1", "E1", "2025-03-05", "50102", "12.34", "体育用品店", "篮球 <&>"))
	for _, c := range cmds {
		if status, out := post(t, srv, ledgertest.JSON(c)); status != http.StatusCreated {
			t.Fatalf("setup: %d %v", status, out)
		}
	}
	get := func(path string) (int, map[string]any) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	status, out := get("/api/v1/orgs/h1/expenses/E1")
	if status != 200 {
		t.Fatalf("GET expense: %d %v", status, out)
	}
	e := out["expense"].(map[string]any)
	if e["status"] != "pending" || e["amount_fen"] != 1234.0 || out["amount"] != "12.34" || e["requested_by"] != ledgertest.Treasurer {
		t.Fatalf("expense %v", out)
	}
	terms := ledger.ExpenseTerms{Org: "h1", Expense: "E1", Account: "50102", Amount: 1234, Payee: "体育用品店", Purpose: "篮球 <&>", RequestedBy: ledgertest.Treasurer}
	if want := base64.StdEncoding.EncodeToString(ledger.ApprovalStatement(terms)); out["approval_statement"] != want {
		t.Fatalf("statement %v, want %s", out["approval_statement"], want)
	}
	for _, tt := range []struct {
		path   string
		status int
		code   string
	}{
		{"/api/v1/orgs/h1/expenses/E9", 404, "not_found"},
		{"/api/v1/orgs/nowhere/expenses/E1", 404, "unknown_org"},
		{"/api/v1/orgs/h1/expenses/E%201", 422, "invalid"},
	} {
		if status, out := get(tt.path); status != tt.status || out["code"] != tt.code {
			t.Errorf("%s: %d %v, want %d %s", tt.path, status, out, tt.status, tt.code)
		}
	}
}
