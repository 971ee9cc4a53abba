package projections_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/projections"
)

// applyAll applies a stream to a fresh store with the given number of
// workers, in chunks of whole messages of about chunk events, and returns
// the store's dump, or the first error.
func applyAll(t *testing.T, s []events.Stored, workers, chunk int) ([]byte, error) {
	t.Helper()
	st, p := openProjector(t, workers)
	for len(s) > 0 {
		end := min(chunk, len(s))
		for end < len(s) && s[end].StreamSeq == s[end-1].StreamSeq {
			end++
		}
		if err := p.Apply(s[:end]); err != nil {
			return nil, err
		}
		s = s[end:]
	}
	return dumpStore(t, st), nil
}

// openProjector opens a fresh store, closed when the test ends, and a
// projector over it with the given number of workers.
func openProjector(t *testing.T, workers int) (*projections.Store, *projections.Projector) {
	t.Helper()
	st, err := projections.Open(t.TempDir(), projections.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := projections.NewProjector(st, nil)
	p.Workers = workers
	return st, p
}

func dumpStore(t *testing.T, st *projections.Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := st.Dump(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestParallelProjectionMatchesSequential projects a stream of four unions
// with one worker and with several, and checks the stores are identical,
// and that a broken stream stops both at the same, earliest bad event.
func TestParallelProjectionMatchesSequential(t *testing.T) {
	s := duesStream(t, 600)
	one, err := applyAll(t, s, 1, 128)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{2, 4} {
		got, err := applyAll(t, s, workers, 128)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(one, got) {
			t.Fatalf("%d workers: the store differs from a sequential projection", workers)
		}
	}

	// Break one union's chain, and make a later event of another union
	// undecodable, in the same chunk: the earlier one is what stops it.
	broken := append([]events.Stored(nil), s...)
	orgOf := func(i int) string {
		env, err := events.Decode(s[i].Data)
		if err != nil {
			t.Fatal(err)
		}
		return env.Org
	}
	linkAt, junkAt := len(s)/3, -1
	linkOrg := orgOf(linkAt)
	for i := len(s) - 1; i > linkAt && junkAt < 0; i-- {
		if orgOf(i) != linkOrg {
			junkAt = i
		}
	}
	if junkAt < 0 {
		t.Fatal("bad test: no event of another union after the broken one")
	}
	d := append([]byte(nil), s[linkAt].Data...)
	at := bytes.Index(d, []byte(`"prev":"`)) + len(`"prev":"`)
	if d[at] == '0' { // another hash: the chain breaks, the event still decodes
		d[at] = '1'
	} else {
		d[at] = '0'
	}
	broken[linkAt].Data = d
	broken[junkAt].Data = []byte("not an event")
	var want *projections.ChainError
	if _, err := applyAll(t, broken, 1, len(s)); !errors.As(err, &want) {
		t.Fatalf("sequential: want a chain error, got %v", err)
	}
	if want.StreamSeq != s[linkAt].StreamSeq || want.Org != linkOrg {
		t.Fatalf("sequential stopped at %+v, want %s at stream seq %d", want, linkOrg, s[linkAt].StreamSeq)
	}
	var got *projections.ChainError
	if _, err := applyAll(t, broken, 4, len(s)); !errors.As(err, &got) {
		t.Fatalf("parallel: want a chain error, got %v", err)
	}
	if *got != *want {
		t.Fatalf("parallel stopped at %+v, sequential at %+v", got, want)
	}
}

// sliceSource delivers a captured stream in chunks of whole messages of
// about chunk events, then ends the read with errStreamEnd.
type sliceSource struct {
	s     []events.Stored
	chunk int
}

var errStreamEnd = errors.New("end of the captured stream")

func (src *sliceSource) Read(_ context.Context, from uint64, _ int, fn func([]events.Stored) error) error {
	s := src.s
	for len(s) > 0 && s[0].StreamSeq < from {
		s = s[1:]
	}
	for len(s) > 0 {
		end := min(src.chunk, len(s))
		for end < len(s) && s[end].StreamSeq == s[end-1].StreamSeq {
			end++
		}
		if err := fn(s[:end]); err != nil {
			return err
		}
		s = s[end:]
	}
	return errStreamEnd
}

// runAll projects a stream through Projector.Run, where each parallel
// chunk's commit runs while the next chunk is projected, every commit held
// until then, and returns the store's dump and Run's error.
func runAll(t *testing.T, s []events.Stored, workers, chunk int) ([]byte, uint64, error) {
	t.Helper()
	st, p := openProjector(t, workers)
	p.HoldCommits()
	err := p.Run(t.Context(), &sliceSource{s: s, chunk: chunk})
	return dumpStore(t, st), st.Applied(), err
}

// TestPipelinedProjectionMatchesSequential projects a stream through Run,
// each chunk projected while the chunk before is not yet committed: its
// workers must read the unions' balances, heads and records from the Txs
// being committed. The store must equal a sequential projection's, every
// commit must be done when Run returns, and a broken event must stop it
// with the same error, after committing everything before its chunk.
func TestPipelinedProjectionMatchesSequential(t *testing.T) {
	s := duesStream(t, 600)
	one, err := applyAll(t, s, 1, 128)
	if err != nil {
		t.Fatal(err)
	}
	last := s[len(s)-1].StreamSeq
	for _, tt := range []struct{ workers, chunk int }{{2, 64}, {2, 128}, {3, 200}} {
		got, applied, err := runAll(t, s, tt.workers, tt.chunk)
		if !errors.Is(err, errStreamEnd) {
			t.Fatalf("%+v: Run = %v, want the end of the stream", tt, err)
		}
		if applied != last {
			t.Fatalf("%+v: applied %d when Run returned, want %d", tt, applied, last)
		}
		if !bytes.Equal(one, got) {
			t.Fatalf("%+v: the store differs from a sequential projection", tt)
		}
	}

	// An event two thirds in whose hash no longer matches its bytes.
	broken := append([]events.Stored(nil), s...)
	at := 2 * len(s) / 3
	d := append([]byte(nil), s[at].Data...)
	i := bytes.Index(d, []byte(`"hash":"`)) + len(`"hash":"`)
	d[i] ^= 1
	broken[at].Data = d
	_, wantErr := applyAll(t, broken, 1, len(s))
	var want *projections.ChainError
	if !errors.As(wantErr, &want) {
		t.Fatalf("sequential: want a chain error, got %v", wantErr)
	}
	gotDump, applied, err := runAll(t, broken, 2, 64)
	var got *projections.ChainError
	if !errors.As(err, &got) || *got != *want {
		t.Fatalf("pipelined: Run = %v, want %v", err, want)
	}
	// Every chunk before the failed one is committed, nothing after.
	var before uint64 // the last sequence of the chunk before the broken event's
	for rest := broken; len(rest) > 0; {
		end := min(64, len(rest))
		for end < len(rest) && rest[end].StreamSeq == rest[end-1].StreamSeq {
			end++
		}
		if rest[end-1].StreamSeq >= want.StreamSeq {
			break
		}
		before, rest = rest[end-1].StreamSeq, rest[end:]
	}
	if applied != before || before == 0 {
		t.Fatalf("pipelined: applied %d, want %d, the end of the chunk before the broken event's", applied, before)
	}
	prefix, err := applyAll(t, s[:indexOfSeq(s, applied+1)], 1, 128)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(prefix, gotDump) {
		t.Fatalf("pipelined: the store after the broken chunk differs from the stream through %d projected alone", applied)
	}
}

// indexOfSeq is the index of the first event at or after stream sequence seq.
func indexOfSeq(s []events.Stored, seq uint64) int {
	for i, e := range s {
		if e.StreamSeq >= seq {
			return i
		}
	}
	return len(s)
}

// TestUpgradedCopiesMatchRebuild opens a store whose event copies are in
// the layout of earlier versions, most of them (one key an event): it must
// then hold what projecting the stream afresh writes, byte for byte.
func TestUpgradedCopiesMatchRebuild(t *testing.T) {
	s := duesStream(t, 600)
	dir := t.TempDir()
	st, err := projections.Open(dir, projections.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := projections.NewProjector(st, nil)
	for len(s) > 0 {
		end := min(128, len(s))
		for end < len(s) && s[end].StreamSeq == s[end-1].StreamSeq {
			end++
		}
		if err := p.Apply(s[:end]); err != nil {
			t.Fatal(err)
		}
		s = s[end:]
	}
	want := dumpStore(t, st)
	if err := st.WriteOldCopies(3); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(dumpStore(t, st), want) {
		t.Fatal("bad test: the old layout is the new one")
	}
	st.Close()
	st, err = projections.Open(dir, projections.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := dumpStore(t, st); !bytes.Equal(got, want) {
		t.Fatalf("the converted store differs from the projected one (%d against %d bytes of dump)", len(got), len(want))
	}
}

// TestMessageAppliedAgain applies messages again at new stream positions,
// as a republish after JetStream lost its tail does, or a forgery: a
// message holding exactly one copy's events moves the copy there; one
// event of a copy alone is checked and moves nothing; a changed event is
// a fork. None of them changes a projection.
func TestMessageAppliedAgain(t *testing.T) {
	s := duesStream(t, 600)
	st, p := openProjector(t, 1)
	if err := p.Apply(s); err != nil {
		t.Fatal(err)
	}
	// A message of at least three events.
	var msg []events.Stored
	for i := 0; i < len(s) && len(msg) < 3; {
		j := i
		for j < len(s) && s[j].StreamSeq == s[i].StreamSeq {
			j++
		}
		if j-i >= 3 {
			msg = s[i:j]
		}
		i = j
	}
	if msg == nil {
		t.Fatal("bad test: no message of three events")
	}
	first, err := events.Decode(msg[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	org, old, next := first.Org, msg[0].StreamSeq, s[len(s)-1].StreamSeq+1
	projected := func() []byte { // the dump without e/ and m/ (positions, checkpoint)
		var out []byte
		for _, line := range bytes.Split(dumpStore(t, st), []byte{'\n'}) {
			if !bytes.HasPrefix(line, []byte(`"e/`)) && !bytes.HasPrefix(line, []byte(`"m/`)) {
				out = append(append(out, line...), '\n')
			}
		}
		return out
	}
	positions := func() []uint64 {
		var out []uint64
		for i := range msg {
			ev, ok, err := st.Event(org, first.Seq+uint64(i))
			if err != nil || !ok || !bytes.Equal(ev.Data, msg[i].Data) {
				t.Fatalf("event %d: %v %v", first.Seq+uint64(i), ok, err)
			}
			out = append(out, ev.StreamSeq)
		}
		return out
	}
	before := projected()
	at := func(seq uint64, evs ...events.Stored) []events.Stored {
		out := make([]events.Stored, len(evs))
		for i, e := range evs {
			out[i] = events.Stored{StreamSeq: seq, Data: e.Data}
		}
		return out
	}

	// One event of the copy alone: checked, nothing moves.
	if err := p.Apply(at(next, msg[1])); err != nil {
		t.Fatal(err)
	}
	for i, pos := range positions() {
		if pos != old {
			t.Fatalf("after a lone event, event %d is at %d, want %d", i, pos, old)
		}
	}
	// The whole message: the copy moves.
	if err := p.Apply(at(next+1, msg...)); err != nil {
		t.Fatal(err)
	}
	for i, pos := range positions() {
		if pos != next+1 {
			t.Fatalf("after the whole message, event %d is at %d, want %d", i, pos, next+1)
		}
	}
	if !bytes.Equal(projected(), before) {
		t.Fatal("applying events again changed a projection")
	}
	// A changed event: a fork, and the projector stops on it.
	forged := bytes.Replace(msg[1].Data, []byte(`"actor":"p-bench"`), []byte(`"actor":"p-bencx"`), 1)
	if bytes.Equal(forged, msg[1].Data) {
		t.Fatal("bad test: the forgery changed nothing")
	}
	var fork *projections.ChainError
	if err := p.Apply(at(next+2, events.Stored{Data: forged})); !errors.As(err, &fork) || fork.Seq != first.Seq+1 || !strings.Contains(fork.Reason, "fork") {
		t.Fatalf("a changed event: %v, want a fork at %s/%d", err, org, first.Seq+1)
	}
}

// TestPackedMessagesAreTheCopies applies a stream whose messages came
// packed (events.Stored.Packed on each message's first event, as the log
// delivers them): with the ledger's own packing the store is the one the
// events alone give, and packed data is kept as it came, not packed again:
// blocks compressed otherwise (S2's own encoding) make other copies of the
// same events.
func TestPackedMessagesAreTheCopies(t *testing.T) {
	s := duesStream(t, 600)
	withPacked := func(pack func(seg []byte) []byte) []events.Stored {
		out := slices.Clone(s)
		for i := 0; i < len(out); {
			j := i + 1
			for j < len(out) && out[j].StreamSeq == out[i].StreamSeq {
				j++
			}
			var seg []byte
			for _, st := range out[i:j] {
				seg = events.AppendToSegment(seg, st.Data)
			}
			out[i].Packed = pack(seg)
			i = j
		}
		return out
	}
	s2Packed := func(seg []byte) []byte {
		var out []byte
		for evs := bytes.Split(seg, []byte{'\n'}); len(evs) > 0; {
			k := min(events.PackBlockEvents, len(evs))
			b := s2.Encode(nil, bytes.Join(evs[:k], []byte{'\n'}))
			out = append(binary.BigEndian.AppendUint32(out, uint32(len(b))), b...)
			evs = evs[k:]
		}
		return out
	}
	want, err := applyAll(t, s, 1, 128)
	if err != nil {
		t.Fatal(err)
	}
	got, err := applyAll(t, withPacked(func(seg []byte) []byte { return events.AppendPacked(nil, seg) }), 2, 128)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("a stream of packed messages projects to another store than its events do")
	}
	st, p := openProjector(t, 2)
	if err := p.Apply(withPacked(s2Packed)); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(dumpStore(t, st), want) {
		t.Fatal("copies of messages packed with S2's encoding are the ledger's packing: the packed data was not kept")
	}
	for _, org := range []string{"bench-0", "bench-1", "bench-2", "bench-3"} {
		var evs []string
		if err := st.Events(org, 1, 0, func(_ uint64, e events.Stored) bool {
			evs = append(evs, string(e.Data))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		var wantEvs []string
		for _, e := range s {
			if env, err := events.Decode(e.Data); err == nil && env.Org == org {
				wantEvs = append(wantEvs, string(e.Data))
			}
		}
		if !slices.Equal(evs, wantEvs) {
			t.Fatalf("%s: %d events read back from copies kept as they came, want %d, the same", org, len(evs), len(wantEvs))
		}
	}
}
