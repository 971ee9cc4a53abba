// Package http serves the ledger's JSON API under /api/v1, plus /healthz
// and /readyz.
package http

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/projections"
)

// statusOf maps every error code to its HTTP status: the one table.
var statusOf = map[ledger.Code]int{
	ledger.CodeMalformed:       http.StatusBadRequest,
	ledger.CodeTooLarge:        http.StatusRequestEntityTooLarge,
	ledger.CodeUnknownCommand:  http.StatusBadRequest,
	ledger.CodeUnknownOrg:      http.StatusNotFound,
	ledger.CodeOrgExists:       http.StatusConflict,
	ledger.CodeInvalid:         http.StatusUnprocessableEntity,
	ledger.CodeInvalidAmount:   http.StatusUnprocessableEntity,
	ledger.CodeUnknownAccount:  http.StatusUnprocessableEntity,
	ledger.CodeDuplicateRecpt:  http.StatusConflict,
	ledger.CodeOverdraft:       http.StatusConflict,
	ledger.CodeCommandIDReused: http.StatusConflict,
	ledger.CodeWrongRole:       http.StatusForbidden,
	ledger.CodeUnknownPerson:   http.StatusUnprocessableEntity,
	ledger.CodePersonErased:    http.StatusGone,
	ledger.CodeStateConflict:   http.StatusConflict,
	ledger.CodeUnknownRef:      http.StatusUnprocessableEntity,
	ledger.CodeSelfApproval:    http.StatusForbidden,
	ledger.CodeAlreadyDecided:  http.StatusConflict,
	ledger.CodeNotApproved:     http.StatusConflict,
	ledger.CodeNeedsCollective: http.StatusConflict,
	ledger.CodeOverBudget:      http.StatusConflict,
	ledger.CodeOverCap:         http.StatusConflict,
	ledger.CodeNotFestival:     http.StatusUnprocessableEntity,
	ledger.CodeProhibited:      http.StatusUnprocessableEntity,
	ledger.CodeNoticePeriod:    http.StatusConflict,
	ledger.CodePeriodClosed:    http.StatusConflict,
	ledger.CodeBadSignature:    http.StatusForbidden,
	ledger.CodeKeyRevoked:      http.StatusForbidden,
	ledger.CodeUnauthenticated: http.StatusUnauthorized,
	ledger.CodeForbidden:       http.StatusForbidden,
	ledger.CodeNotFound:        http.StatusNotFound,
	ledger.CodeUnavailable:     http.StatusServiceUnavailable,
	ledger.CodeInternal:        http.StatusInternalServerError,
}

// StatusOf returns the HTTP status for an error code; unmapped codes are
// a bug and answer 500 (TestStatusTableCoversEveryCode guards the table).
func StatusOf(c ledger.Code) int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Submitter accepts commands: one waited for (Submit), or queued to be
// waited for later (Enqueue).
type Submitter interface {
	Submit(ctx context.Context, cmd ledger.Command) (ledger.Result, error)
	Enqueue(ctx context.Context, cmd ledger.Command) (ledger.Pending, error)
}

// Queries reads the projections.
type Queries interface {
	Org(org string) (ledger.OrgInfo, bool, error)
	Head(org string) (ledger.Head, error)
	Balances(org string, at projections.AsOf) ([]projections.AccountBalance, error)
	Events(org string, from, to uint64, fn func(seq uint64, st events.Stored) bool) error
	Expense(org, id string) (ledger.ExpenseInfo, bool, error)
	Person(org, person string) (ledger.PersonInfo, error)
	HasRole(org, person string, role events.Role) (bool, error)
	Changed() <-chan struct{}
	Failed() error
	ReportQueries
	TrailQueries
	FlagQueries
	BoardQueries
}

// Server is the HTTP API.
type Server struct {
	cmds Submitter
	q    Queries
	auth Authenticator // nil: the command's actor is trusted (tests, embedding)
	log  *slog.Logger
}

// Authenticator maps an API token to the union and person it acts for.
type Authenticator interface {
	Authenticate(token string) (org, person string, ok bool, err error)
}

// RequireTokens makes every command carry a bearer token that acts for the
// command's org and actor. `serve` always sets it unless told --no-auth.
func (s *Server) RequireTokens(a Authenticator) *Server {
	s.auth = a
	return s
}

// caller is who a request's token acts for; zero when tokens are off.
type caller struct{ org, person string }

