// Package ledgertest builds the commands that set a union up the way the
// rules require (officers, keys, budgets, policies), so each test states
// what it checks rather than the ceremony before it. When a rule adds a
// prerequisite, it is added here once.
package ledgertest

import (
	"crypto/ed25519"
	"crypto/sha256"
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

// Setup is everything a test union needs before money moves, in order.
func Setup(org, chart string) []ledger.Command {
	return []ledger.Command{Open(org, chart)}
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

// Pay is every command it takes to pay an expense, in order; the last one
// moves the money.
func Pay(org, id, date, account, amount, payee, purpose string) []ledger.Command {
	return []ledger.Command{Cmd(id, "pay_expense", org, Treasurer, date, map[string]any{
		"expense": id, "account": account, "amount": amount, "payee": payee, "purpose": purpose,
	})}
}
