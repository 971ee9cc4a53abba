// Package events is the ledger's vocabulary: the event envelope, one Go type
// per payload, their canonical encoding, the hash chain and the postings each
// event makes. It does no I/O. docs/events.md is its specification.
package events

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// WireVersion is the envelope format version written in the "v" field.
const WireVersion = 1

// ZeroHash is the "prev" of an org's first event.
const ZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Envelope is one immutable ledger event. Its JSON encoding (without Hash)
// is the exact byte string stored in JetStream and Pebble; Hash is the
// SHA-256 of those bytes, so a verifier never needs to re-encode anything.
type Envelope struct {
	V           int             `json:"v"`
	ID          string          `json:"id"`
	Org         string          `json:"org"`
	Seq         uint64          `json:"seq"`
	Type        string          `json:"type"`
	Schema      int             `json:"schema"`
	Aggregate   string          `json:"aggregate"`
	Recorded    string          `json:"recorded"`
	Date        string          `json:"date"`
	Actor       string          `json:"actor"`
	Command     string          `json:"command"`
	CommandHash string          `json:"command_hash"`
	Payload     json.RawMessage `json:"payload"`
	Sig         *Signature      `json:"sig,omitempty"`
	Prev        string          `json:"prev"`

	// Hash is SHA-256 over the encoded envelope; it is carried beside the
	// bytes (header Ledger-Hash, Pebble value), never inside them.
	Hash string `json:"-"`
}

// Signature is a detached ed25519 signature by a registered key over the
// canonical bytes of the command that produced the event.
type Signature struct {
	Key string `json:"key"`
	Alg string `json:"alg"`
	Sig string `json:"sig"`
}

// Draft is an event decided by the ledger but not yet placed in the chain.
type Draft struct {
	Date    string
	Payload Payload
	Sig     *Signature
}

// Meta is what the append path adds to a draft to place it in the chain.
type Meta struct {
	ID          string
	Org         string
	Seq         uint64
	Recorded    time.Time
	Actor       string
	Command     string
	CommandHash string
	Prev        string
}

// Seal encodes a draft as the next event of its org and returns the
// envelope (with Hash) and the exact bytes to store.
func Seal(d Draft, m Meta) (Envelope, []byte, error) { return SealTo(nil, d, m) }

// SealTo is Seal writing the event's bytes at the end of dst: it returns
// dst extended by them, which are the returned slice's tail from len(dst).
// The writer seals a whole group into one buffer that way, which is then
// the group's segment as it stands (JoinSegment).
func SealTo(dst []byte, d Draft, m Meta) (Envelope, []byte, error) {
	var body []byte
	ok := false
	if p, dues := d.Payload.(DuesReceived); dues {
		body, ok = appendDues(make([]byte, 0, 192), &p)
	}
	if !ok {
		var err error
		if body, err = marshal(d.Payload); err != nil {
			return Envelope{}, nil, fmt.Errorf("events: encode %s payload: %w", d.Payload.Type(), err)
		}
	}
	env := Envelope{
		V:           WireVersion,
		ID:          m.ID,
		Org:         m.Org,
		Seq:         m.Seq,
		Type:        d.Payload.Type(),
		Schema:      schemaOf(d.Payload.Type()),
		Aggregate:   d.Payload.Aggregate(),
		Recorded:    FormatTime(m.Recorded),
		Date:        d.Date,
		Actor:       m.Actor,
		Command:     m.Command,
		CommandHash: m.CommandHash,
		Payload:     body,
		Sig:         d.Sig,
		Prev:        m.Prev,
	}
	if dst == nil {
		dst = make([]byte, 0, 256+len(body))
	}
	start := len(dst)
	out, ok := appendEnvelope(dst, &env)
	if !ok {
		b, err := marshal(env)
		if err != nil {
			return Envelope{}, nil, fmt.Errorf("events: encode envelope: %w", err)
		}
		out = append(dst, b...)
	}
	env.Hash = HashOf(out[start:])
	return env, out, nil
}

// FormatTime is the one time format of the wire: UTC, RFC 3339 with
// nanoseconds and trailing zeros kept.
// Written by hand for years 0–9999 (time.Format costs ten times as much,
// and every event is stamped); other years go through time.Format.
func FormatTime(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.Format("2006-01-02T15:04:05.000000000Z")
	}
	hour, min, sec := t.Clock()
	var b [30]byte
	put := func(at, width, v int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, 4, year)
	b[4] = '-'
	put(5, 2, int(month))
	b[7] = '-'
	put(8, 2, day)
	b[10] = 'T'
	put(11, 2, hour)
	b[13] = ':'
	put(14, 2, min)
	b[16] = ':'
	put(17, 2, sec)
	b[19] = '.'
	put(20, 9, t.Nanosecond())
	b[29] = 'Z'
	return string(b[:])
}

