package ledger_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

// Test expenses of union h1. Each is requested in expState; the comment
// says where it stands when a row of the table is decided.
var (
	eOpen    = exp{id: "E1", amount: "1000.00"}                                                // pending
	eBig     = exp{id: "EBIG", amount: "8000.00"}                                              // pending, above the threshold, no decision
	eDec     = exp{id: "EDEC", amount: "8000.00", decision: "D1"}                              // pending, names general decision D1
	eLate    = exp{id: "ELATE", amount: "8000.00"}                                             // pending, listed later by decision D2
	eEdge    = exp{id: "E5000", amount: "5000.00"}                                             // pending, exactly the threshold
	eChair   = exp{id: "ECHAIR", amount: "100.00", payeePerson: ledgertest.Chair}              // pending, pays the chair
	eSelf    = exp{id: "ESELF", amount: "100.00", by: ledgertest.Chair}                        // pending, requested by the chair (also a treasurer)
	eApp     = exp{id: "EA", amount: "500.00"}                                                 // approved
	ePayT    = exp{id: "EPT", amount: "100.00", payeePerson: ledgertest.Treasurer, by: "p-t2"} // approved, pays the treasurer
	ePaid    = exp{id: "EP", amount: "100.00"}                                                 // paid
	eRej     = exp{id: "ER", amount: "100.00"}                                                 // rejected
	eCancel  = exp{id: "EC", amount: "100.00"}                                                 // cancelled
	minutes  = hexHash("minutes")
	document = hexHash("invoice 0001")
)

// exp describes a test expense; empty fields take defaults.
type exp struct {
	id, amount, payeePerson, decision, by string
	docs                                  []string
}

func (e exp) requester() string {
	if e.by != "" {
		return e.by
	}
	return ledgertest.Treasurer
}

func (e exp) request() ledger.Command {
	data := map[string]any{"expense": e.id, "account": "50102", "amount": e.amount, "payee": "体育用品店", "purpose": "篮球赛"}
	if e.payeePerson != "" {
		data["payee_person"] = e.payeePerson
	}
	if e.decision != "" {
		data["decision"] = e.decision
	}
	if e.docs != nil {
		data["documents"] = e.docs
	}
	return ledgertest.Cmd("req-"+e.id, "request_expense", "h1", e.requester(), "2025-03-01", data)
}

func (e exp) terms() ledger.ExpenseTerms {
	amt, err := events.ParseYuan(e.amount)
	if err != nil {
		panic(err)
	}
	return ledger.ExpenseTerms{Org: "h1", Expense: e.id, Account: "50102", Amount: amt, Payee: "体育用品店",
		PayeePerson: e.payeePerson, Purpose: "篮球赛", RequestedBy: e.requester(), Decision: e.decision, Documents: e.docs}
}

func hexHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// approve is an approve_expense by actor with key id keyID, signing msg
// with priv.
func approve(actor, expense, keyID string, priv ed25519.PrivateKey, msg []byte) ledger.Command {
	return ledgertest.Cmd("ap-"+expense, "approve_expense", "h1", actor, "2025-03-10",
		map[string]string{"expense": expense, "key": keyID, "signature": ledger.Sign(priv, msg)})
}

// chairApproves is the chair's correct approval of e.
func chairApproves(e exp) ledger.Command {
	return approve(ledgertest.Chair, e.id, ledgertest.ChairKey, ledgertest.Key(ledgertest.Chair), ledger.ApprovalStatement(e.terms()))
}

