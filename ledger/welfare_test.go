package ledger_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

// welfareState is union h1 with members m1, m2 and m3 (会员), p-gone
// registered then erased, and p-outsider registered without the member
// role, plus the given commands.
func welfareState(t *testing.T, before ...ledger.Command) *ledgertest.Scratch {
	t.Helper()
	st := ledgertest.State(t, "h1")
	st.Do(ledgertest.Members("h1", "m1", "m2", "m3")...)
	st.Do(
		ledgertest.Cmd("reg-gone", "register_person", "h1", ledgertest.Admin, "2025-01-01", map[string]string{"person": "p-gone"}),
		ledgertest.Cmd("member-gone", "grant_role", "h1", ledgertest.Admin, "2025-01-01", map[string]string{"person": "p-gone", "role": "member"}),
		ledgertest.Cmd("erase-gone", "erase_person", "h1", ledgertest.Admin, "2025-01-01", map[string]string{"person": "p-gone", "reason": "left"}),
		ledgertest.Cmd("reg-outsider", "register_person", "h1", ledgertest.Admin, "2025-01-01", map[string]string{"person": "p-outsider"}),
	)
	st.Do(before...)
	return st
}

func checkRefusal(t *testing.T, err error, code ledger.Code, rule string) {
	t.Helper()
	if got := ledger.ErrorCode(err); err == nil && code != "" || err != nil && got != code {
		t.Fatalf("got %v (code %q), want code %q", err, got, code)
	}
	if rule != "" {
		var le *ledger.Error
		if !errors.As(err, &le) || le.Rule != rule {
			t.Fatalf("got %v, want rule %q", err, rule)
		}
	}
}

// round is ledgertest.Round in union h1, for the tables.
func round(id, date, occasion, festival, standard, form string, members ...string) ledger.Command {
	return ledgertest.Round("h1", id, date, occasion, festival, standard, form, members...)
}

func spring(id, standard string, members ...string) ledger.Command {
	return round(id, "2025-01-20", events.OccasionFestival, "spring_festival", standard, events.FormGoods, members...)
}

