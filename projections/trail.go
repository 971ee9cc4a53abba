package projections

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// trails indexes what the audit trail needs beyond the aggregate and actor
// indexes (i/agg/, i/act/): the events that concern a subject without being
// events of its aggregate. A dues receipt is an event of the member's
// aggregate, but the receipt itself is a field; a collective decision lists
// the expenses it covers; a welfare round names its members.
//
//	p/trail/<org>/m/<kind>0x00<id>0x00<seq>   empty: event seq concerns subject (kind, id)
//	p/trail/<org>/l/<aggregate>               JSON [[kind, id], …]: every later event of (or naming) the
//	                                          aggregate also concerns these subjects; besides real
//	                                          aggregates, "finding:<audit>/<finding>" (its rectification)
//
// Kinds are expense, relief, budget, member and receipt (id = book 0x00
// number). A trail is then a merge, in org-sequence order, of one or more
// prefix scans: i/agg/ of the subject's aggregates and its m/ keys. Links
// carry a subject along the aggregates that follow from it: a relief case's
// expense (the chair's signature, the payment), the notice that listed it,
// the rectification of a finding on an expense. Everything is written by
// events in log order from point reads, so a rebuild writes the same keys.
type trails struct{}

// trailRef names one subject in the index: its kind and id.
type trailRef [2]string

func trailMentionPrefix(org, kind, id string) []byte {
	return key(famProj, "trail/", org, "/m/", kind, byte(0), id, byte(0))
}

func trailLinkKey(org, aggregate string) []byte {
	return key(famProj, "trail/", org, "/l/", aggregate)
}

// trailReceiptID is how a receipt is named in the index: book 0x00 number, so
// that book B number 1 never matches a scan for B/10.
func trailReceiptID(r events.Receipt) string { return r.Book + "\x00" + r.Number }

// trailSubjectOf is the trail subject an aggregate is itself, if any.
func trailSubjectOf(aggregate string) (trailRef, bool) {
	kind, id, ok := strings.Cut(aggregate, ":")
	if !ok {
		return trailRef{}, false
	}
	switch kind {
	case "expense", "relief", "budget", "member":
		return trailRef{kind, id}, true
	case "person":
		return trailRef{"member", id}, true
	}
	return trailRef{}, false
}

