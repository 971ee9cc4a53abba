package http

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/projections"
)

// TrailQueries reads what the trail endpoints show.
type TrailQueries interface {
	TrailPage(org string, subject projections.TrailSubject, at projections.AsOf, after uint64, limit int) (projections.Trail, error)
}

// trailPage is the default page size of a trail: large enough for any
// expense, case or receipt in one answer, small enough that the trail of a
// busy actor never has to be held whole.
const trailPage = 1000

func (s *Server) trailRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/orgs/{org}/trail/{kind}/{id...}", s.getTrail)
}

// getTrail answers the audit trail of one subject: an expense, a relief
// case, a receipt (book/number), a budget year, a member or an actor.
func (s *Server) getTrail(w http.ResponseWriter, r *http.Request) {
	org, err := s.org(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	at, err := s.asOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sub := projections.TrailSubject{Kind: r.PathValue("kind"), ID: r.PathValue("id")}
	if sub.Kind == projections.TrailReceipt {
		book, number, ok := strings.Cut(sub.ID, "/")
		if !ok || book == "" || number == "" || strings.Contains(number, "/") {
			s.fail(w, r, ledger.Errorf(ledger.CodeInvalid, "a receipt is named book/number, not %q", sub.ID))
			return
		}
		sub.ID, sub.Number = book, number
	}
	q := r.URL.Query()
	var after uint64
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			s.fail(w, r, ledger.Errorf(ledger.CodeInvalid, "after %q must be an org sequence number", v))
			return
		}
	}
	limit := trailPage
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > projections.TrailMaxPage {
			s.fail(w, r, ledger.Errorf(ledger.CodeInvalid, "limit %q must be 1–%d", v, projections.TrailMaxPage))
			return
		}
	}
	t, err := s.q.TrailPage(org, sub, at, after, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}
