package events

import (
	"errors"
	"strings"
	"testing"
)

// TestExpensePaidSchemas reads both schemas of expense_paid: schema 1
// (written before payments carried a voucher) is upcast to the current
// type; an unknown schema is refused, never guessed.
func TestExpensePaidSchemas(t *testing.T) {
	env := func(schema, payload string) []byte {
		return []byte(`{"v":1,"id":"x","org":"h1","seq":4,"type":"expense_paid","schema":` + schema + `,"aggregate":"expense:E-1",` +
			`"recorded":"2025-04-01T08:00:03.000000005Z","date":"2025-03-28","actor":"p-treasurer","command":"c4",` +
			`"command_hash":"` + strings.Repeat("ab", 32) + `","payload":` + payload + `,"prev":"` + ZeroHash + `"}`)
	}
	v1 := `{"expense":"E-1","account":"50102","amount_fen":150000,"payee":"p","purpose":"q","via":"cash"}`
	v2 := `{"expense":"E-1","account":"50102","amount_fen":150000,"payee":"p","purpose":"q","via":"cash","voucher":"记-1"}`
	base := ExpensePaid{Expense: "E-1", Account: "50102", Amount: 150000, Payee: "p", Purpose: "q", Via: ViaCash}
	withVoucher := base
	withVoucher.Voucher = "记-1"
	tests := []struct {
		name, schema, payload string
		want                  Payload
		err                   error
	}{
		{"schema 1 upcast", "1", v1, base, nil},
		{"schema 2", "2", v2, withVoucher, nil},
		{"schema 1 with a voucher is malformed", "1", v2, nil, ErrMalformed},
		{"schema 3 is unknown", "3", v2, nil, ErrUnknownSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Decode(env(tt.schema, tt.payload))
			if err == nil {
				var p Payload
				p, err = DecodePayload(e)
				if err == nil {
					if p != tt.want {
						t.Fatalf("payload %+v, want %+v", p, tt.want)
					}
					if ps := p.Postings(); ps[0] != (Posting{"50102", 150000}) || ps[1] != (Posting{AcctCash, -150000}) {
						t.Fatalf("postings %+v", ps)
					}
				}
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
		})
	}
}