func (trails) Apply(tx *Tx, env events.Envelope, p events.Payload) error {
	own, _ := trailSubjectOf(env.Aggregate)
	var (
		touched []string              // other aggregates the event concerns
		direct  []trailRef            // subjects it names in fields
		links   map[string][]trailRef // made by the first link: most events make none
		linkOrd []string              // link aggregates in the order created (determinism)
	)
	link := func(agg string, refs ...trailRef) {
		if links == nil {
			links = map[string][]trailRef{}
		}
		if _, ok := links[agg]; !ok {
			linkOrd = append(linkOrd, agg)
		}
		links[agg] = append(links[agg], refs...)
	}
	receipt := func(r events.Receipt) {
		direct = append(direct, trailRef{"receipt", trailReceiptID(r)})
	}
	// cite adds what an event cited by sequence concerns: its aggregate
	// and, for money in, its receipt.
	cite := func(seq uint64) error {
		agg, r, err := trailCited(tx, env.Org, seq)
		if err != nil {
			return err
		}
		if agg != "" {
			touched = append(touched, agg)
		}
		if r != nil {
			receipt(*r)
		}
		return nil
	}
	// decisionAt: a decision cited by id joins the trail of ref at its own
	// (earlier) sequence.
	type cited struct {
		decision string
		ref      trailRef
	}
	var decisionAt []cited
	switch p := p.(type) {
	case events.KeyRegistered:
		direct = append(direct, trailRef{"member", p.Person})
	case events.KeyRevoked:
		direct = append(direct, trailRef{"member", p.Person})
	case events.DuesReceived:
		receipt(p.Receipt)
	case events.AllocationReceived:
		receipt(p.Receipt)
	case events.SubsidyReceived:
		receipt(p.Receipt)
	case events.IncomeReceived:
		receipt(p.Receipt)
	case events.ExpenseRequested:
		if p.PayeePerson != "" {
			direct = append(direct, trailRef{"member", p.PayeePerson})
			link(env.Aggregate, trailRef{"member", p.PayeePerson})
		}
		if p.Decision != "" {
			decisionAt = append(decisionAt, cited{p.Decision, trailRef{"expense", p.Expense}})
		}
	case events.CollectiveDecisionRecorded:
		for _, e := range p.Expenses {
			touched = append(touched, "expense:"+e)
		}
	case events.ReliefApplied:
		direct = append(direct, trailRef{"member", p.Person})
		link(env.Aggregate, trailRef{"member", p.Person})
	case events.ReliefDecided:
		touched = append(touched, "expense:"+p.Expense)
		link("expense:"+p.Expense, trailRef{"relief", p.Case})
		decisionAt = append(decisionAt, cited{p.Decision, trailRef{"relief", p.Case}})
	case events.WelfareRoundPlanned:
		touched = append(touched, "expense:"+p.Expense)
		for _, m := range p.Members {
			direct = append(direct, trailRef{"member", m})
			link(env.Aggregate, trailRef{"member", m})
		}
	case events.ReversalPosted:
		if err := cite(p.OriginalSeq); err != nil {
			return err
		}
	case events.FindingRecorded:
		for _, e := range p.Expenses {
			touched = append(touched, "expense:"+e)
		}
		for _, n := range p.Events {
			if err := cite(n); err != nil {
				return err
			}
		}
	case events.RectificationRequired:
		touched = append(touched, "finding:"+p.Audit+"/"+p.Finding)
	case events.RectificationSubmitted:
		touched = append(touched, "finding:"+p.Audit+"/"+p.Finding)
	case events.RectificationAccepted:
		touched = append(touched, "finding:"+p.Audit+"/"+p.Finding)
	case events.RectificationRejected:
		touched = append(touched, "finding:"+p.Audit+"/"+p.Finding)
	case events.DisclosureDrafted:
		switch {
		case p.Body.LargeExpense != nil && p.Body.LargeExpense.Expense != "":
			touched = append(touched, "expense:"+p.Body.LargeExpense.Expense)
		case p.Body.ReliefNotice != nil:
			for _, e := range p.Body.ReliefNotice.Entries {
				if e.Case != "" {
					touched = append(touched, "relief:"+e.Case)
				}
			}
		case p.Body.BudgetFinal != nil:
			touched = append(touched, "budget:"+p.Body.BudgetFinal.Year)
		}
	case events.QuestionAsked:
		touched = append(touched, "disclosure:"+p.Item)
	case events.QuestionAnswered:
		touched = append(touched, "disclosure:"+p.Item)
	case events.ObjectionRaised:
		touched = append(touched, "disclosure:"+p.Item)
	case events.ObjectionResolved:
		touched = append(touched, "disclosure:"+p.Item)
	}

	// The subjects of this event: named in fields, the aggregates it
	// touches, and whatever is linked to those and to its own aggregate.
	// Most events have one or two subjects: a set is made only for the
	// events that list many (a welfare round's members).
	var (
		subjects []trailRef
		seen     map[trailRef]bool
	)
	add := func(refs ...trailRef) {
		for _, r := range refs {
			if r == own {
				continue
			}
			if seen == nil && len(subjects) >= 16 {
				seen = make(map[trailRef]bool, 2*len(subjects))
				for _, s := range subjects {
					seen[s] = true
				}
			}
			if seen != nil {
				if seen[r] {
					continue
				}
				seen[r] = true
			} else if slices.Contains(subjects, r) {
				continue
			}
			subjects = append(subjects, r)
		}
	}
	add(direct...)
	// The event that first uses a receipt needs no mention of it: the
	// receipt's uniqueness key (receipts, applied before) holds its seq.
	var firstUse trailRef
	if r, ok := p.(events.Receipted); ok {
		if k := receiptKey(env.Org, r.ReceiptRef()); k != nil {
			v, ok, err := tx.Get(k)
			if err != nil {
				return err
			}
			if seq, err := receiptSeq(v); ok && err == nil && seq == env.Seq {
				firstUse = trailRef{"receipt", trailReceiptID(r.ReceiptRef())}
			}
		}
	}
	for _, agg := range append(touched, env.Aggregate) {
		if s, ok := trailSubjectOf(agg); ok && agg != env.Aggregate {
			add(s)
		}
		refs, err := trailLinks(tx, env.Org, agg)
		if err != nil {
			return err
		}
		add(refs...)
	}
	for _, s := range subjects {
		if s == firstUse {
			continue // found through the receipt's uniqueness key (TrailPage)
		}
		if err := tx.Set(keySeq(env.Seq, famProj, "trail/", env.Org, "/m/", s[0], "\x00", s[1], "\x00"), nil); err != nil {
			return err
		}
	}
	// What the event carries over to later events: a finding's
	// rectification concerns what the finding concerns; a disclosure item's
	// approval and publication what its draft listed.
	switch p := p.(type) {
	case events.FindingRecorded:
		link("finding:"+p.Audit+"/"+p.Finding, subjects...)
	case events.DisclosureDrafted:
		link(env.Aggregate, subjects...)
	}
	for _, agg := range linkOrd {
		if err := addTrailLinks(tx, env.Org, agg, links[agg]); err != nil {
			return err
		}
	}
	// A decision cited by id was recorded earlier: it joins the trail at
	// its own sequence.
	for _, d := range decisionAt {
		var info ledger.DecisionInfo
		ok, err := getJSON(tx, decisionKey(env.Org, d.decision), &info)
		if err != nil {
			return err
		}
		if ok {
			if err := tx.Set(key(trailMentionPrefix(env.Org, d.ref[0], d.ref[1]), info.Seq), nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// trailCited reads an earlier event of the org: its aggregate and, if it
// took money in, its receipt. A sequence not stored (a reference the rules
// would not have let through) concerns nothing. Read with eventAt, so a
// scratch view finds an event decided in its group or the group in flight,
// as the projector later finds its copy.
func trailCited(g getter, org string, seq uint64) (string, *events.Receipt, error) {
	env, p, ok, err := eventAt(g, org, seq)
	if err != nil || !ok {
		return "", nil, err
	}
	if r, ok := p.(events.Receipted); ok {
		rc := r.ReceiptRef()
		return env.Aggregate, &rc, nil
	}
	return env.Aggregate, nil, nil
}

// trailLinkable reports whether links can be kept on an aggregate: only the
// aggregates trails.Apply links (an expense's payee, a relief case's member
// and expense, a welfare round's members, a disclosure item's subjects, a
// finding's rectification). Every other aggregate has no link list, so the
// projection need not look one up: a dues receipt's member aggregate, the
// most common event, costs no read.
func trailLinkable(aggregate string) bool {
	kind, _, ok := strings.Cut(aggregate, ":")
	if !ok {
		return false
	}
	switch kind {
	case "expense", "relief", "welfare-round", "disclosure", "finding":
		return true
	}
	return false
}

func trailLinks(g getter, org, aggregate string) ([]trailRef, error) {
	if !trailLinkable(aggregate) {
		return nil, nil
	}
	var refs []trailRef
	_, err := getJSON(g, trailLinkKey(org, aggregate), &refs)
	return refs, err
}

func addTrailLinks(tx *Tx, org, aggregate string, add []trailRef) error {
	if !trailLinkable(aggregate) {
		return fmt.Errorf("projections: trail links on %q, an aggregate trailLinkable does not list", aggregate)
	}
	refs, err := trailLinks(tx, org, aggregate)
	if err != nil {
		return err
	}
	n := len(refs)
	for _, r := range add {
		dup := false
		for _, have := range refs {
			if have == r {
				dup = true
				break
			}
		}
		if !dup {
			refs = append(refs, r)
		}
	}
	if len(refs) == n {
		return nil
	}
	return setJSON(tx, trailLinkKey(org, aggregate), refs)
}

// ---------------------------------------------------------------------
// The query

// Trail subject kinds.
const (
	TrailExpense = "expense" // an expense id
	TrailRelief  = "relief"  // a relief case id
	TrailReceipt = "receipt" // a receipt: book and number
	TrailBudget  = "budget"  // a budget year (YYYY), with its adjustments
	TrailMember  = "member"  // a person as a member: everything about them
	TrailActor   = "actor"   // a person as an actor: everything they did
)

// TrailKinds lists the subject kinds.
func TrailKinds() []string {
	return []string{TrailExpense, TrailRelief, TrailReceipt, TrailBudget, TrailMember, TrailActor}
}

// TrailSubject is what a trail is about. For a receipt, ID is the book and
// Number the receipt number.
type TrailSubject struct {
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Number string `json:"number,omitempty"`
}

// String names the subject for people: "expense E-1", "receipt B/000001".
func (s TrailSubject) String() string {
	if s.Kind == TrailReceipt {
		return s.Kind + " " + s.ID + "/" + s.Number
	}
	return s.Kind + " " + s.ID
}

// Trail is the whole story of a subject, in org-sequence order.
type Trail struct {
	Org      string       `json:"org"`
	Subject  TrailSubject `json:"subject"`
	AsOfSeq  uint64       `json:"as_of_seq,omitempty"`
	AsOfDate string       `json:"as_of_date,omitempty"`
	Chart    string       `json:"chart"`
	Steps    []TrailStep  `json:"steps"`
	// NextAfter is set when the page is full and more steps follow: ask
	// again with after = NextAfter.
	NextAfter uint64 `json:"next_after,omitempty"`
}

// TrailStep is one event of a trail: who did what, when, in which role,
// with which signature, decision and documents.
type TrailStep struct {
	Seq       uint64          `json:"seq"`
	Date      string          `json:"date"`     // accounting date
	Recorded  string          `json:"recorded"` // when the ledger recorded it
	Type      string          `json:"type"`
	Action    string          `json:"action"` // "requested", "approved", "paid", …
	Object    string          `json:"object"` // what it acted on: "expense E-1", "budget 2025"
	Aggregate string          `json:"aggregate"`
	Actor     string          `json:"actor"`
	Roles     []TrailRole     `json:"roles"` // held by the actor when the command was decided
	Note      string          `json:"note,omitempty"`
	Amounts   []TrailAmount   `json:"amounts,omitempty"`
	Lines     []TrailLine     `json:"lines,omitempty"` // budget lines
	Postings  []TrailLine     `json:"postings,omitempty"`
	Receipt   *events.Receipt `json:"receipt,omitempty"`
	Signature *TrailSignature `json:"signature,omitempty"`
	Decision  *TrailDecision  `json:"decision,omitempty"`
	Documents []TrailDocument `json:"documents,omitempty"`
	EventID   string          `json:"event_id"`
	Command   string          `json:"command"`
	Hash      string          `json:"hash"`
}

// TrailRole is a role with its Chinese and English names.
type TrailRole struct {
	Role   events.Role `json:"role"`
	NameZH string      `json:"name_zh"`
	NameEN string      `json:"name_en"`
}

// TrailAmount is a named amount: integer fen and yuan.
type TrailAmount struct {
	Name      string `json:"name"`
	AmountFen int64  `json:"amount_fen"`
	Amount    string `json:"amount"`
}

// TrailLine is an amount on an account (a posting, debit positive, or a
// budget line), with the account's names in the union's chart.
type TrailLine struct {
	Account   string `json:"account"`
	NameZH    string `json:"name_zh"`
	NameEN    string `json:"name_en"`
	AmountFen int64  `json:"amount_fen"`
	Amount    string `json:"amount"`
}

// TrailSignature is a signature in the event and whether it verifies now.
type TrailSignature struct {
	Key       string `json:"key"`
	Alg       string `json:"alg"`
	Signer    string `json:"signer,omitempty"`    // the person the key is registered to
	Statement string `json:"statement,omitempty"` // what was signed: "approve-expense v1"
	Verified  bool   `json:"verified"`
	// Reason says why it does not verify.
	Reason string `json:"reason,omitempty"`
	// KeyRevokedSeq is when the key was revoked (within the as-of view);
	// a revocation after the signature leaves it valid history.
	KeyRevokedSeq uint64 `json:"key_revoked_seq,omitempty"`
}

// TrailDecision is the collective decision (集体研究) behind a step.
type TrailDecision struct {
	ID          string   `json:"decision"`
	Seq         uint64   `json:"seq"`
	Meeting     string   `json:"meeting"`
	Held        string   `json:"held"`
	Attendees   []string `json:"attendees"`
	MinutesHash string   `json:"minutes_hash"`
}

// TrailDocument is a document the ledger holds by its SHA-256 only.
type TrailDocument struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// TrailMaxPage bounds one page of a trail.
const TrailMaxPage = 10000

// Trail returns the whole story of a subject as of a point (seq ≤ at.Seq,
// or accounting date ≤ at.Date; zero: now). A subject with no event in
// view is CodeNotFound; a bad kind or id is CodeInvalid.
func (s *Store) Trail(org string, subject TrailSubject, at AsOf) (Trail, error) {
	return s.TrailPage(org, subject, at, 0, 0)
}

// TrailPage returns at most limit steps (0: all) with seq > after. Memory
// is bounded by the page: the sources are merged from Pebble iterators.
func (s *Store) TrailPage(org string, subject TrailSubject, at AsOf, after uint64, limit int) (Trail, error) {
	out := Trail{Org: org, Subject: subject, AsOfSeq: at.Seq, AsOfDate: at.Date, Steps: []TrailStep{}}
	prefixes, err := trailSources(org, subject)
	if err != nil {
		return out, err
	}
	var fixed []uint64
	if subject.Kind == TrailReceipt {
		// The uniqueness key says whether the receipt was ever used, and
		// holds the seq of its first use: the one event of its trail the
		// index of mentions does not list (stores written before list it
		// too; the merge takes it once).
		var v []byte
		ok := false
		if k := receiptKey(org, events.Receipt{Book: subject.ID, Number: subject.Number}); k != nil {
			var err error
			if v, ok, err = s.Get(k); err != nil {
				return out, err
			}
		}
		if !ok {
			return out, ledger.Errorf(ledger.CodeNotFound, "%s has not been used in %s", subject, org)
		}
		seq, err := receiptSeq(v)
		if err != nil {
			return out, fmt.Errorf("%w for %s", err, subject)
		}
		fixed = []uint64{seq}
	}
	info, _, err := s.Org(org)
	if err != nil {
		return out, err
	}
	out.Chart = info.Chart
	chart, _ := events.ChartByVersion(info.Chart)
	evs, err := s.eventReader(org)
	if err != nil {
		return out, err
	}
	defer evs.Close()
	b := &trailBuilder{s: s, evs: evs, org: org, at: at, chart: chart, roles: map[string][]trailRoleChange{}, firsts: map[string]uint64{}}
	err = s.mergeSeqs(prefixes, fixed, after, at.Seq, func(seq uint64) (bool, error) {
		st, ok, err := evs.event(seq)
		if err != nil || !ok {
			return false, err
		}
		env, err := events.Decode(st.Data)
		if err != nil {
			return false, err
		}
		if at.Date != "" && env.Date > at.Date {
			return true, nil
		}
		if limit > 0 && len(out.Steps) == limit {
			out.NextAfter = out.Steps[len(out.Steps)-1].Seq
			return false, nil
		}
		step, err := b.step(env)
		if err != nil {
			return false, err
		}
		out.Steps = append(out.Steps, step)
		return true, nil
	})
	if err != nil {
		return out, err
	}
	if len(out.Steps) == 0 && after == 0 {
		return out, ledger.Errorf(ledger.CodeNotFound, "%s has no events in %s%s", subject, org, asOfText(at))
	}
	return out, nil
}

func asOfText(at AsOf) string {
	switch {
	case at.Seq > 0:
		return fmt.Sprintf(" as of seq %d", at.Seq)
	case at.Date != "":
		return " as of " + at.Date
	}
	return ""
}

// trailSources are the key prefixes whose keys are prefix + 8-byte seq and
// whose union is the subject's trail.
func trailSources(org string, sub TrailSubject) ([][]byte, error) {
	agg := func(a string) []byte { return key(famIndex, "agg/", org, "/", a, byte(0)) }
	bad := func(format string, args ...any) ([][]byte, error) {
		return nil, ledger.Errorf(ledger.CodeInvalid, format, args...)
	}
	if sub.Kind != TrailReceipt && sub.Number != "" {
		return bad("only a receipt has a number")
	}
	switch sub.Kind {
	case TrailExpense, TrailRelief, TrailMember:
		if !events.ValidID(sub.ID) {
			return bad("%s id %q is not valid", sub.Kind, sub.ID)
		}
	case TrailActor:
		if !events.ValidID(sub.ID) {
			return bad("person id %q is not valid", sub.ID)
		}
	case TrailBudget:
		if len(sub.ID) != 4 || strings.Trim(sub.ID, "0123456789") != "" {
			return bad("budget year %q must be YYYY", sub.ID)
		}
	case TrailReceipt:
		if !events.ValidID(sub.ID) || !events.ValidID(sub.Number) {
			return bad("receipt %q/%q: give a book and a number", sub.ID, sub.Number)
		}
	default:
		return bad("no trail of kind %q: use one of %s", sub.Kind, strings.Join(TrailKinds(), ", "))
	}
	switch sub.Kind {
	case TrailExpense, TrailRelief, TrailBudget:
		return [][]byte{agg(sub.Kind + ":" + sub.ID), trailMentionPrefix(org, sub.Kind, sub.ID)}, nil
	case TrailMember:
		return [][]byte{agg("person:" + sub.ID), agg("member:" + sub.ID), trailMentionPrefix(org, "member", sub.ID)}, nil
	case TrailReceipt:
		return [][]byte{trailMentionPrefix(org, "receipt", trailReceiptID(events.Receipt{Book: sub.ID, Number: sub.Number}))}, nil
	default:
		return [][]byte{key(famIndex, "act/", org, "/", sub.ID, byte(0))}, nil
	}
}

// mergeSeqs calls fn for every seq in (after, upTo] (upTo 0: no bound)
// found under any of the prefixes, or in fixed (ascending), once each, in
// increasing order, until fn returns false. A key under a prefix ends in a
// seq; its value is empty, or, for a run (Tx.appendRun: the actor index),
// the seqs it stands for, from the key's on.
func (s *Store) mergeSeqs(prefixes [][]byte, fixed []uint64, after, upTo uint64, fn func(uint64) (bool, error)) error {
	if upTo == 0 {
		upTo = math.MaxUint64
	}
	if after == math.MaxUint64 || after >= upTo {
		return nil
	}
	type cursor struct {
		it     *pebble.Iterator
		prefix []byte
		run    []byte // the seqs of the current key's run not yet taken
		seq    uint64
		ok     bool
	}
	var cs []*cursor
	defer func() {
		for _, c := range cs {
			if c.it != nil {
				c.it.Close()
			}
		}
	}()
	// take moves c to its next seq in (after, upTo], from the run or the
	// iterator's next key. A cursor's seqs only rise: a seq not above the
	// last one taken, which a sound index never holds, is skipped.
	take := func(c *cursor, step func() bool) error {
		for {
			for len(c.run) >= 8 {
				seq := binary.BigEndian.Uint64(c.run)
				c.run = c.run[8:]
				if seq > upTo {
					c.run = nil
					break
				}
				if seq > c.seq {
					c.seq, c.ok = seq, true
					return nil
				}
			}
			if c.it == nil {
				c.ok = false // fixed seqs: all taken
				return nil
			}
			if c.ok = step(); !c.ok {
				return c.it.Error()
			}
			step = c.it.Next
			k := c.it.Key()
			if len(k) != len(c.prefix)+8 {
				continue // not ours: a longer id sharing the prefix cannot, but be strict
			}
			if v := c.it.Value(); len(v) > 0 {
				if len(v)%8 != 0 || !bytes.Equal(v[:8], k[len(c.prefix):]) {
					return fmt.Errorf("projections: corrupt run at %q", k)
				}
				c.run = v
			} else {
				c.run = k[len(c.prefix):]
			}
		}
	}
	for _, p := range prefixes {
		hi := upper(p)
		if upTo < math.MaxUint64 {
			hi = key(p, upTo+1)
		}
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: hi})
		if err != nil {
			return err
		}
		c := &cursor{it: it, prefix: p, seq: after}
		cs = append(cs, c)
		// The run that starts last at or before after may reach past it.
		from := key(p, after+1)
		first := func() bool { return c.it.SeekLT(from) || c.it.SeekGE(from) }
		if err := take(c, first); err != nil {
			return err
		}
	}
	if len(fixed) > 0 {
		c := &cursor{seq: after}
		for _, q := range fixed {
			c.run = binary.BigEndian.AppendUint64(c.run, q)
		}
		cs = append(cs, c)
		if err := take(c, nil); err != nil {
			return err
		}
	}
	for {
		var min *cursor
		for _, c := range cs {
			if c.ok && (min == nil || c.seq < min.seq) {
				min = c
			}
		}
		if min == nil {
			return nil
		}
		seq := min.seq
		for _, c := range cs {
			for c.ok && c.seq == seq {
				var next func() bool // none for fixed seqs
				if c.it != nil {
					next = c.it.Next
				}
				if err := take(c, next); err != nil {
					return err
				}
			}
		}
		if more, err := fn(seq); err != nil || !more {
			return err
		}
	}
}

// trailRoleChange is one grant or revocation of a role to a person.
type trailRoleChange struct {
	role  events.Role
	seq   uint64
	grant bool
}

// trailBuilder turns events into steps for one query, caching what repeats
// (a person's role history, a command's first sequence).
type trailBuilder struct {
	s      *Store
	evs    *eventReader // the org's events
	org    string
	at     AsOf
	chart  events.Chart
	roles  map[string][]trailRoleChange
	firsts map[string]uint64
}

// rolesAt lists the roles person held right before seq: the state the
// command was decided on.
func (b *trailBuilder) rolesAt(person string, seq uint64) ([]TrailRole, error) {
	hist, ok := b.roles[person]
	if !ok {
		prefix := key(famProj, "rolehist/", b.org, "/", person, byte(0))
		it, err := b.s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper(prefix)})
		if err != nil {
			return nil, err
		}
		for it.First(); it.Valid(); it.Next() {
			rest := it.Key()[len(prefix):]
			i := bytes.IndexByte(rest, 0)
			if i < 0 || len(rest) != i+1+8 {
				continue
			}
			hist = append(hist, trailRoleChange{role: events.Role(rest[:i]), seq: binary.BigEndian.Uint64(rest[i+1:]), grant: string(it.Value()) == "grant"})
		}
		if err := it.Close(); err != nil {
			return nil, err
		}
		b.roles[person] = hist
	}
	held := map[events.Role]bool{}
	for _, c := range hist { // per role in seq order: the last change before seq wins
		if c.seq < seq {
			held[c.role] = c.grant
		}
	}
	out := []TrailRole{}
	for _, r := range events.Roles() {
		if held[r] {
			zh, en := r.Names()
			out = append(out, TrailRole{Role: r, NameZH: zh, NameEN: en})
		}
	}
	return out, nil
}

