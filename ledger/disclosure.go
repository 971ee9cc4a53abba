package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/unionledger/unionledger/events"
)

// DisclosureState answers the queries of the rules of the public disclosure board (会务公开), questions and objections.
type DisclosureState interface {
	// HolidayCalendar returns the union's adopted calendar for a year.
	HolidayCalendar(org, year string) (holidays, workdays []string, ok bool, err error)
	// Disclosure returns a disclosure item, and false if there is none.
	Disclosure(org, item string) (DisclosureInfo, bool, error)
	// Question returns a member's question, and false if there is none.
	Question(org, question string) (QuestionInfo, bool, error)
	// Objection returns an objection to a relief notice, and false if there is none.
	Objection(org, objection string) (ObjectionInfo, bool, error)
	// OpenObjections counts the unresolved objections to an item.
	OpenObjections(org, item string) (int, error)
	// NoticeEnded reports whether item is a published (not superseded)
	// relief notice whose notice period ended before date.
	NoticeEnded(org, item, date string) (bool, error)
	// PostedBetween is the debit-positive net of the postings to account
	// with accounting dates from through to (YYYY-MM-DD, both included):
	// the books' figure a period summary discloses.
	PostedBetween(org, account, from, to string) (events.Fen, error)
}

// ItemState is where a disclosure item is in its life: drafted → approved
// → published, and published → superseded when a correction replaces it.
// There is no way back and no withdrawal: what members saw stays visible.
type ItemState string

// The states of a disclosure item.
const (
	ItemDrafted    ItemState = "drafted"
	ItemApproved   ItemState = "approved"
	ItemPublished  ItemState = "published"
	ItemSuperseded ItemState = "superseded"
)

// DisclosureInfo is what the rules know of a disclosure item.
type DisclosureInfo struct {
	Kind         events.DisclosureKind
	State        ItemState
	Title        string
	Body         events.DisclosureBody
	Drafter      string
	Approver     string
	PublishedOn  string // accounting date of publication
	Supersedes   string // the item this one corrects
	SupersededBy string // the correction that replaced this one
}

// QuestionInfo is what the rules know of a member's question.
type QuestionInfo struct {
	Item     string
	Asker    string
	Answered bool
	Answer   string // id of the answer item
}

// ObjectionInfo is what the rules know of an objection to a relief notice.
type ObjectionInfo struct {
	Item     string
	Objector string
	Resolved bool
	Outcome  events.ObjectionOutcome
}

// Who drafts what. Each kind is drafted by the office that holds its
// facts: the treasurer and chair the money, the relief officer the relief
// roster (DOMAIN: 帮扶专干 keeps the hardship files), the funds-review
// committee its own findings (it records them; the chair, whose spending
// they judge, does not), and the committee or chair a corrected answer.
var disclosureDrafters = map[events.DisclosureKind][]events.Role{
	events.DisclosurePeriodSummary: {events.RoleTreasurer, events.RoleChair},
	events.DisclosureBudgetFinal:   {events.RoleTreasurer, events.RoleChair},
	events.DisclosureWelfareRound:  {events.RoleTreasurer, events.RoleChair},
	events.DisclosureReliefNotice:  {events.RoleReliefOfficer, events.RoleTreasurer, events.RoleChair},
	events.DisclosureLargeExpense:  {events.RoleTreasurer, events.RoleChair},
	events.DisclosureAuditFindings: {events.RoleReview},
	events.DisclosureAnswer:        {events.RoleChair, events.RoleCommittee},
}

var disclosureCommands = map[string]spec{
	"adopt_holiday_calendar": {decide: decideAdoptHolidayCalendar, roles: roles(events.RoleAdmin, events.RoleChair)},
	"draft_disclosure": {decide: decideDraftDisclosure, roles: roles(events.RoleTreasurer, events.RoleChair,
		events.RoleReliefOfficer, events.RoleReview, events.RoleCommittee)},
	"approve_disclosure":   {decide: decideApproveDisclosure, roles: roles(events.RoleCommittee, events.RoleChair)},
	"publish_disclosure":   {decide: decidePublishDisclosure, roles: roles(events.RoleChair, events.RoleAdmin)},
	"supersede_disclosure": {decide: decideSupersedeDisclosure, roles: roles(events.RoleChair, events.RoleAdmin)},
	"ask_question":         {decide: decideAskQuestion, roles: roles(events.RoleMember)},
	"answer_question":      {decide: decideAnswerQuestion, roles: roles(events.RoleChair, events.RoleCommittee)},
	"object_to_notice":     {decide: decideObjectToNotice, roles: roles(events.RoleMember)},
	"resolve_objection":    {decide: decideResolveObjection, roles: roles(events.RoleCommittee, events.RoleChair)},
}

// Bounds of the disclosure rules.
const (
	// MinNoticeWorkingDays is the shortest public notice of relief: at
	// least five working days (DOMAIN rule 8, 公示不少于5个工作日).
	MinNoticeWorkingDays = 5
	// maxNoticeDays bounds a notice period in calendar days. It is a
	// sanity bound against typing errors (a notice until 2052), not a
	// domain rule.
	maxNoticeDays = 90
	maxTitle      = 200
	maxText       = 2000
	maxLines      = 200
	// maxSummaryYears bounds the period of a summary, again a sanity
	// bound: unions disclose quarters, half-years and years.
	maxSummaryYears = 10
)

// ---------------------------------------------------------------------
// Working days

// Calendar tells working days from rest days. Saturdays and Sundays are
// rest days unless listed as make-up working days (调休上班); listed
// holidays are rest days. Which days are statutory holidays changes every
// year (the State Council's notice) and may differ locally, so the union's
// holiday calendar is policy data, to be recorded by a policy event: until
// that event exists, rules use the weekend-only calendar (workCalendar).
type Calendar struct {
	holidays map[int64]bool // day numbers (days since 1970-01-01)
	workdays map[int64]bool
}

// NewCalendar builds a calendar from holiday dates and make-up working
// days, all YYYY-MM-DD. A day cannot be both.
func NewCalendar(holidays, workdays []string) (Calendar, error) {
	c := Calendar{holidays: map[int64]bool{}, workdays: map[int64]bool{}}
	for _, d := range holidays {
		n, err := dayNumber(d)
		if err != nil {
			return Calendar{}, fmt.Errorf("ledger: holiday %q: %w", d, err)
		}
		c.holidays[n] = true
	}
	for _, d := range workdays {
		n, err := dayNumber(d)
		if err != nil {
			return Calendar{}, fmt.Errorf("ledger: working day %q: %w", d, err)
		}
		if c.holidays[n] {
			return Calendar{}, fmt.Errorf("ledger: %s is listed both as a holiday and as a working day", d)
		}
		c.workdays[n] = true
	}
	return c, nil
}

