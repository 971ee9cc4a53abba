package projections

import "github.com/unionledger/unionledger/events"

// periods keeps closed periods and reversals.
type periods struct{}

func (periods) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	return nil
}
