package projections

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
)

// HoldCommits makes each of p's background commits wait until the next
// chunk is projected, or Run ends.
func (p *Projector) HoldCommits() { p.hold = make(chan struct{}) }

// WriteOldCopies rewrites the store's event copies as versions before
// copies by message wrote them, one key an event, all but the first keep
// copies: a store to convert, or one a crash left half converted.
func (s *Store) WriteOldCopies(keep int) error {
	var orgs []string
	heads, err := s.Orgs()
	if err != nil {
		return err
	}
	for org := range heads {
		orgs = append(orgs, org)
	}
	slices.Sort(orgs)
	b := s.db.NewBatch()
	defer b.Close()
	n := 0
	var setErr error
	for _, org := range orgs {
		err := eachCopy(s.db, org, 1, math.MaxUint64, func(c *msgCopy) (bool, error) {
			if n++; n <= keep {
				return true, nil
			}
			return c.each(0, func(seq uint64, st events.Stored) bool {
				setErr = b.Set(copyKey(org, seq), append(be8(st.StreamSeq), st.Data...), nil)
				return setErr == nil
			})
		})
		if err = cmp.Or(err, setErr); err != nil {
			return err
		}
	}
	return b.Commit(pebble.Sync)
}

// ReadEvents reads org's events seqs through one eventReader, as the
// trails and reports do, and returns how many bytes they hold.
func (s *Store) ReadEvents(org string, seqs []uint64) (int, error) {
	evs, err := s.eventReader(org)
	if err != nil {
		return 0, err
	}
	defer evs.Close()
	n := 0
	for _, seq := range seqs {
		st, ok, err := evs.event(seq)
		if err != nil {
			return n, err
		}
		if !ok {
			return n, fmt.Errorf("event %s/%d missing", org, seq)
		}
		n += len(st.Data)
	}
	return n, nil
}
