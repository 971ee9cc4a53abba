package projections

import (
	"encoding/json"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// income keeps the allocation policy and the state of each allocation
// period (拨缴经费):
//
//	p/inc/split/<org>             {"retained_bp","seq"}: the split in force
//	p/inc/alloc/<org>/<period>    allocRec: what was due, received and remitted for a period
//
// The period is the last part of its key, so it needs no terminator; "/"
// after the org keeps "h1" from matching "h10".
type income struct{}

type splitRec struct {
	RetainedBP int    `json:"retained_bp"`
	Seq        uint64 `json:"seq"`
}

// allocRec is one allocation period. WageBill is the one stated on the
// latest receipt of the period: a corrected wage bill supersedes earlier
// ones, and the amount due follows it.
type allocRec struct {
	WageBill     events.Fen `json:"wage_bill_fen"`
	Received     events.Fen `json:"received_fen"`
	Retained     events.Fen `json:"retained_fen"`
	RemittedOwed events.Fen `json:"remitted_owed_fen"`
	RemittedPaid events.Fen `json:"remitted_paid_fen"`
	Receipts     int        `json:"receipts"`
}

func splitKey(org string) []byte { return key(famProj, "inc/split/", org) }
func allocPrefix(org string) []byte {
	return key(famProj, "inc/alloc/", org, "/")
}
func allocKey(org, period string) []byte { return key(allocPrefix(org), period) }

func (income) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	switch p := p.(type) {
	case events.AllocationSplitSet:
		return setJSON(tx, splitKey(env.Org), splitRec{RetainedBP: p.RetainedBP, Seq: env.Seq})
	case events.AllocationReceived:
		var rec allocRec
		if _, err := getJSON(tx, allocKey(env.Org, p.Period), &rec); err != nil {
			return err
		}
		rec.WageBill = p.WageBill
		rec.Received += p.Gross
		rec.Retained += p.Retained
		rec.RemittedOwed += p.Remitted
		rec.Receipts++
		return setJSON(tx, allocKey(env.Org, p.Period), rec)
	case events.AllocationRemitted:
		if p.Period == "" {
			return nil
		}
		var rec allocRec
		if _, err := getJSON(tx, allocKey(env.Org, p.Period), &rec); err != nil {
			return err
		}
		rec.RemittedPaid += p.Amount
		return setJSON(tx, allocKey(env.Org, p.Period), rec)
	}
	return nil
}

// AllocationSplit returns the union's allocation split in force: the
// retained share in basis points, and false if no policy was ever set.
func (s view) AllocationSplit(org string) (int, bool, error) {
	var rec splitRec
	ok, err := getJSON(s.g, splitKey(org), &rec)
	return rec.RetainedBP, ok, err
}

// AllocationPeriod is the state of one allocation period of a union.
type AllocationPeriod struct {
	Period string
	// WageBill is the wage bill stated on the period's latest receipt, and
	// Due is 2% of it (ledger.AllocationDue).
	WageBill events.Fen
	Due      events.Fen
	// Received sums the gross of every receipt for the period; Retained
	// and RemittedOwed split it.
	Received     events.Fen
	Retained     events.Fen
	RemittedOwed events.Fen
	// RemittedPaid sums the remittances that named this period.
	RemittedPaid events.Fen
	// Shortfall is Due − Received when the employer paid less than 2% of
	// the wage bill (0 otherwise); Excess is Received − Due when the
	// receipts of the period add up to more than is due (0 otherwise).
	Shortfall events.Fen
	Excess    events.Fen
	Receipts  int
}

func (r allocRec) period(period string) AllocationPeriod {
	a := AllocationPeriod{Period: period, WageBill: r.WageBill, Due: ledger.AllocationDue(r.WageBill),
		Received: r.Received, Retained: r.Retained, RemittedOwed: r.RemittedOwed, RemittedPaid: r.RemittedPaid,
		Receipts: r.Receipts}
	if a.Received < a.Due {
		a.Shortfall = a.Due - a.Received
	} else {
		a.Excess = a.Received - a.Due
	}
	return a
}

// AllocationPeriodOf returns one allocation period, and false if no
// allocation was received or remitted for it.
func (s view) AllocationPeriodOf(org, period string) (AllocationPeriod, bool, error) {
	var rec allocRec
	ok, err := getJSON(s.g, allocKey(org, period), &rec)
	if err != nil || !ok {
		return AllocationPeriod{}, ok, err
	}
	return rec.period(period), true, nil
}

// AllocationPeriods lists a union's allocation periods in period order
// ("2025" sorts before "2025-01"), with what was due, received and
// remitted, so a shortfall (an employer paying less than 2% of the wage
// bill) is visible rather than refused.
func (s *Store) AllocationPeriods(org string) ([]AllocationPeriod, error) {
	prefix := allocPrefix(org)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return nil, fmt.Errorf("projections: allocation periods of %s: %w", org, err)
	}
	defer it.Close()
	var out []AllocationPeriod
	for it.First(); it.Valid(); it.Next() {
		var rec allocRec
		if err := json.Unmarshal(it.Value(), &rec); err != nil {
			return nil, fmt.Errorf("projections: corrupt allocation period %q: %w", it.Key(), err)
		}
		out = append(out, rec.period(string(it.Key()[len(prefix):])))
	}
	return out, it.Error()
}
