package http_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
)

// apiStatus is the published HTTP status of each error code (docs/api.md):
// a client contract, so it is written out here rather than read back from
// the server's own table.
var apiStatus = map[ledger.Code]int{
	ledger.CodeMalformed: 400, ledger.CodeTooLarge: 413, ledger.CodeUnknownCommand: 400, ledger.CodeUnknownOrg: 404,
	ledger.CodeOrgExists: 409, ledger.CodeInvalid: 422, ledger.CodeInvalidAmount: 422, ledger.CodeUnknownAccount: 422,
	ledger.CodeDuplicateRecpt: 409, ledger.CodeOverdraft: 409, ledger.CodeCommandIDReused: 409, ledger.CodeWrongRole: 403,
	ledger.CodeUnknownPerson: 422, ledger.CodePersonErased: 410, ledger.CodeStateConflict: 409, ledger.CodeUnknownRef: 422,
	ledger.CodeSelfApproval: 403, ledger.CodeAlreadyDecided: 409, ledger.CodeNotApproved: 409, ledger.CodeNeedsCollective: 409,
	ledger.CodeOverBudget: 409, ledger.CodeOverCap: 409, ledger.CodeNotFestival: 422, ledger.CodeProhibited: 422,
	ledger.CodeNoticePeriod: 409, ledger.CodePeriodClosed: 409, ledger.CodeBadSignature: 403, ledger.CodeKeyRevoked: 403,
	ledger.CodeUnauthenticated: 401, ledger.CodeForbidden: 403, ledger.CodeNotFound: 404, ledger.CodeUnavailable: 503, ledger.CodeInternal: 500,
}

// notFromCommands are the codes no command can be refused with: not_found
// answers queries of things that do not exist, unavailable a ledger that is
// starting, stopping or cut off from its log, internal a bug. Every other
// code of ledger.Codes() must have a row in TestRefusalCatalogue.
var notFromCommands = []ledger.Code{ledger.CodeNotFound, ledger.CodeUnavailable, ledger.CodeInternal}

