package nats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// StreamName is the one stream that holds every union's events.
const StreamName = "LEDGER"

// Header names carried by every event message. The hash is derivable from
// the data; carrying it lets any NATS client follow the chain cheaply.
const (
	HeaderHash  = "Ledger-Hash"  // hash of the message's last event
	HeaderSeq   = "Ledger-Seq"   // org sequence of its first event
	HeaderCount = "Ledger-Count" // number of events in it
)

// MixedType ends the subject of a message whose events have several types.
const MixedType = "mixed"

// JetStream API error codes the ledger reacts to.
const codeWrongLastSeq = 10071

// Subject is where an event is published: ledger.<org>.<type>. Events are
// not given a subject of their own (ledger.<org>.<type>.<id>) because the
// server keeps per-subject state in memory, which would then grow with the
// log instead of with the number of orgs and types (docs/architecture.md).
func Subject(org, typ string) string { return "ledger." + org + "." + typ }

// OrgFilter matches every event of one org.
func OrgFilter(org string) string { return "ledger." + org + ".>" }

// StreamConfig is the immutable stream: no limits, no deletes, no purges,
// no rollups. DenyDelete and DenyPurge cannot be turned off once set.
func StreamConfig(replicas int) jetstream.StreamConfig {
	if replicas < 1 {
		replicas = 1
	}
	return jetstream.StreamConfig{
		Name:              StreamName,
		Description:       "unionledger events; immutable",
		Subjects:          []string{"ledger.>"},
		Storage:           jetstream.FileStorage,
		Retention:         jetstream.LimitsPolicy,
		MaxMsgs:           -1,
		MaxBytes:          -1,
		MaxAge:            0,
		MaxMsgsPerSubject: -1,
		Discard:           jetstream.DiscardNew,
		DenyDelete:        true,
		DenyPurge:         true,
		AllowRollup:       false,
		Duplicates:        2 * time.Minute,
		Replicas:          replicas,
	}
}

// Log is the JetStream adapter of ledger.Log and of the projector's source.
type Log struct {
	nc *natsgo.Conn
	js jetstream.JetStream
}

// Open declares the stream (creating it, or checking an existing one keeps
// the immutability flags) and returns the log.
func Open(ctx context.Context, nc *natsgo.Conn, replicas int) (*Log, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("nats: jetstream: %w", err)
	}
	want := StreamConfig(replicas)
	s, err := js.Stream(ctx, StreamName)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		if _, err := js.CreateStream(ctx, want); err != nil {
			return nil, fmt.Errorf("nats: create stream %s: %w", StreamName, err)
		}
	case err != nil:
		return nil, fmt.Errorf("nats: look up stream %s: %w", StreamName, err)
	default:
		cfg := s.CachedInfo().Config
		if !cfg.DenyDelete || !cfg.DenyPurge || cfg.AllowRollup {
			return nil, fmt.Errorf("nats: stream %s exists without the immutability settings (deny delete, deny purge, no rollup)", StreamName)
		}
	}
	return &Log{nc: nc, js: js}, nil
}

// OpenExisting attaches to the stream without creating or changing it, for
// read-only tools such as verify.
func OpenExisting(ctx context.Context, nc *natsgo.Conn) (*Log, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("nats: jetstream: %w", err)
	}
	if _, err := js.Stream(ctx, StreamName); err != nil {
		return nil, fmt.Errorf("nats: stream %s: %w", StreamName, err)
	}
	return &Log{nc: nc, js: js}, nil
}

// JetStream exposes the context for tools and tests.
func (l *Log) JetStream() jetstream.JetStream { return l.js }

// segmentSubject is a segment's subject: ledger.<org>.<type> when every
// event in it has that type, ledger.<org>.mixed otherwise.
func segmentSubject(org string, msgs []ledger.Message) string {
	typ := msgs[0].Env.Type
	for _, m := range msgs[1:] {
		if m.Env.Type != typ {
			return Subject(org, MixedType)
		}
	}
	return Subject(org, typ)
}

