package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/unionledger/unionledger/events"
)

func runBalance(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("balance", "--org ORG [--as-of SEQ|YYYY-MM-DD] [--json]", stderr)
	server := fs.String("server", "http://127.0.0.1:8080", "ledger URL")
	org := fs.String("org", "", "union (org) name")
	asOf := fs.String("as-of", "", "an org sequence number or an accounting date YYYY-MM-DD (default: now)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	if *org == "" {
		return usageError{"--org is required"}
	}
	q := url.Values{}
	switch {
	case *asOf == "":
	case events.ValidDate(*asOf):
		q.Set("as_of_date", *asOf)
	default:
		if n, err := strconv.ParseUint(*asOf, 10, 64); err == nil && n > 0 {
			q.Set("as_of_seq", *asOf)
		} else {
			return usageError{fmt.Sprintf("--as-of %q: give an org sequence number or a date YYYY-MM-DD", *asOf)}
		}
	}
	var out struct {
		Org      string `json:"org"`
		HeadSeq  uint64 `json:"head_seq"`
		Accounts []struct {
			Code       string `json:"code"`
			NameZH     string `json:"name_zh"`
			NameEN     string `json:"name_en"`
			BalanceFen int64  `json:"balance_fen"`
			Balance    string `json:"balance"`
		} `json:"accounts"`
	}
	var raw json.RawMessage
	path := "/api/v1/orgs/" + url.PathEscape(*org) + "/balances"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	if _, err := newClient(*server).do(ctx, "GET", path, nil, &raw); err != nil {
		return err
	}
	if *asJSON {
		_, err := fmt.Fprintf(stdout, "%s\n", raw)
		return err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s  (head seq %d)\n%-8s %18s  %s\n", out.Org, out.HeadSeq, "account", "balance (yuan)", "name")
	for _, a := range out.Accounts {
		if _, err := fmt.Fprintf(stdout, "%-8s %18s  %s %s\n", a.Code, a.Balance, a.NameZH, a.NameEN); err != nil {
			return err
		}
	}
	return nil
}
