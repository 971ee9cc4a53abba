package projections

import (
	"bytes"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/events"
)

// TestMemoFollowsTheBytes checks that a record decoded once per Tx is
// decoded again as soon as its bytes change, in the Tx or under it.
func TestMemoFollowsTheBytes(t *testing.T) {
	s := openStore(t)
	k := []byte("p/period/state/o")
	commitKV(t, s, string(k), []byte(`{"first":"2025-01"}`))

	sc := begin(t, s)
	read := func(want string) {
		t.Helper()
		var st periodStateRec
		ok, err := getJSONMemo(sc.tx, k, &st)
		if err != nil || !ok {
			t.Fatalf("getJSONMemo: ok=%v err=%v", ok, err)
		}
		if st.First != want {
			t.Fatalf("first = %q, want %q", st.First, want)
		}
	}
	read("2025-01")
	read("2025-01") // from the memo
	if err := sc.tx.Set(k, []byte(`{"first":"2024-12"}`)); err != nil {
		t.Fatal(err)
	}
	read("2024-12")
	if err := sc.tx.Set(k, []byte(`{"first":"2024-12","closed_month":"2024-12"}`)); err != nil {
		t.Fatal(err)
	}
	var st periodStateRec
	if _, err := getJSONMemo(sc.tx, k, &st); err != nil || st.ClosedMonth != "2024-12" {
		t.Fatalf("after a second change: %+v, %v", st, err)
	}
	if err := sc.tx.Set(k, []byte(`{"first":`)); err != nil {
		t.Fatal(err)
	}
	if _, err := getJSONMemo(sc.tx, k, &st); err == nil {
		t.Fatal("corrupt record decoded from the memo")
	}
}

// TestCommitBufferCarriesNothingOver checks that a commit reusing the
// buffers of an earlier one writes only its own changes: a key the earlier
// commit wrote and something else changed since keeps the newer value.
func TestCommitBufferCarriesNothingOver(t *testing.T) {
	s := openStore(t)
	buf := &commitBuf{}
	commit := func(k, v string) {
		t.Helper()
		tx := newTx(s)
		tx.buf = buf
		if err := tx.Set([]byte(k), []byte(v)); err != nil {
			t.Fatal(err)
		}
		if err := tx.commit(pebble.NoSync); err != nil {
			t.Fatal(err)
		}
	}
	commit("p/test/a", "1")
	if buf.batch == nil || len(buf.all) != 0 {
		t.Fatalf("buffer after a commit: batch %v, %d writes kept", buf.batch, len(buf.all))
	}
	commitKV(t, s, "p/test/a", []byte("2"))
	commit("p/test/b", "3")
	for k, want := range map[string]string{"p/test/a": "2", "p/test/b": "3"} {
		v, ok, err := get(s.db, []byte(k))
		if err != nil || !ok || string(v) != want {
			t.Errorf("%s = %q (ok %v, err %v), want %q", k, v, ok, err, want)
		}
	}
}

// TestWriteEventKeys pins an event's four indexes to the key layout
// documented in tx.go; the actor index is a run of one here.
func TestWriteEventKeys(t *testing.T) {
	s := openStore(t)
	env := events.Envelope{ID: "0190-e", Org: "o1", Seq: 300, Aggregate: "member:m1", Actor: "p-t", Date: "2025-03-04"}
	want := map[string][]byte{
		string(key(famIndex, "id/", "0190-e")):                                      key("o1", byte(0), uint64(300)),
		string(key(famIndex, "agg/", "o1", "/", "member:m1", byte(0), uint64(300))): {},
		string(key(famIndex, "act/", "o1", "/", "p-t", byte(0), uint64(300))):       be8(300),
		string(key(famIndex, "date/", "o1", "/", "2025-03-04", "/", uint64(300))):   {},
	}
	for name, tx := range map[string]*Tx{"dirty": newTx(s), "blind": newTx(s)} {
		w := tx
		if name == "blind" {
			w = tx.writeOnly()
		}
		if err := NewProjector(s, nil).writeEvent(w, env); err != nil {
			t.Fatal(err)
		}
		if name == "blind" {
			w.flushRuns()
		}
		got := map[string][]byte{}
		for k, v := range tx.dirty {
			got[k] = v
		}
		for _, w := range tx.blind {
			got[w.k] = w.v
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d keys, want %d", name, len(got), len(want))
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || !bytes.Equal(g, v) || g == nil {
				t.Errorf("%s: %q = %q (present %v), want %q", name, k, g, ok, v)
			}
		}
	}
}

// TestLSMReportsLevelZero checks that the store's LSM figures follow a
// flush into level 0.
func TestLSMReportsLevelZero(t *testing.T) {
	s := openStore(t)
	if l := s.LSM(); l.L0Files != 0 || l.L0Sublevels != 0 {
		t.Fatalf("empty store: %+v", l)
	}
	commitKV(t, s, "p/test/a", []byte("1"))
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if l := s.LSM(); l.L0Files < 1 || l.L0Sublevels < 1 {
		t.Fatalf("after a flush: %+v, want a file in level 0", l)
	}
}

// TestAddIntChangesOnlyItsOwnValues: addInt adds in place only to a value
// it wrote itself in the same Tx; a value a caller set, one committed, and
// one the view below wrote are left as they are, and every sum is right.
func TestAddIntChangesOnlyItsOwnValues(t *testing.T) {
	s := openStore(t)
	committed, callers, own := []byte("p/by/o/1001\x002025"), []byte("p/by/o/1002\x002025"), []byte("p/by/o/1003\x002025")
	commitKV(t, s, string(committed), intVal(100))

	below := begin(t, s)
	if _, err := addInt(below.tx, own, 7); err != nil {
		t.Fatal(err)
	}
	belowVal, _, _ := below.tx.Get(own)
	sc := beginOver(t, s, below)
	set := intVal(5)
	if err := sc.tx.Set(callers, set); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		k    []byte
		d    int64
		want int64
	}{
		{committed, 1, 101}, {committed, 2, 103},
		{callers, 10, 15}, {callers, 10, 25},
		{own, 3, 10}, {own, -20, -10},
	}
	for _, st := range steps {
		got, err := addInt(sc.tx, st.k, st.d)
		if err != nil {
			t.Fatal(err)
		}
		if got != st.want {
			t.Fatalf("addInt(%q, %d) = %d, want %d", st.k, st.d, got, st.want)
		}
		if v, err := getInt(sc.tx, st.k); err != nil || v != st.want {
			t.Fatalf("%q reads %d (%v), want %d", st.k, v, err, st.want)
		}
	}
	if !bytes.Equal(set, intVal(5)) {
		t.Fatalf("the caller's value changed to %x", set)
	}
	if v, _ := getInt(below.tx, own); v != 7 || !bytes.Equal(belowVal, intVal(7)) {
		t.Fatalf("the view below reads %d, want 7", v)
	}
	if v, _ := getInt(s, committed); v != 100 {
		t.Fatalf("the store reads %d, want 100", v)
	}
}
