package projections

import (
	"bytes"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// disclosures keeps the public disclosure board's items (会务公开), members'
// questions and objections to relief notices:
//
//	p/disc/item/<org>/<item>                        DisclosureItem (JSON)
//	p/disc/pub/<org>/<kind>0x00<date><item>         seq of publication: the board, by kind and date
//	p/disc/pubd/<org>/<date><item>                  kind: the board, by date
//	p/disc/q/<org>/<question>                       Question (JSON)
//	p/disc/iq/<org>/<item>0x00<question>            empty: questions on an item
//	p/disc/o/<org>/<objection>                      Objection (JSON)
//	p/disc/io/<org>/<item>0x00<objection>           empty: objections to an item
//	p/disc/open/<org>/<item>                        unresolved objections to the item
//
// Dates are accounting dates (fixed length, YYYY-MM-DD), so the item id
// that follows needs no separator. A superseded item keeps its place in
// the board indexes: it stays visible, marked, with a pointer to its
// correction.
type disclosures struct{}

// DisclosureItem is one item of the disclosure board as projected.
type DisclosureItem struct {
	Org             string                `json:"-"`
	ID              string                `json:"-"`
	Kind            events.DisclosureKind `json:"kind"`
	State           ledger.ItemState      `json:"state"`
	Title           string                `json:"title,omitempty"`
	Body            events.DisclosureBody `json:"body"`
	Drafter         string                `json:"drafter"`
	DraftedOn       string                `json:"drafted_on"`
	DraftSeq        uint64                `json:"draft_seq"`
	Approver        string                `json:"approver,omitempty"`
	ApprovedOn      string                `json:"approved_on,omitempty"`
	Publisher       string                `json:"publisher,omitempty"`
	PublishedOn     string                `json:"published_on,omitempty"`
	PublishedSeq    uint64                `json:"published_seq,omitempty"`
	Supersedes      string                `json:"supersedes,omitempty"`
	SupersededBy    string                `json:"superseded_by,omitempty"`
	SupersededOn    string                `json:"superseded_on,omitempty"`
	SupersededSeq   uint64                `json:"superseded_seq,omitempty"`
	SupersedeReason string                `json:"supersede_reason,omitempty"`
}

// Question is a member's question on a published item and its answer.
type Question struct {
	ID          string `json:"-"`
	Item        string `json:"item"`
	Text        string `json:"text"`
	Asker       string `json:"asker"`
	AskedOn     string `json:"asked_on"`
	AskedSeq    uint64 `json:"asked_seq"`
	Answer      string `json:"answer,omitempty"` // id of the answer item
	AnswerText  string `json:"answer_text,omitempty"`
	Answerer    string `json:"answerer,omitempty"`
	AnsweredOn  string `json:"answered_on,omitempty"`
	AnsweredSeq uint64 `json:"answered_seq,omitempty"`
}

// Objection is an objection to a relief notice and its resolution.
type Objection struct {
	ID          string                  `json:"-"`
	Item        string                  `json:"item"`
	Text        string                  `json:"text"`
	Objector    string                  `json:"objector"`
	RaisedOn    string                  `json:"raised_on"`
	RaisedSeq   uint64                  `json:"raised_seq"`
	Outcome     events.ObjectionOutcome `json:"outcome,omitempty"`
	Reason      string                  `json:"reason,omitempty"`
	Resolver    string                  `json:"resolver,omitempty"`
	ResolvedOn  string                  `json:"resolved_on,omitempty"`
	ResolvedSeq uint64                  `json:"resolved_seq,omitempty"`
}

func discItemKey(org, item string) []byte { return key(famProj, "disc/item/", org, "/", item) }
func discPubKey(org string, kind events.DisclosureKind, date, item string) []byte {
	return key(famProj, "disc/pub/", org, "/", string(kind), byte(0), date, item)
}
func discPubDateKey(org, date, item string) []byte {
	return key(famProj, "disc/pubd/", org, "/", date, item)
}
func discQKey(org, q string) []byte { return key(famProj, "disc/q/", org, "/", q) }
func discItemQKey(org, item, q string) []byte {
	return key(famProj, "disc/iq/", org, "/", item, byte(0), q)
}
func discOKey(org, o string) []byte { return key(famProj, "disc/o/", org, "/", o) }
func discItemOKey(org, item, o string) []byte {
	return key(famProj, "disc/io/", org, "/", item, byte(0), o)
}
func discOpenKey(org, item string) []byte { return key(famProj, "disc/open/", org, "/", item) }

func (disclosures) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	switch p := p.(type) {
	case events.HolidayCalendarAdopted:
		return setJSON(tx, key(famProj, "cal/", env.Org, "/", p.Year), p)
	case events.DisclosureDrafted:
		return setJSON(tx, discItemKey(env.Org, p.Item), DisclosureItem{
			Kind: p.Kind, State: ledger.ItemDrafted, Title: p.Title, Body: p.Body,
			Drafter: env.Actor, DraftedOn: env.Date, DraftSeq: env.Seq,
		})
	case events.DisclosureApproved:
		return updateItem(tx, env.Org, p.Item, func(it *DisclosureItem) error {
			it.State, it.Approver, it.ApprovedOn = ledger.ItemApproved, env.Actor, env.Date
			return nil
		})
	case events.DisclosurePublished:
		var kind events.DisclosureKind
		if err := updateItem(tx, env.Org, p.Item, func(it *DisclosureItem) error {
			it.State, it.Publisher, it.PublishedOn, it.PublishedSeq = ledger.ItemPublished, env.Actor, env.Date, env.Seq
			it.Supersedes = p.Supersedes
			kind = it.Kind
			return nil
		}); err != nil {
			return err
		}
		return indexPublished(tx, env, kind, p.Item)
	case events.DisclosureSuperseded:
		return updateItem(tx, env.Org, p.Item, func(it *DisclosureItem) error {
			it.State, it.SupersededBy, it.SupersededOn, it.SupersededSeq, it.SupersedeReason = ledger.ItemSuperseded, p.By, env.Date, env.Seq, p.Reason
			return nil
		})
	case events.QuestionAsked:
		if err := setJSON(tx, discQKey(env.Org, p.Question), Question{
			Item: p.Item, Text: p.Text, Asker: env.Actor, AskedOn: env.Date, AskedSeq: env.Seq,
		}); err != nil {
			return err
		}
		return tx.Set(discItemQKey(env.Org, p.Item, p.Question), nil)
	case events.QuestionAnswered:
		var q Question
		if err := mustGetJSON(tx, discQKey(env.Org, p.Question), &q); err != nil {
			return err
		}
		q.Answer, q.AnswerText, q.Answerer, q.AnsweredOn, q.AnsweredSeq = p.Answer, p.Text, env.Actor, env.Date, env.Seq
		if err := setJSON(tx, discQKey(env.Org, p.Question), q); err != nil {
			return err
		}
		// The answer is public at once, as an item of its own that can be
		// superseded like any other.
		if err := setJSON(tx, discItemKey(env.Org, p.Answer), DisclosureItem{
			Kind: events.DisclosureAnswer, State: ledger.ItemPublished,
			Body:    events.DisclosureBody{Answer: &events.AnswerBody{Question: p.Question, Item: p.Item, Text: p.Text}},
			Drafter: env.Actor, DraftedOn: env.Date, DraftSeq: env.Seq,
			Publisher: env.Actor, PublishedOn: env.Date, PublishedSeq: env.Seq,
		}); err != nil {
			return err
		}
		return indexPublished(tx, env, events.DisclosureAnswer, p.Answer)
	case events.ObjectionRaised:
		if err := setJSON(tx, discOKey(env.Org, p.Objection), Objection{
			Item: p.Item, Text: p.Text, Objector: env.Actor, RaisedOn: env.Date, RaisedSeq: env.Seq,
		}); err != nil {
			return err
		}
		if err := tx.Set(discItemOKey(env.Org, p.Item, p.Objection), nil); err != nil {
			return err
		}
		_, err := addInt(tx, discOpenKey(env.Org, p.Item), 1)
		return err
	case events.ObjectionResolved:
		var o Objection
		if err := mustGetJSON(tx, discOKey(env.Org, p.Objection), &o); err != nil {
			return err
		}
		o.Outcome, o.Reason, o.Resolver, o.ResolvedOn, o.ResolvedSeq = p.Outcome, p.Reason, env.Actor, env.Date, env.Seq
		if err := setJSON(tx, discOKey(env.Org, p.Objection), o); err != nil {
			return err
		}
		_, err := addInt(tx, discOpenKey(env.Org, o.Item), -1)
		return err
	}
	return nil
}

