package projections

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// welfare keeps welfare policies, rounds and what each member was granted:
//
//	p/welfare/pol/<org>/<year>                                    ledger.WelfarePolicy (JSON): the policy in force
//	p/welfare/round/<org>/<round>                                 ledger.WelfareRoundInfo (JSON): the round, its members, its state
//	p/welfare/g/<org>/<member>0x00<year>/<occasion>0x00<festival> fen granted (festival empty: the occasion's total)
//	p/welfare/mr/<org>/<member>0x00<year>/<round>                 the round's standard (fen): rounds by member
//
// Granted amounts count rounds that are planned or paid; a round cancelled
// (cancel_welfare_round, or its expense cancelled) or rejected by the chair
// is subtracted again, so the totals are what the cap rule counts.
type welfare struct{}

func welfarePolicyKey(org, year string) []byte { return key(famProj, "welfare/pol/", org, "/", year) }
func welfareRoundKey(org, id string) []byte    { return key(famProj, "welfare/round/", org, "/", id) }
func welfareGrantedPrefix(org, member, year string) []byte {
	return key(famProj, "welfare/g/", org, "/", member, byte(0), year, "/")
}
func welfareGrantedKey(org, member, year, occasion, festival string) []byte {
	return key(welfareGrantedPrefix(org, member, year), occasion, byte(0), festival)
}
func welfareMemberRoundPrefix(org, member, year string) []byte {
	return key(famProj, "welfare/mr/", org, "/", member, byte(0), year, "/")
}

func (welfare) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	switch p := p.(type) {
	case events.WelfarePolicyAdopted:
		return setJSON(tx, welfarePolicyKey(env.Org, p.Year), ledger.WelfarePolicy{WelfarePolicyAdopted: p, Seq: env.Seq, AdoptedBy: env.Actor})
	case events.WelfareRoundPlanned:
		r := ledger.WelfareRoundInfo{WelfareRoundPlanned: p, Status: ledger.WelfarePlanned, PlannedBy: env.Actor, PlannedSeq: env.Seq}
		if len(r.Date) < 4 {
			return nil // the rules never plan a round without a date: a foreign stream, verify reports it
		}
		if err := setJSON(tx, welfareRoundKey(env.Org, p.Round), r); err != nil {
			return err
		}
		for _, m := range p.Members {
			if err := tx.Set(key(welfareMemberRoundPrefix(env.Org, m, r.Year()), p.Round), be8(uint64(p.Standard))); err != nil {
				return err
			}
		}
		return grantRound(tx, env.Org, r, 1)
	case events.WelfareRoundCancelled:
		return closeRound(tx, env, p.Round, ledger.WelfareCancelled, p.Reason)
	case events.ExpenseCancelled:
		return closeRound(tx, env, p.Expense, ledger.WelfareCancelled, p.Reason)
	case events.ExpenseRejected:
		return closeRound(tx, env, p.Expense, ledger.WelfareRejected, p.Reason)
	case events.ExpensePaid:
		return closeRound(tx, env, p.Expense, ledger.WelfarePaid, "")
	}
	return nil
}

// closeRound moves the round whose expense is id (a round's expense has the
// round's id) out of planned; a cancelled or rejected round releases its
// amounts. Expenses that are not rounds, and rounds already closed (the
// expense_cancelled that follows welfare_round_cancelled), are left alone.
func closeRound(tx *Tx, env events.Envelope, id string, to ledger.WelfareRoundStatus, reason string) error {
	var r ledger.WelfareRoundInfo
	ok, err := getJSON(tx, welfareRoundKey(env.Org, id), &r)
	if err != nil || !ok || r.Expense != id || r.Status != ledger.WelfarePlanned {
		return err
	}
	r.Status, r.ClosedSeq, r.CloseReason = to, env.Seq, reason
	if err := setJSON(tx, welfareRoundKey(env.Org, id), r); err != nil {
		return err
	}
	if to.Counts() {
		return nil
	}
	return grantRound(tx, env.Org, r, -1)
}

// grantRound adds (sign 1) or releases (sign -1) a round's standard for
// each member: to the occasion's yearly total and, for festival rounds, to
// the festival's.
func grantRound(tx *Tx, org string, r ledger.WelfareRoundInfo, sign int64) error {
	d := sign * int64(r.Standard)
	for _, m := range r.Members {
		if _, err := addInt(tx, welfareGrantedKey(org, m, r.Year(), r.Occasion, ""), d); err != nil {
			return err
		}
		if r.Festival != "" {
			if _, err := addInt(tx, welfareGrantedKey(org, m, r.Year(), r.Occasion, r.Festival), d); err != nil {
				return err
			}
		}
	}
	return nil
}

// WelfarePolicy returns the welfare policy in force for a year.
func (s view) WelfarePolicy(org, year string) (ledger.WelfarePolicy, bool, error) {
	var p ledger.WelfarePolicy
	ok, err := getJSON(s.g, welfarePolicyKey(org, year), &p)
	return p, ok, err
}

// WelfareRound returns a planned round.
func (s view) WelfareRound(org, id string) (ledger.WelfareRoundInfo, bool, error) {
	var r ledger.WelfareRoundInfo
	ok, err := getJSON(s.g, welfareRoundKey(org, id), &r)
	return r, ok, err
}

// WelfareGranted is what counting rounds grant a member in a year for an
// occasion, or for one festival.
func (s view) WelfareGranted(org, member, year, occasion, festival string) (events.Fen, error) {
	v, err := getInt(s.g, welfareGrantedKey(org, member, year, occasion, festival))
	return events.Fen(v), err
}

