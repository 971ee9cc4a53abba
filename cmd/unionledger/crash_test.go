package main

// The crash test required by the product: a harness runs the real binary as
// a child process, posts commands from several goroutines, kills it with
// SIGKILL at random moments and restarts it on the same data directory each
// time. At the end every acknowledged command must be present exactly once,
// every org's hash chain must verify, the balances must equal both a fold of
// the events done here and a rebuild of the projections from zero.
//
//	go test -run Crash -v ./cmd/unionledger
//	go test -run Crash -v ./cmd/unionledger -crash.kills=100 -crash.seed=42   (soak, replay)
//
// UNIONLEDGER_CRASH_KILLS overrides -crash.kills where flags are awkward.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

var (
	crashKills   = flag.Int("crash.kills", 10, "crash test: SIGKILLs of the server (at least 10 in CI)")
	crashSeed    = flag.Uint64("crash.seed", 0, "crash test: random seed (0 picks one; it is logged)")
	crashWorkers = flag.Int("crash.workers", 6, "crash test: goroutines posting commands")
	crashRace    = flag.String("crash.race", "auto", "crash test: build the server binary with -race: on, off, or auto (as this test binary)")
)

const crashZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Orgs the crash test opens, with their chart versions.
var crashOrgs = []struct{ name, chart string }{
	{"crash-a", "2010"},
	{"crash-b", "2022"},
	{"crash-c", "2010"},
}