// identify authenticates the request's bearer token, before anything of
// the body is looked at.
func (s *Server) identify(r *http.Request) (caller, error) {
	if s.auth == nil {
		return caller{}, nil
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return caller{}, ledger.Errorf(ledger.CodeUnauthenticated, "send an API token: Authorization: Bearer <token>")
	}
	org, person, ok, err := s.auth.Authenticate(token)
	if err != nil {
		return caller{}, err
	}
	if !ok {
		return caller{}, ledger.Errorf(ledger.CodeUnauthenticated, "the API token is not valid (revoked or mistyped)")
	}
	return caller{org, person}, nil
}

// bookReaders are the roles that may read a union's books, reports, audit
// trails, flags and events when tokens are required: those who keep,
// approve or audit the money — treasurer (会计、出纳), chair (工会主席),
// committee members (工会委员), the funds-review committee (经审会) and
// upper-level auditors (上级工会审计). Members read the public board; the
// books name people and their business, which members may not see of one
// another.
func bookReaders() []events.Role {
	return []events.Role{events.RoleTreasurer, events.RoleChair, events.RoleCommittee, events.RoleReview, events.RoleAuditor}
}

// readableBy guards a read endpoint under /api/v1/orgs/{org}/. With tokens
// required, the token must act for a person of that union who holds one of
// roles now, or, with self, who is the path's {person}. Without tokens
// (tests, embedding, --no-auth) everything is readable. The disclosure board
// is not wrapped: it is public (会务公开).
func (s *Server) readableBy(h http.HandlerFunc, self bool, roles ...events.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.auth == nil {
			h(w, r)
			return
		}
		c, err := s.identify(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		org := r.PathValue("org")
		if c.org != org {
			s.fail(w, r, ledger.Errorf(ledger.CodeForbidden, "this token acts for union %s, not %s", c.org, org))
			return
		}
		if self && c.person == r.PathValue("person") {
			h(w, r)
			return
		}
		for _, role := range roles {
			held, err := s.q.HasRole(org, c.person, role)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if held {
				h(w, r)
				return
			}
		}
		names := make([]string, len(roles))
		for i, role := range roles {
			zh, en := role.Names()
			names[i] = en + " (" + zh + ")"
		}
		s.fail(w, r, &ledger.Error{Code: ledger.CodeForbidden, Rule: "read-access", Message: fmt.Sprintf(
			"%s may read this only as %s; members read the public disclosure board", c.person, strings.Join(names, ", "))})
	}
}

// books guards an endpoint of the books (bookReaders).
func (s *Server) books(h http.HandlerFunc) http.HandlerFunc {
	return s.readableBy(h, false, bookReaders()...)
}

// allows checks that the caller may issue cmd: the token must act for the
// command's union and actor. What the actor may do is then up to the rules.
func (s *Server) allows(c caller, cmd ledger.Command) error {
	if s.auth == nil || (c.org == cmd.Org && c.person == cmd.Actor) {
		return nil
	}
	return ledger.Errorf(ledger.CodeForbidden, "this token acts for %s in union %s, not for %s in %s", c.person, c.org, cmd.Actor, cmd.Org)
}

// NewServer builds the API over the append service and the projections.
func NewServer(cmds Submitter, q Queries, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cmds: cmds, q: q, log: log}
}

