package ledger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/unionledger/unionledger/events"
)

// Head is the last durable event of an org, as the projector recorded it.
type Head struct {
	Seq       uint64 // org sequence of the last event, 0 if none
	StreamSeq uint64 // its JetStream sequence, the optimistic-concurrency token
	Hash      string // its hash, the next event's prev
}

// Store is what the append path needs from the durable read side.
type Store interface {
	// Begin opens a scratch view to decide a group of commands on. over, if
	// not nil, is the view of the org's previous group, appended but perhaps
	// not yet durable; the new view includes its effects.
	Begin(over Scratch) (Scratch, error)
	// WaitApplied blocks until every stream sequence up to seq is durable
	// in the store.
	WaitApplied(ctx context.Context, streamSeq uint64) error
}

// Scratch is a consistent snapshot of durable state that also reflects,
// in memory only, the events decided earlier in the same group.
type Scratch interface {
	State
	// Head returns the org's last durable event.
	Head(org string) (Head, error)
	// CommandResult returns the result and content hash of an applied
	// command, or ok=false.
	CommandResult(org, commandID string) (res Result, hash string, ok bool, err error)
	// Apply folds a decided event into the view.
	Apply(env events.Envelope, p events.Payload) error
	// Stage hands the view's events, about to be appended, to the store, so
	// that it applies what the view computed instead of deciding them again.
	// packed is their segment packed (events.AppendPacked). Called once,
	// after the last Apply; withdraw takes the offer back.
	Stage(msgs []Message, packed []byte) (withdraw func())
	Close() error
}

// Message is one sealed event ready to publish.
type Message struct {
	Env  events.Envelope
	Data []byte
}

// Log is the append-only event log.
type Log interface {
	// Append publishes msgs (all of one org) atomically, only if the org's
	// last stream sequence is still expect. packed, if not nil, is their
	// segment packed (events.AppendPacked), so it is compressed once for the
	// log and the store. It returns the stream sequence of the last
	// message, or a *ConflictError.
	Append(ctx context.Context, org string, expect uint64, msgs []Message, packed []byte) (uint64, error)
}

// ConflictError says another writer appended to the org first.
type ConflictError struct{ Last uint64 }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("org log moved on: last stream sequence is %d", e.Last)
}

// MaxGroupEvents and MaxGroupBytes bound one append: a group of commands is
// one message (events.JoinSegment), and NATS's default largest message is
// 1 MiB. A command may append up to MaxGroupEvents events.
const (
	MaxGroupEvents = 1000
	MaxGroupBytes  = 768 << 10
)

// groupEvents is where the writer stops adding commands to a group. Larger
// groups save few commits once appends are one message each, but every
// event in flight holds its changes in memory until it is applied.
const groupEvents = 256

// Config tunes the append path.
type Config struct {
	// Now and NewID default to the wall clock and UUIDv7.
	Now   func() time.Time
	NewID func() string
	// Keys keeps per-person data keys; commands that carry personal data
	// are refused without it.
	Keys KeyStore
	// MaxRetries bounds conflict retries of one group.
	MaxRetries int
	// MaxGroupBytes bounds the bytes of one append, which is one NATS
	// message; 0 is MaxGroupBytes. It must stay under the server's
	// max_payload.
	MaxGroupBytes int
	Logger        *slog.Logger
}