// HashOf is the chain hash of an event: lowercase hex SHA-256 of its bytes.
func HashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Decoding errors. Each names what is wrong so a reader of the stream can
// tell a foreign message from a corrupted or future one.
var (
	ErrMalformed     = errors.New("malformed event")
	ErrUnknownType   = errors.New("unknown event type")
	ErrUnknownSchema = errors.New("unknown schema version")
)

// ValidOrg reports whether s can name an org: lowercase letters, digits and
// dashes, so it is also a valid NATS subject token and Pebble key part
// (^[a-z0-9][a-z0-9-]{0,31}$).
func ValidOrg(s string) bool {
	if len(s) == 0 || len(s) > 32 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validHash reports whether s is a chain hash: 64 lowercase hex digits.
func validHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	var bad byte
	for i := 0; i < len(s); i++ {
		bad |= hexDigit[s[i]]
	}
	return bad < 16
}

// DecodeHash returns the 32 bytes a hash in its wire form (64 lowercase
// hexadecimal digits) stands for; ok is false if s is not one.
func DecodeHash(s string) (h [32]byte, ok bool) {
	if len(s) != 2*len(h) {
		return h, false
	}
	var bad byte
	for i := range h {
		hi, lo := hexDigit[s[2*i]], hexDigit[s[2*i+1]]
		bad |= hi | lo
		h[i] = hi<<4 | lo
	}
	return h, bad < 16
}

// hexDigit maps a lowercase hexadecimal digit to its value and any other
// byte to 0xff. A table, not comparisons: a hash's digits are random, so a
// comparison's branch was a coin toss, and decoding the hash every command
// record stores took half a microsecond.
var hexDigit = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
	}
	return t
}()

// ValidID reports whether s can name a person, aggregate, command or
// receipt: ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$. A loop, not a regular
// expression: every command checks several ids, and the expression costs
// about ten times as much.
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if i == 0 || c != '.' && c != '_' && c != ':' && c != '-' {
			return false
		}
	}
	return true
}

// ValidDate reports whether s is a real calendar date in YYYY-MM-DD form.
func ValidDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if i == 4 || i == 7 {
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	year, month, day := n/10000, n/100%100, n%100
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 29
	}
	return day <= days
}

// Decode parses stored event bytes, checks the envelope and that the type
// and schema version are known, and fills in Hash.
func Decode(data []byte) (Envelope, error) {
	env, ok := decodeCanonicalEnvelope(data)
	if !ok {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&env); err != nil {
			return Envelope{}, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		if dec.More() {
			return Envelope{}, fmt.Errorf("%w: trailing data", ErrMalformed)
		}
	}
	switch {
	case env.V != WireVersion:
		return Envelope{}, fmt.Errorf("%w: wire version %d", ErrMalformed, env.V)
	case !ValidOrg(env.Org), env.Seq == 0, !ValidDate(env.Date), !validHash(env.Prev):
		return Envelope{}, fmt.Errorf("%w: bad org, seq, date or prev", ErrMalformed)
	}
	t, ok := registry[env.Type]
	if !ok {
		return Envelope{}, fmt.Errorf("%w %q", ErrUnknownType, env.Type)
	}
	if _, ok := t.decoders[env.Schema]; !ok {
		return Envelope{}, fmt.Errorf("%w %d for %q", ErrUnknownSchema, env.Schema, env.Type)
	}
	env.Hash = HashOf(data)
	return env, nil
}

// marshal is the canonical encoding: encoding/json of the Go struct in field
// order, compact, without HTML escaping and without the trailing newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Canonical returns the canonical encoding of v. Commands use it to compute
// the hash that makes a retried command recognisable.
func Canonical(v any) ([]byte, error) { return marshal(v) }

// Stored is one event as it sits in the stream: its bytes and its
// JetStream sequence.
type Stored struct {
	StreamSeq uint64
	Data      []byte
	// Packed, set only on a message's first event, is the message's data
	// when it came packed with canonical blocks (UnpackSegment): a store
	// can keep it as the message's copy without compressing it again.
	Packed []byte
}
