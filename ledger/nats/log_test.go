package nats_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	lnats "github.com/unionledger/unionledger/ledger/nats"
)

// testLog is a real embedded server with the LEDGER stream, plus a chain
// builder per org so appended events are valid ledger events.
type testLog struct {
	t     *testing.T
	log   *lnats.Log
	nc    *natsgo.Conn
	js    jetstream.JetStream
	heads map[string]ledger.Head // per org: last seq, its stream seq, its hash
	data  map[uint64][]byte      // stream seq → the message appended there
	n     int
}

func newTestLog(t *testing.T) *testLog {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	emb, err := lnats.StartEmbedded(ctx, lnats.ServerConfig{StoreDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatalf("start embedded server: %v", err)
	}
	t.Cleanup(emb.Shutdown)
	nc, err := emb.Connect("log-test")
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	l, err := lnats.Open(ctx, nc, 1)
	if err != nil {
		t.Fatalf("open log: %v", err)
	}
	return &testLog{t: t, log: l, nc: nc, js: l.JetStream(), heads: map[string]ledger.Head{}, data: map[uint64][]byte{}}
}

// next seals count events continuing org's chain, without appending them.
func (tl *testLog) next(org string, count int) []ledger.Message {
	tl.t.Helper()
	h := tl.heads[org]
	prev := h.Hash
	if prev == "" {
		prev = events.ZeroHash
	}
	var out []ledger.Message
	for i := range count {
		tl.n++
		var p events.Payload = events.DuesReceived{Member: "m1", Period: "2025-01", Amount: 100,
			Receipt: events.Receipt{Book: "B", Number: strconv.Itoa(tl.n)}, Via: events.ViaBank}
		if h.Seq == 0 && i == 0 {
			p = events.OrgOpened{Name: "x", Chart: "2010"}
		}
		cmd := fmt.Sprintf("c%d", tl.n)
		env, data, err := events.Seal(events.Draft{Date: "2025-01-01", Payload: p}, events.Meta{
			ID: uuid.Must(uuid.NewV7()).String(), Org: org, Seq: h.Seq + uint64(i) + 1,
			Recorded: time.Now(), Actor: "p-test", Command: cmd, CommandHash: events.HashOf([]byte(cmd)), Prev: prev,
		})
		if err != nil {
			tl.t.Fatalf("seal: %v", err)
		}
		prev = env.Hash
		out = append(out, ledger.Message{Env: env, Data: data})
	}
	return out
}

// appendOK appends count events to org with the correct expectation and
// records them.
func (tl *testLog) appendOK(org string, count int) uint64 {
	tl.t.Helper()
	msgs := tl.next(org, count)
	last, err := tl.log.Append(context.Background(), org, tl.heads[org].StreamSeq, msgs, nil)
	if err != nil {
		tl.t.Fatalf("append %d to %s: %v", count, org, err)
	}
	data := make([][]byte, len(msgs))
	for i, m := range msgs {
		data[i] = m.Data
	}
	tl.data[last] = events.JoinSegment(data)
	end := msgs[len(msgs)-1].Env
	tl.heads[org] = ledger.Head{Seq: end.Seq, StreamSeq: last, Hash: end.Hash}
	return last
}

func (tl *testLog) stream() jetstream.Stream {
	tl.t.Helper()
	s, err := tl.js.Stream(context.Background(), lnats.StreamName)
	if err != nil {
		tl.t.Fatalf("stream: %v", err)
	}
	return s
}

func (tl *testLog) state() jetstream.StreamState {
	tl.t.Helper()
	info, err := tl.stream().Info(context.Background())
	if err != nil {
		tl.t.Fatalf("stream info: %v", err)
	}
	return info.State
}

// checkIntact asserts the stream holds exactly what was appended, byte for
// byte, and nothing else.
func (tl *testLog) checkIntact() {
	tl.t.Helper()
	ctx := context.Background()
	st := tl.state()
	if st.Msgs != uint64(len(tl.data)) || st.NumDeleted != 0 {
		tl.t.Fatalf("stream holds %d messages (%d deleted), want %d and none deleted", st.Msgs, st.NumDeleted, len(tl.data))
	}
	last, err := tl.log.LastSeq(ctx)
	if err != nil {
		tl.t.Fatal(err)
	}
	if last != uint64(len(tl.data)) {
		tl.t.Fatalf("LastSeq %d, want %d", last, len(tl.data))
	}
	for seq, want := range tl.data {
		raw, ok, err := tl.log.Get(ctx, seq)
		if err != nil || !ok {
			tl.t.Fatalf("message %d not readable: ok=%v err=%v", seq, ok, err)
		}
		if !bytes.Equal(raw.Data, want) {
			tl.t.Fatalf("message %d changed", seq)
		}
	}
}

func TestLogRefusesDeletesAndPurges(t *testing.T) {
	tl := newTestLog(t)
	tl.appendOK("a", 1)
	tl.appendOK("b", 2)
	tl.appendOK("a", 3)
	tl.checkIntact()
	ctx := context.Background()
	s := tl.stream()

	for _, tc := range []struct {
		name string
		op   func() error
		code jetstream.ErrorCode // 0: a refused message delete
	}{
		{"delete first", func() error { return s.DeleteMsg(ctx, 1) }, 0},
		{"delete middle", func() error { return s.DeleteMsg(ctx, 3) }, 0},
		{"delete last", func() error { return s.DeleteMsg(ctx, 6) }, 0},
		{"secure delete first", func() error { return s.SecureDeleteMsg(ctx, 1) }, 0},
		{"secure delete last", func() error { return s.SecureDeleteMsg(ctx, 6) }, 0},
		{"purge all", func() error { return s.Purge(ctx) }, 10110},
		{"purge one org", func() error { return s.Purge(ctx, jetstream.WithPurgeSubject(lnats.OrgFilter("a"))) }, 10110},
		{"purge up to a sequence", func() error { return s.Purge(ctx, jetstream.WithPurgeSequence(4)) }, 10110},
		{"purge keeping the tail", func() error { return s.Purge(ctx, jetstream.WithPurgeKeep(1)) }, 10110},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.op()
			if err == nil {
				t.Fatal("the stream accepted it")
			}
			if tc.code == 0 {
				// The client flattens the API error (code 10057) into text.
				if !errors.Is(err, jetstream.ErrMsgDeleteUnsuccessful) || !strings.Contains(err.Error(), "not permitted") {
					t.Fatalf("want a refused delete, got %v", err)
				}
			} else {
				var apiErr *jetstream.APIError
				if !errors.As(err, &apiErr) || apiErr.ErrorCode != tc.code {
					t.Fatalf("want API error code %d, got %v", tc.code, err)
				}
			}
			tl.checkIntact()
		})
	}
}

