package node_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
	"github.com/unionledger/unionledger/projections"
)

// raceClients is how many clients race in each storm.
const raceClients = 16

// raceOutcome is what one client got for one command of the storm.
type raceOutcome struct {
	contest string // which race the command takes part in
	cmd     ledger.Command
	res     ledger.Result
	err     error
}

// TestRaceConflictingCommands lets 16 clients race conflicting commands
// against the real append path (embedded NATS, Pebble): one expense
// approved by all of them with distinct command ids, another with one
// shared command id, two approved payments that together overdraw the bank,
// sixteen receipts with the same number and sixteen welfare rounds
// competing for one member's festival cap. It runs once through the node's
// one Service (group commit serialises the org) and once through two
// Service instances over the same log and store, so writers collide on the
// log's expected-last-sequence check and must decide again on fresh state.
// Each storm is repeated in a fresh union. Every contest must end with
// exactly the winners the rules allow, the losers refused with the rule's
// code, and the log must keep every invariant: a gapless hash chain per
// union, bank and cash never negative and equal to a fold of the events,
// each expense approved and paid at most once, no receipt number twice and
// no member over a welfare cap. Without the writer's serialisation or the
// conflict retry, two winners of a contest (or a broken chain) appear.
func TestRaceConflictingCommands(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	// The two writers of the second variant count their lost races: the
	// conflict retry is what that variant is there to exercise.
	conflicts := &conflictCounter{}
	var writers []*ledger.Service
	for range 2 {
		s := ledger.NewService(n.Log, n.Store, ledger.Config{Keys: n.Store, Logger: slog.New(conflicts)})
		defer s.Close() // before n.Close: deferred calls run last-in first-out
		writers = append(writers, s)
	}

	variants := []struct {
		name     string
		services []*ledger.Service
	}{
		{"one service", []*ledger.Service{n.Service}},
		{"two services", writers},
	}
	const rounds = 4
	var orgs []string
	for vi, v := range variants {
		for r := range rounds {
			org := fmt.Sprintf("race-%d-%d", vi, r)
			orgs = append(orgs, org)
			t.Run(fmt.Sprintf("%s/round %d", v.name, r), func(t *testing.T) {
				raceSetup(t, n, org)
				outs := storm(t, n, org, v.services)
				checkContests(t, org, outs)
				checkInvariants(t, n, org)
			})
		}
	}

	t.Logf("the two services lost %d append races and decided again", conflicts.count())
	if conflicts.count() == 0 {
		t.Errorf("the two-service storms never collided on the log: the conflict retry was not exercised")
	}

	// The whole stream, every union at once, verifies as a hash chain.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	last, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := projections.Verify(ctx, n.Log, last, nil)
	if err != nil || rep.FirstBad != nil || rep.Messages != last {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	for _, org := range orgs {
		head, err := n.Store.Head(org)
		if err != nil || rep.Orgs[org].Seq != head.Seq || rep.Orgs[org].Hash != head.Hash {
			t.Errorf("%s: verified tip %+v, store head %+v (%v)", org, rep.Orgs[org], head, err)
		}
	}
}

// conflictCounter is a slog.Handler that counts the append service's
// "append conflict" debug records.
type conflictCounter struct {
	mu sync.Mutex
	n  int
}

func (c *conflictCounter) Enabled(context.Context, slog.Level) bool { return true }

func (c *conflictCounter) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, "append conflict") {
		c.mu.Lock()
		c.n++
		c.mu.Unlock()
	}
	return nil
}

func (c *conflictCounter) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *conflictCounter) WithGroup(string) slog.Handler      { return c }

