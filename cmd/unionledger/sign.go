package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// statementPrefixes are the first lines of what sign will sign: never
// arbitrary bytes, so the key cannot be tricked into signing something
// that is not a ledger decision.
var statementPrefixes = []string{"unionledger approve-expense v1\n", "unionledger reject-expense v1\n"}

// runSign signs a chair's decision on an expense with a key from keygen.
// With --server it fetches the expense, checks the statement the server
// offers against the request (rebuilt here), shows what is being signed,
// and prints the approve_expense (or reject_expense) command for `post`.
// With --statement it signs a statement file and prints the signature.
func runSign(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fset := newFlags("sign", "--key FILE (--statement FILE|- | --server URL --org ORG --expense ID --actor PERSON --key-id KEY [--date YYYY-MM-DD] [--reject REASON])", stderr)
	keyFile := fset.String("key", "", "private key file written by keygen")
	stmtFile := fset.String("statement", "", "sign this statement file ('-' for standard input) and print the base64 signature")
	server := fset.String("server", "", "ledger URL to fetch the expense from")
	org := fset.String("org", "", "union (org) name")
	expense := fset.String("expense", "", "expense id")
	actor := fset.String("actor", "", "person id of the signer (the chair)")
	keyID := fset.String("key-id", "", "id under which the key is registered in the union")
	date := fset.String("date", "", "accounting date of the decision, YYYY-MM-DD (default: today)")
	id := fset.String("id", "", "command id (default: approve-<expense> or reject-<expense>)")
	reject := fset.String("reject", "", "reject the expense for this reason instead of approving it")
	if err := parse(fset, args, stdout); err != nil {
		return done(err)
	}
	if *keyFile == "" {
		return usageError{"--key is required"}
	}
	if (*stmtFile == "") == (*server == "") {
		return usageError{"give either --statement or --server"}
	}
	if *stmtFile != "" {
		priv, err := loadKey(*keyFile)
		if err != nil {
			return err
		}
		return signStatement(*stmtFile, priv, stdin, stdout, stderr)
	}
	if *org == "" || *expense == "" || *actor == "" || *keyID == "" {
		return usageError{"--server needs --org, --expense, --actor and --key-id"}
	}
	if *date == "" {
		*date = time.Now().Format(time.DateOnly)
	}
	if !events.ValidDate(*date) {
		return usageError{fmt.Sprintf("--date %q: want YYYY-MM-DD", *date)}
	}
	priv, err := loadKey(*keyFile)
	if err != nil {
		return err
	}
	var got struct {
		Org               string             `json:"org"`
		Expense           ledger.ExpenseInfo `json:"expense"`
		ApprovalStatement string             `json:"approval_statement"`
	}
	path := "/api/v1/orgs/" + url.PathEscape(*org) + "/expenses/" + url.PathEscape(*expense)
	if _, err := newClient(*server).do(ctx, "GET", path, nil, &got); err != nil {
		return err
	}
	e := got.Expense
	if got.Org != *org || e.ID != *expense {
		return failedError{fmt.Sprintf("the server answered with expense %s/%s, not %s/%s", got.Org, e.ID, *org, *expense)}
	}
	if e.Status != ledger.ExpensePending {
		return failedError{fmt.Sprintf("expense %s is %s: there is nothing to sign", e.ID, e.Status)}
	}
	// What is signed is rebuilt here from the request; the server's
	// statement must be the same bytes, or the two disagree on what the
	// chair would approve.
	terms := e.Terms(*org)
	approval := ledger.ApprovalStatement(terms)
	if got.ApprovalStatement != base64.StdEncoding.EncodeToString(approval) {
		return failedError{"the server's approval statement differs from the request it returned; not signing"}
	}
	verb, typ, msg := "APPROVE", "approve_expense", approval
	data := map[string]string{"expense": e.ID, "key": *keyID}
	if *reject != "" {
		verb, typ, msg = "REJECT", "reject_expense", ledger.RejectionStatement(terms, *reject)
		data["reason"] = *reject
	}
	data["signature"] = ledger.Sign(priv, msg)
	describe(stderr, verb, *org, e)
	if *id == "" {
		*id = map[string]string{"approve_expense": "approve-", "reject_expense": "reject-"}[typ] + e.ID
	}
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	cmd := ledger.Command{ID: *id, Type: typ, Org: *org, Actor: *actor, Date: *date, Data: b}
	line, err := events.Canonical(cmd)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", line)
	return err
}

// describe shows the signer, in words, what the signature commits to.
func describe(w io.Writer, verb, org string, e ledger.ExpenseInfo) {
	fmt.Fprintf(w, "%s expense %s of union %s:\n  %s yuan from account %s to %s", verb, e.ID, org, e.Amount.Yuan(), e.Account, e.Payee)
	if e.PayeePerson != "" {
		fmt.Fprintf(w, " (person %s)", e.PayeePerson)
	}
	fmt.Fprintf(w, "\n  for: %s\n  requested by %s on %s", e.Purpose, e.RequestedBy, e.RequestDate)
	if e.Decision != "" {
		fmt.Fprintf(w, ", collective decision %s", e.Decision)
	}
	fmt.Fprintf(w, ", %d document(s)\n", len(e.Documents))
}

// signStatement signs a statement file and prints the base64 signature.
func signStatement(path string, priv ed25519.PrivateKey, stdin io.Reader, stdout, stderr io.Writer) error {
	var msg []byte
	var err error
	if path == "-" {
		msg, err = io.ReadAll(stdin)
	} else {
		msg, err = os.ReadFile(path)
	}
	if err != nil {
		return err
	}
	ok := false
	for _, p := range statementPrefixes {
		ok = ok || bytes.HasPrefix(msg, []byte(p))
	}
	if !ok {
		return failedError{"not a unionledger statement (it must start with \"unionledger approve-expense v1\" or \"unionledger reject-expense v1\"); not signing"}
	}
	fmt.Fprintf(stderr, "signing:\n%s\n", msg)
	_, err = fmt.Fprintln(stdout, ledger.Sign(priv, msg))
	return err
}