// WelfareLine is what a member received in a year for one occasion (or one
// festival) against the cap in force.
type WelfareLine struct {
	Occasion string `json:"occasion"`
	// Festival is set on per-festival lines; the festival occasion's line
	// without it is the yearly total over all festivals.
	Festival string     `json:"festival,omitempty"`
	Granted  events.Fen `json:"granted_fen"`
	// Cap is the cap in force, when Capped; Remaining is Cap − Granted.
	Cap       events.Fen `json:"cap_fen,omitempty"`
	Capped    bool       `json:"capped"`
	Remaining events.Fen `json:"remaining_fen,omitempty"`
}

// WelfareRoundRef is one round that names the member.
type WelfareRoundRef struct {
	Round    string                    `json:"round"`
	Occasion string                    `json:"occasion"`
	Festival string                    `json:"festival,omitempty"`
	Standard events.Fen                `json:"standard_fen"`
	Date     string                    `json:"date"`
	Status   ledger.WelfareRoundStatus `json:"status"`
}

// WelfareStatement is a member's welfare for a calendar year against the
// policy in force: the read side of rule welfare-caps.
type WelfareStatement struct {
	Member string `json:"member"`
	Year   string `json:"year"`
	// Province is the adopted policy's province; empty when the union has
	// adopted no policy for the year (then nothing is capped).
	Province string            `json:"province,omitempty"`
	Lines    []WelfareLine     `json:"lines"`
	Rounds   []WelfareRoundRef `json:"rounds"`
}

// WelfareReceived reports, from committed state, what a member received in
// a calendar year (YYYY): a line per occasion the policy caps or the member
// was granted (and per festival with its own cap or a grant), with the cap
// in force and what remains, sorted by occasion then festival; and the
// rounds naming the member, in round-id order, cancelled and rejected ones
// included with their status.
func (s *Store) WelfareReceived(org, member, year string) (WelfareStatement, error) {
	out := WelfareStatement{Member: member, Year: year, Lines: []WelfareLine{}, Rounds: []WelfareRoundRef{}}
	pol, havePol, err := s.WelfarePolicy(org, year)
	if err != nil {
		return out, err
	}
	wl := newWelfareLines(pol, havePol)
	if havePol {
		out.Province = pol.Province
	}
	prefix := welfareGrantedPrefix(org, member, year)
	if err := s.welfareScan(prefix, func(k, v []byte) error {
		occ, fest, ok := bytes.Cut(k[len(prefix):], []byte{0})
		if !ok || len(v) != 8 {
			return fmt.Errorf("projections: corrupt welfare total %q", k)
		}
		if g := int64(binary.BigEndian.Uint64(v)); g != 0 {
			wl.line(string(occ), string(fest)).Granted = events.Fen(g)
		}
		return nil
	}); err != nil {
		return out, err
	}
	out.Lines = wl.sorted()
	rp := welfareMemberRoundPrefix(org, member, year)
	err = s.welfareScan(rp, func(k, _ []byte) error {
		r, ok, err := s.WelfareRound(org, string(k[len(rp):]))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("projections: welfare index of %s names a missing round %q", member, k[len(rp):])
		}
		out.Rounds = append(out.Rounds, WelfareRoundRef{Round: r.Round, Occasion: r.Occasion, Festival: r.Festival,
			Standard: r.Standard, Date: r.Date, Status: r.Status})
		return nil
	})
	return out, err
}

// welfareLines builds the lines of a welfare statement: one per occasion
// (and per festival) that the policy caps or that the member was granted,
// with the cap in force. WelfareReceived (committed state) and the as-of
// report (folded state) share it.
type welfareLines struct {
	pol     ledger.WelfarePolicy
	havePol bool
	lines   map[[2]string]*WelfareLine
}

// newWelfareLines starts with a line for every cap of the policy.
func newWelfareLines(pol ledger.WelfarePolicy, havePol bool) *welfareLines {
	w := &welfareLines{pol: pol, havePol: havePol, lines: map[[2]string]*WelfareLine{}}
	if havePol {
		for _, c := range pol.Caps {
			w.line(c.Occasion, "")
		}
		for _, c := range pol.FestivalCaps {
			w.line(events.OccasionFestival, c.Festival)
		}
	}
	return w
}

// line is the line of an occasion (fest "") or a festival, made on first use.
func (w *welfareLines) line(occ, fest string) *WelfareLine {
	k := [2]string{occ, fest}
	if l, ok := w.lines[k]; ok {
		return l
	}
	l := &WelfareLine{Occasion: occ, Festival: fest}
	if w.havePol {
		if fest == "" {
			l.Cap, l.Capped = w.pol.Cap(occ)
		} else {
			l.Cap, l.Capped = w.pol.FestivalCap(fest)
		}
	}
	w.lines[k] = l
	return l
}

// sorted is the lines with what remains under each cap, by occasion then
// festival.
func (w *welfareLines) sorted() []WelfareLine {
	out := make([]WelfareLine, 0, len(w.lines))
	for _, l := range w.lines {
		if l.Capped {
			l.Remaining = l.Cap - l.Granted
		}
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Occasion != b.Occasion {
			return a.Occasion < b.Occasion
		}
		return a.Festival < b.Festival
	})
	return out
}

// welfareScan calls fn for each committed key with prefix, in key order.
func (s *Store) welfareScan(prefix []byte, fn func(k, v []byte) error) error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		k := append([]byte(nil), it.Key()...)
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		if err := fn(k, append([]byte(nil), v...)); err != nil {
			return err
		}
	}
	return it.Error()
}