// newMsg builds the one stream message of a group: its events as a segment
// (events.JoinSegment), packed (events.AppendPacked) when that makes it
// smaller, the first event's id as the message id (so a republished segment
// is recognised as a duplicate), the first org sequence, the number of
// events and the last hash in headers. packed, if not nil, is the segment
// packed already.
func newMsg(org string, msgs []ledger.Message, packed []byte) *natsgo.Msg {
	data := make([][]byte, len(msgs))
	for i, m := range msgs {
		data[i] = m.Data
	}
	last := msgs[len(msgs)-1].Env
	msg := natsgo.NewMsg(segmentSubject(org, msgs))
	seg := events.JoinSegment(data)
	if packed == nil {
		packed = events.AppendPacked(nil, seg)
	}
	msg.Data = seg
	if len(packed) < len(seg) {
		msg.Data = packed
		msg.Header.Set(events.EncodingHeader, events.EncodingPacked)
	}
	msg.Header.Set(jetstream.MsgIDHeader, msgs[0].Env.ID)
	msg.Header.Set(HeaderHash, last.Hash)
	msg.Header.Set(HeaderSeq, strconv.FormatUint(msgs[0].Env.Seq, 10))
	msg.Header.Set(HeaderCount, strconv.Itoa(len(msgs)))
	return msg
}

// pubAck is the server's answer to a publish or a batch commit.
type pubAck struct {
	Error *struct {
		Code        int    `json:"code"`
		ErrCode     int    `json:"err_code"`
		Description string `json:"description"`
	} `json:"error"`
	Seq uint64 `json:"seq"`
}

var lastSeqRe = regexp.MustCompile(`wrong last sequence: ([0-9]+)`)

// Append publishes msgs (consecutive events of org) as one message, so
// they are stored together or not at all. The message carries the org's
// expected last stream sequence, checked by the server against ledger.<org>.>.
// packed, if not nil, is their segment packed (events.AppendPacked), which
// saves compressing it again.
func (l *Log) Append(ctx context.Context, org string, expect uint64, msgs []ledger.Message, packed []byte) (uint64, error) {
	if len(msgs) == 0 {
		return 0, errors.New("nats: empty append")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	msg := newMsg(org, msgs, packed)
	msg.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(expect, 10))
	msg.Header.Set(jetstream.ExpectedLastSubjSeqSubjHeader, OrgFilter(org))
	reply, err := l.nc.RequestMsgWithContext(ctx, msg)
	if err != nil {
		return 0, fmt.Errorf("nats: publish: %w", err)
	}
	var ack pubAck
	if err := json.Unmarshal(reply.Data, &ack); err != nil {
		return 0, fmt.Errorf("nats: bad publish ack %q: %w", reply.Data, err)
	}
	if ack.Error != nil {
		if ack.Error.ErrCode == codeWrongLastSeq {
			if m := lastSeqRe.FindStringSubmatch(ack.Error.Description); m != nil {
				n, _ := strconv.ParseUint(m[1], 10, 64)
				return 0, &ledger.ConflictError{Last: n}
			}
			return 0, &ledger.ConflictError{}
		}
		return 0, fmt.Errorf("nats: publish refused: %s (code %d)", ack.Error.Description, ack.Error.ErrCode)
	}
	return ack.Seq, nil
}

// Raw is one stored message.
type Raw = events.Stored

// LastSeq is the stream's last sequence (0 when empty).
func (l *Log) LastSeq(ctx context.Context) (uint64, error) {
	s, err := l.js.Stream(ctx, StreamName)
	if err != nil {
		return 0, fmt.Errorf("nats: stream info: %w", err)
	}
	return s.CachedInfo().State.LastSeq, nil
}

// LastOfOrg returns the org's last stored message, ok=false if none.
func (l *Log) LastOfOrg(ctx context.Context, org string) (Raw, bool, error) {
	s, err := l.js.Stream(ctx, StreamName)
	if err != nil {
		return Raw{}, false, fmt.Errorf("nats: stream: %w", err)
	}
	m, err := s.GetLastMsgForSubject(ctx, OrgFilter(org))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return Raw{}, false, nil
	}
	if err != nil {
		return Raw{}, false, fmt.Errorf("nats: last message of %s: %w", org, err)
	}
	data, _, err := unpack(m.Header.Get(events.EncodingHeader), m.Data)
	if err != nil {
		return Raw{}, false, fmt.Errorf("nats: message %d: %w", m.Sequence, err)
	}
	return Raw{StreamSeq: m.Sequence, Data: data}, true, nil
}

// Get returns the message at a stream sequence, ok=false if it is missing
// (never written, or lost from a damaged store).
func (l *Log) Get(ctx context.Context, seq uint64) (Raw, bool, error) {
	s, err := l.js.Stream(ctx, StreamName)
	if err != nil {
		return Raw{}, false, fmt.Errorf("nats: stream: %w", err)
	}
	m, err := s.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return Raw{}, false, nil
	}
	if err != nil {
		return Raw{}, false, fmt.Errorf("nats: get %d: %w", seq, err)
	}
	data, _, err := unpack(m.Header.Get(events.EncodingHeader), m.Data)
	if err != nil {
		return Raw{}, false, fmt.Errorf("nats: message %d: %w", m.Sequence, err)
	}
	return Raw{StreamSeq: m.Sequence, Data: data}, true, nil
}

