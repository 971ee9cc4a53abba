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
	"regexp"
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
func Seal(d Draft, m Meta) (Envelope, []byte, error) {
	body, err := marshal(d.Payload)
	if err != nil {
		return Envelope{}, nil, fmt.Errorf("events: encode %s payload: %w", d.Payload.Type(), err)
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
	data, err := marshal(env)
	if err != nil {
		return Envelope{}, nil, fmt.Errorf("events: encode envelope: %w", err)
	}
	env.Hash = HashOf(data)
	return env, data, nil
}

// FormatTime is the one time format of the wire: UTC, RFC 3339 with
// nanoseconds and trailing zeros kept.
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
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

var (
	orgRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	idRe   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)
	dateRe = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	hexRe  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ValidOrg reports whether s can name an org: lowercase letters, digits and
// dashes, so it is also a valid NATS subject token and Pebble key part.
func ValidOrg(s string) bool { return orgRe.MatchString(s) }

// ValidID reports whether s can name a person, aggregate, command or
// receipt: no spaces, dots allowed, at most 64 bytes.
func ValidID(s string) bool { return idRe.MatchString(s) }

// ValidDate reports whether s is a real calendar date in YYYY-MM-DD form.
func ValidDate(s string) bool {
	if !dateRe.MatchString(s) {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// Decode parses stored event bytes, checks the envelope and that the type
// and schema version are known, and fills in Hash.
func Decode(data []byte) (Envelope, error) {
	var env Envelope
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return Envelope{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return Envelope{}, fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	switch {
	case env.V != WireVersion:
		return Envelope{}, fmt.Errorf("%w: wire version %d", ErrMalformed, env.V)
	case !ValidOrg(env.Org), env.Seq == 0, !ValidDate(env.Date), !hexRe.MatchString(env.Prev):
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
}
