package node_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
)

// TestAppendsStayUnderTheByteLimit runs a node whose appends may take at
// most 16 KiB: a command whose events alone take more is refused with
// too_large and appends nothing; commands submitted together are split
// among messages that each stay under the limit, and all succeed.
func TestAppendsStayUnderTheByteLimit(t *testing.T) {
	const limit = 16 << 10
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir(), MaxGroupBytes: limit})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	for _, c := range ledgertest.Setup("h1", "2022") {
		if _, err := n.Service.Submit(ctx, c); err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
	}

	// Fifty officers: 101 events, about 40 KiB.
	officers := make([]map[string]string, 50)
	for i := range officers {
		officers[i] = map[string]string{"person": fmt.Sprintf("officer-%02d-%s", i, strings.Repeat("x", 40)), "role": "committee"}
	}
	big := ledgertest.Cmd("open-big", "open_org", "big", ledgertest.Admin, "2025-01-01", map[string]any{
		"name": "工会 big", "chart": "2022", "officers": officers,
	})
	before, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.Service.Submit(ctx, big)
	var le *ledger.Error
	if !errors.As(err, &le) || le.Code != ledger.CodeTooLarge || !strings.Contains(le.Error(), "limit") {
		t.Fatalf("a command over the limit: %v, want %s naming the limit", err, ledger.CodeTooLarge)
	}
	if after, err := n.Log.LastSeq(ctx); err != nil || after != before {
		t.Fatalf("stream's last sequence %d after the refusal (err %v), want %d", after, err, before)
	}

	// 300 dues receipts at once, about 160 KiB.
	const count = 300
	var wg sync.WaitGroup
	errs := make([]error, count)
	for i := range count {
		wg.Go(func() {
			c := ledgertest.Dues("h1", fmt.Sprintf("dues-%03d", i), "2025-03-05", "m1", "10.00", "B1", fmt.Sprint(i+1))
			_, errs[i] = n.Service.Submit(ctx, c)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	last, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var dues, grouped int
	for seq := before + 1; seq <= last; seq++ {
		m, ok, err := n.Log.Get(ctx, seq)
		if err != nil || !ok {
			t.Fatalf("message %d: ok %v, err %v", seq, ok, err)
		}
		if len(m.Data) > limit {
			t.Errorf("message %d holds %d bytes, over the %d-byte limit", seq, len(m.Data), limit)
		}
		evs, err := events.SplitSegment(m.Data)
		if err != nil {
			t.Fatalf("message %d: %v", seq, err)
		}
		dues += len(evs)
		if len(evs) > 1 {
			grouped++
		}
	}
	if dues != count {
		t.Fatalf("%d events appended, want %d", dues, count)
	}
	if msgs := int(last - before); msgs < count*500/limit {
		t.Errorf("%d messages for %d receipts: they cannot all fit under the limit", msgs, count)
	}
	t.Logf("%d receipts in %d messages, %d of them grouped", count, last-before, grouped)
}