// dayNumber is the number of days from 1970-01-01 to a YYYY-MM-DD date.
func dayNumber(date string) (int64, error) {
	if !events.ValidDate(date) {
		return 0, errors.New("not a date (YYYY-MM-DD)")
	}
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return 0, err
	}
	return discFloorDiv(t.Unix(), 86400), nil
}

func discFloorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// isWeekend reports whether day number n is a Saturday or Sunday
// (1970-01-01 was a Thursday).
func isWeekend(n int64) bool {
	w := (n%7 + 7 + 3) % 7 // 0 = Monday … 6 = Sunday
	return w >= 5
}

func (c Calendar) working(n int64) bool {
	if c.holidays[n] {
		return false
	}
	return !isWeekend(n) || c.workdays[n]
}

// WorkingDay reports whether date (YYYY-MM-DD) is a working day.
func (c Calendar) WorkingDay(date string) (bool, error) {
	n, err := dayNumber(date)
	if err != nil {
		return false, err
	}
	return c.working(n), nil
}

// WorkingDays counts the working days from from to to, both included; 0
// when to is before from. It takes time in the number of listed days, not
// in the length of the range.
func (c Calendar) WorkingDays(from, to string) (int64, error) {
	a, err := dayNumber(from)
	if err != nil {
		return 0, err
	}
	b, err := dayNumber(to)
	if err != nil {
		return 0, err
	}
	if b < a {
		return 0, nil
	}
	n := b - a + 1
	count := n / 7 * 5
	for d := a + n/7*7; d <= b; d++ {
		if !isWeekend(d) {
			count++
		}
	}
	for d := range c.holidays {
		if d >= a && d <= b && !isWeekend(d) {
			count--
		}
	}
	for d := range c.workdays {
		if d >= a && d <= b && isWeekend(d) {
			count++
		}
	}
	return count, nil
}

// EarliestEnd is the first date on which a period starting on from holds
// n working days (n ≥ 1): the earliest lawful end of a notice.
func (c Calendar) EarliestEnd(from string, n int) (string, error) {
	a, err := dayNumber(from)
	if err != nil {
		return "", err
	}
	// Every week has at least one working day unless a whole week is
	// declared holiday; the bound keeps a malformed calendar from looping.
	for d, left := a, n; d < a+int64(n)*7+400; d++ {
		if c.working(d) {
			left--
			if left <= 0 {
				return time.Unix(d*86400, 0).UTC().Format(time.DateOnly), nil
			}
		}
	}
	return "", fmt.Errorf("ledger: no %d working days after %s in this calendar", n, from)
}

// workCalendar is the union's working-day calendar for the years from
// through to (YYYY): the holiday calendars it adopted (policy data). A year
// without one counts weekends only, which can make a notice spanning a
// statutory holiday end too early — so adopt each year's calendar.
func workCalendar(st State, org, from, to string) (Calendar, error) {
	var holidays, workdays []string
	for y := from; y <= to; y = nextYear(y) {
		h, w, _, err := st.HolidayCalendar(org, y)
		if err != nil {
			return Calendar{}, err
		}
		holidays, workdays = append(holidays, h...), append(workdays, w...)
	}
	return NewCalendar(holidays, workdays)
}

func nextYear(y string) string {
	n, _ := strconv.Atoi(y)
	return fmt.Sprintf("%04d", n+1)
}

