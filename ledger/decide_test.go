package ledger_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

// newState is union h1 with the standard officers, whose bank account
// holds 1000.00 and cash 5.00, receipt B1/7 used, and p-gone erased.
func newState(t *testing.T) ledger.State {
	t.Helper()
	st := ledgertest.State(t, "h1")
	st.Do(
		ledgertest.Dues("h1", "s1", "2025-01-01", "m1", "1000.00", "B1", "7"),
		ledgertest.Cmd("s2", "receive_dues", "h1", ledgertest.Treasurer, "2025-02-01", map[string]any{
			"member": "m1", "period": "2025-02", "amount": "5.00", "via": "cash", "receipt": map[string]string{"book": "C", "number": "1"}}),
		ledgertest.Cmd("s3", "register_person", "h1", ledgertest.Admin, "2025-01-01", map[string]string{"person": "p-gone"}),
		ledgertest.Cmd("s4", "erase_person", "h1", ledgertest.Admin, "2025-01-01", map[string]string{"person": "p-gone", "reason": "left"}),
	)
	return st
}

// pub is a valid base64 ed25519 public key.
var pub = base64.StdEncoding.EncodeToString(ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey))

func asActor(actor string, c ledger.Command) ledger.Command {
	c.Actor = actor
	return c
}

func mkCmd(typ, org string, data string) ledger.Command {
	return ledger.Command{ID: "c1", Type: typ, Org: org, Actor: "p-treasurer", Date: "2025-03-05", Data: json.RawMessage(data)}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name string
		cmd  ledger.Command
		code ledger.Code // expected error code, "" for success
		rule string      // expected rule for refusals that name one
		want []events.Payload
	}{
		{"open org", mkCmd("open_org", "h2", `{"name":"二院工会","chart":"2022"}`), "", "",
			[]events.Payload{events.OrgOpened{Name: "二院工会", Chart: "2022"},
				events.PersonRegistered{Person: "p-treasurer"}, events.RoleGranted{Person: "p-treasurer", Role: events.RoleAdmin}}},
		{"open org with officers", asActor("p-founder", mkCmd("open_org", "h2", `{"name":"u","chart":"2010","officers":[{"person":"p-c","role":"chair"},{"person":"p-founder","role":"treasurer"},{"person":"p-c","role":"committee"}]}`)), "", "",
			[]events.Payload{events.OrgOpened{Name: "u", Chart: "2010"},
				events.PersonRegistered{Person: "p-founder"}, events.RoleGranted{Person: "p-founder", Role: events.RoleAdmin},
				events.PersonRegistered{Person: "p-c"}, events.RoleGranted{Person: "p-c", Role: events.RoleChair},
				events.RoleGranted{Person: "p-founder", Role: events.RoleTreasurer},
				events.RoleGranted{Person: "p-c", Role: events.RoleCommittee}}},
		{"open org bad officer role", mkCmd("open_org", "h2", `{"name":"u","chart":"2010","officers":[{"person":"p-c","role":"king"}]}`), ledger.CodeInvalid, "", nil},
		{"dues by someone without the role", asActor("p-admin", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1","receipt":{"book":"B1","number":"8"}}`)), ledger.CodeWrongRole, "role-required", nil},
		{"dues by a stranger", asActor("p-nobody", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1","receipt":{"book":"B1","number":"8"}}`)), ledger.CodeWrongRole, "role-required", nil},
		{"register person", asActor("p-admin", mkCmd("register_person", "h1", `{"person":"p-new","sealed":"c2VhbGVk"}`)), "", "",
			[]events.Payload{events.PersonRegistered{Person: "p-new", Sealed: "c2VhbGVk"}}},
		{"register person twice", asActor("p-admin", mkCmd("register_person", "h1", `{"person":"p-treasurer"}`)), ledger.CodeStateConflict, "people-registered", nil},
		{"register erased person again", asActor("p-admin", mkCmd("register_person", "h1", `{"person":"p-gone"}`)), ledger.CodePersonErased, "personal-data", nil},
		{"register person by treasurer", mkCmd("register_person", "h1", `{"person":"p-new"}`), ledger.CodeWrongRole, "role-required", nil},
		{"grant role", asActor("p-admin", mkCmd("grant_role", "h1", `{"person":"p-treasurer","role":"chair"}`)), "", "",
			[]events.Payload{events.RoleGranted{Person: "p-treasurer", Role: events.RoleChair}}},
		{"grant role held", asActor("p-admin", mkCmd("grant_role", "h1", `{"person":"p-treasurer","role":"treasurer"}`)), ledger.CodeStateConflict, "roles-history", nil},
		{"grant role to unknown", asActor("p-admin", mkCmd("grant_role", "h1", `{"person":"p-x","role":"chair"}`)), ledger.CodeUnknownPerson, "people-registered", nil},
		{"grant role to erased", asActor("p-admin", mkCmd("grant_role", "h1", `{"person":"p-gone","role":"chair"}`)), ledger.CodePersonErased, "personal-data", nil},
		{"grant unknown role", asActor("p-admin", mkCmd("grant_role", "h1", `{"person":"p-treasurer","role":"emperor"}`)), ledger.CodeInvalid, "", nil},
		{"revoke role", asActor("p-admin", mkCmd("revoke_role", "h1", `{"person":"p-treasurer","role":"treasurer"}`)), "", "",
			[]events.Payload{events.RoleRevoked{Person: "p-treasurer", Role: events.RoleTreasurer}}},
		{"revoke role not held", asActor("p-admin", mkCmd("revoke_role", "h1", `{"person":"p-treasurer","role":"chair"}`)), ledger.CodeStateConflict, "roles-history", nil},
		{"revoke last admin", asActor("p-admin", mkCmd("revoke_role", "h1", `{"person":"p-admin","role":"admin"}`)), ledger.CodeStateConflict, "roles-history", nil},
		{"register key", asActor("p-admin", mkCmd("register_key", "h1", `{"person":"p-treasurer","key":"k1","public":"`+pub+`"}`)), "", "",
			[]events.Payload{events.KeyRegistered{Person: "p-treasurer", Key: "k1", Public: pub}}},
		{"register key not ed25519", asActor("p-admin", mkCmd("register_key", "h1", `{"person":"p-treasurer","key":"k1","public":"c2hvcnQ="}`)), ledger.CodeInvalid, "signing-keys", nil},
		{"revoke unknown key", asActor("p-admin", mkCmd("revoke_key", "h1", `{"key":"k9"}`)), ledger.CodeInvalid, "signing-keys", nil},
		{"erase person", asActor("p-admin", mkCmd("erase_person", "h1", `{"person":"p-treasurer","reason":"asked to be forgotten"}`)), "", "",
			[]events.Payload{events.PersonErased{Person: "p-treasurer", Reason: "asked to be forgotten"}}},
		{"erase erased person", asActor("p-admin", mkCmd("erase_person", "h1", `{"person":"p-gone","reason":"again"}`)), ledger.CodePersonErased, "personal-data", nil},
		{"open org twice", mkCmd("open_org", "h1", `{"name":"x","chart":"2010"}`), ledger.CodeOrgExists, "org-opened", nil},
		{"open org unknown chart", mkCmd("open_org", "h2", `{"name":"x","chart":"1999"}`), ledger.CodeInvalid, "chart-versioned", nil},
		{"open org no name", mkCmd("open_org", "h2", `{"chart":"2010"}`), ledger.CodeInvalid, "", nil},
		{"dues", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"66.50","receipt":{"book":"B1","number":"8"}}`), "", "",
			[]events.Payload{events.DuesReceived{Member: "m1", Period: "2025-03", Amount: 6650, Receipt: events.Receipt{Book: "B1", Number: "8"}, Via: events.ViaBank}}},
		{"dues in cash", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1","receipt":{"book":"B1","number":"9"},"via":"cash"}`), "", "",
			[]events.Payload{events.DuesReceived{Member: "m1", Period: "2025-03", Amount: 100, Receipt: events.Receipt{Book: "B1", Number: "9"}, Via: events.ViaCash}}},
		{"dues unknown org", mkCmd("receive_dues", "nope", `{"member":"m1","period":"2025-03","amount":"1","receipt":{"book":"B1","number":"8"}}`), ledger.CodeUnknownOrg, "org-opened", nil},
		{"dues duplicate receipt", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1","receipt":{"book":"B1","number":"7"}}`), ledger.CodeDuplicateRecpt, "receipt-unique", nil},
		{"dues same number other book", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1","receipt":{"book":"B2","number":"7"}}`), "", "",
			[]events.Payload{events.DuesReceived{Member: "m1", Period: "2025-03", Amount: 100, Receipt: events.Receipt{Book: "B2", Number: "7"}, Via: events.ViaBank}}},
		{"dues negative", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"-1.00","receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalidAmount, "money-format", nil},
		{"dues zero", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"0.00","receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalidAmount, "money-format", nil},
		{"dues three decimals", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1.001","receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalidAmount, "money-format", nil},
		{"dues exponent", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1e5","receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalidAmount, "money-format", nil},
		{"dues overflow", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"92233720368547758.08","receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalidAmount, "money-format", nil},
		{"dues amount as number", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":66.5,"receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalid, "", nil},
		{"dues bad period", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-13","amount":"1","receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalid, "", nil},
		{"dues no receipt", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1"}`), ledger.CodeInvalid, "", nil},
		{"dues unknown field", mkCmd("receive_dues", "h1", `{"member":"m1","period":"2025-03","amount":"1","receipt":{"book":"B1","number":"8"},"tip":"1"}`), ledger.CodeMalformed, "", nil},
		{"allocation", mkCmd("receive_allocation", "h1", `{"period":"2025-03","wage_bill":"3000000","amount":"60000","remitted":"24000","receipt":{"book":"A","number":"1"}}`), "", "",
			[]events.Payload{events.AllocationReceived{Period: "2025-03", WageBill: 300000000, Gross: 6000000, Retained: 3600000, Remitted: 2400000, Receipt: events.Receipt{Book: "A", Number: "1"}, Via: events.ViaBank}}},
		{"allocation remitted too much", mkCmd("receive_allocation", "h1", `{"period":"2025","wage_bill":"3000000","amount":"60000","remitted":"60000.01","receipt":{"book":"A","number":"1"}}`), ledger.CodeInvalid, "", nil},
		{"unknown command", mkCmd("steal_funds", "h1", `{}`), ledger.CodeUnknownCommand, "", nil},
		{"bad date", ledger.Command{ID: "c1", Type: "receive_dues", Org: "h1", Actor: "a", Date: "2025-02-30", Data: json.RawMessage(`{}`)}, ledger.CodeInvalid, "", nil},
		{"bad org name", mkCmd("receive_dues", "H1!", `{}`), ledger.CodeInvalid, "", nil},
		{"no data", ledger.Command{ID: "c1", Type: "receive_dues", Org: "h1", Actor: "a", Date: "2025-03-01"}, ledger.CodeInvalid, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drafts, err := ledger.Decide(newState(t), tt.cmd)
			if ledgertest.Outcome(t, drafts, err, tt.code, tt.rule) {
				return
			}
			if len(drafts) != len(tt.want) {
				t.Fatalf("drafts = %+v, want %+v", drafts, tt.want)
			}
			for i, d := range drafts {
				if d.Payload != tt.want[i] || d.Date != tt.cmd.Date {
					t.Fatalf("draft %d = %+v, want %+v", i, d, tt.want[i])
				}
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
