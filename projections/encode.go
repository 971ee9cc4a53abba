package projections

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/unionledger/unionledger/events"
)

// Hand-written encodings of the records written for most events. Each
// gives the bytes json.Marshal gives for the same record (tests compare
// them), so stored values do not depend on which one wrote them; the
// command record alone is binary (encodeCmdRecord).

// appendJSONString appends s as json.Marshal encodes it: as is when every
// byte is printable ASCII that needs no escape (json.Marshal escapes <, >
// and & for HTML), else through json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			m, _ := json.Marshal(s) // a string always encodes
			return append(b, m...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// encodeDues is json.Marshal(duesRec{Date: date}).
func encodeDues(date string) []byte {
	b := make([]byte, 0, 8+len(date))
	b = append(b, `{"d":`...)
	b = appendJSONString(b, date)
	return append(b, '}')
}

// periodFirst reads the first month of a stored period state when the
// record starts as json.Marshal writes it ({"first":"YYYY-MM"...), without
// decoding the rest; ok is false for any other form.
func periodFirst(v []byte) (string, bool) {
	const head = `{"first":"`
	if len(v) < len(head)+8 || string(v[:len(head)]) != head {
		return "", false
	}
	m := v[len(head) : len(head)+7]
	if v[len(head)+7] != '"' {
		return "", false
	}
	for _, c := range m {
		if c == '"' || c == '\\' {
			return "", false
		}
	}
	return string(m), true
}

// keyBuf builds keys in a reused buffer, for keys handed to Tx.Get, Set
// and Delete, which copy them; a key is valid until the next reset.
type keyBuf []byte

func (k *keyBuf) reset(fam string) *keyBuf { *k = append((*k)[:0], fam...); return k }
func (k *keyBuf) str(s string) *keyBuf     { *k = append(*k, s...); return k }
func (k *keyBuf) b(c byte) *keyBuf         { *k = append(*k, c); return k }
func (k *keyBuf) u64(v uint64) *keyBuf     { *k = binary.BigEndian.AppendUint64(*k, v); return k }

// keyOf is key for string parts: one allocation of the exact size, no
// boxing of the parts. "\x00" is the terminator byte.
func keyOf(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

// keySeq is keyOf(parts...) followed by seqs, big-endian.
func keySeq(seq uint64, parts ...string) []byte { return keySeqs(seq, 0, 1, parts) }

// keySeq2 is keyOf(parts...) followed by a and b, big-endian.
func keySeq2(a, b uint64, parts ...string) []byte { return keySeqs(a, b, 2, parts) }

func keySeqs(a, b uint64, n int, parts []string) []byte {
	size := 8 * n
	for _, p := range parts {
		size += len(p)
	}
	k := make([]byte, 0, size)
	for _, p := range parts {
		k = append(k, p...)
	}
	k = binary.BigEndian.AppendUint64(k, a)
	if n == 2 {
		k = binary.BigEndian.AppendUint64(k, b)
	}
	return k
}

// encodeCmdRecord encodes an i/cmd value: version byte 1, the command hash
// as 32 bytes, then first and count as uvarints: about 37 bytes where the
// JSON it replaced took 117, in the key family every command writes, each at
// a random place. A hash that is not 64 lowercase hex digits (a foreign
// stream's) keeps the JSON form, json.Marshal's bytes, which
// decodeCmdRecord reads too, as it reads stores written before.
func encodeCmdRecord(rec cmdRecord) []byte {
	h, ok := events.DecodeHash(rec.Hash)
	if !ok || rec.Count < 0 {
		b := make([]byte, 0, 110)
		b = append(b, `{"hash":`...)
		b = appendJSONString(b, rec.Hash)
		b = append(b, `,"first":`...)
		b = strconv.AppendUint(b, rec.First, 10)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(rec.Count), 10)
		return append(b, '}')
	}
	b := make([]byte, 0, 1+32+2*binary.MaxVarintLen64)
	b = append(append(b, cmdRecordBinary), h[:]...)
	b = binary.AppendUvarint(b, rec.First)
	return binary.AppendUvarint(b, uint64(rec.Count))
}

// cmdRecordBinary starts a binary i/cmd value; JSON starts with '{'.
const cmdRecordBinary = 1

// decodeCmdRecord reads an i/cmd value in either form.
func decodeCmdRecord(v []byte) (cmdRecord, error) {
	var rec cmdRecord
	if len(v) > 0 && v[0] == '{' {
		if err := json.Unmarshal(v, &rec); err != nil {
			return rec, fmt.Errorf("projections: corrupt command record: %w", err)
		}
		return rec, nil
	}
	if len(v) < 1+32+2 || v[0] != cmdRecordBinary {
		return rec, fmt.Errorf("projections: corrupt command record of %d bytes", len(v))
	}
	rec.Hash = hex.EncodeToString(v[1:33])
	first, n := binary.Uvarint(v[33:])
	if n <= 0 {
		return rec, errors.New("projections: corrupt command record: first seq")
	}
	count, m := binary.Uvarint(v[33+n:])
	if m <= 0 || 33+n+m != len(v) || count > math.MaxInt32 {
		return rec, errors.New("projections: corrupt command record: count")
	}
	rec.First, rec.Count = first, int(count)
	return rec, nil
}
