package projections

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/events"
)

// TestCopyRoundTrip encodes copies of one and of many events, compressible
// and not, and reads every event back, alone and in order, from every
// place in every block.
func TestCopyRoundTrip(t *testing.T) {
	var many []string
	for i := range 300 {
		many = append(many, `{"v":1,"org":"h1","seq":`+strconv.Itoa(i+40)+`,"payload":{"amount_fen":6650}}`)
	}
	for _, tc := range []struct {
		name   string
		evs    []string
		form   byte
		blocks int
	}{
		{"one event", []string{`{"a":1}`}, copyPlain, 1},
		{"incompressible", []string{"{\x01\x7f\x13}", "{\x55\x02}"}, copyPlain, 1},
		{"one block", many[:copyBlockEvents], copyBlocks, 1},
		{"a message", many, copyBlocks, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seg := []byte(strings.Join(tc.evs, "\n"))
			v := encodeCopy(nil, 77, len(tc.evs), seg)
			if v[8] != tc.form {
				t.Fatalf("form %d, want %d", v[8], tc.form)
			}
			if tc.form == copyBlocks && len(v) > len(seg)/2 {
				t.Errorf("compressed to %d bytes of %d", len(v), len(seg))
			}
			last := 40 + uint64(len(tc.evs)) - 1
			c, err := decodeCopy(last, v)
			if err != nil {
				t.Fatal(err)
			}
			if c.first != 40 || c.count != uint64(len(tc.evs)) || c.streamSeq != 77 || c.blocks() != tc.blocks {
				t.Fatalf("copy %d+%d at %d in %d blocks", c.first, c.count, c.streamSeq, c.blocks())
			}
			for i, e := range tc.evs {
				seq := 40 + uint64(i)
				if !c.holds(seq) {
					t.Fatalf("does not hold %d", seq)
				}
				if st, err := c.event(seq); err != nil || string(st.Data) != e || st.StreamSeq != 77 {
					t.Fatalf("event %d = %q at %d (%v), want %q", seq, st.Data, st.StreamSeq, err, e)
				}
			}
			if c.holds(39) || c.holds(40+uint64(len(tc.evs))) {
				t.Fatal("holds an event outside it")
			}
			for _, from := range []uint64{0, 40, 41, 40 + copyBlockEvents - 1, 40 + copyBlockEvents, 40 + 2*copyBlockEvents + 5, 39 + uint64(len(tc.evs))} {
				var got []string
				all, err := c.each(from, func(seq uint64, st events.Stored) bool {
					if want := max(from, 40) + uint64(len(got)); seq != want {
						t.Fatalf("from %d: seq %d, want %d", from, seq, want)
					}
					got = append(got, string(st.Data))
					return true
				})
				want := tc.evs[min(max(from, 40)-40, uint64(len(tc.evs))):]
				if err != nil || !all || strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Fatalf("each from %d: %d events, %v", from, len(got), err)
				}
			}
			moved := withStreamSeq(c.stored, 99)
			if m, err := decodeCopy(last, moved); err != nil || m.streamSeq != 99 || !bytes.Equal(m.body, c.body) {
				t.Fatalf("moved: %v, %d", err, m.streamSeq)
			}
		})
	}
}

// TestCopyCorrupt checks that damaged copies are refused, never misread:
// by the header, or by the first read of a block.
func TestCopyCorrupt(t *testing.T) {
	var evs []string
	for i := range 40 {
		evs = append(evs, `{"abc":"defghijkl","n":`+strconv.Itoa(i)+`}`)
	}
	good := encodeCopy(nil, 5, len(evs), []byte(strings.Join(evs, "\n")))
	if good[8] != copyBlocks || good[9] != 40 {
		t.Fatalf("bad test: form %d, count %d", good[8], good[9])
	}
	with := func(at int, b ...byte) []byte {
		return append(append(append([]byte(nil), good[:at]...), b...), good[at+len(b):]...)
	}
	for name, v := range map[string][]byte{
		"short":                  good[:9],
		"unknown form":           with(8, 7),
		"one S2 block a message": with(8, 1),
		"keyed by the first":     with(8, 2),
		"zero events":            with(9, 0),
		"more events than held":  with(9, 41),
		"fewer events than held": with(9, 39),
		"block cut short":        good[:len(good)-3],
		"bytes after the blocks": append(append([]byte(nil), good...), 0, 0, 0, 0),
		"broken block":           with(14, 0xff, 0xff, 0xff),
		"an old copy":            append(be8(5), `{"abc":"defghijkl"}`...),
		"plain, wrong count":     append(append(be8(5), copyPlain, 2), `{"a":1}`...),
	} {
		c, err := decodeCopy(100, v)
		if err == nil {
			_, err = c.each(0, func(uint64, events.Stored) bool { return true })
		}
		if !errors.Is(err, errCorruptCopy) {
			t.Errorf("%s: %v, want errCorruptCopy", name, err)
		}
	}
	if _, err := decodeCopy(39, good); !errors.Is(err, errCorruptCopy) {
		t.Errorf("more events than seqs before the key: %v, want errCorruptCopy", err)
	}
}