// expState is union h1 (Setup: chair key k-chair, threshold 5000.00) with
// 20000.00 in the bank and 100.00 in cash, p-payee and a second treasurer
// p-t2 registered, the chair also a treasurer, a revoked chair key k-old,
// a committee member's key k-comm, decisions D1 (general) and D2 (lists
// ELATE), and the expenses above in their states.
func expState(t *testing.T) *ledgertest.Scratch {
	t.Helper()
	st := ledgertest.State(t, "h1")
	old := ledgertest.Key("old chair key")
	st.Do(
		ledgertest.Dues("h1", "d1", "2025-01-02", "m1", "20000.00", "B", "1"),
		ledgertest.Cmd("d2", "receive_dues", "h1", ledgertest.Treasurer, "2025-01-02", map[string]any{
			"member": "m1", "period": "2025-01", "amount": "100.00", "via": "cash", "receipt": map[string]string{"book": "C", "number": "1"}}),
		ledgertest.Cmd("r1", "register_person", "h1", ledgertest.Admin, "2025-01-01", map[string]string{"person": "p-payee"}),
		ledgertest.Cmd("r2", "register_person", "h1", ledgertest.Admin, "2025-01-01", map[string]string{"person": "p-t2"}),
		ledgertest.Cmd("g1", "grant_role", "h1", ledgertest.Admin, "2025-01-01", map[string]string{"person": "p-t2", "role": "treasurer"}),
		ledgertest.Cmd("g2", "grant_role", "h1", ledgertest.Admin, "2025-01-01", map[string]string{"person": ledgertest.Chair, "role": "treasurer"}),
		ledgertest.Cmd("k1", "register_key", "h1", ledgertest.Admin, "2025-01-01", map[string]string{
			"person": ledgertest.Chair, "key": "k-old", "public": base64.StdEncoding.EncodeToString(old.Public().(ed25519.PublicKey))}),
		ledgertest.Cmd("k2", "revoke_key", "h1", ledgertest.Admin, "2025-01-01", map[string]string{"key": "k-old"}),
		ledgertest.RegisterKey("h1", ledgertest.Committee, "k-comm"),
		ledgertest.Cmd("dec1", "record_decision", "h1", ledgertest.Committee, "2025-02-01", map[string]any{
			"decision": "D1", "meeting": "工会委员会 2025 第1次会议", "held": "2025-02-01",
			"attendees": []string{ledgertest.Committee, ledgertest.Chair}, "minutes_hash": minutes}),
	)
	for _, e := range []exp{eOpen, eBig, eDec, eLate, eEdge, eChair, eSelf, eApp, ePayT, ePaid, eRej, eCancel} {
		st.Do(e.request())
	}
	st.Do(
		ledgertest.Cmd("dec2", "record_decision", "h1", ledgertest.Chair, "2025-03-05", map[string]any{
			"decision": "D2", "meeting": "工会委员会 2025 第2次会议", "held": "2025-03-04",
			"attendees": []string{ledgertest.Committee}, "minutes_hash": minutes, "expenses": []string{"ELATE"}}),
		chairApproves(eApp),
		chairApproves(ePayT),
		chairApproves(ePaid),
		mkCmd("pay_expense", "h1", `{"expense":"EP"}`),
		ledgertest.Cmd("rej", "reject_expense", "h1", ledgertest.Chair, "2025-03-10", map[string]string{"expense": "ER", "reason": "不属于工会活动"}),
		ledgertest.Cmd("can", "cancel_expense", "h1", ledgertest.Treasurer, "2025-03-10", map[string]string{"expense": "EC"}),
	)
	return st
}

func as(actor string, c ledger.Command) ledger.Command {
	c.Actor = actor
	return c
}

func req(data string) ledger.Command { return mkCmd("request_expense", "h1", data) }

