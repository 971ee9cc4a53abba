package projections

import "github.com/unionledger/unionledger/events"

// budgets keeps annual budgets, their approval chain and adjustments.
type budgets struct{}

func (budgets) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	return nil
}
