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
	mux.HandleFunc("GET /api/v1/orgs/{org}/trail/{kind}/{id...}", s.books(s.view(s.getTrail)))
}

// getTrail answers the audit trail of one subject: an expense, a relief
// case, a receipt (book/number), a budget year, a member or an actor.
func (s *Server) getTrail(r *http.Request, org string, at projections.AsOf) (any, error) {
	sub := projections.TrailSubject{Kind: r.PathValue("kind"), ID: r.PathValue("id")}
	if sub.Kind == projections.TrailReceipt {
		book, number, ok := strings.Cut(sub.ID, "/")
		if !ok || book == "" || number == "" || strings.Contains(number, "/") {
			return nil, ledger.Errorf(ledger.CodeInvalid, "a receipt is named book/number, not %q", sub.ID)
		}
		sub.ID, sub.Number = book, number
	}
	q := r.URL.Query()
	var (
		after uint64
		err   error
	)
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			return nil, ledger.Errorf(ledger.CodeInvalid, "after %q must be an org sequence number", v)
		}
	}
	limit := trailPage
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > projections.TrailMaxPage {
			return nil, ledger.Errorf(ledger.CodeInvalid, "limit %q must be 1–%d", v, projections.TrailMaxPage)
		}
	}
	return s.q.TrailPage(org, sub, at, after, limit)
}
