package http

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/projections"
)

// ReportQueries reads what the report and export endpoints show.
type ReportQueries interface {
	Statement(org, from, to string, at projections.AsOf) (projections.IncomeStatement, error)
	BalanceSheet(org, date string, at projections.AsOf) (projections.BalanceSheetReport, error)
	BudgetVsActualAsOf(org, year string, at projections.AsOf) (projections.BudgetExecution, error)
	WelfareByMember(org, year, member string, at projections.AsOf) (projections.WelfareReport, error)
	ExportCSV(ctx context.Context, w io.Writer, org string, opt projections.ExportOptions) (int, error)
	ExportJournal(ctx context.Context, w io.Writer, org string, opt projections.ExportOptions) (int, error)
	ExportJSONLines(ctx context.Context, w io.Writer, org string, opt projections.ExportOptions) (int, error)
}

func (s *Server) reportRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/orgs/{org}/reports/statement", s.books(s.view(s.getStatement)))
	mux.HandleFunc("GET /api/v1/orgs/{org}/reports/balance-sheet", s.books(s.view(s.getBalanceSheet)))
	mux.HandleFunc("GET /api/v1/orgs/{org}/reports/budget", s.books(s.view(s.getBudgetReport)))
	mux.HandleFunc("GET /api/v1/orgs/{org}/reports/welfare", s.books(s.view(s.getWelfareReport)))
	mux.HandleFunc("GET /api/v1/orgs/{org}/export.csv", s.books(s.getExport))
	mux.HandleFunc("GET /api/v1/orgs/{org}/export.journal", s.books(s.getExport))
	mux.HandleFunc("GET /api/v1/orgs/{org}/export.jsonl", s.books(s.getExport))
}

// ReportHead is what every report answer starts with: the org's head and
// the point the report was asked as of (none: now).
type ReportHead struct {
	HeadSeq  uint64 `json:"head_seq"`
	AsOfSeq  uint64 `json:"as_of_seq,omitempty"`
	AsOfDate string `json:"as_of_date,omitempty"`
}

// StatementJSON, BalanceSheetJSON, BudgetJSON and WelfareJSON are the
// report answers: the head, then the report's own fields.
type (
	StatementJSON struct {
		ReportHead
		projections.IncomeStatement
	}
	BalanceSheetJSON struct {
		ReportHead
		projections.BalanceSheetReport
	}
	BudgetJSON struct {
		ReportHead
		projections.BudgetExecution
	}
	WelfareJSON struct {
		ReportHead
		projections.WelfareReport
	}
)

var yearRe = regexp.MustCompile(`^[0-9]{4}$`)

// dateParam reads a YYYY-MM-DD query parameter; required ones may not be empty.
func dateParam(r *http.Request, name string, required bool) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" && !required {
		return "", nil
	}
	if v == "" {
		return "", ledger.Errorf(ledger.CodeInvalid, "give %s=YYYY-MM-DD", name)
	}
	if !events.ValidDate(v) {
		return "", ledger.Errorf(ledger.CodeInvalid, "%s %q must be a date YYYY-MM-DD", name, v)
	}
	return v, nil
}

// yearParam reads the required year=YYYY.
func yearParam(r *http.Request) (string, error) {
	v := r.URL.Query().Get("year")
	if v == "" {
		return "", ledger.Errorf(ledger.CodeInvalid, "give year=YYYY")
	}
	if !yearRe.MatchString(v) || v < "1900" {
		return "", ledger.Errorf(ledger.CodeInvalid, "year %q must be a calendar year YYYY", v)
	}
	return v, nil
}

// dateRange reads from and to; both required or both optional, from ≤ to.
func dateRange(r *http.Request, required bool) (from, to string, err error) {
	if from, err = dateParam(r, "from", required); err != nil {
		return "", "", err
	}
	if to, err = dateParam(r, "to", required); err != nil {
		return "", "", err
	}
	if from != "" && to != "" && from > to {
		return "", "", ledger.Errorf(ledger.CodeInvalid, "from %s is after to %s", from, to)
	}
	return from, to, nil
}

