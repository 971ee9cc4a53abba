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

// TestWriteEventKeys pins the event copy and its four indexes to the key
// layout documented in tx.go.
func TestWriteEventKeys(t *testing.T) {
	s := openStore(t)
	env := events.Envelope{ID: "0190-e", Org: "o1", Seq: 300, Aggregate: "member:m1", Actor: "p-t", Date: "2025-03-04"}
	raw := events.Stored{StreamSeq: 77, Data: []byte(`{"x":1}`)}
	want := map[string][]byte{
		string(key(famEvent, "o1", "/", uint64(300))):                               key(uint64(77), raw.Data),
		string(key(famIndex, "id/", "0190-e")):                                      key("o1", byte(0), uint64(300)),
		string(key(famIndex, "agg/", "o1", "/", "member:m1", byte(0), uint64(300))): {},
		string(key(famIndex, "act/", "o1", "/", "p-t", byte(0), uint64(300))):       {},
		string(key(famIndex, "date/", "o1", "/", "2025-03-04", "/", uint64(300))):   {},
	}
	for name, tx := range map[string]*Tx{"dirty": newTx(s), "blind": newTx(s)} {
		w := tx
		if name == "blind" {
			w = tx.writeOnly()
		}
		if err := NewProjector(s, nil).writeEvent(w, env, raw); err != nil {
			t.Fatal(err)
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
