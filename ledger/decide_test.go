package ledger

import (
	"encoding/json"
	"testing"

	"github.com/unionledger/unionledger/events"
)

// memState is an in-memory State for the pure decide functions.
type memState struct {
	orgs     map[string]OrgInfo
	balances map[[2]string]events.Fen
	receipts map[[3]string]bool
}

func newMemState() *memState {
	return &memState{
		orgs:     map[string]OrgInfo{"h1": {Name: "h1 union", Chart: "2010"}},
		balances: map[[2]string]events.Fen{{"h1", "102"}: 100000, {"h1", "101"}: 500},
		receipts: map[[3]string]bool{{"h1", "B1", "7"}: true},
	}
}

func (m *memState) Org(org string) (OrgInfo, bool, error) { o, ok := m.orgs[org]; return o, ok, nil }
func (m *memState) Balance(org, a string) (events.Fen, error) {
	return m.balances[[2]string{org, a}], nil
}
func (m *memState) ReceiptUsed(org string, r events.Receipt) (bool, error) {
	return m.receipts[[3]string{org, r.Book, r.Number}], nil
}

func mkCmd(typ, org string, data string) Command {
	return Command{ID: "c1", Type: typ, Org: org, Actor: "p-treasurer", Date: "2025-03-05", Data: json.RawMessage(data)}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		code Code   // expected error code, "" for success
		rule string // expected rule for refusals that name one
		want events.Payload
	}{
		{"open org", mkCmd("open_org", "h2", `{"name":"二院工会","chart":"2022"}`), "", "",
			events.OrgOpened{Name: "二院工会", Chart: "2022"}},
		{"open org twice", mkCmd("open_org", "h1", `{"name":"x","chart":"2010"}`), CodeOrgExists, "org-opened", nil},
		{"open org unknown chart", mkCmd("open_org", "h2", `{"name":"x","chart":"1999"}`), CodeInvalid, "chart-versioned", nil},
		{"open org no name", mkCmd("open_org", "h2", `{"chart":"2010"}`), CodeInvalid, "", nil},
		{"dues", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"66.50","receipt":{"book":"B1","number":"8"}}`), "", "",
			events.DuesReceived{Member: "m1", Period: "2025-03", Amount: 6650, Receipt: events.Receipt{Book: "B1", Number: "8"}, Via: events.ViaBank}},
		{"dues in cash", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1","receipt":{"book":"B1","number":"9"},"via":"cash"}`), "", "",
			events.DuesReceived{Member: "m1", Period: "2025-03", Amount: 100, Receipt: events.Receipt{Book: "B1", Number: "9"}, Via: events.ViaCash}},
		{"dues unknown org", mkCmd("receive_dues", "nope", `{"member":"m1","period":"2025-03","amount":"1","receipt":{"book":"B1","number":"8"}}`), CodeUnknownOrg, "org-opened", nil},
		{"dues duplicate receipt", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1","receipt":{"book":"B1","number":"7"}}`), CodeDuplicateRecpt, "receipt-unique", nil},
		{"dues same number other book", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1","receipt":{"book":"B2","number":"7"}}`), "", "",
			events.DuesReceived{Member: "m1", Period: "2025-03", Amount: 100, Receipt: events.Receipt{Book: "B2", Number: "7"}, Via: events.ViaBank}},
		{"dues negative", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"-1.00","receipt":{"book":"B1","number":"8"}}`), CodeInvalidAmount, "money-format", nil},
		{"dues zero", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"0.00","receipt":{"book":"B1","number":"8"}}`), CodeInvalidAmount, "money-format", nil},
		{"dues three decimals", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1.001","receipt":{"book":"B1","number":"8"}}`), CodeInvalidAmount, "money-format", nil},
		{"dues exponent", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1e5","receipt":{"book":"B1","number":"8"}}`), CodeInvalidAmount, "money-format", nil},
		{"dues overflow", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"92233720368547758.08","receipt":{"book":"B1","number":"8"}}`), CodeInvalidAmount, "money-format", nil},
		{"dues amount as number", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":66.5,"receipt":{"book":"B1","number":"8"}}`), CodeInvalid, "", nil},
		{"dues bad period", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-13","amount":"1","receipt":{"book":"B1","number":"8"}}`), CodeInvalid, "", nil},
		{"dues no receipt", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1"}`), CodeInvalid, "", nil},
		{"dues unknown field", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1","receipt":{"book":"B1","number":"8"},"tip":"1"}`), CodeMalformed, "", nil},
		{"allocation", mkCmd("receive_allocation", "h1", `{"period":"2025-03","wage_bill":"3000000","amount":"60000","remitted":"24000","receipt":{"book":"A","number":"1"}}`), "", "",
			events.AllocationReceived{Period: "2025-03", WageBill: 300000000, Gross: 6000000, Retained: 3600000, Remitted: 2400000, Receipt: events.Receipt{Book: "A", Number: "1"}, Via: events.ViaBank}},
		{"allocation remitted too much", mkCmd("receive_allocation", "h1", `{"period":"2025","wage_bill":"3000000","amount":"60000","remitted":"60000.01","receipt":{"book":"A","number":"1"}}`), CodeInvalid, "", nil},
		{"expense", mkCmd("pay_expense", "h1", `{"expense":"E1","account":"50102","amount":"1000.00","payee":"体育用品店","purpose":"篮球"}`), "", "",
			events.ExpensePaid{Expense: "E1", Account: "50102", Amount: 100000, Payee: "体育用品店", Purpose: "篮球", Via: events.ViaBank}},
		{"expense overdraft", mkCmd("pay_expense", "h1", `{"expense":"E1","account":"50102","amount":"1000.01","payee":"x","purpose":"y"}`), CodeOverdraft, "no-overdraft", nil},
		{"expense overdraft cash", mkCmd("pay_expense", "h1", `{"expense":"E1","account":"50102","amount":"5.01","payee":"x","purpose":"y","via":"cash"}`), CodeOverdraft, "no-overdraft", nil},
		{"expense parent account", mkCmd("pay_expense", "h1", `{"expense":"E1","account":"501","amount":"1","payee":"x","purpose":"y"}`), CodeUnknownAccount, "chart-versioned", nil},
		{"expense income account", mkCmd("pay_expense", "h1", `{"expense":"E1","account":"401","amount":"1","payee":"x","purpose":"y"}`), CodeUnknownAccount, "chart-versioned", nil},
		{"expense account of other chart", mkCmd("pay_expense", "h1", `{"expense":"E1","account":"509","amount":"1","payee":"x","purpose":"y"}`), CodeUnknownAccount, "chart-versioned", nil},
		{"expense bad via", mkCmd("pay_expense", "h1", `{"expense":"E1","account":"504","amount":"1","payee":"x","purpose":"y","via":"card"}`), CodeInvalid, "", nil},
		{"unknown command", mkCmd("steal_funds", "h1", `{}`), CodeUnknownCommand, "", nil},
		{"bad date", Command{ID: "c1", Type: "receive_dues", Org: "h1", Actor: "a", Date: "2025-02-30", Data: json.RawMessage(`{}`)}, CodeInvalid, "", nil},
		{"bad org name", mkCmd("receive_dues", "H1!", `{}`), CodeInvalid, "", nil},
		{"no data", Command{ID: "c1", Type: "receive_dues", Org: "h1", Actor: "a", Date: "2025-03-01"}, CodeInvalid, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drafts, err := Decide(newMemState(), tt.cmd)
			if tt.code != "" {
				if got := ErrorCode(err); got != tt.code {
					t.Fatalf("code = %s (%v), want %s", got, err, tt.code)
				}
				if e, ok := err.(*Error); ok && e.Rule != tt.rule {
					t.Fatalf("rule = %q, want %q", e.Rule, tt.rule)
				}
				if drafts != nil {
					t.Fatalf("refused command produced drafts")
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if len(drafts) != 1 || drafts[0].Payload != tt.want || drafts[0].Date != tt.cmd.Date {
				t.Fatalf("drafts = %+v, want %+v", drafts, tt.want)
			}
		})
	}
}

func TestCommandHash(t *testing.T) {
	a := mkCmd("receive_dues", "h1", `{"member":"m1", "amount":"1"}`)
	b := mkCmd("receive_dues", "h1", `{"member":"m1","amount":"1"}`)
	c := mkCmd("receive_dues", "h1", `{"member":"m1","amount":"2"}`)
	ha, _ := a.Hash()
	hb, _ := b.Hash()
	hc, _ := c.Hash()
	if ha != hb {
		t.Errorf("whitespace changes the command hash")
	}
	if ha == hc {
		t.Errorf("different data, same hash")
	}
}
