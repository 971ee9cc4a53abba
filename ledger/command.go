package ledger

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/unionledger/unionledger/events"
)

// Command is a request to change the ledger, as clients send it. Data is
// specific to Type. ID is chosen by the client and makes retries safe: the
// same ID with the same content returns the original result, forever.
type Command struct {
	ID    string          `json:"id"`
	Type  string          `json:"type"`
	Org   string          `json:"org"`
	Actor string          `json:"actor"`
	Date  string          `json:"date"`
	Data  json.RawMessage `json:"data"`
}

// MaxCommandBytes bounds one command's encoded size.
const MaxCommandBytes = 64 << 10

// ParseCommand decodes one command strictly: unknown fields, trailing data
// and missing envelope fields are refused with CodeMalformed or CodeInvalid.
func ParseCommand(b []byte) (Command, error) {
	if len(b) > MaxCommandBytes {
		return Command{}, Errorf(CodeTooLarge, "command is %d bytes, the limit is %d", len(b), MaxCommandBytes)
	}
	var c Command
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Command{}, Errorf(CodeMalformed, "command is not valid JSON: %v", err)
	}
	if dec.More() {
		return Command{}, Errorf(CodeMalformed, "command has trailing data after the JSON object")
	}
	return c, c.check()
}

// check validates the envelope of a command (not its data).
func (c Command) check() error {
	if _, ok := commands[c.Type]; !ok {
		return Errorf(CodeUnknownCommand, "unknown command type %q", c.Type)
	}
	switch {
	case !events.ValidID(c.ID):
		return Errorf(CodeInvalid, "command id %q: 1–64 letters, digits, '.', '_', ':' or '-'", c.ID)
	case !events.ValidOrg(c.Org):
		return Errorf(CodeInvalid, "org %q: 1–32 lowercase letters, digits or '-'", c.Org)
	case !events.ValidID(c.Actor):
		return Errorf(CodeInvalid, "actor %q is not a valid person id", c.Actor)
	case !events.ValidDate(c.Date):
		return Errorf(CodeInvalid, "date %q is not an accounting date (YYYY-MM-DD)", c.Date)
	case len(c.Data) == 0:
		return Errorf(CodeInvalid, "command %q has no data", c.Type)
	}
	return nil
}

// Hash identifies the content of a command (everything but the id), so a
// reused id with other content can be told from a retry. It is the hash of
// the canonical encoding of the type, org, actor, date and compacted data.
// Commands whose envelope strings need no escaping and whose data is
// already compact, as clients almost always send them, have that encoding
// appended directly; the others go through hashGeneral. Both give the same
// bytes, so a hash never depends on which way it was computed.
func (c Command) Hash() (string, error) {
	var buf [512]byte
	if b, ok := c.appendPlainHashed(buf[:0]); ok {
		return events.HashOf(b), nil
	}
	return c.hashGeneral()
}

// hashGeneral is Hash for any command: the data is compacted by
// json.Compact and the whole encoded by events.Canonical.
func (c Command) hashGeneral() (string, error) {
	var data bytes.Buffer
	if err := json.Compact(&data, c.Data); err != nil {
		return "", Errorf(CodeMalformed, "command data is not valid JSON: %v", err)
	}
	b, err := events.Canonical(struct {
		Type, Org, Actor, Date string
		Data                   json.RawMessage
	}{c.Type, c.Org, c.Actor, c.Date, data.Bytes()})
	if err != nil {
		return "", err
	}
	return events.HashOf(b), nil
}

// appendPlainHashed appends to b what hashGeneral hashes, when it can be
// had without encoding: every envelope string is encoded as it is, and the
// data is valid JSON that json.Compact leaves as it is (events.Canonical
// then copies it too, as it does not escape HTML). ok is false otherwise.
func (c Command) appendPlainHashed(b []byte) (_ []byte, ok bool) {
	if !events.Plain(c.Type) || !events.Plain(c.Org) || !events.Plain(c.Actor) ||
		!events.Plain(c.Date) || !compactJSON(c.Data) {
		return b, false
	}
	b = append(b, `{"Type":"`...)
	b = append(b, c.Type...)
	b = append(b, `","Org":"`...)
	b = append(b, c.Org...)
	b = append(b, `","Actor":"`...)
	b = append(b, c.Actor...)
	b = append(b, `","Date":"`...)
	b = append(b, c.Date...)
	b = append(b, `","Data":`...)
	b = append(b, c.Data...)
	return append(b, '}'), true
}

// compactJSON reports whether data is valid JSON without whitespace outside
// its strings, which is what json.Compact copies unchanged.
func compactJSON(data []byte) bool {
	inString, escaped := false, false
	for _, c := range data {
		switch {
		case escaped:
			escaped = false
		case inString:
			if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return false
		}
	}
	return json.Valid(data)
}

// decodeData strictly decodes command data into v.
func decodeData(c Command, v any) error {
	dec := json.NewDecoder(bytes.NewReader(c.Data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return Errorf(CodeInvalid, "%s: field %q has the wrong type (%s)", c.Type, ute.Field, ute.Value)
		}
		return Errorf(CodeMalformed, "%s: data: %v", c.Type, err)
	}
	if dec.More() {
		return Errorf(CodeMalformed, "%s: trailing data", c.Type)
	}
	return nil
}

// amount parses a positive yuan amount for field name.
func amount(field, s string) (events.Fen, error) {
	v, err := events.ParseYuan(s)
	if err != nil {
		return 0, ruleErr(CodeInvalidAmount, "money-format", "%s %q: %v", field, s, err)
	}
	if v == 0 {
		return 0, ruleErr(CodeInvalidAmount, "money-format", "%s must be more than zero", field)
	}
	return v, nil
}

// Result is what an accepted command produced.
type Result struct {
	Command   string     `json:"command"`
	Events    []EventRef `json:"events"`
	Duplicate bool       `json:"duplicate,omitempty"`
}

// EventRef points at one appended event.
type EventRef struct {
	Seq  uint64 `json:"seq"`
	ID   string `json:"id"`
	Type string `json:"type"`
	Hash string `json:"hash"`
}

// fmtPeriod checks a YYYY-MM period.
func validPeriod(p string) bool {
	return len(p) == 7 && events.ValidDate(p+"-01")
}

func errField(cmd, field, why string) error {
	return Errorf(CodeInvalid, "%s: %s %s", cmd, field, why)
}