// reportHead is the org's head and the point a report was asked as of.
func (s *Server) reportHead(org string, at projections.AsOf) (ReportHead, error) {
	h, err := s.q.Head(org)
	return ReportHead{HeadSeq: h.Seq, AsOfSeq: at.Seq, AsOfDate: at.Date}, err
}

func (s *Server) getStatement(r *http.Request, org string, at projections.AsOf) (any, error) {
	from, to, err := dateRange(r, true)
	if err != nil {
		return nil, err
	}
	head, err := s.reportHead(org, at)
	if err != nil {
		return nil, err
	}
	st, err := s.q.Statement(org, from, to, at)
	return StatementJSON{head, st}, err
}

func (s *Server) getBalanceSheet(r *http.Request, org string, at projections.AsOf) (any, error) {
	date, err := dateParam(r, "date", true)
	if err != nil {
		return nil, err
	}
	head, err := s.reportHead(org, at)
	if err != nil {
		return nil, err
	}
	bs, err := s.q.BalanceSheet(org, date, at)
	return BalanceSheetJSON{head, bs}, err
}

func (s *Server) getBudgetReport(r *http.Request, org string, at projections.AsOf) (any, error) {
	year, err := yearParam(r)
	if err != nil {
		return nil, err
	}
	head, err := s.reportHead(org, at)
	if err != nil {
		return nil, err
	}
	b, err := s.q.BudgetVsActualAsOf(org, year, at)
	return BudgetJSON{head, b}, err
}

func (s *Server) getWelfareReport(r *http.Request, org string, at projections.AsOf) (any, error) {
	year, err := yearParam(r)
	if err != nil {
		return nil, err
	}
	member := r.URL.Query().Get("member")
	if member != "" {
		if !events.ValidID(member) {
			return nil, ledger.Errorf(ledger.CodeInvalid, "member %q is not a valid person id", member)
		}
		p, err := s.q.Person(org, member)
		if err != nil {
			return nil, err
		}
		if !p.Registered {
			return nil, ledger.Errorf(ledger.CodeNotFound, "person %q is not registered in %s", member, org)
		}
	}
	head, err := s.reportHead(org, at)
	if err != nil {
		return nil, err
	}
	rep, err := s.q.WelfareByMember(org, year, member, at)
	return WelfareJSON{head, rep}, err
}

// getExport streams every posting of the org (as of a point, optionally
// for accounting dates from–to) as CSV for Excel or as an hledger journal,
// as a download. Parameters are checked before the first byte; an error
// after it aborts the connection.
func (s *Server) getExport(w http.ResponseWriter, r *http.Request) {
	org, at, err := s.orgAsOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	from, to, err := dateRange(r, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opt := projections.ExportOptions{At: at, From: from, To: to}
	export, ctype, ext := s.q.ExportCSV, "text/csv; charset=utf-8; header=present", "csv"
	switch {
	case strings.HasSuffix(r.URL.Path, ".journal"):
		export, ctype, ext = s.q.ExportJournal, "text/plain; charset=utf-8", "journal"
	case strings.HasSuffix(r.URL.Path, ".jsonl"):
		export, ctype, ext = s.q.ExportJSONLines, "application/jsonl; charset=utf-8", "jsonl"
	}
	name := org + "-postings"
	switch {
	case at.Seq > 0:
		name += fmt.Sprintf("-seq%d", at.Seq)
	case at.Date != "":
		name += "-" + at.Date
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+"."+ext))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if _, err := export(r.Context(), w, org, opt); err != nil {
		if r.Context().Err() == nil {
			s.log.Error("export cut short", "org", org, "path", r.URL.Path, "err", err)
		}
		// Abort the connection rather than end the body cleanly, so the
		// client sees a truncated download as an error.
		panic(http.ErrAbortHandler)
	}
}