func indexPublished(tx *Tx, env events.Envelope, kind events.DisclosureKind, item string) error {
	if err := tx.Set(discPubKey(env.Org, kind, env.Date, item), be8(env.Seq)); err != nil {
		return err
	}
	return tx.Set(discPubDateKey(env.Org, env.Date, item), []byte(kind))
}

// mustGetJSON reads a record an earlier event must have written: the rules
// never let an event refer to a missing one, so its absence is a broken
// invariant, not a state.
func mustGetJSON(g getter, k []byte, v any) error {
	ok, err := getJSON(g, k, v)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("projections: record %q missing", k)
	}
	return nil
}

func updateItem(tx *Tx, org, item string, fn func(*DisclosureItem) error) error {
	var it DisclosureItem
	if err := mustGetJSON(tx, discItemKey(org, item), &it); err != nil {
		return err
	}
	if err := fn(&it); err != nil {
		return err
	}
	return setJSON(tx, discItemKey(org, item), it)
}

// Disclosure returns a disclosure item.
func (s view) Disclosure(org, item string) (ledger.DisclosureInfo, bool, error) {
	var it DisclosureItem
	ok, err := getJSON(s.g, discItemKey(org, item), &it)
	if err != nil || !ok {
		return ledger.DisclosureInfo{}, ok, err
	}
	return ledger.DisclosureInfo{
		Kind: it.Kind, State: it.State, Title: it.Title, Body: it.Body,
		Drafter: it.Drafter, Approver: it.Approver, PublishedOn: it.PublishedOn,
		Supersedes: it.Supersedes, SupersededBy: it.SupersededBy,
	}, true, nil
}