func TestLogConfigCannotBeLoosened(t *testing.T) {
	tl := newTestLog(t)
	tl.appendOK("a", 2)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		mutate func(*jetstream.StreamConfig)
	}{
		{"allow deletes", func(c *jetstream.StreamConfig) { c.DenyDelete = false }},
		{"allow purges", func(c *jetstream.StreamConfig) { c.DenyPurge = false }},
		{"allow rollups", func(c *jetstream.StreamConfig) { c.AllowRollup = true }},
		{"allow rollups and purges", func(c *jetstream.StreamConfig) { c.AllowRollup, c.DenyPurge = true, false }},
		{"allow everything", func(c *jetstream.StreamConfig) { c.AllowRollup, c.DenyPurge, c.DenyDelete = true, false, false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := tl.stream().Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cfg := info.Config
			tc.mutate(&cfg)
			if _, err := tl.js.UpdateStream(ctx, cfg); err == nil {
				t.Fatal("the stream accepted the update")
			}
			info, err = tl.stream().Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c := info.Config; !c.DenyDelete || !c.DenyPurge || c.AllowRollup {
				t.Fatalf("config changed: deny delete %v, deny purge %v, allow rollup %v",
					c.DenyDelete, c.DenyPurge, c.AllowRollup)
			}
			// Open still accepts the stream: the settings are the immutable ones.
			if _, err := lnats.Open(ctx, tl.nc, 1); err != nil {
				t.Fatalf("reopen: %v", err)
			}
			tl.checkIntact()
		})
	}
}