// decideAdoptHolidayCalendar records a year's holidays and make-up working
// days; a later calendar for the same year replaces it for notices drafted
// afterwards.
func decideAdoptHolidayCalendar(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Year     string   `json:"year"`
		Holidays []string `json:"holidays"`
		Workdays []string `json:"workdays"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if len(in.Year) != 4 || !events.ValidDate(in.Year+"-01-01") {
		return nil, errField(cmd.Type, "year", "must be YYYY")
	}
	if len(in.Holidays)+len(in.Workdays) > 366 {
		return nil, errField(cmd.Type, "holidays", "too many days")
	}
	for _, d := range append(append([]string{}, in.Holidays...), in.Workdays...) {
		if !events.ValidDate(d) || d[:4] != in.Year {
			return nil, ruleErr(CodeInvalid, "working-days", "%q is not a date in %s", d, in.Year)
		}
	}
	if _, err := NewCalendar(in.Holidays, in.Workdays); err != nil {
		return nil, ruleErr(CodeInvalid, "working-days", "%v", err)
	}
	sort.Strings(in.Holidays)
	sort.Strings(in.Workdays)
	return []events.Draft{{Date: cmd.Date, Payload: events.HolidayCalendarAdopted{
		Year: in.Year, Holidays: nonNil(in.Holidays), Workdays: nonNil(in.Workdays)}}}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ---------------------------------------------------------------------
// Personal data guard

// ruleNoPersonalData names the guard in errors and docs/rules.md.
const ruleNoPersonalData = "no-personal-data"

// personalNumber tells whether s contains something that looks like a
// resident ID number (18 characters: 17 digits and a digit or X), a
// mobile phone number (11 digits starting with 1) or a bank account
// number (12–19 digits), also written in full-width digits or in groups
// separated by single spaces or hyphens (138 1234 5678, 6222-0212-…). It
// returns what it looks like, or "". It errs on the side of refusing: a
// refused text can be rephrased, a published ID number cannot be unpublished.
func personalNumber(s string) string {
	var run []string // digit groups of the current run
	var cur []byte
	flush := func() string {
		if len(cur) > 0 {
			run = append(run, string(cur))
			cur = cur[:0]
		}
		what := numberGroups(run)
		run = run[:0]
		return what
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := discNormDigit(rs[i])
		switch {
		case r >= '0' && r <= '9':
			cur = append(cur, byte(r))
		case (r == 'X' || r == 'x') && len(cur) > 0:
			cur = append(cur, 'X')
			run = append(run, string(cur))
			cur = cur[:0]
			if what := flush(); what != "" {
				return what
			}
		case discIsSeparator(r) && len(cur) > 0 && i+1 < len(rs) && discIsDigit(discNormDigit(rs[i+1])):
			run = append(run, string(cur))
			cur = cur[:0]
		default:
			if what := flush(); what != "" {
				return what
			}
		}
	}
	return flush()
}

func discNormDigit(r rune) rune {
	switch {
	case r >= '０' && r <= '９':
		return '0' + (r - '０')
	case r == 'Ｘ' || r == 'ｘ':
		return 'X'
	}
	return r
}

func discIsDigit(r rune) bool { return r >= '0' && r <= '9' }

func discIsSeparator(r rune) bool {
	return r == ' ' || r == '-' || r == '\u00a0' || r == '\u3000' || r == '－'
}

func discAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// numberGroups classifies one run of digit groups.
func numberGroups(g []string) string {
	id := func(s string) bool {
		return len(s) == 18 && discAllDigits(s[:17]) && (discIsDigit(rune(s[17])) || s[17] == 'X')
	}
	for _, s := range g {
		switch {
		case id(s):
			return "a resident ID number"
		case discAllDigits(s) && len(s) == 11 && s[0] == '1':
			return "a mobile phone number"
		case discAllDigits(s) && len(s) >= 12 && len(s) <= 19:
			return "a bank account number"
		}
	}
	lens := func(i int, want ...int) bool {
		if i+len(want) > len(g) {
			return false
		}
		for k, n := range want {
			if len(g[i+k]) != n {
				return false
			}
		}
		return true
	}
	for i := range g {
		if lens(i, 3, 4, 4) && g[i][0] == '1' && discAllDigits(g[i]+g[i+1]+g[i+2]) {
			return "a mobile phone number"
		}
		if lens(i, 6, 8, 4) && id(g[i]+g[i+1]+g[i+2]) {
			return "a resident ID number"
		}
		// bank numbers are printed in groups of four, the last one shorter
		total := 0
		for j := i; j < len(g) && discAllDigits(g[j]); j++ {
			total += len(g[j])
			if j-i >= 2 && len(g[j]) <= 4 && total >= 12 && total <= 19 {
				return "a bank account number"
			}
			if len(g[j]) != 4 {
				break
			}
		}
	}
	return ""
}

// noPersonalData refuses a free-text field that carries an ID, phone or
// bank number. The message names the field, never the value: errors are
// logged, and the value is what must not spread.
func noPersonalData(cmd Command, field, s string) error {
	if what := personalNumber(s); what != "" {
		return ruleErr(CodeProhibited, ruleNoPersonalData,
			"%s: %s looks like it contains %s; personal data is never disclosed or written to the log", cmd.Type, field, what)
	}
	return nil
}

// noPersonalDataIn runs the guard on every string inside v (a body struct,
// recursively through pointers, slices and structs), naming fields by
// their JSON path. Walking the value rather than listing fields means a
// field added to a body later is guarded without anyone remembering to.
func noPersonalDataIn(cmd Command, path string, v reflect.Value) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return noPersonalDataIn(cmd, path, v.Elem())
	case reflect.String:
		return noPersonalData(cmd, path, v.String())
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if err := noPersonalDataIn(cmd, fmt.Sprintf("%s[%d]", path, i), v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == "" {
				name = t.Field(i).Name
			}
			if err := noPersonalDataIn(cmd, path+"."+name, v.Field(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// MaskedName reports whether s is a masked name as the relief roster may
// show it: the first character, one or more '*', and the last character
// (张*明, 欧阳** is not: the last character stays, 欧**娜), or for a
// two-character name the first character and one '*' (张*). Names in
// other scripts follow the same shape (J*n).
func MaskedName(s string) bool {
	rs := []rune(s)
	if len(rs) < 2 || len(rs) > 10 || !maskLetter(rs[0]) {
		return false
	}
	if len(rs) == 2 {
		return rs[1] == '*'
	}
	for _, r := range rs[1 : len(rs)-1] {
		if r != '*' {
			return false
		}
	}
	return maskLetter(rs[len(rs)-1])
}

func maskLetter(r rune) bool { return r != '*' && unicode.IsLetter(r) }

// ---------------------------------------------------------------------
// Commands

// disclosureText checks a free-text field: required or not, at most limit bytes of
// valid UTF-8, and free of personal numbers.
func disclosureText(cmd Command, field, s string, required bool, limit int) error {
	if required && strings.TrimSpace(s) == "" {
		return errField(cmd.Type, field, "is required")
	}
	if len(s) > limit || !utf8.ValidString(s) {
		return errField(cmd.Type, field, fmt.Sprintf("must be valid UTF-8 of at most %d bytes", limit))
	}
	return noPersonalData(cmd, field, s)
}

func disclosureItem(st State, cmd Command, id string) (DisclosureInfo, error) {
	if !events.ValidID(id) {
		return DisclosureInfo{}, errField(cmd.Type, "item", "must be an item id")
	}
	info, ok, err := st.Disclosure(cmd.Org, id)
	if err != nil {
		return DisclosureInfo{}, err
	}
	if !ok {
		return DisclosureInfo{}, ruleErr(CodeUnknownRef, "disclosure-lifecycle", "disclosure item %q does not exist", id)
	}
	return info, nil
}

// holdsAnyRole reports whether the actor holds one of the roles now.
func holdsAnyRole(st State, cmd Command, rs []events.Role) (bool, error) {
	for _, r := range rs {
		ok, err := st.HasRole(cmd.Org, cmd.Actor, r)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// discDecode decodes a nested object of command data strictly.
func discDecode(cmd Command, field string, raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return errField(cmd.Type, field, "is required")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return Errorf(CodeInvalid, "%s: %s: field %q has the wrong type (%s)", cmd.Type, field, ute.Field, ute.Value)
		}
		return Errorf(CodeMalformed, "%s: %s: %v", cmd.Type, field, err)
	}
	if dec.More() {
		return Errorf(CodeMalformed, "%s: %s: trailing data", cmd.Type, field)
	}
	return nil
}

// discAmountOrZero parses a yuan amount that may be zero (a budget line with
// nothing spent).
func discAmountOrZero(field, s string) (events.Fen, error) {
	v, err := events.ParseYuan(s)
	if err != nil {
		return 0, ruleErr(CodeInvalidAmount, "money-format", "%s %q: %v", field, s, err)
	}
	return v, nil
}

func discBodyErr(cmd Command, format string, args ...any) error {
	return ruleErr(CodeInvalid, "disclosure-body", "%s: %s", cmd.Type, fmt.Sprintf(format, args...))
}

func decideDraftDisclosure(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Item  string                `json:"item"`
		Kind  events.DisclosureKind `json:"kind"`
		Title string                `json:"title"`
		Body  json.RawMessage       `json:"body"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if !events.ValidID(in.Item) {
		return nil, errField(cmd.Type, "item", "must be an item id")
	}
	if err := noPersonalData(cmd, "item", in.Item); err != nil { // ids are shown on the board too
		return nil, err
	}
	if !in.Kind.Valid() {
		return nil, errField(cmd.Type, "kind", "must be one of period_summary, budget_final_accounts, welfare_round, relief_notice, large_expense, audit_findings, answer")
	}
	if ok, err := holdsAnyRole(st, cmd, disclosureDrafters[in.Kind]); err != nil {
		return nil, err
	} else if !ok {
		names := ""
		for i, r := range disclosureDrafters[in.Kind] {
			if i > 0 {
				names += " or "
			}
			zh, en := r.Names()
			names += en + " (" + zh + ")"
		}
		return nil, ruleErr(CodeWrongRole, "disclosure-drafter", "a %s item is drafted by the %s; %s does not hold that role", in.Kind, names, cmd.Actor)
	}
	if err := disclosureText(cmd, "title", in.Title, true, maxTitle); err != nil {
		return nil, err
	}
	if _, ok, err := st.Disclosure(cmd.Org, in.Item); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeStateConflict, "disclosure-lifecycle", "disclosure item %q already exists; a published item is corrected by a new item that supersedes it", in.Item)
	}
	body, err := draftBody(st, cmd, in.Kind, in.Body)
	if err != nil {
		return nil, err
	}
	if err := noPersonalDataIn(cmd, "body", reflect.ValueOf(body)); err != nil {
		return nil, err
	}
	if body.Kind() != in.Kind { // a programming error in draftBody
		return nil, fmt.Errorf("ledger: draft body of kind %q for an item of kind %q", body.Kind(), in.Kind)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.DisclosureDrafted{
		Item: in.Item, Kind: in.Kind, Title: in.Title, Body: body,
	}}}, nil
}

