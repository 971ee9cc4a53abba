package main

import (
	"context"
	"fmt"
	"io"
)

func runBalance(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("balance", "--org ORG [--as-of SEQ|YYYY-MM-DD] [--json]", stderr)
	rf := addReadFlags(fs)
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	q, err := rf.query()
	if err != nil {
		return err
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
	if printed, err := rf.get(ctx, "balances", q, stdout, &out); printed || err != nil {
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