// Question returns a member's question.
func (s view) Question(org, question string) (ledger.QuestionInfo, bool, error) {
	var q Question
	ok, err := getJSON(s.g, discQKey(org, question), &q)
	if err != nil || !ok {
		return ledger.QuestionInfo{}, ok, err
	}
	return ledger.QuestionInfo{Item: q.Item, Asker: q.Asker, Answered: q.Answer != "", Answer: q.Answer}, true, nil
}

// Objection returns an objection to a relief notice.
func (s view) Objection(org, objection string) (ledger.ObjectionInfo, bool, error) {
	var o Objection
	ok, err := getJSON(s.g, discOKey(org, objection), &o)
	if err != nil || !ok {
		return ledger.ObjectionInfo{}, ok, err
	}
	return ledger.ObjectionInfo{Item: o.Item, Objector: o.Objector, Resolved: o.Outcome != "", Outcome: o.Outcome}, true, nil
}

// OpenObjections counts the unresolved objections to an item.
func (s view) OpenObjections(org, item string) (int, error) {
	n, err := getInt(s.g, discOpenKey(org, item))
	return int(n), err
}

// NoticeEnded reports whether item is a published, not superseded, relief
// notice whose last notice day is before date.
func (s view) NoticeEnded(org, item, date string) (bool, error) {
	var it DisclosureItem
	ok, err := getJSON(s.g, discItemKey(org, item), &it)
	if err != nil || !ok {
		return false, err
	}
	n := it.Body.ReliefNotice
	return it.State == ledger.ItemPublished && n != nil && n.NoticeEnd < date, nil
}

// DisclosureItem returns one item with everything the board shows of it.
func (s *Store) DisclosureItem(org, item string) (DisclosureItem, bool, error) {
	var it DisclosureItem
	ok, err := getJSON(s, discItemKey(org, item), &it)
	it.Org, it.ID = org, item
	return it, ok, err
}