func (c *conflictCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// raceSetup gives the union 1,000.00 in the bank, a member m1 under Anhui's
// welfare policy (festival gifts ≤ 2,000.00 a year), pending expenses EA and
// EB of 100.00, and approved expenses P1 and P2 of 600.00 each.
func raceSetup(t *testing.T, n *node.Node, org string) {
	t.Helper()
	cmds := append(ledgertest.Setup(org, "2010"), ledgertest.Members(org, "m1")...)
	cmds = append(cmds,
		ledgertest.AnhuiPolicy(org, "2025"),
		ledgertest.Dues(org, "d0", "2025-01-05", "m0", "1000.00", "B1", "0"),
		ledgertest.Request(org, "EA", "2025-02-01", "50102", "100.00", "体育用品店", "篮球"),
		ledgertest.Request(org, "EB", "2025-02-01", "50102", "100.00", "体育用品店", "排球"),
		ledgertest.Request(org, "P1", "2025-02-01", "50102", "600.00", "文具店", "办公用品"),
		ledgertest.Request(org, "P2", "2025-02-01", "50102", "600.00", "书店", "图书"),
	)
	for _, c := range cmds {
		submit(t, n, c)
	}
	for _, id := range []string{"P1", "P2"} {
		c, ok, err := ledgertest.ApprovePending(n.Store, org, id, "2025-02-02")
		if err != nil || !ok {
			t.Fatalf("expense %s: %v %v", id, ok, err)
		}
		submit(t, n, c)
	}
}

// storm releases raceClients goroutines at once; client i submits its five
// commands in an order rotated by i, through services[i%len(services)].
func storm(t *testing.T, n *node.Node, org string, services []*ledger.Service) []raceOutcome {
	t.Helper()
	// The chair's client signs each pending expense as the ledger holds it.
	approvals := map[string]ledger.Command{}
	for _, id := range []string{"EA", "EB"} {
		c, ok, err := ledgertest.ApprovePending(n.Store, org, id, "2025-02-03")
		if err != nil || !ok {
			t.Fatalf("expense %s: %v %v", id, ok, err)
		}
		approvals[id] = c
	}
	type entry struct {
		contest string
		cmd     ledger.Command
	}
	plan := make([][]entry, raceClients)
	for i := range raceClients {
		ea := approvals["EA"]
		ea.ID = fmt.Sprintf("EA:approve:%d", i) // the same approval, each client's own command id
		pay := ledgertest.Cmd(fmt.Sprintf("pay-%d", i), "pay_expense", org, ledgertest.Treasurer, "2025-02-04",
			map[string]string{"expense": fmt.Sprintf("P%d", 1+i%2)})
		dues := ledgertest.Dues(org, fmt.Sprintf("dues-%d", i), "2025-02-04", fmt.Sprintf("m%d", 100+i), "1.00", "B1", "777")
		round := ledgertest.Round(org, fmt.Sprintf("W%d", i), "2025-01-28", events.OccasionFestival, "spring_festival", "700.00",
			events.FormGoods, "m1")
		all := []entry{{"approve EA", ea}, {"approve EB", approvals["EB"]}, {"pay", pay}, {"receipt", dues}, {"welfare", round}}
		for k := range all {
			plan[i] = append(plan[i], all[(k+i)%len(all)])
		}
	}

	var (
		mu    sync.Mutex
		outs  []raceOutcome
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range raceClients {
		svc := services[i%len(services)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for _, e := range plan[i] {
				// A bound on the run, not a timing assertion: a stuck writer
				// fails the test instead of hanging it.
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				res, err := svc.Submit(ctx, e.cmd)
				cancel()
				mu.Lock()
				outs = append(outs, raceOutcome{contest: e.contest, cmd: e.cmd, res: res, err: err})
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return outs
}

// checkContests checks that each contest of the storm had exactly the
// winners the rules allow and that every loser was refused with the code of
// the rule that decides the contest.
func checkContests(t *testing.T, org string, outs []raceOutcome) {
	t.Helper()
	type tally struct {
		won, dup int
		first    []ledger.EventRef // the events of the winning, non-duplicate answer
		dups     [][]ledger.EventRef
	}
	tallies := map[string]*tally{}
	losers := map[string][]ledger.Code{
		"approve EA": {ledger.CodeAlreadyDecided},
		"approve EB": nil, // one command id: the others are retries
		"pay":        {ledger.CodeOverdraft, ledger.CodeAlreadyDecided},
		"receipt":    {ledger.CodeDuplicateRecpt},
		"welfare":    {ledger.CodeOverCap},
	}
	for _, o := range outs {
		tl := tallies[o.contest]
		if tl == nil {
			tl = &tally{}
			tallies[o.contest] = tl
		}
		if o.err != nil {
			code := ledger.ErrorCode(o.err)
			allowed := false
			for _, c := range losers[o.contest] {
				allowed = allowed || c == code
			}
			if !allowed {
				t.Errorf("%s: %s %s refused with %v", org, o.contest, o.cmd.ID, o.err)
			}
			continue
		}
		if o.res.Duplicate {
			tl.dup++
			tl.dups = append(tl.dups, o.res.Events)
			continue
		}
		tl.won++
		tl.first = o.res.Events
		if len(o.res.Events) == 0 {
			t.Errorf("%s: %s %s accepted without events", org, o.contest, o.cmd.ID)
		}
	}
	want := map[string]int{
		"approve EA": 1,
		"approve EB": 1,
		"pay":        1, // 1,000.00 in the bank pays one of two 600.00 expenses
		"receipt":    1,
		"welfare":    2, // 2 × 700.00 ≤ 2,000.00 < 3 × 700.00
	}
	for contest, w := range want {
		tl := tallies[contest]
		if tl == nil || tl.won != w {
			t.Errorf("%s: %s: %+v winners, want %d", org, contest, tl, w)
		}
	}
	eb := tallies["approve EB"]
	if eb != nil && eb.dup != raceClients-1 {
		t.Errorf("%s: approve EB with one command id: %d duplicate answers, want %d", org, eb.dup, raceClients-1)
	}
	if eb != nil {
		for _, d := range eb.dups {
			if !reflect.DeepEqual(d, eb.first) {
				t.Errorf("%s: a retry of EB's approval answered %+v, the original %+v", org, d, eb.first)
			}
		}
	}
	for contest, tl := range tallies {
		if contest != "approve EB" && tl.dup != 0 {
			t.Errorf("%s: %s: %d duplicate answers for distinct command ids", org, contest, tl.dup)
		}
	}
}

// errEnough stops reading the log at its last message.
var errEnough = errors.New("read to the end")

// checkInvariants folds the union's events straight from the log and
// checks the invariants the rules promise, whatever the interleaving.
func checkInvariants(t *testing.T, n *node.Node, org string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	last, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var (
		seq      uint64
		prev     = events.ZeroHash
		balance  = map[string]events.Fen{}
		approved = map[string]int{}
		paid     = map[string]int{}
		receipts = map[events.Receipt]uint64{}
		festival = map[string]events.Fen{} // member → festival gifts planned in 2025
		fail     error
	)
	check := func(raw events.Stored) error {
		env, err := events.Decode(raw.Data)
		if err != nil {
			return fmt.Errorf("stream seq %d: %w", raw.StreamSeq, err)
		}
		if env.Org != org {
			return nil
		}
		if env.Seq != seq+1 || env.Prev != prev {
			return fmt.Errorf("chain broken at stream seq %d: seq %d prev %s, want seq %d prev %s", raw.StreamSeq, env.Seq, env.Prev, seq+1, prev)
		}
		seq, prev = env.Seq, env.Hash
		p, err := events.DecodePayload(env)
		if err != nil {
			return err
		}
		var sum events.Fen
		for _, l := range p.Postings() {
			sum += l.Amount
			balance[l.Account] += l.Amount
		}
		if sum != 0 {
			return fmt.Errorf("seq %d (%s): postings sum to %d", env.Seq, env.Type, sum)
		}
		for _, acct := range []string{events.AcctBank, events.AcctCash} {
			if balance[acct] < 0 {
				return fmt.Errorf("seq %d (%s): account %s at %s", env.Seq, env.Type, acct, balance[acct].Yuan())
			}
		}
		switch p := p.(type) {
		case events.ExpenseApproved:
			approved[p.Expense]++
		case events.ExpensePaid:
			paid[p.Expense]++
		case events.WelfareRoundPlanned:
			if p.Occasion == events.OccasionFestival && p.Date[:4] == "2025" {
				for _, m := range p.Members {
					festival[m] += p.Standard
				}
			}
		}
		if r, ok := p.(interface{ ReceiptRef() events.Receipt }); ok {
			if at, dup := receipts[r.ReceiptRef()]; dup {
				return fmt.Errorf("seq %d: receipt %+v already used at seq %d", env.Seq, r.ReceiptRef(), at)
			}
			receipts[r.ReceiptRef()] = env.Seq
		}
		return nil
	}
	err = n.Log.Read(ctx, 1, 4096, func(chunk []events.Stored) error {
		for _, raw := range chunk {
			if fail = check(raw); fail != nil {
				return fail
			}
		}
		if chunk[len(chunk)-1].StreamSeq >= last {
			return errEnough // chunks hold whole messages
		}
		return nil
	})
	if fail != nil {
		t.Fatalf("%s: %v", org, fail)
	}
	if !errors.Is(err, errEnough) {
		t.Fatalf("%s: reading the log: %v", org, err)
	}

	head, err := n.Store.Head(org)
	if err != nil || head.Seq != seq || head.Hash != prev {
		t.Fatalf("%s: store head %+v (%v), log tip seq %d hash %s", org, head, err, seq, prev)
	}
	for _, acct := range []string{events.AcctBank, events.AcctCash} {
		if bal, err := n.Store.Balance(org, acct); err != nil || bal != balance[acct] {
			t.Errorf("%s: balance of %s is %d (%v), the fold of the log gives %d", org, acct, bal, err, balance[acct])
		}
	}
	// 1,000.00 + one receipt of 1.00 − one payment of 600.00.
	if balance[events.AcctBank] != 40100 {
		t.Errorf("%s: bank %s, want 401.00", org, balance[events.AcctBank].Yuan())
	}
	for id, k := range approved {
		if k > 1 {
			t.Errorf("%s: expense %s approved %d times", org, id, k)
		}
	}
	for id, k := range paid {
		if k > 1 {
			t.Errorf("%s: expense %s paid %d times", org, id, k)
		}
		if approved[id] != 1 {
			t.Errorf("%s: expense %s paid without an approval", org, id)
		}
	}
	if paid["P1"]+paid["P2"] != 1 {
		t.Errorf("%s: P1 paid %d times, P2 %d times: want one payment in all", org, paid["P1"], paid["P2"])
	}
	if approved["EA"] != 1 || approved["EB"] != 1 {
		t.Errorf("%s: EA approved %d times, EB %d times", org, approved["EA"], approved["EB"])
	}
	const festivalCap = 200000 // Anhui: 2,000.00 a member a year
	for m, got := range festival {
		if got > festivalCap {
			t.Errorf("%s: %s granted %s in festival gifts, cap 2000.00", org, m, got.Yuan())
		}
	}
	if festival["m1"] != 140000 {
		t.Errorf("%s: m1 granted %s in festival gifts, want 1400.00", org, festival["m1"].Yuan())
	}
	s, err := n.Store.WelfareReceived(org, "m1", "2025")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range s.Lines {
		if l.Occasion == events.OccasionFestival && l.Festival == "" {
			if !l.Capped || l.Cap != festivalCap || l.Granted != festival["m1"] || l.Granted > l.Cap {
				t.Errorf("%s: m1's festival line %+v, fold %d", org, l, festival["m1"])
			}
		}
	}
}
