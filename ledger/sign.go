package ledger

import (
	"crypto/ed25519"
	"encoding/base64"

	"github.com/unionledger/unionledger/events"
)

// The chair's signature (一支笔) is ed25519 over a statement: a fixed first
// line naming what is signed and its version, then the canonical JSON of the
// expense as requested. The statement names the union and the expense id
// (unique per union), so a signature can approve one expense only: used on
// another expense, or for other terms, it does not verify. The server only
// verifies; it never holds a private key.
const (
	approvalPrefix  = "unionledger approve-expense v1\n"
	rejectionPrefix = "unionledger reject-expense v1\n"
)

// ExpenseTerms are the terms of an expense a chair's signature covers.
// Field order is the statement's JSON order; empty optional fields are
// present as "" or [] so the statement has one shape.
type ExpenseTerms struct {
	Org         string     `json:"org"`
	Expense     string     `json:"expense"`
	Account     string     `json:"account"`
	Amount      events.Fen `json:"amount_fen"`
	Payee       string     `json:"payee"`
	PayeePerson string     `json:"payee_person"`
	Purpose     string     `json:"purpose"`
	RequestedBy string     `json:"requested_by"`
	Decision    string     `json:"decision"`
	Documents   []string   `json:"documents"`
}

// Terms are the signed terms of a requested expense of org.
func (e ExpenseInfo) Terms(org string) ExpenseTerms {
	return ExpenseTerms{Org: org, Expense: e.ID, Account: e.Account, Amount: e.Amount, Payee: e.Payee,
		PayeePerson: e.PayeePerson, Purpose: e.Purpose, RequestedBy: e.RequestedBy, Decision: e.Decision,
		Documents: e.Documents}.norm()
}

// ApprovalStatement is the exact byte string a chair signs to approve an
// expense on these terms.
func ApprovalStatement(t ExpenseTerms) []byte {
	return statement(approvalPrefix, t.norm())
}

// RejectionStatement is the exact byte string a chair signs to reject an
// expense on these terms, for the given reason.
func RejectionStatement(t ExpenseTerms, reason string) []byte {
	return statement(rejectionPrefix, struct {
		ExpenseTerms
		Reason string `json:"reason"`
	}{t.norm(), reason})
}

// norm gives absent documents their one encoding, [].
func (t ExpenseTerms) norm() ExpenseTerms {
	if t.Documents == nil {
		t.Documents = []string{}
	}
	return t
}

func statement(prefix string, v any) []byte {
	b, err := events.Canonical(v)
	if err != nil {
		// Strings, integers and string slices always encode.
		panic("ledger: encode statement: " + err.Error())
	}
	return append([]byte(prefix), b...)
}

// Sign signs a statement with a private key and returns the signature as
// the base64 text commands carry. Clients (the CLI, tests) use it; the
// ledger itself never signs.
func Sign(priv ed25519.PrivateKey, statement []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, statement))
}

// verifySigner checks that key is a registered, unrevoked key of the actor
// and that sig (base64) is its signature over msg. A key of someone else is
// refused like a wrong signature: what matters is that this actor did not
// sign.
func verifySigner(st State, cmd Command, keyID, sig string, msg []byte) (*events.Signature, error) {
	if !events.ValidID(keyID) || sig == "" {
		return nil, errField(cmd.Type, "key/signature", "are required: the id of the signer's registered key and a base64 ed25519 signature")
	}
	k, ok, err := st.Key(cmd.Org, keyID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ruleErr(CodeBadSignature, "one-signature", "key %q is not registered in this union", keyID)
	}
	if k.Person != cmd.Actor {
		return nil, ruleErr(CodeBadSignature, "one-signature", "key %q is not %s's key", keyID, cmd.Actor)
	}
	if k.Revoked {
		return nil, ruleErr(CodeKeyRevoked, "one-signature", "key %q was revoked", keyID)
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(raw) != ed25519.SignatureSize || !ed25519.Verify(k.Public, msg, raw) {
		return nil, ruleErr(CodeBadSignature, "one-signature",
			"the signature does not verify with key %q over the statement of this expense as requested", keyID)
	}
	return &events.Signature{Key: keyID, Alg: "ed25519", Sig: sig}, nil
}
