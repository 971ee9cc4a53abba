package projections

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// audits keeps audits, findings and their rectification (整改):
//
//	p/audit/last/<org>                        org seq of the org's latest event
//	p/audit/exp/<org>/<expense>               seq of the first event about expense:<expense>
//	p/audit/a/<org>/<audit>                   AuditRecord (JSON)
//	p/audit/f/<org>/<finding>                 FindingRecord (JSON)
//	p/audit/af/<org>/<audit>0x00<finding>     empty: the findings of an audit, in id order
//	p/audit/dl/<org>/<deadline>0x00<finding>  empty: rectification deadlines, in date order
//
// The first two exist so findings can name events and expenses that must
// exist: the rules decide on a scratch view in which the event copies
// (e/) and heads (m/) hold only durable events, while projection keys also
// hold the events decided earlier in the same group. That costs one small
// write per event.
type audits struct{}

// AuditRecord is an audit and where it stands.
type AuditRecord struct {
	ID    string           `json:"id"`
	Kind  events.AuditKind `json:"kind"`
	Role  events.Role      `json:"role"`
	Scope string           `json:"scope"`
	From  string           `json:"from"`
	To    string           `json:"to"`
	// Seq, Date and By are the audit_opened event's org sequence,
	// accounting date and actor.
	Seq  uint64 `json:"seq"`
	Date string `json:"date"`
	By   string `json:"by"`
	// Findings counts the findings recorded, superseded ones included.
	Findings int `json:"findings"`
	// Open lists, sorted, the findings whose required rectification is not
	// accepted yet (superseded findings leave it).
	Open []string `json:"open,omitempty"`
	// Closing, set by audit_closed.
	ClosedSeq    uint64   `json:"closed_seq,omitempty"`
	ClosedDate   string   `json:"closed_date,omitempty"`
	Conclusion   string   `json:"conclusion,omitempty"`
	OpenItems    string   `json:"open_items,omitempty"`
	OpenFindings []string `json:"open_findings,omitempty"`
}

// Closed reports whether the audit was closed.
func (a AuditRecord) Closed() bool { return a.ClosedSeq > 0 }

// FindingRecord is a finding with the state of its rectification. Every
// step stays in the log (aggregate audit:<id>); the record keeps the
// latest of each.
type FindingRecord struct {
	ID         string          `json:"id"`
	Audit      string          `json:"audit"`
	Severity   events.Severity `json:"severity"`
	Text       string          `json:"text"`
	Events     []uint64        `json:"events,omitempty"`
	Expenses   []string        `json:"expenses,omitempty"`
	Amount     events.Fen      `json:"amount_fen,omitempty"`
	Supersedes string          `json:"supersedes,omitempty"`
	Seq        uint64          `json:"seq"`
	Date       string          `json:"date"`
	By         string          `json:"by"`
	// SupersededBy is the finding that corrected this one, from
	// SupersededDate on.
	SupersededBy   string `json:"superseded_by,omitempty"`
	SupersededDate string `json:"superseded_date,omitempty"`
	// Rectification: the demand, the latest submission and decision.
	Rect          ledger.RectStatus `json:"rectification,omitempty"`
	Deadline      string            `json:"deadline,omitempty"`
	Action        string            `json:"action,omitempty"`
	RequiredDate  string            `json:"required_date,omitempty"`
	Submissions   int               `json:"submissions,omitempty"`
	SubmittedDate string            `json:"submitted_date,omitempty"`
	Evidence      string            `json:"evidence,omitempty"`
	Documents     []string          `json:"documents,omitempty"`
	Rejections    int               `json:"rejections,omitempty"`
	DecidedDate   string            `json:"decided_date,omitempty"`
	Reason        string            `json:"reason,omitempty"`
	AcceptedDate  string            `json:"accepted_date,omitempty"`
	// StepDate is the accounting date of the latest step.
	StepDate string `json:"step_date"`
}

func auditKey(org, id string) []byte   { return key(famProj, "audit/a/", org, "/", id) }
func findingKey(org, id string) []byte { return key(famProj, "audit/f/", org, "/", id) }
func auditLastKey(org string) []byte   { return keyOf(famProj, "audit/last/", org) }
func auditExpKey(org, id string) []byte {
	return key(famProj, "audit/exp/", org, "/", id)
}

