package projections

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/unionledger/unionledger/ledger"
)

// openStore opens a store in a temporary directory, closed when the test
// ends.
func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// commitKV commits k=v (v nil: delete) the way the projector does, through
// a Tx of the store, so the cache sees it.
func commitKV(t *testing.T, s *Store, k string, v []byte) {
	t.Helper()
	tx := newTx(s)
	var err error
	if v == nil {
		err = tx.Delete([]byte(k))
	} else {
		err = tx.Set([]byte(k), v)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.commit(pebble.NoSync); err != nil {
		t.Fatal(err)
	}
}

func begin(t *testing.T, s *Store) *scratch { return beginOver(t, s, nil) }

// beginOver opens a view over the view over (none if nil), closed when the
// test ends.
func beginOver(t *testing.T, s *Store, over *scratch) *scratch {
	t.Helper()
	var sc ledger.Scratch
	var err error
	if over == nil {
		sc, err = s.Begin(nil) // not a nil *scratch in a non-nil interface
	} else {
		sc, err = s.Begin(over)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close() })
	return sc.(*scratch)
}

// TestCachedStateIsTheSnapshots checks that a view reads, through the cache
// of hot keys, exactly what its snapshot holds: a commit after the view
// began is invisible to it and visible to the next view, also once the
// cache holds the key; deletions too.
func TestCachedStateIsTheSnapshots(t *testing.T) {
	s := openStore(t)
	const k = "p/bal/u/cash"
	read := func(v *scratch) string {
		t.Helper()
		got, ok, err := v.tx.Get([]byte(k))
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return "absent"
		}
		return string(got)
	}
	commitKV(t, s, k, []byte("v1"))
	if got := read(begin(t, s)); got != "v1" { // a miss: registers interest
		t.Fatalf("first view reads %q, want v1", got)
	}
	for i := 2; i <= 4; i++ {
		old := begin(t, s)
		want := fmt.Sprintf("v%d", i)
		commitKV(t, s, k, []byte(want))
		if e, ok := s.hot.vals[k]; !ok || !e.known || !bytes.Equal(e.v, []byte(want)) {
			t.Fatalf("after commit %d the cache holds %+v, want %q", i, e, want)
		}
		if got, wantOld := read(old), fmt.Sprintf("v%d", i-1); got != wantOld {
			t.Fatalf("a view begun before commit %d reads %q, want its snapshot's %q", i, got, wantOld)
		}
		if got := read(begin(t, s)); got != want {
			t.Fatalf("a view begun after commit %d reads %q, want %q", i, got, want)
		}
	}
	old := begin(t, s)
	commitKV(t, s, k, nil)
	if got := read(begin(t, s)); got != "absent" {
		t.Fatalf("after the delete a new view reads %q", got)
	}
	if got := read(old); got != "v4" {
		t.Fatalf("a view begun before the delete reads %q, want v4", got)
	}
	// A failed commit leaves the key unknown: readers go to Pebble.
	s.hot.end([]kv{{k, []byte("never")}}, s.hot.begin([]kv{{k, []byte("never")}}), false)
	if e := s.hot.vals[k]; e.known {
		t.Fatalf("after a failed commit the cache knows %+v", e)
	}
	if got := read(begin(t, s)); got != "absent" {
		t.Fatalf("after a failed commit a view reads %q", got)
	}
}

// TestCacheStartsOverWhenFull checks the bound on tracked keys.
func TestCacheStartsOverWhenFull(t *testing.T) {
	h := newHot(4)
	for i := range 10 {
		h.want([]byte(fmt.Sprintf("p/k%d", i)))
		if len(h.vals) > 4 {
			t.Fatalf("%d keys tracked, bound 4", len(h.vals))
		}
	}
	h.want([]byte("e/not-projection-state"))
	if _, ok := h.vals["e/not-projection-state"]; ok {
		t.Fatal("an event copy key was tracked")
	}
}

