package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/unionledger/unionledger/projections"
)

// runToken manages API tokens on a stopped ledger's data directory: tokens
// are secrets kept (hashed) in Pebble, never in the log.
func runToken(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("token", "create|revoke --data DIR (--org ORG --person ID | --token TOKEN)", stderr)
	data := fs.String("data", "./unionledger-data", "data directory of a stopped ledger")
	org := fs.String("org", "", "union the token acts in (create)")
	person := fs.String("person", "", "person the token acts as (create)")
	token := fs.String("token", "", "token to revoke (revoke)")
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke") {
		if err := parse(fs, args, stdout); err != nil {
			return done(err)
		}
		return usageError{"token needs an action: create or revoke"}
	}
	action := args[0]
	if err := parse(fs, args[1:], stdout); err != nil {
		return done(err)
	}
	st, err := projections.Open(filepath.Join(*data, "pebble"), projections.Options{})
	if err != nil {
		return fmt.Errorf("open %s (is the ledger running? stop it first): %w", *data, err)
	}
	defer st.Close()
	switch action {
	case "create":
		if *org == "" || *person == "" {
			return usageError{"token create needs --org and --person"}
		}
		t, err := st.CreateToken(*org, *person)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "token for %s in %s (shown once; send it as Authorization: Bearer …, or set UNIONLEDGER_TOKEN):\n", *person, *org)
		_, err = fmt.Fprintln(stdout, t)
		return err
	default:
		if *token == "" {
			return usageError{"token revoke needs --token"}
		}
		return st.RevokeToken(*token)
	}
}
