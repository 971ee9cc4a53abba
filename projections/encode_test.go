package projections

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The hand-written encodings must give json.Marshal's bytes.
func TestEncodingsMatchJSON(t *testing.T) {
	strs := []string{"", "2025-03-05", "dues_received", "member:m0001", "a<b>&c", `q"uote\\`, "tab\t", "\x00", "\x7f",
		"市第一人民医院工会", "\u2028", "bad\xffutf8", "expense:E-1.2_3"}
	must := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, s := range strs {
		if got, want := appendJSONString(nil, s), must(s); !bytes.Equal(got, want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
		if got, want := encodeDues(s), must(duesRec{Date: s}); !bytes.Equal(got, want) {
			t.Errorf("encodeDues = %s, want %s", got, want)
		}
		for _, seq := range []uint64{0, 1, 1<<64 - 1} {
			v := encodeReceiptUse(seq, s+"d", s+"t")
			if u, err := decodeReceiptUse(v); err != nil || u != (receiptUse{Seq: seq, Date: s + "d", Type: s + "t"}) {
				t.Errorf("decodeReceiptUse(encodeReceiptUse(%d, %q, %q)) = %+v, %v", seq, s+"d", s+"t", u, err)
			}
			if got, err := receiptSeq(v); err != nil || got != seq {
				t.Errorf("receiptSeq = %d, %v; want %d", got, err, seq)
			}
		}
	}
	for _, st := range []periodStateRec{{}, {First: "2025-01"}, {First: "2025-01", ClosedMonth: "2025-02", FirstClosed: "2025-02", ClosedYear: "2024"}, {First: "20\"5-01"}, {First: "2025-1"}} {
		first, ok := periodFirst(must(st))
		if want := len(st.First) == 7 && st.First != "20\"5-01"; ok != want || ok && first != st.First {
			t.Errorf("periodFirst(%+v) = %q, %v", st, first, ok)
		}
	}
}

func TestKeyOfMatchesKey(t *testing.T) {
	if got, want := keyOf(famProj, "rcpt/", "h1", "/", "B", "\x00", "7"), key(famProj, "rcpt/", "h1", "/", "B", byte(0), "7"); !bytes.Equal(got, want) {
		t.Errorf("keyOf = %q, want %q", got, want)
	}
	if got, want := keySeq(42, famProj, "x/", "h1", "/"), key(famProj, "x/", "h1", "/", uint64(42)); !bytes.Equal(got, want) {
		t.Errorf("keySeq = %q, want %q", got, want)
	}
	if got, want := keySeq2(7, 1<<40, famProj, "x/", "\x00"), key(famProj, "x/", byte(0), uint64(7), uint64(1<<40)); !bytes.Equal(got, want) {
		t.Errorf("keySeq2 = %q, want %q", got, want)
	}
	var k keyBuf
	k.reset(famProj).str("bal/").str("h1").b('/').str("102").b(0).u64(9)
	if want := key(famProj, "bal/", "h1", "/", "102", byte(0), uint64(9)); !bytes.Equal(k, want) {
		t.Errorf("keyBuf = %q, want %q", k, want)
	}
}

// TestCmdRecord: a command record with an events.HashOf hash is binary, at
// most half the size of its JSON; any other hash keeps json.Marshal's form.
// Both forms read back the same record, and so does the JSON older stores
// hold; a torn or garbled value is an error.
func TestCmdRecord(t *testing.T) {
	tests := []struct {
		rec    cmdRecord
		binary bool
	}{
		{cmdRecord{Hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", First: 1, Count: 1}, true},
		{cmdRecord{Hash: "0000000000000000000000000000000000000000000000000000000000000000", First: 1 << 60, Count: 1000}, true},
		{cmdRecord{Hash: "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", First: 3, Count: 1}, false},
		{cmdRecord{Hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0", First: 3, Count: 1}, false},
		{cmdRecord{Hash: "", First: 1 << 60, Count: 1000}, false},
		{cmdRecord{Hash: "a<b>&\"\\\x00é\u2028", First: 7, Count: 2}, false},
	}
	for _, tt := range tests {
		got := encodeCmdRecord(tt.rec)
		js, err := json.Marshal(tt.rec)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tt.binary && (got[0] != cmdRecordBinary || 2*len(got) > len(js)):
			t.Errorf("encodeCmdRecord(%+v) = %q (%d bytes), want the binary form", tt.rec, got, len(got))
		case !tt.binary && string(got) != string(js):
			t.Errorf("encodeCmdRecord(%+v) = %s, want %s", tt.rec, got, js)
		}
		for _, v := range [][]byte{got, js} {
			back, err := decodeCmdRecord(v)
			if err != nil || back != tt.rec {
				t.Errorf("decodeCmdRecord(%q) = %+v, %v; want %+v", v, back, err, tt.rec)
			}
		}
	}
	good := encodeCmdRecord(tests[0].rec)
	for _, v := range [][]byte{nil, good[:20], good[:len(good)-1], append(append([]byte(nil), good...), 0), append([]byte{2}, good[1:]...), []byte(`{"hash":`)} {
		if rec, err := decodeCmdRecord(v); err == nil {
			t.Errorf("decodeCmdRecord(%q) = %+v, want an error", v, rec)
		}
	}
}
