package node_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
)

// expenseEvents returns the org's stored events about one expense, decoded,
// in order.
func expenseEvents(t *testing.T, n *node.Node, org, expense string) []events.Envelope {
	t.Helper()
	var out []events.Envelope
	err := n.Store.Events(org, 1, 0, func(_ uint64, st events.Stored) bool {
		env, err := events.Decode(st.Data)
		if err != nil {
			t.Fatalf("stored event: %v", err)
		}
		if env.Aggregate == "expense:"+expense {
			out = append(out, env)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExpenseLifecycle requests, approves and pays an expense through the
// real append path, then checks the chair's signature from the stored
// events alone, as an auditor would: the approval's statement verifies with
// the registered key and states exactly what was requested.
func TestExpenseLifecycle(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	setup(t, n, "h1")
	submit(t, n, ledgertest.Dues("h1", "d1", "2025-01-05", "m1", "2000.00", "B1", "1"))
	for _, c := range ledgertest.Pay("h1", "E1", "2025-03-10", "50102", "1234.56", "市体育用品公司", "职工篮球赛") {
		submit(t, n, c)
	}

	evs := expenseEvents(t, n, "h1", "E1")
	if len(evs) != 3 || evs[0].Type != "expense_requested" || evs[1].Type != "expense_approved" || evs[2].Type != "expense_paid" {
		t.Fatalf("expense events: %+v", evs)
	}
	reqP, err := events.DecodePayload(evs[0])
	if err != nil {
		t.Fatal(err)
	}
	req := reqP.(events.ExpenseRequested)
	appP, err := events.DecodePayload(evs[1])
	if err != nil {
		t.Fatal(err)
	}
	app := appP.(events.ExpenseApproved)

	// The signature, from the stored event and the registered key.
	sig := evs[1].Sig
	if sig == nil || sig.Alg != "ed25519" || sig.Key != ledgertest.ChairKey || evs[1].Actor != ledgertest.Chair {
		t.Fatalf("approval sig %+v by %s", sig, evs[1].Actor)
	}
	key, ok, err := n.Store.Key("h1", sig.Key)
	if err != nil || !ok || key.Person != ledgertest.Chair {
		t.Fatalf("key %s: %+v %v %v", sig.Key, key, ok, err)
	}
	stmt, err := base64.StdEncoding.DecodeString(app.Statement)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(sig.Sig)
	if err != nil || !ed25519.Verify(key.Public, stmt, raw) {
		t.Fatalf("the stored signature does not verify over the stored statement")
	}
	// The statement states what was requested.
	body, ok := bytes.CutPrefix(stmt, []byte("unionledger approve-expense v1\n"))
	if !ok {
		t.Fatalf("statement %q lacks its first line", stmt)
	}
	var terms ledger.ExpenseTerms
	if err := json.Unmarshal(body, &terms); err != nil {
		t.Fatal(err)
	}
	if terms.Org != "h1" || terms.Expense != req.Expense || terms.Account != req.Account || terms.Amount != req.Amount ||
		terms.Payee != req.Payee || terms.Purpose != req.Purpose || terms.RequestedBy != evs[0].Actor || terms.Decision != "" {
		t.Fatalf("statement %+v does not match request %+v by %s", terms, req, evs[0].Actor)
	}

	// The payment moved the requested amount, and the projection knows
	// the whole story.
	paidP, err := events.DecodePayload(evs[2])
	if err != nil {
		t.Fatal(err)
	}
	if p := paidP.(events.ExpensePaid); p.Amount != 123456 || p.Account != "50102" || p.Payee != "市体育用品公司" {
		t.Fatalf("payment %+v", p)
	}
	if bal, _ := n.Store.Balance("h1", events.AcctBank); bal != 200000-123456 {
		t.Fatalf("bank %d", bal)
	}
	e, ok, err := n.Store.Expense("h1", "E1")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if e.Status != ledger.ExpensePaid || e.RequestSeq != evs[0].Seq || e.DecidedSeq != evs[1].Seq || e.PaidSeq != evs[2].Seq ||
		e.Key != ledgertest.ChairKey || e.DecidedBy != ledgertest.Chair || e.RequestedBy != ledgertest.Treasurer || e.PaidBy != ledgertest.Treasurer {
		t.Fatalf("projection %+v", e)
	}
	var paid []string
	if err := n.Store.ExpensesByStatus("h1", ledger.ExpensePaid, func(e ledger.ExpenseInfo) bool { paid = append(paid, e.ID); return true }); err != nil {
		t.Fatal(err)
	}
	if len(paid) != 1 || paid[0] != "E1" {
		t.Fatalf("paid expenses %v", paid)
	}
	var pending []string
	if err := n.Store.ExpensesByStatus("h1", ledger.ExpensePending, func(e ledger.ExpenseInfo) bool { pending = append(pending, e.ID); return true }); err != nil {
		t.Fatal(err)
	}
	if len(pending) != 0 {
		t.Fatalf("pending expenses %v after payment", pending)
	}
}

// TestExpenseRefusalsWriteNothing walks the refusals of the expense rules
// through the real append path, in order, and checks after each that the
// stream did not move.
func TestExpenseRefusalsWriteNothing(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	setup(t, n, "h1")
	ctx := context.Background()
	chairKey := ledgertest.Key(ledgertest.Chair)
	terms := func(id, amount string) ledger.ExpenseTerms {
		fen, err := events.ParseYuan(amount)
		if err != nil {
			t.Fatal(err)
		}
		return ledger.ExpenseTerms{Org: "h1", Expense: id, Account: "50102", Amount: fen, Payee: "x", Purpose: "y", RequestedBy: ledgertest.Treasurer}
	}
	approve := func(cmdID, expense string, keyID string, priv ed25519.PrivateKey, t ledger.ExpenseTerms) ledger.Command {
		return ledgertest.Cmd(cmdID, "approve_expense", "h1", ledgertest.Chair, "2025-03-10", map[string]string{
			"expense": expense, "key": keyID, "signature": ledger.Sign(priv, ledger.ApprovalStatement(t))})
	}
	payCmd := func(cmdID, expense string) ledger.Command {
		return ledgertest.Cmd(cmdID, "pay_expense", "h1", ledgertest.Treasurer, "2025-03-11", map[string]string{"expense": expense})
	}
	oldKey := ledgertest.Key("old chair key")
	for _, c := range []ledger.Command{
		ledgertest.Dues("h1", "d1", "2025-01-05", "m1", "100.00", "B1", "1"),
		ledgertest.Request("h1", "E1", "2025-03-01", "50102", "50.00", "x", "y"),
		ledgertest.Request("h1", "E2", "2025-03-01", "50102", "60.00", "x", "y"),
		ledgertest.Request("h1", "EBIG", "2025-03-01", "50102", "6000.00", "x", "y"),
		ledgertest.Cmd("req-chair", "request_expense", "h1", ledgertest.Treasurer, "2025-03-01", map[string]string{
			"expense": "ECHAIR", "account": "50102", "amount": "10.00", "payee": "x", "payee_person": ledgertest.Chair, "purpose": "y"}),
		ledgertest.Cmd("key-old", "register_key", "h1", ledgertest.Admin, "2025-01-01", map[string]string{
			"person": ledgertest.Chair, "key": "k-old", "public": base64.StdEncoding.EncodeToString(oldKey.Public().(ed25519.PublicKey))}),
		ledgertest.Cmd("key-old-revoke", "revoke_key", "h1", ledgertest.Admin, "2025-02-01", map[string]string{"key": "k-old"}),
		approve("ap-E1", "E1", ledgertest.ChairKey, chairKey, terms("E1", "50.00")),
	} {
		submit(t, n, c)
	}
	chairTerms := terms("ECHAIR", "10.00")
	chairTerms.PayeePerson = ledgertest.Chair
	bigTerms := terms("EBIG", "6000.00")

	tests := []struct {
		name string
		cmd  ledger.Command
		code ledger.Code
	}{
		{"approving twice", approve("ap-E1-again", "E1", ledgertest.ChairKey, chairKey, terms("E1", "50.00")), ledger.CodeAlreadyDecided},
		{"paying an unapproved expense", payCmd("pay-E2", "E2"), ledger.CodeNotApproved},
		{"paying an unknown expense", payCmd("pay-E9", "E9"), ledger.CodeUnknownRef},
		{"approving a payment to oneself", approve("ap-chair", "ECHAIR", ledgertest.ChairKey, chairKey, chairTerms), ledger.CodeSelfApproval},
		{"replaying E1's signature for E2", ledgertest.Cmd("ap-E2-replay", "approve_expense", "h1", ledgertest.Chair, "2025-03-10", map[string]string{
			"expense": "E2", "key": ledgertest.ChairKey, "signature": ledger.Sign(chairKey, ledger.ApprovalStatement(terms("E1", "50.00")))}), ledger.CodeBadSignature},
		{"signing with a revoked key", approve("ap-E2-old", "E2", "k-old", oldKey, terms("E2", "60.00")), ledger.CodeKeyRevoked},
		{"signing with another person's key", approve("ap-E2-member", "E2", ledgertest.ChairKey, ledgertest.Key(ledgertest.Member), terms("E2", "60.00")), ledger.CodeBadSignature},
		{"approving above the threshold without a decision", approve("ap-big", "EBIG", ledgertest.ChairKey, chairKey, bigTerms), ledger.CodeNeedsCollective},
		{"approving as a committee member", func() ledger.Command {
			c := approve("ap-E2-comm", "E2", ledgertest.ChairKey, chairKey, terms("E2", "60.00"))
			c.Actor = ledgertest.Committee
			return c
		}(), ledger.CodeWrongRole},
		{"paying by the chair", func() ledger.Command { c := payCmd("pay-E1-chair", "E1"); c.Actor = ledgertest.Chair; return c }(), ledger.CodeWrongRole},
	}
	before, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := n.Service.Submit(ctx, tt.cmd)
			if got := ledger.ErrorCode(err); got != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
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

	// The large expense goes through once the committee has decided; the
	// decision is part of what the chair signs.
	submit(t, n, ledgertest.Decision("h1", "D1", "2025-03-05", "EBIG"))
	if _, err := n.Service.Submit(ctx, approve("ap-big-2", "EBIG", ledgertest.ChairKey, chairKey, bigTerms)); ledger.ErrorCode(err) != ledger.CodeBadSignature {
		t.Fatalf("a signature over terms without the decision: %v", err)
	}
	bigTerms.Decision = "D1"
	submit(t, n, approve("ap-big-3", "EBIG", ledgertest.ChairKey, chairKey, bigTerms))
	// Paying it would overdraw the bank: refused, nothing written.
	before, _ = n.Log.LastSeq(ctx)
	if _, err := n.Service.Submit(ctx, payCmd("pay-big", "EBIG")); ledger.ErrorCode(err) != ledger.CodeOverdraft {
		t.Fatalf("overdraft: %v", err)
	}
	if after, _ := n.Log.LastSeq(ctx); after != before {
		t.Fatalf("stream moved from %d to %d on an overdraft", before, after)
	}
	// E1 is paid once; a second payment is refused.
	submit(t, n, payCmd("pay-E1", "E1"))
	if _, err := n.Service.Submit(ctx, payCmd("pay-E1-again", "E1")); ledger.ErrorCode(err) == "" || !strings.Contains(err.Error(), "already paid") {
		t.Fatalf("second payment: %v", err)
	}
}
