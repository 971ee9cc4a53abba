package main

import (
	"context"

	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/demo"
)

const demoOrg = demo.Org

// loadDemo submits the demo union's commands; already-loaded commands are
// recognised by their ids, so restarting with --demo changes nothing.
func loadDemo(ctx context.Context, svc *ledger.Service) error {
	for _, c := range demo.Commands(1, 60, 12) {
		if _, err := svc.Submit(ctx, c); err != nil {
			return err
		}
	}
	return nil
}
