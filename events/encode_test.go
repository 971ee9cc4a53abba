package events

import (
	"encoding/json"
	"testing"
)

// TestAppendEnvelopeIsMarshal checks the hand-written encoding gives
// marshal's bytes, or declines.
func TestAppendEnvelopeIsMarshal(t *testing.T) {
	base := Envelope{V: WireVersion, ID: "0190f3a2-7b1c-7d6e-8f00-000000000001", Org: "h1", Seq: 42,
		Type: "dues_received", Schema: 1, Aggregate: "member:m1", Recorded: "2026-01-05T08:00:00.000000000Z",
		Date: "2025-03-05", Actor: "p-t", Command: "c-1", CommandHash: ZeroHash,
		Payload: json.RawMessage(`{"member":"m1","amount_fen":1000,"note":"<&> 中文"}`), Prev: ZeroHash}
	for _, tc := range []struct {
		name    string
		edit    func(e *Envelope)
		encoded bool // the fast path takes it
	}{
		{"plain", func(*Envelope) {}, true},
		{"signed", func(e *Envelope) { e.Sig = &Signature{Key: "k1", Alg: "ed25519", Sig: "c2ln+/="} }, true},
		{"max seq", func(e *Envelope) { e.Seq = 1<<64 - 1 }, true},
		{"html characters", func(e *Envelope) { e.Command = "a<b>&c" }, true},
		{"quote", func(e *Envelope) { e.Command = `a"b` }, false},
		{"backslash", func(e *Envelope) { e.Actor = `a\b` }, false},
		{"newline", func(e *Envelope) { e.Command = "a\nb" }, false},
		{"non-ASCII", func(e *Envelope) { e.Command = "命令" }, false},
		{"odd signature", func(e *Envelope) { e.Sig = &Signature{Key: "k\x01", Alg: "ed25519", Sig: "x"} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := base
			tc.edit(&env)
			want, err := marshal(env)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := appendEnvelope(nil, &env)
			if ok != tc.encoded {
				t.Fatalf("fast path took it: %v, want %v", ok, tc.encoded)
			}
			if ok && string(got) != string(want) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// TestAppendDuesIsMarshal checks the hand-written dues payload gives
// marshal's bytes, or declines.
func TestAppendDuesIsMarshal(t *testing.T) {
	base := DuesReceived{Member: "m000123", Period: "2025-03", Amount: 3390,
		Receipt: Receipt{Book: "DUES-2025", Number: "000123"}, Via: ViaBank}
	for _, tc := range []struct {
		name    string
		edit    func(p *DuesReceived)
		encoded bool
	}{
		{"plain", func(*DuesReceived) {}, true},
		{"with basis", func(p *DuesReceived) { p.Basis = DuesBasisWage }, true},
		{"cash, zero and negative amounts", func(p *DuesReceived) { p.Via, p.Amount = ViaCash, -5 }, true},
		{"largest amount", func(p *DuesReceived) { p.Amount = 1<<63 - 1 }, true},
		{"html characters", func(p *DuesReceived) { p.Member = "a<b>&c" }, true},
		{"empty strings", func(p *DuesReceived) { *p = DuesReceived{} }, true},
		{"quote", func(p *DuesReceived) { p.Receipt.Number = `1"2` }, false},
		{"non-ASCII", func(p *DuesReceived) { p.Member = "张三" }, false},
		{"control", func(p *DuesReceived) { p.Period = "2025\t03" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := base
			tc.edit(&p)
			want, err := marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := appendDues(nil, &p)
			if ok != tc.encoded {
				t.Fatalf("fast path took it: %v, want %v", ok, tc.encoded)
			}
			if ok && string(got) != string(want) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
}
