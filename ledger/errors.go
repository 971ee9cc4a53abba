// Package ledger is the write side: commands, the rules that decide them,
// the per-org state they decide on and the append path that turns decided
// events into an ordered, hash-chained, durable log.
package ledger

import (
	"errors"
	"fmt"
)

// Code is a stable, documented error code. Clients switch on it; the
// message is for people. docs/api.md lists every code.
type Code string

// Error codes. They never change meaning once published.
const (
	CodeMalformed       Code = "malformed"         // the request is not valid JSON of the right shape
	CodeTooLarge        Code = "too_large"         // the request body or batch is over its limit
	CodeUnknownCommand  Code = "unknown_command"   // no such command type
	CodeUnknownOrg      Code = "unknown_org"       // the org has not been opened
	CodeOrgExists       Code = "org_exists"        // open_org for an org that is already open
	CodeInvalid         Code = "invalid"           // a field is missing or malformed
	CodeInvalidAmount   Code = "invalid_amount"    // an amount is not a positive decimal yuan string
	CodeUnknownAccount  Code = "unknown_account"   // not a postable account of the org's chart
	CodeDuplicateRecpt  Code = "duplicate_receipt" // receipt number already used in that book
	CodeOverdraft       Code = "overdraft"         // a payment would take a fund below zero
	CodeCommandIDReused Code = "command_id_reused" // same command id, different command
	CodeWrongRole       Code = "wrong_role"        // the actor does not hold a role that may do this
	CodeUnknownPerson   Code = "unknown_person"    // the person is not registered in this union
	CodePersonErased    Code = "person_erased"     // the person's data was erased
	CodeStateConflict   Code = "state_conflict"    // the thing is not in a state that allows this
	CodeUnknownRef      Code = "unknown_reference" // the command refers to an expense, budget, case… that does not exist
	CodeSelfApproval    Code = "self_approval"     // requester, approver and payee must be three different people
	CodeAlreadyDecided  Code = "already_decided"   // approved, rejected or closed before
	CodeNotApproved     Code = "not_approved"      // paying or acting on something not (yet) approved
	CodeNeedsCollective Code = "needs_collective"  // a large item needs a recorded collective decision first
	CodeOverBudget      Code = "over_budget"       // spending beyond the approved budget line
	CodeOverCap         Code = "over_cap"          // a welfare cap per member and year would be exceeded
	CodeNotFestival     Code = "not_festival"      // festival gifts only on statutory or approved festivals
	CodeProhibited      Code = "prohibited"        // lending, guarantees, cash gifts, off-book funds…
	CodeNoticePeriod    Code = "notice_period"     // the public notice has not run its minimum time
	CodePeriodClosed    Code = "period_closed"     // nothing is posted into a closed month or year
	CodeBadSignature    Code = "bad_signature"     // the signature does not verify, or was already used
	CodeKeyRevoked      Code = "key_revoked"       // the signing key was revoked
	CodeUnauthenticated Code = "unauthenticated"   // no valid API token
	CodeForbidden       Code = "forbidden"         // the token does not act for that person or union
	CodeNotFound        Code = "not_found"         // a queried thing does not exist
	CodeUnavailable     Code = "unavailable"       // the ledger is starting, stopping or cannot reach its log
	CodeInternal        Code = "internal"          // a bug or a broken invariant; see the server log
)

// Codes lists every error code, for documentation and exhaustive tests.
func Codes() []Code {
	return []Code{CodeMalformed, CodeTooLarge, CodeUnknownCommand, CodeUnknownOrg, CodeOrgExists, CodeInvalid,
		CodeInvalidAmount, CodeUnknownAccount, CodeDuplicateRecpt, CodeOverdraft, CodeCommandIDReused,
		CodeWrongRole, CodeUnknownPerson, CodePersonErased, CodeStateConflict, CodeUnknownRef, CodeSelfApproval,
		CodeAlreadyDecided, CodeNotApproved, CodeNeedsCollective, CodeOverBudget, CodeOverCap, CodeNotFestival,
		CodeProhibited, CodeNoticePeriod, CodePeriodClosed, CodeBadSignature, CodeKeyRevoked,
		CodeUnauthenticated, CodeForbidden, CodeNotFound, CodeUnavailable, CodeInternal}
}

// Error is the one error type of the ledger. Rule names the rule of
// docs/rules.md that refused the command, where one did.
type Error struct {
	Code    Code
	Rule    string
	Message string
}

func (e *Error) Error() string {
	if e.Rule != "" {
		return fmt.Sprintf("%s: %s (rule %s)", e.Code, e.Message, e.Rule)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf builds a coded error.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ruleErr builds a coded error that names the rule it enforces.
func ruleErr(code Code, rule, format string, args ...any) *Error {
	return &Error{Code: code, Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, CodeInternal for uncoded errors.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the human message of err; uncoded errors are not
// shown to clients, since they may carry internals.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		if e.Rule != "" {
			return e.Message + " (rule " + e.Rule + ")"
		}
		return e.Message
	}
	return "internal error"
}
