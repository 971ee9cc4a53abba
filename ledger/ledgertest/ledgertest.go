// Package ledgertest builds the commands that set a union up the way the
// rules require (officers, keys, budgets, policies), so each test states
// what it checks rather than the ceremony before it. When a rule adds a
// prerequisite, it is added here once.
package ledgertest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// The officers every test union has.
const (
	Admin     = "p-admin"
	Treasurer = "p-treasurer"
	Chair     = "p-chair"
	Committee = "p-committee"
	Review    = "p-review"
	Relief    = "p-relief"
	Auditor   = "p-auditor"
	Member    = "p-member"
)

// Officers lists who holds which role in a test union. Admin opens it.
var Officers = []struct {
	Person string      `json:"person"`
	Role   events.Role `json:"role"`
}{
	{Treasurer, events.RoleTreasurer},
	{Chair, events.RoleChair},
	{Committee, events.RoleCommittee},
	{Review, events.RoleReview},
	{Relief, events.RoleReliefOfficer},
	{Auditor, events.RoleAuditor},
	{Member, events.RoleMember},
}

// Cmd builds a command; data is marshalled to JSON.
func Cmd(id, typ, org, actor, date string, data any) ledger.Command {
	b, err := json.Marshal(data)
	if err != nil {
		panic(fmt.Sprintf("ledgertest: %v", err)) // test data: a bug in the test
	}
	return ledger.Command{ID: id, Type: typ, Org: org, Actor: actor, Date: date, Data: b}
}

// JSON is the command as one line of JSON, as clients send it.
func JSON(c ledger.Command) string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("ledgertest: %v", err))
	}
	return string(b)
}

// Open opens a union with every officer of Officers.
func Open(org, chart string) ledger.Command {
	return Cmd("open-"+org, "open_org", org, Admin, "2025-01-01", map[string]any{
		"name": "工会 " + org, "chart": chart, "officers": Officers,
	})
}

// ChairKey is the id of the chair's registered signing key (Key(Chair)) in
// every test union.
const ChairKey = "k-chair"

// Threshold is the collective-decision threshold test unions set: an
// expense above it needs a recorded collective decision (集体研究).
const Threshold = "5000.00"

// Setup is everything a test union needs before money moves, in order.
func Setup(org, chart string) []ledger.Command {
	return append([]ledger.Command{
		Open(org, chart),
		RegisterKey(org, Chair, ChairKey),
		Cmd("threshold-"+org, "set_collective_threshold", org, Admin, "2025-01-01", map[string]string{"amount": Threshold}),
	}, Budgets(org, chart)...)
}

// RegisterKey registers person's test key (Key(person)) under keyID, by the
// administrator.
func RegisterKey(org, person, keyID string) ledger.Command {
	return Cmd("key-"+org+"-"+keyID, "register_key", org, Admin, "2025-01-01", map[string]string{
		"person": person, "key": keyID, "public": Public(person),
	})
}

// Public is the base64 public half of Key(person), as register_key takes it.
func Public(person string) string {
	return base64.StdEncoding.EncodeToString(Key(person).Public().(ed25519.PublicKey))
}

// Key is a person's deterministic test signing key.
func Key(person string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("unionledger test key " + person))
	return ed25519.NewKeyFromSeed(seed[:])
}

// Dues is a dues receipt by the treasurer.
func Dues(org, id, date, member, amount, book, number string) ledger.Command {
	return Cmd(id, "receive_dues", org, Treasurer, date, map[string]any{
		"member": member, "period": date[:7], "amount": amount,
		"receipt": map[string]string{"book": book, "number": number},
	})
}

// Request is the treasurer's request for expense id, paying an
// organisation (no payee person, decision or documents).
func Request(org, id, date, account, amount, payee, purpose string) ledger.Command {
	return Cmd(id+":request", "request_expense", org, Treasurer, date, map[string]any{
		"expense": id, "account": account, "amount": amount, "payee": payee, "purpose": purpose,
	})
}

// Approve is the chair's approval of an expense on terms, signed with
// Key(Chair) under ChairKey.
func Approve(id, date string, terms ledger.ExpenseTerms) ledger.Command {
	return Cmd(id+":approve", "approve_expense", terms.Org, Chair, date, map[string]string{
		"expense": terms.Expense, "key": ChairKey, "signature": ledger.Sign(Key(Chair), ledger.ApprovalStatement(terms)),
	})
}

// Decision is a collective decision by the committee and the chair that
// covers the listed expenses.
func Decision(org, id, date string, expenses ...string) ledger.Command {
	minutes := sha256.Sum256([]byte("minutes of " + id))
	return Cmd(id, "record_decision", org, Committee, date, map[string]any{
		"decision": id, "meeting": "union committee meeting (工会委员会会议)", "held": date,
		"attendees": []string{Committee, Chair}, "minutes_hash": hex.EncodeToString(minutes[:]), "expenses": expenses,
	})
}

// Pay is every command it takes to pay an expense, in order: the
// treasurer's request, a collective decision when the amount is above
// Threshold, the chair's signed approval, and the payment (the last command,
// the one that moves money, with command id id).
func Pay(org, id, date, account, amount, payee, purpose string) []ledger.Command {
	fen, err := events.ParseYuan(amount)
	if err != nil {
		panic(fmt.Sprintf("ledgertest: amount %q: %v", amount, err))
	}
	limit, _ := events.ParseYuan(Threshold)
	terms := ledger.ExpenseTerms{Org: org, Expense: id, Account: account, Amount: fen, Payee: payee, Purpose: purpose, RequestedBy: Treasurer}
	out := []ledger.Command{Request(org, id, date, account, amount, payee, purpose)}
	if fen > limit {
		terms.Decision = "D-" + id
		out = append(out, Decision(org, terms.Decision, date, id))
	}
	return append(out,
		Approve(id, date, terms),
		Cmd(id, "pay_expense", org, Treasurer, date, map[string]any{"expense": id}))
}