// draftBody decodes and validates the body of one kind. Command bodies
// carry decimal yuan strings; event bodies carry fen.
func draftBody(st State, cmd Command, kind events.DisclosureKind, raw json.RawMessage) (events.DisclosureBody, error) {
	var b events.DisclosureBody
	var err error
	switch kind {
	case events.DisclosurePeriodSummary:
		b.PeriodSummary, err = periodSummaryBody(st, cmd, raw)
	case events.DisclosureBudgetFinal:
		b.BudgetFinal, err = budgetFinalBody(st, cmd, raw)
	case events.DisclosureWelfareRound:
		b.WelfareRound, err = welfareRoundBody(cmd, raw)
	case events.DisclosureReliefNotice:
		b.ReliefNotice, err = reliefNoticeBody(st, cmd, raw)
	case events.DisclosureLargeExpense:
		b.LargeExpense, err = largeExpenseBody(cmd, raw)
	case events.DisclosureAuditFindings:
		b.AuditFindings, err = auditFindingsBody(cmd, raw)
	case events.DisclosureAnswer:
		b.Answer, err = answerBody(st, cmd, raw)
	}
	return b, err
}

// summaryAccount checks that code is an income or expense account (a
// parent such as 501 or a sub-account) of the org's chart.
func summaryAccount(st State, cmd Command, code string) error {
	org, _, err := st.Org(cmd.Org)
	if err != nil {
		return err
	}
	chart, _ := events.ChartByVersion(org.Chart)
	if a, ok := chart.Account(code); ok && (a.Class == events.Income || a.Class == events.Expense) {
		return nil
	}
	return ruleErr(CodeUnknownAccount, "chart-versioned", "%s: account %q is not an income or expense account of chart %s", cmd.Type, code, chart.Version)
}

func discLineCount(cmd Command, n int) error {
	if n == 0 || n > maxLines {
		return discBodyErr(cmd, "needs 1–%d lines", maxLines)
	}
	return nil
}

// ruleSummaryBooks names the rule that a period summary shows the books.
const ruleSummaryBooks = "disclosure-summary-matches-books"

// ruleFinalBooks names the rule that final accounts show the books' actuals.
const ruleFinalBooks = "disclosure-final-accounts-match-books"

// periodSummaryBody drafts a summary from the books: without lines the
// ledger computes them; lines typed in must agree with the books, so what
// members see is what was posted, never a figure someone typed.
func periodSummaryBody(st State, cmd Command, raw json.RawMessage) (*events.PeriodSummaryBody, error) {
	var in struct {
		From  string `json:"from"`
		To    string `json:"to"`
		Lines []struct {
			Account string `json:"account"`
			Amount  string `json:"amount"`
		} `json:"lines"`
		Note string `json:"note"`
	}
	if err := discDecode(cmd, "body", raw, &in); err != nil {
		return nil, err
	}
	if !events.ValidDate(in.From) || !events.ValidDate(in.To) || in.To < in.From {
		return nil, discBodyErr(cmd, "from and to must be dates (YYYY-MM-DD), from ≤ to")
	}
	if y0, _ := strconv.Atoi(in.From[:4]); in.To >= fmt.Sprintf("%04d", y0+maxSummaryYears) {
		return nil, discBodyErr(cmd, "a summary covers at most %d years", maxSummaryYears)
	}
	if len(in.Lines) > maxLines {
		return nil, discBodyErr(cmd, "needs at most %d lines", maxLines)
	}
	if err := disclosureText(cmd, "body.note", in.Note, false, maxText); err != nil {
		return nil, err
	}
	books, err := summaryFromBooks(st, cmd.Org, in.From, in.To)
	if err != nil {
		return nil, err
	}
	out := &events.PeriodSummaryBody{From: in.From, To: in.To, Note: in.Note, Lines: books.Lines}
	if in.Lines == nil {
		return out, nil // drafted from the books
	}
	// Lines typed in: each must be the books' figure, and together they
	// must leave out no income or spending.
	seen := map[string]bool{}
	given := make([]events.SummaryLine, 0, len(in.Lines))
	for i, l := range in.Lines {
		if err := lineAccount(st, cmd, seen, l.Account); err != nil {
			return nil, err
		}
		amt, err := discAmountOrZero(fmt.Sprintf("lines[%d].amount", i), l.Amount)
		if err != nil {
			return nil, err
		}
		given = append(given, events.SummaryLine{Account: l.Account, Amount: amt})
	}
	for i, l := range given {
		if want := books.Amount[l.Account]; l.Amount != want {
			return nil, ruleErr(CodeInvalid, ruleSummaryBooks,
				"%s: lines[%d] gives account %s as %s, but the books show %s posted from %s to %s; omit lines to draft them from the books",
				cmd.Type, i, l.Account, l.Amount.Yuan(), want.Yuan(), in.From, in.To)
		}
	}
	for _, l := range books.Lines {
		if books.Top[l.Account] && l.Amount != 0 && !seen[l.Account] {
			return nil, ruleErr(CodeInvalid, ruleSummaryBooks,
				"%s: the lines leave out account %s, which shows %s from %s to %s; a summary lists every income and expense account with postings (omit lines to draft them from the books)",
				cmd.Type, l.Account, l.Amount.Yuan(), in.From, in.To)
		}
	}
	out.Lines = given
	return out, nil
}