func (audits) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	if err := tx.Set(auditLastKey(env.Org), be8(env.Seq)); err != nil {
		return err
	}
	if id, ok := strings.CutPrefix(env.Aggregate, "expense:"); ok {
		k := auditExpKey(env.Org, id)
		if _, seen, err := tx.Get(k); err != nil {
			return err
		} else if !seen {
			if err := tx.Set(k, be8(env.Seq)); err != nil {
				return err
			}
		}
	}
	switch p := p.(type) {
	case events.AuditOpened:
		return setJSON(tx, auditKey(env.Org, p.Audit), AuditRecord{
			ID: p.Audit, Kind: p.Kind, Role: p.Role, Scope: p.Scope, From: p.From, To: p.To,
			Seq: env.Seq, Date: env.Date, By: env.Actor,
		})
	case events.FindingRecorded:
		return applyFinding(tx, env, p)
	case events.RectificationRequired:
		if err := tx.Set(key(famProj, "audit/dl/", env.Org, "/", p.Deadline, byte(0), p.Finding), nil); err != nil {
			return err
		}
		if err := updateAudit(tx, env.Org, p.Audit, func(a *AuditRecord) { a.Open = addSorted(a.Open, p.Finding) }); err != nil {
			return err
		}
		return updateFinding(tx, env, p.Finding, func(f *FindingRecord) {
			f.Rect, f.Deadline, f.Action, f.RequiredDate = ledger.RectRequired, p.Deadline, p.Action, env.Date
		})
	case events.RectificationSubmitted:
		return updateFinding(tx, env, p.Finding, func(f *FindingRecord) {
			f.Rect, f.SubmittedDate, f.Evidence, f.Documents = ledger.RectSubmitted, env.Date, p.Evidence, p.Documents
			f.Submissions++
		})
	case events.RectificationRejected:
		return updateFinding(tx, env, p.Finding, func(f *FindingRecord) {
			f.Rect, f.DecidedDate, f.Reason = ledger.RectRejected, env.Date, p.Reason
			f.Rejections++
		})
	case events.RectificationAccepted:
		if err := updateAudit(tx, env.Org, p.Audit, func(a *AuditRecord) { a.Open = removeSorted(a.Open, p.Finding) }); err != nil {
			return err
		}
		return updateFinding(tx, env, p.Finding, func(f *FindingRecord) {
			f.Rect, f.DecidedDate, f.Reason, f.AcceptedDate = ledger.RectAccepted, env.Date, p.Reason, env.Date
		})
	case events.AuditClosed:
		return updateAudit(tx, env.Org, p.Audit, func(a *AuditRecord) {
			a.ClosedSeq, a.ClosedDate, a.Conclusion, a.OpenItems, a.OpenFindings = env.Seq, env.Date, p.Conclusion, p.OpenItems, p.OpenFindings
		})
	}
	return nil
}

func applyFinding(tx *Tx, env events.Envelope, p events.FindingRecorded) error {
	if err := setJSON(tx, findingKey(env.Org, p.Finding), FindingRecord{
		ID: p.Finding, Audit: p.Audit, Severity: p.Severity, Text: p.Text, Events: p.Events, Expenses: p.Expenses,
		Amount: p.Amount, Supersedes: p.Supersedes, Seq: env.Seq, Date: env.Date, By: env.Actor, StepDate: env.Date,
	}); err != nil {
		return err
	}
	if err := tx.Set(key(famProj, "audit/af/", env.Org, "/", p.Audit, byte(0), p.Finding), nil); err != nil {
		return err
	}
	if err := updateAudit(tx, env.Org, p.Audit, func(a *AuditRecord) {
		a.Findings++
		if p.Supersedes != "" {
			a.Open = removeSorted(a.Open, p.Supersedes)
		}
	}); err != nil {
		return err
	}
	if p.Supersedes == "" {
		return nil
	}
	var old FindingRecord
	if ok, err := getJSON(tx, findingKey(env.Org, p.Supersedes), &old); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("finding %s supersedes unknown finding %s", p.Finding, p.Supersedes)
	}
	old.SupersededBy, old.SupersededDate = p.Finding, env.Date
	return setJSON(tx, findingKey(env.Org, p.Supersedes), old)
}

// updateAudit and updateFinding read, change and write one record. An
// event about a missing record means the log breaks the rules it was
// decided under: the projector stops on it rather than guess.
func updateAudit(tx *Tx, org, id string, fn func(*AuditRecord)) error {
	var a AuditRecord
	if ok, err := getJSON(tx, auditKey(org, id), &a); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("unknown audit %s", id)
	}
	fn(&a)
	return setJSON(tx, auditKey(org, id), a)
}

func updateFinding(tx *Tx, env events.Envelope, id string, fn func(*FindingRecord)) error {
	var f FindingRecord
	if ok, err := getJSON(tx, findingKey(env.Org, id), &f); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("unknown finding %s", id)
	}
	fn(&f)
	f.StepDate = env.Date
	return setJSON(tx, findingKey(env.Org, id), f)
}

func addSorted(s []string, v string) []string {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s
	}
	return slices.Insert(s, i, v)
}

