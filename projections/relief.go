package projections

import (
	"encoding/json"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// relief keeps hardship case files (困难职工档案) without personal data in
// clear (the sealed details stay in the relief_applied event only):
//
//	p/relief/case/<org>/<case>                 ledger.ReliefInfo (JSON)
//	p/relief/st/<org>/<status>0x00<case>       empty: cases by status
//	p/relief/due/<org>/<YYYY-MM-DD><case>      empty: decided cases by recheck due date
//	p/relief/hist/<org>/<case>0x00<seq>        ReliefStep (JSON): the case's history
//
// A case is in exactly one status key; a decided case is in exactly one
// due key, moved by each recheck and removed when the case closes. Dates
// have a fixed length, so the case id after them needs no separator.
type relief struct{}

// ReliefStep is one event in a case's history, as the file shows it.
type ReliefStep struct {
	Seq     uint64               `json:"seq"`
	Date    string               `json:"date"`
	Actor   string               `json:"actor"`
	Type    string               `json:"type"`
	Outcome events.ReliefOutcome `json:"outcome,omitempty"`
	Reason  string               `json:"reason,omitempty"` // rejection or closing reason (no personal data)
}

// ReliefFile is a case with its payment state and history.
type ReliefFile struct {
	ledger.ReliefInfo
	// Payment is the state of the case's expense once decided: pending
	// until the chair signs, then approved, paid or rejected.
	Payment ledger.ExpenseStatus `json:"payment,omitempty"`
	History []ReliefStep         `json:"history"`
}

func reliefCaseKey(org, c string) []byte { return key(famProj, "relief/case/", org, "/", c) }
func reliefStatusKey(org string, s ledger.ReliefStatus, c string) []byte {
	return key(famProj, "relief/st/", org, "/", string(s), byte(0), c)
}
func reliefDueKey(org, due, c string) []byte { return key(famProj, "relief/due/", org, "/", due, c) }
func reliefHistKey(org, c string, seq uint64) []byte {
	return key(famProj, "relief/hist/", org, "/", c, byte(0), seq)
}

func (relief) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	step := ReliefStep{Seq: env.Seq, Date: env.Date, Actor: env.Actor, Type: p.Type()}
	switch p := p.(type) {
	case events.ReliefApplied:
		c := ledger.ReliefInfo{Case: p.Case, Status: ledger.ReliefApplied, Person: p.Person, Kind: p.Kind,
			Requested: p.Requested, AppliedBy: env.Actor, AppliedOn: env.Date}
		if err := putRelief(tx, env.Org, "", "", c); err != nil {
			return err
		}
		return setJSON(tx, reliefHistKey(env.Org, p.Case, env.Seq), step)
	case events.ReliefVerified:
		return updateRelief(tx, env, p.Case, step, func(c *ledger.ReliefInfo) error {
			c.Status, c.VisitedOn, c.VerifiedOn = ledger.ReliefVerified, p.VisitedOn, env.Date
			return nil
		})
	case events.ReliefDecided:
		return updateRelief(tx, env, p.Case, step, func(c *ledger.ReliefInfo) error {
			due, err := ledger.RecheckDue(env.Date)
			if err != nil {
				return err
			}
			c.Status, c.Notice, c.Decision, c.Granted, c.Expense = ledger.ReliefDecided, p.Notice, p.Decision, p.Granted, p.Expense
			c.DecidedBy, c.DecidedOn, c.RecheckDue = env.Actor, env.Date, due
			return nil
		})
	case events.ReliefRejected:
		step.Reason = p.Reason
		return updateRelief(tx, env, p.Case, step, func(c *ledger.ReliefInfo) error {
			c.Status, c.ClosedOn = ledger.ReliefRejected, env.Date
			return nil
		})
	case events.ReliefRechecked:
		step.Outcome = p.Outcome
		return updateRelief(tx, env, p.Case, step, func(c *ledger.ReliefInfo) error {
			due, err := ledger.RecheckDue(env.Date)
			if err != nil {
				return err
			}
			c.LastRecheck, c.RecheckDue = env.Date, due
			return nil
		})
	case events.ReliefClosed:
		step.Reason = p.Reason
		return updateRelief(tx, env, p.Case, step, func(c *ledger.ReliefInfo) error {
			c.Status, c.ClosedOn, c.RecheckDue = ledger.ReliefClosed, env.Date, ""
			return nil
		})
	}
	return nil
}

