package events

// budgetTypes are the events of annual budgets (预算) and their adjustments.
var budgetTypes = map[string]typeInfo{}