// catalogueSetup brings union h1 into the state the catalogue's refusals
// need and returns the signatures the rows replay. Every command goes
// through the HTTP API and must be accepted.
func catalogueSetup(t *testing.T, n *node.Node, post func(ledger.Command)) (e1Sig, e2OldKeySig string) {
	t.Helper()
	tr, ch, co, rl, ad := ledgertest.Treasurer, ledgertest.Chair, ledgertest.Committee, ledgertest.Relief, ledgertest.Admin
	c := func(id, typ, actor, date string, data any) ledger.Command {
		return ledgertest.Cmd(id, typ, "h1", actor, date, data)
	}
	oldKey := ed25519.NewKeyFromSeed(func() []byte { s := sha256.Sum256([]byte("the chair's old key")); return s[:] }())
	minutes := sha256.Sum256([]byte("minutes"))
	consent := sha256.Sum256([]byte("consent"))

	cmds := append(ledgertest.Setup("h1", "2010"), ledgertest.Members("h1", "m1")...)
	cmds = append(cmds,
		ledgertest.AnhuiPolicy("h1", "2025"), // festival gifts ≤ 2,000.00 a year, goods only
		c("reg-gone", "register_person", ad, "2025-01-01", map[string]string{"person": "p-gone"}),
		c("erase-gone", "erase_person", ad, "2025-01-01", map[string]string{"person": "p-gone", "reason": "left the union"}),
		c("reg-ben", "register_person", ad, "2025-01-01", map[string]string{"person": "p-ben"}), // registered, not a member
		c("key-old", "register_key", ad, "2025-01-01", map[string]string{
			"person": ch, "key": "k-old", "public": base64.StdEncoding.EncodeToString(oldKey.Public().(ed25519.PublicKey))}),
		c("revoke-old", "revoke_key", ad, "2025-01-02", map[string]string{"key": "k-old"}),
		ledgertest.Dues("h1", "d1", "2025-01-05", "m1", "100.00", "B1", "1"), // the bank holds 100.00
		// E1 is more than the bank holds; E2 stays pending; E3 is above the
		// collective threshold with no decision; E4 is over its budget line
		// with a decision; E5 pays the chair.
		ledgertest.Request("h1", "E1", "2025-03-05", "50102", "100.01", "体育用品店", "篮球"),
		ledgertest.Request("h1", "E2", "2025-03-05", "50102", "10.00", "体育用品店", "羽毛球"),
		ledgertest.Request("h1", "E3", "2025-03-05", "50102", "6000.00", "旅行社", "春游"),
		ledgertest.Request("h1", "E4", "2025-03-05", "50102", "1000000.01", "体育馆", "场馆"),
		ledgertest.Decision("h1", "D-E4", "2025-03-05", "E4"),
		c("E5:request", "request_expense", tr, "2025-03-05", map[string]string{
			"expense": "E5", "account": "50102", "amount": "10.00", "payee": ch, "payee_person": ch, "purpose": "报销"}),
		// Relief case R1, verified, on notice N1 from Monday 3 to Friday 7
		// March; the committee met on 10 March.
		c("R1:apply", "apply_relief", rl, "2025-03-01", map[string]any{
			"case": "R1", "person": "p-ben", "kind": "hardship", "amount": "3000.00", "details": map[string]string{"reason": "住院"}}),
		c("R1:verify", "verify_relief", rl, "2025-03-02", map[string]any{
			"case": "R1", "visited_on": "2025-03-01", "consent_sha256": hex.EncodeToString(consent[:]), "officers": []string{rl, co}}),
		c("N1:draft", "draft_disclosure", rl, "2025-03-02", map[string]any{
			"item": "N1", "kind": "relief_notice", "title": "2025年3月困难职工帮扶公示",
			"body": map[string]any{"notice_start": "2025-03-03", "notice_end": "2025-03-07", "entries": []map[string]any{
				{"case": "R1", "name": "王*明", "kind": "hardship", "amount": "2500"}}}}),
		c("N1:approve", "approve_disclosure", co, "2025-03-02", map[string]string{"item": "N1"}),
		c("N1:publish", "publish_disclosure", ch, "2025-03-03", map[string]string{"item": "N1"}),
		c("D1", "record_decision", co, "2025-03-10", map[string]any{
			"decision": "D1", "meeting": "工会委员会 2025 年第 3 次会议", "held": "2025-03-10",
			"attendees": []string{co, ch}, "minutes_hash": hex.EncodeToString(minutes[:])}),
		// January is closed.
		c("close-2025-01", "close_month", tr, "2025-02-01", map[string]string{"month": "2025-01"}),
	)
	for _, cmd := range cmds {
		post(cmd)
	}
	approve := func(id string) ledger.Command {
		cmd, ok, err := ledgertest.ApprovePending(n.Store, "h1", id, "2025-03-06")
		if err != nil || !ok {
			t.Fatalf("expense %s: %v %v", id, ok, err)
		}
		return cmd
	}
	e1 := approve("E1")
	post(e1)
	var data struct{ Signature string }
	if err := json.Unmarshal(e1.Data, &data); err != nil {
		t.Fatal(err)
	}
	e2, ok, err := n.Store.Expense("h1", "E2")
	if err != nil || !ok {
		t.Fatalf("expense E2: %v %v", ok, err)
	}
	return data.Signature, ledger.Sign(oldKey, ledger.ApprovalStatement(e2.Terms("h1")))
}

