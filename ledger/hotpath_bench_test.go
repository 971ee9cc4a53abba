package ledger_test

import (
	"testing"

	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

// benchDues is a receive_dues command in the shape clients send most.
func benchDues() ledger.Command {
	return mkCmd("receive_dues", "h1", `{"amount":"12.34","member":"m000123","period":"2019-05","receipt":{"book":"DUES-2019","number":"123"}}`)
}

func BenchmarkDecideReceiveDues(b *testing.B) {
	st := ledgertest.State(b, "h1")
	cmd := benchDues()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ledger.Decide(st, cmd); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCommandHash(b *testing.B) {
	cmd := benchDues()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cmd.Hash(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseCommand(b *testing.B) {
	line := []byte(ledgertest.JSON(benchDues()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ledger.ParseCommand(line); err != nil {
			b.Fatal(err)
		}
	}
}
