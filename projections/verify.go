package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/unionledger/unionledger/events"
)

// VerifyReport is the outcome of checking a stream from its bytes alone.
type VerifyReport struct {
	Messages uint64            `json:"messages"`
	Events   uint64            `json:"events"`
	Orgs     map[string]OrgTip `json:"orgs"`
	// FirstBad is the first stream position that breaks a chain; nil when
	// everything verified.
	FirstBad *ChainError `json:"first_bad,omitempty"`
}

// OrgTip is an org's last verified event.
type OrgTip struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

var errVerifyDone = errors.New("verify: reached the end")

// Verify reads the stream from the start up to stream sequence last and
// checks, for every org, that sequences are gapless from 1, every prev is
// the previous event's hash, every event decodes to a known type and
// schema, and every event's postings balance. It uses nothing but the
// stream: not Pebble, not the projector. Memory grows with the number of
// orgs, not events.
func Verify(ctx context.Context, src Source, last uint64, progress func(done uint64)) (VerifyReport, error) {
	rep := VerifyReport{Orgs: map[string]OrgTip{}}
	if last == 0 {
		return rep, nil
	}
	err := src.Read(ctx, 1, 4096, func(chunk []events.Stored) error {
		for i, raw := range chunk {
			if raw.StreamSeq > last {
				return errVerifyDone
			}
			if i == 0 || chunk[i-1].StreamSeq != raw.StreamSeq {
				rep.Messages++
			}
			rep.Events++
			if bad := verifyOne(rep.Orgs, raw); bad != nil {
				rep.FirstBad = bad
				return errVerifyDone
			}
		}
		if chunk[len(chunk)-1].StreamSeq >= last {
			return errVerifyDone // a chunk holds whole messages
		}
		if progress != nil {
			progress(chunk[len(chunk)-1].StreamSeq)
		}
		return nil
	})
	if errors.Is(err, errVerifyDone) {
		err = nil
	}
	return rep, err
}

func verifyOne(orgs map[string]OrgTip, raw events.Stored) *ChainError {
	env, err := events.Decode(raw.Data)
	if err != nil {
		return &ChainError{StreamSeq: raw.StreamSeq, Reason: err.Error()}
	}
	bad := func(format string, args ...any) *ChainError {
		return &ChainError{StreamSeq: raw.StreamSeq, Org: env.Org, Seq: env.Seq, Reason: fmt.Sprintf(format, args...)}
	}
	tip, ok := orgs[env.Org]
	if !ok {
		tip = OrgTip{Hash: events.ZeroHash}
	}
	if why := link(tip.Seq, tip.Hash, env); why != "" {
		return bad("%s", why)
	}
	p, err := events.DecodePayload(env)
	if err != nil {
		return bad("%v", err)
	}
	var sum events.Fen
	for _, ps := range p.Postings() {
		sum += ps.Amount
	}
	if sum != 0 {
		return bad("postings do not balance (off by %d fen)", sum)
	}
	orgs[env.Org] = OrgTip{Seq: env.Seq, Hash: env.Hash}
	return nil
}

// link checks that env continues a chain whose last event is (seq, hash),
// and says why not.
func link(seq uint64, hash string, env events.Envelope) string {
	switch {
	case env.Seq != seq+1:
		return fmt.Sprintf("expected seq %d, found %d (a gap, or a replayed or reordered event)", seq+1, env.Seq)
	case env.Prev != hash:
		return fmt.Sprintf("prev %s does not match the hash %s of seq %d", env.Prev, hash, seq)
	}
	return ""
}