// Service accepts commands and appends their events. Commands of one org
// are decided and appended by one writer goroutine in groups: every command
// waiting while the previous group was being appended goes into the next
// message (group commit), so throughput grows with load while each command
// still sees the effects of all commands before it. The writer decides the
// next group while the previous one is being made durable (a pipeline of
// depth two), on a view that includes the previous group's effects.
type Service struct {
	log   Log
	store Store
	cfg   Config

	mu      sync.Mutex
	writers map[string]*writer
	closed  bool
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

// NewService builds the append path over a log and a store.
func NewService(l Log, s Store, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = func() string { return uuid.Must(uuid.NewV7()).String() }
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 50
	}
	if cfg.MaxGroupBytes == 0 {
		cfg.MaxGroupBytes = MaxGroupBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{log: l, store: s, cfg: cfg, writers: map[string]*writer{}, ctx: ctx, cancel: cancel}
}

// Close stops the writers; commands in flight fail with CodeUnavailable.
func (s *Service) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

type request struct {
	cmd  Command
	hash string
	out  outcome
	done chan struct{} // closed once out is set
}

// finish records the request's outcome and wakes whoever waits for it.
// Each request is finished exactly once.
func (r *request) finish(o outcome) {
	r.out = o
	close(r.done)
}

type outcome struct {
	res Result
	err error
}

// Submit decides and appends one command. It returns once the command's
// events are durable (or it was refused, or ctx ended). A retried command
// with the same id and content returns the original result.
func (s *Service) Submit(ctx context.Context, cmd Command) (Result, error) {
	p, err := s.Enqueue(ctx, cmd)
	if err != nil {
		return Result{}, err
	}
	return p.Wait(ctx)
}

// Pending is a command queued by Enqueue, on its way to being durable or
// refused.
type Pending struct{ r *request }

// Enqueue checks cmd and queues it for its union's writer, and returns
// without waiting for the outcome: a client with many commands keeps as
// many in flight as it likes, each answered through its Pending, instead
// of one goroutine blocked per command. Commands of one union are decided
// in the order they were queued. Enqueue waits only while the writer's
// queue is full. A refusal before queueing (a malformed envelope, a
// shutting-down ledger) is returned here; every later outcome by Wait.
func (s *Service) Enqueue(ctx context.Context, cmd Command) (Pending, error) {
	if err := cmd.check(); err != nil {
		return Pending{}, err
	}
	var h string
	var err error
	if prep := commands[cmd.Type].prepare; prep != nil {
		if s.cfg.Keys == nil {
			return Pending{}, Errorf(CodeUnavailable, "%s needs the key store, which this ledger was started without", cmd.Type)
		}
		cmd, h, err = prep(s.cfg.Keys, cmd)
	} else {
		h, err = cmd.Hash()
	}
	if err != nil {
		return Pending{}, err
	}
	w, err := s.writer(cmd.Org)
	if err != nil {
		return Pending{}, err
	}
	req := &request{cmd: cmd, hash: h, done: make(chan struct{})}
	select {
	case w.queue <- req: // the common case, without the dearer three-way select
	default:
		select {
		case w.queue <- req:
		case <-ctx.Done():
			return Pending{}, Errorf(CodeUnavailable, "command not submitted: %v", ctx.Err())
		case <-s.ctx.Done():
			return Pending{}, Errorf(CodeUnavailable, "the ledger is shutting down")
		}
	}
	return Pending{req}, nil
}

// Done is closed once the command's outcome is known.
func (p Pending) Done() <-chan struct{} { return p.r.done }

// Wait returns the command's outcome: its result once its events are
// durable, or why it was refused. If ctx ends first, the command may still
// be appended, and submitting it again with the same id is safe.
func (p Pending) Wait(ctx context.Context) (Result, error) {
	select {
	case <-p.r.done:
		return p.r.out.res, p.r.out.err
	case <-ctx.Done():
		return Result{}, Errorf(CodeUnavailable, "gave up waiting for the command to become durable: %v (retry with the same id)", ctx.Err())
	}
}

func (s *Service) writer(org string) (*writer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, Errorf(CodeUnavailable, "the ledger is shutting down")
	}
	w, ok := s.writers[org]
	if !ok {
		w = &writer{svc: s, org: org, queue: make(chan *request, 4096)}
		s.writers[org] = w
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			w.run(s.ctx)
		}()
	}
	return w, nil
}

// writer serialises the commands of one org inside this process. Across
// processes, the expected-last-sequence check of the log does.
type writer struct {
	svc   *Service
	org   string
	queue chan *request
	// eventBytes is the average size of the last group's events: the next
	// group is sealed into a buffer large enough for as many of them as it
	// has commands, so that it need not move as it grows.
	eventBytes int
	// packed is the last group's segment packed, its memory kept for the
	// next: the log and the store copy what they keep of it.
	packed []byte
}

// flight is a group appended to the log and waiting to be durable.
type flight struct {
	sc      Scratch
	last    uint64              // stream sequence of its message
	cmds    map[string]*request // command id → the request that appended it
	answers map[*request]outcome
	done    chan struct{} // closed once answered
	err     error         // the durability wait's failure, set before done
}

// answered reports, without waiting, whether f is durable or failed.
func (f *flight) answered() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// pipe is what a writer knows between groups.
type pipe struct {
	head *Head   // the org's head after the last append; nil: read the store
	prev *flight // the last group appended, perhaps not yet durable
}

// settle waits for the group in flight and forgets it.
func (p *pipe) settle() {
	if p.prev != nil {
		<-p.prev.done
		if p.prev.err != nil {
			p.head = nil
		}
		p.prev.sc.Close()
		p.prev = nil
	}
}

func (w *writer) run(ctx context.Context) {
	var p pipe
	defer p.settle()
	for {
		var first *request
		select {
		case first = <-w.queue:
		case <-ctx.Done():
			w.drainClosed()
			return
		}
		group := []*request{first}
	fill:
		for len(group) < groupEvents {
			select {
			case r := <-w.queue:
				group = append(group, r)
			default:
				break fill
			}
		}
		w.process(ctx, &p, group)
	}
}