// updateRelief changes a case, moves its status and due keys, and adds the
// step to its history. The rules never decide on a missing case, so one
// missing here is a broken invariant.
func updateRelief(tx *Tx, env events.Envelope, id string, step ReliefStep, change func(*ledger.ReliefInfo) error) error {
	var c ledger.ReliefInfo
	if err := mustGetJSON(tx, reliefCaseKey(env.Org, id), &c); err != nil {
		return err
	}
	oldStatus, oldDue := c.Status, c.RecheckDue
	if err := change(&c); err != nil {
		return err
	}
	if err := putRelief(tx, env.Org, oldStatus, oldDue, c); err != nil {
		return err
	}
	return setJSON(tx, reliefHistKey(env.Org, id, env.Seq), step)
}

func putRelief(tx *Tx, org string, oldStatus ledger.ReliefStatus, oldDue string, c ledger.ReliefInfo) error {
	if oldStatus != "" && oldStatus != c.Status {
		if err := tx.Delete(reliefStatusKey(org, oldStatus, c.Case)); err != nil {
			return err
		}
	}
	if err := tx.Set(reliefStatusKey(org, c.Status, c.Case), nil); err != nil {
		return err
	}
	if oldDue != "" && oldDue != c.RecheckDue {
		if err := tx.Delete(reliefDueKey(org, oldDue, c.Case)); err != nil {
			return err
		}
	}
	if c.RecheckDue != "" {
		if err := tx.Set(reliefDueKey(org, c.RecheckDue, c.Case), nil); err != nil {
			return err
		}
	}
	return setJSON(tx, reliefCaseKey(org, c.Case), c)
}

// ReliefCase returns a case file as the rules see it.
func (s view) ReliefCase(org, c string) (ledger.ReliefInfo, bool, error) {
	var info ledger.ReliefInfo
	ok, err := getJSON(s.g, reliefCaseKey(org, c), &info)
	return info, ok, err
}

// ReliefFile returns a case with its payment state and its history in
// sequence order. Nothing in it is personal data in clear.
func (s *Store) ReliefFile(org, c string) (ReliefFile, bool, error) {
	info, ok, err := s.ReliefCase(org, c)
	if err != nil || !ok {
		return ReliefFile{}, ok, err
	}
	f := ReliefFile{ReliefInfo: info, History: []ReliefStep{}}
	if info.Expense != "" {
		e, ok, err := s.Expense(org, info.Expense)
		if err != nil {
			return ReliefFile{}, false, err
		}
		if ok {
			f.Payment = e.Status
		}
	}
	prefix := key(famProj, "relief/hist/", org, "/", c, byte(0))
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return ReliefFile{}, false, err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		var st ReliefStep
		if err := json.Unmarshal(it.Value(), &st); err != nil {
			return ReliefFile{}, false, fmt.Errorf("projections: corrupt relief step %q: %w", it.Key(), err)
		}
		f.History = append(f.History, st)
	}
	return f, true, it.Error()
}

// scanReliefCases calls fn for each case named by the keys under prefix,
// the case id being what follows skip bytes after the prefix.
func (s *Store) scanReliefCases(org string, lo, hi []byte, skip int, fn func(ledger.ReliefInfo) bool) error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		if len(k) <= skip {
			return fmt.Errorf("projections: corrupt relief index key %q", k)
		}
		id := string(k[skip:])
		c, ok, err := s.ReliefCase(org, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("projections: relief index of %s names a missing case %q", org, id)
		}
		if !fn(c) {
			break
		}
	}
	return it.Error()
}

// ReliefCases calls fn for the union's cases in one status, in case-id
// order, until fn returns false.
func (s *Store) ReliefCases(org string, status ledger.ReliefStatus, fn func(ledger.ReliefInfo) bool) error {
	prefix := key(famProj, "relief/st/", org, "/", string(status), byte(0))
	return s.scanReliefCases(org, prefix, upper(prefix), len(prefix), fn)
}

// OverdueRechecks calls fn for the decided, open cases whose recheck was
// due before asOf (YYYY-MM-DD), earliest due first, until fn returns false:
// the files the committee must chase.
func (s *Store) OverdueRechecks(org, asOf string, fn func(ledger.ReliefInfo) bool) error {
	if !events.ValidDate(asOf) {
		return fmt.Errorf("projections: overdue rechecks as of %q: not a date", asOf)
	}
	prefix := key(famProj, "relief/due/", org, "/")
	return s.scanReliefCases(org, prefix, key(prefix, asOf), len(prefix)+len("YYYY-MM-DD"), fn)
}
