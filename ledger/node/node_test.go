package node_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
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

func cmd(id, typ, org, date string, data any) ledger.Command {
	b, _ := json.Marshal(data)
	return ledger.Command{ID: id, Type: typ, Org: org, Actor: "p-treasurer", Date: date, Data: b}
}

func submit(t *testing.T, n *node.Node, c ledger.Command) ledger.Result {
	t.Helper()
	res, err := n.Service.Submit(context.Background(), c)
	if err != nil {
		t.Fatalf("submit %s: %v", c.ID, err)
	}
	return res
}

func TestSmoke(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	submit(t, n, cmd("c1", "open_org", "h1", "2025-01-01", map[string]any{"name": "某医院工会", "chart": "2010",
		"officers": []map[string]string{{"person": "p-treasurer", "role": "treasurer"}}}))
	for i := range 10 {
		submit(t, n, cmd(fmt.Sprintf("d%d", i), "receive_dues", "h1", "2025-01-05", map[string]any{
			"member": fmt.Sprintf("m%d", i), "period": "2025-01", "amount": "25.50",
			"receipt": map[string]string{"book": "B1", "number": fmt.Sprint(i)}}))
	}
	submit(t, n, cmd("e1", "pay_expense", "h1", "2025-01-20", map[string]any{
		"expense": "E1", "account": "50102", "amount": "100.00", "payee": "体育用品店", "purpose": "篮球"}))
	bal, err := n.Store.Balance("h1", events.AcctBank)
	if err != nil {
		t.Fatal(err)
	}
	if bal != 25500-10000 {
		t.Fatalf("bank balance %d", bal)
	}
	_, err = n.Service.Submit(context.Background(), cmd("e2", "pay_expense", "h1", "2025-01-20", map[string]any{
		"expense": "E2", "account": "50102", "amount": "1000.00", "payee": "x", "purpose": "y"}))
	if ledger.ErrorCode(err) != ledger.CodeOverdraft {
		t.Fatalf("want overdraft, got %v", err)
	}
	res := submit(t, n, cmd("d0", "receive_dues", "h1", "2025-01-05", map[string]any{
		"member": "m0", "period": "2025-01", "amount": "25.50",
		"receipt": map[string]string{"book": "B1", "number": "0"}}))
	if !res.Duplicate || res.Events[0].Seq != 5 {
		t.Fatalf("retry: %+v", res)
	}
	b, err := n.Store.Balances("h1", projections.AsOf{Date: "2025-01-10"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", b)
}