func TestExpenseRules(t *testing.T) {
	chair, comm := ledgertest.Chair, ledgertest.Committee
	chairKey := ledgertest.Key(chair)
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	late := eLate.terms()
	late.Decision = "D2" // the decision that listed it is part of what the chair signs
	tests := []struct {
		name string
		cmd  ledger.Command
		code ledger.Code
		rule string
		want []events.Payload
		sig  string // key id expected in the sig slot
	}{
		// request_expense
		{"request", req(`{"expense":"N1","account":"50102","amount":"66.50","payee":"体育用品店","purpose":"篮球"}`), "", "",
			[]events.Payload{events.ExpenseRequested{Expense: "N1", Account: "50102", Amount: 6650, Payee: "体育用品店", Purpose: "篮球"}}, ""},
		{"request paying a person, citing a decision, with documents", req(`{"expense":"N1","account":"50204","amount":"800","payee":"困难职工","payee_person":"p-payee","purpose":"帮扶","decision":"D1","documents":["` + document + `"]}`), "", "",
			[]events.Payload{events.ExpenseRequested{Expense: "N1", Account: "50204", Amount: 80000, Payee: "困难职工", PayeePerson: "p-payee", Purpose: "帮扶", Decision: "D1", Documents: []string{document}}}, ""},
		{"request id taken", req(`{"expense":"E1","account":"50102","amount":"1","payee":"x","purpose":"y"}`), ledger.CodeStateConflict, "expense-lifecycle", nil, ""},
		{"request parent account", req(`{"expense":"N1","account":"501","amount":"1","payee":"x","purpose":"y"}`), ledger.CodeUnknownAccount, "chart-versioned", nil, ""},
		{"request income account", req(`{"expense":"N1","account":"401","amount":"1","payee":"x","purpose":"y"}`), ledger.CodeUnknownAccount, "chart-versioned", nil, ""},
		{"request account of the other chart", req(`{"expense":"N1","account":"509","amount":"1","payee":"x","purpose":"y"}`), ledger.CodeUnknownAccount, "chart-versioned", nil, ""},
		{"request zero", req(`{"expense":"N1","account":"50102","amount":"0","payee":"x","purpose":"y"}`), ledger.CodeInvalidAmount, "money-format", nil, ""},
		{"request amount as number", req(`{"expense":"N1","account":"50102","amount":12,"payee":"x","purpose":"y"}`), ledger.CodeInvalid, "", nil, ""},
		{"request without payee", req(`{"expense":"N1","account":"50102","amount":"1","purpose":"y"}`), ledger.CodeInvalid, "", nil, ""},
		{"request without purpose", req(`{"expense":"N1","account":"50102","amount":"1","payee":"x"}`), ledger.CodeInvalid, "", nil, ""},
		{"request bad expense id", req(`{"expense":"E 1","account":"50102","amount":"1","payee":"x","purpose":"y"}`), ledger.CodeInvalid, "", nil, ""},
		{"request document not a hash", req(`{"expense":"N1","account":"50102","amount":"1","payee":"x","purpose":"y","documents":["invoice.pdf"]}`), ledger.CodeInvalid, "", nil, ""},
		{"request unknown payee person", req(`{"expense":"N1","account":"50102","amount":"1","payee":"x","payee_person":"p-who","purpose":"y"}`), ledger.CodeUnknownPerson, "people-registered", nil, ""},
		{"request paying the requester", req(`{"expense":"N1","account":"50102","amount":"1","payee":"x","payee_person":"p-treasurer","purpose":"y"}`), ledger.CodeSelfApproval, "three-people", nil, ""},
		{"request citing an unknown decision", req(`{"expense":"N1","account":"50102","amount":"1","payee":"x","purpose":"y","decision":"D9"}`), ledger.CodeUnknownRef, "collective-decision", nil, ""},
		{"request citing a decision about other expenses", req(`{"expense":"N1","account":"50102","amount":"1","payee":"x","purpose":"y","decision":"D2"}`), ledger.CodeUnknownRef, "collective-decision", nil, ""},
		{"request by a committee member", as(comm, req(`{"expense":"N1","account":"50102","amount":"1","payee":"x","purpose":"y"}`)), ledger.CodeWrongRole, "role-required", nil, ""},
		{"request unknown field", req(`{"expense":"N1","account":"50102","amount":"1","payee":"x","purpose":"y","approved":true}`), ledger.CodeMalformed, "", nil, ""},

		// record_decision
		{"decision", as(comm, mkCmd("record_decision", "h1", `{"decision":"D3","meeting":"m","held":"2025-03-05","attendees":["p-committee","p-chair"],"minutes_hash":"`+minutes+`","expenses":["EBIG","E1"]}`)), "", "",
			[]events.Payload{events.CollectiveDecisionRecorded{Decision: "D3", Meeting: "m", Held: "2025-03-05", Attendees: []string{"p-committee", "p-chair"}, MinutesHash: minutes, Expenses: []string{"EBIG", "E1"}}}, ""},
		{"decision by the chair", as(chair, mkCmd("record_decision", "h1", `{"decision":"D3","meeting":"m","held":"2025-03-01","attendees":["p-member"],"minutes_hash":"`+minutes+`"}`)), "", "",
			[]events.Payload{events.CollectiveDecisionRecorded{Decision: "D3", Meeting: "m", Held: "2025-03-01", Attendees: []string{"p-member"}, MinutesHash: minutes}}, ""},
		{"decision by the treasurer", mkCmd("record_decision", "h1", `{"decision":"D3","meeting":"m","held":"2025-03-01","attendees":["p-chair"],"minutes_hash":"`+minutes+`"}`), ledger.CodeWrongRole, "role-required", nil, ""},
		{"decision id taken", as(comm, mkCmd("record_decision", "h1", `{"decision":"D1","meeting":"m","held":"2025-03-01","attendees":["p-chair"],"minutes_hash":"`+minutes+`"}`)), ledger.CodeStateConflict, "collective-decision", nil, ""},
		{"decision without attendees", as(comm, mkCmd("record_decision", "h1", `{"decision":"D3","meeting":"m","held":"2025-03-01","attendees":[],"minutes_hash":"`+minutes+`"}`)), ledger.CodeInvalid, "", nil, ""},
		{"decision attendee twice", as(comm, mkCmd("record_decision", "h1", `{"decision":"D3","meeting":"m","held":"2025-03-01","attendees":["p-chair","p-chair"],"minutes_hash":"`+minutes+`"}`)), ledger.CodeInvalid, "", nil, ""},
		{"decision unknown attendee", as(comm, mkCmd("record_decision", "h1", `{"decision":"D3","meeting":"m","held":"2025-03-01","attendees":["p-chair","p-ghost"],"minutes_hash":"`+minutes+`"}`)), ledger.CodeUnknownPerson, "people-registered", nil, ""},
		{"decision minutes not a hash", as(comm, mkCmd("record_decision", "h1", `{"decision":"D3","meeting":"m","held":"2025-03-01","attendees":["p-chair"],"minutes_hash":"abc"}`)), ledger.CodeInvalid, "", nil, ""},
		{"decision without meeting", as(comm, mkCmd("record_decision", "h1", `{"decision":"D3","held":"2025-03-01","attendees":["p-chair"],"minutes_hash":"`+minutes+`"}`)), ledger.CodeInvalid, "", nil, ""},
		{"decision held after it is recorded", as(comm, mkCmd("record_decision", "h1", `{"decision":"D3","meeting":"m","held":"2025-03-06","attendees":["p-chair"],"minutes_hash":"`+minutes+`"}`)), ledger.CodeInvalid, "", nil, ""},
		{"decision on an unknown expense", as(comm, mkCmd("record_decision", "h1", `{"decision":"D3","meeting":"m","held":"2025-03-01","attendees":["p-chair"],"minutes_hash":"`+minutes+`","expenses":["E404"]}`)), ledger.CodeUnknownRef, "collective-decision", nil, ""},
		{"decision on an approved expense", as(comm, mkCmd("record_decision", "h1", `{"decision":"D3","meeting":"m","held":"2025-03-01","attendees":["p-chair"],"minutes_hash":"`+minutes+`","expenses":["EA"]}`)), ledger.CodeAlreadyDecided, "collective-decision", nil, ""},

		// set_collective_threshold
		{"threshold by the admin", as(ledgertest.Admin, mkCmd("set_collective_threshold", "h1", `{"amount":"10000.00"}`)), "", "",
			[]events.Payload{events.CollectiveThresholdSet{Amount: 1000000}}, ""},
		{"threshold zero: every expense is collective", as(comm, mkCmd("set_collective_threshold", "h1", `{"amount":"0"}`)), "", "",
			[]events.Payload{events.CollectiveThresholdSet{Amount: 0}}, ""},
		{"threshold by the treasurer", mkCmd("set_collective_threshold", "h1", `{"amount":"1"}`), ledger.CodeWrongRole, "role-required", nil, ""},
		{"threshold negative", as(ledgertest.Admin, mkCmd("set_collective_threshold", "h1", `{"amount":"-1"}`)), ledger.CodeInvalidAmount, "money-format", nil, ""},

		// approve_expense
		{"approve", chairApproves(eOpen), "", "",
			[]events.Payload{events.ExpenseApproved{Expense: "E1", Statement: b64(ledger.ApprovalStatement(eOpen.terms()))}}, ledgertest.ChairKey},
		{"approve exactly the threshold", chairApproves(eEdge), "", "",
			[]events.Payload{events.ExpenseApproved{Expense: "E5000", Statement: b64(ledger.ApprovalStatement(eEdge.terms()))}}, ledgertest.ChairKey},
		{"approve a large expense citing a decision", chairApproves(eDec), "", "",
			[]events.Payload{events.ExpenseApproved{Expense: "EDEC", Statement: b64(ledger.ApprovalStatement(eDec.terms()))}}, ledgertest.ChairKey},
		{"approve a large expense a later decision listed", approve(chair, "ELATE", ledgertest.ChairKey, chairKey, ledger.ApprovalStatement(late)), "", "",
			[]events.Payload{events.ExpenseApproved{Expense: "ELATE", Statement: b64(ledger.ApprovalStatement(late))}}, ledgertest.ChairKey},
		{"approve a large expense without a decision", chairApproves(eBig), ledger.CodeNeedsCollective, "collective-decision", nil, ""},
		{"approve by a committee member with their own key", approve(comm, "E1", "k-comm", ledgertest.Key(comm), ledger.ApprovalStatement(eOpen.terms())), ledger.CodeWrongRole, "role-required", nil, ""},
		{"approve with an unknown key", approve(chair, "E1", "k-none", chairKey, ledger.ApprovalStatement(eOpen.terms())), ledger.CodeBadSignature, "one-signature", nil, ""},
		{"approve with someone else's key", approve(chair, "E1", "k-comm", ledgertest.Key(comm), ledger.ApprovalStatement(eOpen.terms())), ledger.CodeBadSignature, "one-signature", nil, ""},
		{"approve with a revoked key", approve(chair, "E1", "k-old", ledgertest.Key("old chair key"), ledger.ApprovalStatement(eOpen.terms())), ledger.CodeKeyRevoked, "one-signature", nil, ""},
		{"approve replaying another expense's signature", as(chair, mkCmd("approve_expense", "h1", `{"expense":"EDEC","key":"k-chair","signature":"`+ledger.Sign(chairKey, ledger.ApprovalStatement(eOpen.terms()))+`"}`)), ledger.CodeBadSignature, "one-signature", nil, ""},
		{"approve signing other terms", func() ledger.Command {
			t := eOpen.terms()
			t.Amount = 100
			return approve(chair, "E1", ledgertest.ChairKey, chairKey, ledger.ApprovalStatement(t))
		}(), ledger.CodeBadSignature, "one-signature", nil, ""},
		{"approve signing as a rejection", approve(chair, "E1", ledgertest.ChairKey, chairKey, ledger.RejectionStatement(eOpen.terms(), "")), ledger.CodeBadSignature, "one-signature", nil, ""},
		{"approve with a signature that is not base64", as(chair, mkCmd("approve_expense", "h1", `{"expense":"E1","key":"k-chair","signature":"not base64!"}`)), ledger.CodeBadSignature, "one-signature", nil, ""},
		{"approve without a signature", as(chair, mkCmd("approve_expense", "h1", `{"expense":"E1","key":"k-chair"}`)), ledger.CodeInvalid, "", nil, ""},
		{"approve an unknown expense", approve(chair, "E404", ledgertest.ChairKey, chairKey, []byte("x")), ledger.CodeUnknownRef, "expense-lifecycle", nil, ""},
		{"approve twice", chairApproves(eApp), ledger.CodeAlreadyDecided, "expense-lifecycle", nil, ""},
		{"approve a rejected expense", chairApproves(eRej), ledger.CodeAlreadyDecided, "expense-lifecycle", nil, ""},
		{"approve a cancelled expense", chairApproves(eCancel), ledger.CodeAlreadyDecided, "expense-lifecycle", nil, ""},
		{"approve a paid expense", chairApproves(ePaid), ledger.CodeAlreadyDecided, "expense-lifecycle", nil, ""},
		{"approve one's own request", chairApproves(eSelf), ledger.CodeSelfApproval, "three-people", nil, ""},
		{"approve a payment to oneself", chairApproves(eChair), ledger.CodeSelfApproval, "three-people", nil, ""},

		// reject_expense
		{"reject", as(chair, mkCmd("reject_expense", "h1", `{"expense":"E1","reason":"预算外"}`)), "", "",
			[]events.Payload{events.ExpenseRejected{Expense: "E1", Reason: "预算外"}}, ""},
		{"reject signed", as(chair, mkCmd("reject_expense", "h1", `{"expense":"E1","reason":"预算外","key":"k-chair","signature":"`+ledger.Sign(chairKey, ledger.RejectionStatement(eOpen.terms(), "预算外"))+`"}`)), "", "",
			[]events.Payload{events.ExpenseRejected{Expense: "E1", Reason: "预算外", Statement: b64(ledger.RejectionStatement(eOpen.terms(), "预算外"))}}, ledgertest.ChairKey},
		{"reject signed for another reason", as(chair, mkCmd("reject_expense", "h1", `{"expense":"E1","reason":"预算外","key":"k-chair","signature":"`+ledger.Sign(chairKey, ledger.RejectionStatement(eOpen.terms(), "other"))+`"}`)), ledger.CodeBadSignature, "one-signature", nil, ""},
		{"reject with a key but no signature", as(chair, mkCmd("reject_expense", "h1", `{"expense":"E1","reason":"预算外","key":"k-chair"}`)), ledger.CodeInvalid, "", nil, ""},
		{"reject without a reason", as(chair, mkCmd("reject_expense", "h1", `{"expense":"E1"}`)), ledger.CodeInvalid, "", nil, ""},
		{"reject an approved expense", as(chair, mkCmd("reject_expense", "h1", `{"expense":"EA","reason":"r"}`)), ledger.CodeAlreadyDecided, "expense-lifecycle", nil, ""},
		{"reject by the treasurer", mkCmd("reject_expense", "h1", `{"expense":"E1","reason":"r"}`), ledger.CodeWrongRole, "role-required", nil, ""},

		// cancel_expense
		{"cancel", mkCmd("cancel_expense", "h1", `{"expense":"E1","reason":"活动取消"}`), "", "",
			[]events.Payload{events.ExpenseCancelled{Expense: "E1", Reason: "活动取消"}}, ""},
		{"cancel someone else's request", as("p-t2", mkCmd("cancel_expense", "h1", `{"expense":"E1"}`)), ledger.CodeWrongRole, "expense-lifecycle", nil, ""},
		{"cancel after approval", mkCmd("cancel_expense", "h1", `{"expense":"EA"}`), ledger.CodeAlreadyDecided, "expense-lifecycle", nil, ""},
		{"cancel twice", mkCmd("cancel_expense", "h1", `{"expense":"EC"}`), ledger.CodeAlreadyDecided, "expense-lifecycle", nil, ""},
		{"cancel an unknown expense", mkCmd("cancel_expense", "h1", `{"expense":"E404"}`), ledger.CodeUnknownRef, "expense-lifecycle", nil, ""},

		// pay_expense
		{"pay", mkCmd("pay_expense", "h1", `{"expense":"EA"}`), "", "",
			[]events.Payload{events.ExpensePaid{Expense: "EA", Account: "50102", Amount: 50000, Payee: "体育用品店", Purpose: "篮球赛", Via: events.ViaBank}}, ""},
		{"pay with a voucher", mkCmd("pay_expense", "h1", `{"expense":"EA","voucher":"记-2025-03-017"}`), "", "",
			[]events.Payload{events.ExpensePaid{Expense: "EA", Account: "50102", Amount: 50000, Payee: "体育用品店", Purpose: "篮球赛", Via: events.ViaBank, Voucher: "记-2025-03-017"}}, ""},
		{"pay with a voucher holding a control character", mkCmd("pay_expense", "h1", `{"expense":"EA","voucher":"V\n1"}`), ledger.CodeInvalid, "", nil, ""},
		{"pay a payee by another treasurer", as("p-t2", mkCmd("pay_expense", "h1", `{"expense":"EPT"}`)), "", "",
			[]events.Payload{events.ExpensePaid{Expense: "EPT", Account: "50102", Amount: 10000, Payee: "体育用品店", Purpose: "篮球赛", Via: events.ViaBank}}, ""},
		{"pay oneself", mkCmd("pay_expense", "h1", `{"expense":"EPT"}`), ledger.CodeSelfApproval, "three-people", nil, ""},
		{"pay an unapproved expense", mkCmd("pay_expense", "h1", `{"expense":"E1"}`), ledger.CodeNotApproved, "one-signature", nil, ""},
		{"pay a rejected expense", mkCmd("pay_expense", "h1", `{"expense":"ER"}`), ledger.CodeNotApproved, "one-signature", nil, ""},
		{"pay a cancelled expense", mkCmd("pay_expense", "h1", `{"expense":"EC"}`), ledger.CodeNotApproved, "one-signature", nil, ""},
		{"pay twice", mkCmd("pay_expense", "h1", `{"expense":"EP"}`), ledger.CodeAlreadyDecided, "expense-lifecycle", nil, ""},
		{"pay an unknown expense", mkCmd("pay_expense", "h1", `{"expense":"E404"}`), ledger.CodeUnknownRef, "expense-lifecycle", nil, ""},
		{"pay overdrawing cash", mkCmd("pay_expense", "h1", `{"expense":"EA","via":"cash"}`), ledger.CodeOverdraft, "no-overdraft", nil, ""},
		{"pay by card", mkCmd("pay_expense", "h1", `{"expense":"EA","via":"card"}`), ledger.CodeInvalid, "", nil, ""},
		{"pay restating the amount", mkCmd("pay_expense", "h1", `{"expense":"EA","amount":"1.00"}`), ledger.CodeMalformed, "", nil, ""},
		{"pay by a committee member", as(comm, mkCmd("pay_expense", "h1", `{"expense":"EA"}`)), ledger.CodeWrongRole, "role-required", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drafts, err := ledger.Decide(expState(t), tt.cmd)
			if ledgertest.Outcome(t, drafts, err, tt.code, tt.rule) {
				return
			}
			if len(drafts) != len(tt.want) {
				t.Fatalf("drafts = %+v, want %+v", drafts, tt.want)
			}
			for i, d := range drafts {
				if !reflect.DeepEqual(d.Payload, tt.want[i]) || d.Date != tt.cmd.Date {
					t.Fatalf("draft %d = %+v, want %+v", i, d, tt.want[i])
				}
				switch {
				case tt.sig == "" && d.Sig != nil:
					t.Fatalf("unexpected signature %+v", d.Sig)
				case tt.sig != "" && (d.Sig == nil || d.Sig.Key != tt.sig || d.Sig.Alg != "ed25519"):
					t.Fatalf("signature = %+v, want key %s", d.Sig, tt.sig)
				}
			}
		})
	}
}

