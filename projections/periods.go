package projections

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// periods keeps closed periods and reversals:
//
//	p/period/state/<org>           {"first","closed_month","first_closed","closed_year"}
//	p/period/month/<org>/<YYYY-MM> {"seq","actor"}: the month_closed event
//	p/period/year/<org>/<YYYY>     {"seq","actor"}: the year_closed event
//	p/reversed/<org>/<seq>         seq of the reversal_posted that reversed event seq
//
// What a reversal needs of the event it reverses (type, hash, date,
// postings) is read from the event itself (eventAt): its copy in e/, or,
// for an event decided in a scratch view and not durable yet, the view's
// record of it. A second record of each money event would cost every such
// event a key (a map insert, a sort slot, a memtable insert, compaction)
// for what its copy already holds.
type periods struct{}

type periodStateRec struct {
	First       string `json:"first"`
	ClosedMonth string `json:"closed_month,omitempty"`
	FirstClosed string `json:"first_closed,omitempty"`
	ClosedYear  string `json:"closed_year,omitempty"`
}

type periodCloseRec struct {
	Seq   uint64 `json:"seq"`
	Actor string `json:"actor"`
}

func periodStateKey(org string) []byte { return keyOf(famProj, "period/state/", org) }
func monthCloseKey(org, month string) []byte {
	return key(famProj, "period/month/", org, "/", month)
}
func yearCloseKey(org, year string) []byte      { return key(famProj, "period/year/", org, "/", year) }
func reversedKey(org string, seq uint64) []byte { return key(famProj, "reversed/", org, "/", seq) }

func (periods) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	unchanged, err := periodStateUnchanged(tx, env, p)
	if err != nil {
		return err
	}
	if unchanged {
		return nil
	}
	return applyPeriodState(tx, env, p)
}

// periodStateUnchanged reports, for most events, that the period state
// stays as it is without decoding it: an event that closes nothing and is
// not dated before the first month.
func periodStateUnchanged(tx *Tx, env events.Envelope, p events.Payload) (bool, error) {
	switch p.(type) {
	case events.MonthClosed, events.YearClosed, events.ReversalPosted:
		return false, nil
	}
	if len(env.Date) < 7 {
		return false, nil
	}
	v, ok, err := tx.Get(periodStateKey(env.Org))
	if err != nil || !ok {
		return false, err
	}
	first, ok := periodFirst(v)
	return ok && env.Date[:7] >= first, nil
}

func applyPeriodState(tx *Tx, env events.Envelope, p events.Payload) error {
	var st periodStateRec
	if _, err := getJSONMemo(tx, periodStateKey(env.Org), &st); err != nil {
		return err
	}
	changed := false
	if len(env.Date) >= 7 {
		if month := env.Date[:7]; st.First == "" || month < st.First {
			st.First, changed = month, true
		}
	}
	switch p := p.(type) {
	case events.MonthClosed:
		st.ClosedMonth, changed = p.Month, true
		if st.FirstClosed == "" {
			st.FirstClosed = p.Month
		}
		if err := setJSON(tx, monthCloseKey(env.Org, p.Month), periodCloseRec{Seq: env.Seq, Actor: env.Actor}); err != nil {
			return err
		}
	case events.YearClosed:
		st.ClosedYear, changed = p.Year, true
		if err := setJSON(tx, yearCloseKey(env.Org, p.Year), periodCloseRec{Seq: env.Seq, Actor: env.Actor}); err != nil {
			return err
		}
	case events.ReversalPosted:
		if err := tx.Set(reversedKey(env.Org, p.OriginalSeq), be8(env.Seq)); err != nil {
			return err
		}
	}
	if changed {
		return setJSON(tx, periodStateKey(env.Org), st)
	}
	return nil
}

// Periods returns how far the org's books are closed.
func (s view) Periods(org string) (ledger.Periods, error) {
	var st periodStateRec
	if _, err := getJSONMemo(s.g, periodStateKey(org), &st); err != nil {
		return ledger.Periods{}, err
	}
	return ledger.Periods{FirstMonth: st.First, ClosedMonth: st.ClosedMonth, FirstClosed: st.FirstClosed, ClosedYear: st.ClosedYear}, nil
}

// MonthClose returns who closed a month, and with which event.
func (s view) MonthClose(org, month string) (ledger.PeriodClose, bool, error) {
	var rec periodCloseRec
	ok, err := getJSON(s.g, monthCloseKey(org, month), &rec)
	return ledger.PeriodClose{Seq: rec.Seq, Actor: rec.Actor}, ok, err
}

// YearClose returns who closed a year, and with which event.
func (s view) YearClose(org, year string) (ledger.PeriodClose, bool, error) {
	var rec periodCloseRec
	ok, err := getJSON(s.g, yearCloseKey(org, year), &rec)
	return ledger.PeriodClose{Seq: rec.Seq, Actor: rec.Actor}, ok, err
}

// PostedEvent returns an event of the org that posted money.
func (s view) PostedEvent(org string, seq uint64) (ledger.PostedEvent, bool, error) {
	env, p, ok, err := eventAt(s.g, org, seq)
	if err != nil || !ok {
		return ledger.PostedEvent{}, false, err
	}
	pe, ok := postedOf(env, p)
	return pe, ok, nil
}

// postedOf is what PostedEvent answers for an event; ok is false when the
// event posted nothing.
func postedOf(env events.Envelope, p events.Payload) (ledger.PostedEvent, bool) {
	ps := p.Postings()
	if len(ps) == 0 {
		return ledger.PostedEvent{}, false
	}
	return ledger.PostedEvent{Type: env.Type, Hash: env.Hash, Date: env.Date, Aggregate: env.Aggregate, Postings: ps}, true
}

// eventAt returns the org's event seq, decoded, as g sees it. A scratch
// view's Tx first asks the events decided in the view and in the view it
// overlays (see scratchBase): they are not durable, so not in e/ yet. Else
// it reads the event copy in e/ through g, which in a projector chunk also
// sees the copies of the chunk's earlier events, since the projector writes
// an event's copy before it projects the event.
func eventAt(g getter, org string, seq uint64) (events.Envelope, events.Payload, bool, error) {
	if tx, ok := g.(*Tx); ok {
		if b, ok := tx.r.(*scratchBase); ok {
			if env, p, ok := b.event(org, seq); ok {
				return env, p, true, nil
			}
		}
	}
	st, ok, err := g.Event(org, seq)
	if err != nil || !ok {
		return events.Envelope{}, nil, false, err
	}
	env, err := events.Decode(st.Data)
	if err != nil {
		return events.Envelope{}, nil, false, fmt.Errorf("projections: event %s/%d: %w", org, seq, err)
	}
	p, err := events.DecodePayload(env)
	if err != nil {
		return events.Envelope{}, nil, false, fmt.Errorf("projections: event %s/%d: %w", org, seq, err)
	}
	return env, p, true, nil
}

// ReversedBy returns the org sequence of the reversal of event seq, for
// areas that must know a payment was taken back (an expense reversed).
func (s view) ReversedBy(org string, seq uint64) (uint64, bool, error) {
	v, ok, err := s.g.Get(reversedKey(org, seq))
	if err != nil || !ok {
		return 0, false, err
	}
	if len(v) != 8 {
		return 0, false, errors.New("projections: corrupt reversal record")
	}
	return binary.BigEndian.Uint64(v), true, nil
}
