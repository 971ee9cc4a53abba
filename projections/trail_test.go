package projections_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

func trailTestNode(t *testing.T) (*node.Node, func(ledger.Command) ledger.Result) {
	t.Helper()
	n := ledgertest.StartNode(t, ledgertest.Setup("h1", "2010")...)
	submit := func(c ledger.Command) ledger.Result {
		t.Helper()
		res, err := n.Service.Submit(context.Background(), c)
		if err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		return res
	}
	return n, submit
}

func types(tr projections.Trail) []string {
	var out []string
	for _, s := range tr.Steps {
		out = append(out, s.Type)
	}
	return out
}

// TestTrailOfAReceipt: a receipt is a field of a money-in event, found
// through the receipt's uniqueness key (its first use) and the p/trail
// index (every later mention). Its trail holds its event, the reversal of
// that event and an audit finding that cites it, and nothing of the
// receipt numbered 10 of the same book (keys end the number with 0x00).
func TestTrailOfAReceipt(t *testing.T) {
	n, submit := trailTestNode(t)
	first := submit(ledgertest.Dues("h1", "d1", "2025-01-05", "m1", "10.00", "B", "1")).Events[0].Seq
	submit(ledgertest.Dues("h1", "d10", "2025-01-05", "m2", "20.00", "B", "10"))
	submit(ledgertest.Cmd("rev", "reverse_event", "h1", ledgertest.Treasurer, "2025-01-08", map[string]any{"seq": first, "reason": "entered twice"}))
	submit(ledgertest.Cmd("a1", "open_audit", "h1", ledgertest.Review, "2025-01-20", map[string]string{
		"audit": "a1", "kind": "routine", "scope": "January", "from": "2025-01-01", "to": "2025-01-31"}))
	submit(ledgertest.Cmd("f1", "record_finding", "h1", ledgertest.Review, "2025-01-21", map[string]any{
		"audit": "a1", "finding": "f1", "severity": "minor", "text": "receipt entered twice", "events": []uint64{first}}))

	tests := []struct {
		number string
		at     projections.AsOf
		want   []string
	}{
		{"1", projections.AsOf{}, []string{"dues_received", "reversal_posted", "finding_recorded"}},
		{"1", projections.AsOf{Date: "2025-01-10"}, []string{"dues_received", "reversal_posted"}},
		{"1", projections.AsOf{Seq: first}, []string{"dues_received"}},
		{"10", projections.AsOf{}, []string{"dues_received"}},
	}
	for _, tt := range tests {
		tr, err := n.Store.Trail("h1", projections.TrailSubject{Kind: projections.TrailReceipt, ID: "B", Number: tt.number}, tt.at)
		if err != nil {
			t.Fatal(err)
		}
		if got := types(tr); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("receipt B/%s as of %+v: %v, want %v", tt.number, tt.at, got, tt.want)
		}
	}
}

// TestTrailPages: a trail read in pages is the trail read whole.
func TestTrailPages(t *testing.T) {
	n, submit := trailTestNode(t)
	for _, num := range []string{"1", "2", "3", "4", "5"} {
		submit(ledgertest.Dues("h1", "d"+num, "2025-01-0"+num, "m"+num, "10.00", "B", num))
	}
	sub := projections.TrailSubject{Kind: projections.TrailActor, ID: ledgertest.Treasurer}
	whole, err := n.Store.Trail("h1", sub, projections.AsOf{})
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Steps) < 5 || whole.NextAfter != 0 {
		t.Fatalf("whole trail: %d steps, next %d", len(whole.Steps), whole.NextAfter)
	}
	var paged []projections.TrailStep
	var after uint64
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		tr, err := n.Store.TrailPage("h1", sub, projections.AsOf{}, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Steps) > 2 {
			t.Fatalf("page of %d steps", len(tr.Steps))
		}
		paged = append(paged, tr.Steps...)
		if tr.NextAfter == 0 {
			break
		}
		after = tr.NextAfter
	}
	if !reflect.DeepEqual(paged, whole.Steps) {
		t.Fatalf("pages differ from the whole trail")
	}
}

// TestTrailRefusals: a bad kind or id is invalid; a subject without events
// in view is not found.
func TestTrailRefusals(t *testing.T) {
	n, _ := trailTestNode(t)
	tests := []struct {
		sub  projections.TrailSubject
		at   projections.AsOf
		code ledger.Code
	}{
		{projections.TrailSubject{Kind: "widget", ID: "x"}, projections.AsOf{}, ledger.CodeInvalid},
		{projections.TrailSubject{Kind: projections.TrailBudget, ID: "25"}, projections.AsOf{}, ledger.CodeInvalid},
		{projections.TrailSubject{Kind: projections.TrailExpense, ID: "bad id"}, projections.AsOf{}, ledger.CodeInvalid},
		{projections.TrailSubject{Kind: projections.TrailReceipt, ID: "B"}, projections.AsOf{}, ledger.CodeInvalid},
		{projections.TrailSubject{Kind: projections.TrailExpense, ID: "E-none"}, projections.AsOf{}, ledger.CodeNotFound},
		{projections.TrailSubject{Kind: projections.TrailReceipt, ID: "B", Number: "1"}, projections.AsOf{}, ledger.CodeNotFound},
		{projections.TrailSubject{Kind: projections.TrailBudget, ID: "2024"}, projections.AsOf{}, ledger.CodeNotFound},
		// The budget exists, but not as of the org's first event.
		{projections.TrailSubject{Kind: projections.TrailBudget, ID: "2025"}, projections.AsOf{Seq: 1}, ledger.CodeNotFound},
	}
	for _, tt := range tests {
		_, err := n.Store.Trail("h1", tt.sub, tt.at)
		var le *ledger.Error
		if !errors.As(err, &le) || le.Code != tt.code {
			t.Errorf("%+v as of %+v: %v, want %s", tt.sub, tt.at, err, tt.code)
		}
	}
	if _, err := n.Store.Trail("h1", projections.TrailSubject{Kind: projections.TrailBudget, ID: "2025"}, projections.AsOf{}); err != nil {
		t.Errorf("budget 2025: %v", err)
	}
}