// decidedAt is the first sequence of the event's command: roles are those
// held when the command was decided, before any of its events.
func (b *trailBuilder) decidedAt(env events.Envelope) (uint64, error) {
	if f, ok := b.firsts[env.Command]; ok {
		return f, nil
	}
	v, ok, err := b.s.Get(key(famIndex, "cmd/", b.org, "/", env.Command))
	if err != nil {
		return 0, err
	}
	var rec cmdRecord
	if ok {
		if rec, err = decodeCmdRecord(v); err != nil {
			return 0, err
		}
	}
	f := env.Seq
	if ok && rec.First <= env.Seq && env.Seq < rec.First+uint64(rec.Count) {
		f = rec.First
	}
	b.firsts[env.Command] = f
	return f, nil
}

func (b *trailBuilder) line(account string, amt events.Fen) TrailLine {
	a, _ := b.chart.Account(account)
	return TrailLine{Account: account, NameZH: a.NameZH, NameEN: a.NameEN, AmountFen: int64(amt), Amount: amt.Yuan()}
}

func trailAmt(name string, f events.Fen) TrailAmount {
	return TrailAmount{Name: name, AmountFen: int64(f), Amount: f.Yuan()}
}

func (b *trailBuilder) decision(id string) (*TrailDecision, error) {
	if id == "" {
		return nil, nil
	}
	d, ok, err := b.s.Decision(b.org, id)
	if err != nil || !ok {
		return nil, err
	}
	return &TrailDecision{ID: d.ID, Seq: d.Seq, Meeting: d.Meeting, Held: d.Held, Attendees: d.Attendees, MinutesHash: d.MinutesHash}, nil
}

