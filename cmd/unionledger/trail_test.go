package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
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

// demoCommand finds a command of the demo by its id (without the seed
// prefix) and decodes its data.
func demoCommand(t *testing.T, d *demo.Demo, id string, data any) ledger.Command {
	t.Helper()
	want := fmt.Sprintf("demo%d-%s", d.Seed, id)
	for _, ph := range d.Phases {
		for _, l := range ph.Lanes {
			for _, st := range l {
				if st.Command.ID == want {
					if data != nil {
						if err := json.Unmarshal(st.Command.Data, data); err != nil {
							t.Fatal(err)
						}
					}
					return st.Command
				}
			}
		}
	}
	t.Fatalf("the demo has no command %s", want)
	return ledger.Command{}
}

// trailSubjects are the demo's trails kept as golden files, picked from
// the generator's inputs: a large expense (collective decision and the
// chair's signature), the relief case that drew an objection, the dues
// receipt entered by mistake and reversed, the first year's budget, that
// case's beneficiary as a member, and the chair as an actor.
func trailSubjects(t *testing.T, d *demo.Demo) [][2]string {
	t.Helper()
	var large string
	for _, e := range d.Expenses {
		if e.Decision != "" {
			large = e.ID
			break
		}
	}
	for _, r := range d.Rounds {
		if large == "" && r.Decision != "" {
			large = r.ID // a welfare round is paid by an expense of the same id
		}
	}
	if large == "" {
		t.Fatal("the demo has no expense above the collective-decision threshold")
	}
	var dues struct {
		Receipt events.Receipt `json:"receipt"`
	}
	demoCommand(t, d, "dues-mistake-"+d.Mistake.Period+"-"+d.Mistake.Member, &dues)
	c := d.Cases[0]
	return [][2]string{
		{"expense", large},
		{"relief", c.ID},
		{"receipt", dues.Receipt.Book + "/" + dues.Receipt.Number},
		{"budget", fmt.Sprint(d.Profile.From)},
		{"member", c.Person},
		{"actor", demo.Chair},
	}
}