func TestWelfareRoundRules(t *testing.T) {
	anhui := ledgertest.AnhuiPolicy("h1", "2025")
	guizhou := ledgertest.GuizhouPolicy("h1", "2025")
	hubei1500 := ledgertest.HubeiPolicy("h1", "2025", "1500.00")
	const fest = events.OccasionFestival
	cancel := func(id string) ledger.Command {
		return ledgertest.Cmd(id+":cancel", "cancel_welfare_round", "h1", ledgertest.Treasurer, "2025-02-01", map[string]string{"round": id, "reason": "供应商缺货"})
	}
	tests := []struct {
		name   string
		before []ledger.Command
		cmd    ledger.Command
		code   ledger.Code
		rule   string
		msg    string // a part the refusal message must contain
	}{
		// Caps per member per calendar year (Anhui: festivals 2000 a year).
		{"exactly at the cap", []ledger.Command{anhui, spring("R1", "1500.00", "m1")},
			round("R2", "2025-09-15", fest, "mid_autumn", "500.00", "goods", "m1"), "", "", ""},
		{"one fen over the cap", []ledger.Command{anhui, spring("R1", "1500.00", "m1")},
			round("R2", "2025-09-15", fest, "mid_autumn", "500.01", "goods", "m1"), ledger.CodeOverCap, "welfare-caps",
			"member m1 has received 1500.00 yuan for festival in 2025; 500.01 more would exceed the 安徽 cap of 2000.00"},
		{"one round over the cap", []ledger.Command{anhui}, spring("R1", "2000.01", "m1"), ledger.CodeOverCap, "welfare-caps", "member m1"},
		{"across several rounds", []ledger.Command{anhui, spring("R1", "800.00", "m1"),
			round("R2", "2025-05-01", fest, "labour_day", "800.00", "goods", "m1", "m2")},
			round("R3", "2025-10-01", fest, "national_day", "400.01", "goods", "m3", "m2", "m1"), ledger.CodeOverCap, "welfare-caps", "member m1 has received 1600.00"},
		{"caps are per member", []ledger.Command{anhui, spring("R1", "2000.00", "m1")},
			round("R2", "2025-10-01", fest, "national_day", "2000.00", "goods", "m2", "m3"), "", "", ""},
		{"years are independent", []ledger.Command{anhui, ledgertest.AnhuiPolicy("h1", "2026"), spring("R1", "2000.00", "m1")},
			round("R2", "2026-01-01", fest, "new_year", "2000.00", "goods", "m1"), "", "", ""},
		{"the round's date picks the year", []ledger.Command{anhui, spring("R1", "2000.00", "m1")},
			round("R2", "2025-12-31", fest, "new_year", "0.01", "goods", "m1"), ledger.CodeOverCap, "welfare-caps", ""},
		{"occasions are independent", []ledger.Command{anhui, spring("R1", "2000.00", "m1")},
			round("R2", "2025-06-01", events.OccasionBirthday, "", "300.00", "goods", "m1"), "", "", ""},
		{"birthday cap", []ledger.Command{anhui},
			round("R1", "2025-06-01", events.OccasionBirthday, "", "300.01", "goods", "m1"), ledger.CodeOverCap, "welfare-caps", "birthday"},
		{"hospital cap", []ledger.Command{anhui, round("R1", "2025-03-01", events.OccasionHospital, "", "600.00", "goods", "m1")},
			round("R2", "2025-08-01", events.OccasionHospital, "", "400.01", "goods", "m1"), ledger.CodeOverCap, "welfare-caps", ""},
		{"hospital with surgery has its own cap", []ledger.Command{anhui},
			round("R1", "2025-03-01", events.OccasionHospitalSurgery, "", "2000.00", "goods", "m1"), "", "", ""},
		{"Hubei where funds allow", []ledger.Command{hubei1500, spring("R1", "1000.00", "m1")},
			round("R2", "2025-09-15", fest, "mid_autumn", "500.00", "card", "m1"), "", "", ""},
		{"Hubei over", []ledger.Command{hubei1500, spring("R1", "1000.00", "m1")},
			round("R2", "2025-09-15", fest, "mid_autumn", "500.01", "card", "m1"), ledger.CodeOverCap, "welfare-caps", "1500.00"},
		{"a later command of the group sees the earlier one", []ledger.Command{anhui, spring("R1", "1999.99", "m2")},
			spring("R2", "0.02", "m1", "m2"), ledger.CodeOverCap, "welfare-caps", "member m2"},

		// Guizhou: 500 for the Spring Festival, 200 for each other festival.
		{"Guizhou Spring Festival at its cap", []ledger.Command{guizhou}, spring("R1", "500.00", "m1"), "", "", ""},
		{"Guizhou Spring Festival over", []ledger.Command{guizhou}, spring("R1", "500.01", "m1"),
			ledger.CodeOverCap, "welfare-caps", "cap of 500.00 yuan per member for that festival"},
		{"Guizhou Spring Festival across rounds", []ledger.Command{guizhou, spring("R1", "300.00", "m1")},
			spring("R2", "200.01", "m1"), ledger.CodeOverCap, "welfare-caps", "spring_festival"},
		{"Guizhou other festival at its cap", []ledger.Command{guizhou, spring("R1", "500.00", "m1")},
			round("R2", "2025-09-15", fest, "mid_autumn", "200.00", "goods", "m1"), "", "", ""},
		{"Guizhou other festival over", []ledger.Command{guizhou},
			round("R1", "2025-09-15", fest, "mid_autumn", "200.01", "goods", "m1"), ledger.CodeOverCap, "welfare-caps", "200.00"},
		{"Guizhou each other festival has its own cap", []ledger.Command{guizhou, round("R1", "2025-06-01", fest, "dragon_boat", "200.00", "goods", "m1")},
			round("R2", "2025-09-15", fest, "mid_autumn", "200.00", "goods", "m1"), "", "", ""},
		{"Guizhou same festival twice", []ledger.Command{guizhou, round("R1", "2025-09-01", fest, "mid_autumn", "150.00", "goods", "m1")},
			round("R2", "2025-09-15", fest, "mid_autumn", "50.01", "goods", "m1"), ledger.CodeOverCap, "welfare-caps", "mid_autumn"},

		// Festivals.
		{"approved ethnic festival", []ledger.Command{guizhou},
			round("R1", "2025-11-20", fest, "miao_new_year", "200.00", "goods", "m1"), "", "", ""},
		{"ethnic festival not approved here", []ledger.Command{anhui},
			round("R1", "2025-11-20", fest, "miao_new_year", "100.00", "goods", "m1"), ledger.CodeNotFestival, "welfare-festivals", "miao_new_year"},
		{"not a festival", []ledger.Command{anhui},
			round("R1", "2025-12-25", fest, "christmas", "100.00", "goods", "m1"), ledger.CodeNotFestival, "welfare-festivals", "christmas"},
		{"festival round without festival", []ledger.Command{anhui},
			round("R1", "2025-10-01", fest, "", "100.00", "goods", "m1"), ledger.CodeInvalid, "", ""},
		{"festival on a birthday round", []ledger.Command{anhui},
			round("R1", "2025-10-01", events.OccasionBirthday, "national_day", "100.00", "goods", "m1"), ledger.CodeInvalid, "", ""},

		// Forms.
		{"Anhui forbids cash", []ledger.Command{anhui}, round("R1", "2025-01-20", fest, "spring_festival", "100.00", "cash", "m1"),
			ledger.CodeProhibited, "welfare-form", "cash"},
		{"Anhui forbids shopping cards", []ledger.Command{anhui}, round("R1", "2025-01-20", fest, "spring_festival", "100.00", "card", "m1"),
			ledger.CodeProhibited, "welfare-form", "card"},
		{"Anhui forbids vouchers", []ledger.Command{anhui}, round("R1", "2025-06-01", events.OccasionBirthday, "", "100.00", "voucher", "m1"),
			ledger.CodeProhibited, "welfare-form", "voucher"},
		{"Guizhou allows cash", []ledger.Command{guizhou}, round("R1", "2025-01-20", fest, "spring_festival", "100.00", "cash", "m1"), "", "", ""},
		{"not a form", []ledger.Command{anhui}, round("R1", "2025-01-20", fest, "spring_festival", "100.00", "gold", "m1"), ledger.CodeInvalid, "", ""},

		// Policy.
		{"no policy at all", nil, spring("R1", "100.00", "m1"), ledger.CodeStateConflict, "welfare-policy", "no welfare policy for 2025"},
		{"no policy for the round's year", []ledger.Command{anhui},
			round("R1", "2026-01-01", fest, "new_year", "100.00", "goods", "m1"), ledger.CodeStateConflict, "welfare-policy", "2026"},
		{"occasion the policy does not cap", []ledger.Command{ledgertest.Policy("h1", "pol", "2025", map[string]any{
			"caps": map[string]string{"festival": "1000.00"}, "festivals": []string{"spring_festival"}, "forms": []string{"goods"}})},
			round("R1", "2025-06-01", events.OccasionBirthday, "", "100.00", "goods", "m1"), ledger.CodeProhibited, "welfare-caps", "birthday"},
		{"policy with no festival gifts", []ledger.Command{ledgertest.Policy("h1", "pol", "2025", map[string]any{
			"caps": map[string]string{"birthday": "300.00"}, "forms": []string{"goods"}})},
			spring("R1", "100.00", "m1"), ledger.CodeProhibited, "welfare-caps", ""},
		{"a later policy for the year replaces the earlier", []ledger.Command{anhui, ledgertest.HubeiPolicy("h1", "2025", "1200.00")},
			spring("R1", "1200.01", "m1"), ledger.CodeOverCap, "welfare-caps", "湖北"},

		// Members.
		{"unknown member", []ledger.Command{anhui}, spring("R1", "100.00", "m1", "m9"), ledger.CodeUnknownPerson, "people-registered", "m9"},
		{"erased member", []ledger.Command{anhui}, spring("R1", "100.00", "p-gone"), ledger.CodePersonErased, "personal-data", "p-gone"},
		{"not a member", []ledger.Command{anhui}, spring("R1", "100.00", "p-outsider"), ledger.CodeProhibited, "welfare-members", "p-outsider"},
		{"member twice", []ledger.Command{anhui}, spring("R1", "100.00", "m1", "m1"), ledger.CodeInvalid, "", ""},

		// The round and its expense.
		{"planned by the chair", []ledger.Command{anhui}, asActor(ledgertest.Chair, spring("R1", "100.00", "m1")), ledger.CodeWrongRole, "role-required", ""},
		{"not a welfare account", []ledger.Command{anhui}, ledgertest.Cmd("R1:plan", "plan_welfare_round", "h1", ledgertest.Treasurer, "2025-01-20", map[string]any{
			"round": "R1", "occasion": "festival", "festival": "spring_festival", "standard": "100.00", "form": "goods",
			"members": []string{"m1"}, "supplier": "x", "account": "50401"}), ledger.CodeUnknownAccount, "", ""},
		{"administration is not welfare", []ledger.Command{anhui}, ledgertest.Cmd("R1:plan", "plan_welfare_round", "h1", ledgertest.Treasurer, "2025-01-20", map[string]any{
			"round": "R1", "occasion": "festival", "festival": "spring_festival", "standard": "100.00", "form": "goods",
			"members": []string{"m1"}, "supplier": "x", "account": "504"}), ledger.CodeUnknownAccount, "welfare-account", ""},
		{"round id used", []ledger.Command{anhui, spring("R1", "100.00", "m1")}, spring("R1", "100.00", "m2"), ledger.CodeStateConflict, "welfare-round", ""},
		{"round id used by an expense", []ledger.Command{anhui, ledgertest.Request("h1", "R1", "2025-01-10", "50102", "10.00", "x", "y")},
			spring("R1", "100.00", "m2"), ledger.CodeStateConflict, "welfare-round", ""},
		{"zero standard", []ledger.Command{anhui}, spring("R1", "0.00", "m1"), ledger.CodeInvalidAmount, "", ""},

		// Cancelling or rejecting a round releases its amounts.
		{"cancelled round released", []ledger.Command{anhui, spring("R1", "2000.00", "m1"), cancel("R1")},
			spring("R2", "2000.00", "m1"), "", "", ""},
		{"rejected round released", []ledger.Command{anhui, spring("R1", "2000.00", "m1"),
			ledgertest.Cmd("R1:reject", "reject_expense", "h1", ledgertest.Chair, "2025-01-21", map[string]string{"expense": "R1", "reason": "超标准"})},
			spring("R2", "2000.00", "m1"), "", "", ""},
		{"expense cancelled directly releases", []ledger.Command{anhui, spring("R1", "2000.00", "m1"),
			ledgertest.Cmd("R1:cancel-expense", "cancel_expense", "h1", ledgertest.Treasurer, "2025-01-21", map[string]string{"expense": "R1"})},
			spring("R2", "2000.00", "m1"), "", "", ""},
		{"cancel twice", []ledger.Command{anhui, spring("R1", "100.00", "m1"), cancel("R1")}, cancel("R1"), ledger.CodeAlreadyDecided, "welfare-round", ""},
		{"cancel unknown round", []ledger.Command{anhui}, cancel("R9"), ledger.CodeUnknownRef, "welfare-round", ""},
		{"cancel by someone else", []ledger.Command{anhui, spring("R1", "100.00", "m1")}, asActor(ledgertest.Chair, cancel("R1")), ledger.CodeWrongRole, "role-required", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := welfareState(t, tc.before...)
			drafts, err := ledger.Decide(st, tc.cmd)
			checkRefusal(t, err, tc.code, tc.rule)
			if err != nil && tc.msg != "" && !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("refusal %q does not say %q", err, tc.msg)
			}
			if err == nil && len(drafts) == 0 {
				t.Fatal("accepted but wrote nothing")
			}
		})
	}
}

