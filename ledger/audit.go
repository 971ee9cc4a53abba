package ledger

// AuditState answers the queries of the rules of audits by the funds-review committee and upper-level auditors.
type AuditState interface{}

var auditCommands = map[string]spec{}
