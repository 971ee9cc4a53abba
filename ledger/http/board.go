package http

import (
	"net/http"

	"github.com/unionledger/unionledger/projections"
)

// BoardQueries reads what the board endpoints show.
type BoardQueries interface {
	// Board is the public disclosure board (会务公开) as of a point.
	Board(org string, at projections.AsOf) (projections.Board, error)
}

// boardRoutes serves the disclosure board. It is public by nature: what
// members see, and nothing in it identifies a person.
func (s *Server) boardRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/orgs/{org}/board", s.view(func(_ *http.Request, org string, at projections.AsOf) (any, error) {
		return s.q.Board(org, at)
	}))
}
