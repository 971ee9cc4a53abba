package projections

import (
	"encoding/json"
	"fmt"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// view answers the state queries the rules decide on, over any getter: the
// Store answers from committed state, a Scratch from a snapshot plus the
// events of the group being decided. Writing each query once, against keys,
// is what keeps the two from drifting apart.
type view struct{ g getter }

// Head returns the org's last applied event.
func (s view) Head(org string) (ledger.Head, error) {
	v, ok, err := s.g.Get(key(famMeta, "head/", org))
	if err != nil || !ok {
		return ledger.Head{}, err
	}
	return decodeHead(v)
}

// CommandResult returns the result of an applied command.
func (s view) CommandResult(org, id string) (ledger.Result, string, bool, error) {
	v, ok, err := s.g.Get(key(famIndex, "cmd/", org, "/", id))
	if err != nil || !ok {
		return ledger.Result{}, "", false, err
	}
	var rec cmdRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return ledger.Result{}, "", false, fmt.Errorf("projections: corrupt command record: %w", err)
	}
	res := ledger.Result{Command: id}
	for seq := rec.First; seq < rec.First+uint64(rec.Count); seq++ {
		v, ok, err := s.g.Get(key(famEvent, org, "/", seq))
		if err != nil {
			return ledger.Result{}, "", false, err
		}
		if !ok || len(v) < 8 {
			return ledger.Result{}, "", false, fmt.Errorf("projections: command %s: event %s/%d missing", id, org, seq)
		}
		env, err := events.Decode(v[8:])
		if err != nil {
			return ledger.Result{}, "", false, err
		}
		res.Events = append(res.Events, ledger.EventRef{Seq: env.Seq, ID: env.ID, Type: env.Type, Hash: env.Hash})
	}
	return res, rec.Hash, true, nil
}

// Org returns the org's info from the orgs projection.
func (s view) Org(org string) (ledger.OrgInfo, bool, error) {
	v, ok, err := s.g.Get(key(famProj, "org/", org))
	if err != nil || !ok {
		return ledger.OrgInfo{}, false, err
	}
	var info ledger.OrgInfo
	if err := json.Unmarshal(v, &info); err != nil {
		return ledger.OrgInfo{}, false, fmt.Errorf("projections: corrupt org record: %w", err)
	}
	return info, true, nil
}

// ReceiptUsed reports whether the receipt number was used.
func (s view) ReceiptUsed(org string, r events.Receipt) (bool, error) {
	_, ok, err := s.g.Get(receiptKey(org, r))
	return ok, err
}

// Balance is the current debit-positive balance of an account.
func (s view) Balance(org, account string) (events.Fen, error) {
	v, err := getInt(s.g, key(famProj, "bcur/", org, "/", account))
	return events.Fen(v), err
}
