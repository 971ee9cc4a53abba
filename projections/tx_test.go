package projections

import (
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

// TestMemoFollowsTheBytes checks that a record decoded once per Tx is
// decoded again as soon as its bytes change, in the Tx or under it.
func TestMemoFollowsTheBytes(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
