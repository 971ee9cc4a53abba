package projections

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

// TestBlockCacheBesideFullMemtables checks that the block cache keeps
// blocks once the memtables are at full size: Pebble reserves their sizes
// in the same cache, and a cache no larger than those reservations caches
// nothing, so that every read goes to the disk.
func TestBlockCacheBesideFullMemtables(t *testing.T) {
	const memTable, blocks = 2 << 20, 4 << 20
	s, err := Open(t.TempDir(), Options{memTableSize: memTable, blockCacheSize: blocks})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Memtables start small and double up to full size; writing several
	// full ones leaves one active and one kept for reuse, both reserved.
	const n, size = 16 << 10, 1 << 10
	val := make([]byte, size)
	for i := 0; i < n; {
		b := s.db.NewBatch()
		for end := i + 1024; i < end; i++ {
			val[0], val[1] = byte(i), byte(i>>8)
			if err := b.Set(fmt.Appendf(nil, "p/test/%08d", i), val, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Commit(pebble.NoSync); err != nil {
			t.Fatal(err)
		}
		b.Close()
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i += 97 {
		v, ok, err := get(s.db, fmt.Appendf(nil, "p/test/%08d", i))
		if err != nil || !ok || len(v) != size {
			t.Fatalf("key %d: %d bytes, found %v, err %v", i, len(v), ok, err)
		}
	}
	if c := s.db.Metrics().BlockCache; c.Count == 0 || c.Hits == 0 {
		t.Fatalf("block cache: %d blocks, %d hits, %d misses after reading a flushed table: the memtables' reservations left it no room", c.Count, c.Hits, c.Misses)
	}
}