// Handler routes the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/commands", s.postCommand)
	mux.HandleFunc("POST /api/v1/commands/batch", s.postBatch)
	mux.HandleFunc("GET /api/v1/orgs/{org}/balances", s.books(s.view(s.getBalances)))
	mux.HandleFunc("GET /api/v1/orgs/{org}/events", s.books(s.getEvents))
	mux.HandleFunc("GET /api/v1/orgs/{org}/expenses/{id}", s.books(s.getExpense))
	// A person's record (roles held, whether their data is sealed or
	// erased): the person, the administrator (管理员) and the book readers.
	mux.HandleFunc("GET /api/v1/orgs/{org}/people/{person}", s.readableBy(s.getPerson, true, append(bookReaders(), events.RoleAdmin)...))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", s.getReady)
	s.reportRoutes(mux)
	s.trailRoutes(mux)
	s.flagRoutes(mux)
	s.boardRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, ledger.Errorf(ledger.CodeNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return mux
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := ledger.ErrorCode(err)
	if code == ledger.CodeInternal {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, StatusOf(code), map[string]string{"code": string(code), "message": ledger.ErrorMessage(err)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func (s *Server) postCommand(w http.ResponseWriter, r *http.Request) {
	who, err := s.identify(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, ledger.MaxCommandBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.fail(w, r, ledger.Errorf(ledger.CodeTooLarge, "request body is over the %d-byte limit", ledger.MaxCommandBytes))
		return
	}
	if err != nil {
		s.fail(w, r, ledger.Errorf(ledger.CodeMalformed, "reading request body: %v", err))
		return
	}
	cmd, err := ledger.ParseCommand(body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.allows(who, cmd); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.cmds.Submit(r.Context(), cmd)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if res.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, res)
}

// balanceJSON is one account in API output: integer fen and a yuan string.
type balanceJSON struct {
	Code       string `json:"code"`
	NameZH     string `json:"name_zh"`
	NameEN     string `json:"name_en"`
	Class      string `json:"class"`
	BalanceFen int64  `json:"balance_fen"`
	Balance    string `json:"balance"`
}

func (s *Server) asOf(r *http.Request) (projections.AsOf, error) {
	var at projections.AsOf
	if v := r.URL.Query().Get("as_of_seq"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return at, ledger.Errorf(ledger.CodeInvalid, "as_of_seq %q must be a positive integer", v)
		}
		at.Seq = n
	}
	if v := r.URL.Query().Get("as_of_date"); v != "" {
		if !events.ValidDate(v) {
			return at, ledger.Errorf(ledger.CodeInvalid, "as_of_date %q must be YYYY-MM-DD", v)
		}
		at.Date = v
	}
	if at.Seq > 0 && at.Date != "" {
		return at, ledger.Errorf(ledger.CodeInvalid, "give as_of_seq or as_of_date, not both")
	}
	return at, nil
}

// viewFunc answers a read of one union (org, validated and opened) as of a
// point.
type viewFunc func(r *http.Request, org string, at projections.AsOf) (any, error)

// view serves a read-only view: it checks the org and the as-of parameters,
// runs fn and writes its answer as JSON; every refusal goes through the one
// code → status table.
func (s *Server) view(fn viewFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		org, at, err := s.orgAsOf(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := fn(r, org, at)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// orgAsOf is the org of the path (validated and opened) and the as-of point
// of the query.
func (s *Server) orgAsOf(r *http.Request) (string, projections.AsOf, error) {
	org, err := s.org(r)
	if err != nil {
		return "", projections.AsOf{}, err
	}
	at, err := s.asOf(r)
	return org, at, err
}

func (s *Server) org(r *http.Request) (string, error) {
	org := r.PathValue("org")
	if !events.ValidOrg(org) {
		return "", ledger.Errorf(ledger.CodeInvalid, "org %q is not a valid org name", org)
	}
	if _, ok, err := s.q.Org(org); err != nil {
		return "", err
	} else if !ok {
		return "", ledger.Errorf(ledger.CodeUnknownOrg, "org %q has not been opened", org)
	}
	return org, nil
}

func (s *Server) getBalances(_ *http.Request, org string, at projections.AsOf) (any, error) {
	head, err := s.q.Head(org)
	if err != nil {
		return nil, err
	}
	bals, err := s.q.Balances(org, at)
	if err != nil {
		return nil, err
	}
	out := struct {
		Org      string        `json:"org"`
		HeadSeq  uint64        `json:"head_seq"`
		AsOfSeq  uint64        `json:"as_of_seq,omitempty"`
		AsOfDate string        `json:"as_of_date,omitempty"`
		Accounts []balanceJSON `json:"accounts"`
	}{Org: org, HeadSeq: head.Seq, AsOfSeq: at.Seq, AsOfDate: at.Date, Accounts: []balanceJSON{}}
	for _, b := range bals {
		out.Accounts = append(out.Accounts, balanceJSON{
			Code: b.Account.Code, NameZH: b.Account.NameZH, NameEN: b.Account.NameEN, Class: string(b.Account.Class),
			BalanceFen: int64(b.Amount), Balance: b.Amount.Yuan(),
		})
	}
	return out, nil
}

// EventJSON is one event in API output: the stored envelope verbatim, its
// hash and stream position.
type EventJSON struct {
	StreamSeq uint64          `json:"stream_seq"`
	Hash      string          `json:"hash"`
	Event     json.RawMessage `json:"event"`
}

func (s *Server) getEvents(w http.ResponseWriter, r *http.Request) {
	org, err := s.org(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	from, limit := uint64(1), uint64(1000)
	if v := q.Get("from"); v != "" {
		if from, err = strconv.ParseUint(v, 10, 64); err != nil || from == 0 {
			s.fail(w, r, ledger.Errorf(ledger.CodeInvalid, "from %q must be a positive integer", v))
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.ParseUint(v, 10, 64); err != nil || limit == 0 || limit > 10000 {
			s.fail(w, r, ledger.Errorf(ledger.CodeInvalid, "limit %q must be 1–10000", v))
			return
		}
	}
	if q.Get("follow") == "true" {
		s.follow(w, r, org, from)
		return
	}
	out := []EventJSON{}
	to := from + limit - 1
	if to < from { // overflow: to the end
		to = 0
	}
	err = s.q.Events(org, from, to, func(_ uint64, st events.Stored) bool {
		out = append(out, EventJSON{StreamSeq: st.StreamSeq, Hash: events.HashOf(st.Data), Event: st.Data})
		return true
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"org": org, "events": out})
}

// follow streams events as JSON lines, from seq on, as they become durable,
// until the client goes away.
func (s *Server) follow(w http.ResponseWriter, r *http.Request, org string, from uint64) {
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	flusher, _ := w.(http.Flusher)
	next := from
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		changed := s.q.Changed()
		var werr error
		err := s.q.Events(org, next, 0, func(seq uint64, st events.Stored) bool {
			werr = enc.Encode(EventJSON{StreamSeq: st.StreamSeq, Hash: events.HashOf(st.Data), Event: st.Data})
			next = seq + 1
			return werr == nil
		})
		if err != nil || werr != nil {
			return
		}
		if bw.Flush() != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
		select {
		case <-changed:
		case <-keepalive.C:
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Server) getReady(w http.ResponseWriter, r *http.Request) {
	if err := s.q.Failed(); err != nil {
		s.fail(w, r, ledger.Errorf(ledger.CodeUnavailable, "projector stopped: %v", err))
		return
	}
	io.WriteString(w, "ready\n")
}

// getExpense returns an expense as requested and decided so far, with the
// exact statement the chair signs to approve it (base64), so a signing
// client never has to rebuild it: `unionledger sign` checks it against the
// request and shows it to the chair before signing.
func (s *Server) getExpense(w http.ResponseWriter, r *http.Request) {
	org, err := s.org(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if !events.ValidID(id) {
		s.fail(w, r, ledger.Errorf(ledger.CodeInvalid, "expense id %q is not valid", id))
		return
	}
	e, ok, err := s.q.Expense(org, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		s.fail(w, r, ledger.Errorf(ledger.CodeNotFound, "expense %q has not been requested in %s", id, org))
		return
	}
	writeJSON(w, http.StatusOK, ExpenseJSON{Org: org, Expense: e, Amount: e.Amount.Yuan(),
		ApprovalStatement: base64.StdEncoding.EncodeToString(ledger.ApprovalStatement(e.Terms(org)))})
}

// ExpenseJSON is an expense in API output.
type ExpenseJSON struct {
	Org     string             `json:"org"`
	Expense ledger.ExpenseInfo `json:"expense"`
	Amount  string             `json:"amount"` // the amount in yuan, for people
	// ApprovalStatement is the base64 of the bytes the chair signs to
	// approve the expense on its current terms.
	ApprovalStatement string `json:"approval_statement"`
}

// PersonJSON is a person in API output: whether registered or erased and the
// roles held now. Personal data is never served here, only whether it is
// held (sealed) or was erased.
type PersonJSON struct {
	Org      string        `json:"org"`
	Person   string        `json:"person"`
	Personal string        `json:"personal_data"` // "sealed" or "erased"
	Roles    []events.Role `json:"roles"`
}

func (s *Server) getPerson(w http.ResponseWriter, r *http.Request) {
	org, err := s.org(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("person")
	if !events.ValidID(id) {
		s.fail(w, r, ledger.Errorf(ledger.CodeInvalid, "person id %q is not valid", id))
		return
	}
	p, err := s.q.Person(org, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !p.Registered {
		s.fail(w, r, ledger.Errorf(ledger.CodeNotFound, "person %q is not registered in %s", id, org))
		return
	}
	out := PersonJSON{Org: org, Person: id, Personal: "sealed", Roles: []events.Role{}}
	if p.Erased {
		out.Personal = "erased"
	}
	for _, role := range events.Roles() {
		held, err := s.q.HasRole(org, id, role)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if held {
			out.Roles = append(out.Roles, role)
		}
	}
	writeJSON(w, http.StatusOK, out)
}
