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
// its value. field reads the value and returns false to decline the
// input (an unknown or repeated key).
func (p *plainData) object(field func(key string) bool) {
	if !p.eat('{') {
		p.bad = true
		return
	}
	if p.eat('}') {
		return
	}
	for !p.bad {
		key := p.str()
		if !p.eat(':') || !field(key) {
			p.bad = true
			return
		}
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
	var seen uint8
	p.object(func(key string) bool {
		var bit uint8
		switch key {
		case "member":
			bit, in.Member = 1<<0, p.str()
		case "period":
			bit, in.Period = 1<<1, p.str()
		case "amount":
			bit, in.Amount = 1<<2, p.str()
		case "wage":
			bit, in.Wage = 1<<3, p.str()
		case "basis":
			bit, in.Basis = 1<<4, p.str()
		case "via":
			bit, in.Via = 1<<5, p.str()
		case "receipt":
			bit = 1 << 6
			in.Receipt = decodeReceiptPlain(&p)
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
	if !p.end() {
		return duesIn{}, false
	}
	return in, true
}

// decodeReceiptPlain reads a receipt object in the plain form; p.bad is
// set if it is in another.
func decodeReceiptPlain(p *plainData) (r receiptIn) {
	var seen uint8
	p.object(func(key string) bool {
		var bit uint8
		switch key {
		case "book":
			bit, r.Book = 1<<0, p.str()
		case "number":
			bit, r.Number = 1<<1, p.str()
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
	return r
}
