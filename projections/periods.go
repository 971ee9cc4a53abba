package projections

import (
	"encoding/binary"
	"errors"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// periods keeps closed periods and reversals:
//
//	p/period/state/<org>           {"first","closed_month","first_closed","closed_year"}
//	p/period/month/<org>/<YYYY-MM> {"seq","actor"}: the month_closed event
//	p/period/year/<org>/<YYYY>     {"seq","actor"}: the year_closed event
//	p/period/posted/<org>/<seq>    {"type","hash","date","aggregate","postings"} of every event that posted money
//	p/reversed/<org>/<seq>         seq of the reversal_posted that reversed event seq
//
// The posted-event record lets a reversal name the original's type, hash
// and postings with one point read, including an original decided earlier
// in the same group (whose copy is not in e/ until the group is durable).
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

type postedRec struct {
	Type      string           `json:"type"`
	Hash      string           `json:"hash"`
	Date      string           `json:"date"`
	Aggregate string           `json:"aggregate"`
	Postings  []events.Posting `json:"postings"`
}

func periodStateKey(org string) []byte { return keyOf(famProj, "period/state/", org) }
func monthCloseKey(org, month string) []byte {
	return key(famProj, "period/month/", org, "/", month)
}
func yearCloseKey(org, year string) []byte { return key(famProj, "period/year/", org, "/", year) }
func postedKey(org string, seq uint64) []byte {
	return keySeq(seq, famProj, "period/posted/", org, "/")
}
func reversedKey(org string, seq uint64) []byte { return key(famProj, "reversed/", org, "/", seq) }

func (periods) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	unchanged, err := periodStateUnchanged(tx, env, p)
	if err != nil {
		return err
	}
	if !unchanged {
		if err := applyPeriodState(tx, env, p); err != nil {
			return err
		}
	}
	if ps := p.Postings(); len(ps) > 0 {
		return tx.Set(postedKey(env.Org, env.Seq), encodePosted(env.Type, env.Hash, env.Date, env.Aggregate, ps))
	}
	return nil
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
	if _, err := getJSON(tx, periodStateKey(env.Org), &st); err != nil {
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
	if _, err := getJSON(s.g, periodStateKey(org), &st); err != nil {
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
	var rec postedRec
	ok, err := getJSON(s.g, postedKey(org, seq), &rec)
	if err != nil || !ok {
		return ledger.PostedEvent{}, false, err
	}
	return ledger.PostedEvent{Type: rec.Type, Hash: rec.Hash, Date: rec.Date, Aggregate: rec.Aggregate, Postings: rec.Postings}, true, nil
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
