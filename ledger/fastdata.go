package ledger

// Fast decoding of command data in its plain form. Commands on the hot
// path (receive_dues) are decoded by a small scanner that accepts only a
// narrow form: objects with exactly spelled keys, each at most once, whose
// values are strings of printable ASCII without escapes, or nested objects
// of the same kind. Anything else (an escape, non-ASCII, null, a number, an
// unknown or differently cased key, a repeated key, trailing data) makes it
// decline, and the caller decodes with decodeData as before. So the scanner
// only accepts what decodeData accepts with the same result, and every
// refusal still comes from decodeData, with its codes and messages.

// plainData reads plain JSON from b. A failed read sets bad; every later
// read then fails too, so callers check bad once at the end. Strings read
// are substrings of s, one copy of b, so decoding costs one allocation for
// all its strings.
type plainData struct {
	b   []byte
	s   string
	i   int
	bad bool
}

func newPlainData(b []byte) plainData { return plainData{b: b, s: string(b)} }

// space skips JSON whitespace.
func (p *plainData) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// eat consumes the byte c, after whitespace, if it is next.
func (p *plainData) eat(c byte) bool {
	if p.bad {
		return false
	}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string of printable ASCII without escapes, which
// encoding/json decodes to exactly its bytes.
func (p *plainData) str() string {
	if !p.eat('"') {
		p.bad = true
		return ""
	}
	start := p.i
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			p.i = j + 1
			return p.s[start:j]
		case c < 0x20 || c > 0x7e || c == '\\':
			p.bad = true
			return ""
		}
	}
	p.bad = true
	return ""
}

// object reads an object, calling field with each key and the scanner at
// its value. field reads the value and returns the key's bit, one of at
// most eight, or 0 for a key it does not know; an unknown key or one seen
// twice declines the input.
func (p *plainData) object(field func(key string) uint8) {
	var seen uint8
	if !p.eat('{') {
		p.bad = true
		return
	}
	if p.eat('}') {
		return
	}
	for !p.bad {
		key := p.str()
		if !p.eat(':') {
			p.bad = true
			return
		}
		bit := field(key)
		if bit == 0 || seen&bit != 0 {
			p.bad = true
			return
		}
		seen |= bit
		if p.eat(',') {
			continue
		}
		if !p.eat('}') {
			p.bad = true
		}
		return
	}
}

// end reports whether everything was read well and only whitespace is
// left.
func (p *plainData) end() bool {
	if p.bad {
		return false
	}
	p.space()
	return p.i == len(p.b)
}

// decodeDues decodes receive_dues data: the plain form by the scanner,
// any other by decodeData. Only the latter needs its result on the heap.
func decodeDues(cmd Command) (duesIn, error) {
	if in, ok := decodeDuesPlain(cmd.Data); ok {
		return in, nil
	}
	var in duesIn
	err := decodeData(cmd, &in)
	return in, err
}

// decodeDuesPlain decodes receive_dues data in the plain form; ok is false
// if the data is in any other form, and then in is zero.
func decodeDuesPlain(b []byte) (in duesIn, ok bool) {
	p := newPlainData(b)
	p.object(func(key string) uint8 {
		switch key {
		case "member":
			in.Member = p.str()
			return 1 << 0
		case "period":
			in.Period = p.str()
			return 1 << 1
		case "amount":
			in.Amount = p.str()
			return 1 << 2
		case "wage":
			in.Wage = p.str()
			return 1 << 3
		case "basis":
			in.Basis = p.str()
			return 1 << 4
		case "via":
			in.Via = p.str()
			return 1 << 5
		case "receipt":
			in.Receipt = decodeReceiptPlain(&p)
			return 1 << 6
		}
		return 0
	})
	if !p.end() {
		return duesIn{}, false
	}
	return in, true
}

// decodeReceiptPlain reads a receipt object in the plain form; p.bad is
// set if it is in another.
func decodeReceiptPlain(p *plainData) (r receiptIn) {
	p.object(func(key string) uint8 {
		switch key {
		case "book":
			r.Book = p.str()
			return 1 << 0
		case "number":
			r.Number = p.str()
			return 1 << 1
		}
		return 0
	})
	return r
}
