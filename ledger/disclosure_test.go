package ledger_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

// dc is a command of union h1.
func dc(id, typ, actor, date string, data any) ledger.Command {
	return ledgertest.Cmd(id, typ, "h1", actor, date, data)
}

// dcRaw is a command of union h1 with raw JSON data.
func dcRaw(id, typ, actor, date, data string) ledger.Command {
	return ledger.Command{ID: id, Type: typ, Org: "h1", Actor: actor, Date: date, Data: json.RawMessage(data)}
}

// Valid bodies of each kind, as commands carry them (yuan strings).
func welfareBody() map[string]any {
	return map[string]any{"round": "2025年春节慰问", "standard": "300", "headcount": 120, "total": "36000"}
}

func reliefBody(start, end string) map[string]any {
	return map[string]any{"notice_start": start, "notice_end": end, "entries": []map[string]any{
		{"case": "R-1", "name": "张*明", "kind": "hardship", "amount": "2000"},
		{"name": "李*", "kind": "medical", "amount": "800.50"},
	}}
}

// summaryBody asks for a first-quarter summary drafted from the books.
func summaryBody() map[string]any {
	return map[string]any{"from": "2025-01-01", "to": "2025-03-31", "note": "一季度收支"}
}

func finalBody() map[string]any {
	return map[string]any{"year": "2024", "review_opinion": "经审查，决算真实、完整", "reviewed_on": "2025-02-10",
		"lines": []map[string]any{{"account": "501", "budget": "10000", "actual": "0"}}}
}

func largeBody() map[string]any {
	return map[string]any{"expense": "E-9", "purpose": "职工运动会场地租赁", "payee": "某某体育中心有限公司",
		"amount": "58000", "decided_on": "2025-02-20", "signed_on": "2025-02-21"}
}

func auditBody() map[string]any {
	return map[string]any{"audit": "AU-1", "scope": "2024年度经费收支", "findings": []map[string]any{
		{"finding": "两笔支出缺少发票", "rectification": "in_progress", "detail": "已补开一张"}}}
}

func draftCmd(id, item, kind, actor, date string, body any) ledger.Command {
	return dc(id, "draft_disclosure", actor, date, map[string]any{"item": item, "kind": kind, "title": "标题 " + item, "body": body})
}

func itemCmd(id, typ, item, actor, date string) ledger.Command {
	return dc(id, typ, actor, date, map[string]string{"item": item})
}

// discState is union h1 with disclosure items in every state:
//
//	D-draft, D-draft2  welfare rounds drafted by the treasurer
//	D-chair            welfare round drafted by the chair
//	D-appr, C-appr     welfare rounds approved
//	D-pub              welfare round published 2025-03-03
//	D-sup → D-sup2     welfare round published, then superseded
//	N-pub              relief notice 2025-03-03..07, published 2025-03-03
//	N-early            relief notice 2025-03-10..14, published 2025-03-03
//	N-appr             relief notice 2025-03-10..14, approved
//	N-old → N-new      relief notices, superseded
//	Q1                 question on D-pub, open; Q2 answered by A2
//	O1                 objection to N-pub, open; O2 resolved
func discState(t *testing.T) *ledgertest.Scratch {
	t.Helper()
	st := ledgertest.State(t, "h1")
	tr, ch, co, rl, mb := ledgertest.Treasurer, ledgertest.Chair, ledgertest.Committee, ledgertest.Relief, ledgertest.Member
	draftPub := func(item, kind string, body any) []ledger.Command {
		return []ledger.Command{
			draftCmd("s-d-"+item, item, kind, tr, "2025-03-01", body),
			itemCmd("s-a-"+item, "approve_disclosure", item, co, "2025-03-02"),
			itemCmd("s-p-"+item, "publish_disclosure", item, ch, "2025-03-03"),
		}
	}
	st.Do(
		draftCmd("s1", "D-draft", "welfare_round", tr, "2025-03-01", welfareBody()),
		draftCmd("s2", "D-draft2", "welfare_round", tr, "2025-03-01", welfareBody()),
		draftCmd("s3", "D-chair", "welfare_round", ch, "2025-03-01", welfareBody()),
		draftCmd("s4", "D-appr", "welfare_round", tr, "2025-03-01", welfareBody()),
		itemCmd("s5", "approve_disclosure", "D-appr", co, "2025-03-02"),
		draftCmd("s6", "C-appr", "welfare_round", tr, "2025-03-01", welfareBody()),
		itemCmd("s7", "approve_disclosure", "C-appr", ch, "2025-03-02"),
	)
	st.Do(draftPub("D-pub", "welfare_round", welfareBody())...)
	st.Do(draftPub("D-sup", "welfare_round", welfareBody())...)
	st.Do(
		draftCmd("s8", "D-sup2", "welfare_round", tr, "2025-03-01", welfareBody()),
		itemCmd("s9", "approve_disclosure", "D-sup2", co, "2025-03-02"),
		dc("s10", "supersede_disclosure", ch, "2025-03-04", map[string]string{"item": "D-sup2", "replaces": "D-sup", "reason": "人数有误"}),
	)
	st.Do(
		draftCmd("s11", "N-pub", "relief_notice", rl, "2025-03-01", reliefBody("2025-03-03", "2025-03-07")),
		itemCmd("s12", "approve_disclosure", "N-pub", co, "2025-03-02"),
		itemCmd("s13", "publish_disclosure", "N-pub", ch, "2025-03-03"),
		draftCmd("s14", "N-early", "relief_notice", rl, "2025-03-01", reliefBody("2025-03-10", "2025-03-14")),
		itemCmd("s15", "approve_disclosure", "N-early", co, "2025-03-02"),
		itemCmd("s16", "publish_disclosure", "N-early", ch, "2025-03-03"),
		draftCmd("s17", "N-appr", "relief_notice", rl, "2025-03-01", reliefBody("2025-03-10", "2025-03-14")),
		itemCmd("s18", "approve_disclosure", "N-appr", co, "2025-03-02"),
		draftCmd("s19", "N-old", "relief_notice", rl, "2025-03-01", reliefBody("2025-03-03", "2025-03-07")),
		itemCmd("s20", "approve_disclosure", "N-old", co, "2025-03-02"),
		itemCmd("s21", "publish_disclosure", "N-old", ch, "2025-03-03"),
		draftCmd("s22", "N-new", "relief_notice", rl, "2025-03-01", reliefBody("2025-03-04", "2025-03-10")),
		itemCmd("s23", "approve_disclosure", "N-new", co, "2025-03-02"),
		dc("s24", "supersede_disclosure", ch, "2025-03-03", map[string]string{"item": "N-new", "replaces": "N-old", "reason": "金额有误"}),
	)
	st.Do(
		dc("s25", "ask_question", mb, "2025-03-04", map[string]string{"question": "Q1", "item": "D-pub", "text": "标准是怎么定的？"}),
		dc("s26", "ask_question", mb, "2025-03-04", map[string]string{"question": "Q2", "item": "D-pub", "text": "名单何时公布？"}),
		dc("s27", "answer_question", ch, "2025-03-05", map[string]string{"question": "Q2", "answer": "A2", "text": "本周内公布。"}),
		dc("s28", "object_to_notice", mb, "2025-03-04", map[string]string{"objection": "O1", "item": "N-pub", "text": "金额偏高"}),
		dc("s29", "object_to_notice", mb, "2025-03-04", map[string]string{"objection": "O2", "item": "N-pub", "text": "材料不全"}),
		dc("s30", "resolve_objection", co, "2025-03-05", map[string]string{"objection": "O2", "outcome": "dismissed", "reason": "材料已补齐"}),
	)
	return st
}

type discCase struct {
	name string
	cmd  ledger.Command
	code ledger.Code // "" for success
	rule string      // the rule a refusal names, if it names one
	want []events.Payload
}

func runDiscCases(t *testing.T, tests []discCase) {
	t.Helper()
	st := discState(t) // Decide never changes it, so the cases share it
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drafts, err := ledger.Decide(st, tt.cmd)
			if ledgertest.Outcome(t, drafts, err, tt.code, tt.rule) {
				return
			}
			got := make([]events.Payload, len(drafts))
			for i, d := range drafts {
				got[i] = d.Payload
				if d.Date != tt.cmd.Date {
					t.Fatalf("draft %d dated %s, want %s", i, d.Date, tt.cmd.Date)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("drafts = %#v\nwant     %#v", got, tt.want)
			}
		})
	}
}

