package ledgertest

import (
	"context"
	"crypto/sha256"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/demo"
	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

// DemoSeed is the seed of the demo union that golden files are made from.
const DemoSeed = 1

// Deterministic returns a clock and an event-id source that give the same
// values in the same order on every run: the clock starts at start and
// moves one second per call; ids are UUIDs (version 8, "custom") derived
// from a counter. With them, and commands submitted one at a time, the same
// commands always give the same log, byte for byte.
func Deterministic(start time.Time) (now func() time.Time, newID func() string) {
	var (
		mu    sync.Mutex
		tick  int64
		count uint64
	)
	now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		tick++
		return start.Add(time.Duration(tick) * time.Second).UTC()
	}
	newID = func() string {
		mu.Lock()
		count++
		c := count
		mu.Unlock()
		sum := sha256.Sum256([]byte{byte(c >> 56), byte(c >> 48), byte(c >> 40), byte(c >> 32), byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
		return uuid.NewHash(sha256.New(), uuid.NameSpaceOID, sum[:], 8).String()
	}
	return now, newID
}

// DemoNode is a running node holding the demo union (demo.Org), built
// deterministically, and an HTTP server in front of it (no authentication).
type DemoNode struct {
	Node *node.Node
	URL  string
	Dir  string
	Demo *demo.Demo
	srv  *httptest.Server
}

// StartDemo builds the demo union for profile with DemoSeed on a fresh node
// in a temporary directory. Commands are submitted one at a time, so the
// log, and everything projected from it, is the same on every run; golden
// files rely on that. The node and server stop when the test ends.
func StartDemo(t testing.TB, p demo.Profile) *DemoNode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	now, newID := Deterministic(time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	n, err := node.Start(ctx, node.Config{DataDir: dir, Now: now, NewID: newID})
	if err != nil {
		t.Fatal(err)
	}
	d := demo.New(DemoSeed, p)
	if err := d.Load(ctx, n.Service.Submit, 1, nil); err != nil {
		n.Close()
		t.Fatal(err)
	}
	srv := httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).Handler())
	dn := &DemoNode{Node: n, URL: srv.URL, Dir: dir, Demo: d, srv: srv}
	t.Cleanup(func() {
		dn.srv.Close()
		dn.Node.Close()
	})
	return dn
}

// Rebuild stops the node, wipes its projections (everything but the
// secrets in x/), and starts it again, so that it replays the whole log
// from JetStream; views read afterwards come from the rebuilt state. URL
// changes.
func (d *DemoNode) Rebuild(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	d.srv.Close()
	d.Node.Close()
	st, err := projections.Open(filepath.Join(d.Dir, "pebble"), projections.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Wipe(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(ctx, node.Config{DataDir: d.Dir})
	if err != nil {
		t.Fatal(err)
	}
	d.Node = n
	d.srv = httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).Handler())
	d.URL = d.srv.URL
}

// StartNode starts a node on a temporary directory, stopped when the test
// ends, and records cmds through its service in order; a refusal fails the
// test.
func StartNode(t testing.TB, cmds ...ledger.Command) *node.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	for _, c := range cmds {
		if _, err := n.Service.Submit(ctx, c); err != nil {
			t.Fatalf("%s %s: %v", c.Type, c.ID, err)
		}
	}
	return n
}