func (b *trailBuilder) step(env events.Envelope) (TrailStep, error) {
	p, err := events.DecodePayload(env)
	if err != nil {
		return TrailStep{}, err
	}
	first, err := b.decidedAt(env)
	if err != nil {
		return TrailStep{}, err
	}
	roles, err := b.rolesAt(env.Actor, first)
	if err != nil {
		return TrailStep{}, err
	}
	st := TrailStep{Seq: env.Seq, Date: env.Date, Recorded: env.Recorded, Type: env.Type, Aggregate: env.Aggregate,
		Actor: env.Actor, Roles: roles, EventID: env.ID, Command: env.Command, Hash: env.Hash}
	for _, ps := range p.Postings() {
		st.Postings = append(st.Postings, b.line(ps.Account, ps.Amount))
	}
	var decisionID string
	if err := b.describe(&st, env, p, &decisionID); err != nil {
		return TrailStep{}, err
	}
	// A decision on an expense is on its terms as requested: the amount
	// and the collective decision are shown with it, and the signature is
	// checked against them.
	var terms *ledger.ExpenseTerms
	switch p := p.(type) {
	case events.ExpenseApproved:
		terms, err = b.termsAt(p.Expense, env.Seq)
	case events.ExpenseRejected:
		terms, err = b.termsAt(p.Expense, env.Seq)
	}
	if err != nil {
		return TrailStep{}, err
	}
	if terms != nil {
		st.Amounts = []TrailAmount{trailAmt("amount", terms.Amount)}
		if decisionID == "" {
			decisionID = terms.Decision
		}
	}
	if env.Sig != nil {
		if st.Signature, err = b.verify(env, p, terms); err != nil {
			return TrailStep{}, err
		}
	}
	if st.Decision, err = b.decision(decisionID); err != nil {
		return TrailStep{}, err
	}
	return st, nil
}

