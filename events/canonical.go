package events

import (
	"encoding/json"
	"unicode/utf8"
)

// Fast decoding of the canonical encoding. Events are written by marshal
// only: fields in struct order, no whitespace, no HTML escapes. A small
// scanner reads exactly that form; anything else (another field order, an
// escape in a string, whitespace, null, a large number) makes it give up,
// and the caller decodes with encoding/json as before. So the scanner only
// ever accepts input that encoding/json accepts with the same result, and
// what is refused is refused by encoding/json, with its errors.

// canon reads canonical JSON from b at i. A failed read sets bad; every
// later read then fails too, so callers check bad once at the end. Strings
// read are substrings of s, one copy of b, so a record costs one
// allocation for all its strings.
type canon struct {
	b   []byte
	s   string
	i   int
	bad bool
}

func newCanon(b []byte) canon { return canon{b: b, s: string(b)} }

// lit consumes the exact bytes s.
func (c *canon) lit(s string) {
	if c.bad || len(c.b)-c.i < len(s) || string(c.b[c.i:c.i+len(s)]) != s {
		c.bad = true
		return
	}
	c.i += len(s)
}

// peek reports whether the next bytes are s, without consuming them.
func (c *canon) peek(s string) bool {
	return !c.bad && len(c.b)-c.i >= len(s) && string(c.b[c.i:c.i+len(s)]) == s
}

// str reads a string without escapes: what encoding/json decodes to the
// same bytes (no control characters, valid UTF-8).
func (c *canon) str() string {
	if c.bad || c.i >= len(c.b) || c.b[c.i] != '"' {
		c.bad = true
		return ""
	}
	start := c.i + 1
	ascii := true
	for j := start; j < len(c.b); j++ {
		switch ch := c.b[j]; {
		case ch == '"':
			s := c.b[start:j]
			if !ascii && !utf8.Valid(s) {
				c.bad = true // encoding/json would replace invalid bytes
				return ""
			}
			c.i = j + 1
			return c.s[start:j]
		case ch == '\\' || ch < 0x20:
			c.bad = true
			return ""
		case ch >= utf8.RuneSelf:
			ascii = false
		}
	}
	c.bad = true
	return ""
}

// uint reads a non-negative integer of at most 18 digits (no overflow of
// int64 or uint64), in JSON's form: no leading zeros, no sign, no fraction.
func (c *canon) uint() uint64 {
	if c.bad || c.i >= len(c.b) {
		c.bad = true
		return 0
	}
	if c.b[c.i] == '0' {
		c.i++
		if c.i < len(c.b) && (c.b[c.i] >= '0' && c.b[c.i] <= '9' || c.b[c.i] == '.' || c.b[c.i] == 'e' || c.b[c.i] == 'E') {
			c.bad = true
		}
		return 0
	}
	var v uint64
	j := c.i
	for ; j < len(c.b) && c.b[j] >= '0' && c.b[j] <= '9'; j++ {
		v = v*10 + uint64(c.b[j]-'0')
	}
	if j == c.i || j-c.i > 18 || j < len(c.b) && (c.b[j] == '.' || c.b[j] == 'e' || c.b[j] == 'E') {
		c.bad = true
		return 0
	}
	c.i = j
	return v
}

// int reads an integer that may be negative, as uint does otherwise.
func (c *canon) int() int64 {
	neg := c.i < len(c.b) && c.b[c.i] == '-'
	if neg {
		c.i++
	}
	v := int64(c.uint())
	if neg {
		return -v
	}
	return v
}

// value skips one JSON value of any form, checking its syntax as
// encoding/json's scanner does, and returns its bytes.
func (c *canon) value() []byte {
	start := c.i
	c.skip(0)
	if c.bad {
		return nil
	}
	return c.b[start:c.i]
}

