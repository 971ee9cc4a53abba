package events

// disclosureTypes are the events of the public disclosure board (会务公开), questions and objections.
var disclosureTypes = map[string]typeInfo{}
