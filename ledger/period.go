package ledger

// PeriodState answers the queries of the rules of periods: month and year close, reversals (红字冲销).
type PeriodState interface{}

var periodCommands = map[string]spec{}