// booksSummary is income and spending by account over a period, as the
// books show them: amounts on each account's normal side (income and
// expense positive; a reversal can make one negative), a parent account's
// amount the total of its sub-accounts.
type booksSummary struct {
	// Lines are every top-level income and expense account of the chart
	// (401–408, 501–508, and 509 where the chart has it), zero or not, and
	// each sub-account whose amount is not zero, in chart order.
	Lines []events.SummaryLine
	// Amount is the figure of every income and expense account, parents
	// and sub-accounts alike (zero when absent).
	Amount map[string]events.Fen
	// Top tells the top-level accounts.
	Top map[string]bool
}

// summaryFromBooks computes the lines of a period summary for [from, to]
// from the postings with accounting dates in the period: one
// PostedBetween per income and expense account of the org's chart.
func summaryFromBooks(st State, org, from, to string) (booksSummary, error) {
	info, _, err := st.Org(org)
	if err != nil {
		return booksSummary{}, err
	}
	chart, _ := events.ChartByVersion(info.Chart)
	var accts []events.Account
	for _, a := range chart.Accounts() {
		if a.Class == events.Income || a.Class == events.Expense {
			accts = append(accts, a)
		}
	}
	own := make(map[string]events.Fen, len(accts))
	for _, a := range accts {
		d, err := st.PostedBetween(org, a.Code, from, to)
		if err != nil {
			return booksSummary{}, err
		}
		if a.Normal() == events.Credit {
			d = -d
		}
		own[a.Code] = d
	}
	out := booksSummary{Amount: make(map[string]events.Fen, len(accts)), Top: map[string]bool{}}
	for _, a := range accts {
		top := true
		var total events.Fen
		for _, b := range accts {
			if strings.HasPrefix(b.Code, a.Code) {
				total += own[b.Code] // the account itself and its sub-accounts
			}
			if len(b.Code) < len(a.Code) && strings.HasPrefix(a.Code, b.Code) {
				top = false
			}
		}
		out.Amount[a.Code], out.Top[a.Code] = total, top
		if top || total != 0 {
			out.Lines = append(out.Lines, events.SummaryLine{Account: a.Code, Amount: total})
		}
	}
	return out, nil
}

func budgetFinalBody(st State, cmd Command, raw json.RawMessage) (*events.BudgetFinalBody, error) {
	var in struct {
		Year  string `json:"year"`
		Lines []struct {
			Account string `json:"account"`
			Budget  string `json:"budget"`
			Actual  string `json:"actual"`
		} `json:"lines"`
		ReviewOpinion string `json:"review_opinion"`
		ReviewedOn    string `json:"reviewed_on"`
	}
	if err := discDecode(cmd, "body", raw, &in); err != nil {
		return nil, err
	}
	if len(in.Year) != 4 || !events.ValidDate(in.Year+"-01-01") {
		return nil, discBodyErr(cmd, "year must be YYYY")
	}
	if err := discLineCount(cmd, len(in.Lines)); err != nil {
		return nil, err
	}
	out := &events.BudgetFinalBody{Year: in.Year, ReviewOpinion: in.ReviewOpinion, ReviewedOn: in.ReviewedOn}
	// The actual figures of the final accounts (决算) are the books' for the
	// year, as for a period summary: members see what was posted.
	books, err := summaryFromBooks(st, cmd.Org, in.Year+"-01-01", in.Year+"-12-31")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, l := range in.Lines {
		if err := lineAccount(st, cmd, seen, l.Account); err != nil {
			return nil, err
		}
		budget, err := discAmountOrZero(fmt.Sprintf("lines[%d].budget", i), l.Budget)
		if err != nil {
			return nil, err
		}
		actual, err := discAmountOrZero(fmt.Sprintf("lines[%d].actual", i), l.Actual)
		if err != nil {
			return nil, err
		}
		if want := books.Amount[l.Account]; actual != want {
			return nil, ruleErr(CodeInvalid, ruleFinalBooks,
				"%s: lines[%d] gives the actual of account %s as %s, but the books show %s posted in %s",
				cmd.Type, i, l.Account, actual.Yuan(), want.Yuan(), in.Year)
		}
		out.Lines = append(out.Lines, events.FinalAccountsLine{Account: l.Account, Budget: budget, Actual: actual})
	}
	// The final accounts are disclosed with the funds-review committee's
	// opinion, never without it (DOMAIN "What members see").
	if strings.TrimSpace(in.ReviewOpinion) == "" {
		return nil, ruleErr(CodeInvalid, "disclosure-body", "%s: final accounts are disclosed with the funds-review committee's (经审会) opinion: review_opinion is required", cmd.Type)
	}
	if err := disclosureText(cmd, "body.review_opinion", in.ReviewOpinion, true, maxText); err != nil {
		return nil, err
	}
	if !events.ValidDate(in.ReviewedOn) {
		return nil, discBodyErr(cmd, "reviewed_on must be a date (YYYY-MM-DD)")
	}
	return out, nil
}

func welfareRoundBody(cmd Command, raw json.RawMessage) (*events.WelfareRoundBody, error) {
	var in struct {
		Round     string `json:"round"`
		Standard  string `json:"standard"`
		Headcount int64  `json:"headcount"`
		Total     string `json:"total"`
	}
	if err := discDecode(cmd, "body", raw, &in); err != nil {
		return nil, err
	}
	if err := disclosureText(cmd, "body.round", in.Round, true, maxTitle); err != nil {
		return nil, err
	}
	std, err := amount("standard", in.Standard)
	if err != nil {
		return nil, err
	}
	total, err := amount("total", in.Total)
	if err != nil {
		return nil, err
	}
	if in.Headcount <= 0 || in.Headcount > 10_000_000 {
		return nil, discBodyErr(cmd, "headcount must be 1–10000000")
	}
	// std ≤ MaxFen (10^14) and headcount ≤ 10^7 cannot overflow int64.
	if want := std * events.Fen(in.Headcount); want != total {
		return nil, discBodyErr(cmd, "total %s is not standard %s × headcount %d = %s", total.Yuan(), std.Yuan(), in.Headcount, want.Yuan())
	}
	return &events.WelfareRoundBody{Round: in.Round, Standard: std, Headcount: in.Headcount, Total: total}, nil
}

