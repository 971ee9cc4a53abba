package projections

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"github.com/unionledger/unionledger/events"
)

// Exports of an org's postings, streamed event by event from e/ in org
// sequence order: memory stays bounded however long the history. Only
// what the log's envelope and the chart say is written (sequence, dates,
// type, event id, aggregate id, accounts, amounts); no payload text (payee,
// purpose, memo, reasons) and nothing sealed, so no personal data can reach
// an export.

// ExportOptions selects the postings to export: as of a point, and with
// accounting dates in [From, To] (either empty: unbounded).
type ExportOptions struct {
	At       AsOf
	From, To string
}

// CSVHeader is the header row of the CSV export.
var CSVHeader = []string{"seq", "date", "type", "event_id", "account", "account_name_zh", "account_name_en", "debit", "credit", "memo"}

// safeRef matches what an export may print of an aggregate: a kind and an
// id of the ledger's id alphabet (events.ValidID), no spaces or text.
var safeRef = regexp.MustCompile(`^[a-z][a-z-]{0,31}(:[A-Za-z0-9][A-Za-z0-9._:-]{0,63})?$`)

// exportEvent is one money event as exports see it.
type exportEvent struct {
	env      events.Envelope
	postings []events.Posting
	memo     string
}

// memoOf describes an event without its payload's text: its type, its
// aggregate when that is a plain id, and for a reversal the sequence it
// reverses.
func memoOf(env events.Envelope, p events.Payload) string {
	m := env.Type
	if safeRef.MatchString(env.Aggregate) {
		m += " " + env.Aggregate
	}
	if r, ok := p.(events.ReversalPosted); ok {
		m += " reverses seq " + strconv.FormatUint(r.OriginalSeq, 10)
	}
	return m
}

// eachMoneyEvent calls fn for every event of org that posts money and is
// selected by opt, in org sequence order.
func (s *Store) eachMoneyEvent(ctx context.Context, org string, opt ExportOptions, fn func(exportEvent) error) error {
	var ferr error
	to := opt.At.Seq
	err := s.Events(org, 1, to, func(_ uint64, st events.Stored) bool {
		if ferr = ctx.Err(); ferr != nil {
			return false
		}
		env, err := events.Decode(st.Data)
		if err != nil {
			ferr = err
			return false
		}
		if !opt.At.includes(env.Seq, env.Date) || (opt.From != "" && env.Date < opt.From) || (opt.To != "" && env.Date > opt.To) {
			return true
		}
		p, err := events.DecodePayload(env)
		if err != nil {
			ferr = err
			return false
		}
		ps := p.Postings()
		if len(ps) == 0 {
			return true
		}
		ferr = fn(exportEvent{env: env, postings: ps, memo: memoOf(env, p)})
		return ferr == nil
	})
	if err != nil {
		return err
	}
	return ferr
}

// ExportCSV writes the org's postings as CSV that Excel opens correctly in
// Chinese: UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting,
// a header row (CSVHeader), then one row per posting line. Debit and credit
// are yuan strings: a positive posting is a debit, a negative one (credits,
// and the red-ink lines of a reversal) a credit. It returns the number of
// posting rows written.
func (s *Store) ExportCSV(ctx context.Context, w io.Writer, org string, opt ExportOptions) (int, error) {
	_, chart, err := s.orgChart(org)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(CSVHeader); err != nil {
		return 0, err
	}
	rows := 0
	err = s.eachMoneyEvent(ctx, org, opt, func(e exportEvent) error {
		for _, p := range e.postings {
			a, _ := chart.Account(p.Account)
			debit, credit := "", ""
			if p.Amount >= 0 {
				debit = p.Amount.Yuan()
			} else {
				credit = (-p.Amount).Yuan()
			}
			if err := cw.Write([]string{strconv.FormatUint(e.env.Seq, 10), e.env.Date, e.env.Type, e.env.ID,
				p.Account, a.NameZH, a.NameEN, debit, credit, e.memo}); err != nil {
				return err
			}
			rows++
		}
		return nil
	})
	if err != nil {
		return rows, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return rows, err
	}
	return rows, bw.Flush()
}

// HledgerCommodity is the commodity of every amount in the hledger journal.
const HledgerCommodity = "CNY"

// hledgerTop is the top-level hledger account of each class, named so that
// hledger infers the account types (and declared with them as well).
var hledgerTop = map[events.Class]struct{ name, typ string }{
	events.Asset:     {"assets", "A"},
	events.Liability: {"liabilities", "L"},
	events.NetAsset:  {"equity", "E"},
	events.Income:    {"revenues", "R"},
	events.Expense:   {"expenses", "X"},
}

