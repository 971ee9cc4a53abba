package ledgertest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/projections"
)

// Scratch is decision state for table tests of the pure rules: the real
// projections on a real Pebble store in a temporary directory, changed
// in memory only, exactly as the append path decides a group.
type Scratch struct {
	ledger.Scratch
	t    testing.TB
	seq  map[string]uint64
	prev map[string]string
}

// State opens a scratch view on a fresh store and applies Setup(org, "2010").
func State(t testing.TB, org string) *Scratch {
	t.Helper()
	s, err := projections.Open(t.TempDir(), projections.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	sc, err := s.Begin(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close() })
	st := &Scratch{Scratch: sc, t: t, seq: map[string]uint64{}, prev: map[string]string{}}
	st.Do(Setup(org, "2010")...)
	return st
}

// Do decides each command on the state and applies its events, failing the
// test if one is refused.
func (s *Scratch) Do(cmds ...ledger.Command) {
	s.t.Helper()
	for _, c := range cmds {
		drafts, err := ledger.Decide(s, c)
		if err != nil {
			s.t.Fatalf("ledgertest: %s %s refused: %v", c.Type, c.ID, err)
		}
		s.apply(c.Org, c.Actor, c.ID, drafts)
	}
}

// Events applies events as if appended, without deciding them: for states
// the commands cannot reach directly.
func (s *Scratch) Events(org string, ps ...events.Payload) {
	s.t.Helper()
	drafts := make([]events.Draft, len(ps))
	for i, p := range ps {
		drafts[i] = events.Draft{Date: "2025-01-01", Payload: p}
	}
	s.apply(org, Admin, "raw", drafts)
}

func (s *Scratch) apply(org, actor, cmd string, drafts []events.Draft) {
	s.t.Helper()
	for _, d := range drafts {
		s.seq[org]++
		prev := s.prev[org]
		if prev == "" {
			prev = events.ZeroHash
		}
		env, _, err := events.Seal(d, events.Meta{ID: fmt.Sprintf("%s-%d", org, s.seq[org]), Org: org, Seq: s.seq[org],
			Recorded: time.Unix(0, 0), Actor: actor, Command: cmd, Prev: prev})
		if err != nil {
			s.t.Fatal(err)
		}
		s.prev[org] = env.Hash
		if err := s.Apply(env, d.Payload); err != nil {
			s.t.Fatal(err)
		}
	}
}

// Outcome checks what Decide returned against a table row that expects
// either a refusal with code and rule, or (code "") success. It reports
// whether a refusal was expected, so the row can stop there.
func Outcome(t testing.TB, drafts []events.Draft, err error, code ledger.Code, rule string) (refused bool) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected refusal: %v", err)
		}
		return false
	}
	if got := ledger.ErrorCode(err); got != code {
		t.Fatalf("code = %s (%v), want %s", got, err, code)
	}
	if e := new(ledger.Error); errors.As(err, &e) && e.Rule != rule {
		t.Fatalf("rule = %q (%v), want %q", e.Rule, err, rule)
	}
	if drafts != nil {
		t.Fatalf("refused command produced drafts: %+v", drafts)
	}
	return true
}