// describe fills the step's action, object, note, amounts and documents
// from the payload. It never shows sealed personal data, and never the
// reason of a relief case or of an erasure, nor the text of an objection:
// the trail is readable by anyone who can read the API.
func (b *trailBuilder) describe(st *TrailStep, env events.Envelope, p events.Payload, decision *string) error {
	doc := func(name, sha string) {
		if sha != "" {
			st.Documents = append(st.Documents, TrailDocument{Name: name, SHA256: sha})
		}
	}
	roleText := func(r events.Role) string {
		zh, _ := r.Names()
		return fmt.Sprintf("%s (%s)", r, zh)
	}
	acct := func(code string) string {
		a, ok := b.chart.Account(code)
		if !ok {
			return code
		}
		return fmt.Sprintf("%s %s %s", code, a.NameZH, a.NameEN)
	}
	switch p := p.(type) {
	case events.OrgOpened:
		st.Action, st.Object = "opened", "the union"
		st.Note = fmt.Sprintf("%s, chart of accounts %s", p.Name, p.Chart)
	case events.PersonRegistered:
		st.Action, st.Object = "registered", "person "+p.Person
		if p.Sealed != "" {
			st.Note = "personal data sealed with the person's key (never shown here)"
		}
	case events.PersonErased:
		st.Action, st.Object = "erased", "personal data of "+p.Person
		st.Note = "the person's data key was destroyed"
	case events.RoleGranted:
		st.Action, st.Object = "granted", "role "+roleText(p.Role)+" to "+p.Person
	case events.RoleRevoked:
		st.Action, st.Object = "revoked", "role "+roleText(p.Role)+" of "+p.Person
	case events.KeyRegistered:
		st.Action, st.Object = "registered", "signing key "+p.Key+" of "+p.Person
	case events.KeyRevoked:
		st.Action, st.Object = "revoked", "signing key "+p.Key+" of "+p.Person
	case events.DuesReceived:
		st.Action, st.Object = "received", "dues of "+p.Member+" for "+p.Period
		st.Receipt = &p.Receipt
		st.Amounts = []TrailAmount{trailAmt("dues", p.Amount)}
		st.Note = "via " + string(p.Via)
		if p.Basis != "" {
			st.Note += ", assessed on " + string(p.Basis)
		}
	case events.AllocationReceived:
		st.Action, st.Object = "received", "allocation for "+p.Period
		st.Receipt = &p.Receipt
		st.Amounts = []TrailAmount{trailAmt("gross", p.Gross), trailAmt("retained", p.Retained), trailAmt("remitted", p.Remitted), trailAmt("wage bill", p.WageBill)}
		st.Note = "via " + string(p.Via)
	case events.AllocationSplitSet:
		st.Action, st.Object = "set", "the allocation split"
		st.Note = fmt.Sprintf("%d.%02d%% retained", p.RetainedBP/100, p.RetainedBP%100)
		if p.Reference != "" {
			st.Note += "; " + p.Reference
		}
	case events.AllocationRemitted:
		st.Action, st.Object = "remitted", "allocation upward"
		if p.Period != "" {
			st.Object += " for " + p.Period
		}
		st.Amounts = []TrailAmount{trailAmt("remitted", p.Amount)}
		st.Note = "to " + p.To + ", via " + string(p.Via)
	case events.SubsidyReceived:
		st.Action, st.Object = "received", "subsidy "+acct(p.Account)
		st.Receipt = &p.Receipt
		st.Amounts = []TrailAmount{trailAmt("amount", p.Amount)}
		st.Note = "from " + p.Payer
		if p.Memo != "" {
			st.Note += ": " + p.Memo
		}
	case events.IncomeReceived:
		st.Action, st.Object = "received", "income "+acct(p.Account)
		st.Receipt = &p.Receipt
		st.Amounts = []TrailAmount{trailAmt("amount", p.Amount)}
		st.Note = "from " + p.Payer
		if p.Memo != "" {
			st.Note += ": " + p.Memo
		}
	case events.ExpenseRequested:
		st.Action, st.Object = "requested", "expense "+p.Expense
		st.Amounts = []TrailAmount{trailAmt("amount", p.Amount)}
		st.Note = fmt.Sprintf("%s; payee %s; %s", acct(p.Account), p.Payee, p.Purpose)
		for _, d := range p.Documents {
			doc("document", d)
		}
		*decision = p.Decision
	case events.ExpenseApproved:
		st.Action, st.Object = "approved", "expense "+p.Expense
	case events.ExpenseRejected:
		st.Action, st.Object = "rejected", "expense "+p.Expense
		st.Note = "reason: " + p.Reason
		if b.reliefExpense(p.Expense) {
			st.Note = "" // a relief case's rejection may speak of the household
		}
	case events.ExpenseCancelled:
		st.Action, st.Object = "cancelled", "expense "+p.Expense
		if p.Reason != "" && !b.reliefExpense(p.Expense) {
			st.Note = "reason: " + p.Reason
		}
	case events.ExpensePaid:
		st.Action, st.Object = "paid", "expense "+p.Expense
		st.Amounts = []TrailAmount{trailAmt("amount", p.Amount)}
		st.Note = fmt.Sprintf("to %s via %s", p.Payee, p.Via)
		if p.Voucher != "" {
			st.Note += ", voucher " + p.Voucher
		}
	case events.CollectiveDecisionRecorded:
		st.Action, st.Object = "recorded", "collective decision "+p.Decision
		doc("minutes", p.MinutesHash)
		if len(p.Expenses) > 0 {
			st.Note = "covers " + strings.Join(p.Expenses, ", ")
		}
		*decision = p.Decision
	case events.CollectiveThresholdSet:
		st.Action, st.Object = "set", "the collective-decision threshold"
		st.Amounts = []TrailAmount{trailAmt("threshold", p.Amount)}
	case events.BudgetDrafted:
		st.Action, st.Object = "drafted", "budget "+p.Year
		st.Lines = b.budgetLines(p.Lines)
		st.Note = p.Note
	case events.BudgetReviewed:
		st.Action, st.Object = "reviewed", "budget "+p.Year
		st.Note = trailReviewNote(p.Stage, p.Outcome, p.Opinion)
	case events.BudgetApproved:
		st.Action, st.Object = "approved", "budget "+p.Year
		st.Note = "upper-level approval " + p.Document.Number
		doc("approval", p.Document.SHA256)
	case events.BudgetAdjustmentDrafted:
		st.Action, st.Object = "drafted", "budget adjustment "+p.Adjustment+" of "+p.Year
		st.Lines = b.budgetLines(p.Lines)
		st.Note = p.Note
		if p.From != "" {
			st.Note = strings.TrimPrefix(st.Note+"; from "+p.From, "; ")
		}
	case events.BudgetAdjustmentReviewed:
		st.Action, st.Object = "reviewed", "budget adjustment "+p.Adjustment+" of "+p.Year
		st.Note = trailReviewNote(p.Stage, p.Outcome, p.Opinion)
	case events.BudgetAdjustmentApproved:
		st.Action, st.Object = "approved", "budget adjustment "+p.Adjustment+" of "+p.Year
		st.Note = "upper-level approval " + p.Document.Number
		doc("approval", p.Document.SHA256)
	case events.MonthClosed:
		st.Action, st.Object = "closed", "month "+p.Month
	case events.YearClosed:
		st.Action, st.Object = "closed", "year "+p.Year
	case events.ReversalPosted:
		st.Action, st.Object = "reversed", fmt.Sprintf("event #%d (%s)", p.OriginalSeq, p.OriginalType)
		st.Note = "reason: " + p.Reason + "; original hash " + p.OriginalHash
		var total events.Fen
		for _, l := range p.Lines {
			if l.Amount > 0 {
				total += l.Amount
			}
		}
		st.Amounts = []TrailAmount{trailAmt("reversed", total)}
	case events.AuditOpened:
		st.Action, st.Object = "opened", "audit "+p.Audit
		st.Note = fmt.Sprintf("%s, %s – %s: %s", p.Kind, p.From, p.To, p.Scope)
	case events.FindingRecorded:
		st.Action, st.Object = "recorded", "finding "+p.Finding+" of audit "+p.Audit
		st.Note = string(p.Severity) + ": " + p.Text
		if len(p.Expenses) > 0 {
			st.Note += "; expenses " + strings.Join(p.Expenses, ", ")
		}
		if len(p.Events) > 0 {
			var ns []string
			for _, n := range p.Events {
				ns = append(ns, "#"+strconv.FormatUint(n, 10))
			}
			st.Note += "; events " + strings.Join(ns, ", ")
		}
		if p.Amount != 0 {
			st.Amounts = []TrailAmount{trailAmt("amount", p.Amount)}
		}
	case events.RectificationRequired:
		st.Action, st.Object = "required rectification of", "finding "+p.Finding+" of audit "+p.Audit
		st.Note = "by " + p.Deadline + ": " + p.Action
	case events.RectificationSubmitted:
		st.Action, st.Object = "submitted rectification of", "finding "+p.Finding+" of audit "+p.Audit
		st.Note = p.Evidence
		for _, d := range p.Documents {
			doc("evidence", d)
		}
	case events.RectificationAccepted:
		st.Action, st.Object = "accepted rectification of", "finding "+p.Finding+" of audit "+p.Audit
		st.Note = p.Reason
	case events.RectificationRejected:
		st.Action, st.Object = "rejected rectification of", "finding "+p.Finding+" of audit "+p.Audit
		st.Note = p.Reason
	case events.AuditClosed:
		st.Action, st.Object = "closed", "audit "+p.Audit
		st.Note = p.Conclusion
	case events.DisclosureDrafted:
		st.Action, st.Object = "drafted", fmt.Sprintf("disclosure %s (%s)", p.Item, p.Kind)
		st.Note = p.Title
		switch {
		case p.Body.ReliefNotice != nil:
			n := p.Body.ReliefNotice
			st.Note += fmt.Sprintf("; notice %s – %s, %s (names masked; not repeated here)", n.NoticeStart, n.NoticeEnd, trailPlural(len(n.Entries), "entry", "entries"))
		case p.Body.LargeExpense != nil:
			st.Amounts = []TrailAmount{trailAmt("amount", p.Body.LargeExpense.Amount)}
		case p.Body.WelfareRound != nil:
			st.Amounts = []TrailAmount{trailAmt("total", p.Body.WelfareRound.Total)}
		}
	case events.DisclosureApproved:
		st.Action, st.Object = "approved", "disclosure "+p.Item
	case events.DisclosurePublished:
		st.Action, st.Object = "published", "disclosure "+p.Item
		if p.Supersedes != "" {
			st.Note = "supersedes " + p.Supersedes
		}
	case events.DisclosureSuperseded:
		st.Action, st.Object = "superseded", "disclosure "+p.Item
		st.Note = "by " + p.By + ": " + p.Reason
	case events.QuestionAsked:
		st.Action, st.Object = "asked", "question "+p.Question+" on "+p.Item
	case events.QuestionAnswered:
		st.Action, st.Object = "answered", "question "+p.Question+" on "+p.Item
		st.Note = "answer item " + p.Answer
	case events.ObjectionRaised:
		st.Action, st.Object = "objected to", "disclosure "+p.Item
		st.Note = "objection " + p.Objection + " (text not repeated here)"
	case events.ObjectionResolved:
		st.Action, st.Object = "resolved", "objection "+p.Objection+" to "+p.Item
		st.Note = string(p.Outcome) + " (reason not repeated here)"
	case events.HolidayCalendarAdopted:
		st.Action, st.Object = "adopted", "holiday calendar "+p.Year
		st.Note = fmt.Sprintf("%d holidays, %d make-up workdays", len(p.Holidays), len(p.Workdays))
	case events.ReliefApplied:
		st.Action, st.Object = "opened", "relief case "+p.Case+" for "+p.Person
		st.Amounts = []TrailAmount{trailAmt("requested", p.Requested)}
		st.Note = string(p.Kind) + "; the application's details are sealed (never shown here)"
	case events.ReliefVerified:
		st.Action, st.Object = "verified", "relief case "+p.Case
		st.Note = "home visit " + p.VisitedOn + " by " + strings.Join(p.Officers, ", ")
		doc("consent", p.ConsentSHA256)
	case events.ReliefDecided:
		st.Action, st.Object = "decided", "relief case "+p.Case
		st.Amounts = []TrailAmount{trailAmt("granted", p.Granted)}
		st.Note = fmt.Sprintf("after notice %s; expense %s from %s", p.Notice, p.Expense, acct(p.Account))
		*decision = p.Decision
	case events.ReliefRejected:
		st.Action, st.Object = "rejected", "relief case "+p.Case
	case events.ReliefRechecked:
		st.Action, st.Object = "rechecked", "relief case "+p.Case
		st.Note = "outcome " + string(p.Outcome)
		doc("recheck record", p.Document)
	case events.ReliefClosed:
		st.Action, st.Object = "closed", "relief case "+p.Case
	case events.WelfarePolicyAdopted:
		st.Action, st.Object = "adopted", "welfare policy "+p.Year
		st.Note = p.Province
		if p.Source != "" {
			st.Note += ": " + p.Source
		}
	case events.WelfareRoundPlanned:
		st.Action, st.Object = "planned", "welfare round "+p.Round
		occ := p.Occasion
		if p.Festival != "" {
			occ += " " + p.Festival
		}
		st.Note = fmt.Sprintf("%s on %s, %s, %d members; supplier %s; expense %s from %s", occ, p.Date, p.Form, len(p.Members), p.Supplier, p.Expense, acct(p.Account))
		st.Amounts = []TrailAmount{trailAmt("total", p.Total), trailAmt("standard", p.Standard)}
	case events.WelfareRoundCancelled:
		st.Action, st.Object = "cancelled", "welfare round "+p.Round
		if p.Reason != "" {
			st.Note = "reason: " + p.Reason
		}
	default:
		st.Action, st.Object = "recorded", env.Aggregate
	}
	return nil
}