// TestPlanWelfareRoundEvents checks that a round requests its expense in
// the same command: the round's total (standard × headcount) to the
// supplier, on the round's account, with the round's id.
func TestPlanWelfareRoundEvents(t *testing.T) {
	st := welfareState(t, ledgertest.AnhuiPolicy("h1", "2025"))
	drafts, err := ledger.Decide(st, spring("R1", "350.50", "m1", "m2", "m3"))
	if err != nil {
		t.Fatal(err)
	}
	want := events.WelfareRoundPlanned{Round: "R1", Occasion: "festival", Festival: "spring_festival", Standard: 35050,
		Form: "goods", Members: []string{"m1", "m2", "m3"}, Total: 105150, Supplier: "市百货公司", Account: "50104",
		Date: "2025-01-20", Expense: "R1"}
	if len(drafts) != 2 || !reflect.DeepEqual(drafts[0].Payload, want) {
		t.Fatalf("drafts: %+v", drafts)
	}
	req, ok := drafts[1].Payload.(events.ExpenseRequested)
	if !ok || req.Expense != "R1" || req.Amount != 105150 || req.Account != "50104" || req.Payee != "市百货公司" ||
		req.Purpose != ledger.WelfarePurpose(want) {
		t.Fatalf("expense request: %+v", drafts[1].Payload)
	}
}

