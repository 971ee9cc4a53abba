package events

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/golang/snappy"
)

// segmentOf is a segment of n distinct JSON events.
func segmentOf(n int) []byte {
	evs := make([]string, n)
	for i := range evs {
		evs[i] = fmt.Sprintf(`{"v":1,"seq":%d,"type":"dues_received","payload":{"member":"m-%04d","amount":5000}}`, i+1, i)
	}
	return []byte(strings.Join(evs, "\n"))
}

// blocksOf splits packed into its blocks, failing the test on a bad layout.
func blocksOf(t *testing.T, packed []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(packed) > 0 {
		if len(packed) < 4 {
			t.Fatalf("%d bytes after the last block", len(packed))
		}
		n := int(binary.BigEndian.Uint32(packed))
		out = append(out, packed[4:4+n])
		packed = packed[4+n:]
	}
	return out
}

// block frames one compressed block as a packed segment does.
func block(b []byte) []byte { return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...) }

func TestPackedRoundTrip(t *testing.T) {
	for _, n := range []int{1, 2, PackBlockEvents - 1, PackBlockEvents, PackBlockEvents + 1, 2 * PackBlockEvents, 200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			seg := segmentOf(n)
			packed := AppendPacked([]byte("keep"), seg)
			if string(packed[:4]) != "keep" {
				t.Fatal("AppendPacked overwrote what dst held")
			}
			packed = packed[4:]
			blocks := blocksOf(t, packed)
			if want := (n + PackBlockEvents - 1) / PackBlockEvents; len(blocks) != want {
				t.Fatalf("%d blocks, want %d", len(blocks), want)
			}
			// Each block is standard Snappy: a decoder that knows nothing
			// of S2 reads it, and it holds the right events.
			var joined [][]byte
			for i, b := range blocks {
				d, err := snappy.Decode(nil, b)
				if err != nil {
					t.Fatalf("block %d is not a Snappy block: %v", i, err)
				}
				if k := bytes.Count(d, []byte{'\n'}) + 1; k != min(PackBlockEvents, n-i*PackBlockEvents) {
					t.Fatalf("block %d holds %d events", i, k)
				}
				joined = append(joined, d)
			}
			if !bytes.Equal(bytes.Join(joined, []byte{'\n'}), seg) {
				t.Fatal("the blocks joined are not the segment")
			}
			got, canonical, err := UnpackSegment([]byte("x"), packed)
			if err != nil || !canonical || !bytes.Equal(got, append([]byte("x"), seg...)) {
				t.Fatalf("UnpackSegment: canonical %v, err %v, same segment %v", canonical, err, bytes.Equal(got[1:], seg))
			}
			if size, err := UnpackedSize(packed); err != nil || size != len(seg) {
				t.Fatalf("UnpackedSize = %d, %v; want %d", size, err, len(seg))
			}
			if n >= PackBlockEvents && len(packed) >= len(seg) {
				t.Fatalf("packing %d events gave %d bytes from %d", n, len(packed), len(seg))
			}
		})
	}
}

// TestUnpackNonCanonical checks that blocks cut otherwise than AppendPacked
// cuts them unpack to the same segment but are reported as such.
func TestUnpackNonCanonical(t *testing.T) {
	pack := func(sizes ...int) ([]byte, []byte) {
		var packed []byte
		var parts []string
		at := 0
		for _, k := range sizes {
			part := segmentOf(at + k)
			if at > 0 {
				part = part[len(segmentOf(at))+1:]
			}
			parts = append(parts, string(part))
			packed = append(packed, block(snappy.Encode(nil, part))...)
			at += k
		}
		return packed, []byte(strings.Join(parts, "\n"))
	}
	for _, tc := range []struct {
		sizes     []int
		canonical bool
	}{
		{[]int{PackBlockEvents, PackBlockEvents, 3}, true},
		{[]int{10, 10, 10}, false},
		{[]int{PackBlockEvents, 10, PackBlockEvents}, false},
		{[]int{PackBlockEvents + 1}, false}, // AppendPacked never puts more in a block
		{[]int{PackBlockEvents, PackBlockEvents + 5}, false},
	} {
		packed, seg := pack(tc.sizes...)
		got, canonical, err := UnpackSegment(nil, packed)
		if err != nil || !bytes.Equal(got, seg) || canonical != tc.canonical {
			t.Errorf("blocks of %v: canonical %v (want %v), err %v, same segment %v", tc.sizes, canonical, tc.canonical, err, bytes.Equal(got, seg))
		}
	}
}

func TestUnpackRefusesMalformed(t *testing.T) {
	good := AppendPacked(nil, segmentOf(40))
	first := blocksOf(t, good)[0]
	huge := binary.AppendUvarint(nil, MaxUnpacked+1) // a Snappy header claiming more than the bound
	for _, tc := range []struct {
		name   string
		packed []byte
	}{
		{"empty", nil},
		{"length cut short", good[:3]},
		{"block cut short", good[:len(good)-1]},
		{"bytes after the last block", append(append([]byte(nil), good...), 0, 0)},
		{"not Snappy", block([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})},
		{"corrupt block", block(append(append([]byte(nil), first[:len(first)/2]...), 0xff))},
		{"empty block", append(block(snappy.Encode(nil, nil)), good...)},
		{"over the bound", block(append(huge, 0))},
	} {
		if _, _, err := UnpackSegment(nil, tc.packed); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: UnpackSegment = %v, want ErrMalformed", tc.name, err)
		}
	}
}

// BenchmarkUnpackSegment unpacks a message of 200 events, as a rebuild
// does for every message.
func BenchmarkUnpackSegment(b *testing.B) {
	seg := segmentOf(200)
	packed := AppendPacked(nil, seg)
	b.SetBytes(int64(len(seg)))
	for b.Loop() {
		if _, _, err := UnpackSegment(nil, packed); err != nil {
			b.Fatal(err)
		}
	}
}