// TestAbsentFilter checks that the filter of absent command ids and
// receipts answers only once filled, never denies a key that exists
// (stored before the store opened, committed later, past a layer's
// capacity), and does deny keys never written.
func TestAbsentFilter(t *testing.T) {
	dir := t.TempDir()
	opts := Options{bloomFirstCap: 1 << 12} // small, to go past it quickly
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	commitKV(t, s, "i/cmd/u/before-restart", []byte("{}"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.filling.Wait()
	if !s.absent.complete.Load() {
		t.Fatal("the filter is not complete after the fill")
	}
	if s.absent.surely([]byte("i/cmd/u/before-restart")) {
		t.Fatal("a command id stored before the restart is reported absent")
	}
	if !s.absent.surely([]byte("i/cmd/u/never")) {
		t.Fatal("the filter does not answer for a command id never written")
	}
	if s.absent.surely([]byte("p/bal/u/cash")) {
		t.Fatal("the filter answers for a key family it does not track")
	}
	// Past the first layer's capacity: every key written still exists.
	tx := newTx(s)
	n := int(opts.bloomFirstCap) + 1000
	for i := range n {
		if err := tx.Set(fmt.Appendf(nil, "p/rcpt/u/B\x00%d", i), []byte{1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.commit(pebble.NoSync); err != nil {
		t.Fatal(err)
	}
	if len(s.absent.layers) < 2 {
		t.Fatalf("%d layers after %d keys, want a second", len(s.absent.layers), n)
	}
	denied := 0
	for i := range n {
		if s.absent.surely(fmt.Appendf(nil, "p/rcpt/u/B\x00%d", i)) {
			denied++
		}
	}
	if denied > 0 {
		t.Fatalf("%d of %d stored receipts reported absent", denied, n)
	}
	// Most new keys are answered in memory (about 1% false positives a layer).
	answered := 0
	for i := range 1000 {
		if s.absent.surely(fmt.Appendf(nil, "p/rcpt/u/C\x00%d", i)) {
			answered++
		}
	}
	if answered < 900 {
		t.Fatalf("only %d of 1000 absent receipts answered in memory", answered)
	}
	// A wipe refills it: nothing tracked is left, and it still answers.
	if err := s.Wipe(); err != nil {
		t.Fatal(err)
	}
	if !s.absent.surely([]byte("p/rcpt/u/B\x000")) {
		t.Fatal("after a wipe the filter does not answer")
	}
}

// TestOpenDropsRetiredKeys checks that a store written by an earlier
// version loses the key families nothing reads any more, and keeps the rest.
func TestOpenDropsRetiredKeys(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"p/period/posted/u/\x00\x00\x00\x00\x00\x00\x00\x01", "p/flag/dseq/u/\x00\x00\x00\x00\x00\x00\x00\x01", "p/period/state/u"} {
		if err := s.db.Set([]byte(k), []byte("x"), pebble.Sync); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var dump bytes.Buffer
	if err := s.Dump(&dump); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%q %q\n\"p/period/state/u\" \"x\"\n", formatKey, be8(Format)); dump.String() != want {
		t.Fatalf("after reopening the store holds\n%s\nwant\n%s", dump.String(), want)
	}
}

// TestOpenFormats: a new store records the current format; one without a
// format but with applied events is stale (the node rebuilds it); one
// written by a newer version is refused rather than misread.
func TestOpenFormats(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := getInt(s, formatKey); f != Format || s.Stale() != 0 {
		t.Fatalf("new store: format %d, stale %d", f, s.Stale())
	}
	reopen := func(set func(db *pebble.DB) error) (*Store, error) {
		t.Helper()
		if err := set(s.db); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return Open(dir, Options{})
	}
	s, err = reopen(func(db *pebble.DB) error {
		if err := db.Set(key(famMeta, "checkpoint"), be8(3), pebble.Sync); err != nil {
			return err
		}
		return db.Delete(formatKey, pebble.Sync)
	})
	if err != nil || s.Stale() != 1 {
		t.Fatalf("a store of events without a format: stale %d, %v; want 1", s.Stale(), err)
	}
	if err := s.Wipe(); err != nil || s.Stale() != 0 {
		t.Fatalf("after Wipe: stale %d, %v", s.Stale(), err)
	}
	_, err = reopen(func(db *pebble.DB) error { return db.Set(formatKey, be8(Format+1), pebble.Sync) })
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("a store of a newer format opened: %v", err)
	}
}