// TestRefusalCatalogue posts one bad command per row through the real HTTP
// API (httptest over node.Start: embedded NATS, Pebble) to a union set up
// with an approved expense, a published relief notice, a closed month, a
// revoked key, an erased person and a welfare policy. Each row must get its
// published HTTP status, its stable code, a message naming the rule that
// refused it (where a rule did) and leave the stream's last sequence where
// it was. Together the rows must produce every code of ledger.Codes() that
// a command can produce: a new code without a row here fails the test.
func TestRefusalCatalogue(t *testing.T) {
	n, srv := startAPI(t)
	postCmd := func(cmd ledger.Command) {
		t.Helper()
		if status, out := post(t, srv, ledgertest.JSON(cmd)); status != http.StatusCreated {
			t.Fatalf("setup %s %s: %d %v", cmd.Type, cmd.ID, status, out)
		}
	}
	e1Sig, oldKeySig := catalogueSetup(t, n, postCmd)
	// The same node behind a server that requires API tokens, as `serve`
	// runs it: refusals of the token check write nothing either.
	authed := httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).RequireTokens(n.Store).Handler())
	t.Cleanup(authed.Close)
	token := func(org, person string) string {
		tok, err := n.Store.CreateToken(org, person)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	trToken, otherOrgToken := token("h1", ledgertest.Treasurer), token("h2", ledgertest.Treasurer)

	tr, ch, co, rv, rl, mb, ad := ledgertest.Treasurer, ledgertest.Chair, ledgertest.Committee, ledgertest.Review, ledgertest.Relief, ledgertest.Member, ledgertest.Admin
	c := func(id, typ, actor, date string, data any) string {
		return ledgertest.JSON(ledgertest.Cmd(id, typ, "h1", actor, date, data))
	}
	dues := func(id, date, amount, number string) string {
		return ledgertest.JSON(ledgertest.Dues("h1", id, date, "m1", amount, "B1", number))
	}
	approveE2 := func(id, actor, key, sig string) string {
		return c(id, "approve_expense", actor, "2025-03-06", map[string]string{"expense": "E2", "key": key, "signature": sig})
	}
	request := func(id string, data map[string]string) string {
		d := map[string]string{"expense": id, "account": "50102", "amount": "10.00", "payee": "x", "purpose": "y"}
		for k, v := range data {
			d[k] = v
		}
		return c("req-"+id, "request_expense", tr, "2025-03-05", d)
	}
	round := func(id, festival, standard, form string, members ...string) string {
		return ledgertest.JSON(ledgertest.Round("h1", id, "2025-02-10", events.OccasionFestival, festival, standard, form, members...))
	}
	decideRelief := func(id, date string) string {
		return c(id, "decide_relief", co, date, map[string]string{"case": "R1", "notice": "N1", "decision": "D1", "granted": "2000.00", "expense": "E-R1"})
	}
	huge := dues("big", "2025-03-05", "1.00", "2")
	huge = huge[:len(huge)-1] + `,"pad":"` + strings.Repeat("x", ledger.MaxCommandBytes) + `"}`
	garbage := base64.StdEncoding.EncodeToString(make([]byte, ed25519.SignatureSize))

	tests := []struct {
		name string
		body string
		// token, when set, posts to the server that requires tokens, with
		// this bearer token ("-" for none)
		token string
		code  ledger.Code
		rule  string // the rule the message must name; empty where no rule refuses it (the envelope, the JSON)
		msg   string // a further fragment the message must contain
	}{
		// the request itself
		{"malformed json", `{"id":"x",`, "", ledger.CodeMalformed, "", "not valid JSON"},
		{"unknown envelope field", strings.Replace(dues("u1", "2025-03-05", "1.00", "3"), `"id"`, `"sudo":true,"id"`, 1), "", ledger.CodeMalformed, "", "unknown field"},
		{"unknown data field", c("u2", "receive_dues", tr, "2025-03-05", map[string]any{"member": "m1", "period": "2025-03", "amount": "1.00", "tip": "1.00", "receipt": map[string]string{"book": "B1", "number": "4"}}), "", ledger.CodeMalformed, "", "unknown field"},
		{"body over the size limit", huge, "", ledger.CodeTooLarge, "", "limit"},
		{"unknown command", c("x1", "withdraw_cash", tr, "2025-03-05", map[string]string{}), "", ledger.CodeUnknownCommand, "", "withdraw_cash"},
		{"unknown org", ledgertest.JSON(ledgertest.Dues("nowhere", "x2", "2025-03-05", "m1", "1.00", "B1", "9")), "", ledger.CodeUnknownOrg, "org-opened", "nowhere"},
		{"org opened twice", c("x3", "open_org", ad, "2025-03-05", map[string]string{"name": "x", "chart": "2010"}), "", ledger.CodeOrgExists, "org-opened", "already open"},
		{"impossible accounting date", dues("x4", "2025-02-30", "1.00", "5"), "", ledger.CodeInvalid, "", "accounting date"},
		{"amount as a JSON number", c("x5", "receive_dues", tr, "2025-03-05", map[string]any{"member": "m1", "period": "2025-03", "amount": 1.5, "receipt": map[string]string{"book": "B1", "number": "6"}}), "", ledger.CodeInvalid, "", "wrong type"},
		{"approval without a signature", approveE2("x6", ch, ledgertest.ChairKey, ""), "", ledger.CodeInvalid, "", "signature"},
		{"command id reused", dues("d1", "2025-03-05", "200.00", "99"), "", ledger.CodeCommandIDReused, "idempotent-commands", "different command"},
		// API tokens
		{"no API token", dues("t1", "2025-03-05", "1.00", "40"), "-", ledger.CodeUnauthenticated, "", "API token"},
		{"mistyped API token", dues("t2", "2025-03-05", "1.00", "41"), "not-a-token", ledger.CodeUnauthenticated, "", "not valid"},
		{"token of another person", approveE2("t3", ch, ledgertest.ChairKey, garbage), trToken, ledger.CodeForbidden, "", ch},
		{"token of another union", dues("t4", "2025-03-05", "1.00", "42"), otherOrgToken, ledger.CodeForbidden, "", "h2"},
		// amounts
		{"negative amount", dues("a1", "2025-03-05", "-5.00", "10"), "", ledger.CodeInvalidAmount, "money-format", "decimal yuan"},
		{"zero amount", dues("a2", "2025-03-05", "0.00", "11"), "", ledger.CodeInvalidAmount, "money-format", "more than zero"},
		{"three decimals", dues("a3", "2025-03-05", "1.005", "12"), "", ledger.CodeInvalidAmount, "money-format", "decimal yuan"},
		{"exponent", dues("a4", "2025-03-05", "1e3", "13"), "", ledger.CodeInvalidAmount, "money-format", "decimal yuan"},
		{"overflowing int64 fen", dues("a5", "2025-03-05", "92233720368547758.08", "14"), "", ledger.CodeInvalidAmount, "money-format", "too large"},
		{"over a trillion yuan", dues("a6", "2025-03-05", "1000000000000.01", "15"), "", ledger.CodeInvalidAmount, "money-format", "1000000000000.01"},
		// roles
		{"dues by the administrator", ledgertest.JSON(func() ledger.Command {
			cmd := ledgertest.Dues("h1", "w1", "2025-03-05", "m1", "1.00", "B1", "20")
			cmd.Actor = ad
			return cmd
		}()), "", ledger.CodeWrongRole, "role-required", "treasurer"},
		{"approval by the treasurer", approveE2("w2", tr, ledgertest.ChairKey, garbage), "", ledger.CodeWrongRole, "role-required", "chair"},
		{"audit opened by the treasurer", c("w3", "open_audit", tr, "2025-03-05", map[string]string{"audit": "A1", "kind": "routine", "scope": "2025", "from": "2025-01-01", "to": "2025-03-31"}), "", ledger.CodeWrongRole, "role-required", "p-treasurer"},
		// accounts, receipts, money
		{"unknown expense account", request("E7", map[string]string{"account": "599"}), "", ledger.CodeUnknownAccount, "chart-versioned", "599"},
		{"subsidy to the dues account", c("s1", "receive_subsidy", tr, "2025-03-05", map[string]any{"account": "401", "amount": "1.00", "payer": "市总工会", "receipt": map[string]string{"book": "B1", "number": "30"}}), "", ledger.CodeUnknownAccount, "income-accounts", "401"},
		{"duplicate receipt number", dues("r1", "2025-03-05", "1.00", "1"), "", ledger.CodeDuplicateRecpt, "receipt-unique", "already used"},
		{"overdraft", c("p1", "pay_expense", tr, "2025-03-07", map[string]string{"expense": "E1"}), "", ledger.CodeOverdraft, "no-overdraft", "below zero"},
		{"posting into a closed month", dues("p2", "2025-01-20", "1.00", "31"), "", ledger.CodePeriodClosed, "closed-periods", "2025-01"},
		// people
		{"payee not registered", request("E8", map[string]string{"payee_person": "p-nobody"}), "", ledger.CodeUnknownPerson, "people-registered", "p-nobody"},
		{"welfare for an unknown member", round("W1", "spring_festival", "100.00", events.FormGoods, "m9"), "", ledger.CodeUnknownPerson, "people-registered", "m9"},
		{"payee erased", request("E9", map[string]string{"payee_person": "p-gone"}), "", ledger.CodePersonErased, "personal-data", "p-gone"},
		{"relief for an erased person", c("x7", "apply_relief", rl, "2025-03-05", map[string]any{"case": "R2", "person": "p-gone", "kind": "hardship", "amount": "100.00", "details": map[string]string{"reason": "x"}}), "", ledger.CodePersonErased, "personal-data", "p-gone"},
		// expense lifecycle and the chair's signature
		{"expense id taken", request("E1", nil), "", ledger.CodeStateConflict, "expense-lifecycle", "E1"},
		{"paying an unknown expense", c("p3", "pay_expense", tr, "2025-03-07", map[string]string{"expense": "E99"}), "", ledger.CodeUnknownRef, "expense-lifecycle", "E99"},
		{"requesting a payment to oneself", request("E10", map[string]string{"payee_person": tr}), "", ledger.CodeSelfApproval, "three-people", tr},
		{"chair approving a payment to the chair", c("x8", "approve_expense", ch, "2025-03-06", map[string]string{"expense": "E5", "key": ledgertest.ChairKey, "signature": garbage}), "", ledger.CodeSelfApproval, "three-people", "E5"},
		{"approving twice", c("x9", "approve_expense", ch, "2025-03-06", map[string]string{"expense": "E1", "key": ledgertest.ChairKey, "signature": e1Sig}), "", ledger.CodeAlreadyDecided, "expense-lifecycle", "already approved"},
		{"paying an unapproved expense", c("p4", "pay_expense", tr, "2025-03-07", map[string]string{"expense": "E2"}), "", ledger.CodeNotApproved, "one-signature", "E2"},
		{"bad signature", approveE2("x10", ch, ledgertest.ChairKey, garbage), "", ledger.CodeBadSignature, "one-signature", "does not verify"},
		{"replayed signature of another expense", approveE2("x11", ch, ledgertest.ChairKey, e1Sig), "", ledger.CodeBadSignature, "one-signature", "does not verify"},
		{"unregistered key", approveE2("x12", ch, "k-none", garbage), "", ledger.CodeBadSignature, "one-signature", "k-none"},
		{"revoked key", approveE2("x13", ch, "k-old", oldKeySig), "", ledger.CodeKeyRevoked, "one-signature", "k-old"},
		{"large expense without a collective decision", c("x14", "approve_expense", ch, "2025-03-06", map[string]string{"expense": "E3", "key": ledgertest.ChairKey, "signature": sigFor(t, n, "E3")}), "", ledger.CodeNeedsCollective, "collective-decision", "E3"},
		{"over the budget line", c("x15", "approve_expense", ch, "2025-03-06", map[string]string{"expense": "E4", "key": ledgertest.ChairKey, "signature": sigFor(t, n, "E4")}), "", ledger.CodeOverBudget, "budget-first", "50102"},
		// welfare
		{"over the welfare cap", round("W2", "spring_festival", "2000.01", events.FormGoods, "m1"), "", ledger.CodeOverCap, "welfare-caps", "m1"},
		{"gift on a day that is not a festival", round("W3", "christmas", "100.00", events.FormGoods, "m1"), "", ledger.CodeNotFestival, "welfare-festivals", "christmas"},
		{"cash gift where only goods are allowed", round("W4", "spring_festival", "100.00", events.FormCash, "m1"), "", ledger.CodeProhibited, "welfare-form", "cash"},
		{"welfare for a non-member", round("W5", "spring_festival", "100.00", events.FormGoods, "p-ben"), "", ledger.CodeProhibited, "welfare-members", "p-ben"},
		// relief and the notice board
		{"relief decided before the notice ends", decideRelief("x16", "2025-03-05"), "", ledger.CodeNoticePeriod, "relief-notice-period", "N1"},
		{"objection after the notice ended", c("x17", "object_to_notice", mb, "2025-03-20", map[string]string{"objection": "O1", "item": "N1", "text": "有疑问"}), "", ledger.CodeNoticePeriod, "notice-objections", "N1"},
		{"publishing twice", c("x18", "publish_disclosure", ch, "2025-03-05", map[string]string{"item": "N1"}), "", ledger.CodeAlreadyDecided, "disclosure-lifecycle", "N1"},
		// periods
		{"closing a closed month", c("x19", "close_month", tr, "2025-03-05", map[string]string{"month": "2025-01"}), "", ledger.CodeAlreadyDecided, "period-close", "2025-01"},
		{"closing a month out of order", c("x20", "close_month", tr, "2025-04-01", map[string]string{"month": "2025-03"}), "", ledger.CodeStateConflict, "period-close", "2025-03"},
		{"reversing an event that does not exist", c("x21", "reverse_event", tr, "2025-03-05", map[string]any{"seq": 999999, "reason": "typo"}), "", ledger.CodeUnknownRef, "reversal", "999999"},
		// keys and audits
		{"key id taken", c("x22", "register_key", ad, "2025-03-05", map[string]string{"person": ch, "key": ledgertest.ChairKey, "public": ledgertest.Public(ch)}), "", ledger.CodeStateConflict, "signing-keys", ledgertest.ChairKey},
		{"finding on an unknown audit", c("x23", "record_finding", rv, "2025-03-05", map[string]string{"audit": "A9", "finding": "F1", "severity": "minor", "text": "x"}), "", ledger.CodeUnknownRef, "audit-references", "A9"},
	}

	ctx := context.Background()
	before, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[ledger.Code]bool{}
	names := map[string]bool{}
	for _, tt := range tests {
		if names[tt.name] {
			t.Fatalf("row %q twice", tt.name)
		}
		names[tt.name] = true
		seen[tt.code] = true
		t.Run(tt.name, func(t *testing.T) {
			want, ok := apiStatus[tt.code]
			if !ok {
				t.Fatalf("code %s has no published status", tt.code)
			}
			if got := ledgerhttp.StatusOf(tt.code); got != want {
				t.Errorf("server table maps %s to %d, docs/api.md to %d", tt.code, got, want)
			}
			var status int
			var out map[string]any
			if tt.token == "" {
				status, out = post(t, srv, tt.body)
			} else {
				status, out = postWithToken(t, authed, tt.token, tt.body)
			}
			msg, _ := out["message"].(string)
			if status != want || out["code"] != string(tt.code) {
				t.Fatalf("got %d %v, want %d %s", status, out, want, tt.code)
			}
			if tt.rule != "" && !strings.Contains(msg, "(rule "+tt.rule+")") {
				t.Errorf("message %q does not name rule %s", msg, tt.rule)
			}
			if tt.rule == "" && strings.Contains(msg, "(rule ") {
				t.Errorf("message %q names a rule the row does not expect", msg)
			}
			if !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q does not say %q", msg, tt.msg)
			}
			after, err := n.Log.LastSeq(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Fatalf("stream moved from %d to %d on a refused command", before, after)
			}
		})
	}
	if len(tests) < 40 {
		t.Errorf("%d rows, want at least 40", len(tests))
	}
	for _, code := range ledger.Codes() {
		switch {
		case slices.Contains(notFromCommands, code) && seen[code]:
			t.Errorf("code %s is listed as not coming from commands, yet a row produces it", code)
		case !slices.Contains(notFromCommands, code) && !seen[code]:
			t.Errorf("code %s can come from a command but no row of the catalogue produces it", code)
		}
	}
	for code := range seen {
		if !slices.Contains(ledger.Codes(), code) {
			t.Errorf("row code %s is not in ledger.Codes()", code)
		}
	}
}

// sigFor is the chair's valid signature of a pending expense as the ledger
// holds it, so a row is refused for what it tests and not for the signature.
func sigFor(t *testing.T, n *node.Node, id string) string {
	t.Helper()
	cmd, ok, err := ledgertest.ApprovePending(n.Store, "h1", id, "2025-03-06")
	if err != nil || !ok {
		t.Fatalf("expense %s: %v %v", id, ok, err)
	}
	var data struct{ Signature string }
	if err := json.Unmarshal(cmd.Data, &data); err != nil {
		t.Fatal(err)
	}
	return data.Signature
}

// postWithToken posts a command body to a server that requires tokens, with
// bearer token tok ("-": no Authorization header).
func postWithToken(t *testing.T, srv *httptest.Server, tok, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/commands", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "-" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
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