func TestLogRefusesRollups(t *testing.T) {
	tl := newTestLog(t)
	tl.appendOK("a", 3)
	ctx := context.Background()
	for _, rollup := range []string{jetstream.MsgRollupSubject, jetstream.MsgRollupAll} {
		t.Run(rollup, func(t *testing.T) {
			// A well-formed next event of org a, asking to roll up everything
			// before it.
			m := tl.next("a", 1)[0]
			msg := natsgo.NewMsg(lnats.Subject("a", m.Env.Type))
			msg.Data = m.Data
			msg.Header.Set(jetstream.MsgRollup, rollup)
			_, err := tl.js.PublishMsg(ctx, msg)
			var apiErr *jetstream.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode != 10111 { // JSStreamRollupFailedF
				t.Fatalf("want API error code 10111 (rollup not permitted), got %v", err)
			}
			tl.checkIntact()
		})
	}
}

func TestLogAppendRefusesStaleExpectation(t *testing.T) {
	tl := newTestLog(t)
	tl.appendOK("a", 2) // message 1
	tl.appendOK("b", 1) // 2
	tl.appendOK("a", 1) // 3
	tl.appendOK("b", 2) // 4: the stream's last is b's, a's last is 3
	tl.checkIntact()
	ctx := context.Background()
	lastA := tl.heads["a"].StreamSeq
	for _, tc := range []struct {
		name   string
		org    string
		expect uint64
		count  int
		last   uint64 // the org's real last stream sequence
	}{
		{"single: expect an older sequence of the org", "a", 1, 1, lastA},
		{"batch: expect an older sequence of the org", "a", 1, 3, lastA},
		{"single: expect nothing", "a", 0, 1, lastA},
		{"batch: expect nothing", "a", 0, 4, lastA},
		{"single: expect the stream's last (another org's)", "a", 4, 1, lastA},
		{"batch: expect the stream's last (another org's)", "a", 4, 2, lastA},
		{"single: expect a sequence from the future", "a", 99, 1, lastA},
		{"batch: expect a sequence from the future", "a", 99, 5, lastA},
		{"single: new org expecting a sequence", "c", 3, 1, 0},
		{"batch: new org expecting a sequence", "c", 3, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.expect == tc.last {
				t.Fatal("bad case: the expectation is not stale")
			}
			_, err := tl.log.Append(ctx, tc.org, tc.expect, tl.next(tc.org, tc.count), nil)
			var ce *ledger.ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("want *ledger.ConflictError, got %v", err)
			}
			if ce.Last != tc.last {
				t.Fatalf("conflict reports last %d, the org's last stream sequence is %d", ce.Last, tc.last)
			}
			tl.checkIntact() // nothing of the refused append was stored
		})
	}
	// The conflict's Last is the expectation that works.
	_, err := tl.log.Append(ctx, "a", 0, tl.next("a", 2), nil)
	var ce *ledger.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("want conflict, got %v", err)
	}
	msgs := tl.next("a", 2)
	last, err := tl.log.Append(ctx, "a", ce.Last, msgs, nil)
	if err != nil {
		t.Fatalf("append with the reported last: %v", err)
	}
	if last != 5 {
		t.Fatalf("two events after stream seq 4 are message %d, want 5", last)
	}
	raw, ok, err := tl.log.Get(ctx, last)
	if err != nil || !ok || !bytes.Equal(raw.Data, events.JoinSegment([][]byte{msgs[0].Data, msgs[1].Data})) {
		t.Fatalf("message %d: ok=%v err=%v, want the two events as one segment", last, ok, err)
	}
}