func (w *writer) drainClosed() {
	for {
		select {
		case r := <-w.queue:
			r.finish(outcome{err: Errorf(CodeUnavailable, "the ledger is shutting down")})
		default:
			return
		}
	}
}

// process decides and appends a group, retrying lost races on fresh state.
// Requests that do not fit in one message go into the next round of the
// same call.
func (w *writer) process(ctx context.Context, p *pipe, group []*request) {
	for attempt := 0; len(group) > 0; {
		rest, retry, err := w.tryGroup(ctx, p, group, attempt)
		switch {
		case err != nil:
			p.settle()
			p.head = nil
			for _, r := range group {
				r.finish(outcome{err: err})
			}
			return
		case retry:
			attempt++
		default:
			group, attempt = rest, 0
		}
	}
}

// tryGroup makes one attempt at appending as much of group as fits in one
// message. On success the group is in flight: its requests are answered
// once it is durable, while the writer goes on with the next group. retry
// reports a lost race worth deciding again on fresh state.
func (w *writer) tryGroup(ctx context.Context, p *pipe, group []*request, attempt int) (rest []*request, retry bool, err error) {
	s := w.svc
	if p.prev != nil && p.prev.answered() {
		// Durable, so in the snapshot below; or failed, and then the head
		// is forgotten too, since the store may not hold the group.
		p.settle()
	}
	if p.head == nil {
		p.settle() // the store's head will do, once nothing is in flight
	}
	var over Scratch
	if p.prev != nil {
		over = p.prev.sc
	}
	sc, err := s.store.Begin(over)
	if err != nil {
		return group, false, err
	}
	keep := false
	defer func() {
		if !keep {
			sc.Close()
		}
	}()
	var head Head
	if p.head != nil {
		head = *p.head
	} else if head, err = sc.Head(w.org); err != nil {
		return group, false, err
	}
	var (
		msgs    []Message
		bytes   int
		answers = make(map[*request]outcome, len(group))
		pending = map[string]*request{} // command id → the request of this group that appends it
		follow  = map[*request]*request{}
		earlier = map[*request]*request{} // retries of a command of the group in flight
		prev    = head.Hash
		seq     = head.Seq
		used    int
	)
	if prev == "" {
		prev = events.ZeroHash
	}
	msgs = make([]Message, 0, min(len(group), groupEvents)) // most commands append one event
	// The group's events are sealed one after another into seg, which is
	// then the message's data as it stands (events.JoinSegment).
	seg := make([]byte, 0, max(min(len(group), groupEvents)*(w.eventBytes+w.eventBytes/8), 1024))
	now := s.cfg.Now()
	for _, r := range group {
		if len(msgs) >= groupEvents {
			break
		}
		if first, ok := pending[r.cmd.ID]; ok {
			if first.hash != r.hash {
				answers[r] = outcome{err: reused(r.cmd.ID)}
			} else {
				follow[r] = first
			}
			used++
			continue
		}
		if over != nil {
			if first, ok := p.prev.cmds[r.cmd.ID]; ok {
				if first.hash != r.hash {
					answers[r] = outcome{err: reused(r.cmd.ID)}
				} else {
					earlier[r] = first
				}
				used++
				continue
			}
		}
		if res, h, ok, err := sc.CommandResult(w.org, r.cmd.ID); err != nil || ok {
			switch {
			case err != nil:
				answers[r] = outcome{err: err}
			case h != r.hash:
				answers[r] = outcome{err: reused(r.cmd.ID)}
			default:
				res.Duplicate = true
				answers[r] = outcome{res: res}
			}
			used++
			continue
		}
		drafts, err := Decide(sc, r.cmd)
		if err == nil && len(drafts) > MaxGroupEvents {
			err = Errorf(CodeTooLarge, "command would append %d events, the limit is %d", len(drafts), MaxGroupEvents)
		}
		if err != nil {
			answers[r] = outcome{err: err}
			used++
			continue
		}
		if len(msgs) > 0 && len(msgs)+len(drafts) > groupEvents {
			break // the rest goes into the next message
		}
		mark := len(seg)
		sealed, size, err := w.seal(&seg, drafts, r, seq, prev, now)
		if err != nil {
			return group, false, err
		}
		if size > s.cfg.MaxGroupBytes {
			seg = seg[:mark]
			answers[r] = outcome{err: Errorf(CodeTooLarge, "command's events take %d bytes, the limit is %d", size, s.cfg.MaxGroupBytes)}
			used++
			continue
		}
		if bytes+size > s.cfg.MaxGroupBytes {
			seg = seg[:mark]
			break
		}
		res := Result{Command: r.cmd.ID}
		for i, m := range sealed {
			if err := sc.Apply(m.Env, drafts[i].Payload); err != nil {
				return group, false, err
			}
			res.Events = append(res.Events, EventRef{Seq: m.Env.Seq, ID: m.Env.ID, Type: m.Env.Type, Hash: m.Env.Hash})
		}
		msgs = append(msgs, sealed...)
		bytes += size
		seq += uint64(len(sealed))
		prev = sealed[len(sealed)-1].Env.Hash
		pending[r.cmd.ID] = r
		answers[r] = outcome{res: res}
		used++
	}
	if len(msgs) > 0 {
		w.eventBytes = len(seg)/len(msgs) + 1
	}
	f := &flight{sc: sc, cmds: pending, answers: answers, done: make(chan struct{})}
	before := p.prev
	if len(msgs) > 0 {
		w.packed = events.AppendPacked(w.packed[:0], seg)
		withdraw := sc.Stage(msgs, w.packed)
		last, err := s.log.Append(ctx, w.org, head.StreamSeq, msgs, w.packed)
		var conflict *ConflictError
		switch {
		case errors.As(err, &conflict) && attempt < s.cfg.MaxRetries:
			withdraw()
			s.cfg.Logger.Debug("append conflict, retrying on fresh state", "org", w.org, "last", conflict.Last, "attempt", attempt)
			p.settle()
			p.head = nil
			if err := s.store.WaitApplied(ctx, conflict.Last); err != nil {
				return group, false, Errorf(CodeUnavailable, "waiting for the store: %v", err)
			}
			return group, true, nil
		case conflict != nil:
			withdraw()
			return group, false, Errorf(CodeUnavailable, "org %s is contended: gave up after %d retries", w.org, attempt)
		case err != nil:
			// The message may still have been stored; the projector then
			// applies it the long way.
			withdraw()
			return group, false, Errorf(CodeUnavailable, "append to the log failed: %v", err)
		}
		f.last = last
		last0 := msgs[len(msgs)-1].Env
		p.head = &Head{Seq: last0.Seq, StreamSeq: last, Hash: last0.Hash}
	}
	// The group before this one must be durable before the next is decided:
	// views overlay one group in flight, not two.
	p.settle()
	p.prev = f
	keep = true
	go w.answer(ctx, f, group[:used], follow, earlier, before)
	return group[used:], false, nil
}