func reliefNoticeBody(st State, cmd Command, raw json.RawMessage) (*events.ReliefNoticeBody, error) {
	var in struct {
		NoticeStart string `json:"notice_start"`
		NoticeEnd   string `json:"notice_end"`
		Entries     []struct {
			Case   string `json:"case"`
			Name   string `json:"name"`
			Kind   string `json:"kind"`
			Amount string `json:"amount"`
		} `json:"entries"`
	}
	if err := discDecode(cmd, "body", raw, &in); err != nil {
		return nil, err
	}
	if err := discLineCount(cmd, len(in.Entries)); err != nil {
		return nil, err
	}
	out := &events.ReliefNoticeBody{NoticeStart: in.NoticeStart, NoticeEnd: in.NoticeEnd}
	for i, e := range in.Entries {
		// The name is checked first: an unmasked name is the one mistake
		// here that harms someone.
		if err := noPersonalData(cmd, fmt.Sprintf("body.entries[%d].name", i), e.Name); err != nil {
			return nil, err
		}
		if !MaskedName(e.Name) {
			return nil, ruleErr(CodeProhibited, ruleNoPersonalData,
				"%s: body.entries[%d].name must be a masked name such as 张*明 (first and last character, '*' between) or 张* for a two-character name; a relief roster shows nothing else of the person", cmd.Type, i)
		}
		if e.Case != "" && !events.ValidID(e.Case) {
			return nil, discBodyErr(cmd, "entries[%d].case must be a relief case id", i)
		}
		k := events.ReliefKind(e.Kind)
		if !k.Valid() {
			return nil, discBodyErr(cmd, "entries[%d].kind must be hardship, warmth, education, medical or accident", i)
		}
		amt, err := amount(fmt.Sprintf("entries[%d].amount", i), e.Amount)
		if err != nil {
			return nil, err
		}
		out.Entries = append(out.Entries, events.ReliefEntry{Case: e.Case, Name: e.Name, Kind: k, Amount: amt})
	}
	a, errA := dayNumber(in.NoticeStart)
	b, errB := dayNumber(in.NoticeEnd)
	if errA != nil || errB != nil || b < a {
		return nil, discBodyErr(cmd, "notice_start and notice_end must be dates (YYYY-MM-DD), start ≤ end")
	}
	if b-a+1 > maxNoticeDays {
		return nil, discBodyErr(cmd, "a notice period longer than %d days is not accepted", maxNoticeDays)
	}
	cal, err := workCalendar(st, cmd.Org, in.NoticeStart[:4], in.NoticeEnd[:4])
	if err != nil {
		return nil, err
	}
	n, err := cal.WorkingDays(in.NoticeStart, in.NoticeEnd)
	if err != nil {
		return nil, err
	}
	if n < MinNoticeWorkingDays {
		end, err := cal.EarliestEnd(in.NoticeStart, MinNoticeWorkingDays)
		if err != nil {
			return nil, err
		}
		return nil, ruleErr(CodeNoticePeriod, "relief-notice-period",
			"%s: a relief notice runs at least %d working days; %s to %s has %d, so it may end on %s at the earliest",
			cmd.Type, MinNoticeWorkingDays, in.NoticeStart, in.NoticeEnd, n, end)
	}
	return out, nil
}

func largeExpenseBody(cmd Command, raw json.RawMessage) (*events.LargeExpenseBody, error) {
	var in struct {
		Expense   string `json:"expense"`
		Purpose   string `json:"purpose"`
		Payee     string `json:"payee"`
		Amount    string `json:"amount"`
		DecidedOn string `json:"decided_on"`
		SignedOn  string `json:"signed_on"`
	}
	if err := discDecode(cmd, "body", raw, &in); err != nil {
		return nil, err
	}
	if in.Expense != "" && !events.ValidID(in.Expense) {
		return nil, discBodyErr(cmd, "expense must be an expense id")
	}
	if err := disclosureText(cmd, "body.purpose", in.Purpose, true, maxText); err != nil {
		return nil, err
	}
	if err := disclosureText(cmd, "body.payee", in.Payee, true, maxTitle); err != nil {
		return nil, err
	}
	amt, err := amount("amount", in.Amount)
	if err != nil {
		return nil, err
	}
	if !events.ValidDate(in.DecidedOn) || !events.ValidDate(in.SignedOn) {
		return nil, discBodyErr(cmd, "decided_on and signed_on must be dates (YYYY-MM-DD)")
	}
	// The collective decision comes before the chair signs (DOMAIN rule 3).
	if in.SignedOn < in.DecidedOn {
		return nil, discBodyErr(cmd, "signed_on %s is before decided_on %s: the collective decision comes before the signature", in.SignedOn, in.DecidedOn)
	}
	return &events.LargeExpenseBody{Expense: in.Expense, Purpose: in.Purpose, Payee: in.Payee, Amount: amt,
		DecidedOn: in.DecidedOn, SignedOn: in.SignedOn}, nil
}

func auditFindingsBody(cmd Command, raw json.RawMessage) (*events.AuditFindingsBody, error) {
	var in struct {
		Audit    string `json:"audit"`
		Scope    string `json:"scope"`
		Findings []struct {
			Finding       string `json:"finding"`
			Rectification string `json:"rectification"`
			Detail        string `json:"detail"`
		} `json:"findings"`
	}
	if err := discDecode(cmd, "body", raw, &in); err != nil {
		return nil, err
	}
	if in.Audit != "" && !events.ValidID(in.Audit) {
		return nil, discBodyErr(cmd, "audit must be an audit id")
	}
	if err := disclosureText(cmd, "body.scope", in.Scope, true, maxText); err != nil {
		return nil, err
	}
	if err := discLineCount(cmd, len(in.Findings)); err != nil {
		return nil, err
	}
	out := &events.AuditFindingsBody{Audit: in.Audit, Scope: in.Scope}
	for i, f := range in.Findings {
		if err := disclosureText(cmd, fmt.Sprintf("body.findings[%d].finding", i), f.Finding, true, maxText); err != nil {
			return nil, err
		}
		if err := disclosureText(cmd, fmt.Sprintf("body.findings[%d].detail", i), f.Detail, false, maxText); err != nil {
			return nil, err
		}
		r := events.RectificationState(f.Rectification)
		if !r.Valid() {
			return nil, discBodyErr(cmd, "findings[%d].rectification must be open, in_progress or rectified", i)
		}
		out.Findings = append(out.Findings, events.DisclosedFinding{Finding: f.Finding, Rectification: r, Detail: f.Detail})
	}
	return out, nil
}

