package events

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Payload is the typed body of an event.
type Payload interface {
	// Type is the event type, e.g. "dues_received".
	Type() string
	// Aggregate names the thing the event is about, e.g. "expense:E-17".
	Aggregate() string
	// Postings are the double-entry lines the event makes (none for events
	// that move no money). They always sum to zero.
	Postings() []Posting
}

// Posting is one double-entry line: Amount > 0 debits the account, < 0
// credits it.
type Posting struct {
	Account string `json:"account"`
	Amount  Fen    `json:"amount_fen"`
}

// Receipt identifies a paper or electronic receipt: unique per union and
// receipt book (收据本).
type Receipt struct {
	Book   string `json:"book"`
	Number string `json:"number"`
}

// Via is how money moved: through the bank account (102) or cash (101).
type Via string

const (
	ViaBank Via = "bank"
	ViaCash Via = "cash"
)

// Account is the asset account money moves through.
func (v Via) Account() string {
	if v == ViaCash {
		return AcctCash
	}
	return AcctBank
}

// OrgOpened starts a union's ledger and adopts its chart of accounts.
type OrgOpened struct {
	Name  string `json:"name"`
	Chart string `json:"chart"`
}

func (OrgOpened) Type() string        { return "org_opened" }
func (OrgOpened) Aggregate() string   { return "org" }
func (OrgOpened) Postings() []Posting { return nil }

// typeInfo knows how to decode every schema version of one event type and
// upcast it to the current Go type.
type typeInfo struct {
	latest   int
	decoders map[int]func([]byte) (Payload, error)
}

// registry lists every event type the ledger writes or has ever written,
// merged from each area's table. Fixed at build time.
var registry = merge(orgTypes, incomeTypes, expenseTypes, budgetTypes, peopleTypes, periodTypes, auditTypes, disclosureTypes, welfareTypes, reliefTypes)

// orgTypes are the events that open a union.
var orgTypes = map[string]typeInfo{
	"org_opened": v1[OrgOpened](),
}

// merge joins per-area tables; a type defined twice is a programming error
// caught by the first test that loads the package.
func merge(tables ...map[string]typeInfo) map[string]typeInfo {
	out := map[string]typeInfo{}
	for _, t := range tables {
		for k, v := range t {
			if _, dup := out[k]; dup {
				panic("events: event type " + k + " registered twice")
			}
			out[k] = v
		}
	}
	return out
}

// v1 registers a type whose only schema is version 1. A later version adds
// a decoder for 2 and turns the version-1 decoder into an upcaster.
func v1[T Payload]() typeInfo {
	return typeInfo{latest: 1, decoders: map[int]func([]byte) (Payload, error){
		1: func(b []byte) (Payload, error) {
			var p T
			if err := strictUnmarshal(b, &p); err != nil {
				return nil, err
			}
			return p, nil
		},
	}}
}

func schemaOf(typ string) int { return registry[typ].latest }

// Types lists the known event types.
func Types() []string {
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	return out
}

// DecodePayload decodes (and upcasts) the payload of a decoded envelope.
func DecodePayload(env Envelope) (Payload, error) {
	t, ok := registry[env.Type]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownType, env.Type)
	}
	dec, ok := t.decoders[env.Schema]
	if !ok {
		return nil, fmt.Errorf("%w %d for %q", ErrUnknownSchema, env.Schema, env.Type)
	}
	if fast := canonicalPayloads[env.Type]; fast != nil && env.Schema == 1 && t.latest == 1 {
		if p, ok := fast(env.Payload); ok {
			return p, nil
		}
	}
	p, err := dec(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %s payload: %v", ErrMalformed, env.Type, err)
	}
	return p, nil
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}