// seal encodes one command's drafts as the events after (seq, prev), at
// the end of the group's segment *seg, a newline before each but the
// group's first. Every event's data is capped at its end but the group's
// first: its capacity reaches the segment's end, which is what lets
// events.JoinSegment use the segment as it stands.
func (w *writer) seal(seg *[]byte, drafts []events.Draft, r *request, seq uint64, prev string, now time.Time) ([]Message, int, error) {
	s := w.svc
	out := make([]Message, 0, len(drafts))
	size := 0
	for _, d := range drafts {
		seq++
		if len(*seg) > 0 {
			*seg = append(*seg, '\n')
		}
		start := len(*seg)
		env, b, err := events.SealTo(*seg, d, events.Meta{
			ID: s.cfg.NewID(), Org: w.org, Seq: seq, Recorded: now, Actor: r.cmd.Actor,
			Command: r.cmd.ID, CommandHash: r.hash, Prev: prev,
		})
		if err != nil {
			return nil, 0, fmt.Errorf("ledger: seal: %w", err)
		}
		*seg = b
		data := b[start:len(b):len(b)]
		if start == 0 {
			data = b[:len(b)]
		}
		prev = env.Hash
		out = append(out, Message{Env: env, Data: data})
		size += len(data) + 1
	}
	return out, size, nil
}

// answer waits until f is durable and answers its requests: those that
// appended events, retries within the group (follow) and retries of
// commands of the group before it (earlier, answered from that group).
func (w *writer) answer(ctx context.Context, f *flight, reqs []*request, follow, earlier map[*request]*request, before *flight) {
	if f.last > 0 {
		if err := w.svc.store.WaitApplied(ctx, f.last); err != nil {
			f.err = Errorf(CodeUnavailable, "appended but not yet durable: %v (retry with the same id)", err)
		}
	}
	for _, r := range reqs {
		var o outcome
		switch {
		case follow[r] != nil:
			o = f.answers[follow[r]]
			o.res.Duplicate = o.err == nil
		case earlier[r] != nil:
			<-before.done
			o = before.answers[earlier[r]]
			if before.err != nil && o.err == nil {
				o = outcome{err: before.err}
			}
			o.res.Duplicate = o.err == nil
		default:
			o = f.answers[r]
		}
		if f.err != nil && o.err == nil {
			o = outcome{err: f.err}
		}
		r.finish(o)
	}
	close(f.done)
}

func reused(id string) error {
	return ruleErr(CodeCommandIDReused, "idempotent-commands", "command id %q was already used for a different command", id)
}
