package http_test

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/unionledger/unionledger/ledger"
	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
)

// TestAPIDocListsEveryCode keeps docs/api.md's error table in step with the
// code: every code, with the status the server answers.
func TestAPIDocListsEveryCode(t *testing.T) {
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]int{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| ([0-9]{3}) \\|").FindAllSubmatch(doc, -1) {
		n, _ := strconv.Atoi(string(m[2]))
		documented[string(m[1])] = n
	}
	for _, c := range ledger.Codes() {
		status, ok := documented[string(c)]
		if !ok {
			t.Errorf("docs/api.md does not list code %s", c)
			continue
		}
		if want := ledgerhttp.StatusOf(c); status != want {
			t.Errorf("docs/api.md gives %s status %d, the server answers %d", c, status, want)
		}
		delete(documented, string(c))
	}
	for c := range documented {
		t.Errorf("docs/api.md lists %s, which is not a code", c)
	}
}
