package main

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
)

// TestTokenCreateAndPost issues a token on a stopped ledger's data, then
// posts with and without it to a ledger that requires tokens.
func TestTokenCreateAndPost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	var tok, errb bytes.Buffer
	if err := run(ctx, []string{"token", "create", "--data", dir, "--org", "h1", "--person", ledgertest.Admin}, nil, &tok, &errb); err != nil {
		t.Fatalf("token create: %v %s", err, errb.String())
	}
	token := strings.TrimSpace(tok.String())
	if !strings.HasPrefix(token, "ult_") {
		t.Fatalf("token %q", token)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"token", "frobnicate"}, nil, &out, &errb); exitCode(err, &errb) != exitUsage {
		t.Fatalf("unknown action: %v", err)
	}

	n, err := node.Start(ctx, node.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	srv := httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).RequireTokens(n.Store).Handler())
	defer srv.Close()

	open := ledgertest.JSON(ledgertest.Open("h1", "2010"))
	out.Reset()
	err = run(ctx, []string{"post", "--server", srv.URL}, strings.NewReader(open), &out, &errb)
	var fe failedError
	if !errors.As(err, &fe) || !strings.Contains(out.String(), `"code":"unauthenticated"`) {
		t.Fatalf("post without a token: %v %s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"post", "--server", srv.URL, "--token", token}, strings.NewReader(open), &out, &errb); err != nil {
		t.Fatalf("post with the token: %v %s", err, out.String())
	}
	// A second token for the same person can be revoked without touching the first.
	tok.Reset()
	n.Close()
	if err := run(ctx, []string{"token", "create", "--data", dir, "--org", "h1", "--person", ledgertest.Admin}, nil, &tok, &errb); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"token", "revoke", "--data", dir, "--token", strings.TrimSpace(tok.String())}, nil, &out, &errb); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if err := run(ctx, []string{"token", "revoke", "--data", dir, "--token", strings.TrimSpace(tok.String())}, nil, &out, &errb); err == nil {
		t.Fatalf("revoking twice succeeded")
	}
}

// TestReadsWithTokens: against a ledger that requires tokens, the read
// subcommands send --token (or $UNIONLEDGER_TOKEN); an officer's token reads
// the books, a member's is refused (forbidden), none is unauthenticated, and
// the board needs no token at all.
func TestReadsWithTokens(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n := ledgertest.StartNode(t, ledgertest.Setup("h1", "2010")...)
	srv := httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).RequireTokens(n.Store).Handler())
	defer srv.Close()
	token := func(person string) string {
		tok, err := n.Store.CreateToken("h1", person)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	review, member := token(ledgertest.Review), token(ledgertest.Member)
	for _, tc := range []struct {
		name string
		args []string
		code string // "" = success
	}{
		{"balance, funds-review token", []string{"balance", "--token", review}, ""},
		{"flags, funds-review token", []string{"flags", "--token", review, "--as-of", "2025-12-31"}, ""},
		{"report, funds-review token", []string{"report", "statement", "--year", "2025", "--token", review}, ""},
		{"trail, funds-review token", []string{"trail", "--actor", ledgertest.Admin, "--token", review}, ""},
		{"export, funds-review token", []string{"export", "--format", "csv", "--token", review}, ""},
		{"events, funds-review token", []string{"events", "--token", review, "--limit", "2"}, ""},
		{"balance, member token", []string{"balance", "--token", member}, "forbidden"},
		{"trail, member token", []string{"trail", "--actor", ledgertest.Admin, "--token", member}, "forbidden"},
		{"balance, no token", []string{"balance"}, "unauthenticated"},
		{"board, no token", []string{"board"}, ""},
		{"board, member token", []string{"board", "--token", member}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("UNIONLEDGER_TOKEN", "")
			var out, errb bytes.Buffer
			args := append(tc.args, "--org", "h1", "--server", srv.URL)
			err := run(ctx, args, nil, &out, &errb)
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("%v: %v %s", args, err, errb.String())
			case tc.code == "" && out.Len() == 0:
				t.Fatalf("%v: no output", args)
			case tc.code != "" && (err == nil || !strings.Contains(err.Error(), tc.code)):
				t.Fatalf("%v: err %v, want %s", args, err, tc.code)
			}
		})
	}
}
