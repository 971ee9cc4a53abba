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