func runTrailCLI(t *testing.T, ctx context.Context, url string, args ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(ctx, append([]string{"trail", "--server", url}, args...), nil, &out, &errb); err != nil {
		t.Fatalf("trail %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes()
}

// TestTrailDemo keeps the demo union's trails as golden files, text and
// JSON, checks them for what the story must hold (the chair's verified
// signature, the decision, the reversal), for the personal data and relief
// reasons they must never show, and that a rebuild from the log gives them
// back byte for byte. It also checks the refusals.
func TestTrailDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d := ledgertest.StartDemo(t, demo.Small)
	subjects := trailSubjects(t, d.Demo)
	asOf := fmt.Sprintf("%d-12-31", d.Demo.Profile.From+d.Demo.Profile.Years-1)
	outputs := func() map[string][]byte {
		out := map[string][]byte{}
		for _, s := range subjects {
			args := []string{"--org", demo.Org, "--" + s[0], s[1], "--as-of", asOf}
			out["trail_"+s[0]] = runTrailCLI(t, ctx, d.URL, args...)
			out["trail_"+s[0]+"_json"] = runTrailCLI(t, ctx, d.URL, append(args, "--json")...)
		}
		return out
	}
	got := outputs()
	// Event hashes differ from one build of the demo to the next (sealed
	// personal data has random nonces, and every hash chains the ones
	// before), so the golden files name them by sequence instead. A rebuild
	// from the same log must give the very same bytes, hashes included.
	var pairs []string
	err := d.Node.Store.Events(demo.Org, 1, 0, func(seq uint64, st events.Stored) bool {
		pairs = append(pairs, events.HashOf(st.Data), fmt.Sprintf("<hash of #%d>", seq))
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	stable := strings.NewReplacer(pairs...)
	for name, b := range got {
		golden(t, name, []byte(stable.Replace(string(b))))
	}

	t.Run("story", func(t *testing.T) {
		var tr projections.Trail
		if err := json.Unmarshal(got["trail_expense_json"], &tr); err != nil {
			t.Fatal(err)
		}
		var decided, signed, paid bool
		for _, s := range tr.Steps {
			switch s.Type {
			case "collective_decision_recorded":
				decided = s.Decision != nil && len(s.Decision.Attendees) > 0 && len(s.Decision.MinutesHash) == 64
			case "expense_approved":
				signed = s.Signature != nil && s.Signature.Verified && s.Signature.Key == demo.ChairKeyID &&
					s.Actor == demo.Chair && len(s.Roles) == 1 && s.Roles[0].Role == events.RoleChair && s.Decision != nil
			case "expense_paid":
				paid = len(s.Postings) == 2 && s.Postings[0].AmountFen == -s.Postings[1].AmountFen
			}
		}
		if !decided || !signed || !paid {
			t.Fatalf("expense trail: decision %v, verified signature by the chair %v, payment %v", decided, signed, paid)
		}
		if err := json.Unmarshal(got["trail_receipt_json"], &tr); err != nil {
			t.Fatal(err)
		}
		if len(tr.Steps) != 2 || tr.Steps[0].Type != "dues_received" || tr.Steps[1].Type != "reversal_posted" {
			t.Fatalf("receipt trail: %+v", tr.Steps)
		}
		if !bytes.Contains(got["trail_expense"], []byte("chair (工会主席)")) || !bytes.Contains(got["trail_expense"], []byte("✓ verified")) {
			t.Fatalf("text trail lacks the chair's role or the verified signature:\n%s", got["trail_expense"])
		}
	})

	t.Run("no personal data", func(t *testing.T) {
		// What the demo sealed or kept out of the log for every relief
		// beneficiary: names, phones, the application's details, and the
		// objection's text and resolution (they speak of the household).
		var planted []string
		members := map[string]demo.Member{}
		for _, m := range d.Demo.Members {
			members[m.ID] = m
		}
		for _, c := range d.Demo.Cases {
			m := members[c.Person]
			planted = append(planted, m.Name, demo.Masked(m.Name), m.Phone)
			var apply struct {
				Details events.ReliefDetails `json:"details"`
			}
			demoCommand(t, d.Demo, "relief-"+c.ID+"-apply", &apply)
			planted = append(planted, apply.Details.Reason, apply.Details.Household, apply.Details.Income)
		}
		var obj, res struct {
			Text   string `json:"text"`
			Reason string `json:"reason"`
		}
		demoCommand(t, d.Demo, "obj-"+d.Demo.Cases[0].ID, &obj)
		demoCommand(t, d.Demo, "obj-"+d.Demo.Cases[0].ID+"-resolve", &res)
		planted = append(planted, obj.Text, res.Reason)
		// The ciphertexts in the log are not shown either.
		err := d.Node.Store.Events(demo.Org, 1, 0, func(_ uint64, st events.Stored) bool {
			env, err := events.Decode(st.Data)
			if err != nil {
				t.Fatal(err)
			}
			p, err := events.DecodePayload(env)
			if err != nil {
				t.Fatal(err)
			}
			switch p := p.(type) {
			case events.ReliefApplied:
				planted = append(planted, p.Sealed)
			case events.PersonRegistered:
				if p.Person == d.Demo.Cases[0].Person {
					planted = append(planted, p.Sealed)
				}
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range planted {
			if v == "" {
				t.Fatal("an empty planted value: the test would prove nothing")
			}
		}
		if !bytes.Contains(got["trail_relief"], []byte("relief_applied")) || !bytes.Contains(got["trail_member"], []byte("relief_applied")) {
			t.Fatal("the relief and member trails do not contain the application: the check below would prove nothing")
		}
		for name, b := range got {
			for _, v := range planted {
				if bytes.Contains(b, []byte(v)) {
					t.Errorf("%s shows %q", name, v)
				}
			}
		}
	})

	t.Run("as of", func(t *testing.T) {
		var full, before projections.Trail
		if err := json.Unmarshal(got["trail_expense_json"], &full); err != nil {
			t.Fatal(err)
		}
		var approval projections.TrailStep
		for _, s := range full.Steps {
			if s.Type == "expense_approved" {
				approval = s
			}
		}
		b := runTrailCLI(t, ctx, d.URL, "--org", demo.Org, "--expense", subjects[0][1], "--as-of", fmt.Sprint(approval.Seq), "--json")
		if err := json.Unmarshal(b, &before); err != nil {
			t.Fatal(err)
		}
		last := before.Steps[len(before.Steps)-1]
		if last.Seq != approval.Seq || len(before.Steps) >= len(full.Steps) {
			t.Fatalf("as of seq %d the trail ends at %d with %d of %d steps", approval.Seq, last.Seq, len(before.Steps), len(full.Steps))
		}
		b = runTrailCLI(t, ctx, d.URL, "--org", demo.Org, "--expense", subjects[0][1], "--as-of", approval.Date, "--json")
		if err := json.Unmarshal(b, &before); err != nil {
			t.Fatal(err)
		}
		for _, s := range before.Steps {
			if s.Date > approval.Date {
				t.Fatalf("as of %s the trail shows #%d of %s", approval.Date, s.Seq, s.Date)
			}
		}
	})

	t.Run("refusals", func(t *testing.T) {
		tests := []struct {
			path   string
			status int
			code   ledger.Code
		}{
			{"expense/E-none", http.StatusNotFound, ledger.CodeNotFound},
			{"relief/R-none", http.StatusNotFound, ledger.CodeNotFound},
			{"receipt/DUES-2025/999999", http.StatusNotFound, ledger.CodeNotFound},
			{"budget/1999", http.StatusNotFound, ledger.CodeNotFound},
			{"member/p-nobody", http.StatusNotFound, ledger.CodeNotFound},
			{"actor/p-nobody", http.StatusNotFound, ledger.CodeNotFound},
			{"widget/x", http.StatusUnprocessableEntity, ledger.CodeInvalid},
			{"receipt/DUES-2025", http.StatusUnprocessableEntity, ledger.CodeInvalid},
			{"budget/25", http.StatusUnprocessableEntity, ledger.CodeInvalid},
			{"expense/E-1?limit=0", http.StatusUnprocessableEntity, ledger.CodeInvalid},
		}
		for _, tt := range tests {
			resp, err := http.Get(d.URL + "/api/v1/orgs/" + demo.Org + "/trail/" + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			var e struct{ Code, Message string }
			err = json.NewDecoder(resp.Body).Decode(&e)
			resp.Body.Close()
			if err != nil || resp.StatusCode != tt.status || e.Code != string(tt.code) || e.Message == "" {
				t.Errorf("%s: %d %+v %v, want %d %s", tt.path, resp.StatusCode, e, err, tt.status, tt.code)
			}
		}
		var out, errb bytes.Buffer
		err := run(ctx, []string{"trail", "--server", d.URL, "--org", demo.Org, "--expense", "E-none"}, nil, &out, &errb)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Code != string(ledger.CodeNotFound) || !strings.Contains(ae.Message, "E-none") {
			t.Errorf("CLI, unknown expense: %v", err)
		}
		for _, args := range [][]string{{"--org", demo.Org}, {"--org", demo.Org, "--expense", "a", "--actor", "b"}, {"--org", demo.Org, "--receipt", "nobook"}, {"--expense", "a"}} {
			err := run(ctx, append([]string{"trail", "--server", d.URL}, args...), nil, &out, &errb)
			if exitCode(err, &errb) != exitUsage {
				t.Errorf("trail %v: %v, want a usage error", args, err)
			}
		}
	})

	d.Rebuild(t)
	for name, b := range outputs() {
		if !bytes.Equal(b, got[name]) {
			t.Errorf("%s after a rebuild from the log differs from before:\n%s", name, b)
		}
		golden(t, name, []byte(stable.Replace(string(b))))
	}
}

// trailNode is a ledger on a real node with the standard test union (h1)
// and an HTTP server in front of it.
func trailNode(t *testing.T) (*node.Node, string) {
	t.Helper()
	n := ledgertest.StartNode(t, ledgertest.Setup("h1", "2010")...)
	srv := httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).Handler())
	t.Cleanup(srv.Close) // before the node's own cleanup
	return n, srv.URL
}

func trailSubmit(t *testing.T, n *node.Node, c ledger.Command) ledger.Result {
	t.Helper()
	res, err := n.Service.Submit(context.Background(), c)
	if err != nil {
		t.Fatalf("%s: %v", c.ID, err)
	}
	return res
}

func trailOf(t *testing.T, url string, args ...string) projections.Trail {
	t.Helper()
	var tr projections.Trail
	b := runTrailCLI(t, context.Background(), url, append([]string{"--org", "h1", "--json"}, args...)...)
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

func stepOf(t *testing.T, tr projections.Trail, typ, actor string) projections.TrailStep {
	t.Helper()
	for _, s := range tr.Steps {
		if s.Type == typ && s.Actor == actor {
			return s
		}
	}
	t.Fatalf("no %s by %s in the trail of %s", typ, actor, tr.Subject)
	return projections.TrailStep{}
}

func roleNames(rs []projections.TrailRole) string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r.Role))
	}
	return strings.Join(out, ",")
}

// TestTrailRoleAtThatMoment: the chair approves, then the chair's office
// passes to someone else and the old chair's key is revoked. The old
// approval still shows who was chair then, its signature still verifies
// (made before the revocation, which the trail names), and what the old
// chair does later shows the role held later.
func TestTrailRoleAtThatMoment(t *testing.T) {
	n, url := trailNode(t)
	const newChair, newKey = "p-chair-2", "k-chair-2"
	request := func(id string) ledger.ExpenseTerms {
		trailSubmit(t, n, ledgertest.Request("h1", id, "2025-02-03", "50102", "300.00", "市体育用品公司", "羽毛球"))
		return ledger.ExpenseTerms{Org: "h1", Expense: id, Account: "50102", Amount: 30000, Payee: "市体育用品公司", Purpose: "羽毛球", RequestedBy: ledgertest.Treasurer}
	}
	e1 := request("E1")
	trailSubmit(t, n, ledgertest.Approve("E1", "2025-02-04", e1))
	admin := func(id, typ string, data any) ledger.Result {
		return trailSubmit(t, n, ledgertest.Cmd(id, typ, "h1", ledgertest.Admin, "2025-02-10", data))
	}
	admin("reg-2", "register_person", map[string]string{"person": newChair})
	admin("grant-2", "grant_role", map[string]string{"person": newChair, "role": "chair"})
	revoked := admin("revoke-1", "revoke_role", map[string]string{"person": ledgertest.Chair, "role": "chair"})
	admin("key-2", "register_key", map[string]string{"person": newChair, "key": newKey, "public": ledgertest.Public(newChair)})
	keyRevoked := admin("unkey-1", "revoke_key", map[string]string{"key": ledgertest.ChairKey})
	admin("committee-1", "grant_role", map[string]string{"person": ledgertest.Chair, "role": "committee"})
	// The old chair, now a committee member, records a decision.
	trailSubmit(t, n, ledgertest.Cmd("D1", "record_decision", "h1", ledgertest.Chair, "2025-02-11", map[string]any{
		"decision": "D1", "meeting": "union committee meeting", "held": "2025-02-11", "attendees": []string{ledgertest.Chair, ledgertest.Committee},
		"minutes_hash": strings.Repeat("ab", 32)}))
	e2 := request("E2")
	trailSubmit(t, n, ledgertest.Cmd("E2:approve", "approve_expense", "h1", newChair, "2025-02-12", map[string]string{
		"expense": "E2", "key": newKey, "signature": ledger.Sign(ledgertest.Key(newChair), ledger.ApprovalStatement(e2))}))

	old := stepOf(t, trailOf(t, url, "--expense", "E1"), "expense_approved", ledgertest.Chair)
	if roleNames(old.Roles) != "chair" {
		t.Errorf("the old approval shows roles %q, want chair", roleNames(old.Roles))
	}
	if s := old.Signature; s == nil || !s.Verified || s.Signer != ledgertest.Chair || s.KeyRevokedSeq != keyRevoked.Events[0].Seq {
		t.Errorf("old signature: %+v, want verified, by %s, key revoked at %d", s, ledgertest.Chair, keyRevoked.Events[0].Seq)
	}
	// As of before the revocation, the trail does not know of it.
	if s := stepOf(t, trailOf(t, url, "--expense", "E1", "--as-of", fmt.Sprint(old.Seq)), "expense_approved", ledgertest.Chair).Signature; s == nil || !s.Verified || s.KeyRevokedSeq != 0 {
		t.Errorf("as of the approval: %+v", s)
	}
	actor := trailOf(t, url, "--actor", ledgertest.Chair)
	if got := roleNames(stepOf(t, actor, "expense_approved", ledgertest.Chair).Roles); got != "chair" {
		t.Errorf("the old chair's approval in their actor trail shows %q", got)
	}
	if got := roleNames(stepOf(t, actor, "collective_decision_recorded", ledgertest.Chair).Roles); got != "committee" {
		t.Errorf("the old chair's later decision shows roles %q, want committee only", got)
	}
	if got := roleNames(stepOf(t, trailOf(t, url, "--expense", "E2"), "expense_approved", newChair).Roles); got != "chair" {
		t.Errorf("the new chair's approval shows %q", got)
	}
	// The member trail of the old chair tells the history of the office.
	member := trailOf(t, url, "--member", ledgertest.Chair)
	var types []string
	for _, s := range member.Steps {
		types = append(types, s.Type)
	}
	if !strings.Contains(strings.Join(types, " "), "role_granted key_registered role_revoked key_revoked role_granted") ||
		stepOf(t, member, "role_revoked", ledgertest.Admin).Seq != revoked.Events[0].Seq {
		t.Errorf("member trail of the old chair: %v", types)
	}
	var text bytes.Buffer
	if err := run(context.Background(), []string{"trail", "--server", url, "--org", "h1", "--expense", "E1"}, nil, &text, &text); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`chair \(工会主席\) +p-chair +approved expense E1  ¥300\.00  signature k-chair ✓ verified`).MatchString(text.String()) ||
		!strings.Contains(text.String(), fmt.Sprintf("key revoked at #%d, after it signed", keyRevoked.Events[0].Seq)) {
		t.Errorf("text trail:\n%s", text.String())
	}
}

// forge appends an event straight to JetStream, bypassing the rules, as
// someone with access to the NATS server could: the chain is intact, so
// the projector applies it; only verifying the signature tells it apart.
func forge(t *testing.T, n *node.Node, actor string, p events.Payload, sig *events.Signature) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	head, err := n.Store.Head("h1")
	if err != nil {
		t.Fatal(err)
	}
	env, data, err := events.Seal(events.Draft{Date: "2025-03-01", Payload: p, Sig: sig}, events.Meta{
		ID: fmt.Sprintf("forged-%d", head.Seq+1), Org: "h1", Seq: head.Seq + 1, Recorded: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Actor: actor, Command: fmt.Sprintf("forged-%d", head.Seq+1), CommandHash: strings.Repeat("0", 64), Prev: head.Hash})
	if err != nil {
		t.Fatal(err)
	}
	last, err := n.Log.Append(ctx, "h1", head.StreamSeq, []ledger.Message{{Env: env, Data: data}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Store.WaitApplied(ctx, last); err != nil {
		t.Fatal(err)
	}
	return env.Seq
}

// TestTrailVerifiesSignatures: the ledger refuses a bad signature when a
// command is decided, so bad ones are forged into the log behind its back.
// The trail recomputes each verification from the registered public key
// and the canonical statement of the expense as requested, and says why a
// signature fails.
func TestTrailVerifiesSignatures(t *testing.T) {
	n, url := trailNode(t)
	terms := func(id string) ledger.ExpenseTerms {
		trailSubmit(t, n, ledgertest.Request("h1", id, "2025-02-03", "50102", "300.00", "市体育用品公司", "羽毛球"))
		return ledger.ExpenseTerms{Org: "h1", Expense: id, Account: "50102", Amount: 30000, Payee: "市体育用品公司", Purpose: "羽毛球", RequestedBy: ledgertest.Treasurer}
	}
	trailSubmit(t, n, ledgertest.RegisterKey("h1", ledgertest.Treasurer, "k-treasurer"))
	// Genuine decisions: an approval, and a signed rejection.
	trailSubmit(t, n, ledgertest.Approve("ok", "2025-02-04", terms("ok")))
	rej := terms("rejected")
	trailSubmit(t, n, ledgertest.Cmd("rejected:reject", "reject_expense", "h1", ledgertest.Chair, "2025-02-04", map[string]string{
		"expense": "rejected", "reason": "超出预算", "key": ledgertest.ChairKey,
		"signature": ledger.Sign(ledgertest.Key(ledgertest.Chair), ledger.RejectionStatement(rej, "超出预算"))}))

	approval := func(t ledger.ExpenseTerms, signer string, keyID string) (events.Payload, *events.Signature) {
		msg := ledger.ApprovalStatement(t)
		return events.ExpenseApproved{Expense: t.Expense, Statement: base64.StdEncoding.EncodeToString(msg)},
			&events.Signature{Key: keyID, Alg: "ed25519", Sig: ledger.Sign(ledgertest.Key(signer), msg)}
	}
	tests := []struct {
		name, expense string
		forge         func(ledger.ExpenseTerms) (events.Payload, *events.Signature)
		reason        string
	}{
		{"signed with another key under the chair's key id", "wrong-key", func(tm ledger.ExpenseTerms) (events.Payload, *events.Signature) {
			return approval(tm, ledgertest.Treasurer, ledgertest.ChairKey)
		}, "does not verify with the public key registered as \"k-chair\""},
		{"the chair's real signature over other terms", "other-terms", func(tm ledger.ExpenseTerms) (events.Payload, *events.Signature) {
			tm.Amount = 3000000 // the chair signed 30,000.00; 300.00 was requested
			return approval(tm, ledgertest.Chair, ledgertest.ChairKey)
		}, "not the canonical statement of expense other-terms"},
		{"an unregistered key", "no-key", func(tm ledger.ExpenseTerms) (events.Payload, *events.Signature) {
			return approval(tm, ledgertest.Chair, "k-nobody")
		}, "key \"k-nobody\" is not registered"},
		{"someone else's registered key", "their-key", func(tm ledger.ExpenseTerms) (events.Payload, *events.Signature) {
			return approval(tm, ledgertest.Treasurer, "k-treasurer")
		}, "belongs to p-treasurer, not to p-chair"},
		{"a tampered signature", "tampered", func(tm ledger.ExpenseTerms) (events.Payload, *events.Signature) {
			p, sig := approval(tm, ledgertest.Chair, ledgertest.ChairKey)
			raw, _ := base64.StdEncoding.DecodeString(sig.Sig)
			raw[0] ^= 1
			sig.Sig = base64.StdEncoding.EncodeToString(raw)
			return p, sig
		}, "does not verify"},
	}
	for _, tt := range tests {
		tm := terms(tt.expense)
		p, sig := tt.forge(tm)
		forge(t, n, ledgertest.Chair, p, sig)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := stepOf(t, trailOf(t, url, "--expense", tt.expense), "expense_approved", ledgertest.Chair).Signature
			if s == nil || s.Verified || !strings.Contains(s.Reason, tt.reason) {
				t.Fatalf("signature %+v, want not verified because %q", s, tt.reason)
			}
			var text bytes.Buffer
			if err := run(context.Background(), []string{"trail", "--server", url, "--org", "h1", "--expense", tt.expense}, nil, &text, &text); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text.String(), "✗ NOT verified: "+s.Reason) || strings.Contains(text.String(), "✓") {
				t.Fatalf("text trail:\n%s", text.String())
			}
		})
	}
	t.Run("genuine", func(t *testing.T) {
		for _, c := range []struct{ expense, typ, statement string }{{"ok", "expense_approved", "approve-expense v1"}, {"rejected", "expense_rejected", "reject-expense v1"}} {
			s := stepOf(t, trailOf(t, url, "--expense", c.expense), c.typ, ledgertest.Chair).Signature
			if s == nil || !s.Verified || s.Reason != "" || s.Statement != c.statement || s.Signer != ledgertest.Chair {
				t.Errorf("%s: %+v", c.expense, s)
			}
		}
	})
}
