package projections

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/events"
)

func TestBalanceInRun(t *testing.T) {
	run := func(pairs ...int64) []byte {
		var v []byte
		for i := 0; i < len(pairs); i += 2 {
			v = binary.BigEndian.AppendUint64(v, uint64(pairs[i]))
			v = binary.BigEndian.AppendUint64(v, uint64(pairs[i+1]))
		}
		return v
	}
	tests := []struct {
		name    string
		v       []byte
		seq     uint64
		want    events.Fen
		wantErr bool
	}{
		{"one entry", run(5, 100), 5, 100, false},
		{"past the run", run(5, 100, 7, 250, 9, -30), 20, -30, false},
		{"on an entry", run(5, 100, 7, 250, 9, -30), 7, 250, false},
		{"between entries", run(5, 100, 7, 250, 9, -30), 8, 250, false},
		{"the first entry", run(5, 100, 7, 250), 6, 100, false},
		{"before the run", run(5, 100, 7, 250), 4, 0, true},
		{"a balance alone, as older stores keep it", intVal(-42), 3, -42, false},
		{"empty", nil, 3, 0, true},
		{"torn", run(5, 100)[:12], 5, 0, true},
	}
	for _, tt := range tests {
		got, err := balanceInRun(tt.v, tt.seq)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("%s: balanceInRun(seq %d) = %d, %v; want %d, error %v", tt.name, tt.seq, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestMergeSeqsRuns: the sources of a trail hold a key per seq (empty
// value) or runs (the seqs from the key's on), older stores' actor index
// keys per seq too. A merge gives every seq in (after, upTo] once, in
// order: from a run that starts before after, from runs and single keys
// mixed, across sources and fixed seqs (3 is a key too); a run that does
// not start at its key's seq is an error.
func TestMergeSeqsRuns(t *testing.T) {
	s := openStore(t)
	act := key(famIndex, "act/", "o1", "/", "p1", byte(0))
	agg := key(famIndex, "agg/", "o1", "/", "member:m1", byte(0))
	run := func(seqs ...uint64) []byte {
		var v []byte
		for _, q := range seqs {
			v = binary.BigEndian.AppendUint64(v, q)
		}
		return v
	}
	// An older store's keys for 1 and 3, then runs at 4 and 10; single
	// keys under the other prefix.
	for k, v := range map[string][]byte{
		string(key(act, uint64(1))): {}, string(key(act, uint64(3))): {},
		string(key(act, uint64(4))): run(4, 5, 7), string(key(act, uint64(10))): run(10, 12, 13),
		string(key(agg, uint64(2))): {}, string(key(agg, uint64(12))): {}, string(key(agg, uint64(20))): {},
	} {
		commitKV(t, s, k, v)
	}
	tests := []struct {
		after, upTo uint64
		want        []uint64
	}{
		{0, 0, []uint64{1, 2, 3, 4, 5, 7, 10, 12, 13, 15, 20}},
		{4, 0, []uint64{5, 7, 10, 12, 13, 15, 20}},
		{5, 12, []uint64{7, 10, 12}},
		{10, 11, nil},
		{11, 0, []uint64{12, 13, 15, 20}},
		{13, 19, []uint64{15}},
		{15, 19, nil},
	}
	for _, tt := range tests {
		var got []uint64
		err := s.mergeSeqs([][]byte{act, agg}, []uint64{3, 15}, tt.after, tt.upTo, func(q uint64) (bool, error) {
			got = append(got, q)
			return true, nil
		})
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("mergeSeqs(after %d, upTo %d) = %v, %v; want %v", tt.after, tt.upTo, got, err, tt.want)
		}
	}
	commitKV(t, s, string(key(act, uint64(30))), run(31, 32))
	if err := s.mergeSeqs([][]byte{act}, nil, 20, 0, func(uint64) (bool, error) { return true, nil }); err == nil {
		t.Error("a run whose first seq is not its key's: no error")
	}
}

// TestReceiptFirstUseNeedsNoMention: the event that first uses a receipt
// leaves its seq in the receipt's uniqueness key and no mention in the
// trail's index; a later event using it again (a stream the ledger would
// not write) keeps the first seq there and gets a mention.
func TestReceiptFirstUseNeedsNoMention(t *testing.T) {
	s := openStore(t)
	tx := newTx(s)
	rc := events.Receipt{Book: "B", Number: "7"}
	for _, seq := range []uint64{5, 9} {
		env := events.Envelope{Org: "o1", Seq: seq, Type: "dues_received", Aggregate: "member:m1", Actor: "p1", Date: "2025-01-05"}
		p := events.DuesReceived{Member: "m1", Period: "2025-01", Amount: 1000, Receipt: rc, Via: events.ViaBank}
		for _, pr := range []Projection{receipts{}, trails{}} {
			if err := pr.Apply(tx, env, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	if v, ok, _ := tx.Get(receiptKey("o1", rc)); !ok || !bytes.Equal(v, encodeReceiptUse(5, "2025-01-05", "dues_received")) {
		t.Fatalf("receipt key = %x (present %v), want the first use, 5", v, ok)
	}
	prefix := string(trailMentionPrefix("o1", "receipt", trailReceiptID(rc)))
	var mentions []uint64
	for k := range tx.dirty {
		if strings.HasPrefix(k, prefix) {
			mentions = append(mentions, binary.BigEndian.Uint64([]byte(k[len(prefix):])))
		}
	}
	if !slices.Equal(mentions, []uint64{9}) {
		t.Fatalf("mentions of the receipt at %v, want only the second use, 9", mentions)
	}
}

// TestReceiptKeys: every number has a key of its own, numbers with a
// numeric end in numeric order within their book and prefix (what the gap
// check reads), others apart; a book or number with a NUL is not indexed.
func TestReceiptKeys(t *testing.T) {
	k := func(book, number string) string {
		return string(receiptKey("o1", events.Receipt{Book: book, Number: number}))
	}
	ordered := []string{k("B", "7"), k("B", "007"), k("B", "8"), k("B", "10"), k("B", "R-2"), k("B", "R-10"), k("B", "NO-DIGITS"), k("C", "1")}
	// "007" and "7" are one value: "007" sorts first among the two.
	ordered[0], ordered[1] = ordered[1], ordered[0]
	if !slices.IsSorted(ordered) {
		t.Errorf("receipt keys out of order: %q", ordered)
	}
	seen := map[string]bool{}
	for _, x := range ordered {
		if seen[x] {
			t.Errorf("two numbers share the key %q", x)
		}
		seen[x] = true
	}
	if k("B\x00", "1") != "" || k("B", "1\x002") != "" {
		t.Error("a receipt with a NUL byte got a key")
	}
	if long := k("B", "1234567890123456789"); long[len(long)-len("1234567890123456789")-1] != receiptOther {
		t.Errorf("19 digits are not a number the gap check can hold: %q", long)
	}
	s := openStore(t)
	tx := newTx(s)
	for _, number := range []string{"7", "NO-DIGITS"} {
		env := events.Envelope{Org: "o1", Seq: 1, Type: "dues_received", Date: "2025-01-05"}
		if err := (receipts{}).Apply(tx, env, events.DuesReceived{Receipt: events.Receipt{Book: "B", Number: number}}); err != nil {
			t.Fatal(err)
		}
	}
	v := view{g: tx}
	for number, want := range map[string]bool{"7": true, "NO-DIGITS": true, "007": false, "8": false} {
		if used, err := v.ReceiptUsed("o1", events.Receipt{Book: "B", Number: number}); err != nil || used != want {
			t.Errorf("ReceiptUsed(B/%s) = %v, %v; want %v", number, used, err, want)
		}
	}
}