// answerBody is a drafted answer: a correction of an answer already given
// (answer_question publishes first answers directly).
func answerBody(st State, cmd Command, raw json.RawMessage) (*events.AnswerBody, error) {
	var in struct {
		Question string `json:"question"`
		Text     string `json:"text"`
	}
	if err := discDecode(cmd, "body", raw, &in); err != nil {
		return nil, err
	}
	q, err := questionByID(st, cmd, in.Question)
	if err != nil {
		return nil, err
	}
	if err := disclosureText(cmd, "body.text", in.Text, true, maxText); err != nil {
		return nil, err
	}
	return &events.AnswerBody{Question: in.Question, Item: q.Item, Text: in.Text}, nil
}

func discItemIn(cmd Command) (string, error) {
	var in struct {
		Item string `json:"item"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return "", err
	}
	return in.Item, nil
}

func decideApproveDisclosure(st State, cmd Command) ([]events.Draft, error) {
	id, err := discItemIn(cmd)
	if err != nil {
		return nil, err
	}
	it, err := disclosureItem(st, cmd, id)
	if err != nil {
		return nil, err
	}
	if it.State != ItemDrafted {
		return nil, ruleErr(CodeAlreadyDecided, "disclosure-lifecycle", "disclosure item %q is already %s", id, it.State)
	}
	// Four eyes: what the union tells its members is checked by someone
	// other than who wrote it.
	if it.Drafter == cmd.Actor {
		return nil, ruleErr(CodeSelfApproval, "disclosure-four-eyes", "%s drafted disclosure item %q and cannot approve it", cmd.Actor, id)
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.DisclosureApproved{Item: id}}}, nil
}

// publishable checks that an item is approved and not yet public.
func publishable(cmd Command, id string, it DisclosureInfo) error {
	switch it.State {
	case ItemDrafted:
		return ruleErr(CodeNotApproved, "disclosure-lifecycle", "disclosure item %q is not approved yet", id)
	case ItemPublished, ItemSuperseded:
		return ruleErr(CodeAlreadyDecided, "disclosure-lifecycle", "disclosure item %q is already published", id)
	}
	// A notice only counts from the day it is up: publishing after its
	// start would shorten it below what the roster promises.
	if n := it.Body.ReliefNotice; n != nil && cmd.Date > n.NoticeStart {
		return ruleErr(CodeNoticePeriod, "relief-notice-period",
			"relief notice %q starts on %s and cannot be published later (%s); draft a notice with a later period", id, n.NoticeStart, cmd.Date)
	}
	return nil
}

func decidePublishDisclosure(st State, cmd Command) ([]events.Draft, error) {
	id, err := discItemIn(cmd)
	if err != nil {
		return nil, err
	}
	it, err := disclosureItem(st, cmd, id)
	if err != nil {
		return nil, err
	}
	if err := publishable(cmd, id, it); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.DisclosurePublished{Item: id}}}, nil
}

func decideSupersedeDisclosure(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Item     string `json:"item"`
		Replaces string `json:"replaces"`
		Reason   string `json:"reason"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if in.Item == in.Replaces {
		return nil, errField(cmd.Type, "item", "must differ from replaces")
	}
	old, err := disclosureItem(st, cmd, in.Replaces)
	if err != nil {
		return nil, err
	}
	switch old.State {
	case ItemDrafted, ItemApproved:
		return nil, ruleErr(CodeStateConflict, "disclosure-immutable", "disclosure item %q is not published; only a published item is superseded", in.Replaces)
	case ItemSuperseded:
		return nil, ruleErr(CodeAlreadyDecided, "disclosure-immutable", "disclosure item %q was already superseded by %q", in.Replaces, old.SupersededBy)
	}
	corr, err := disclosureItem(st, cmd, in.Item)
	if err != nil {
		return nil, err
	}
	if corr.State == ItemPublished || corr.State == ItemSuperseded {
		return nil, ruleErr(CodeStateConflict, "disclosure-immutable", "disclosure item %q is already published and cannot be a correction", in.Item)
	}
	if corr.Kind != old.Kind {
		return nil, ruleErr(CodeInvalid, "disclosure-immutable", "a %s item is corrected by a %s item, not by %q (%s)", old.Kind, old.Kind, in.Item, corr.Kind)
	}
	if err := publishable(cmd, in.Item, corr); err != nil {
		return nil, err
	}
	if err := disclosureText(cmd, "reason", in.Reason, true, maxText); err != nil {
		return nil, err
	}
	return []events.Draft{
		{Date: cmd.Date, Payload: events.DisclosurePublished{Item: in.Item, Supersedes: in.Replaces}},
		{Date: cmd.Date, Payload: events.DisclosureSuperseded{Item: in.Replaces, By: in.Item, Reason: in.Reason}},
	}, nil
}

func questionByID(st State, cmd Command, id string) (QuestionInfo, error) {
	if !events.ValidID(id) {
		return QuestionInfo{}, errField(cmd.Type, "question", "must be a question id")
	}
	q, ok, err := st.Question(cmd.Org, id)
	if err != nil {
		return QuestionInfo{}, err
	}
	if !ok {
		return QuestionInfo{}, ruleErr(CodeUnknownRef, "member-questions", "question %q does not exist", id)
	}
	return q, nil
}

// discPublic checks that members can see the item: published now or before
// (a superseded item stays on the board, marked).
func discPublic(st State, cmd Command, id string) (DisclosureInfo, error) {
	it, err := disclosureItem(st, cmd, id)
	if err != nil {
		return DisclosureInfo{}, err
	}
	if it.State != ItemPublished && it.State != ItemSuperseded {
		return DisclosureInfo{}, ruleErr(CodeStateConflict, "member-questions", "disclosure item %q is not published", id)
	}
	return it, nil
}

func decideAskQuestion(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Question string `json:"question"`
		Item     string `json:"item"`
		Text     string `json:"text"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if !events.ValidID(in.Question) {
		return nil, errField(cmd.Type, "question", "must be a question id")
	}
	if err := noPersonalData(cmd, "question", in.Question); err != nil {
		return nil, err
	}
	if _, ok, err := st.Question(cmd.Org, in.Question); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeStateConflict, "member-questions", "question %q already exists", in.Question)
	}
	if _, err := discPublic(st, cmd, in.Item); err != nil {
		return nil, err
	}
	if err := disclosureText(cmd, "text", in.Text, true, maxText); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.QuestionAsked{Question: in.Question, Item: in.Item, Text: in.Text}}}, nil
}

func decideAnswerQuestion(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Question string `json:"question"`
		Answer   string `json:"answer"`
		Text     string `json:"text"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	q, err := questionByID(st, cmd, in.Question)
	if err != nil {
		return nil, err
	}
	if q.Answered {
		return nil, ruleErr(CodeAlreadyDecided, "member-questions", "question %q was already answered (item %q); correct the answer by superseding it", in.Question, q.Answer)
	}
	if !events.ValidID(in.Answer) {
		return nil, errField(cmd.Type, "answer", "must be an item id for the answer")
	}
	if err := noPersonalData(cmd, "answer", in.Answer); err != nil {
		return nil, err
	}
	if _, ok, err := st.Disclosure(cmd.Org, in.Answer); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeStateConflict, "disclosure-lifecycle", "disclosure item %q already exists", in.Answer)
	}
	if err := disclosureText(cmd, "text", in.Text, true, maxText); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.QuestionAnswered{
		Question: in.Question, Item: q.Item, Answer: in.Answer, Text: in.Text,
	}}}, nil
}