// TestApprovalStatementFormat pins the bytes a chair signs: a change here
// invalidates every signature clients make, so it must be deliberate (a
// new version line) and documented in docs/events.md.
func TestApprovalStatementFormat(t *testing.T) {
	terms := ledger.ExpenseTerms{Org: "h1", Expense: "E-1", Account: "50102", Amount: 150000, Payee: "市体育用品公司 <&>",
		Purpose: "篮球赛", RequestedBy: "p-treasurer"}
	want := "unionledger approve-expense v1\n" +
		`{"org":"h1","expense":"E-1","account":"50102","amount_fen":150000,"payee":"市体育用品公司 <&>","payee_person":"","purpose":"篮球赛","requested_by":"p-treasurer","decision":"","documents":[]}`
	if got := string(ledger.ApprovalStatement(terms)); got != want {
		t.Fatalf("approval statement\n got %s\nwant %s", got, want)
	}
	terms.PayeePerson, terms.Decision, terms.Documents = "p-x", "D1", []string{document}
	want = "unionledger reject-expense v1\n" +
		`{"org":"h1","expense":"E-1","account":"50102","amount_fen":150000,"payee":"市体育用品公司 <&>","payee_person":"p-x","purpose":"篮球赛","requested_by":"p-treasurer","decision":"D1","documents":["` + document + `"],"reason":"预算外"}`
	if got := string(ledger.RejectionStatement(terms, "预算外")); got != want {
		t.Fatalf("rejection statement\n got %s\nwant %s", got, want)
	}
}

