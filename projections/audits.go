package projections

import "github.com/unionledger/unionledger/events"

// audits keeps audits, findings and rectification.
type audits struct{}

func (audits) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	return nil
}