// Read delivers the stream's events in order from stream sequence from, in
// chunks of whatever has arrived, until ctx ends or fn fails. Each message is
// unpacked if it is packed and split into its events (events.SplitSegment),
// which share its stream sequence; a chunk always holds whole messages, and
// holds at most max events unless one message has more. Chunking is what
// lets the projector commit many events per fsync. A message that is not a
// well-formed segment is delivered as one event with its bytes as they are,
// for the reader to reject. A packed message with canonical blocks hands
// its packed data to its first event (events.Stored.Packed).
func (l *Log) Read(ctx context.Context, from uint64, max int, fn func([]Raw) error) error {
	if from == 0 {
		from = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cons, err := l.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   from,
	})
	if err != nil {
		return fmt.Errorf("nats: ordered consumer: %w", err)
	}
	// Messages wait in ch until a chunk takes them; budget bounds the bytes
	// waiting or being applied, since a message can hold a thousand events.
	budget := newByteBudget(ctx, readBudget)
	ch := make(chan delivered, max)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			return
		}
		d := delivered{seq: md.Sequence.Stream, data: m.Data(), enc: m.Headers().Get(events.EncodingHeader)}
		d.size = len(d.data)
		if d.enc != "" {
			if n, err := events.UnpackedSize(d.data); err == nil {
				d.size += n
			}
		}
		if !budget.acquire(d.size) {
			return
		}
		select {
		case ch <- d:
		case <-ctx.Done():
		}
	}, jetstream.PullMaxMessagesWithBytesLimit(max, readBudget/2))
	if err != nil {
		return fmt.Errorf("nats: consume: %w", err)
	}
	defer cc.Stop()
	var (
		chunk = make([]Raw, 0, max)
		bytes int
	)
	add := func(d delivered) {
		bytes += d.size
		r := Raw{StreamSeq: d.seq, Data: d.data}
		if d.enc != "" {
			seg, canonical, err := unpack(d.enc, d.data)
			if err != nil {
				chunk = append(chunk, r) // for the reader to reject
				return
			}
			if r.Data = seg; canonical {
				r.Packed = d.data
			}
		}
		evs, err := events.SplitSegment(r.Data)
		if err != nil || len(evs) == 1 {
			chunk = append(chunk, r)
			return
		}
		for i, e := range evs {
			c := Raw{StreamSeq: r.StreamSeq, Data: e}
			if i == 0 {
				c.Packed = r.Packed
			}
			chunk = append(chunk, c)
		}
	}
	for {
		chunk, bytes = chunk[:0], 0
		select {
		case r := <-ch:
			add(r)
		case <-ctx.Done():
			return ctx.Err()
		}
	fill:
		for len(chunk) < max {
			select {
			case r := <-ch:
				add(r)
			default:
				break fill
			}
		}
		if err := fn(chunk); err != nil {
			return err
		}
		budget.release(bytes)
	}
}

// readBudget bounds the message bytes a reader holds at once: as stored,
// and a packed message's segment unpacked too.
const readBudget = 16 << 20

// delivered is a message as the consumer hands it over.
type delivered struct {
	seq  uint64
	data []byte
	enc  string // its header events.EncodingHeader
	size int    // what it holds of the budget
}

// unpack returns a message's segment: its data, unpacked if its encoding
// header enc says so. It reports whether the data was packed with
// canonical blocks.
func unpack(enc string, data []byte) ([]byte, bool, error) {
	switch enc {
	case "":
		return data, false, nil
	case events.EncodingPacked:
		return events.UnpackSegment(nil, data)
	default:
		return nil, false, fmt.Errorf("%w: unknown %s %q", events.ErrMalformed, events.EncodingHeader, enc)
	}
}

// byteBudget is a counting semaphore over bytes. A message larger than the
// whole budget is still let through when nothing else is held.
type byteBudget struct {
	mu    sync.Mutex
	cond  *sync.Cond
	used  int
	limit int
	done  bool
}

func newByteBudget(ctx context.Context, limit int) *byteBudget {
	b := &byteBudget{limit: limit}
	b.cond = sync.NewCond(&b.mu)
	context.AfterFunc(ctx, func() {
		b.mu.Lock()
		b.done = true
		b.mu.Unlock()
		b.cond.Broadcast()
	})
	return b
}

// acquire waits for n bytes; false once the reader is gone.
func (b *byteBudget) acquire(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for !b.done && b.used > 0 && b.used+n > b.limit {
		b.cond.Wait()
	}
	b.used += n
	return !b.done
}

func (b *byteBudget) release(n int) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}
