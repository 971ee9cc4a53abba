package nats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/google/uuid"
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
	HeaderHash = "Ledger-Hash"
	HeaderSeq  = "Ledger-Seq"
)

// JetStream API error codes the ledger reacts to.
const (
	codeWrongLastSeq     = 10071
	codeBatchTooInflight = 10211
)

// Subject is where an event is published: ledger.<org>.<type>. Events are
// not given a subject of their own (ledger.<org>.<type>.<id>) because the
// server keeps per-subject state in memory, which would then grow with the
// log instead of with the number of orgs and types (docs/architecture.md).
func Subject(org, typ string) string { return "ledger." + org + "." + typ }

// OrgFilter matches every event of one org.
func OrgFilter(org string) string { return "ledger." + org + ".>" }

// StreamConfig is the immutable stream: no limits, no deletes, no purges,
// no rollups, atomic batches on. DenyDelete and DenyPurge cannot be turned
// off once set.
func StreamConfig(replicas int) jetstream.StreamConfig {
	if replicas < 1 {
		replicas = 1
	}
	return jetstream.StreamConfig{
		Name:               StreamName,
		Description:        "unionledger events; immutable",
		Subjects:           []string{"ledger.>"},
		Storage:            jetstream.FileStorage,
		Retention:          jetstream.LimitsPolicy,
		MaxMsgs:            -1,
		MaxBytes:           -1,
		MaxAge:             0,
		MaxMsgsPerSubject:  -1,
		Discard:            jetstream.DiscardNew,
		DenyDelete:         true,
		DenyPurge:          true,
		AllowRollup:        false,
		AllowAtomicPublish: true,
		Duplicates:         2 * time.Minute,
		Replicas:           replicas,
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
		if !cfg.DenyDelete || !cfg.DenyPurge || cfg.AllowRollup || !cfg.AllowAtomicPublish {
			return nil, fmt.Errorf("nats: stream %s exists without the immutability settings (deny delete, deny purge, no rollup, atomic publish)", StreamName)
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

func newMsg(m ledger.Message) *natsgo.Msg {
	msg := natsgo.NewMsg(Subject(m.Env.Org, m.Env.Type))
	msg.Data = m.Data
	msg.Header.Set(jetstream.MsgIDHeader, m.Env.ID)
	msg.Header.Set(HeaderHash, m.Env.Hash)
	msg.Header.Set(HeaderSeq, strconv.FormatUint(m.Env.Seq, 10))
	return msg
}

// pubAck is the server's answer to a publish or a batch commit.
type pubAck struct {
	Error *struct {
		Code        int    `json:"code"`
		ErrCode     int    `json:"err_code"`
		Description string `json:"description"`
	} `json:"error"`
	Seq   uint64 `json:"seq"`
	Count int    `json:"count"`
}

var lastSeqRe = regexp.MustCompile(`wrong last sequence: ([0-9]+)`)

// Append publishes msgs atomically: one message as a plain publish, more as
// a JetStream atomic batch. The first message carries the org's expected
// last stream sequence, checked by the server against ledger.<org>.>.
func (l *Log) Append(ctx context.Context, org string, expect uint64, msgs []ledger.Message) (uint64, error) {
	if len(msgs) == 0 {
		return 0, errors.New("nats: empty append")
	}
	for {
		last, err := l.append(ctx, org, expect, msgs)
		var busy errBusy
		if errors.As(err, &busy) {
			select {
			case <-time.After(5 * time.Millisecond):
				continue
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		return last, err
	}
}

type errBusy struct{ msg string }

func (e errBusy) Error() string { return e.msg }

func (l *Log) append(ctx context.Context, org string, expect uint64, msgs []ledger.Message) (uint64, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	batch := uuid.NewString()
	var reply *natsgo.Msg
	for i, m := range msgs {
		msg := newMsg(m)
		if i == 0 {
			msg.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(expect, 10))
			msg.Header.Set(jetstream.ExpectedLastSubjSeqSubjHeader, OrgFilter(org))
		}
		if len(msgs) > 1 {
			msg.Header.Set("Nats-Batch-Id", batch)
			msg.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		}
		if i < len(msgs)-1 {
			if err := l.nc.PublishMsg(msg); err != nil {
				return 0, fmt.Errorf("nats: publish batch message: %w", err)
			}
			continue
		}
		if len(msgs) > 1 {
			msg.Header.Set("Nats-Batch-Commit", "1")
		}
		var err error
		if reply, err = l.nc.RequestMsgWithContext(ctx, msg); err != nil {
			return 0, fmt.Errorf("nats: publish: %w", err)
		}
	}
	var ack pubAck
	if err := json.Unmarshal(reply.Data, &ack); err != nil {
		return 0, fmt.Errorf("nats: bad publish ack %q: %w", reply.Data, err)
	}
	if ack.Error != nil {
		switch ack.Error.ErrCode {
		case codeWrongLastSeq:
			if m := lastSeqRe.FindStringSubmatch(ack.Error.Description); m != nil {
				n, _ := strconv.ParseUint(m[1], 10, 64)
				return 0, &ledger.ConflictError{Last: n}
			}
			return 0, &ledger.ConflictError{}
		case codeBatchTooInflight:
			return 0, errBusy{ack.Error.Description}
		}
		return 0, fmt.Errorf("nats: publish refused: %s (code %d)", ack.Error.Description, ack.Error.ErrCode)
	}
	if len(msgs) > 1 && ack.Count != len(msgs) {
		return 0, fmt.Errorf("nats: batch ack counts %d messages, sent %d", ack.Count, len(msgs))
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
	return Raw{StreamSeq: m.Sequence, Data: m.Data}, true, nil
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
	return Raw{StreamSeq: m.Sequence, Data: m.Data}, true, nil
}

// Read delivers the stream in order from stream sequence from, in chunks of
// whatever has arrived (at most max messages), until ctx ends or fn fails.
// Chunking is what lets the projector commit many events per fsync.
func (l *Log) Read(ctx context.Context, from uint64, max int, fn func([]Raw) error) error {
	if from == 0 {
		from = 1
	}
	cons, err := l.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   from,
	})
	if err != nil {
		return fmt.Errorf("nats: ordered consumer: %w", err)
	}
	ch := make(chan Raw, 2*max)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			return
		}
		select {
		case ch <- Raw{StreamSeq: md.Sequence.Stream, Data: m.Data()}:
		case <-ctx.Done():
		}
	}, jetstream.PullMaxMessages(max))
	if err != nil {
		return fmt.Errorf("nats: consume: %w", err)
	}
	defer cc.Stop()
	chunk := make([]Raw, 0, max)
	for {
		chunk = chunk[:0]
		select {
		case r := <-ch:
			chunk = append(chunk, r)
		case <-ctx.Done():
			return ctx.Err()
		}
	fill:
		for len(chunk) < max {
			select {
			case r := <-ch:
				chunk = append(chunk, r)
			default:
				break fill
			}
		}
		if err := fn(chunk); err != nil {
			return err
		}
	}
}

// Republish appends a stored event again with its original id and bytes,
// after JetStream lost it (see docs/durability.md). expect is the org's
// last stream sequence, as for Append.
func (l *Log) Republish(ctx context.Context, org string, expect uint64, m ledger.Message) (uint64, error) {
	return l.append(ctx, org, expect, []ledger.Message{m})
}
