package projections

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// expenses keeps expense requests, decisions and payments:
//
//	p/exp/<org>/<expense>                  ledger.ExpenseInfo (JSON): request, decision, payment
//	p/expst/<org>/<status>0x00<expense>    seq of the request: expenses by status
//	p/dec/<org>/<decision>                 ledger.DecisionInfo (JSON): collective decisions
//	p/cthr/<org>                           the collective-decision threshold in force (fen)
//
// Each expense is in exactly one status key; a transition moves it.
type expenses struct{}

func expenseKey(org, id string) []byte { return key(famProj, "exp/", org, "/", id) }
func expenseStatusKey(org string, s ledger.ExpenseStatus, id string) []byte {
	return key(famProj, "expst/", org, "/", string(s), byte(0), id)
}
func decisionKey(org, id string) []byte { return key(famProj, "dec/", org, "/", id) }
func thresholdKey(org string) []byte    { return key(famProj, "cthr/", org) }

func (expenses) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	switch p := p.(type) {
	case events.ExpenseRequested:
		return putExpense(tx, env.Org, "", ledger.ExpenseInfo{
			ID: p.Expense, Status: ledger.ExpensePending, Account: p.Account, Amount: p.Amount, Payee: p.Payee,
			PayeePerson: p.PayeePerson, Purpose: p.Purpose, Decision: p.Decision, Documents: p.Documents,
			RequestedBy: env.Actor, RequestSeq: env.Seq, RequestDate: env.Date,
		})
	case events.ExpenseApproved:
		return updateExpense(tx, env, p.Expense, func(e *ledger.ExpenseInfo) {
			e.Status, e.DecidedBy, e.DecidedSeq, e.DecidedDate = ledger.ExpenseApproved, env.Actor, env.Seq, env.Date
			if env.Sig != nil {
				e.Key = env.Sig.Key
			}
		})
	case events.ExpenseRejected:
		return updateExpense(tx, env, p.Expense, func(e *ledger.ExpenseInfo) {
			e.Status, e.DecidedBy, e.DecidedSeq, e.DecidedDate, e.Reason = ledger.ExpenseRejected, env.Actor, env.Seq, env.Date, p.Reason
			if env.Sig != nil {
				e.Key = env.Sig.Key
			}
		})
	case events.ExpenseCancelled:
		return updateExpense(tx, env, p.Expense, func(e *ledger.ExpenseInfo) {
			e.Status, e.DecidedBy, e.DecidedSeq, e.DecidedDate, e.Reason = ledger.ExpenseCancelled, env.Actor, env.Seq, env.Date, p.Reason
		})
	case events.ExpensePaid:
		var e ledger.ExpenseInfo
		ok, err := getJSON(tx, expenseKey(env.Org, p.Expense), &e)
		if err != nil {
			return err
		}
		old := e.Status
		if !ok {
			// A payment recorded before expenses had a lifecycle (schema 1):
			// the payment is all there is to know.
			old = ""
			e = ledger.ExpenseInfo{ID: p.Expense, Account: p.Account, Amount: p.Amount, Payee: p.Payee, Purpose: p.Purpose,
				RequestedBy: env.Actor, RequestSeq: env.Seq, RequestDate: env.Date}
		}
		e.Status, e.PaidBy, e.PaidSeq, e.PaidDate, e.Via, e.Voucher = ledger.ExpensePaid, env.Actor, env.Seq, env.Date, p.Via, p.Voucher
		return putExpense(tx, env.Org, old, e)
	case events.CollectiveDecisionRecorded:
		d := ledger.DecisionInfo{ID: p.Decision, Seq: env.Seq, Meeting: p.Meeting, Held: p.Held, Attendees: p.Attendees,
			MinutesHash: p.MinutesHash, Expenses: p.Expenses}
		if err := setJSON(tx, decisionKey(env.Org, p.Decision), d); err != nil {
			return err
		}
		// The first decision that lists an expense is the one it rests on.
		for _, id := range p.Expenses {
			var e ledger.ExpenseInfo
			ok, err := getJSON(tx, expenseKey(env.Org, id), &e)
			if err != nil {
				return err
			}
			if ok && e.Decision == "" {
				e.Decision = p.Decision
				if err := setJSON(tx, expenseKey(env.Org, id), e); err != nil {
					return err
				}
			}
		}
		return nil
	case events.CollectiveThresholdSet:
		return tx.Set(thresholdKey(env.Org), be8(uint64(p.Amount)))
	}
	return nil
}

// updateExpense applies a change to an existing expense and moves it to
// its new status key. The rules never decide on a missing expense, so a
// missing one means a foreign or corrupt stream: it is skipped, as other
// projections skip what they cannot place, and verify reports the stream.
func updateExpense(tx *Tx, env events.Envelope, id string, change func(*ledger.ExpenseInfo)) error {
	var e ledger.ExpenseInfo
	ok, err := getJSON(tx, expenseKey(env.Org, id), &e)
	if err != nil || !ok {
		return err
	}
	old := e.Status
	change(&e)
	return putExpense(tx, env.Org, old, e)
}

func putExpense(tx *Tx, org string, old ledger.ExpenseStatus, e ledger.ExpenseInfo) error {
	if old != "" && old != e.Status {
		if err := tx.Delete(expenseStatusKey(org, old, e.ID)); err != nil {
			return err
		}
	}
	if err := tx.Set(expenseStatusKey(org, e.Status, e.ID), be8(e.RequestSeq)); err != nil {
		return err
	}
	return setJSON(tx, expenseKey(org, e.ID), e)
}

// Expense returns an expense as requested and decided so far.
func (s view) Expense(org, id string) (ledger.ExpenseInfo, bool, error) {
	var e ledger.ExpenseInfo
	ok, err := getJSON(s.g, expenseKey(org, id), &e)
	return e, ok, err
}

// Decision returns a recorded collective decision.
func (s view) Decision(org, id string) (ledger.DecisionInfo, bool, error) {
	var d ledger.DecisionInfo
	ok, err := getJSON(s.g, decisionKey(org, id), &d)
	return d, ok, err
}

// CollectiveThreshold is the union's threshold for large items, if set.
func (s view) CollectiveThreshold(org string) (events.Fen, bool, error) {
	v, ok, err := s.g.Get(thresholdKey(org))
	if err != nil || !ok {
		return 0, false, err
	}
	if len(v) != 8 {
		return 0, false, fmt.Errorf("projections: corrupt collective threshold of %s", org)
	}
	return events.Fen(binary.BigEndian.Uint64(v)), true, nil
}

// ExpensesByStatus calls fn for the union's expenses in one status, in
// expense-id order, until fn returns false. It reads committed state only.
func (s *Store) ExpensesByStatus(org string, status ledger.ExpenseStatus, fn func(ledger.ExpenseInfo) bool) error {
	prefix := key(famProj, "expst/", org, "/", string(status), byte(0))
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		e, ok, err := s.Expense(org, string(it.Key()[len(prefix):]))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("projections: expense status index of %s names a missing expense %q", org, it.Key()[len(prefix):])
		}
		if !fn(e) {
			break
		}
	}
	return it.Error()
}