// TestCancelApprovedRound checks that a round can no longer be cancelled
// once the chair signed its expense: the signature stands, and the ledger
// has no way to void an approved expense.
func TestCancelApprovedRound(t *testing.T) {
	st := welfareState(t, ledgertest.AnhuiPolicy("h1", "2025"), spring("R1", "100.00", "m1"))
	approve, ok, err := ledgertest.ApprovePending(st, "h1", "R1", "2025-01-21")
	if err != nil || !ok {
		t.Fatalf("pending expense R1: %v %v", ok, err)
	}
	st.Do(approve)
	_, err = ledger.Decide(st, ledgertest.Cmd("R1:cancel", "cancel_welfare_round", "h1", ledgertest.Treasurer, "2025-02-01", map[string]string{"round": "R1"}))
	checkRefusal(t, err, ledger.CodeStateConflict, "welfare-round")
	// The approved round still counts against the cap.
	_, err = ledger.Decide(st, spring("R2", "1900.01", "m1"))
	checkRefusal(t, err, ledger.CodeOverCap, "welfare-caps")
}

func TestAdoptWelfarePolicy(t *testing.T) {
	base := func() map[string]any {
		return map[string]any{"caps": map[string]string{"festival": "2000.00", "birthday": "300.00"},
			"festivals": []string{"spring_festival", "new_year"}, "forms": []string{"goods", "card"}}
	}
	with := func(k string, v any) map[string]any { d := base(); d[k] = v; return d }
	tests := []struct {
		name string
		cmd  ledger.Command
		code ledger.Code
	}{
		{"Anhui", ledgertest.AnhuiPolicy("h1", "2025"), ""},
		{"Hubei", ledgertest.HubeiPolicy("h1", "2025", "1200.00"), ""},
		{"Guizhou", ledgertest.GuizhouPolicy("h1", "2025"), ""},
		{"by the administrator", asActor(ledgertest.Admin, ledgertest.Policy("h1", "p", "2025", base())), ""},
		{"by the treasurer", asActor(ledgertest.Treasurer, ledgertest.Policy("h1", "p", "2025", base())), ledger.CodeWrongRole},
		{"unknown occasion", ledgertest.Policy("h1", "p", "2025", with("caps", map[string]string{"lottery": "1.00"})), ledger.CodeInvalid},
		{"float cap", ledgertest.Policy("h1", "p", "2025", with("caps", map[string]string{"birthday": "3e2"})), ledger.CodeInvalidAmount},
		{"zero cap", ledgertest.Policy("h1", "p", "2025", with("caps", map[string]string{"birthday": "0"})), ledger.CodeInvalidAmount},
		{"festival cap for a festival not allowed", ledgertest.Policy("h1", "p", "2025", with("festival_caps", map[string]string{"christmas": "1.00"})), ledger.CodeInvalid},
		{"unknown form", ledgertest.Policy("h1", "p", "2025", with("forms", []string{"gold"})), ledger.CodeInvalid},
		{"no forms", ledgertest.Policy("h1", "p", "2025", with("forms", []string{})), ledger.CodeInvalid},
		{"festival caps without festivals", ledgertest.Policy("h1", "p", "2025", with("festivals", []string{})), ledger.CodeInvalid},
		{"nothing capped", ledgertest.Policy("h1", "p", "2025", with("caps", map[string]string{})), ledger.CodeInvalid},
		{"bad year", ledgertest.Policy("h1", "p", "25", base()), ledger.CodeInvalid},
		{"duplicate festival", ledgertest.Policy("h1", "p", "2025", with("festivals", []string{"new_year", "new_year"})), ledger.CodeInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ledger.Decide(ledgertest.State(t, "h1"), tc.cmd)
			checkRefusal(t, err, tc.code, "")
		})
	}
}

