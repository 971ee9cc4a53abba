package node_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/nats"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

// heldLog is the node's log as the source of a projector that can be held:
// while held, the projector applies nothing, so a group the writer appends
// stays in flight (appended, not durable) until release.
type heldLog struct {
	*nats.Log
	mu   sync.RWMutex // a chunk is applied under the read lock; hold takes the write lock
	held bool         // used by the test's goroutine only
}

func (h *heldLog) Read(ctx context.Context, from uint64, max int, fn func([]events.Stored) error) error {
	return h.Log.Read(ctx, from, max, func(c []events.Stored) error {
		h.mu.RLock()
		defer h.mu.RUnlock()
		return fn(c)
	})
}

// hold waits for the chunk being applied, if any, and holds back the rest.
func (h *heldLog) hold() {
	h.mu.Lock()
	h.held = true
}

func (h *heldLog) release() {
	h.held = false
	h.mu.Unlock()
}

// followLog runs a projector for st over src until the test ends.
func followLog(t *testing.T, st *projections.Store, src projections.Source, workers int) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	p := projections.NewProjector(st, nil)
	p.Workers = workers
	go func() {
		defer close(done)
		p.Run(ctx, src)
	}()
	t.Cleanup(func() {
		stop()
		<-done
	})
}

func openStore(t *testing.T) *projections.Store {
	t.Helper()
	st, err := projections.Open(t.TempDir(), projections.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func storeDump(t *testing.T, st *projections.Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := st.Dump(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReversedDuesWhereverTheOriginalIs reverses dues receipts that, when
// the reversal is decided, are durable, in the group in flight, or decided
// earlier in the same group, through the real append path. The writer's
// store has its projector held to put each original where it should be;
// it applies every message with the changes the writer computed. It must
// end up byte for byte like the node's own store, which projected every
// event itself, and like a rebuild from the log; every reversed month must
// be in arrears again; and no per-event copy of what the event holds is
// kept (p/period/posted/, p/flag/dseq/).
func TestReversedDuesWhereverTheOriginalIs(t *testing.T) {
	const member = ledgertest.Member // a member since the union opened
	ctx := context.Background()
	n := startNode(t, t.TempDir())
	t.Cleanup(n.Close)
	const org = "h1"
	st := openStore(t)
	src := &heldLog{Log: n.Log}
	followLog(t, st, src, 1)
	svc := ledger.NewService(n.Log, st, ledger.Config{Keys: st})
	t.Cleanup(svc.Close) // before the projector and the store
	t.Cleanup(func() {
		if src.held { // a failure while held: let the projector stop
			src.release()
		}
	})

	type outcome struct {
		res ledger.Result
		err error
	}
	async := func(c ledger.Command) <-chan outcome {
		ch := make(chan outcome, 1)
		go func() {
			res, err := svc.Submit(ctx, c)
			ch <- outcome{res, err}
		}()
		return ch
	}
	must := func(ch <-chan outcome) ledger.Result {
		t.Helper()
		o := <-ch
		if o.err != nil {
			t.Fatal(o.err)
		}
		return o.res
	}
	do := func(c ledger.Command) ledger.Result {
		t.Helper()
		return must(async(c))
	}
	lastSeq := func() uint64 {
		t.Helper()
		last, err := n.Log.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return last
	}
	// appended waits until the stream holds a message after last: the
	// command of ch's. If none comes, the command was refused; its answer
	// waits for the store, so it is read after release.
	appended := func(last uint64, ch <-chan outcome) uint64 {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if l := lastSeq(); l > last {
				return l
			}
		}
		src.release()
		t.Fatalf("nothing appended after stream sequence %d: %v", last, (<-ch).err)
		return 0
	}
	streamSeq := func(seq uint64) uint64 {
		t.Helper()
		e, ok, err := st.Event(org, seq)
		if err != nil || !ok {
			t.Fatalf("event %d: %v %v", seq, ok, err)
		}
		return e.StreamSeq
	}
	receipt := 0
	paid := map[string]bool{} // months with a receipt of member
	dues := func(who, month string) ledger.Command {
		receipt++
		if who == member {
			paid[month] = true
		}
		return ledgertest.Dues(org, "d"+strconv.Itoa(receipt), month+"-10", who, "10.00", "B1", strconv.Itoa(receipt))
	}
	reverse := func(id string, seq uint64) ledger.Command {
		return ledgertest.Cmd(id, "reverse_event", org, ledgertest.Treasurer, "2025-07-20", map[string]any{"seq": seq, "reason": "entered twice"})
	}
	// reversed maps each reversed month to the reversal.
	reversed := map[string]ledger.Result{}

	for _, c := range ledgertest.Setup(org, "2010") {
		do(c)
	}

	// Durable: the receipt is applied, and a group after it too, before
	// the reversal is decided.
	d := do(dues(member, "2025-01"))
	do(dues("m-other", "2025-01"))
	reversed["2025-01"] = do(reverse("r-durable", d.Events[0].Seq))

	// In flight: the receipt's group is appended and held from the store
	// when the reversal is decided, on a view over that group's.
	src.hold()
	before := lastSeq()
	dch := async(dues(member, "2025-02"))
	dAt := appended(before, dch)
	rch := async(reverse("r-in-flight", lastHeadSeq(t, n, org, dAt)))
	appended(dAt, rch)
	if st.Applied() >= dAt {
		t.Fatalf("the receipt's message %d was applied (store at %d) before the reversal was decided", dAt, st.Applied())
	}
	src.release()
	d = must(dch)
	reversed["2025-02"] = must(rch)
	if a, b := streamSeq(d.Events[0].Seq), streamSeq(reversed["2025-02"].Events[0].Seq); a == b {
		t.Fatalf("receipt and reversal in one message (%d)", a)
	}

	// Same group: the writer is held (it waits for the group before the
	// one in flight) while the receipt and then its reversal queue up, so
	// both go into its next group. The queue's order is the order the
	// submits reach it, so each attempt leaves the receipt longer to get
	// there first, and the month of an attempt that missed is another's.
	sameGroup := false
	for attempt, month := range []string{"2025-03", "2025-04", "2025-05"} {
		src.hold()
		before := lastSeq()
		f1 := async(dues("m-other", month))
		at := appended(before, f1)
		f2 := async(dues("m-other", month))
		next := lastHeadSeq(t, n, org, appended(at, f2)) + 1 // the receipt's seq
		dch := async(dues(member, month))
		time.Sleep(time.Duration(50<<attempt) * time.Millisecond)
		rch := async(reverse("r-same-group-"+month, next))
		time.Sleep(time.Duration(50<<attempt) * time.Millisecond)
		src.release()
		must(f1)
		must(f2)
		d := must(dch)
		r := <-rch
		if r.err != nil {
			if ledger.ErrorCode(r.err) != ledger.CodeUnknownRef {
				t.Fatal(r.err)
			}
			t.Logf("attempt %d: the reversal was decided before the receipt", attempt+1)
			continue
		}
		if d.Events[0].Seq != next {
			t.Fatalf("receipt at seq %d, the reversal reversed %d", d.Events[0].Seq, next)
		}
		reversed[month] = r.res
		if streamSeq(d.Events[0].Seq) == streamSeq(r.res.Events[0].Seq) {
			sameGroup = true
			break
		}
		t.Logf("attempt %d: the reversal went into the group after the receipt's", attempt+1)
	}
	if !sameGroup {
		t.Fatal("no attempt put a receipt and its reversal in one group")
	}

	// The other months to date are paid and stay paid.
	for _, m := range []string{"2025-03", "2025-04", "2025-05", "2025-06", "2025-07"} {
		if !paid[m] {
			do(dues(member, m))
		}
	}

	last := lastSeq()
	if err := st.WaitApplied(ctx, last); err != nil {
		t.Fatal(err)
	}
	if err := n.Store.WaitApplied(ctx, last); err != nil {
		t.Fatal(err)
	}
	if staged := st.StagedApplied(); staged != st.Applied() {
		t.Fatalf("%d of %d messages applied from the writer's changes", staged, st.Applied())
	}
	rebuilt := openStore(t)
	followLog(t, rebuilt, n.Log, 1)
	if err := rebuilt.WaitApplied(ctx, last); err != nil {
		t.Fatal(err)
	}

	writer := storeDump(t, st)
	sameDump(t, "writer's store vs the node's", writer, storeDump(t, n.Store))
	sameDump(t, "writer's store vs rebuilt", writer, storeDump(t, rebuilt))
	for _, s := range []*projections.Store{st, n.Store, rebuilt} {
		noCopyKeys(t, s)
	}

	flags, err := st.Flags(org, projections.AsOf{})
	if err != nil {
		t.Fatal(err)
	}
	var months []string
	for m, r := range reversed {
		months = append(months, m)
		// The reversal flag names the original's date, which each view
		// read from wherever the original was.
		want := m + "-10"
		found := false
		for _, f := range flags {
			if f.Kind == projections.FlagReversal && f.RaisedSeq == r.Events[0].Seq {
				found = true
				if len(f.Events) != 2 || f.Events[0].Date != want {
					t.Errorf("reversal of %s: flag events %+v, want the original dated %s", m, f.Events, want)
				}
			}
		}
		if !found {
			t.Errorf("reversal of %s raised no flag", m)
		}
	}
	slices.Sort(months)
	at := projections.AsOf{Date: "2025-08-15"}
	arrears, err := st.FlagReport(org, at, projections.FlagDuesArrears)
	if err != nil {
		t.Fatal(err)
	}
	var owed []string
	for _, f := range arrears.Flags {
		if f.Subject == member {
			owed = f.Items
		}
	}
	if !slices.Equal(owed, months) {
		t.Fatalf("%s in arrears for %v, want the reversed months %v", member, owed, months)
	}
	for _, s := range []*projections.Store{n.Store, rebuilt} {
		other, err := s.FlagReport(org, at, projections.FlagDuesArrears)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(other) != fmt.Sprint(arrears) {
			t.Fatalf("arrears differ:\n%+v\n%+v", arrears, other)
		}
	}
}

// lastHeadSeq is the org sequence of the last event of the message at
// stream sequence ss, read from the log (the store may not have it yet).
func lastHeadSeq(t *testing.T, n *node.Node, org string, ss uint64) uint64 {
	t.Helper()
	raw, ok, err := n.Log.Get(context.Background(), ss)
	if err != nil || !ok {
		t.Fatalf("message %d: %v %v", ss, ok, err)
	}
	evs, err := events.SplitSegment(raw.Data)
	if err != nil {
		t.Fatal(err)
	}
	env, err := events.Decode(evs[len(evs)-1])
	if err != nil || env.Org != org {
		t.Fatalf("message %d: %v (org %s)", ss, err, env.Org)
	}
	return env.Seq
}

// noCopyKeys fails if the store keeps a record that only repeats what an
// event holds: the event is read instead.
func noCopyKeys(t *testing.T, st *projections.Store) {
	t.Helper()
	for _, line := range strings.Split(string(storeDump(t, st)), "\n") {
		for _, p := range []string{`"p/period/posted/`, `"p/flag/dseq/`} {
			if strings.HasPrefix(line, p) {
				t.Fatalf("the store has %s", line)
			}
		}
	}
}