func TestLogExpectationIsPerOrg(t *testing.T) {
	tl := newTestLog(t)
	ctx := context.Background()
	// Interleave two orgs: each append expects only its own org's last
	// sequence, however far the stream moved because of the other org.
	for _, step := range []struct {
		org   string
		count int
	}{
		{"a", 1}, {"b", 1}, {"b", 3}, {"a", 2}, {"b", 1}, {"b", 1}, {"a", 1}, {"c", 2}, {"a", 4},
	} {
		before, err := tl.log.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		last := tl.appendOK(step.org, step.count)
		if last != before+1 {
			t.Fatalf("append of %d to %s after %d returned %d", step.count, step.org, before, last)
		}
		raw, ok, err := tl.log.LastOfOrg(ctx, step.org)
		if err != nil || !ok {
			t.Fatalf("last of %s: ok=%v err=%v", step.org, ok, err)
		}
		evs, err := events.SplitSegment(raw.Data)
		if err != nil || len(evs) != step.count {
			t.Fatalf("last of %s holds %d events (%v), want %d", step.org, len(evs), err, step.count)
		}
		env, err := events.Decode(evs[len(evs)-1])
		if err != nil {
			t.Fatal(err)
		}
		if raw.StreamSeq != last || env.Hash != tl.heads[step.org].Hash {
			t.Fatalf("last of %s is stream seq %d (%s), want %d", step.org, raw.StreamSeq, env.Hash, last)
		}
	}
	tl.checkIntact()
	// Appending to b does not invalidate a's expectation, and b's own stale
	// expectation is not made good by appends to a.
	expectA, staleB := tl.heads["a"].StreamSeq, tl.heads["b"].StreamSeq
	tl.appendOK("b", 2)
	if tl.heads["a"].StreamSeq != expectA {
		t.Fatal("bad test: a's head moved")
	}
	tl.appendOK("a", 1) // expects expectA, from before b's appends
	_, err := tl.log.Append(ctx, "b", staleB, tl.next("b", 1), nil)
	var ce *ledger.ConflictError
	if !errors.As(err, &ce) || ce.Last != tl.heads["b"].StreamSeq {
		t.Fatalf("b with a stale expectation: want conflict at %d, got %v", tl.heads["b"].StreamSeq, err)
	}
	tl.checkIntact()
}