func decideObjectToNotice(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Objection string `json:"objection"`
		Item      string `json:"item"`
		Text      string `json:"text"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if !events.ValidID(in.Objection) {
		return nil, errField(cmd.Type, "objection", "must be an objection id")
	}
	if err := noPersonalData(cmd, "objection", in.Objection); err != nil {
		return nil, err
	}
	if _, ok, err := st.Objection(cmd.Org, in.Objection); err != nil {
		return nil, err
	} else if ok {
		return nil, ruleErr(CodeStateConflict, "notice-objections", "objection %q already exists", in.Objection)
	}
	it, err := disclosureItem(st, cmd, in.Item)
	if err != nil {
		return nil, err
	}
	n := it.Body.ReliefNotice
	if n == nil {
		return nil, ruleErr(CodeInvalid, "notice-objections", "objections are raised against relief notices; %q is a %s item (ask a question instead)", in.Item, it.Kind)
	}
	switch it.State {
	case ItemDrafted, ItemApproved:
		return nil, ruleErr(CodeStateConflict, "notice-objections", "relief notice %q is not published", in.Item)
	case ItemSuperseded:
		return nil, ruleErr(CodeStateConflict, "notice-objections", "relief notice %q was superseded by %q; object to that one", in.Item, it.SupersededBy)
	}
	if cmd.Date < n.NoticeStart || cmd.Date > n.NoticeEnd {
		return nil, ruleErr(CodeNoticePeriod, "notice-objections", "the notice period of %q runs from %s to %s; %s is outside it", in.Item, n.NoticeStart, n.NoticeEnd, cmd.Date)
	}
	if err := disclosureText(cmd, "text", in.Text, true, maxText); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.ObjectionRaised{Objection: in.Objection, Item: in.Item, Text: in.Text}}}, nil
}

func decideResolveObjection(st State, cmd Command) ([]events.Draft, error) {
	var in struct {
		Objection string                  `json:"objection"`
		Outcome   events.ObjectionOutcome `json:"outcome"`
		Reason    string                  `json:"reason"`
	}
	if err := decodeData(cmd, &in); err != nil {
		return nil, err
	}
	if !events.ValidID(in.Objection) {
		return nil, errField(cmd.Type, "objection", "must be an objection id")
	}
	o, ok, err := st.Objection(cmd.Org, in.Objection)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ruleErr(CodeUnknownRef, "notice-objections", "objection %q does not exist", in.Objection)
	}
	if o.Resolved {
		return nil, ruleErr(CodeAlreadyDecided, "notice-objections", "objection %q was already resolved (%s)", in.Objection, o.Outcome)
	}
	if in.Outcome != events.ObjectionUpheld && in.Outcome != events.ObjectionDismissed {
		return nil, errField(cmd.Type, "outcome", "must be \"upheld\" or \"dismissed\"")
	}
	if err := disclosureText(cmd, "reason", in.Reason, true, maxText); err != nil {
		return nil, err
	}
	return []events.Draft{{Date: cmd.Date, Payload: events.ObjectionResolved{
		Objection: in.Objection, Item: o.Item, Outcome: in.Outcome, Reason: in.Reason,
	}}}, nil
}

// CheckReliefNotice is the gate the relief rules put before the committee
// decides on relief (DOMAIN rule 8: notice of at least five working days →
// objections resolved → committee decision): notice must be a published,
// current relief notice whose period ended before date, with no objection
// left open. It answers unknown_reference, state_conflict or notice_period.
func CheckReliefNotice(st DisclosureState, org, notice, date string) error {
	it, ok, err := st.Disclosure(org, notice)
	if err != nil {
		return err
	}
	if !ok || it.Body.ReliefNotice == nil {
		return ruleErr(CodeUnknownRef, "relief-notice-period", "%q is not a relief notice", notice)
	}
	if it.State != ItemPublished {
		return ruleErr(CodeStateConflict, "relief-notice-period", "relief notice %q is %s, not a published notice in force", notice, it.State)
	}
	ended, err := st.NoticeEnded(org, notice, date)
	if err != nil {
		return err
	}
	if !ended {
		return ruleErr(CodeNoticePeriod, "relief-notice-period", "the notice period of %q runs until %s; decide after it has ended", notice, it.Body.ReliefNotice.NoticeEnd)
	}
	open, err := st.OpenObjections(org, notice)
	if err != nil {
		return err
	}
	if open > 0 {
		return ruleErr(CodeNoticePeriod, "notice-objections", "relief notice %q has %d unresolved objection(s); resolve them first", notice, open)
	}
	return nil
}

// lineAccount checks one line's account of a summary or final accounts and
// that no line repeats it.
func lineAccount(st State, cmd Command, seen map[string]bool, account string) error {
	if err := summaryAccount(st, cmd, account); err != nil {
		return err
	}
	if seen[account] {
		return discBodyErr(cmd, "account %s is listed twice", account)
	}
	seen[account] = true
	return nil
}
