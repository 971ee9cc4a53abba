package events

// periodTypes are the events of periods: month and year close, reversals (红字冲销).
var periodTypes = map[string]typeInfo{}
