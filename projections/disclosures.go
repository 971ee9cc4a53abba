package projections

import "github.com/unionledger/unionledger/events"

// disclosures keeps disclosure items, questions and objections.
type disclosures struct{}

func (disclosures) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	return nil
}
