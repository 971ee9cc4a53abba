package node_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

func startNode(t *testing.T, dir string) *node.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	return n
}

func submit(t *testing.T, n *node.Node, c ledger.Command) ledger.Result {
	t.Helper()
	res, err := n.Service.Submit(context.Background(), c)
	if err != nil {
		t.Fatalf("submit %s: %v", c.ID, err)
	}
	return res
}

// setup opens union org with the standard officers.
func setup(t *testing.T, n *node.Node, org string) {
	t.Helper()
	for _, c := range ledgertest.Setup(org, "2010") {
		submit(t, n, c)
	}
}

func TestSmoke(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	setup(t, n, "h1")
	first := submit(t, n, ledgertest.Dues("h1", "d0", "2025-01-05", "m0", "25.50", "B1", "0"))
	for i := 1; i < 10; i++ {
		submit(t, n, ledgertest.Dues("h1", fmt.Sprintf("d%d", i), "2025-01-05", fmt.Sprintf("m%d", i), "25.50", "B1", fmt.Sprint(i)))
	}
	for _, c := range ledgertest.Pay("h1", "e1", "2025-01-20", "50102", "100.00", "体育用品店", "篮球") {
		submit(t, n, c)
	}
	bal, err := n.Store.Balance("h1", events.AcctBank)
	if err != nil {
		t.Fatal(err)
	}
	if bal != 25500-10000 {
		t.Fatalf("bank balance %d", bal)
	}
	pay := ledgertest.Pay("h1", "e2", "2025-01-20", "50102", "1000.00", "x", "y")
	for _, c := range pay[:len(pay)-1] {
		submit(t, n, c)
	}
	if _, err := n.Service.Submit(context.Background(), pay[len(pay)-1]); ledger.ErrorCode(err) != ledger.CodeOverdraft {
		t.Fatalf("want overdraft, got %v", err)
	}
	res := submit(t, n, ledgertest.Dues("h1", "d0", "2025-01-05", "m0", "25.50", "B1", "0"))
	if !res.Duplicate || res.Events[0] != first.Events[0] {
		t.Fatalf("retry: %+v, first %+v", res, first)
	}
	b, err := n.Store.Balances("h1", projections.AsOf{Date: "2025-01-10"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range b {
		if a.Account.Code == events.AcctBank && a.Amount != 25500 {
			t.Fatalf("bank as of 2025-01-10 = %d", a.Amount)
		}
	}
}
