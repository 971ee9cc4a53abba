package http

import (
	"net/http"

	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/projections"
)

// FlagQueries reads what the flag endpoints show: the funds-review
// committee's (经审会) compliance flags.
type FlagQueries interface {
	FlagReport(org string, at projections.AsOf, kind projections.FlagKind) (projections.FlagReport, error)
}

func (s *Server) flagRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/orgs/{org}/flags", s.books(s.view(s.getFlags)))
}

// getFlags answers the union's compliance flags as of a point, optionally
// of one kind only.
func (s *Server) getFlags(r *http.Request, org string, at projections.AsOf) (any, error) {
	kind := projections.FlagKind(r.URL.Query().Get("kind"))
	if kind != "" && !kind.Valid() {
		return nil, ledger.Errorf(ledger.CodeInvalid, "kind %q is not a flag kind (one of %v)", kind, projections.FlagKinds())
	}
	return s.q.FlagReport(org, at, kind)
}
