package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/unionledger/unionledger/ledger"
)

// MaxBatchCommands bounds the commands of one POST /api/v1/commands/batch;
// MaxBatchBytes bounds its body.
const (
	MaxBatchCommands = 1000
	MaxBatchBytes    = 8 << 20
)

// batchLine is one command's outcome in a batch's answer: the status and
// body POST /api/v1/commands would have answered for it alone.
type batchLine struct {
	Line    int            `json:"line"`
	Status  int            `json:"status"`
	Result  *ledger.Result `json:"result,omitempty"`
	Code    ledger.Code    `json:"code,omitempty"`
	Message string         `json:"message,omitempty"`
}

// postBatch takes many commands in one request, one JSON line each, and
// answers one JSON line per command in the order of the request. Every
// command is queued before the first answer is awaited, so a batch costs
// about one group commit, not one fsync per command. Each command is
// decided on its own: one refused changes nothing and stops nothing; a
// union's commands are decided in the order of their lines. Whatever makes
// the request as a whole unusable (no token, a body or a batch over its
// limit) is refused before anything is queued.
func (s *Server) postBatch(w http.ResponseWriter, r *http.Request) {
	who, err := s.identify(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBatchBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.fail(w, r, ledger.Errorf(ledger.CodeTooLarge, "request body is over the %d-byte limit of a batch", MaxBatchBytes))
		return
	}
	if err != nil {
		s.fail(w, r, ledger.Errorf(ledger.CodeMalformed, "reading request body: %v", err))
		return
	}
	type item struct {
		line int
		cmd  ledger.Command
		p    ledger.Pending
		err  error
	}
	var items []item
	for n, rest := 1, body; len(rest) > 0; n++ {
		var l []byte
		l, rest, _ = bytes.Cut(rest, []byte("\n"))
		if l = bytes.TrimSpace(l); len(l) == 0 {
			continue
		}
		if len(items) == MaxBatchCommands {
			s.fail(w, r, ledger.Errorf(ledger.CodeTooLarge, "a batch holds at most %d commands", MaxBatchCommands))
			return
		}
		it := item{line: n}
		if it.cmd, it.err = ledger.ParseCommand(l); it.err == nil {
			it.err = s.allows(who, it.cmd)
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		s.fail(w, r, ledger.Errorf(ledger.CodeMalformed, "the batch holds no command (one JSON command a line)"))
		return
	}
	for i := range items {
		if it := &items[i]; it.err == nil {
			it.p, it.err = s.cmds.Enqueue(r.Context(), it.cmd)
		}
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		out := batchLine{Line: it.line}
		err := it.err
		if err == nil {
			select {
			case <-it.p.Done():
			default:
				_ = rc.Flush() // what is known goes out before we wait
			}
			var res ledger.Result
			if res, err = it.p.Wait(r.Context()); err == nil {
				out.Result, out.Status = &res, http.StatusCreated
				if res.Duplicate {
					out.Status = http.StatusOK
				}
			}
		}
		if err != nil {
			code := ledger.ErrorCode(err)
			if code == ledger.CodeInternal {
				s.log.Error("batch command failed", "line", it.line, "err", err)
			}
			out.Status, out.Code, out.Message = StatusOf(code), code, ledger.ErrorMessage(err)
		}
		if err := enc.Encode(out); err != nil {
			return // the client went away; the commands queued still run
		}
	}
}
