package ledger

import (
	"encoding/json"
	"testing"
)

var benchDuesData = json.RawMessage(`{"amount":"12.34","member":"m000123","period":"2019-05","receipt":{"book":"DUES-2019","number":"123"}}`)

// BenchmarkDecodeDues is the decoding of receive_dues data in the plain
// form, as decideReceiveDues does it; BenchmarkDecodeDuesReflect is the
// encoding/json path it falls back to.
func BenchmarkDecodeDues(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := decodeDuesPlain(benchDuesData); !ok {
			b.Fatal("declined")
		}
	}
}

func BenchmarkDecodeDuesReflect(b *testing.B) {
	cmd := Command{ID: "c1", Type: "receive_dues", Org: "h1", Actor: "p-treasurer", Date: "2019-05-06", Data: benchDuesData}
	b.ReportAllocs()
	for b.Loop() {
		var in duesIn
		if err := decodeData(cmd, &in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCommandCheck(b *testing.B) {
	cmd := Command{ID: "c-123456", Type: "receive_dues", Org: "h1", Actor: "p-treasurer", Date: "2019-05-06", Data: benchDuesData}
	b.ReportAllocs()
	for b.Loop() {
		if err := cmd.check(); err != nil {
			b.Fatal(err)
		}
	}
}