// reliefExpense reports whether an expense pays a relief case: its
// rejection or cancellation reason is then not shown.
func (b *trailBuilder) reliefExpense(id string) bool {
	refs, err := trailLinks(b.s, b.org, "expense:"+id)
	if err != nil {
		return true // when in doubt, hide
	}
	for _, r := range refs {
		if r[0] == "relief" {
			return true
		}
	}
	return false
}

func trailReviewNote(stage, outcome, opinion string) string {
	n := stage + ": " + outcome
	if opinion != "" {
		n += "; " + opinion
	}
	return n
}

func (b *trailBuilder) budgetLines(ls []events.BudgetLine) []TrailLine {
	var out []TrailLine
	for _, l := range ls {
		out = append(out, b.line(l.Account, l.Amount))
	}
	return out
}

// verify checks an event's signature now: the key registered under its id
// (as it is now), ed25519 over the statement the event carries, and that
// statement against the canonical statement of the expense as requested
// and decided when it was signed (terms; nil when there was no request).
func (b *trailBuilder) verify(env events.Envelope, p events.Payload, terms *ledger.ExpenseTerms) (*TrailSignature, error) {
	sig := &TrailSignature{Key: env.Sig.Key, Alg: env.Sig.Alg}
	fail := func(format string, args ...any) (*TrailSignature, error) {
		sig.Verified, sig.Reason = false, fmt.Sprintf(format, args...)
		return sig, nil
	}
	var (
		expense, statement, reason string
		rejection                  bool
	)
	switch p := p.(type) {
	case events.ExpenseApproved:
		expense, statement = p.Expense, p.Statement
		sig.Statement = "approve-expense v1"
	case events.ExpenseRejected:
		expense, statement, reason, rejection = p.Expense, p.Statement, p.Reason, true
		sig.Statement = "reject-expense v1"
	default:
		return fail("the ledger knows no signed statement for %s events", env.Type)
	}
	var k keyRec
	ok, err := getJSON(b.s, key(famProj, "key/", b.org, "/", env.Sig.Key), &k)
	if err != nil {
		return nil, err
	}
	if !ok || k.Seq > env.Seq {
		return fail("key %q is not registered in %s", env.Sig.Key, b.org)
	}
	sig.Signer = k.Person
	if k.RevokedSeq > 0 {
		within, err := b.within(k.RevokedSeq)
		if err != nil {
			return nil, err
		}
		if within {
			sig.KeyRevokedSeq = k.RevokedSeq
		}
	}
	if env.Sig.Alg != "ed25519" {
		return fail("algorithm %q is not ed25519", env.Sig.Alg)
	}
	pub, err := base64.StdEncoding.DecodeString(k.Public)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return fail("the public key registered as %q is not an ed25519 key", env.Sig.Key)
	}
	raw, err := base64.StdEncoding.DecodeString(env.Sig.Sig)
	if err != nil || len(raw) != ed25519.SignatureSize {
		return fail("the signature is not a base64 ed25519 signature")
	}
	msg, err := base64.StdEncoding.DecodeString(statement)
	if err != nil || len(msg) == 0 {
		return fail("the event carries no readable statement")
	}
	if !ed25519.Verify(ed25519.PublicKey(pub), msg, raw) {
		return fail("the signature does not verify with the public key registered as %q", env.Sig.Key)
	}
	if terms == nil {
		return fail("expense %s was not requested before it was signed", expense)
	}
	want := ledger.ApprovalStatement(*terms)
	if rejection {
		want = ledger.RejectionStatement(*terms, reason)
	}
	if !bytes.Equal(msg, want) {
		return fail("the signed statement is not the canonical statement of expense %s as requested", expense)
	}
	if k.Person != env.Actor {
		return fail("key %q belongs to %s, not to %s who acted", env.Sig.Key, k.Person, env.Actor)
	}
	if k.RevokedSeq > 0 && k.RevokedSeq < env.Seq {
		return fail("key %q was revoked at seq %d, before it signed", env.Sig.Key, k.RevokedSeq)
	}
	sig.Verified = true
	return sig, nil
}

