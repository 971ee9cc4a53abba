package ledger_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

func TestAssessDues(t *testing.T) {
	tests := []struct {
		name string
		wage string // yuan; "" for the fen field
		fen  events.Fen
		want events.Fen
	}{
		{"DOMAIN example: remainder 9 yuan left out", "6789.00", 0, 3390},
		{"whole tens", "6780.00", 0, 3390},
		{"next ten", "6790.00", 0, 3395},
		{"remainder in fen only", "6790.99", 0, 3395},
		{"remainder 9.99 left out", "10009.99", 0, 5000},
		{"basic salary (civil service)", "4321.00", 0, 2160},
		{"exactly 10 yuan", "10.00", 0, 5},
		{"under 10 yuan assesses nothing", "9.99", 0, 0},
		{"one fen", "0.01", 0, 0},
		{"zero", "", 0, 0},
		{"negative", "", -100000, 0},
		{"largest amount", "1000000000000.00", 0, 500000000000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.fen
			if tt.wage != "" {
				var err error
				if w, err = events.ParseYuan(tt.wage); err != nil {
					t.Fatal(err)
				}
			}
			got := ledger.AssessDues(w)
			if got != tt.want {
				t.Fatalf("AssessDues(%s) = %s, want %s", w.Yuan(), got.Yuan(), tt.want.Yuan())
			}
			if got%5 != 0 {
				t.Fatalf("dues %d fen are not a multiple of 5 fen: a rounding happened", got)
			}
		})
	}
}

func TestAllocationDue(t *testing.T) {
	tests := []struct {
		wageBill, want events.Fen
	}{
		{300000000, 6000000}, // 3,000,000.00 → 60,000.00
		{12325, 247},         // 2.465 rounds half up to 2.47
		{12324, 246},         // 2.4648 → 2.46
		{12326, 247},         // 2.4652 → 2.47
		{25, 1},              // 0.5 fen → 1
		{24, 0},              // 0.48 fen → 0
		{1, 0},
		{0, 0},
		{100000000000000, 2000000000000}, // the largest amount does not overflow
	}
	for _, tt := range tests {
		if got := ledger.AllocationDue(tt.wageBill); got != tt.want {
			t.Errorf("AllocationDue(%d) = %d, want %d", tt.wageBill, got, tt.want)
		}
	}
}

func TestSplitAllocation(t *testing.T) {
	tests := []struct {
		gross            events.Fen
		bp               int
		retained, remitt events.Fen
	}{
		{6000000, 6000, 3600000, 2400000}, // the usual 60/40
		{10001, 6000, 6001, 4000},         // 6000.6 rounds half up
		{10001, 5000, 5001, 5000},         // exactly half a fen goes to the union
		{10001, 4000, 4000, 6001},         // 4000.4 rounds down
		{3, 3333, 1, 2},                   // 0.9999 → 1
		{1, 4999, 0, 1},                   // 0.4999 → 0
		{5, 10000, 5, 0},                  // keeps everything
		{5, 0, 0, 5},                      // remits everything
		{100000000000000, 6000, 60000000000000, 40000000000000}, // no overflow at the largest amount
	}
	for _, tt := range tests {
		r, m := ledger.SplitAllocation(tt.gross, tt.bp)
		if r != tt.retained || m != tt.remitt || r+m != tt.gross {
			t.Errorf("SplitAllocation(%d, %d) = %d, %d; want %d, %d", tt.gross, tt.bp, r, m, tt.retained, tt.remitt)
		}
	}
}

// incomeState is union h1 with 1000.00 in the bank (dues, receipt B1/7),
// 5.00 in cash (receipt C/1) and one allocation received before any split
// policy: 60,000.00 on a wage bill of 3,000,000.00, 24,000.00 of it owed
// upward (receipt A/1). With split, the chair then sets a 60% retained
// share.
func incomeState(t *testing.T, split bool) *ledgertest.Scratch {
	t.Helper()
	st := ledgertest.State(t, "h1")
	st.Do(
		ledgertest.Dues("h1", "s1", "2025-01-01", "m1", "1000.00", "B1", "7"),
		ledgertest.Cmd("s2", "receive_dues", "h1", ledgertest.Treasurer, "2025-02-01", map[string]any{
			"member": "m1", "period": "2025-02", "amount": "5.00", "via": "cash", "receipt": map[string]string{"book": "C", "number": "1"}}),
		ledgertest.Cmd("s3", "receive_allocation", "h1", ledgertest.Treasurer, "2025-01-25", map[string]any{
			"period": "2025-01", "wage_bill": "3000000.00", "amount": "60000.00", "remitted": "24000.00",
			"receipt": map[string]string{"book": "A", "number": "1"}}),
	)
	if split {
		st.Do(ledgertest.Cmd("s4", "set_allocation_split", "h1", ledgertest.Chair, "2025-02-01", map[string]any{
			"retained_bp": 6000, "reference": "省总工会 2023-12"}))
	}
	return st
}

