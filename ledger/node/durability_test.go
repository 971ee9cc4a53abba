package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/google/uuid"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	lnats "github.com/unionledger/unionledger/ledger/nats"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

// ---------------------------------------------------------------------------
// Helpers: starting nodes, a workload with independently computed expected
// balances, and checks of the chain, the commands and the balances.

// logRecords is a slog handler that keeps every record, so tests can see
// what the node reported (republishing, append conflicts).
type logRecords struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecords) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r.Clone())
	h.mu.Unlock()
	return nil
}
func (h *logRecords) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecords) WithGroup(string) slog.Handler      { return h }

// find returns the attributes of every record with message msg.
func (h *logRecords) find(msg string) []map[string]slog.Value {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]slog.Value
	for _, r := range h.recs {
		if r.Message != msg {
			continue
		}
		attrs := map[string]slog.Value{}
		r.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value; return true })
		out = append(out, attrs)
	}
	return out
}

func startWith(t *testing.T, cfg node.Config) *node.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n, err := node.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	return n
}

func dcmd(id, typ, org, date string, data any) ledger.Command {
	b, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	return ledger.Command{ID: id, Type: typ, Org: org, Actor: "p-treasurer", Date: date, Data: b}
}

// planned is a command with the postings it makes if it is accepted,
// computed by the test from the command alone (debit positive, in fen).
type planned struct {
	cmd      ledger.Command
	postings map[string]int64
	// mayRefuse is the refusal the command may legitimately meet (overdraft
	// for payments, whose outcome depends on ordering); "" = must succeed.
	mayRefuse ledger.Code
	// anyEvents skips the event count check: set-up commands whose events
	// are other areas' business (keys, policies, budgets).
	anyEvents bool
}

// events is how many events the command appends: opening a union also
// registers the opener and every officer and grants their roles.
func (p planned) events() int {
	if p.cmd.Type == "open_org" {
		return 1 + 2*(1+len(ledgertest.Officers))
	}
	return 1
}

// book records what the ledger acknowledged and what that must add up to.
type book struct {
	t         *testing.T
	mu        sync.Mutex
	acked     map[string]ledger.Result // org/id → original result
	bal       map[string]map[string]int64
	threshold int
	reached   chan struct{}
}

func newBook(t *testing.T, threshold int) *book {
	return &book{t: t, acked: map[string]ledger.Result{}, bal: map[string]map[string]int64{},
		threshold: threshold, reached: make(chan struct{})}
}

// submit sends p and records the outcome; it may run on any goroutine.
func (b *book) submit(n *node.Node, p planned) {
	res, err := n.Service.Submit(context.Background(), p.cmd)
	k := p.cmd.Org + "/" + p.cmd.ID
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		if p.mayRefuse == "" || ledger.ErrorCode(err) != p.mayRefuse {
			b.t.Errorf("command %s: %v", k, err)
		}
		return
	}
	if orig, ok := b.acked[k]; ok {
		if !res.Duplicate || !slices.Equal(res.Events, orig.Events) {
			b.t.Errorf("retry of %s: got %+v, first result %+v", k, res, orig)
		}
		return
	}
	if res.Duplicate || (!p.anyEvents && len(res.Events) != p.events()) {
		b.t.Errorf("command %s: unexpected result %+v", k, res)
		return
	}
	b.acked[k] = res
	if b.bal[p.cmd.Org] == nil {
		b.bal[p.cmd.Org] = map[string]int64{}
	}
	for acct, amt := range p.postings {
		b.bal[p.cmd.Org][acct] += amt
	}
	if len(b.acked) == b.threshold {
		close(b.reached)
	}
}

// snapshot copies the acknowledged commands so far.
func (b *book) snapshot() map[string]ledger.Result {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]ledger.Result, len(b.acked))
	for k, v := range b.acked {
		out[k] = v
	}
	return out
}

func yuan(fen int64) string { return events.Fen(fen).Yuan() }

var expenseAccounts = []string{"50101", "50102", "50201", "50302", "504", "508"}