// TestNoThresholdMeansEveryExpenseIsCollective: until a union sets its
// threshold, the chair may sign no expense that lacks a recorded
// collective decision, however small (fail closed).
func TestNoThresholdMeansEveryExpenseIsCollective(t *testing.T) {
	st := ledgertest.State(t, "h1")
	st.Do(ledgertest.Open("h2", "2010"), ledgertest.RegisterKey("h2", ledgertest.Chair, ledgertest.ChairKey))
	st.Do(ledgertest.Budgets("h2", "2010")...)
	terms := ledger.ExpenseTerms{Org: "h2", Expense: "E1", Account: "50102", Amount: 1, Payee: "x", Purpose: "y", RequestedBy: ledgertest.Treasurer}
	st.Do(ledgertest.Request("h2", "E1", "2025-03-01", "50102", "0.01", "x", "y"))
	_, err := ledger.Decide(st, ledgertest.Approve("E1", "2025-03-02", terms))
	if ledger.ErrorCode(err) != ledger.CodeNeedsCollective || !strings.Contains(err.Error(), "no collective-decision threshold") {
		t.Fatalf("approval without a threshold: %v", err)
	}
	st.Do(ledgertest.Decision("h2", "D1", "2025-03-02", "E1"))
	terms.Decision = "D1"
	st.Do(ledgertest.Approve("E1", "2025-03-02", terms))
}