// within reports whether an event is inside the as-of view.
func (b *trailBuilder) within(seq uint64) (bool, error) {
	if b.at.Seq > 0 {
		return seq <= b.at.Seq, nil
	}
	if b.at.Date == "" {
		return true, nil
	}
	st, ok, err := b.evs.event(seq)
	if err != nil || !ok {
		return false, err
	}
	env, err := events.Decode(st.Data)
	if err != nil {
		return false, err
	}
	return env.Date <= b.at.Date, nil
}

// termsAt rebuilds the terms of an expense as they stood right before seq:
// the request, and the collective decision it rests on (named in the
// request, or the first decision that listed it).
func (b *trailBuilder) termsAt(expense string, seq uint64) (*ledger.ExpenseTerms, error) {
	var (
		terms ledger.ExpenseTerms
		found bool
	)
	if seq < 2 {
		return nil, nil
	}
	err := b.s.mergeSeqs([][]byte{key(famIndex, "agg/", b.org, "/", "expense:"+expense, byte(0)), trailMentionPrefix(b.org, "expense", expense)}, nil,
		0, seq-1, func(n uint64) (bool, error) {
			st, ok, err := b.evs.event(n)
			if err != nil || !ok {
				return false, err
			}
			env, err := events.Decode(st.Data)
			if err != nil {
				return false, err
			}
			p, err := events.DecodePayload(env)
			if err != nil {
				return false, err
			}
			switch p := p.(type) {
			case events.ExpenseRequested:
				if !found && p.Expense == expense {
					found = true
					terms = ledger.ExpenseTerms{Org: b.org, Expense: p.Expense, Account: p.Account, Amount: p.Amount, Payee: p.Payee,
						PayeePerson: p.PayeePerson, Purpose: p.Purpose, RequestedBy: env.Actor, Decision: p.Decision, Documents: p.Documents}
				}
			case events.CollectiveDecisionRecorded:
				if found && terms.Decision == "" {
					for _, e := range p.Expenses {
						if e == expense {
							terms.Decision = p.Decision
						}
					}
				}
			}
			return true, nil
		})
	if err != nil || !found {
		return nil, err
	}
	return &terms, nil
}

func trailPlural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
