package ledger

import "github.com/unionledger/unionledger/events"

// PeriodState answers the queries of the rules of periods: month and year close, reversals (红字冲销).
type PeriodState interface{}

var periodCommands = map[string]spec{}

// checkOpenPeriods refuses drafts that would post money into a closed month
// or year. Decide runs it on every command, so no area can forget it.
func checkOpenPeriods(st State, cmd Command, drafts []events.Draft) error {
	return nil
}
