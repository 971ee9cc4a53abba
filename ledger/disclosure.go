package ledger

// DisclosureState answers the queries of the rules of the public disclosure board (会务公开), questions and objections.
type DisclosureState interface{}

var disclosureCommands = map[string]spec{}