// TestReadSplitsMessagesIntoEvents checks that Read delivers each message's
// events in order, under the message's stream sequence, and never splits a
// message across chunks, even when it has more events than a chunk's max.
func TestReadSplitsMessagesIntoEvents(t *testing.T) {
	tl := newTestLog(t)
	sizes := []int{1, 3, 2, 5, 1, 4}
	var want []ledger.Message
	var wantSS []uint64
	for _, n := range sizes {
		msgs := tl.next("a", n)
		last, err := tl.log.Append(context.Background(), "a", tl.heads["a"].StreamSeq, msgs, nil)
		if err != nil {
			t.Fatal(err)
		}
		end := msgs[len(msgs)-1].Env
		tl.heads["a"] = ledger.Head{Seq: end.Seq, StreamSeq: last, Hash: end.Hash}
		for range msgs {
			wantSS = append(wantSS, last)
		}
		want = append(want, msgs...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []events.Stored
	errEnough := errors.New("enough")
	err := tl.log.Read(ctx, 1, 4, func(chunk []events.Stored) error {
		if len(chunk) == 0 {
			t.Fatal("empty chunk")
		}
		if len(got) > 0 && got[len(got)-1].StreamSeq == chunk[0].StreamSeq {
			t.Fatalf("message %d split across chunks", chunk[0].StreamSeq)
		}
		for _, r := range chunk {
			got = append(got, events.Stored{StreamSeq: r.StreamSeq, Data: append([]byte(nil), r.Data...)})
		}
		if len(got) >= len(want) {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) {
		t.Fatalf("read: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d events, appended %d", len(got), len(want))
	}
	for i := range want {
		if got[i].StreamSeq != wantSS[i] || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Fatalf("event %d: stream seq %d, want %d; same bytes %v", i, got[i].StreamSeq, wantSS[i], bytes.Equal(got[i].Data, want[i].Data))
		}
	}
}

// TestPackedMessages checks the wire form of a group: packed, with the
// encoding header, exactly when that is smaller; unpacked again by every
// read; and the packed data handed to the message's first event only when
// its blocks are canonical, since a store keeps it as its copy.
func TestPackedMessages(t *testing.T) {
	tl := newTestLog(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	type sent struct {
		seq       uint64
		seg       []byte
		data      []byte // as stored
		enc       string
		canonical bool
	}
	var all []sent
	for _, n := range []int{1, 3, 40, 70} {
		msgs := tl.next("a", n)
		last, err := tl.log.Append(ctx, "a", tl.heads["a"].StreamSeq, msgs, nil)
		if err != nil {
			t.Fatal(err)
		}
		end := msgs[len(msgs)-1].Env
		tl.heads["a"] = ledger.Head{Seq: end.Seq, StreamSeq: last, Hash: end.Hash}
		data := make([][]byte, n)
		for i, m := range msgs {
			data[i] = m.Data
		}
		seg := events.JoinSegment(data)
		m, err := tl.stream().GetMsg(ctx, last)
		if err != nil {
			t.Fatal(err)
		}
		packed := events.AppendPacked(nil, seg)
		enc := m.Header.Get(events.EncodingHeader)
		switch {
		case len(packed) < len(seg) && (enc != events.EncodingPacked || !bytes.Equal(m.Data, packed)):
			t.Fatalf("%d events: header %q and %d bytes stored, want %q and the %d packed bytes", n, enc, len(m.Data), events.EncodingPacked, len(packed))
		case len(packed) >= len(seg) && (enc != "" || !bytes.Equal(m.Data, seg)):
			t.Fatalf("%d events: header %q, want the segment as it is (packing does not make it smaller)", n, enc)
		}
		all = append(all, sent{seq: last, seg: seg, data: m.Data, enc: enc, canonical: enc != ""})
	}
	if all[3].enc == "" {
		t.Fatal("bad test: a group of 70 events was not packed")
	}
	// A packed message cut otherwise than the ledger cuts it (blocks of
	// 10) reads the same but is not handed on as a copy; one with an
	// unknown encoding is delivered as it is, for the reader to refuse.
	var odd []byte
	seg := all[3].seg
	for rest := seg; len(rest) > 0; {
		part := rest
		if evs := bytes.SplitAfterN(rest, []byte{'\n'}, 11); len(evs) == 11 {
			part, rest = bytes.TrimSuffix(rest[:len(rest)-len(evs[10])], []byte{'\n'}), evs[10]
		} else {
			rest = nil
		}
		odd = append(odd, events.AppendPacked(nil, part)...)
	}
	for _, m := range []struct {
		enc  string
		data []byte
	}{{events.EncodingPacked, odd}, {"zstd", all[3].data}} {
		msg := natsgo.NewMsg(lnats.Subject("b", "dues_received"))
		msg.Data = m.data
		msg.Header.Set(events.EncodingHeader, m.enc)
		ack, err := tl.js.PublishMsg(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, sent{seq: ack.Sequence, seg: seg, data: m.data, enc: m.enc})
	}
	all[5].seg = all[5].data // delivered as it is
	if _, _, err := tl.log.Get(ctx, all[5].seq); !errors.Is(err, events.ErrMalformed) {
		t.Fatalf("Get of a message in an unknown encoding: %v, want ErrMalformed", err)
	}
	for _, s := range all[:5] {
		raw, ok, err := tl.log.Get(ctx, s.seq)
		if err != nil || !ok || !bytes.Equal(raw.Data, s.seg) {
			t.Fatalf("Get %d: ok=%v err=%v, same segment %v", s.seq, ok, err, bytes.Equal(raw.Data, s.seg))
		}
	}

	var got []events.Stored
	errEnough := errors.New("enough")
	err := tl.log.Read(ctx, 1, 1000, func(chunk []events.Stored) error {
		for _, r := range chunk {
			got = append(got, events.Stored{StreamSeq: r.StreamSeq, Data: bytes.Clone(r.Data), Packed: bytes.Clone(r.Packed)})
		}
		if len(got) > 0 && got[len(got)-1].StreamSeq == all[len(all)-1].seq {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) {
		t.Fatalf("read: %v", err)
	}
	i := 0
	for _, s := range all {
		evs := bytes.Split(s.seg, []byte{'\n'})
		if s.enc == "zstd" {
			evs = [][]byte{s.data}
		}
		for k, ev := range evs {
			if i >= len(got) {
				t.Fatalf("read %d events, stopped inside message %d", len(got), s.seq)
			}
			g := got[i]
			if g.StreamSeq != s.seq || !bytes.Equal(g.Data, ev) {
				t.Fatalf("event %d: message %d, want %d; same bytes %v", i, g.StreamSeq, s.seq, bytes.Equal(g.Data, ev))
			}
			if want := k == 0 && s.canonical; (g.Packed != nil) != want || want && !bytes.Equal(g.Packed, s.data) {
				t.Fatalf("event %d (message %d, %q, event %d of it): packed data handed on %v, want %v", i, s.seq, s.enc, k, g.Packed != nil, want)
			}
			i++
		}
	}
	if i != len(got) {
		t.Fatalf("read %d events, want %d", len(got), i)
	}
}