func removeSorted(s []string, v string) []string {
	i, found := slices.BinarySearch(s, v)
	if !found {
		return s
	}
	return slices.Delete(s, i, i+1)
}

// Audit returns what the rules need to know of an audit.
func (s view) Audit(org, id string) (ledger.AuditInfo, bool, error) {
	var a AuditRecord
	ok, err := getJSON(s.g, auditKey(org, id), &a)
	if err != nil || !ok {
		return ledger.AuditInfo{}, ok, err
	}
	return ledger.AuditInfo{Role: a.Role, Date: a.Date, Closed: a.Closed(), Open: a.Open}, true, nil
}

// Finding returns what the rules need to know of a finding.
func (s view) Finding(org, id string) (ledger.FindingInfo, bool, error) {
	var f FindingRecord
	ok, err := getJSON(s.g, findingKey(org, id), &f)
	if err != nil || !ok {
		return ledger.FindingInfo{}, ok, err
	}
	return ledger.FindingInfo{Audit: f.Audit, SupersededBy: f.SupersededBy, Rect: f.Rect, StepDate: f.StepDate}, true, nil
}

// EventSeqKnown reports whether the org has an event with that sequence:
// org sequences are gapless, so it is any seq from 1 to the latest.
func (s view) EventSeqKnown(org string, seq uint64) (bool, error) {
	last, err := getInt(s.g, auditLastKey(org))
	return seq >= 1 && seq <= uint64(last), err
}

// ExpenseIDKnown reports whether any event was about expense:<id>.
func (s view) ExpenseIDKnown(org, id string) (bool, error) {
	_, ok, err := s.g.Get(auditExpKey(org, id))
	return ok, err
}

// Audits lists the org's audits in id order.
func (s *Store) Audits(org string) ([]AuditRecord, error) {
	var out []AuditRecord
	err := s.scanAudits(key(famProj, "audit/a/", org, "/"), func(_ []byte, v []byte) error {
		var a AuditRecord
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("projections: corrupt audit record: %w", err)
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// AuditByID returns one audit, ok=false if there is none with the id.
func (s *Store) AuditByID(org, id string) (AuditRecord, bool, error) {
	var a AuditRecord
	ok, err := getJSON(s, auditKey(org, id), &a)
	return a, ok, err
}

// FindingByID returns one finding, ok=false if there is none with the id.
func (s *Store) FindingByID(org, id string) (FindingRecord, bool, error) {
	var f FindingRecord
	ok, err := getJSON(s, findingKey(org, id), &f)
	return f, ok, err
}

// Findings lists an audit's findings in id order, superseded ones
// included (SupersededBy says which replaced them).
func (s *Store) Findings(org, audit string) ([]FindingRecord, error) {
	prefix := key(famProj, "audit/af/", org, "/", audit, byte(0))
	var out []FindingRecord
	err := s.scanAudits(prefix, func(k, _ []byte) error {
		f, ok, err := s.FindingByID(org, string(k[len(prefix):]))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("projections: audit %s lists missing finding %q", audit, k[len(prefix):])
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

// FindingsOverdue lists, as of accounting date date (YYYY-MM-DD), the
// findings whose rectification is past its deadline: required on or before
// date, with a deadline before date, not accepted on or before date, and
// not superseded on or before date. A submission awaiting decision does
// not stop the clock; its Rect and SubmittedDate tell the committee so.
// Results come in deadline order, then by finding id. The funds-review
// committee's flags use it; it reads the deadline index, so it costs the
// findings with earlier deadlines, not the whole history.
func (s *Store) FindingsOverdue(org, date string) ([]FindingRecord, error) {
	if !events.ValidDate(date) {
		return nil, ledger.Errorf(ledger.CodeInvalid, "date %q is not a date (YYYY-MM-DD)", date)
	}
	prefix := key(famProj, "audit/dl/", org, "/")
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: key(prefix, date)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []FindingRecord
	for it.First(); it.Valid(); it.Next() {
		rest := it.Key()[len(prefix):]
		if len(rest) < 11 || rest[10] != 0 {
			return nil, fmt.Errorf("projections: corrupt deadline key %q", it.Key())
		}
		id := string(rest[11:])
		f, ok, err := s.FindingByID(org, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("projections: deadline index names missing finding %q", id)
		}
		switch {
		case f.RequiredDate > date,
			f.AcceptedDate != "" && f.AcceptedDate <= date,
			f.SupersededDate != "" && f.SupersededDate <= date:
			continue
		}
		out = append(out, f)
	}
	return out, it.Error()
}

// scanAudits calls fn for every key and value under prefix, in key order.
func (s *Store) scanAudits(prefix []byte, fn func(k, v []byte) error) error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		if err := fn(it.Key(), it.Value()); err != nil {
			return err
		}
	}
	return it.Error()
}
