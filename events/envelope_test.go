package events

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sampleKey and sampleStatement make the sample approval's signature real:
// the chair's ed25519 signature over the approval statement.
var (
	sampleKey       = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	sampleStatement = []byte("unionledger approve-expense v1\n" + `{"org":"h1","expense":"E-1","account":"50102","amount_fen":150000,"payee":"市体育用品公司 <&>","payee_person":"","purpose":"篮球赛","requested_by":"p-treasurer","decision":"","documents":["` + strings.Repeat("cd", 32) + `"]}`)
)

// sampleChain seals a fixed chain so its bytes can be pinned in a golden file.
func sampleChain(t *testing.T) []Envelope {
	t.Helper()
	drafts := []Draft{
		{Date: "2025-01-01", Payload: OrgOpened{Name: "市第一人民医院工会", Chart: "2010"}},
		{Date: "2025-01-05", Payload: DuesReceived{Member: "m0001", Period: "2025-01", Amount: 6650, Receipt: Receipt{"DUES-2025", "000001"}, Via: ViaBank}},
		{Date: "2025-03-25", Payload: AllocationReceived{Period: "2025-03", WageBill: 300000000, Gross: 6000000, Retained: 3600000, Remitted: 2400000, Receipt: Receipt{"ALLOC-2025", "2025-03"}, Via: ViaBank}},
		{Date: "2025-03-20", Payload: ExpenseRequested{Expense: "E-1", Account: "50102", Amount: 150000, Payee: "市体育用品公司 <&>", Purpose: "篮球赛",
			Documents: []string{strings.Repeat("cd", 32)}}},
		{Date: "2025-03-25", Payload: ExpenseApproved{Expense: "E-1", Statement: base64.StdEncoding.EncodeToString(sampleStatement)},
			Sig: &Signature{Key: "k-chair", Alg: "ed25519", Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(sampleKey, sampleStatement))}},
		{Date: "2025-03-28", Payload: ExpensePaid{Expense: "E-1", Account: "50102", Amount: 150000, Payee: "市体育用品公司 <&>", Purpose: "篮球赛", Via: ViaBank, Voucher: "记-2025-03-017"}},
	}
	var out []Envelope
	prev := ZeroHash
	for i, d := range drafts {
		env, data, err := Seal(d, Meta{
			ID: "0190f5c4-0000-7000-8000-00000000000" + string(rune('1'+i)), Org: "h1", Seq: uint64(i + 1),
			Recorded: time.Date(2025, 4, 1, 8, 0, i, 5, time.UTC), Actor: "p-treasurer",
			Command: "c" + string(rune('1'+i)), CommandHash: strings.Repeat("ab", 32), Prev: prev,
		})
		if err != nil {
			t.Fatal(err)
		}
		if HashOf(data) != env.Hash {
			t.Fatalf("hash mismatch")
		}
		prev = env.Hash
		out = append(out, env)
	}
	return out
}

// TestWireFormatGolden pins the exact bytes and hashes of the wire format:
// a change here breaks every verifier and every stored chain.
func TestWireFormatGolden(t *testing.T) {
	var buf bytes.Buffer
	for _, env := range sampleChain(t) {
		data, err := marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(data)
		buf.WriteString("\n" + env.Hash + "\n")
	}
	path := filepath.Join("testdata", "chain.golden")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("wire format changed:\n got %s\nwant %s", buf.Bytes(), want)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	for _, env := range sampleChain(t) {
		data, _ := marshal(env)
		got, err := Decode(data)
		if err != nil {
			t.Fatalf("decode seq %d: %v", env.Seq, err)
		}
		if got.Hash != env.Hash || got.Type != env.Type || got.Seq != env.Seq {
			t.Fatalf("decode seq %d: got %+v", env.Seq, got)
		}
		p, err := DecodePayload(got)
		if err != nil {
			t.Fatal(err)
		}
		var sum Fen
		for _, ps := range p.Postings() {
			sum += ps.Amount
		}
		if sum != 0 {
			t.Fatalf("%s postings do not balance: %v", p.Type(), p.Postings())
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	env := sampleChain(t)[1]
	good, _ := marshal(env)
	tests := []struct {
		name string
		data string
		want error
	}{
		{"not json", "{", ErrMalformed},
		{"trailing", string(good) + "{}", ErrMalformed},
		{"unknown field", strings.Replace(string(good), `"v":1,`, `"v":1,"x":1,`, 1), ErrMalformed},
		{"wire version", strings.Replace(string(good), `"v":1,`, `"v":2,`, 1), ErrMalformed},
		{"zero seq", strings.Replace(string(good), `"seq":2,`, `"seq":0,`, 1), ErrMalformed},
		{"bad date", strings.Replace(string(good), `"date":"2025-01-05"`, `"date":"2025-02-30"`, 1), ErrMalformed},
		{"unknown type", strings.Replace(string(good), `"type":"dues_received"`, `"type":"dues_stolen"`, 1), ErrUnknownType},
		{"unknown schema", strings.Replace(string(good), `"schema":1`, `"schema":9`, 1), ErrUnknownSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode([]byte(tt.data)); !errors.Is(err, tt.want) {
				t.Fatalf("Decode: got %v, want %v", err, tt.want)
			}
		})
	}
	// A payload with a field the schema does not know is refused too.
	bad := env
	bad.Payload = []byte(`{"member":"m1","period":"2025-01","amount_fen":1,"receipt":{"book":"b","number":"1"},"via":"bank","extra":1}`)
	if _, err := DecodePayload(bad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("DecodePayload with unknown field: %v", err)
	}
}

func TestCharts(t *testing.T) {
	for _, v := range []string{"2010", "2022"} {
		c, ok := ChartByVersion(v)
		if !ok {
			t.Fatalf("chart %s missing", v)
		}
		if c.Postable("501") || !c.Postable("50102") || !c.Postable("504") || c.Postable("999") {
			t.Errorf("chart %s: postable rules wrong", v)
		}
	}
	c10, _ := ChartByVersion("2010")
	c22, _ := ChartByVersion("2022")
	if a, _ := c10.Account("507"); a.NameZH != "事业支出" {
		t.Errorf("2010 507 = %q", a.NameZH)
	}
	if a, _ := c22.Account("507"); a.NameZH != "对附属单位的支出" {
		t.Errorf("2022 507 = %q", a.NameZH)
	}
	if _, ok := c10.Account("509"); ok {
		t.Errorf("2010 chart has no staff-services account")
	}
	if _, ok := ChartByVersion("1999"); ok {
		t.Errorf("unknown chart version accepted")
	}
}