func (c *canon) ws() {
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

func (c *canon) skip(depth int) {
	if c.bad || c.i >= len(c.b) || depth > 1000 {
		c.bad = true
		return
	}
	switch ch := c.b[c.i]; {
	case ch == '{' || ch == '[':
		end := byte('}')
		if ch == '[' {
			end = ']'
		}
		c.i++
		c.ws()
		if c.i < len(c.b) && c.b[c.i] == end {
			c.i++
			return
		}
		for !c.bad {
			if ch == '{' {
				c.skipString()
				c.ws()
				c.lit(":")
				c.ws()
			}
			c.skip(depth + 1)
			c.ws()
			if c.bad || c.i >= len(c.b) {
				c.bad = true
				return
			}
			switch c.b[c.i] {
			case ',':
				c.i++
				c.ws()
			case end:
				c.i++
				return
			default:
				c.bad = true
			}
		}
	case ch == '"':
		c.skipString()
	case ch == '-' || ch >= '0' && ch <= '9':
		c.skipNumber()
	case ch == 't':
		c.lit("true")
	case ch == 'f':
		c.lit("false")
	case ch == 'n':
		c.lit("null")
	default:
		c.bad = true
	}
}

// skipString skips a string, escapes included, checking them.
func (c *canon) skipString() {
	if c.bad || c.i >= len(c.b) || c.b[c.i] != '"' {
		c.bad = true
		return
	}
	for j := c.i + 1; j < len(c.b); j++ {
		switch ch := c.b[j]; {
		case ch == '"':
			c.i = j + 1
			return
		case ch < 0x20:
			c.bad = true
			return
		case ch == '\\':
			j++
			if j >= len(c.b) {
				c.bad = true
				return
			}
			switch c.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(c.b) {
					c.bad = true
					return
				}
				for _, h := range c.b[j+1 : j+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						c.bad = true
						return
					}
				}
				j += 4
			default:
				c.bad = true
				return
			}
		}
	}
	c.bad = true
}

// skipNumber skips a number in JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (c *canon) skipNumber() {
	b, j := c.b, c.i
	digits := func() bool {
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j > k
	}
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case !digits():
		c.bad = true
		return
	}
	if j < len(b) && b[j] == '.' {
		j++
		if !digits() {
			c.bad = true
			return
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if !digits() {
			c.bad = true
			return
		}
	}
	c.i = j
}

// end checks that only whitespace follows: encoding/json's Decode then
// More would find nothing more.
func (c *canon) end() {
	c.ws()
	if c.i != len(c.b) {
		c.bad = true
	}
}

// decodeCanonicalEnvelope reads an envelope in its canonical form; ok is
// false for anything else.
func decodeCanonicalEnvelope(data []byte) (env Envelope, ok bool) {
	if len(data) < 2 || data[0] != '{' || data[1] != '"' {
		return Envelope{}, false
	}
	c := newCanon(data)
	c.lit(`{"v":`)
	env.V = int(c.uint())
	c.lit(`,"id":`)
	env.ID = c.str()
	c.lit(`,"org":`)
	env.Org = c.str()
	c.lit(`,"seq":`)
	env.Seq = c.uint()
	c.lit(`,"type":`)
	env.Type = c.str()
	c.lit(`,"schema":`)
	env.Schema = int(c.uint())
	c.lit(`,"aggregate":`)
	env.Aggregate = c.str()
	c.lit(`,"recorded":`)
	env.Recorded = c.str()
	c.lit(`,"date":`)
	env.Date = c.str()
	c.lit(`,"actor":`)
	env.Actor = c.str()
	c.lit(`,"command":`)
	env.Command = c.str()
	c.lit(`,"command_hash":`)
	env.CommandHash = c.str()
	c.lit(`,"payload":`)
	if p := c.value(); p != nil {
		env.Payload = append(json.RawMessage(nil), p...)
	}
	if c.peek(`,"sig":`) {
		c.lit(`,"sig":{"key":`)
		var s Signature
		s.Key = c.str()
		c.lit(`,"alg":`)
		s.Alg = c.str()
		c.lit(`,"sig":`)
		s.Sig = c.str()
		c.lit(`}`)
		env.Sig = &s
	}
	c.lit(`,"prev":`)
	env.Prev = c.str()
	c.lit(`}`)
	c.end()
	if c.bad {
		return Envelope{}, false
	}
	return env, true
}

// canonicalPayloads decode the canonical form of the most common payloads
// (schema 1); ok is false for anything else.
var canonicalPayloads = map[string]func([]byte) (Payload, bool){
	"dues_received": decodeCanonicalDues,
}

func decodeCanonicalDues(b []byte) (Payload, bool) {
	var p DuesReceived
	if len(b) < 2 || b[0] != '{' || b[1] != '"' {
		return nil, false
	}
	c := newCanon(b)
	c.lit(`{"member":`)
	p.Member = c.str()
	c.lit(`,"period":`)
	p.Period = c.str()
	c.lit(`,"amount_fen":`)
	p.Amount = Fen(c.int())
	c.lit(`,"receipt":{"book":`)
	p.Receipt.Book = c.str()
	c.lit(`,"number":`)
	p.Receipt.Number = c.str()
	c.lit(`},"via":`)
	p.Via = Via(c.str())
	if c.peek(`,"basis":`) {
		c.lit(`,"basis":`)
		p.Basis = DuesBasis(c.str())
	}
	c.lit(`}`)
	c.end()
	if c.bad {
		return nil, false
	}
	return p, true
}