func incCmd(typ, actor, data string) ledger.Command {
	return ledger.Command{ID: "c1", Type: typ, Org: "h1", Actor: actor, Date: "2025-03-05", Data: json.RawMessage(data)}
}

func TestIncomeDecide(t *testing.T) {
	const tr, chair, admin = ledgertest.Treasurer, ledgertest.Chair, ledgertest.Admin
	rc := func(b, n string) events.Receipt { return events.Receipt{Book: b, Number: n} }
	tests := []struct {
		name  string
		split bool // a 60% retained split policy is in force
		cmd   ledger.Command
		code  ledger.Code
		rule  string
		want  events.Payload
	}{
		// Dues assessment (会费).
		{"dues from wage", false, incCmd("receive_dues", tr, `{"member":"m1","period":"2025-03","wage":"6789.00","receipt":{"book":"B1","number":"8"}}`), "", "",
			events.DuesReceived{Member: "m1", Period: "2025-03", Amount: 3390, Receipt: rc("B1", "8"), Via: events.ViaBank, Basis: events.DuesBasisWage}},
		{"dues from basic salary", false, incCmd("receive_dues", tr, `{"member":"m1","period":"2025-03","wage":"4321.00","basis":"basic_salary","receipt":{"book":"B1","number":"8"},"via":"cash"}`), "", "",
			events.DuesReceived{Member: "m1", Period: "2025-03", Amount: 2160, Receipt: rc("B1", "8"), Via: events.ViaCash, Basis: events.DuesBasisBasicSalary}},
		{"dues from wage and agreeing amount", false, incCmd("receive_dues", tr, `{"member":"m1","period":"2025-03","wage":"6789.00","amount":"33.90","basis":"wage","receipt":{"book":"B1","number":"8"}}`), "", "",
			events.DuesReceived{Member: "m1", Period: "2025-03", Amount: 3390, Receipt: rc("B1", "8"), Via: events.ViaBank, Basis: events.DuesBasisWage}},
		{"dues amount disagrees with wage", false, incCmd("receive_dues", tr, `{"member":"m1","period":"2025-03","wage":"6789.00","amount":"33.95","receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalid, "dues-assessment", nil},
		{"dues amount computed without the remainder rule", false, incCmd("receive_dues", tr, `{"member":"m1","period":"2025-03","wage":"6789.00","amount":"33.94","receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalid, "dues-assessment", nil},
		{"dues wage under 10 yuan", false, incCmd("receive_dues", tr, `{"member":"m1","period":"2025-03","wage":"9.99","receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalidAmount, "dues-assessment", nil},
		{"dues wage malformed", false, incCmd("receive_dues", tr, `{"member":"m1","period":"2025-03","wage":"6,789","receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalidAmount, "money-format", nil},
		{"dues basis without wage", false, incCmd("receive_dues", tr, `{"member":"m1","period":"2025-03","amount":"33.90","basis":"wage","receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalid, "", nil},
		{"dues unknown basis", false, incCmd("receive_dues", tr, `{"member":"m1","period":"2025-03","wage":"6789.00","basis":"bonus","receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalid, "", nil},
		{"dues neither amount nor wage", false, incCmd("receive_dues", tr, `{"member":"m1","period":"2025-03","receipt":{"book":"B1","number":"8"}}`), ledger.CodeInvalidAmount, "money-format", nil},
		{"dues from wage duplicate receipt", false, incCmd("receive_dues", tr, `{"member":"m1","period":"2025-03","wage":"6789.00","receipt":{"book":"B1","number":"7"}}`), ledger.CodeDuplicateRecpt, "receipt-unique", nil},

		// Allocation (拨缴经费) and its split.
		{"allocation without policy keeps the stated split", false, incCmd("receive_allocation", tr, `{"period":"2025-02","wage_bill":"500000.05","amount":"10000.00","remitted":"3000.00","receipt":{"book":"A","number":"2"}}`), "", "",
			events.AllocationReceived{Period: "2025-02", WageBill: 50000005, Gross: 1000000, Retained: 700000, Remitted: 300000, Receipt: rc("A", "2"), Via: events.ViaBank}},
		{"allocation split by policy", true, incCmd("receive_allocation", tr, `{"period":"2025-02","wage_bill":"500050.00","amount":"10001.00","receipt":{"book":"A","number":"2"}}`), "", "",
			events.AllocationReceived{Period: "2025-02", WageBill: 50005000, Gross: 1000100, Retained: 600060, Remitted: 400040, Receipt: rc("A", "2"), Via: events.ViaBank}},
		{"allocation policy rounds retained half up", true, incCmd("receive_allocation", tr, `{"period":"2025-02","wage_bill":"5.00","amount":"0.01","receipt":{"book":"A","number":"2"}}`), "", "",
			events.AllocationReceived{Period: "2025-02", WageBill: 500, Gross: 1, Retained: 1, Remitted: 0, Receipt: rc("A", "2"), Via: events.ViaBank}},
		{"allocation stated remitted matches policy", true, incCmd("receive_allocation", tr, `{"period":"2025","wage_bill":"3000000","amount":"60000","remitted":"24000","receipt":{"book":"A","number":"2"}}`), "", "",
			events.AllocationReceived{Period: "2025", WageBill: 300000000, Gross: 6000000, Retained: 3600000, Remitted: 2400000, Receipt: rc("A", "2"), Via: events.ViaBank}},
		{"allocation stated remitted disagrees with policy", true, incCmd("receive_allocation", tr, `{"period":"2025-02","wage_bill":"3000000","amount":"60000","remitted":"20000","receipt":{"book":"A","number":"2"}}`), ledger.CodeInvalid, "allocation-split", nil},
		{"allocation stated zero disagrees with policy", true, incCmd("receive_allocation", tr, `{"period":"2025-02","wage_bill":"3000000","amount":"60000","remitted":"0","receipt":{"book":"A","number":"2"}}`), ledger.CodeInvalid, "allocation-split", nil},
		{"allocation partial payment recorded", true, incCmd("receive_allocation", tr, `{"period":"2025-02","wage_bill":"3000000","amount":"50000","receipt":{"book":"A","number":"2"}}`), "", "",
			events.AllocationReceived{Period: "2025-02", WageBill: 300000000, Gross: 5000000, Retained: 3000000, Remitted: 2000000, Receipt: rc("A", "2"), Via: events.ViaBank}},
		{"allocation above 2% of its wage bill", true, incCmd("receive_allocation", tr, `{"period":"2025-02","wage_bill":"3000000","amount":"60000.01","receipt":{"book":"A","number":"2"}}`), ledger.CodeInvalid, "allocation-rate", nil},
		{"allocation 2% rounds half up", false, incCmd("receive_allocation", tr, `{"period":"2025-02","wage_bill":"123.25","amount":"2.47","receipt":{"book":"A","number":"2"}}`), "", "",
			events.AllocationReceived{Period: "2025-02", WageBill: 12325, Gross: 247, Retained: 247, Receipt: rc("A", "2"), Via: events.ViaBank}},
		{"allocation period not a year", false, incCmd("receive_allocation", tr, `{"period":"abcd","wage_bill":"3000000","amount":"60000","receipt":{"book":"A","number":"2"}}`), ledger.CodeInvalid, "", nil},
		{"allocation duplicate receipt", true, incCmd("receive_allocation", tr, `{"period":"2025-02","wage_bill":"3000000","amount":"60000","receipt":{"book":"A","number":"1"}}`), ledger.CodeDuplicateRecpt, "receipt-unique", nil},
		{"allocation on a dues receipt", true, incCmd("receive_allocation", tr, `{"period":"2025-02","wage_bill":"3000000","amount":"60000","receipt":{"book":"B1","number":"7"}}`), ledger.CodeDuplicateRecpt, "receipt-unique", nil},

		// Split policy.
		{"split by chair", false, incCmd("set_allocation_split", chair, `{"retained_bp":7000,"reference":"市总工会〔2024〕3号"}`), "", "",
			events.AllocationSplitSet{RetainedBP: 7000, Reference: "市总工会〔2024〕3号"}},
		{"split by admin, replacing a policy", true, incCmd("set_allocation_split", admin, `{"retained_bp":0}`), "", "",
			events.AllocationSplitSet{RetainedBP: 0}},
		{"split by treasurer", false, incCmd("set_allocation_split", tr, `{"retained_bp":6000}`), ledger.CodeWrongRole, "role-required", nil},
		{"split over 100%", false, incCmd("set_allocation_split", chair, `{"retained_bp":10001}`), ledger.CodeInvalid, "allocation-split", nil},
		{"split negative", false, incCmd("set_allocation_split", chair, `{"retained_bp":-1}`), ledger.CodeInvalid, "allocation-split", nil},
		{"split missing", false, incCmd("set_allocation_split", chair, `{}`), ledger.CodeInvalid, "allocation-split", nil},
		{"split fractional", false, incCmd("set_allocation_split", chair, `{"retained_bp":6000.5}`), ledger.CodeInvalid, "", nil},
		{"split as percent string", false, incCmd("set_allocation_split", chair, `{"retained_bp":"60%"}`), ledger.CodeInvalid, "", nil},

		// Remitting upward (上解).
		{"remit part of what is owed", false, incCmd("remit_allocation", tr, `{"period":"2025-01","amount":"999.99","to":"市总工会","reference":"TX-1"}`), "", "",
			events.AllocationRemitted{Period: "2025-01", Amount: 99999, To: "市总工会", Reference: "TX-1", Via: events.ViaBank}},
		{"remit over the amount owed", false, incCmd("remit_allocation", tr, `{"amount":"24000.01","to":"市总工会"}`), ledger.CodeStateConflict, "allocation-remit", nil},
		{"remit in cash", false, incCmd("remit_allocation", tr, `{"amount":"5.00","to":"市总工会","via":"cash"}`), "", "",
			events.AllocationRemitted{Amount: 500, To: "市总工会", Via: events.ViaCash}},
		{"remit overdrawing cash", false, incCmd("remit_allocation", tr, `{"amount":"5.01","to":"市总工会","via":"cash"}`), ledger.CodeOverdraft, "no-overdraft", nil},
		{"remit without payee", false, incCmd("remit_allocation", tr, `{"amount":"1.00"}`), ledger.CodeInvalid, "", nil},
		{"remit bad period", false, incCmd("remit_allocation", tr, `{"amount":"1.00","to":"x","period":"2025-13"}`), ledger.CodeInvalid, "", nil},
		{"remit by chair", false, incCmd("remit_allocation", chair, `{"amount":"1.00","to":"x"}`), ledger.CodeWrongRole, "role-required", nil},

		// Upper-level subsidies (上级补助收入) and other income.
		{"subsidy 专项补助", false, incCmd("receive_subsidy", tr, `{"account":"40302","amount":"8000.00","payer":"市总工会","memo":"职工书屋","receipt":{"book":"S","number":"1"}}`), "", "",
			events.SubsidyReceived{Account: "40302", Amount: 800000, Payer: "市总工会", Memo: "职工书屋", Receipt: rc("S", "1"), Via: events.ViaBank}},
		{"subsidy 其他补助 in cash", false, incCmd("receive_subsidy", tr, `{"account":"40307","amount":"1","payer":"区总工会","receipt":{"book":"S","number":"1"},"via":"cash"}`), "", "",
			events.SubsidyReceived{Account: "40307", Amount: 100, Payer: "区总工会", Receipt: rc("S", "1"), Via: events.ViaCash}},
		{"subsidy to the parent 403", false, incCmd("receive_subsidy", tr, `{"account":"403","amount":"1","payer":"x","receipt":{"book":"S","number":"1"}}`), ledger.CodeUnknownAccount, "income-accounts", nil},
		{"subsidy to 404", false, incCmd("receive_subsidy", tr, `{"account":"404","amount":"1","payer":"x","receipt":{"book":"S","number":"1"}}`), ledger.CodeUnknownAccount, "income-accounts", nil},
		{"subsidy to dues 401", false, incCmd("receive_subsidy", tr, `{"account":"401","amount":"1","payer":"x","receipt":{"book":"S","number":"1"}}`), ledger.CodeUnknownAccount, "income-accounts", nil},
		{"subsidy to unknown 40308", false, incCmd("receive_subsidy", tr, `{"account":"40308","amount":"1","payer":"x","receipt":{"book":"S","number":"1"}}`), ledger.CodeUnknownAccount, "income-accounts", nil},
		{"subsidy without payer", false, incCmd("receive_subsidy", tr, `{"account":"40301","amount":"1","receipt":{"book":"S","number":"1"}}`), ledger.CodeInvalid, "", nil},
		{"subsidy zero", false, incCmd("receive_subsidy", tr, `{"account":"40301","amount":"0","payer":"x","receipt":{"book":"S","number":"1"}}`), ledger.CodeInvalidAmount, "money-format", nil},
		{"subsidy on a dues receipt", false, incCmd("receive_subsidy", tr, `{"account":"40301","amount":"1","payer":"x","receipt":{"book":"B1","number":"7"}}`), ledger.CodeDuplicateRecpt, "receipt-unique", nil},
		{"subsidy by admin", false, incCmd("receive_subsidy", admin, `{"account":"40301","amount":"1","payer":"x","receipt":{"book":"S","number":"1"}}`), ledger.CodeWrongRole, "role-required", nil},
		{"income 政府补助", false, incCmd("receive_income", tr, `{"account":"404","amount":"300.00","payer":"区人社局","receipt":{"book":"I","number":"1"}}`), "", "",
			events.IncomeReceived{Account: "404", Amount: 30000, Payer: "区人社局", Receipt: rc("I", "1"), Via: events.ViaBank}},
		{"income 投资收益", false, incCmd("receive_income", tr, `{"account":"407","amount":"12.34","payer":"开户银行","memo":"定期存款利息","receipt":{"book":"I","number":"1"}}`), "", "",
			events.IncomeReceived{Account: "407", Amount: 1234, Payer: "开户银行", Memo: "定期存款利息", Receipt: rc("I", "1"), Via: events.ViaBank}},
		{"income 其他收入", false, incCmd("receive_income", tr, `{"account":"408","amount":"1","payer":"x","receipt":{"book":"I","number":"1"},"via":"cash"}`), "", "",
			events.IncomeReceived{Account: "408", Amount: 100, Payer: "x", Receipt: rc("I", "1"), Via: events.ViaCash}},
		{"income to a subsidy account", false, incCmd("receive_income", tr, `{"account":"40301","amount":"1","payer":"x","receipt":{"book":"I","number":"1"}}`), ledger.CodeUnknownAccount, "income-accounts", nil},
		{"income to allocation 402", false, incCmd("receive_income", tr, `{"account":"402","amount":"1","payer":"x","receipt":{"book":"I","number":"1"}}`), ledger.CodeUnknownAccount, "income-accounts", nil},
		{"income to an expense account", false, incCmd("receive_income", tr, `{"account":"508","amount":"1","payer":"x","receipt":{"book":"I","number":"1"}}`), ledger.CodeUnknownAccount, "income-accounts", nil},
		{"income to a liability", false, incCmd("receive_income", tr, `{"account":"201","amount":"1","payer":"x","receipt":{"book":"I","number":"1"}}`), ledger.CodeUnknownAccount, "income-accounts", nil},
		{"income on an allocation receipt", false, incCmd("receive_income", tr, `{"account":"408","amount":"1","payer":"x","receipt":{"book":"A","number":"1"}}`), ledger.CodeDuplicateRecpt, "receipt-unique", nil},
		{"income payer too long", false, incCmd("receive_income", tr, `{"account":"408","amount":"1","payer":"`+strings.Repeat("x", 201)+`","receipt":{"book":"I","number":"1"}}`), ledger.CodeInvalid, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drafts, err := ledger.Decide(incomeState(t, tt.split), tt.cmd)
			if ledgertest.Outcome(t, drafts, err, tt.code, tt.rule) {
				return
			}
			if len(drafts) != 1 || drafts[0].Payload != tt.want || drafts[0].Date != tt.cmd.Date {
				t.Fatalf("drafts = %+v, want %+v", drafts, tt.want)
			}
			if err := balanced(drafts[0].Payload); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func balanced(p events.Payload) error {
	var sum events.Fen
	for _, ps := range p.Postings() {
		sum += ps.Amount
	}
	if sum != 0 {
		return errors.New(p.Type() + ": postings do not sum to zero")
	}
	return nil
}

// TestIncomeWithinAGroup decides commands one after another on the same
// scratch view, as the writer decides a group: a receipt number taken by
// one of the new commands is refused to every other, a policy set earlier
// in the group governs a later allocation, and a remittance sees what the
// group's allocations made owed.
func TestIncomeWithinAGroup(t *testing.T) {
	const tr = ledgertest.Treasurer
	tests := []struct {
		name  string
		first []ledger.Command
		then  ledger.Command
		code  ledger.Code
		rule  string
	}{
		{"subsidy receipt reused by income",
			[]ledger.Command{incCmd("receive_subsidy", tr, `{"account":"40304","amount":"100","payer":"市总工会","receipt":{"book":"R","number":"1"}}`)},
			incCmd("receive_income", tr, `{"account":"408","amount":"1","payer":"x","receipt":{"book":"R","number":"1"}}`),
			ledger.CodeDuplicateRecpt, "receipt-unique"},
		{"income receipt reused by dues from wage",
			[]ledger.Command{incCmd("receive_income", tr, `{"account":"405","amount":"100","payer":"行政方","receipt":{"book":"R","number":"2"}}`)},
			incCmd("receive_dues", tr, `{"member":"m2","period":"2025-03","wage":"5000","receipt":{"book":"R","number":"2"}}`),
			ledger.CodeDuplicateRecpt, "receipt-unique"},
		{"dues receipt reused by subsidy",
			[]ledger.Command{incCmd("receive_dues", tr, `{"member":"m2","period":"2025-03","wage":"5000","receipt":{"book":"R","number":"3"}}`)},
			incCmd("receive_subsidy", tr, `{"account":"40306","amount":"1","payer":"x","receipt":{"book":"R","number":"3"}}`),
			ledger.CodeDuplicateRecpt, "receipt-unique"},
		{"allocation receipt reused by subsidy",
			[]ledger.Command{incCmd("receive_allocation", tr, `{"period":"2025-03","wage_bill":"100","amount":"2","receipt":{"book":"R","number":"4"}}`)},
			incCmd("receive_subsidy", tr, `{"account":"40306","amount":"1","payer":"x","receipt":{"book":"R","number":"4"}}`),
			ledger.CodeDuplicateRecpt, "receipt-unique"},
		{"policy set earlier in the group governs the allocation",
			[]ledger.Command{incCmd("set_allocation_split", ledgertest.Chair, `{"retained_bp":6000}`)},
			incCmd("receive_allocation", tr, `{"period":"2025-03","wage_bill":"100000","amount":"2000","remitted":"1000","receipt":{"book":"A","number":"9"}}`),
			ledger.CodeInvalid, "allocation-split"},
		{"remittance sees the owed amount grow within the group",
			[]ledger.Command{
				incCmd("set_allocation_split", ledgertest.Chair, `{"retained_bp":6000}`),
				incCmd("receive_allocation", tr, `{"period":"2025-03","wage_bill":"100000","amount":"2000","receipt":{"book":"A","number":"9"}}`),
			},
			incCmd("remit_allocation", tr, `{"amount":"24800.00","to":"市总工会"}`), "", ""},
		{"remittances in the group use up what is owed",
			[]ledger.Command{incCmd("remit_allocation", tr, `{"amount":"24000.00","to":"市总工会","via":"bank"}`)},
			incCmd("remit_allocation", tr, `{"amount":"0.01","to":"市总工会","via":"cash"}`),
			ledger.CodeStateConflict, "allocation-remit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := incomeState(t, false)
			// 24,000.00 must be payable from the bank for the remittance cases.
			st.Do(ledgertest.Dues("h1", "s9", "2025-01-01", "m9", "30000.00", "B1", "99"))
			for i, c := range tt.first {
				c.ID = "g" + string(rune('a'+i))
				st.Do(c)
			}
			drafts, err := ledger.Decide(st, tt.then)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if ledger.ErrorCode(err) != tt.code || drafts != nil {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			if e := new(ledger.Error); errors.As(err, &e) && e.Rule != tt.rule {
				t.Fatalf("rule = %q, want %q", e.Rule, tt.rule)
			}
		})
	}
}