// PostingLine is one line of the JSON-lines export: the CSV's columns, with
// amounts in fen beside the yuan strings (debit or credit, the other zero).
type PostingLine struct {
	Seq       uint64     `json:"seq"`
	Date      string     `json:"date"`
	Type      string     `json:"type"`
	EventID   string     `json:"event_id"`
	Account   string     `json:"account"`
	NameZH    string     `json:"account_name_zh"`
	NameEN    string     `json:"account_name_en"`
	DebitFen  events.Fen `json:"debit_fen"`
	Debit     string     `json:"debit"`
	CreditFen events.Fen `json:"credit_fen"`
	Credit    string     `json:"credit"`
	Memo      string     `json:"memo"`
}

// ExportJSONLines writes one JSON object (PostingLine) per posting line, for
// programs; it returns the number of lines.
func (s *Store) ExportJSONLines(ctx context.Context, w io.Writer, org string, opt ExportOptions) (int, error) {
	_, chart, err := s.orgChart(org)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	rows := 0
	err = s.eachMoneyEvent(ctx, org, opt, func(e exportEvent) error {
		for _, p := range e.postings {
			a, _ := chart.Account(p.Account)
			l := PostingLine{Seq: e.env.Seq, Date: e.env.Date, Type: e.env.Type, EventID: e.env.ID, Account: p.Account,
				NameZH: a.NameZH, NameEN: a.NameEN, Memo: e.memo}
			if p.Amount >= 0 {
				l.DebitFen = p.Amount
			} else {
				l.CreditFen = -p.Amount
			}
			l.Debit, l.Credit = l.DebitFen.Yuan(), l.CreditFen.Yuan()
			if err := enc.Encode(l); err != nil {
				return err
			}
			rows++
		}
		return nil
	})
	if err != nil {
		return rows, err
	}
	return rows, bw.Flush()
}

// HledgerAccount is the hledger account name of a chart account: its
// class's top-level account, then "<code> <name_zh>", a sub-account under
// its parent: `assets:102 银行存款`, `expenses:501 职工活动支出:50102 文体活动费`.
func HledgerAccount(chart events.Chart, code string) string {
	a, ok := chart.Account(code)
	if !ok {
		return "unknown:" + code
	}
	name := hledgerTop[a.Class].name + ":"
	if len(code) > 3 {
		if p, ok := chart.Account(code[:3]); ok {
			name += p.Code + " " + p.NameZH + ":"
		}
	}
	return name + a.Code + " " + a.NameZH
}

// ExportJournal writes the org's postings as an hledger journal: commodity
// and account declarations (with types and the English names), then one
// transaction per money event in org sequence order, dated by its
// accounting date, with the sequence as its code, the type and aggregate as
// its description and the event id and type as tags; postings carry
// amounts in CNY with two decimals, and balance. It returns the number of
// transactions written.
func (s *Store) ExportJournal(ctx context.Context, w io.Writer, org string, opt ExportOptions) (int, error) {
	_, chart, err := s.orgChart(org)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "; unionledger journal of %s, chart of accounts %s\n", org, chart.Version)
	switch {
	case opt.At.Seq > 0:
		fmt.Fprintf(bw, "; as of org sequence %d\n", opt.At.Seq)
	case opt.At.Date != "":
		fmt.Fprintf(bw, "; as of accounting date %s\n", opt.At.Date)
	}
	if opt.From != "" || opt.To != "" {
		fmt.Fprintf(bw, "; accounting dates %s to %s\n", or(opt.From, "the beginning"), or(opt.To, "the end"))
	}
	fmt.Fprintf(bw, "\ncommodity %s 1000.00\n\n", HledgerCommodity)
	for _, a := range chart.Accounts() {
		fmt.Fprintf(bw, "account %s  ; type: %s\n    ; %s\n", HledgerAccount(chart, a.Code), hledgerTop[a.Class].typ, a.NameEN)
	}
	n := 0
	err = s.eachMoneyEvent(ctx, org, opt, func(e exportEvent) error {
		// A failed write (the client went away) stops the export.
		if _, err := fmt.Fprintf(bw, "\n%s (%d) %s  ; event:%s, type:%s\n", e.env.Date, e.env.Seq, e.memo, e.env.ID, e.env.Type); err != nil {
			return err
		}
		for _, p := range e.postings {
			fmt.Fprintf(bw, "    %s  %s %s\n", HledgerAccount(chart, p.Account), HledgerCommodity, p.Amount.Yuan())
		}
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