// PublishedItems calls fn for the items published (including those since
// superseded) with a publication date in [from, to], in date then id
// order; kind "" lists every kind. Empty from or to leaves that end open.
// fn returning false stops the scan.
func (s *Store) PublishedItems(org string, kind events.DisclosureKind, from, to string, fn func(DisclosureItem) bool) error {
	var prefix []byte
	if kind == "" {
		prefix = key(famProj, "disc/pubd/", org, "/")
	} else {
		prefix = key(famProj, "disc/pub/", org, "/", string(kind), byte(0))
	}
	lo, hi := prefix, upper(prefix)
	if from != "" {
		lo = key(prefix, from)
	}
	if to != "" {
		hi = upper(key(prefix, to))
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		rest := it.Key()[len(prefix):]
		if len(rest) <= len("YYYY-MM-DD") {
			return fmt.Errorf("projections: corrupt board key %q", it.Key())
		}
		item, ok, err := s.DisclosureItem(org, string(rest[len("YYYY-MM-DD"):]))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("projections: board lists missing item %q", rest)
		}
		if !fn(item) {
			break
		}
	}
	return it.Error()
}

// scanIDs lists the ids after prefix (item 0x00 id), in id order.
func (s *Store) scanIDs(prefix []byte) ([]string, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []string
	for it.First(); it.Valid(); it.Next() {
		out = append(out, string(bytes.Clone(it.Key()[len(prefix):])))
	}
	return out, it.Error()
}

// QuestionsOn lists the questions asked on an item, in question-id order.
func (s *Store) QuestionsOn(org, item string) ([]Question, error) {
	ids, err := s.scanIDs(key(famProj, "disc/iq/", org, "/", item, byte(0)))
	if err != nil {
		return nil, err
	}
	out := make([]Question, 0, len(ids))
	for _, id := range ids {
		var q Question
		if err := mustGetJSON(s, discQKey(org, id), &q); err != nil {
			return nil, err
		}
		q.ID = id
		out = append(out, q)
	}
	return out, nil
}

// ObjectionsOn lists the objections to an item, in objection-id order.
func (s *Store) ObjectionsOn(org, item string) ([]Objection, error) {
	ids, err := s.scanIDs(key(famProj, "disc/io/", org, "/", item, byte(0)))
	if err != nil {
		return nil, err
	}
	out := make([]Objection, 0, len(ids))
	for _, id := range ids {
		var o Objection
		if err := mustGetJSON(s, discOKey(org, id), &o); err != nil {
			return nil, err
		}
		o.ID = id
		out = append(out, o)
	}
	return out, nil
}

// HolidayCalendar returns the union's adopted working-day calendar for a
// year (p/cal/<org>/<year>).
func (s view) HolidayCalendar(org, year string) (holidays, workdays []string, ok bool, err error) {
	var c events.HolidayCalendarAdopted
	ok, err = getJSON(s.g, key(famProj, "cal/", org, "/", year), &c)
	return c.Holidays, c.Workdays, ok, err
}

// PostedBetween is the debit-positive net of the postings to an account
// with accounting dates from through to, both included. It reads the
// balance buckets (p/by, p/bm, p/bd): whole years, then whole months, then
// single days, so a quarter is three lookups and the cost depends on the
// period's length, never on the history's. Point lookups only, so it
// answers the same on the committed store and on a scratch view, where
// the events decided earlier in the group are visible.
func (s view) PostedBetween(org, account, from, to string) (events.Fen, error) {
	d, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return 0, fmt.Errorf("projections: PostedBetween from %q: %w", from, err)
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return 0, fmt.Errorf("projections: PostedBetween to %q: %w", to, err)
	}
	var total int64
	add := func(fam, bucket string) error {
		v, err := getInt(s.g, key(famProj, fam, org, "/", account, byte(0), bucket))
		total += v
		return err
	}
	for !d.After(end) {
		var err error
		switch {
		case d.YearDay() == 1 && !d.AddDate(1, 0, -1).After(end):
			err = add("by/", d.Format("2006"))
			d = d.AddDate(1, 0, 0)
		case d.Day() == 1 && !d.AddDate(0, 1, -1).After(end):
			err = add("bm/", d.Format("2006-01"))
			d = d.AddDate(0, 1, 0)
		default:
			err = add("bd/", d.Format(time.DateOnly))
			d = d.AddDate(0, 0, 1)
		}
		if err != nil {
			return 0, err
		}
	}
	return events.Fen(total), nil
}
