package projections

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
)

// TestScratchSeesEarlierCommandsOfTheGroup decides commands one after the
// other on one scratch view, as the writer does for a group, and checks
// each decision sees the effects of the ones before, while nothing reaches
// the committed state.
func TestScratchSeesEarlierCommandsOfTheGroup(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sc, err := s.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	seq := uint64(0)
	prev := events.ZeroHash
	decide := func(typ, data string) error {
		t.Helper()
		c := ledger.Command{ID: "c", Type: typ, Org: "h1", Actor: "a", Date: "2025-03-05", Data: json.RawMessage(data)}
		drafts, err := ledger.Decide(sc, c)
		if err != nil {
			return err
		}
		for _, d := range drafts {
			seq++
			env, _, err := events.Seal(d, events.Meta{ID: "x", Org: "h1", Seq: seq, Recorded: time.Unix(0, 0), Actor: "a", Command: "c", Prev: prev})
			if err != nil {
				t.Fatal(err)
			}
			prev = env.Hash
			if err := sc.Apply(env, d.Payload); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	}
	steps := []struct {
		typ, data string
		code      ledger.Code
	}{
		{"receive_dues", `{"member":"m1","period":"2025-03","amount":"10","receipt":{"book":"B1","number":"8"}}`, ledger.CodeUnknownOrg},
		{"open_org", `{"name":"u","chart":"2010","officers":[{"person":"a","role":"treasurer"}]}`, ""},
		{"open_org", `{"name":"u","chart":"2010"}`, ledger.CodeOrgExists},
		{"receive_dues", `{"member":"m1","period":"2025-03","amount":"10","receipt":{"book":"B1","number":"8"}}`, ""},
		{"receive_dues", `{"member":"m2","period":"2025-03","amount":"10","receipt":{"book":"B1","number":"8"}}`, ledger.CodeDuplicateRecpt},
		{"pay_expense", `{"expense":"E","account":"504","amount":"10.01","payee":"x","purpose":"y"}`, ledger.CodeOverdraft},
		{"pay_expense", `{"expense":"E","account":"504","amount":"10.00","payee":"x","purpose":"y"}`, ""},
		{"pay_expense", `{"expense":"E","account":"504","amount":"0.01","payee":"x","purpose":"y"}`, ledger.CodeOverdraft},
	}
	for i, st := range steps {
		if err := decide(st.typ, st.data); ledger.ErrorCode(err) != st.code && !(st.code == "" && err == nil) {
			t.Fatalf("step %d (%s): got %v, want %q", i, st.typ, err, st.code)
		}
	}
	if b, _ := sc.Balance("h1", "504"); b != 1000 {
		t.Fatalf("scratch 504 balance = %d", b)
	}
	// Nothing of the scratch reached the store.
	if _, ok, _ := s.Org("h1"); ok {
		t.Fatalf("scratch leaked into committed state")
	}
	if b, _ := s.Balance("h1", "504"); b != 0 {
		t.Fatalf("committed 504 balance = %d", b)
	}
}