// TestConvertCopies opens a store with event copies of the old layout (one
// key an event), some already converted as a crash during the conversion
// leaves them, and checks that it holds exactly the copies by message a
// rebuild writes, and that opening it again changes nothing.
func TestConvertCopies(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	type msg struct {
		org       string
		first     uint64
		streamSeq uint64
		evs       []string
	}
	msgs := []msg{
		{"h1", 1, 10, []string{`{"e":"h1-1"}`, `{"e":"h1-2"}`, `{"e":"h1-3"}`}},
		{"h1", 4, 12, []string{`{"e":"h1-4"}`}},
		{"h1", 5, 13, []string{`{"e":"h1-5"}`, `{"e":"h1-6"}`}},
		{"h2", 1, 11, []string{`{"e":"h2-1"}`, `{"e":"h2-2"}`}},
		{"h2", 3, 14, []string{`{"e":"h2-3"}`}},
	}
	b := s.db.NewBatch()
	for i, m := range msgs {
		if i == 0 { // converted before the crash
			b.Set(copyKey(m.org, m.first+uint64(len(m.evs))-1), encodeCopy(nil, m.streamSeq, len(m.evs), []byte(strings.Join(m.evs, "\n"))), nil)
			continue
		}
		for j, e := range m.evs {
			b.Set(copyKey(m.org, m.first+uint64(j)), append(be8(m.streamSeq), e...), nil)
		}
	}
	if err := b.Commit(nil); err != nil {
		t.Fatal(err)
	}
	s.Close()

	want := map[string][]byte{}
	for _, m := range msgs {
		want[string(copyKey(m.org, m.first+uint64(len(m.evs))-1))] = encodeCopy(nil, m.streamSeq, len(m.evs), []byte(strings.Join(m.evs, "\n")))
	}
	for open := range 2 {
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]byte{}
		it, _ := s.db.NewIter(nil)
		for it.First(); it.Valid(); it.Next() {
			if bytes.HasPrefix(it.Key(), []byte(famEvent)) {
				got[string(it.Key())] = bytes.Clone(it.Value())
			}
		}
		it.Close()
		if len(got) != len(want) {
			t.Fatalf("open %d: %d copies, want %d", open, len(got), len(want))
		}
		for k, v := range want {
			if !bytes.Equal(got[k], v) {
				t.Errorf("open %d: copy %q = %x, want %x", open, k, got[k], v)
			}
		}
		for _, m := range msgs {
			var evs []string
			err := s.Events(m.org, m.first, m.first+uint64(len(m.evs))-1, func(_ uint64, st events.Stored) bool {
				if st.StreamSeq != m.streamSeq {
					t.Errorf("%s/%d at stream seq %d, want %d", m.org, m.first, st.StreamSeq, m.streamSeq)
				}
				evs = append(evs, string(st.Data))
				return true
			})
			if err != nil || strings.Join(evs, "\n") != strings.Join(m.evs, "\n") {
				t.Errorf("%s from %d: %q, %v", m.org, m.first, evs, err)
			}
		}
		s.Close()
	}
}

// TestStoreEvents reads events one by one and by ranges that start and
// end inside copies, across them, and past the org's last event.
func TestStoreEvents(t *testing.T) {
	s := openStore(t)
	tx := newTx(s)
	var all []string
	for m, n := range []int{3, 1, 4} {
		first := uint64(len(all) + 1)
		var evs []string
		for range n {
			evs = append(evs, `{"n":`+strconv.Itoa(len(all)+1)+`}`)
			all = append(all, evs[len(evs)-1])
		}
		tx.putCopy("h1", first, uint64(n), encodeCopy(nil, uint64(100+m), n, []byte(strings.Join(evs, "\n"))))
	}
	if err := tx.commit(nil); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(0); seq <= uint64(len(all))+1; seq++ {
		st, ok, err := s.Event("h1", seq)
		if err != nil {
			t.Fatal(err)
		}
		if want := seq >= 1 && seq <= uint64(len(all)); ok != want || ok && string(st.Data) != all[seq-1] {
			t.Fatalf("event %d: %q, %v", seq, st.Data, ok)
		}
	}
	for _, r := range [][2]uint64{{1, 8}, {2, 3}, {3, 5}, {5, 0}, {8, math.MaxUint64}, {9, 0}, {2, 2}} {
		var got []string
		if err := s.Events("h1", r[0], r[1], func(seq uint64, st events.Stored) bool {
			got = append(got, string(st.Data))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		hi := min(r[1], uint64(len(all)))
		if r[1] == 0 {
			hi = uint64(len(all))
		}
		var want []string
		if r[0] <= hi {
			want = all[r[0]-1 : hi]
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("events %d–%d: %q, want %q", r[0], r[1], got, want)
		}
	}
	if _, ok, err := s.Event("h2", 1); ok || err != nil {
		t.Fatalf("another org: %v, %v", ok, err)
	}
}