func drafted(item string, kind events.DisclosureKind, body events.DisclosureBody) []events.Payload {
	return []events.Payload{events.DisclosureDrafted{Item: item, Kind: kind, Title: "标题 " + item, Body: body}}
}

func with(body map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for kk, vv := range body {
		out[kk] = vv
	}
	out[k] = v
	return out
}

func TestDecideDraftDisclosure(t *testing.T) {
	tr, ch, co, rl, rv, mb := ledgertest.Treasurer, ledgertest.Chair, ledgertest.Committee, ledgertest.Relief, ledgertest.Review, ledgertest.Member
	welfare := events.DisclosureBody{WelfareRound: &events.WelfareRoundBody{Round: "2025年春节慰问", Standard: 30000, Headcount: 120, Total: 3600000}}
	relief := func(start, end string) events.DisclosureBody {
		return events.DisclosureBody{ReliefNotice: &events.ReliefNoticeBody{NoticeStart: start, NoticeEnd: end, Entries: []events.ReliefEntry{
			{Case: "R-1", Name: "张*明", Kind: events.ReliefHardship, Amount: 200000},
			{Name: "李*", Kind: events.ReliefMedical, Amount: 80050},
		}}}
	}
	oneEntry := func(name string) map[string]any {
		return with(reliefBody("2025-03-10", "2025-03-14"), "entries", []map[string]any{{"name": name, "kind": "warmth", "amount": "500"}})
	}
	tests := []discCase{
		{"welfare round by the treasurer", draftCmd("c1", "W1", "welfare_round", tr, "2025-03-01", welfareBody()), "", "",
			drafted("W1", events.DisclosureWelfareRound, welfare)},
		{"welfare round by the chair", draftCmd("c1", "W1", "welfare_round", ch, "2025-03-01", welfareBody()), "", "",
			drafted("W1", events.DisclosureWelfareRound, welfare)},
		{"period summary of a quarter without postings", draftCmd("c1", "S1", "period_summary", tr, "2025-04-01", summaryBody()), "", "",
			drafted("S1", events.DisclosurePeriodSummary, events.DisclosureBody{PeriodSummary: &events.PeriodSummaryBody{
				From: "2025-01-01", To: "2025-03-31", Note: "一季度收支", Lines: summaryLines(nil)}})},
		{"budget and final accounts", draftCmd("c1", "B1", "budget_final_accounts", tr, "2025-03-01", finalBody()), "", "",
			drafted("B1", events.DisclosureBudgetFinal, events.DisclosureBody{BudgetFinal: &events.BudgetFinalBody{
				Year: "2024", ReviewOpinion: "经审查，决算真实、完整", ReviewedOn: "2025-02-10",
				Lines: []events.FinalAccountsLine{{Account: "501", Budget: 1000000, Actual: 0}}}})},
		{"relief notice by the relief officer", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", reliefBody("2025-03-10", "2025-03-14")), "", "",
			drafted("N1", events.DisclosureReliefNotice, relief("2025-03-10", "2025-03-14"))},
		{"relief notice over a weekend", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", reliefBody("2025-03-06", "2025-03-12")), "", "",
			drafted("N1", events.DisclosureReliefNotice, relief("2025-03-06", "2025-03-12"))},
		{"large expense", draftCmd("c1", "L1", "large_expense", ch, "2025-03-01", largeBody()), "", "",
			drafted("L1", events.DisclosureLargeExpense, events.DisclosureBody{LargeExpense: &events.LargeExpenseBody{
				Expense: "E-9", Purpose: "职工运动会场地租赁", Payee: "某某体育中心有限公司", Amount: 5800000,
				DecidedOn: "2025-02-20", SignedOn: "2025-02-21"}})},
		{"audit findings by the funds-review committee", draftCmd("c1", "F1", "audit_findings", rv, "2025-03-01", auditBody()), "", "",
			drafted("F1", events.DisclosureAuditFindings, events.DisclosureBody{AuditFindings: &events.AuditFindingsBody{
				Audit: "AU-1", Scope: "2024年度经费收支", Findings: []events.DisclosedFinding{
					{Finding: "两笔支出缺少发票", Rectification: events.RectificationInProgress, Detail: "已补开一张"}}}})},
		{"corrected answer by a committee member", draftCmd("c1", "A9", "answer", co, "2025-03-06", map[string]string{"question": "Q2", "text": "下周一公布。"}), "", "",
			drafted("A9", events.DisclosureAnswer, events.DisclosureBody{Answer: &events.AnswerBody{Question: "Q2", Item: "D-pub", Text: "下周一公布。"}})},

		// who drafts what
		{"audit findings by the treasurer", draftCmd("c1", "F1", "audit_findings", tr, "2025-03-01", auditBody()), ledger.CodeWrongRole, "disclosure-drafter", nil},
		{"audit findings by the chair", draftCmd("c1", "F1", "audit_findings", ch, "2025-03-01", auditBody()), ledger.CodeWrongRole, "disclosure-drafter", nil},
		{"relief notice by the funds-review committee", draftCmd("c1", "N1", "relief_notice", rv, "2025-03-01", reliefBody("2025-03-10", "2025-03-14")), ledger.CodeWrongRole, "disclosure-drafter", nil},
		{"welfare round by the relief officer", draftCmd("c1", "W1", "welfare_round", rl, "2025-03-01", welfareBody()), ledger.CodeWrongRole, "disclosure-drafter", nil},
		{"answer by the treasurer", draftCmd("c1", "A9", "answer", tr, "2025-03-06", map[string]string{"question": "Q2", "text": "t"}), ledger.CodeWrongRole, "disclosure-drafter", nil},
		{"anything by a member", draftCmd("c1", "W1", "welfare_round", mb, "2025-03-01", welfareBody()), ledger.CodeWrongRole, "role-required", nil},

		// lifecycle and shape
		{"item id taken", draftCmd("c1", "D-pub", "welfare_round", tr, "2025-03-01", welfareBody()), ledger.CodeStateConflict, "disclosure-lifecycle", nil},
		{"unknown kind", draftCmd("c1", "W1", "gossip", tr, "2025-03-01", welfareBody()), ledger.CodeInvalid, "", nil},
		{"body of another kind", draftCmd("c1", "W1", "welfare_round", tr, "2025-03-01", largeBody()), ledger.CodeMalformed, "", nil},
		{"no body", dc("c1", "draft_disclosure", tr, "2025-03-01", map[string]any{"item": "W1", "kind": "welfare_round", "title": "t"}), ledger.CodeInvalid, "", nil},
		{"no title", dc("c1", "draft_disclosure", tr, "2025-03-01", map[string]any{"item": "W1", "kind": "welfare_round", "body": welfareBody()}), ledger.CodeInvalid, "", nil},
		{"amount as a JSON number", draftCmd("c1", "W1", "welfare_round", tr, "2025-03-01", with(welfareBody(), "standard", 300)), ledger.CodeInvalid, "", nil},
		{"welfare total is not standard × headcount", draftCmd("c1", "W1", "welfare_round", tr, "2025-03-01", with(welfareBody(), "total", "36000.01")), ledger.CodeInvalid, "disclosure-body", nil},
		{"welfare zero headcount", draftCmd("c1", "W1", "welfare_round", tr, "2025-03-01", with(welfareBody(), "headcount", 0)), ledger.CodeInvalid, "disclosure-body", nil},
		{"welfare negative standard", draftCmd("c1", "W1", "welfare_round", tr, "2025-03-01", with(welfareBody(), "standard", "-300")), ledger.CodeInvalidAmount, "money-format", nil},
		{"summary on an asset account", draftCmd("c1", "S1", "period_summary", tr, "2025-04-01", with(summaryBody(), "lines", []map[string]any{{"account": "102", "amount": "1"}})), ledger.CodeUnknownAccount, "chart-versioned", nil},
		{"summary account twice", draftCmd("c1", "S1", "period_summary", tr, "2025-04-01", with(summaryBody(), "lines", []map[string]any{{"account": "401", "amount": "1"}, {"account": "401", "amount": "2"}})), ledger.CodeInvalid, "disclosure-body", nil},
		{"summary ends before it starts", draftCmd("c1", "S1", "period_summary", tr, "2025-04-01", with(summaryBody(), "to", "2024-12-31")), ledger.CodeInvalid, "disclosure-body", nil},
		{"final accounts without the review opinion", draftCmd("c1", "B1", "budget_final_accounts", tr, "2025-03-01", with(finalBody(), "review_opinion", " ")), ledger.CodeInvalid, "disclosure-body", nil},
		{"large expense signed before the decision", draftCmd("c1", "L1", "large_expense", ch, "2025-03-01", with(largeBody(), "signed_on", "2025-02-19")), ledger.CodeInvalid, "disclosure-body", nil},
		{"audit finding with an unknown state", draftCmd("c1", "F1", "audit_findings", rv, "2025-03-01", with(auditBody(), "findings", []map[string]any{{"finding": "f", "rectification": "forgotten"}})), ledger.CodeInvalid, "disclosure-body", nil},
		{"answer to an unknown question", draftCmd("c1", "A9", "answer", co, "2025-03-06", map[string]string{"question": "Q9", "text": "t"}), ledger.CodeUnknownRef, "member-questions", nil},
		{"relief kind unknown", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", with(oneEntry("张*明"), "entries", []map[string]any{{"name": "张*明", "kind": "lottery", "amount": "1"}})), ledger.CodeInvalid, "disclosure-body", nil},
		{"relief amount zero", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", with(oneEntry("张*明"), "entries", []map[string]any{{"name": "张*明", "kind": "warmth", "amount": "0"}})), ledger.CodeInvalidAmount, "money-format", nil},
		{"relief reason field", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", with(oneEntry("张*明"), "entries", []map[string]any{{"name": "张*明", "kind": "warmth", "amount": "1", "reason": "患病"}})), ledger.CodeMalformed, "", nil},

		// the notice period
		{"relief notice of four working days", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", reliefBody("2025-03-10", "2025-03-13")), ledger.CodeNoticePeriod, "relief-notice-period", nil},
		{"relief notice of four working days over a weekend", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", reliefBody("2025-03-06", "2025-03-11")), ledger.CodeNoticePeriod, "relief-notice-period", nil},
		{"relief notice of a whole weekend", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", reliefBody("2025-03-08", "2025-03-09")), ledger.CodeNoticePeriod, "relief-notice-period", nil},
		{"relief notice ending before it starts", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", reliefBody("2025-03-14", "2025-03-10")), ledger.CodeInvalid, "disclosure-body", nil},
		{"relief notice of a year", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", reliefBody("2025-03-10", "2026-03-10")), ledger.CodeInvalid, "disclosure-body", nil},

		// masked names
		{"two-character name masked", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", oneEntry("张*")), "", "",
			drafted("N1", events.DisclosureReliefNotice, events.DisclosureBody{ReliefNotice: &events.ReliefNoticeBody{NoticeStart: "2025-03-10", NoticeEnd: "2025-03-14",
				Entries: []events.ReliefEntry{{Name: "张*", Kind: events.ReliefWarmth, Amount: 50000}}}})},
		{"four-character name masked", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", oneEntry("欧**娜")), "", "",
			drafted("N1", events.DisclosureReliefNotice, events.DisclosureBody{ReliefNotice: &events.ReliefNoticeBody{NoticeStart: "2025-03-10", NoticeEnd: "2025-03-14",
				Entries: []events.ReliefEntry{{Name: "欧**娜", Kind: events.ReliefWarmth, Amount: 50000}}}})},
		{"name in clear", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", oneEntry("张三明")), ledger.CodeProhibited, "no-personal-data", nil},
		{"two-character name in clear", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", oneEntry("张三")), ledger.CodeProhibited, "no-personal-data", nil},
		{"name with a reason", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", oneEntry("张*明（癌症）")), ledger.CodeProhibited, "no-personal-data", nil},
		{"phone number as a name", draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", oneEntry("13812345678")), ledger.CodeProhibited, "no-personal-data", nil},
	}
	runDiscCases(t, tests)
}

func TestDecideApproveDisclosure(t *testing.T) {
	tr, ch, co := ledgertest.Treasurer, ledgertest.Chair, ledgertest.Committee
	runDiscCases(t, []discCase{
		{"by a committee member", itemCmd("c1", "approve_disclosure", "D-draft", co, "2025-03-05"), "", "",
			[]events.Payload{events.DisclosureApproved{Item: "D-draft"}}},
		{"by the chair", itemCmd("c1", "approve_disclosure", "D-draft", ch, "2025-03-05"), "", "",
			[]events.Payload{events.DisclosureApproved{Item: "D-draft"}}},
		{"by the chair who drafted it", itemCmd("c1", "approve_disclosure", "D-chair", ch, "2025-03-05"), ledger.CodeSelfApproval, "disclosure-four-eyes", nil},
		{"by the treasurer", itemCmd("c1", "approve_disclosure", "D-draft", tr, "2025-03-05"), ledger.CodeWrongRole, "role-required", nil},
		{"approved twice", itemCmd("c1", "approve_disclosure", "D-appr", co, "2025-03-05"), ledger.CodeAlreadyDecided, "disclosure-lifecycle", nil},
		{"published", itemCmd("c1", "approve_disclosure", "D-pub", co, "2025-03-05"), ledger.CodeAlreadyDecided, "disclosure-lifecycle", nil},
		{"unknown item", itemCmd("c1", "approve_disclosure", "D-none", co, "2025-03-05"), ledger.CodeUnknownRef, "disclosure-lifecycle", nil},
		{"bad item id", itemCmd("c1", "approve_disclosure", "", co, "2025-03-05"), ledger.CodeInvalid, "", nil},
	})
}

func TestDecidePublishDisclosure(t *testing.T) {
	ch, co, ad := ledgertest.Chair, ledgertest.Committee, ledgertest.Admin
	runDiscCases(t, []discCase{
		{"by the chair", itemCmd("c1", "publish_disclosure", "D-appr", ch, "2025-03-05"), "", "",
			[]events.Payload{events.DisclosurePublished{Item: "D-appr"}}},
		{"by the administrator", itemCmd("c1", "publish_disclosure", "D-appr", ad, "2025-03-05"), "", "",
			[]events.Payload{events.DisclosurePublished{Item: "D-appr"}}},
		{"relief notice on its first day", itemCmd("c1", "publish_disclosure", "N-appr", ch, "2025-03-10"), "", "",
			[]events.Payload{events.DisclosurePublished{Item: "N-appr"}}},
		{"relief notice after its first day", itemCmd("c1", "publish_disclosure", "N-appr", ch, "2025-03-11"), ledger.CodeNoticePeriod, "relief-notice-period", nil},
		{"by a committee member", itemCmd("c1", "publish_disclosure", "D-appr", co, "2025-03-05"), ledger.CodeWrongRole, "role-required", nil},
		{"not approved", itemCmd("c1", "publish_disclosure", "D-draft", ch, "2025-03-05"), ledger.CodeNotApproved, "disclosure-lifecycle", nil},
		{"published twice", itemCmd("c1", "publish_disclosure", "D-pub", ch, "2025-03-05"), ledger.CodeAlreadyDecided, "disclosure-lifecycle", nil},
		{"superseded", itemCmd("c1", "publish_disclosure", "D-sup", ch, "2025-03-05"), ledger.CodeAlreadyDecided, "disclosure-lifecycle", nil},
		{"unknown item", itemCmd("c1", "publish_disclosure", "D-none", ch, "2025-03-05"), ledger.CodeUnknownRef, "disclosure-lifecycle", nil},
	})
}

func TestDecideSupersedeDisclosure(t *testing.T) {
	ch, co := ledgertest.Chair, ledgertest.Committee
	sup := func(item, replaces, reason string) ledger.Command {
		return dc("c1", "supersede_disclosure", ch, "2025-03-06", map[string]string{"item": item, "replaces": replaces, "reason": reason})
	}
	runDiscCases(t, []discCase{
		{"correction of a published item", sup("C-appr", "D-pub", "人数统计有误"), "", "",
			[]events.Payload{events.DisclosurePublished{Item: "C-appr", Supersedes: "D-pub"},
				events.DisclosureSuperseded{Item: "D-pub", By: "C-appr", Reason: "人数统计有误"}}},
		{"by a committee member", dc("c1", "supersede_disclosure", co, "2025-03-06", map[string]string{"item": "C-appr", "replaces": "D-pub", "reason": "r"}), ledger.CodeWrongRole, "role-required", nil},
		{"replaces a draft", sup("C-appr", "D-draft", "r"), ledger.CodeStateConflict, "disclosure-immutable", nil},
		{"replaces an approved item", sup("C-appr", "D-appr", "r"), ledger.CodeStateConflict, "disclosure-immutable", nil},
		{"replaces a superseded item", sup("C-appr", "D-sup", "r"), ledger.CodeAlreadyDecided, "disclosure-immutable", nil},
		{"replaces an unknown item", sup("C-appr", "D-none", "r"), ledger.CodeUnknownRef, "disclosure-lifecycle", nil},
		{"correction unknown", sup("C-none", "D-pub", "r"), ledger.CodeUnknownRef, "disclosure-lifecycle", nil},
		{"correction not approved", sup("D-draft", "D-pub", "r"), ledger.CodeNotApproved, "disclosure-lifecycle", nil},
		{"correction already published", sup("D-sup2", "D-pub", "r"), ledger.CodeStateConflict, "disclosure-immutable", nil},
		{"correction of another kind", sup("N-appr", "D-pub", "r"), ledger.CodeInvalid, "disclosure-immutable", nil},
		{"correction of itself", sup("D-pub", "D-pub", "r"), ledger.CodeInvalid, "", nil},
		{"no reason", sup("C-appr", "D-pub", ""), ledger.CodeInvalid, "", nil},
		{"reason with a phone number", sup("C-appr", "D-pub", "联系人13812345678"), ledger.CodeProhibited, "no-personal-data", nil},
		{"relief correction whose notice has begun", dc("c1", "supersede_disclosure", ch, "2025-03-11", map[string]string{"item": "N-appr", "replaces": "N-pub", "reason": "r"}), ledger.CodeNoticePeriod, "relief-notice-period", nil},
	})
}

func TestDecideQuestions(t *testing.T) {
	mb, ch, co, tr := ledgertest.Member, ledgertest.Chair, ledgertest.Committee, ledgertest.Treasurer
	ask := func(actor, q, item, text string) ledger.Command {
		return dc("c1", "ask_question", actor, "2025-03-06", map[string]string{"question": q, "item": item, "text": text})
	}
	answer := func(actor, q, a, text string) ledger.Command {
		return dc("c1", "answer_question", actor, "2025-03-06", map[string]string{"question": q, "answer": a, "text": text})
	}
	runDiscCases(t, []discCase{
		{"ask on a published item", ask(mb, "Q9", "D-pub", "为什么是300元？"), "", "",
			[]events.Payload{events.QuestionAsked{Question: "Q9", Item: "D-pub", Text: "为什么是300元？"}}},
		{"ask on a superseded item", ask(mb, "Q9", "D-sup", "改了什么？"), "", "",
			[]events.Payload{events.QuestionAsked{Question: "Q9", Item: "D-sup", Text: "改了什么？"}}},
		{"ask on an answer", ask(mb, "Q9", "A2", "具体哪天？"), "", "",
			[]events.Payload{events.QuestionAsked{Question: "Q9", Item: "A2", Text: "具体哪天？"}}},
		{"ask on a draft", ask(mb, "Q9", "D-draft", "t"), ledger.CodeStateConflict, "member-questions", nil},
		{"ask on an unknown item", ask(mb, "Q9", "D-none", "t"), ledger.CodeUnknownRef, "disclosure-lifecycle", nil},
		{"question id taken", ask(mb, "Q1", "D-pub", "t"), ledger.CodeStateConflict, "member-questions", nil},
		{"ask by the treasurer", ask(tr, "Q9", "D-pub", "t"), ledger.CodeWrongRole, "role-required", nil},
		{"ask without text", ask(mb, "Q9", "D-pub", ""), ledger.CodeInvalid, "", nil},
		{"ask with an ID number", ask(mb, "Q9", "D-pub", "我的身份证11010119900307123X"), ledger.CodeProhibited, "no-personal-data", nil},

		{"answer by the chair", answer(ch, "Q1", "A1", "按预算标准。"), "", "",
			[]events.Payload{events.QuestionAnswered{Question: "Q1", Item: "D-pub", Answer: "A1", Text: "按预算标准。"}}},
		{"answer by a committee member", answer(co, "Q1", "A1", "按预算标准。"), "", "",
			[]events.Payload{events.QuestionAnswered{Question: "Q1", Item: "D-pub", Answer: "A1", Text: "按预算标准。"}}},
		{"answer by a member", answer(mb, "Q1", "A1", "t"), ledger.CodeWrongRole, "role-required", nil},
		{"answer twice", answer(ch, "Q2", "A1", "t"), ledger.CodeAlreadyDecided, "member-questions", nil},
		{"answer an unknown question", answer(ch, "Q9", "A1", "t"), ledger.CodeUnknownRef, "member-questions", nil},
		{"answer item id taken", answer(ch, "Q1", "D-pub", "t"), ledger.CodeStateConflict, "disclosure-lifecycle", nil},
		{"answer with a bank number", answer(ch, "Q1", "A1", "请汇至6222 0212 3456 7890 123"), ledger.CodeProhibited, "no-personal-data", nil},
	})
}

func TestDecideObjections(t *testing.T) {
	mb, ch, co := ledgertest.Member, ledgertest.Chair, ledgertest.Committee
	object := func(actor, date, o, item, text string) ledger.Command {
		return dc("c1", "object_to_notice", actor, date, map[string]string{"objection": o, "item": item, "text": text})
	}
	resolve := func(actor, o, outcome, reason string) ledger.Command {
		return dc("c1", "resolve_objection", actor, "2025-03-08", map[string]string{"objection": o, "outcome": outcome, "reason": reason})
	}
	raised := func(item string) []events.Payload {
		return []events.Payload{events.ObjectionRaised{Objection: "O9", Item: item, Text: "收入情况不属实"}}
	}
	runDiscCases(t, []discCase{
		{"during the notice period", object(mb, "2025-03-05", "O9", "N-pub", "收入情况不属实"), "", "", raised("N-pub")},
		{"on the first day", object(mb, "2025-03-03", "O9", "N-pub", "收入情况不属实"), "", "", raised("N-pub")},
		{"on the last day", object(mb, "2025-03-07", "O9", "N-pub", "收入情况不属实"), "", "", raised("N-pub")},
		{"on the correction of a notice", object(mb, "2025-03-05", "O9", "N-new", "收入情况不属实"), "", "", raised("N-new")},
		{"after the notice period", object(mb, "2025-03-08", "O9", "N-pub", "t"), ledger.CodeNoticePeriod, "notice-objections", nil},
		{"before the notice period", object(mb, "2025-03-05", "O9", "N-early", "t"), ledger.CodeNoticePeriod, "notice-objections", nil},
		{"on an unpublished notice", object(mb, "2025-03-11", "O9", "N-appr", "t"), ledger.CodeStateConflict, "notice-objections", nil},
		{"on a superseded notice", object(mb, "2025-03-05", "O9", "N-old", "t"), ledger.CodeStateConflict, "notice-objections", nil},
		{"on a welfare round", object(mb, "2025-03-05", "O9", "D-pub", "t"), ledger.CodeInvalid, "notice-objections", nil},
		{"on an unknown item", object(mb, "2025-03-05", "O9", "N-none", "t"), ledger.CodeUnknownRef, "disclosure-lifecycle", nil},
		{"objection id taken", object(mb, "2025-03-05", "O1", "N-pub", "t"), ledger.CodeStateConflict, "notice-objections", nil},
		{"by a committee member", object(co, "2025-03-05", "O9", "N-pub", "t"), ledger.CodeWrongRole, "role-required", nil},
		{"with a phone number", object(mb, "2025-03-05", "O9", "N-pub", "知情人电话138-1234-5678"), ledger.CodeProhibited, "no-personal-data", nil},

		{"upheld by a committee member", resolve(co, "O1", "upheld", "经核实，金额调整"), "", "",
			[]events.Payload{events.ObjectionResolved{Objection: "O1", Item: "N-pub", Outcome: events.ObjectionUpheld, Reason: "经核实，金额调整"}}},
		{"dismissed by the chair", resolve(ch, "O1", "dismissed", "经核实，情况属实"), "", "",
			[]events.Payload{events.ObjectionResolved{Objection: "O1", Item: "N-pub", Outcome: events.ObjectionDismissed, Reason: "经核实，情况属实"}}},
		{"resolved twice", resolve(co, "O2", "upheld", "r"), ledger.CodeAlreadyDecided, "notice-objections", nil},
		{"unknown objection", resolve(co, "O9", "upheld", "r"), ledger.CodeUnknownRef, "notice-objections", nil},
		{"unknown outcome", resolve(co, "O1", "ignored", "r"), ledger.CodeInvalid, "", nil},
		{"without a reason", resolve(co, "O1", "upheld", ""), ledger.CodeInvalid, "", nil},
		{"by a member", resolve(mb, "O1", "upheld", "r"), ledger.CodeWrongRole, "role-required", nil},
	})
}

// TestNoPersonalData plants personal numbers in every free-text field of
// every kind and of every command that takes text: each is refused as
// prohibited under no-personal-data, and harmless numbers are not.
func TestNoPersonalData(t *testing.T) {
	tr, ch, rl, rv, mb, co := ledgertest.Treasurer, ledgertest.Chair, ledgertest.Relief, ledgertest.Review, ledgertest.Member, ledgertest.Committee
	planted := map[string]string{
		"ID number":                  "110101199003071234",
		"ID number ending in X":      "11010119900307123X",
		"ID number ending in x":      "11010119900307123x",
		"ID number in groups":        "110101 19900307 123X",
		"ID number in full width":    "１１０１０１１９９００３０７１２３Ｘ",
		"mobile":                     "13812345678",
		"mobile in groups of spaces": "138 1234 5678",
		"mobile in groups of dashes": "138-1234-5678",
		"mobile in full width":       "１３８１２３４５６７８",
		"bank account of 12 digits":  "622202123456",
		"bank account of 19 digits":  "6222021234567890123",
		"bank account in groups":     "6222 0212 3456 7890 123",
		"old 15-digit ID number":     "110101900307123",
	}
	// Each field is a function of the planted text giving the command.
	fields := map[string]func(s string) ledger.Command{
		"title": func(s string) ledger.Command {
			return dc("c1", "draft_disclosure", tr, "2025-03-01", map[string]any{"item": "W1", "kind": "welfare_round", "title": "慰问 " + s, "body": welfareBody()})
		},
		"welfare round": func(s string) ledger.Command {
			return draftCmd("c1", "W1", "welfare_round", tr, "2025-03-01", with(welfareBody(), "round", "慰问"+s))
		},
		"summary note": func(s string) ledger.Command {
			return draftCmd("c1", "S1", "period_summary", tr, "2025-04-01", with(summaryBody(), "note", "备注："+s+"。"))
		},
		"review opinion": func(s string) ledger.Command {
			return draftCmd("c1", "B1", "budget_final_accounts", tr, "2025-03-01", with(finalBody(), "review_opinion", "同意"+s))
		},
		"relief name": func(s string) ledger.Command {
			return draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", with(reliefBody("2025-03-10", "2025-03-14"), "entries",
				[]map[string]any{{"name": s, "kind": "warmth", "amount": "1"}}))
		},
		"relief case id": func(s string) ledger.Command {
			id := s
			if !events.ValidID("R-" + id) {
				id = "13812345678"
			}
			return draftCmd("c1", "N1", "relief_notice", rl, "2025-03-01", with(reliefBody("2025-03-10", "2025-03-14"), "entries",
				[]map[string]any{{"case": "R-" + id, "name": "张*明", "kind": "warmth", "amount": "1"}}))
		},
		"large expense purpose": func(s string) ledger.Command {
			return draftCmd("c1", "L1", "large_expense", ch, "2025-03-01", with(largeBody(), "purpose", "租赁"+s))
		},
		"large expense payee": func(s string) ledger.Command {
			return draftCmd("c1", "L1", "large_expense", ch, "2025-03-01", with(largeBody(), "payee", "账户"+s))
		},
		"audit scope": func(s string) ledger.Command {
			return draftCmd("c1", "F1", "audit_findings", rv, "2025-03-01", with(auditBody(), "scope", s))
		},
		"audit finding": func(s string) ledger.Command {
			return draftCmd("c1", "F1", "audit_findings", rv, "2025-03-01", with(auditBody(), "findings", []map[string]any{{"finding": "付给" + s, "rectification": "open"}}))
		},
		"audit detail": func(s string) ledger.Command {
			return draftCmd("c1", "F1", "audit_findings", rv, "2025-03-01", with(auditBody(), "findings", []map[string]any{{"finding": "f", "rectification": "open", "detail": s + "已退回"}}))
		},
		"drafted answer": func(s string) ledger.Command {
			return draftCmd("c1", "A9", "answer", co, "2025-03-06", map[string]string{"question": "Q2", "text": "请联系" + s})
		},
		"supersede reason": func(s string) ledger.Command {
			return dc("c1", "supersede_disclosure", ch, "2025-03-06", map[string]string{"item": "C-appr", "replaces": "D-pub", "reason": s})
		},
		"question": func(s string) ledger.Command {
			return dc("c1", "ask_question", mb, "2025-03-06", map[string]string{"question": "Q9", "item": "D-pub", "text": "我是" + s})
		},
		"answer": func(s string) ledger.Command {
			return dc("c1", "answer_question", ch, "2025-03-06", map[string]string{"question": "Q1", "answer": "A1", "text": "致电" + s})
		},
		"objection": func(s string) ledger.Command {
			return dc("c1", "object_to_notice", mb, "2025-03-05", map[string]string{"objection": "O9", "item": "N-pub", "text": s})
		},
		// Ids are on the board as well; the planted values that are valid
		// ids (digits only) must be refused there too.
		"item id": func(s string) ledger.Command {
			return draftCmd("c1", idOr(s), "welfare_round", tr, "2025-03-01", welfareBody())
		},
		"question id": func(s string) ledger.Command {
			return dc("c1", "ask_question", mb, "2025-03-06", map[string]string{"question": idOr(s), "item": "D-pub", "text": "t"})
		},
		"answer id": func(s string) ledger.Command {
			return dc("c1", "answer_question", ch, "2025-03-06", map[string]string{"question": "Q1", "answer": idOr(s), "text": "t"})
		},
		"objection id": func(s string) ledger.Command {
			return dc("c1", "object_to_notice", mb, "2025-03-05", map[string]string{"objection": idOr(s), "item": "N-pub", "text": "t"})
		},
		"resolution reason": func(s string) ledger.Command {
			return dc("c1", "resolve_objection", co, "2025-03-06", map[string]string{"objection": "O1", "outcome": "upheld", "reason": s})
		},
	}
	st := discState(t)
	for fname, build := range fields {
		// the field accepts ordinary text: the refusal below is the guard's
		ordinary := map[string]string{"relief name": "张*明", "relief case id": "1", "item id": "W-2025-1",
			"question id": "Q-2025-1", "answer id": "A-2025-1", "objection id": "O-2025-1"}[fname]
		if ordinary == "" {
			ordinary = "一般文字"
		}
		if _, err := ledger.Decide(st, build(ordinary)); err != nil {
			t.Fatalf("%s: ordinary text refused: %v", fname, err)
		}
		for pname, s := range planted {
			t.Run(fname+"/"+pname, func(t *testing.T) {
				drafts, err := ledger.Decide(st, build(s))
				var e *ledger.Error
				if !errors.As(err, &e) || e.Code != ledger.CodeProhibited || e.Rule != "no-personal-data" {
					t.Fatalf("got %v, want prohibited (rule no-personal-data)", err)
				}
				if drafts != nil {
					t.Fatal("refused command produced drafts")
				}
				if strings.Contains(e.Message, s) {
					t.Fatalf("the error repeats the personal data: %s", e.Message)
				}
			})
		}
	}
	// Numbers that are not personal data pass.
	for _, s := range []string{
		"2025-03-01", "2025-03-01 13:00", "1234.56元", "10086", "22345678901", "0551-6543210", "第3季度", "12345678901234567890",
		"1,234,567,890,123", "2025年3月1日至2025年3月7日", "电话 0551 6543 210",
	} {
		if _, err := ledger.Decide(st, fields["title"](s)); err != nil {
			t.Errorf("%q refused: %v", s, err)
		}
	}
}

// idOr is s as an id (1–64 of A–Z a–z 0–9 . _ : -), with the characters an
// id cannot hold dropped (spaces, full-width digits become a phone number):
// a planted value that cannot be an id at all is tried as one that can.
func idOr(s string) string {
	if events.ValidID(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if (r >= '0' && r <= '9') || r == '-' || r == 'X' || r == 'x' {
			b.WriteRune(r)
		}
	}
	if events.ValidID(b.String()) && b.Len() > 0 {
		return b.String()
	}
	return "13812345678"
}

func TestMaskedName(t *testing.T) {
	for _, tt := range []struct {
		s  string
		ok bool
	}{
		{"张*明", true}, {"张*", true}, {"欧**娜", true}, {"J*n", true}, {"阿*曼", true}, {"买***提", true},
		{"", false}, {"张", false}, {"*", false}, {"张三", false}, {"张三明", false}, {"*明", false}, {"张**", false},
		{"张*明明", false}, {"张 *明", false}, {"1*2", false}, {"张*1", false}, {"张*明 ", false}, {"张*****************明", false},
	} {
		if got := ledger.MaskedName(tt.s); got != tt.ok {
			t.Errorf("MaskedName(%q) = %v, want %v", tt.s, got, tt.ok)
		}
	}
}

func TestWorkingDays(t *testing.T) {
	weekends, err := ledger.NewCalendar(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// National Day 2025: 1–8 October off, Sunday 28 September and Saturday
	// 11 October worked (调休).
	national, err := ledger.NewCalendar(
		[]string{"2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08"},
		[]string{"2025-09-28", "2025-10-11"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		cal      ledger.Calendar
		from, to string
		want     int64
	}{
		{"Monday to Friday", weekends, "2025-03-03", "2025-03-07", 5},
		{"one Monday", weekends, "2025-03-03", "2025-03-03", 1},
		{"a weekend", weekends, "2025-03-08", "2025-03-09", 0},
		{"Thursday to Wednesday", weekends, "2025-03-06", "2025-03-12", 5},
		{"Saturday to Thursday", weekends, "2025-03-08", "2025-03-13", 4},
		{"reversed", weekends, "2025-03-07", "2025-03-03", 0},
		{"the year 2025", weekends, "2025-01-01", "2025-12-31", 261},
		{"a leap February", weekends, "2024-02-01", "2024-02-29", 21},
		{"across 1970-01-01", weekends, "1969-12-29", "1970-01-04", 5},
		{"National Day week without the holidays", weekends, "2025-09-29", "2025-10-10", 10},
		{"National Day week", national, "2025-09-29", "2025-10-10", 4},
		{"from the make-up Sunday", national, "2025-09-28", "2025-10-10", 5},
		{"to the make-up Saturday", national, "2025-09-29", "2025-10-11", 5},
		{"the holidays alone", national, "2025-10-01", "2025-10-08", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cal.WorkingDays(tt.from, tt.to)
			if err != nil || got != tt.want {
				t.Fatalf("WorkingDays(%s, %s) = %d, %v; want %d", tt.from, tt.to, got, err, tt.want)
			}
			// cross-check against the day-by-day definition
			var n int64
			for day := tt.from; day <= tt.to; day = nextDay(day) {
				if ok, _ := tt.cal.WorkingDay(day); ok {
					n++
				}
			}
			if n != got {
				t.Fatalf("day by day %d, WorkingDays %d", n, got)
			}
		})
	}
	for _, tt := range []struct {
		name string
		cal  ledger.Calendar
		from string
		n    int
		want string
	}{
		{"five from a Monday", weekends, "2025-03-03", 5, "2025-03-07"},
		{"five from a Thursday", weekends, "2025-03-06", 5, "2025-03-12"},
		{"five from a Saturday", weekends, "2025-03-08", 5, "2025-03-14"},
		{"five over National Day", national, "2025-09-29", 5, "2025-10-11"},
		{"five before National Day without the holidays", weekends, "2025-09-29", 5, "2025-10-03"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := tt.cal.EarliestEnd(tt.from, tt.n); err != nil || got != tt.want {
				t.Fatalf("EarliestEnd(%s, %d) = %s, %v; want %s", tt.from, tt.n, got, err, tt.want)
			}
		})
	}
	for day, want := range map[string]bool{"2025-10-11": true, "2025-10-01": false, "2025-10-12": false, "2025-10-09": true} {
		if got, err := national.WorkingDay(day); err != nil || got != want {
			t.Errorf("WorkingDay(%s) = %v, %v; want %v", day, got, err, want)
		}
	}
	if _, err := ledger.NewCalendar([]string{"2025-10-01"}, []string{"2025-10-01"}); err == nil {
		t.Error("a day both holiday and working day was accepted")
	}
	if _, err := ledger.NewCalendar([]string{"2025-02-30"}, nil); err == nil {
		t.Error("a bad holiday date was accepted")
	}
	if _, err := weekends.WorkingDays("2025-3-1", "2025-03-07"); err == nil {
		t.Error("a bad date was accepted")
	}
}

func nextDay(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		panic(err) // test data
	}
	return t.AddDate(0, 0, 1).Format(time.DateOnly)
}

// TestCheckReliefNotice: the gate the relief rules put before the
// committee's decision opens only after the notice period, with every
// objection resolved, on the notice in force.
func TestCheckReliefNotice(t *testing.T) {
	st := discState(t)
	for _, tt := range []struct {
		name, notice, date string
		code               ledger.Code
		rule               string
	}{
		{"during the notice period", "N-pub", "2025-03-07", ledger.CodeNoticePeriod, "relief-notice-period"},
		{"after it, one objection open", "N-pub", "2025-03-08", ledger.CodeNoticePeriod, "notice-objections"},
		{"after it, no objection", "N-new", "2025-03-11", "", ""},
		{"superseded notice", "N-old", "2025-03-11", ledger.CodeStateConflict, "relief-notice-period"},
		{"unpublished notice", "N-appr", "2025-03-20", ledger.CodeStateConflict, "relief-notice-period"},
		{"not a notice", "D-pub", "2025-03-20", ledger.CodeUnknownRef, "relief-notice-period"},
		{"unknown", "N-none", "2025-03-20", ledger.CodeUnknownRef, "relief-notice-period"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := ledger.CheckReliefNotice(st, "h1", tt.notice, tt.date)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			var e *ledger.Error
			if !errors.As(err, &e) || e.Code != tt.code || e.Rule != tt.rule {
				t.Fatalf("got %v, want %s (rule %s)", err, tt.code, tt.rule)
			}
		})
	}
	if n, err := st.OpenObjections("h1", "N-pub"); err != nil || n != 1 {
		t.Fatalf("open objections on N-pub = %d, %v; want 1", n, err)
	}
	st.Do(dc("r1", "resolve_objection", ledgertest.Chair, "2025-03-08", map[string]string{"objection": "O1", "outcome": "upheld", "reason": "已核实"}))
	if n, err := st.OpenObjections("h1", "N-pub"); err != nil || n != 0 {
		t.Fatalf("open objections on N-pub after resolving = %d, %v; want 0", n, err)
	}
	if err := ledger.CheckReliefNotice(st, "h1", "N-pub", "2025-03-08"); err != nil {
		t.Fatalf("after resolving: %v", err)
	}
	for date, want := range map[string]bool{"2025-03-07": false, "2025-03-08": true} {
		if got, err := st.NoticeEnded("h1", "N-pub", date); err != nil || got != want {
			t.Errorf("NoticeEnded(N-pub, %s) = %v, %v; want %v", date, got, err, want)
		}
	}
}

// TestDisclosureStateAfterSteps checks the pointers the projection keeps:
// a supersession links both ways, an answer is a published item.
func TestDisclosureStateAfterSteps(t *testing.T) {
	st := discState(t)
	for item, want := range map[string]struct {
		state            ledger.ItemState
		supersedes, by   string
		drafter, approve string
	}{
		"D-draft": {ledger.ItemDrafted, "", "", ledgertest.Treasurer, ""},
		"D-appr":  {ledger.ItemApproved, "", "", ledgertest.Treasurer, ledgertest.Committee},
		"D-pub":   {ledger.ItemPublished, "", "", ledgertest.Treasurer, ledgertest.Committee},
		"D-sup":   {ledger.ItemSuperseded, "", "D-sup2", ledgertest.Treasurer, ledgertest.Committee},
		"D-sup2":  {ledger.ItemPublished, "D-sup", "", ledgertest.Treasurer, ledgertest.Committee},
		"A2":      {ledger.ItemPublished, "", "", ledgertest.Chair, ""},
	} {
		it, ok, err := st.Disclosure("h1", item)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", item, ok, err)
		}
		if it.State != want.state || it.Supersedes != want.supersedes || it.SupersededBy != want.by || it.Drafter != want.drafter || it.Approver != want.approve {
			t.Errorf("%s = %+v, want %+v", item, it, want)
		}
	}
	a, _, _ := st.Disclosure("h1", "A2")
	if a.Kind != events.DisclosureAnswer || a.Body.Answer == nil || a.Body.Answer.Question != "Q2" || a.Body.Answer.Item != "D-pub" || a.PublishedOn != "2025-03-05" {
		t.Errorf("answer item = %+v", a)
	}
	if q, ok, err := st.Question("h1", "Q2"); err != nil || !ok || !q.Answered || q.Answer != "A2" || q.Item != "D-pub" || q.Asker != ledgertest.Member {
		t.Errorf("Q2 = %+v %v %v", q, ok, err)
	}
	if o, ok, err := st.Objection("h1", "O2"); err != nil || !ok || !o.Resolved || o.Outcome != events.ObjectionDismissed || o.Item != "N-pub" {
		t.Errorf("O2 = %+v %v %v", o, ok, err)
	}
}

// TestHolidayCalendar shows that an adopted holiday calendar, not only the
// weekend, decides how long a relief notice runs: across National Day 2025
// (1–8 October off, 28 September and 11 October worked) a notice from 30
// September to 9 October has 2 working days, not 8.
func TestHolidayCalendar(t *testing.T) {
	st := ledgertest.State(t, "h1")
	notice := func(id string) ledger.Command {
		return draftCmd(id, id, "relief_notice", ledgertest.Relief, "2025-09-29", reliefBody("2025-09-30", "2025-10-09"))
	}
	if _, err := ledger.Decide(st, notice("before")); err != nil {
		t.Fatalf("weekend-only calendar: %v", err)
	}
	adopt := ledgertest.Cmd("cal", "adopt_holiday_calendar", "h1", ledgertest.Admin, "2025-01-02", map[string]any{
		"year":     "2025",
		"holidays": []string{"2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08"},
		"workdays": []string{"2025-09-28", "2025-10-11"},
	})
	st.Do(adopt)
	drafts, err := ledger.Decide(st, notice("after"))
	if ledgertest.Outcome(t, drafts, err, ledger.CodeNoticePeriod, "relief-notice-period") && !strings.Contains(err.Error(), "has 2") {
		t.Fatalf("message does not count 2 working days: %v", err)
	}
	for _, tt := range []struct {
		name string
		data map[string]any
		code ledger.Code
		rule string
	}{
		{"day of another year", map[string]any{"year": "2025", "holidays": []string{"2026-01-01"}}, ledger.CodeInvalid, "working-days"},
		{"both holiday and workday", map[string]any{"year": "2025", "holidays": []string{"2025-05-01"}, "workdays": []string{"2025-05-01"}}, ledger.CodeInvalid, "working-days"},
		{"bad year", map[string]any{"year": "25"}, ledger.CodeInvalid, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			drafts, err := ledger.Decide(st, ledgertest.Cmd("c", "adopt_holiday_calendar", "h1", ledgertest.Admin, "2025-01-02", tt.data))
			ledgertest.Outcome(t, drafts, err, tt.code, tt.rule)
		})
	}
	drafts, err = ledger.Decide(st, ledgertest.Cmd("c", "adopt_holiday_calendar", "h1", ledgertest.Treasurer, "2025-01-02", map[string]any{"year": "2026"}))
	ledgertest.Outcome(t, drafts, err, ledger.CodeWrongRole, "role-required")
}

// summaryLines is what a summary drafted from the books of a 2010-chart
// union lists: every top-level income and expense account (401–408,
// 501–508), zero or not, and each sub-account with a figure, in code order.
func summaryLines(figures map[string]events.Fen) []events.SummaryLine {
	chart, _ := events.ChartByVersion("2010")
	var out []events.SummaryLine
	for _, a := range chart.Accounts() {
		if a.Class != events.Income && a.Class != events.Expense {
			continue
		}
		if len(a.Code) == 3 || figures[a.Code] != 0 {
			out = append(out, events.SummaryLine{Account: a.Code, Amount: figures[a.Code]})
		}
	}
	return out
}

// booksState is union h1 with postings around the first quarter of 2025:
//
//	2025-01-01  dues 50.00 (401)               first day of Q1
//	2025-02-10  dues 1200.00 (401)
//	2025-02-11  subsidy 2000.00 (40304)
//	2025-03-15  expense 800.00 (50102)
//	2025-03-31  dues 50.00 (401)               last day of Q1
//	2025-04-01  expense 100.00 (50204)         first day of Q2
//	2025-04-02  reversal of the dues of 01-01 (401 −50.00)
func booksState(t *testing.T) *ledgertest.Scratch {
	t.Helper()
	st := ledgertest.State(t, "h1")
	st.Do(
		ledgertest.Dues("h1", "dues-1", "2025-01-01", ledgertest.Member, "50.00", "B", "1"),
		ledgertest.Dues("h1", "dues-2", "2025-02-10", ledgertest.Member, "1200.00", "B", "2"),
		dcRaw("sub-1", "receive_subsidy", ledgertest.Treasurer, "2025-02-11",
			`{"account":"40304","amount":"2000.00","payer":"市总工会","receipt":{"book":"S","number":"1"}}`),
	)
	st.Do(ledgertest.Pay("h1", "E1", "2025-03-15", "50102", "800.00", "市体育中心", "职工运动会场地")...)
	st.Do(ledgertest.Dues("h1", "dues-3", "2025-03-31", ledgertest.Member, "50.00", "B", "3"))
	st.Do(ledgertest.Pay("h1", "E2", "2025-04-01", "50204", "100.00", "市第一人民医院", "困难职工帮扶")...)
	var first uint64
	for seq := uint64(1); seq < 200 && first == 0; seq++ {
		ev, ok, err := st.PostedEvent("h1", seq)
		if err != nil {
			t.Fatal(err)
		}
		if ok && ev.Type == "dues_received" && ev.Date == "2025-01-01" {
			first = seq
		}
	}
	st.Do(dc("rev-1", "reverse_event", ledgertest.Treasurer, "2025-04-02", map[string]any{"seq": first, "reason": "重复入账"}))
	return st
}

// TestPeriodSummaryFromBooks: a period_summary drafted without lines gets
// the books' figures for its period (postings with accounting dates in it,
// ends included, parents the total of their sub-accounts), however the
// period falls on days, months and years; lines typed in are accepted only
// when they are the books' figures and leave no income or spending out.
func TestPeriodSummaryFromBooks(t *testing.T) {
	tr := ledgertest.Treasurer
	st := booksState(t)
	summary := func(from, to string, lines any) ledger.Command {
		body := map[string]any{"from": from, "to": to}
		if lines != nil {
			body["lines"] = lines
		}
		return draftCmd("c1", "S1", "period_summary", tr, "2025-04-10", body)
	}
	final := func(lines any) ledger.Command {
		return draftCmd("c1", "F1", "budget_final_accounts", tr, "2026-01-20", map[string]any{"year": "2025",
			"review_opinion": "经审查，决算真实、完整", "reviewed_on": "2026-01-18", "lines": lines})
	}
	want := func(from, to string, figures map[string]events.Fen) []events.Payload {
		return drafted("S1", events.DisclosurePeriodSummary, events.DisclosureBody{PeriodSummary: &events.PeriodSummaryBody{
			From: from, To: to, Lines: summaryLines(figures)}})
	}
	q1 := map[string]events.Fen{"401": 130000, "403": 200000, "40304": 200000, "501": 80000, "50102": 80000}
	type line = map[string]string
	q1Lines := []line{{"account": "401", "amount": "1300.00"}, {"account": "403", "amount": "2000"}, {"account": "501", "amount": "800"}}
	tests := []discCase{
		{"the first quarter", summary("2025-01-01", "2025-03-31", nil), "", "", want("2025-01-01", "2025-03-31", q1)},
		{"days and months across a quarter's end", summary("2025-01-02", "2025-04-01", nil), "", "",
			want("2025-01-02", "2025-04-01", map[string]events.Fen{"401": 125000, "403": 200000, "40304": 200000,
				"501": 80000, "50102": 80000, "502": 10000, "50204": 10000})},
		{"one day", summary("2025-03-31", "2025-03-31", nil), "", "", want("2025-03-31", "2025-03-31", map[string]events.Fen{"401": 5000})},
		{"a day without postings", summary("2025-03-30", "2025-03-30", nil), "", "", want("2025-03-30", "2025-03-30", nil)},
		{"a reversal makes income negative", summary("2025-04-01", "2025-06-30", nil), "", "",
			want("2025-04-01", "2025-06-30", map[string]events.Fen{"401": -5000, "502": 10000, "50204": 10000})},
		{"a whole year", summary("2025-01-01", "2025-12-31", nil), "", "",
			want("2025-01-01", "2025-12-31", map[string]events.Fen{"401": 125000, "403": 200000, "40304": 200000,
				"501": 80000, "50102": 80000, "502": 10000, "50204": 10000})},
		{"years around the postings", summary("2024-12-31", "2026-01-01", nil), "", "",
			want("2024-12-31", "2026-01-01", map[string]events.Fen{"401": 125000, "403": 200000, "40304": 200000,
				"501": 80000, "50102": 80000, "502": 10000, "50204": 10000})},
		{"a year before any posting", summary("2024-01-01", "2024-12-31", nil), "", "", want("2024-01-01", "2024-12-31", nil)},

		{"lines that are the books' figures", summary("2025-01-01", "2025-03-31", q1Lines), "", "",
			drafted("S1", events.DisclosurePeriodSummary, events.DisclosureBody{PeriodSummary: &events.PeriodSummaryBody{
				From: "2025-01-01", To: "2025-03-31", Lines: []events.SummaryLine{{Account: "401", Amount: 130000},
					{Account: "403", Amount: 200000}, {Account: "501", Amount: 80000}}}})},
		{"sub-account lines and zero lines that are the books' figures", summary("2025-01-01", "2025-03-31",
			append([]line{{"account": "40304", "amount": "2000"}, {"account": "50101", "amount": "0"}, {"account": "508", "amount": "0"}}, q1Lines...)), "", "",
			drafted("S1", events.DisclosurePeriodSummary, events.DisclosureBody{PeriodSummary: &events.PeriodSummaryBody{
				From: "2025-01-01", To: "2025-03-31", Lines: []events.SummaryLine{{Account: "40304", Amount: 200000},
					{Account: "50101", Amount: 0}, {Account: "508", Amount: 0}, {Account: "401", Amount: 130000},
					{Account: "403", Amount: 200000}, {Account: "501", Amount: 80000}}}})},
		{"a line off by one fen", summary("2025-01-01", "2025-03-31",
			[]line{{"account": "401", "amount": "1300.01"}, {"account": "403", "amount": "2000"}, {"account": "501", "amount": "800"}}),
			ledger.CodeInvalid, "disclosure-summary-matches-books", nil},
		{"a sub-account line that disagrees", summary("2025-01-01", "2025-03-31", append([]line{{"account": "50102", "amount": "700"}}, q1Lines...)),
			ledger.CodeInvalid, "disclosure-summary-matches-books", nil},
		{"a line for an account without postings", summary("2025-01-01", "2025-03-31", append([]line{{"account": "502", "amount": "100"}}, q1Lines...)),
			ledger.CodeInvalid, "disclosure-summary-matches-books", nil},
		{"spending left out", summary("2025-01-01", "2025-03-31", q1Lines[:2]), ledger.CodeInvalid, "disclosure-summary-matches-books", nil},
		{"income left out", summary("2025-01-01", "2025-03-31", q1Lines[1:]), ledger.CodeInvalid, "disclosure-summary-matches-books", nil},
		{"no lines while there were postings", summary("2025-01-01", "2025-03-31", []line{}), ledger.CodeInvalid, "disclosure-summary-matches-books", nil},
		{"lines of a negative figure cannot be typed", summary("2025-04-01", "2025-06-30", []line{{"account": "401", "amount": "-50"}}),
			ledger.CodeInvalidAmount, "money-format", nil},
		{"a period of more than ten years", summary("2025-01-01", "2035-01-01", nil), ledger.CodeInvalid, "disclosure-body", nil},

		// Final accounts (决算): the actual figures are the books' for the year.
		{"final accounts with the books' actuals", final([]line{{"account": "501", "budget": "900", "actual": "800"},
			{"account": "50204", "budget": "0", "actual": "100"}, {"account": "401", "budget": "1500", "actual": "1250"}}), "", "",
			drafted("F1", events.DisclosureBudgetFinal, events.DisclosureBody{BudgetFinal: &events.BudgetFinalBody{
				Year: "2025", ReviewOpinion: "经审查，决算真实、完整", ReviewedOn: "2026-01-18", Lines: []events.FinalAccountsLine{
					{Account: "501", Budget: 90000, Actual: 80000}, {Account: "50204", Budget: 0, Actual: 10000},
					{Account: "401", Budget: 150000, Actual: 125000}}}})},
		{"final accounts with an actual off by one fen", final([]line{{"account": "501", "budget": "900", "actual": "800.01"}}),
			ledger.CodeInvalid, "disclosure-final-accounts-match-books", nil},
		{"final accounts that ignore a reversal", final([]line{{"account": "401", "budget": "1500", "actual": "1300"}}),
			ledger.CodeInvalid, "disclosure-final-accounts-match-books", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drafts, err := ledger.Decide(st, tt.cmd)
			if ledgertest.Outcome(t, drafts, err, tt.code, tt.rule) {
				if strings.Contains(tt.rule, "books") && !strings.Contains(err.Error(), "books") {
					t.Fatalf("the refusal does not say what the books show: %v", err)
				}
				return
			}
			got := make([]events.Payload, len(drafts))
			for i, d := range drafts {
				got[i] = d.Payload
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("drafts = %+v\nwant     %+v", got[0], tt.want[0])
			}
		})
	}
}

// TestPeriodSummarySeesItsGroup: figures posted earlier in the same group
// of commands (decided on the scratch view, not yet in the store) are in a
// summary drafted later in the group, and the summary then drafted is what
// the event records and the item shows.
func TestPeriodSummarySeesItsGroup(t *testing.T) {
	st := ledgertest.State(t, "h1")
	st.Do(
		ledgertest.Dues("h1", "dues-1", "2025-02-10", ledgertest.Member, "1200.00", "B", "1"),
		draftCmd("c1", "S1", "period_summary", ledgertest.Treasurer, "2025-04-10", summaryBody()),
	)
	it, ok, err := st.Disclosure("h1", "S1")
	if err != nil || !ok {
		t.Fatalf("item S1: %v %v", ok, err)
	}
	want := summaryLines(map[string]events.Fen{"401": 120000})
	if !reflect.DeepEqual(it.Body.PeriodSummary.Lines, want) {
		t.Fatalf("lines = %+v, want %+v", it.Body.PeriodSummary.Lines, want)
	}
}
