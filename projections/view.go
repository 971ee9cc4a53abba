package projections

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// view answers the state queries the rules decide on, over any getter: the
// Store answers from committed state, a Scratch from a snapshot plus the
// events of the group being decided. Writing each query once, against keys,
// is what keeps the two from drifting apart.
type view struct{ g getter }

// scratchBase is what a scratch view's Tx reads under its own changes: the
// snapshot of committed state (Get), and the events decided on top of it
// that are not durable yet, for the reads that need an event itself rather
// than a key (eventAt: the original of a reversal). The projector writes an
// event's copy in e/ only when it applies the event, so these are the
// view's own events and those of the one view it overlays (the group in
// flight); like Tx.over, it never reaches further back.
type scratchBase struct {
	*pebble.Snapshot
	own  decided
	over *decided // the overlaid view's own events; nil once that group is durable
}

// event returns an event decided in the view or in the view it overlays.
func (b *scratchBase) event(org string, seq uint64) (events.Envelope, events.Payload, bool) {
	if env, p, ok := b.own.find(org, seq); ok {
		return env, p, true
	}
	if b.over != nil {
		return b.over.find(org, seq)
	}
	return events.Envelope{}, nil, false
}

// decided lists the events applied to a scratch view, in order, with their
// payloads.
type decided struct {
	envs     []events.Envelope
	payloads []events.Payload
}

func (d *decided) add(env events.Envelope, p events.Payload) {
	d.envs = append(d.envs, env)
	d.payloads = append(d.payloads, p)
}

// find looks an event up. A writer's view holds one org's events at
// consecutive sequences, so the first guess is where seq would be.
func (d *decided) find(org string, seq uint64) (events.Envelope, events.Payload, bool) {
	if len(d.envs) == 0 {
		return events.Envelope{}, nil, false
	}
	if i := seq - d.envs[0].Seq; seq >= d.envs[0].Seq && i < uint64(len(d.envs)) {
		if e := &d.envs[i]; e.Seq == seq && e.Org == org {
			return *e, d.payloads[i], true
		}
	}
	for i := len(d.envs) - 1; i >= 0; i-- {
		if e := &d.envs[i]; e.Seq == seq && e.Org == org {
			return *e, d.payloads[i], true
		}
	}
	return events.Envelope{}, nil, false
}

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
	rec, err := decodeCmdRecord(v)
	if err != nil {
		return ledger.Result{}, "", false, err
	}
	res := ledger.Result{Command: id}
	for seq := rec.First; seq < rec.First+uint64(rec.Count); seq++ {
		st, ok, err := s.g.Event(org, seq)
		if err != nil {
			return ledger.Result{}, "", false, err
		}
		if !ok {
			return ledger.Result{}, "", false, fmt.Errorf("projections: command %s: event %s/%d missing", id, org, seq)
		}
		env, err := events.Decode(st.Data)
		if err != nil {
			return ledger.Result{}, "", false, err
		}
		res.Events = append(res.Events, ledger.EventRef{Seq: env.Seq, ID: env.ID, Type: env.Type, Hash: env.Hash})
	}
	return res, rec.Hash, true, nil
}

// Org returns the org's info from the orgs projection.
func (s view) Org(org string) (ledger.OrgInfo, bool, error) {
	var info ledger.OrgInfo
	ok, err := getJSONMemo(s.g, key(famProj, "org/", org), &info)
	if err != nil || !ok {
		return ledger.OrgInfo{}, false, err
	}
	return info, true, nil
}

// ReceiptUsed reports whether the receipt number was used.
func (s view) ReceiptUsed(org string, r events.Receipt) (bool, error) {
	k := receiptKey(org, r)
	if k == nil {
		return false, nil // never indexed: the ledger refuses such a receipt (events.ValidID)
	}
	_, ok, err := s.g.Get(k)
	return ok, err
}

// Balance is the current debit-positive balance of an account.
func (s view) Balance(org, account string) (events.Fen, error) {
	v, err := getInt(s.g, key(famProj, "bcur/", org, "/", account))
	return events.Fen(v), err
}