// plan makes count varied commands for one worker of one org: dues and
// allocations (unique receipts), payments (which may be refused for
// overdraft), retries of earlier commands with the same id and content, and
// reuses of a receipt under a new id (always refused).
func plan(org string, worker, count int, rng *rand.Rand) []planned {
	var out []planned
	var receipts []string
	for i := range count {
		id := fmt.Sprintf("%s-w%d-%d", org, worker, i)
		via, viaAcct := "bank", events.AcctBank
		if rng.IntN(4) == 0 {
			via, viaAcct = "cash", events.AcctCash
		}
		date := fmt.Sprintf("2025-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28))
		switch k := rng.IntN(20); {
		case k < 9 || i == 0:
			amt := int64(1000 + rng.IntN(20000))
			num := strconv.Itoa(i)
			receipts = append(receipts, "D"+strconv.Itoa(worker)+"/"+num)
			out = append(out, planned{
				cmd: dcmd(id, "receive_dues", org, date, map[string]any{
					"member": fmt.Sprintf("m%d", rng.IntN(50)), "period": date[:7], "amount": yuan(amt),
					"receipt": map[string]string{"book": "D" + strconv.Itoa(worker), "number": num}, "via": via}),
				postings: map[string]int64{viaAcct: amt, events.AcctDues: -amt},
			})
		case k < 12:
			gross := int64(10000 + rng.IntN(500000))
			remitted := gross * int64(rng.IntN(3)) * 2 / 10 // 0, 20% or 40%
			data := map[string]any{"period": date[:7], "wage_bill": yuan(gross * 50), "amount": yuan(gross),
				"receipt": map[string]string{"book": "A" + strconv.Itoa(worker), "number": strconv.Itoa(i)}, "via": via}
			if remitted > 0 {
				data["remitted"] = yuan(remitted)
			}
			ps := map[string]int64{viaAcct: gross, events.AcctAllocation: -(gross - remitted)}
			if remitted > 0 {
				ps[events.AcctPayableUpper] = -remitted
			}
			out = append(out, planned{cmd: dcmd(id, "receive_allocation", org, date, data), postings: ps})
		case k < 18:
			// An expense: the treasurer's request, the chair's signed
			// approval, then the payment, which may meet an overdraft.
			amt := int64(100 + rng.IntN(9000))
			acct := expenseAccounts[rng.IntN(len(expenseAccounts))]
			exp := "E-" + id
			terms := ledger.ExpenseTerms{Org: org, Expense: exp, Account: acct, Amount: events.Fen(amt),
				Payee: "供应商", Purpose: "活动", RequestedBy: ledgertest.Treasurer}
			out = append(out,
				planned{cmd: dcmd(id+":request", "request_expense", org, date, map[string]any{
					"expense": exp, "account": acct, "amount": yuan(amt), "payee": terms.Payee, "purpose": terms.Purpose})},
				planned{cmd: ledgertest.Approve(id, date, terms)},
				planned{
					cmd:       dcmd(id, "pay_expense", org, date, map[string]any{"expense": exp, "via": via}),
					postings:  map[string]int64{acct: amt, viaAcct: -amt},
					mayRefuse: ledger.CodeOverdraft,
				})
		case k < 19:
			// Retry an earlier command verbatim (may itself have been refused,
			// then it is refused again the same way, or decided anew).
			out = append(out, out[rng.IntN(len(out))])
		default:
			r := strings.SplitN(receipts[rng.IntN(len(receipts))], "/", 2)
			out = append(out, planned{
				cmd: dcmd(id, "receive_dues", org, date, map[string]any{
					"member": "m1", "period": date[:7], "amount": "1.00",
					"receipt": map[string]string{"book": r[0], "number": r[1]}}),
				mayRefuse: ledger.CodeDuplicateRecpt,
			})
		}
	}
	return out
}

// openOrgs sets the orgs up one after the other (ledgertest.Setup).
func openOrgs(t *testing.T, n *node.Node, b *book, orgs []string) {
	t.Helper()
	for i, org := range orgs {
		chart := []string{"2010", "2022"}[i%2]
		for _, c := range ledgertest.Setup(org, chart) {
			b.submit(n, planned{cmd: c, anyEvents: c.Type != "open_org"})
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// runWorkers runs workers goroutines per org, each submitting its plan.
func runWorkers(n *node.Node, b *book, orgs []string, workers, count int, seed uint64) *sync.WaitGroup {
	var wg sync.WaitGroup
	for oi, org := range orgs {
		for w := range workers {
			p := plan(org, w, count, rand.New(rand.NewPCG(seed, uint64(oi*100+w))))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, c := range p {
					b.submit(n, c)
				}
			}()
		}
	}
	return &wg
}

// verifyChain walks the org's events in the store: org sequences 1..head
// without gaps, each prev the hash of the event before, the head matching
// the last event, and each event's stream sequence pointing at a message of
// the log with the very same bytes. It returns command id → org sequences.
func verifyChain(t *testing.T, n *node.Node, org string) map[string][]uint64 {
	t.Helper()
	ctx := context.Background()
	head, err := n.Store.Head(org)
	if err != nil {
		t.Fatal(err)
	}
	cmds := map[string][]uint64{}
	prev, seq, lastSS := events.ZeroHash, uint64(0), uint64(0)
	var bad error
	err = n.Store.Events(org, 1, 0, func(s uint64, st events.Stored) bool {
		env, err := events.Decode(st.Data)
		if err != nil {
			bad = fmt.Errorf("seq %d: %v", s, err)
			return false
		}
		seq++
		switch {
		case s != seq || env.Seq != seq:
			bad = fmt.Errorf("event key %d holds seq %d, want %d", s, env.Seq, seq)
		case env.Org != org:
			bad = fmt.Errorf("seq %d belongs to org %s", s, env.Org)
		case env.Prev != prev:
			bad = fmt.Errorf("seq %d: prev %s, hash of seq %d is %s", s, env.Prev, seq-1, prev)
		}
		if bad != nil {
			return false
		}
		raw, ok, err := n.Log.Get(ctx, st.StreamSeq)
		if err != nil || !ok || !events.SegmentHolds(raw.Data, st.Data) {
			bad = fmt.Errorf("seq %d: stream seq %d in the log: ok=%v err=%v (not the same event)", s, st.StreamSeq, ok, err)
			return false
		}
		prev, lastSS = env.Hash, st.StreamSeq
		cmds[env.Command] = append(cmds[env.Command], env.Seq)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if bad != nil {
		t.Fatalf("org %s: chain in the store: %v", org, bad)
	}
	if head.Seq != seq || (seq > 0 && (head.Hash != prev || head.StreamSeq != lastSS)) {
		t.Fatalf("org %s: head %+v, last event seq %d hash %s stream seq %d", org, head, seq, prev, lastSS)
	}
	return cmds
}

var errDone = errors.New("done")

// verifyLog reads the whole stream and checks that, per org, the events
// come in org-sequence order without gaps or repeats and chain by hash. It
// returns each org's last event.
func verifyLog(t *testing.T, n *node.Node) map[string]events.Envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := n.Log.JetStream().Stream(ctx, lnats.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	want := s.CachedInfo().State.Msgs
	last := map[string]events.Envelope{}
	if want == 0 {
		return last
	}
	var got, at uint64 // messages read, the last one's stream sequence
	err = n.Log.Read(ctx, 1, 512, func(chunk []events.Stored) error {
		for _, raw := range chunk {
			if raw.StreamSeq != at {
				at = raw.StreamSeq
				got++
			}
			env, err := events.Decode(raw.Data)
			if err != nil {
				return fmt.Errorf("stream seq %d: %v", raw.StreamSeq, err)
			}
			h, ok := last[env.Org]
			prev := events.ZeroHash
			if ok {
				prev = h.Hash
			}
			if env.Seq != h.Seq+1 || env.Prev != prev {
				return fmt.Errorf("stream seq %d: org %s seq %d (prev %s) does not follow seq %d (%s)",
					raw.StreamSeq, env.Org, env.Seq, env.Prev, h.Seq, prev)
			}
			last[env.Org] = env
		}
		if got >= want {
			return errDone
		}
		return nil
	})
	if !errors.Is(err, errDone) {
		t.Fatalf("reading the log: %v", err)
	}
	return last
}

// checkLedger asserts the recovered ledger is exactly what was acknowledged:
// chains verify in the store and in the log, every acknowledged command is
// present exactly once with its original result and nothing else is, and
// the balances equal the test's own arithmetic.
func checkLedger(t *testing.T, n *node.Node, orgs []string, acked map[string]ledger.Result, bal map[string]map[string]int64) {
	t.Helper()
	logLast := verifyLog(t, n)
	if len(logLast) != len(orgs) {
		t.Fatalf("log has %d orgs, want %d", len(logLast), len(orgs))
	}
	for _, org := range orgs {
		cmds := verifyChain(t, n, org)
		head, err := n.Store.Head(org)
		if err != nil {
			t.Fatal(err)
		}
		if l := logLast[org]; l.Seq != head.Seq || l.Hash != head.Hash {
			t.Fatalf("org %s: log ends at seq %d (%s), store at %d (%s)", org, l.Seq, l.Hash, head.Seq, head.Hash)
		}
		// Every command in the chain was acknowledged, once.
		for id, seqs := range cmds {
			orig, ok := acked[org+"/"+id]
			if !ok {
				t.Fatalf("org %s: command %s in the ledger was never acknowledged", org, id)
			}
			var want []uint64
			for _, e := range orig.Events {
				want = append(want, e.Seq)
			}
			if !slices.Equal(seqs, want) {
				t.Fatalf("org %s: command %s has events %v, acknowledged %v", org, id, seqs, want)
			}
		}
		// Every acknowledged command is in the chain, with its result.
		for k, orig := range acked {
			o, id, _ := strings.Cut(k, "/")
			if o != org {
				continue
			}
			if _, ok := cmds[id]; !ok {
				t.Fatalf("acknowledged command %s is missing", k)
			}
			res, _, ok, err := n.Store.CommandResult(org, id)
			if err != nil || !ok || !slices.Equal(res.Events, orig.Events) {
				t.Fatalf("command %s: result %+v ok=%v err=%v, acknowledged %+v", k, res, ok, err, orig)
			}
		}
		checkBalances(t, n, org, bal[org])
	}
}

func checkBalances(t *testing.T, n *node.Node, org string, want map[string]int64) {
	t.Helper()
	list, err := n.Store.Balances(org, projections.AsOf{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	var sum int64
	for _, b := range list {
		if b.Debit != 0 {
			got[b.Account.Code] = int64(b.Debit)
		}
		sum += int64(b.Debit)
	}
	if sum != 0 {
		t.Fatalf("org %s: balances do not sum to zero: %d", org, sum)
	}
	exp := map[string]int64{}
	for a, v := range want {
		if v != 0 {
			exp[a] = v
		}
	}
	if len(exp) == 0 {
		t.Fatalf("org %s: nothing expected, the test moved no money", org)
	}
	if !maps.Equal(got, exp) {
		t.Fatalf("org %s: balances %v, want %v", org, got, exp)
	}
}

func dump(t *testing.T, n *node.Node) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := n.Store.Dump(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() == 0 {
		t.Fatal("empty dump")
	}
	return buf.Bytes()
}

// sameDump fails with the first differing line.
func sameDump(t *testing.T, what string, a, b []byte) {
	t.Helper()
	if bytes.Equal(a, b) {
		return
	}
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			t.Fatalf("%s: dumps differ (%d vs %d lines) first at line %d:\n  %s\n  %s", what, len(la), len(lb), i+1, x, y)
		}
	}
}

// rebuiltDump replays the whole JetStream log of dir into an empty
// in-memory Pebble and returns its dump: the ledger rebuilt from zero.
func rebuiltDump(t *testing.T, dir string) []byte {
	t.Helper()
	n := startWith(t, node.Config{DataDir: dir, PebbleFS: vfs.NewMem()})
	defer n.Close()
	return dump(t, n)
}

// nextSeq submits one more dues payment and asserts it takes the org's next
// sequence, right after the head, and that the chain still verifies.
func nextSeq(t *testing.T, n *node.Node, b *book, org, id string) {
	t.Helper()
	head, err := n.Store.Head(org)
	if err != nil {
		t.Fatal(err)
	}
	p := planned{
		cmd: dcmd(id, "receive_dues", org, "2025-12-31", map[string]any{
			"member": "m-after", "period": "2025-12", "amount": "12.34",
			"receipt": map[string]string{"book": "AFTER", "number": id}}),
		postings: map[string]int64{events.AcctBank: 1234, events.AcctDues: -1234},
	}
	b.submit(n, p)
	if t.Failed() {
		t.FailNow()
	}
	res := b.snapshot()[org+"/"+id]
	if res.Events[0].Seq != head.Seq+1 {
		t.Fatalf("org %s: new command got seq %d after head %d", org, res.Events[0].Seq, head.Seq)
	}
	verifyChain(t, n, org)
}

// ---------------------------------------------------------------------------

// TestRebuildFromLog: everything in Pebble except secrets is derived from
// JetStream; throwing it away and replaying the log must give back the very
// same bytes.
func TestRebuildFromLog(t *testing.T) {
	for _, tc := range []struct {
		name  string
		erase func(t *testing.T, dir string)
	}{
		{"pebble directory deleted", func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, "pebble")); err != nil {
				t.Fatal(err)
			}
		}},
		{"store in an older format", func(t *testing.T, dir string) {
			// A store as an earlier version left it: no format recorded, and
			// a family this version no longer writes. The node must rebuild
			// it from the stream, keeping the secrets (an API token).
			st, err := projections.Open(filepath.Join(dir, "pebble"), projections.Options{})
			if err != nil {
				t.Fatal(err)
			}
			token, err := st.CreateToken("h1", "p-treasurer")
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := pebble.Open(filepath.Join(dir, "pebble"), &pebble.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, err := range []error{
				db.Delete([]byte("m/format"), pebble.Sync),
				db.Set([]byte("p/flag/rc/h1/B\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07"), []byte(`{"n":"7"}`), pebble.Sync),
				db.Close(),
			} {
				if err != nil {
					t.Fatal(err)
				}
			}
			t.Cleanup(func() {
				n := startWith(t, node.Config{DataDir: dir})
				defer n.Close()
				if org, person, ok, err := n.Store.Authenticate(token); err != nil || !ok || org != "h1" || person != "p-treasurer" {
					t.Errorf("the token after the rebuild: %s %s %v %v", org, person, ok, err)
				}
			})
		}},
		{"store wiped", func(t *testing.T, dir string) {
			st, err := projections.Open(filepath.Join(dir, "pebble"), projections.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Wipe(); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := st.Dump(&buf); err != nil {
				t.Fatal(err)
			}
			// Nothing but the format the store is now in.
			if want := fmt.Sprintf("%q %q\n", "m/format", []byte{0, 0, 0, 0, 0, 0, 0, projections.Format}); buf.String() != want || st.Applied() != 0 || st.Stale() != 0 {
				t.Fatalf("after Wipe: applied %d, stale %d, dump %q, want %q", st.Applied(), st.Stale(), buf.String(), want)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			orgs := []string{"h1", "h2"}
			n := startWith(t, node.Config{DataDir: dir})
			b := newBook(t, -1)
			openOrgs(t, n, b, orgs)
			runWorkers(n, b, orgs, 3, 50, 1).Wait()
			if t.Failed() {
				n.Close()
				t.FailNow()
			}
			checkLedger(t, n, orgs, b.snapshot(), b.bal)
			before := dump(t, n)
			applied := n.Store.Applied()
			// Every message was appended by this node's writers, so the
			// projector applied each one with the changes its writer had
			// already computed (apply once); the rebuild below decodes and
			// projects them all, and must come out byte for byte the same.
			if staged := n.Store.StagedApplied(); staged != applied {
				t.Fatalf("the projector applied %d of %d messages from staged changes", staged, applied)
			}
			var events uint64
			for _, org := range orgs {
				h, err := n.Store.Head(org)
				if err != nil {
					t.Fatal(err)
				}
				events += h.Seq
			}
			if events <= applied {
				t.Fatalf("%d events in %d messages: no message held a group", events, applied)
			}
			n.Close()

			tc.erase(t, dir)

			n = startWith(t, node.Config{DataDir: dir})
			defer n.Close()
			if n.Store.Applied() != applied || n.Store.StagedApplied() != 0 {
				t.Fatalf("rebuilt store applied %d (%d from staged changes), want %d (none staged)", n.Store.Applied(), n.Store.StagedApplied(), applied)
			}
			sameDump(t, "rebuilt vs original", before, dump(t, n))
			checkLedger(t, n, orgs, b.snapshot(), b.bal)
			t.Logf("%d acknowledged commands, %d stream messages, %d dump bytes", len(b.snapshot()), applied, len(before))
			for _, org := range orgs {
				nextSeq(t, n, b, org, "after-rebuild")
			}
		})
	}
}

// TestPebblePowerCut: Pebble loses whatever it had not synced while
// commands are being acknowledged; JetStream (on disk) keeps everything.
// Every acknowledged command must survive, exactly once.
func TestPebblePowerCut(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	pct := 1 + rand.New(rand.NewPCG(seed, 0)).IntN(99)
	for _, tc := range []struct {
		name string
		cfg  vfs.CrashCloneCfg
	}{
		{"only synced data", vfs.CrashCloneCfg{UnsyncedDataPercent: 0}},
		{fmt.Sprintf("%d%% of unsynced data", pct), vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rand.New(rand.NewPCG(seed, 1))}},
		{"all unsynced data", vfs.CrashCloneCfg{UnsyncedDataPercent: 100, RNG: rand.New(rand.NewPCG(seed, 2))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			orgs := []string{"h1", "h2"}
			fs := vfs.NewCrashableMem()
			n := startWith(t, node.Config{DataDir: dir, PebbleFS: fs})
			const workers, count = 3, 40
			b := newBook(t, len(orgs)+workers*count/2)
			openOrgs(t, n, b, orgs)
			wg := runWorkers(n, b, orgs, workers, count, seed)
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-b.reached:
			case <-done:
			}
			// Acknowledged before the cut: their events were synced.
			before := b.snapshot()
			crashed := fs.CrashClone(tc.cfg)
			<-done // the rest run on against the doomed store; JetStream keeps them
			n.Close()
			if t.Failed() {
				t.FailNow()
			}
			all := b.snapshot()
			t.Logf("%d commands acknowledged before the cut, %d in all", len(before), len(all))

			// Pebble alone, as the power cut left it, already holds every
			// command acknowledged before the cut.
			st, err := projections.Open(filepath.Join(dir, "pebble"), projections.Options{FS: crashed})
			if err != nil {
				t.Fatalf("open the crashed store: %v", err)
			}
			t.Logf("crashed store applied up to stream seq %d", st.Applied())
			for k, orig := range before {
				org, id, _ := strings.Cut(k, "/")
				res, _, ok, err := st.CommandResult(org, id)
				if err != nil || !ok || !slices.Equal(res.Events, orig.Events) {
					t.Errorf("after the cut, acknowledged command %s: ok=%v err=%v result %+v, want %+v", k, ok, err, res, orig)
				}
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			if t.Failed() {
				t.FailNow()
			}

			n = startWith(t, node.Config{DataDir: dir, PebbleFS: crashed})
			checkLedger(t, n, orgs, all, b.bal)
			for _, org := range orgs {
				nextSeq(t, n, b, org, "after-crash")
			}
			recovered := dump(t, n)
			n.Close()
			sameDump(t, "recovered vs rebuilt from zero", recovered, rebuiltDump(t, dir))
		})
	}
}

// streamMsgsDir is where the embedded server keeps the LEDGER stream.
func streamMsgsDir(dir string) string {
	return filepath.Join(dir, "jetstream", "jetstream", "$G", "streams", lnats.StreamName, "msgs")
}

// lastBlock returns the highest-numbered message block file.
func lastBlock(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(streamMsgsDir(dir), "*.blk"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no message blocks in %s: %v", streamMsgsDir(dir), err)
	}
	best, bestN := "", -1
	for _, f := range files {
		k, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(f), ".blk"))
		if err == nil && k > bestN {
			best, bestN = f, k
		}
	}
	return best
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o750)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// survivingMsgs starts a bare server on a copy of the damaged JetStream
// directory and counts what it still holds, leaving the original untouched
// for the node to find.
func survivingMsgs(t *testing.T, dir string) (msgs, lastSeq uint64) {
	t.Helper()
	probe := filepath.Join(t.TempDir(), "jetstream")
	copyDir(t, filepath.Join(dir, "jetstream"), probe)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	emb, err := lnats.StartEmbedded(ctx, lnats.ServerConfig{StoreDir: probe}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	nc, err := emb.Connect("probe")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	l, err := lnats.Open(ctx, nc, 1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.JetStream().Stream(ctx, lnats.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	st := s.CachedInfo().State
	return st.Msgs, st.LastSeq
}

// TestTruncatedLogTail: JetStream acknowledges before it fsyncs, so a power
// cut can take the tail of its last block while Pebble has every
// acknowledged event. At start the node republishes what the log lost.
func TestTruncatedLogTail(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cut      func(size int64) int64 // new size of the last block
		dropIndx bool                   // also delete msgs/index.db
	}{
		{"cut 300 bytes", func(s int64) int64 { return s - 300 }, false},
		{"cut to half", func(s int64) int64 { return s / 2 }, false},
		{"cut to half, index lost", func(s int64) int64 { return s / 2 }, true},
		{"cut 300 bytes, index lost", func(s int64) int64 { return s - 300 }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			orgs := []string{"h1", "h2", "h3"}
			n := startWith(t, node.Config{DataDir: dir})
			b := newBook(t, -1)
			openOrgs(t, n, b, orgs)
			runWorkers(n, b, orgs, 2, 20, 7).Wait()
			if t.Failed() {
				n.Close()
				t.FailNow()
			}
			total, err := n.Log.LastSeq(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			n.Close()

			blk := lastBlock(t, dir)
			fi, err := os.Stat(blk)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(blk, tc.cut(fi.Size())); err != nil {
				t.Fatal(err)
			}
			if tc.dropIndx {
				if err := os.Remove(filepath.Join(streamMsgsDir(dir), "index.db")); err != nil {
					t.Fatal(err)
				}
			}
			left, lastSeq := survivingMsgs(t, dir)
			t.Logf("%s: %d of %d messages survive, stream last seq %d", filepath.Base(blk), left, total, lastSeq)
			if left >= total {
				t.Fatalf("the damage lost nothing (%d of %d messages left): the test shows nothing", left, total)
			}

			logs := &logRecords{}
			n = startWith(t, node.Config{DataDir: dir, Logger: slog.New(logs)})
			republished := uint64(0)
			for _, a := range logs.find("republished events the log lost") {
				republished += uint64(a["messages"].Int64())
			}
			if republished != total-left { // counted from the node's "republished events the log lost" warnings
				t.Fatalf("the node reported republishing %d messages, the log lost %d", republished, total-left)
			}
			for _, org := range orgs {
				head, err := n.Store.Head(org)
				if err != nil {
					t.Fatal(err)
				}
				raw, ok, err := n.Log.LastOfOrg(context.Background(), org)
				if err != nil || !ok {
					t.Fatalf("org %s has nothing in the log: %v", org, err)
				}
				evs, err := events.SplitSegment(raw.Data)
				if err != nil {
					t.Fatal(err)
				}
				env, err := events.Decode(evs[len(evs)-1])
				if err != nil {
					t.Fatal(err)
				}
				if env.Seq != head.Seq || env.Hash != head.Hash || raw.StreamSeq != head.StreamSeq {
					t.Fatalf("org %s: log's last is seq %d at stream seq %d, store head %+v", org, env.Seq, raw.StreamSeq, head)
				}
			}
			checkLedger(t, n, orgs, b.snapshot(), b.bal)
			for _, org := range orgs {
				nextSeq(t, n, b, org, "after-truncation")
			}
			checkLedger(t, n, orgs, b.snapshot(), b.bal)
			recovered := dump(t, n)
			n.Close()
			sameDump(t, "recovered vs rebuilt from zero", recovered, rebuiltDump(t, dir))
		})
	}
}

// laggingStore is the node's real store as seen by a writer whose projector
// has not caught up yet: the first Head it reads is the one from before
// another process appended.
type laggingStore struct {
	*projections.Store
	mu    sync.Mutex
	stale *ledger.Head
}

func (s *laggingStore) Begin(over ledger.Scratch) (ledger.Scratch, error) {
	sc, err := s.Store.Begin(over)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stale != nil {
		h := *s.stale
		s.stale = nil
		return staleScratch{Scratch: sc, head: h}, nil
	}
	return sc, nil
}

// staleScratch answers Head with the head from before the foreign append.
type staleScratch struct {
	ledger.Scratch
	head ledger.Head
}

func (s staleScratch) Head(string) (ledger.Head, error) { return s.head, nil }

// Unwrap lets the store build the next view over this one.
func (s staleScratch) Unwrap() ledger.Scratch { return s.Scratch }

// foreignAppend appends one dues payment for org straight to the log, as
// another ledger process would, continuing the chain at the store's head.
// It returns the event and its stream sequence.
func foreignAppend(t *testing.T, n *node.Node, org string, i int) (ledger.Head, events.Envelope, uint64) {
	t.Helper()
	head, err := n.Store.Head(org)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("other-process-%d", i)
	env, data, err := events.Seal(events.Draft{Date: "2025-02-01", Payload: events.DuesReceived{
		Member: "m-other", Period: "2025-02", Amount: 5000, Receipt: events.Receipt{Book: "OTHER", Number: strconv.Itoa(i)}, Via: events.ViaBank,
	}}, events.Meta{
		ID: uuid.Must(uuid.NewV7()).String(), Org: org, Seq: head.Seq + 1, Recorded: time.Now(),
		Actor: "p-other", Command: id, CommandHash: events.HashOf([]byte(id)), Prev: head.Hash,
	})
	if err != nil {
		t.Fatal(err)
	}
	ss, err := n.Log.Append(context.Background(), org, head.StreamSeq, []ledger.Message{{Env: env, Data: data}}, nil)
	if err != nil {
		t.Fatalf("foreign append: %v", err)
	}
	return head, env, ss
}

// TestSubmitAfterForeignAppend: another process appended to the org, so the
// writer's head is stale; the append conflicts, and the writer must retry on
// fresh state and continue the chain without a gap.
func TestSubmitAfterForeignAppend(t *testing.T) {
	n := startWith(t, node.Config{DataDir: t.TempDir()})
	defer n.Close()
	const org = "h1"
	ctx := context.Background()
	if _, err := n.Service.Submit(ctx, ledgertest.Open(org, "2010")); err != nil {
		t.Fatal(err)
	}
	dues := func(i int) ledger.Command {
		return dcmd(fmt.Sprintf("d%d", i), "receive_dues", org, "2025-02-01", map[string]any{
			"member": "m1", "period": "2025-02", "amount": "10.00", "receipt": map[string]string{"book": "B", "number": strconv.Itoa(i)}})
	}
	wantBank := int64(0)
	check := func(t *testing.T, res ledger.Result, env events.Envelope, ss uint64) {
		t.Helper()
		if len(res.Events) != 1 || res.Events[0].Seq != env.Seq+1 {
			t.Fatalf("command got %+v, the foreign event has seq %d", res.Events, env.Seq)
		}
		st, ok, err := n.Store.Event(org, env.Seq)
		if err != nil || !ok || st.StreamSeq != ss || events.HashOf(st.Data) != env.Hash {
			t.Fatalf("foreign event seq %d in the store: ok=%v err=%v stream seq %d (want %d)", env.Seq, ok, err, st.StreamSeq, ss)
		}
		mine, ok, err := n.Store.Event(org, env.Seq+1)
		if err != nil || !ok {
			t.Fatalf("command's event: ok=%v err=%v", ok, err)
		}
		me, err := events.Decode(mine.Data)
		if err != nil || me.Prev != env.Hash || me.Hash != res.Events[0].Hash {
			t.Fatalf("command's event does not follow the foreign one: %v prev %s want %s", err, me.Prev, env.Hash)
		}
		wantBank += 5000 + 1000
		cmds := verifyChain(t, n, org)
		if got := cmds[env.Command]; !slices.Equal(got, []uint64{env.Seq}) {
			t.Fatalf("foreign command at %v", got)
		}
		if bal, err := n.Store.Balance(org, events.AcctBank); err != nil || int64(bal) != wantBank {
			t.Fatalf("bank %d (%v), want %d", bal, err, wantBank)
		}
	}

	t.Run("node service", func(t *testing.T) {
		// The node's own projector races the submit: the head the writer
		// reads may or may not be stale yet; either way the result must be
		// the next sequence.
		for i := range 5 {
			_, env, ss := foreignAppend(t, n, org, i)
			res, err := n.Service.Submit(ctx, dues(i))
			if err != nil {
				t.Fatalf("submit after a foreign append: %v", err)
			}
			check(t, res, env, ss)
		}
	})

	t.Run("stale head", func(t *testing.T) {
		// Deterministically stale: the writer first sees the head from
		// before the foreign append, as it would if its projector lagged.
		logs := &logRecords{}
		lag := &laggingStore{Store: n.Store}
		svc := ledger.NewService(n.Log, lag, ledger.Config{Logger: slog.New(logs)})
		defer svc.Close()
		for i := 10; i < 13; i++ {
			before, env, ss := foreignAppend(t, n, org, i)
			lag.mu.Lock()
			lag.stale = &before
			lag.mu.Unlock()
			res, err := svc.Submit(ctx, dues(i))
			if err != nil {
				t.Fatalf("submit on a stale head: %v", err)
			}
			conflicts := logs.find("append conflict, retrying on fresh state")
			if len(conflicts) != i-9 || conflicts[i-10]["last"].Uint64() != ss {
				t.Fatalf("want conflict %d at the foreign stream seq %d, logged %v", i-9, ss, conflicts)
			}
			check(t, res, env, ss)
		}
	})
}
