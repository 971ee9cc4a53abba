package events

// auditTypes are the events of audits by the funds-review committee and upper-level auditors.
var auditTypes = map[string]typeInfo{}