// Postable expense accounts present in both charts.
var crashExpenseAccounts = []string{"50101", "50102", "50201", "50204", "50301", "504", "508"}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test builds and repeatedly kills the real binary; skipped with -short")
	}
	kills := *crashKills
	if v := os.Getenv("UNIONLEDGER_CRASH_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("UNIONLEDGER_CRASH_KILLS=%q: want a positive integer", v)
		}
		kills = n
	}
	workers := max(*crashWorkers, 1)
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay the workload with -crash.seed=%d), %d kills, %d workers", seed, seed, kills, workers)
	rng := rand.New(rand.NewPCG(seed, 0))

	began := time.Now()
	bin := buildCrashServer(t)
	t.Logf("built %s in %v", bin, time.Since(began).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	h := newCrashHarness(t, bin)
	h.startReady(ctx)

	// Set the orgs up before the storm (officers, the chair's key, the
	// collective threshold, budgets: ledgertest.Setup), and make every
	// worker's person a treasurer; retries with the same id are safe.
	st := &crashStats{}
	opener := &crashWorker{h: h, id: 0, rng: rand.New(rand.NewPCG(seed, 1000)), stats: st}
	for _, o := range crashOrgs {
		for _, c := range crashSetup(o.name, o.chart) {
			rec := &crashCmd{id: c.ID, org: o.name, typ: c.Type, body: []byte(ledgertest.JSON(c))}
			opener.recs = append(opener.recs, rec)
			opener.resolve(ctx, rec, time.Minute)
			if !rec.acked {
				t.Fatalf("set-up command %s of %s was not acknowledged: %s", c.ID, o.name, rec.lastErr)
			}
		}
	}

	// The storm: workers post until stop is closed, then settle what is
	// still unknown.
	stop := make(chan struct{})
	var stopOnce sync.Once
	stopWorkers := func() { stopOnce.Do(func() { close(stop) }) }
	var wg sync.WaitGroup
	ws := make([]*crashWorker, workers)
	for i := range ws {
		ws[i] = &crashWorker{h: h, id: i + 1, rng: rand.New(rand.NewPCG(seed, uint64(i+1))), stats: st}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws[i].run(ctx, stop)
		}()
	}
	t.Cleanup(func() { // on early failure: stop the workers before the test ends
		stopWorkers()
		cancel()
		wg.Wait()
	})

	startupKills := 0
	for k := 1; k <= kills; k++ {
		wait := time.Duration(50+rng.IntN(351)) * time.Millisecond
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			t.Fatalf("test deadline before kill %d", k)
		}
		up := h.kill()
		t.Logf("kill %2d after %v up (slept %v): acked %d (201: %d, 200: %d), refused %d, unknown answers %d",
			k, up.Round(time.Millisecond), wait, st.acked.Load(), st.created.Load(), st.dups.Load(), st.refused.Load(), st.unknown.Load())
		// Now and then kill it again while it starts up (reconciliation,
		// catch-up), before it answers anything.
		if rng.IntN(4) == 0 {
			h.start()
			time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
			h.kill()
			startupKills++
		}
		h.startReady(ctx)
	}
	// Let the workers run on the last incarnation for a moment (until a
	// few hundred commands were appended in all, so that a slow machine
	// still proves something), then settle.
	time.Sleep(300 * time.Millisecond)
	for deadline := time.Now().Add(time.Minute); st.created.Load() < 300 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	stopWorkers()
	settled := make(chan struct{})
	go func() { wg.Wait(); close(settled) }()
	select {
	case <-settled:
	case <-time.After(2 * time.Minute):
		t.Fatalf("workers did not settle their unknown commands within 2 minutes")
	}
	t.Logf("storm over after %v: %d kills + %d during start-up; acked %d (201: %d, 200: %d), refused %d, unknown answers %d, server answers 5xx %d",
		time.Since(began).Round(time.Millisecond), kills, startupKills, st.acked.Load(), st.created.Load(), st.dups.Load(),
		st.refused.Load(), st.unknown.Load(), st.fivexx.Load())

	var all []*crashCmd
	for _, w := range append([]*crashWorker{opener}, ws...) {
		all = append(all, w.recs...)
	}
	var acked []*crashCmd
	byID := map[string]*crashCmd{}
	inFlight := 0
	for _, r := range all {
		if r.acked && r.created == 0 && r.unknown > 0 {
			inFlight++ // appended by an attempt that got no answer
		}
		if byID[r.id] != nil {
			t.Fatalf("harness bug: command id %s generated twice", r.id)
		}
		byID[r.id] = r
		switch {
		case r.acked:
			acked = append(acked, r)
		case r.refused == "":
			t.Errorf("command %s: outcome still unknown after settling (last error: %s)", r.id, r.lastErr)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d commands were acknowledged only by a retry after their first attempt got no answer (in flight at a kill)", inFlight)
	if len(acked) < 50 {
		t.Fatalf("only %d commands acknowledged: the run proves too little", len(acked))
	}

	// 1. Presence: every acknowledged command, re-posted, is a duplicate
	// with its original result.
	h.checkDuplicates(ctx, acked, "after the last restart")

	// 2–4. Exactly once, chain, balances.
	before := map[string]crashSnapshot{}
	for _, o := range crashOrgs {
		snap := h.snapshot(ctx, o.name)
		checkCrashOrg(t, o.name, snap, byID)
		before[o.name] = snap
	}
	if t.Failed() {
		t.FailNow()
	}

	// 5. Rebuild from zero: drop Pebble, let the projector replay the log.
	h.kill()
	h.verifyOffline(ctx, before)
	if err := os.RemoveAll(filepath.Join(h.data, "pebble")); err != nil {
		t.Fatal(err)
	}
	h.startReady(ctx)
	for _, o := range crashOrgs {
		after := h.snapshot(ctx, o.name)
		b := before[o.name]
		if !reflect.DeepEqual(after.rows, b.rows) {
			t.Errorf("org %s: events after rebuilding Pebble differ from before (%d vs %d events)", o.name, len(after.rows), len(b.rows))
		}
		if !bytes.Equal(after.balancesRaw, b.balancesRaw) {
			t.Errorf("org %s: balances after rebuilding Pebble differ:\nbefore %s\nafter  %s", o.name, b.balancesRaw, after.balancesRaw)
		}
	}
	h.checkDuplicates(ctx, acked, "after rebuilding Pebble")
	t.Logf("verified %d acknowledged commands (%d refused) in %d orgs; total time %v",
		len(acked), len(all)-len(acked), len(crashOrgs), time.Since(began).Round(time.Millisecond))
}

// ---------------------------------------------------------------------------
// The binary

func buildCrashServer(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out := filepath.Join(t.TempDir(), "unionledger")
	args := []string{"build", "-o", out}
	// By default the server is built like this test binary: under -race it
	// reuses the race-instrumented packages just compiled for the test (and
	// its data races fail the test), without it the plain ones.
	race := false
	switch *crashRace {
	case "on", "true":
		race = true
	case "off", "false":
	case "auto":
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				race = race || (s.Key == "-race" && s.Value == "true")
			}
		}
	default:
		t.Fatalf("-crash.race=%q: want on, off or auto", *crashRace)
	}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command(gobin, append(args, ".")...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// checkMallocTunables checks that serve re-executed itself with glibc's
// malloc tunables (malloc.go): same process, new environment.
func checkMallocTunables(t *testing.T, pid int) {
	t.Helper()
	if withMallocTunables(os.Environ()) == nil {
		return // set here already, so the child keeps this environment
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Logf("cannot read the server's environment: %v", err)
		return
	}
	env := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	if withMallocTunables(env) != nil {
		t.Errorf("serve runs without %q; its environment: %q", mallocTunables(), env)
	}
}

// crashProc is one incarnation of the server.
type crashProc struct {
	cmd     *exec.Cmd
	addr    string
	logPath string
	stdout  *crashBuffer
	started time.Time
	exited  chan struct{} // closed when Wait returned
	waitErr error
}

func (p *crashProc) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

type crashHarness struct {
	t      *testing.T
	bin    string
	data   string
	logDir string
	runs   int
	proc   *crashProc
	base   atomic.Pointer[string]
	client *http.Client
}

func newCrashHarness(t *testing.T, bin string) *crashHarness {
	dir := t.TempDir()
	h := &crashHarness{
		t: t, bin: bin, data: filepath.Join(dir, "data"), logDir: filepath.Join(dir, "logs"),
		client: &http.Client{
			Timeout:   20 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second},
		},
	}
	if err := os.MkdirAll(h.logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	none := "http://127.0.0.1:1"
	h.base.Store(&none)
	t.Cleanup(func() {
		if p := h.proc; p != nil && !p.hasExited() {
			_ = p.cmd.Process.Kill()
			select {
			case <-p.exited:
			case <-time.After(30 * time.Second):
				t.Errorf("server pid %d did not exit after SIGKILL", p.cmd.Process.Pid)
			}
		}
		h.client.CloseIdleConnections()
		if p := h.proc; p != nil {
			if bad := crashLogLines(p.logPath, "WARNING: DATA RACE", "panic:", "fatal error:"); len(bad) > 0 {
				t.Errorf("server run %d logged %q; log %s:\n%s", h.runs, bad, p.logPath, crashTail(p.logPath, 80))
			}
		}
		if t.Failed() && h.proc != nil {
			t.Logf("tail of the last server log %s:\n%s", h.proc.logPath, crashTail(h.proc.logPath, 40))
		}
	})
	return h
}

// start launches a new incarnation without waiting for it.
func (h *crashHarness) start() *crashProc {
	t := h.t
	t.Helper()
	if h.proc != nil && !h.proc.hasExited() {
		t.Fatalf("harness bug: start while pid %d runs", h.proc.cmd.Process.Pid)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("picking a port: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	h.runs++
	p := &crashProc{addr: addr, logPath: filepath.Join(h.logDir, fmt.Sprintf("run-%03d.log", h.runs)),
		stdout: &crashBuffer{}, exited: make(chan struct{})}
	logf, err := os.Create(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close() // the child keeps its own descriptor
	// Tokens are tested in ledger/http; here every worker posts as itself.
	p.cmd = exec.Command(h.bin, "serve", "--data", h.data, "--http", addr, "--no-auth")
	p.cmd.Stdout = p.stdout
	p.cmd.Stderr = logf
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting the server: %v", err)
	}
	p.started = time.Now()
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	h.proc = p
	return p
}

// startReady starts an incarnation and waits until it serves; a port taken
// by someone else in between is retried on another port.
func (h *crashHarness) startReady(ctx context.Context) {
	t := h.t
	t.Helper()
	for attempt := 1; ; attempt++ {
		p := h.start()
		err := h.waitReady(ctx, p, 90*time.Second)
		if err == nil {
			base := "http://" + p.addr
			h.base.Store(&base)
			if h.runs == 1 {
				checkMallocTunables(t, p.cmd.Process.Pid)
			}
			for _, l := range crashLogLines(p.logPath, "level=WARN", "level=ERROR") {
				t.Logf("server run %d: %s", h.runs, l)
			}
			return
		}
		if !p.hasExited() {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		log := crashTail(p.logPath, 40)
		if strings.Contains(log, "address already in use") && attempt < 5 {
			continue
		}
		t.Fatalf("server run %d (pid %d) did not become ready: %v\nserver log %s:\n%s", h.runs, p.cmd.Process.Pid, err, p.logPath, log)
	}
}

func (h *crashHarness) waitReady(ctx context.Context, p *crashProc, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	banner := "unionledger listening on http://" + p.addr
	c := &http.Client{Timeout: 2 * time.Second}
	defer c.CloseIdleConnections()
	lastErr := errors.New("no banner on stdout yet")
	for time.Now().Before(deadline) {
		if p.hasExited() {
			return fmt.Errorf("exited before it was ready: %v", p.waitErr)
		}
		if strings.Contains(p.stdout.String(), banner) {
			resp, err := c.Get("http://" + p.addr + "/readyz")
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return nil
				}
				err = fmt.Errorf("GET /readyz: HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(b))
			}
			lastErr = err
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return fmt.Errorf("not ready after %v: %v", timeout, lastErr)
}

// kill SIGKILLs the running incarnation and waits for it to be gone. It
// fails the test if the server had died on its own.
func (h *crashHarness) kill() time.Duration {
	t := h.t
	t.Helper()
	p := h.proc
	if p.hasExited() {
		t.Fatalf("server run %d (pid %d) exited on its own: %v\nserver log %s:\n%s", h.runs, p.cmd.Process.Pid, p.waitErr, p.logPath, crashTail(p.logPath, 40))
	}
	up := time.Since(p.started)
	if err := p.cmd.Process.Kill(); err != nil && !p.hasExited() {
		t.Fatalf("SIGKILL pid %d: %v", p.cmd.Process.Pid, err)
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("server pid %d still running 30s after SIGKILL", p.cmd.Process.Pid)
	}
	if bad := crashLogLines(p.logPath, "WARNING: DATA RACE", "panic:", "fatal error:"); len(bad) > 0 {
		t.Errorf("server run %d logged %q; log %s:\n%s", h.runs, bad, p.logPath, crashTail(p.logPath, 80))
	}
	return up
}

// ---------------------------------------------------------------------------
// Posting commands

type crashEventRef struct {
	Seq  uint64 `json:"seq"`
	ID   string `json:"id"`
	Type string `json:"type"`
	Hash string `json:"hash"`
}

type crashResult struct {
	Command   string          `json:"command"`
	Events    []crashEventRef `json:"events"`
	Duplicate bool            `json:"duplicate"`
}

type crashAnswerKind int

const (
	crashUnknown crashAnswerKind = iota // no answer, or one that says nothing about the outcome
	crashAcked                          // 201, or 200 for a duplicate
	crashRefused                        // a 4xx with an error code
)

type crashAnswer struct {
	kind   crashAnswerKind
	status int
	res    crashResult
	code   string
	msg    string
}

func (h *crashHarness) post(ctx context.Context, body []byte) crashAnswer {
	base := *h.base.Load()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/commands", bytes.NewReader(body))
	if err != nil {
		h.t.Errorf("building request: %v", err)
		return crashAnswer{msg: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return crashAnswer{msg: err.Error()}
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil { // the server died while answering
		return crashAnswer{status: resp.StatusCode, msg: "reading answer: " + err.Error()}
	}
	a := crashAnswer{status: resp.StatusCode}
	switch {
	case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK:
		if err := json.Unmarshal(data, &a.res); err != nil {
			h.t.Errorf("HTTP %d with a bad result %q: %v", resp.StatusCode, data, err)
			a.msg = err.Error()
			return a
		}
		a.kind = crashAcked
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		var e struct{ Code, Message string }
		if err := json.Unmarshal(data, &e); err != nil || e.Code == "" {
			h.t.Errorf("HTTP %d without an error code: %q", resp.StatusCode, data)
			a.msg = string(data)
			return a
		}
		a.kind, a.code, a.msg = crashRefused, e.Code, e.Message
	default:
		a.msg = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(data))
	}
	return a
}

// crashCmd is one command the test sent, and what it learnt of its fate.
type crashCmd struct {
	id, org, typ string
	evType       string // the event type it appends first ("" for set-up commands: not checked)
	body         []byte
	postings     map[string]int64 // expected postings, debit-positive
	maySpend     bool             // pay_expense: an overdraft refusal is fine
	then         *crashCmd        // the next step of an expense, sent once this one is acknowledged

	acked   bool
	res     crashResult // the first acknowledged result
	created int         // 201 answers seen
	refused string      // error code of the latest refusal, if not acked
	lastErr string
	unknown int // answers that left the outcome open
}

type crashStats struct {
	acked, created, dups, refused, unknown, fivexx atomic.Int64
}

type crashWorker struct {
	h       *crashHarness
	id      int
	rng     *rand.Rand
	stats   *crashStats
	n       int
	recs    []*crashCmd
	acked   []*crashCmd
	pending []*crashCmd
	follow  []*crashCmd // next steps of expenses whose previous step was acknowledged
}

// observe folds one answer into what the test knows of the command.
func (w *crashWorker) observe(r *crashCmd, a crashAnswer) {
	t := w.h.t
	switch a.kind {
	case crashUnknown:
		w.stats.unknown.Add(1)
		if a.status >= 500 {
			w.stats.fivexx.Add(1)
			if a.status != http.StatusServiceUnavailable {
				t.Errorf("command %s: unexpected server error %s", r.id, a.msg)
			}
		}
		r.lastErr = a.msg
		r.unknown++
	case crashRefused:
		w.stats.refused.Add(1)
		if r.acked {
			t.Errorf("command %s: refused (%s: %s) after it was acknowledged", r.id, a.code, a.msg)
		}
		if !(r.maySpend && a.code == "overdraft") {
			t.Errorf("command %s: unexpected refusal %d %s: %s", r.id, a.status, a.code, a.msg)
		}
		r.refused, r.lastErr = a.code, a.code+": "+a.msg
	case crashAcked:
		w.stats.acked.Add(1)
		res := a.res
		if a.status == http.StatusCreated {
			w.stats.created.Add(1)
			r.created++
			if r.created > 1 {
				t.Errorf("command %s: HTTP 201 for the %d. time: appended more than once?", r.id, r.created)
			}
		} else {
			w.stats.dups.Add(1)
		}
		if res.Duplicate != (a.status == http.StatusOK) {
			t.Errorf("command %s: HTTP %d with duplicate=%v", r.id, a.status, res.Duplicate)
		}
		if res.Command != r.id || len(res.Events) == 0 || (r.evType != "" && res.Events[0].Type != r.evType) {
			t.Errorf("command %s: unexpected result %+v", r.id, res)
		}
		res.Duplicate = false
		if !r.acked {
			r.acked, r.res, r.refused = true, res, ""
			w.acked = append(w.acked, r)
			if r.then != nil {
				w.follow = append(w.follow, r.then)
			}
		} else if !reflect.DeepEqual(res, r.res) {
			t.Errorf("command %s: acknowledged twice with different results:\n first %+v\n now   %+v", r.id, r.res, res)
		}
	}
}

// settled reports whether the command's fate is known: acknowledged, or
// refused by its latest answer.
func (r *crashCmd) settled() bool { return r.acked || r.refused != "" }

// resolve posts r until its outcome is known or the time runs out.
func (w *crashWorker) resolve(ctx context.Context, r *crashCmd, within time.Duration) {
	deadline := time.Now().Add(within)
	for !r.settled() && time.Now().Before(deadline) && ctx.Err() == nil {
		w.observe(r, w.h.post(ctx, r.body))
		if !r.settled() {
			crashSleep(ctx, 20*time.Millisecond)
		}
	}
}

func (w *crashWorker) run(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			// Settle: retry every command whose fate is unknown.
			for _, r := range w.pending {
				w.resolve(ctx, r, time.Minute)
			}
			w.pending = nil
			return
		case <-ctx.Done():
			return
		default:
		}
		// Commands of unknown fate are retried first, with the same id
		// and body, until the (restarted) server answers.
		if len(w.pending) > 0 {
			r := w.pending[0]
			w.observe(r, w.h.post(ctx, r.body))
			if r.settled() {
				w.pending = w.pending[1:]
			} else {
				crashSleep(ctx, time.Duration(10+w.rng.IntN(30))*time.Millisecond)
			}
			continue
		}
		switch x := w.rng.IntN(100); {
		case x < 8 && len(w.acked) > 0:
			// A deliberate retry of an acknowledged command.
			r := w.acked[w.rng.IntN(len(w.acked))]
			a := w.h.post(ctx, r.body)
			if a.kind == crashAcked && a.status != http.StatusOK {
				w.h.t.Errorf("retry of acknowledged command %s: HTTP %d, want 200", r.id, a.status)
			}
			w.observe(r, a)
		case x < 14:
			// The same new command sent twice at once.
			r := w.next()
			var wg sync.WaitGroup
			var as [2]crashAnswer
			for i := range as {
				wg.Add(1)
				go func() {
					defer wg.Done()
					as[i] = w.h.post(ctx, r.body)
				}()
			}
			wg.Wait()
			if as[0].kind == crashAcked && as[1].kind == crashAcked && as[0].status == http.StatusCreated && as[1].status == http.StatusCreated {
				w.h.t.Errorf("command %s posted twice at once: both got HTTP 201", r.id)
			}
			// A refusal only settles the command if no other attempt may
			// still have appended it.
			for _, a := range as {
				if a.kind != crashRefused {
					w.observe(r, a)
				}
			}
			for _, a := range as {
				if a.kind == crashRefused && !r.acked {
					if as[0].kind == crashUnknown || as[1].kind == crashUnknown {
						w.stats.refused.Add(1)
						if !(r.maySpend && a.code == "overdraft") {
							w.h.t.Errorf("command %s: unexpected refusal %d %s: %s", r.id, a.status, a.code, a.msg)
						}
						continue // still unknown: retry
					}
					w.observe(r, a)
				}
			}
			if !r.settled() {
				w.pending = append(w.pending, r)
			}
		default:
			r := w.next()
			w.observe(r, w.h.post(ctx, r.body))
			if !r.settled() {
				w.pending = append(w.pending, r)
			}
		}
	}
}

func crashYuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// next is the next step of an expense whose previous step was
// acknowledged, or else a fresh command.
func (w *crashWorker) next() *crashCmd {
	if len(w.follow) > 0 {
		r := w.follow[0]
		w.follow = w.follow[1:]
		w.recs = append(w.recs, r)
		return r
	}
	return w.newCommand()
}

// newCommand makes a fresh command with a unique id and receipt. An
// expense is three commands: the treasurer's request (returned), then the
// chair's signed approval and the payment, chained through then.
func (w *crashWorker) newCommand() *crashCmd {
	w.n++
	org := crashOrgs[w.rng.IntN(len(crashOrgs))].name
	r := &crashCmd{id: fmt.Sprintf("w%d-c%05d", w.id, w.n), org: org, postings: map[string]int64{}}
	via, viaAcct := "bank", "102"
	if w.rng.IntN(5) == 0 {
		via, viaAcct = "cash", "101"
	}
	date := fmt.Sprintf("2025-%02d-%02d", 1+w.rng.IntN(12), 1+w.rng.IntN(28))
	var data map[string]any
	switch x := w.rng.IntN(100); {
	case x < 60:
		amt := int64(100 + w.rng.IntN(5000))
		r.typ, r.evType = "receive_dues", "dues_received"
		data = map[string]any{
			"member": fmt.Sprintf("m-%d-%d", w.id, w.rng.IntN(50)), "period": date[:7], "amount": crashYuan(amt),
			"receipt": map[string]string{"book": fmt.Sprintf("D%d", w.id), "number": strconv.Itoa(w.n)}, "via": via,
		}
		r.postings[viaAcct] += amt
		r.postings["401"] -= amt
	case x < 72:
		gross := int64(1000 + w.rng.IntN(20000))
		remitted := int64(0)
		r.typ, r.evType = "receive_allocation", "allocation_received"
		data = map[string]any{
			"period": date[:4], "wage_bill": crashYuan(gross * 50), "amount": crashYuan(gross),
			"receipt": map[string]string{"book": fmt.Sprintf("A%d", w.id), "number": strconv.Itoa(w.n)}, "via": via,
		}
		if w.rng.IntN(4) != 0 {
			remitted = gross * 40 / 100
			data["remitted"] = crashYuan(remitted)
		}
		r.postings[viaAcct] += gross
		r.postings["402"] -= gross - remitted
		if remitted != 0 {
			r.postings["201"] -= remitted
		}
	default:
		amt := int64(500 + w.rng.IntN(15000))
		acct := crashExpenseAccounts[w.rng.IntN(len(crashExpenseAccounts))]
		terms := ledger.ExpenseTerms{Org: org, Expense: fmt.Sprintf("E-%d-%d", w.id, w.n), Account: acct, Amount: events.Fen(amt),
			Payee: "供应商 <&> \"引号\"", Purpose: "活动 " + r.id, RequestedBy: fmt.Sprintf("p-w%d", w.id)}
		r.typ, r.evType = "request_expense", "expense_requested"
		data = map[string]any{
			"expense": terms.Expense, "account": acct, "amount": crashYuan(amt), "payee": terms.Payee, "purpose": terms.Purpose,
		}
		approve := ledgertest.Approve(r.id, date, terms)
		r.then = &crashCmd{id: approve.ID, org: org, typ: approve.Type, evType: "expense_approved", postings: map[string]int64{},
			body: []byte(ledgertest.JSON(approve))}
		pay := &crashCmd{id: r.id + ":pay", org: org, typ: "pay_expense", evType: "expense_paid", maySpend: true,
			postings: map[string]int64{acct: amt, viaAcct: -amt}}
		pay.body = crashJSON(w.h.t, map[string]any{"id": pay.id, "type": pay.typ, "org": org, "actor": terms.RequestedBy, "date": date,
			"data": map[string]any{"expense": terms.Expense, "via": via}})
		r.then.then = pay
	}
	b, err := json.Marshal(map[string]any{"id": r.id, "type": r.typ, "org": org, "actor": fmt.Sprintf("p-w%d", w.id), "date": date, "data": data})
	if err != nil {
		panic(err)
	}
	r.body = b
	w.recs = append(w.recs, r)
	return r
}

// checkDuplicates re-posts every acknowledged command: each must come back
// as a duplicate with exactly the result first acknowledged.
func (h *crashHarness) checkDuplicates(ctx context.Context, acked []*crashCmd, when string) {
	t := h.t
	t.Helper()
	var (
		mu   sync.Mutex
		bad  int
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(acked) || ctx.Err() != nil {
					return
				}
				r := acked[i]
				a := h.post(ctx, r.body)
				res := a.res
				ok := a.kind == crashAcked && a.status == http.StatusOK && res.Duplicate
				res.Duplicate = false
				ok = ok && reflect.DeepEqual(res, r.res)
				if !ok {
					mu.Lock()
					bad++
					if bad <= 20 {
						t.Errorf("%s: re-posting acknowledged command %s: HTTP %d %s %s %+v; first acknowledged as %+v",
							when, r.id, a.status, a.code, a.msg, a.res, r.res)
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("%s: checking duplicates: %v", when, ctx.Err())
	}
	if bad > 0 {
		t.Fatalf("%s: %d of %d acknowledged commands did not come back as duplicates", when, bad, len(acked))
	}
}

// ---------------------------------------------------------------------------
// Reading back and checking

type crashEventRow struct {
	StreamSeq uint64          `json:"stream_seq"`
	Hash      string          `json:"hash"`
	Event     json.RawMessage `json:"event"`
}

type crashSnapshot struct {
	rows        []crashEventRow
	balancesRaw []byte
	balances    struct {
		Org      string `json:"org"`
		HeadSeq  uint64 `json:"head_seq"`
		Accounts []struct {
			Code       string `json:"code"`
			Class      string `json:"class"`
			BalanceFen int64  `json:"balance_fen"`
		} `json:"accounts"`
	}
}

func (h *crashHarness) get(ctx context.Context, path string) []byte {
	t := h.t
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *h.base.Load()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %v: %s", path, resp.StatusCode, err, b)
	}
	return b
}

func (h *crashHarness) snapshot(ctx context.Context, org string) crashSnapshot {
	t := h.t
	t.Helper()
	var s crashSnapshot
	const page = 1000
	for from := uint64(1); ; from += page {
		var out struct {
			Events []crashEventRow `json:"events"`
		}
		b := h.get(ctx, fmt.Sprintf("/api/v1/orgs/%s/events?from=%d&limit=%d", url.PathEscape(org), from, page))
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("events of %s from %d: %v", org, from, err)
		}
		s.rows = append(s.rows, out.Events...)
		if len(out.Events) < page {
			break
		}
	}
	s.balancesRaw = h.get(ctx, "/api/v1/orgs/"+url.PathEscape(org)+"/balances")
	if err := json.Unmarshal(s.balancesRaw, &s.balances); err != nil {
		t.Fatalf("balances of %s: %v", org, err)
	}
	return s
}

type crashEnvelope struct {
	V           int             `json:"v"`
	ID          string          `json:"id"`
	Org         string          `json:"org"`
	Seq         uint64          `json:"seq"`
	Type        string          `json:"type"`
	Date        string          `json:"date"`
	Command     string          `json:"command"`
	CommandHash string          `json:"command_hash"`
	Payload     json.RawMessage `json:"payload"`
	Prev        string          `json:"prev"`
}

type crashPayload struct {
	Amount   int64  `json:"amount_fen"`
	Gross    int64  `json:"gross_fen"`
	Retained int64  `json:"retained_fen"`
	Remitted int64  `json:"remitted_fen"`
	Account  string `json:"account"`
	Via      string `json:"via"`
}

func crashViaAccount(via string) string {
	if via == "cash" {
		return "101"
	}
	return "102"
}

// crashPostings folds one event's postings into bal (debit-positive), done
// here from the payload, independently of the product's code.
func crashPostings(env crashEnvelope, bal map[string]int64) error {
	var p crashPayload
	if err := json.Unmarshal(env.Payload, &p); err != nil {
		return err
	}
	switch env.Type {
	case "org_opened", "person_registered", "role_granted", "key_registered", "collective_threshold_set",
		"budget_drafted", "budget_reviewed", "budget_approved",
		"expense_requested", "expense_approved": // no money moves
	case "dues_received":
		bal[crashViaAccount(p.Via)] += p.Amount
		bal["401"] -= p.Amount
	case "allocation_received":
		if p.Retained+p.Remitted != p.Gross {
			return fmt.Errorf("allocation retained %d + remitted %d != gross %d", p.Retained, p.Remitted, p.Gross)
		}
		bal[crashViaAccount(p.Via)] += p.Gross
		bal["402"] -= p.Retained
		if p.Remitted != 0 {
			bal["201"] -= p.Remitted
		}
	case "expense_paid":
		bal[p.Account] += p.Amount
		bal[crashViaAccount(p.Via)] -= p.Amount
	default:
		return fmt.Errorf("unexpected event type %q", env.Type)
	}
	return nil
}

// checkCrashOrg checks one org's events and balances against what was
// acknowledged: exactly once, gapless, hash-chained, balances folded.
func checkCrashOrg(t *testing.T, org string, s crashSnapshot, byID map[string]*crashCmd) {
	t.Helper()
	errs := 0
	fail := func(format string, args ...any) {
		errs++
		if errs <= 20 {
			t.Errorf("org %s: "+format, append([]any{org}, args...)...)
		}
	}
	prev := crashZeroHash
	var lastStream uint64
	seen := map[string][]uint64{} // command id → its event seqs, in order
	envs := make([]crashEnvelope, len(s.rows))
	fromEvents := map[string]int64{}
	for i, row := range s.rows {
		sum := sha256.Sum256(row.Event)
		h := hex.EncodeToString(sum[:])
		if h != row.Hash {
			fail("event %d: sha256 of the event bytes is %s, the listing says %s", i+1, h, row.Hash)
		}
		var env crashEnvelope
		if err := json.Unmarshal(row.Event, &env); err != nil {
			fail("event %d: %v", i+1, err)
			continue
		}
		envs[i] = env
		if env.Org != org || env.Seq != uint64(i+1) {
			fail("event %d of the listing is org %s seq %d: seqs are not gapless from 1", i+1, env.Org, env.Seq)
		}
		if env.Prev != prev {
			fail("seq %d: prev %s, but the previous event's hash is %s", env.Seq, env.Prev, prev)
		}
		if row.StreamSeq < lastStream { // events of one message share its sequence
			fail("seq %d: stream seq %d after %d", env.Seq, row.StreamSeq, lastStream)
		}
		prev, lastStream = h, row.StreamSeq
		seen[env.Command] = append(seen[env.Command], env.Seq)
		if err := crashPostings(env, fromEvents); err != nil {
			fail("seq %d: %v", env.Seq, err)
		}
	}
	fromCommands := map[string]int64{}
	acked := 0
	for id, r := range byID {
		if r.org != org {
			continue
		}
		seqs := seen[id]
		if !r.acked {
			if len(seqs) > 0 {
				fail("command %s was refused (%s) but has events %v", id, r.refused, seqs)
			}
			continue
		}
		acked++
		if len(seqs) != len(r.res.Events) {
			fail("acknowledged command %s has %d events in the ledger %v, acknowledged with %d", id, len(seqs), seqs, len(r.res.Events))
			continue
		}
		for i, ref := range r.res.Events {
			if seqs[i] != ref.Seq || ref.Seq == 0 || ref.Seq > uint64(len(envs)) {
				fail("acknowledged command %s: event %d is at seq %d, acknowledged at %d", id, i, seqs[i], ref.Seq)
				continue
			}
			env, row := envs[ref.Seq-1], s.rows[ref.Seq-1]
			if env.ID != ref.ID || env.Type != ref.Type || row.Hash != ref.Hash {
				fail("acknowledged command %s: seq %d is %s %s %s, acknowledged as %s %s %s", id, ref.Seq, env.ID, env.Type, row.Hash, ref.ID, ref.Type, ref.Hash)
			}
		}
		for a, v := range r.postings {
			fromCommands[a] += v
		}
	}
	for id, seqs := range seen {
		if r := byID[id]; r == nil || !r.acked {
			fail("events %v belong to command %q, which was never acknowledged", seqs, id)
		}
	}
	if s.balances.HeadSeq != uint64(len(s.rows)) {
		fail("balances head_seq %d, but %d events", s.balances.HeadSeq, len(s.rows))
	}
	fromAPI := map[string]int64{}
	for _, a := range s.balances.Accounts {
		d := a.BalanceFen
		if a.Class != "asset" && a.Class != "expense" {
			d = -d // credit-normal accounts are listed credit-positive
		}
		fromAPI[a.Code] = d
	}
	if !reflect.DeepEqual(fromAPI, fromEvents) {
		fail("balances (debit-positive) from the API %v differ from the events folded %v", fromAPI, fromEvents)
	}
	if !reflect.DeepEqual(fromCommands, fromEvents) {
		fail("balances from the acknowledged commands %v differ from the events folded %v", fromCommands, fromEvents)
	}
	for _, a := range []string{"101", "102"} {
		if fromEvents[a] < 0 {
			fail("account %s is overdrawn: %d fen", a, fromEvents[a])
		}
	}
	codes := slices.Sorted(maps.Keys(fromEvents))
	t.Logf("org %s: %d events, %d acknowledged commands, chain head %.12s…, accounts %v", org, len(s.rows), acked, prev, codes)
}

// verifyOffline runs the product's own verifier (unionledger verify) on the
// stopped ledger's stream and checks it agrees with the listings.
func (h *crashHarness) verifyOffline(ctx context.Context, snaps map[string]crashSnapshot) {
	t := h.t
	t.Helper()
	vctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(vctx, h.bin, "verify", "--data", h.data, "--json")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("unionledger verify: %v\n%s\n%s", err, out, stderr.Bytes())
	}
	var rep struct {
		Events uint64 `json:"events"`
		Orgs   map[string]struct {
			Seq  uint64 `json:"seq"`
			Hash string `json:"hash"`
		} `json:"orgs"`
		FirstBad json.RawMessage `json:"first_bad"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("unionledger verify --json: %v\n%s", err, out)
	}
	total := 0
	for org, s := range snaps {
		total += len(s.rows)
		tip := rep.Orgs[org]
		if n := len(s.rows); n == 0 || tip.Seq != uint64(n) || tip.Hash != s.rows[n-1].Hash {
			t.Errorf("verify: org %s tip is seq %d %s, the listing ends at seq %d", org, tip.Seq, tip.Hash, n)
		}
	}
	if len(rep.FirstBad) > 0 || rep.Events != uint64(total) || len(rep.Orgs) != len(snaps) {
		t.Errorf("verify: %d events in %d orgs, first bad %s; the listings hold %d events in %d orgs", rep.Events, len(rep.Orgs), rep.FirstBad, total, len(snaps))
	}
}

// ---------------------------------------------------------------------------
// Helpers

type crashBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *crashBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *crashBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func crashSleep(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

func crashJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func crashTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func crashLogLines(path string, subs ...string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		for _, s := range subs {
			if strings.Contains(l, s) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// crashSetup sets an org up as every test union (ledgertest.Setup) and
// makes every worker's person a treasurer, so they may post.
func crashSetup(org, chart string) []ledger.Command {
	out := ledgertest.Setup(org, chart)
	for i := range *crashWorkers + 1 {
		p := fmt.Sprintf("p-w%d", i)
		out = append(out,
			ledgertest.Cmd("reg-"+p, "register_person", org, ledgertest.Admin, "2025-01-01", map[string]string{"person": p}),
			ledgertest.Cmd("grant-"+p, "grant_role", org, ledgertest.Admin, "2025-01-01", map[string]string{"person": p, "role": "treasurer"}))
	}
	// Command ids are per org in the ledger but global in this harness.
	for i := range out {
		out[i].ID = org + ":" + out[i].ID
	}
	return out
}
