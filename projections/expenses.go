package projections

import "github.com/unionledger/unionledger/events"

// expenses keeps expense requests, decisions and payments.
type expenses struct{}

func (expenses) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	return nil
}