// TestWelfarePolicyEvent checks the adopted policy's event: caps and lists
// sorted whatever the command's order, so equal policies encode equally.
func TestWelfarePolicyEvent(t *testing.T) {
	drafts, err := ledger.Decide(ledgertest.State(t, "h1"), ledgertest.GuizhouPolicy("h1", "2025"))
	if err != nil {
		t.Fatal(err)
	}
	p := drafts[0].Payload.(events.WelfarePolicyAdopted)
	if p.Province != "贵州" || p.Year != "2025" || p.OtherFestivalCap != 20000 ||
		!reflect.DeepEqual(p.FestivalCaps, []events.FestivalCap{{Festival: "spring_festival", Amount: 50000}}) ||
		!reflect.DeepEqual(p.Forms, []string{"card", "cash", "goods"}) || p.Festivals[0] != "dragon_boat" {
		t.Fatalf("policy: %+v", p)
	}
	for i := 1; i < len(p.Caps); i++ {
		if p.Caps[i-1].Occasion >= p.Caps[i].Occasion {
			t.Fatalf("caps not sorted: %+v", p.Caps)
		}
	}
	if _, ok := (ledger.WelfarePolicy{WelfarePolicyAdopted: p}).Cap(events.OccasionFestival); ok {
		t.Fatal("Guizhou sets no yearly festival total")
	}
}