// TestExpenseChecksTheBudget: the budget is checked when the chair signs
// and again when the treasurer pays, since payments made in between may
// have used the line up.
func TestExpenseChecksTheBudget(t *testing.T) {
	st := ledgertest.State(t, "h1")
	st.Do(ledgertest.Dues("h1", "d1", "2025-01-02", "m1", "1000.00", "B", "1"))
	st.Do(ledgertest.Budget("h1", "2027", "2026-12-01", ledgertest.Line{Account: "501", Amount: "100.00"})...)
	terms := func(id string, fen events.Fen) ledger.ExpenseTerms {
		return ledger.ExpenseTerms{Org: "h1", Expense: id, Account: "50102", Amount: fen, Payee: "x", Purpose: "y", RequestedBy: ledgertest.Treasurer}
	}
	st.Do(
		ledgertest.Request("h1", "E1", "2027-02-01", "50102", "80.00", "x", "y"),
		ledgertest.Request("h1", "E2", "2027-02-01", "50102", "50.00", "x", "y"),
		ledgertest.Request("h1", "E3", "2027-02-01", "50102", "100.01", "x", "y"),
		ledgertest.Request("h1", "E4", "2028-02-01", "50102", "1.00", "x", "y"),
		ledgertest.Approve("E1", "2027-02-02", terms("E1", 8000)),
		ledgertest.Approve("E2", "2027-02-02", terms("E2", 5000)),
		ledgertest.Cmd("pay-E1", "pay_expense", "h1", ledgertest.Treasurer, "2027-02-03", map[string]string{"expense": "E1"}),
	)
	for _, c := range []ledger.Command{
		ledgertest.Approve("E3", "2027-02-02", terms("E3", 10001)),                                                            // beyond the line when signed
		ledgertest.Approve("E4", "2028-02-02", terms("E4", 100)),                                                              // no budget for 2028
		ledgertest.Cmd("pay-E2", "pay_expense", "h1", ledgertest.Treasurer, "2027-02-03", map[string]string{"expense": "E2"}), // E1 used the line up
	} {
		if _, err := ledger.Decide(st, c); ledger.ErrorCode(err) != ledger.CodeOverBudget {
			t.Errorf("%s: %v, want over_budget", c.ID, err)
		}
	}
}
