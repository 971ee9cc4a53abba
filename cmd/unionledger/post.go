package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
)

func runPost(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("post", "[flags] [FILE]   (JSON lines; '-' or no FILE reads standard input)", stderr)
	client := addServerFlags(fs)
	batch := fs.Int("batch", 500, fmt.Sprintf("commands sent in one request (1 to %d)", ledgerhttp.MaxBatchCommands))
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	if fs.NArg() > 1 {
		return usageError{"post takes at most one FILE"}
	}
	if *batch < 1 || *batch > ledgerhttp.MaxBatchCommands {
		return usageError{fmt.Sprintf("--batch must be from 1 to %d", ledgerhttp.MaxBatchCommands)}
	}
	in := stdin
	if name := fs.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	c := client()

	// Batches go out one after another, each once the one before is
	// queued (its answer has begun), so the file's order is the order in
	// which a union's commands are decided; their answers are read while
	// the next batches are sent.
	type sent struct {
		lines []int // the file's line of each command
		resp  *http.Response
		err   *apiError // the batch refused as a whole, instead of resp
	}
	answers := make(chan sent, 4)
	var (
		refused  int
		readErr  error
		readDone = make(chan struct{})
	)
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	go func() {
		defer close(readDone)
		for b := range answers {
			if b.err != nil {
				for _, l := range b.lines {
					_ = enc.Encode(map[string]any{"line": l, "ok": false, "code": b.err.Code, "message": b.err.Message})
				}
				refused += len(b.lines)
				continue
			}
			n, err := printAnswers(enc, b.resp.Body, b.lines)
			b.resp.Body.Close()
			refused += n
			if err != nil && readErr == nil {
				readErr = err
			}
		}
	}()
	send := func(lines []int, body []byte) error {
		resp, err := c.stream(ctx, "POST", "/api/v1/commands/batch", body, "application/x-ndjson")
		var ae *apiError
		if errors.As(err, &ae) {
			// Refused whole (no valid token, say): every line says so,
			// and the rest of the file is not sent.
			answers <- sent{lines: lines, err: ae}
			return errBatchRefused
		}
		if err != nil {
			return err
		}
		answers <- sent{lines: lines, resp: resp}
		return nil
	}

	var (
		sendErr error
		lines   []int
		body    []byte
	)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	for sc.Scan() && sendErr == nil && ctx.Err() == nil {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		lines, body = append(lines, line), append(append(body, b...), '\n')
		if len(lines) == *batch || len(body) > ledgerhttp.MaxBatchBytes/2 {
			sendErr = send(lines, body)
			lines, body = nil, nil
		}
	}
	if sendErr == nil && len(lines) > 0 && ctx.Err() == nil {
		sendErr = send(lines, body)
	}
	close(answers)
	<-readDone
	switch {
	case sc.Err() != nil:
		return fmt.Errorf("reading commands: %w", sc.Err())
	case errors.Is(sendErr, errBatchRefused):
		return failedError{fmt.Sprintf("%d command(s) refused; a batch was refused whole, and the lines after it were not sent", refused)}
	case sendErr != nil:
		return sendErr
	case readErr != nil:
		return readErr
	case ctx.Err() != nil:
		return ctx.Err()
	case refused > 0:
		return failedError{fmt.Sprintf("%d command(s) refused", refused)}
	}
	return nil
}

// errBatchRefused stops post after a batch refused as a whole; its lines
// were printed as refused.
var errBatchRefused = errors.New("batch refused")

// printAnswers prints a batch's answer lines with the file's line numbers
// and returns how many commands were refused.
func printAnswers(enc *json.Encoder, r io.Reader, lines []int) (int, error) {
	refused, n := 0, 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		var a struct {
			Line    int             `json:"line"`
			Result  json.RawMessage `json:"result"`
			Code    string          `json:"code"`
			Message string          `json:"message"`
		}
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil || a.Line < 1 || a.Line > len(lines) {
			return refused, fmt.Errorf("bad answer from the ledger: %q", sc.Bytes())
		}
		n++
		line := lines[a.Line-1]
		if a.Code != "" {
			refused++
			_ = enc.Encode(map[string]any{"line": line, "ok": false, "code": a.Code, "message": a.Message})
			continue
		}
		_ = enc.Encode(map[string]any{"line": line, "ok": true, "result": a.Result})
	}
	if err := sc.Err(); err != nil {
		return refused, fmt.Errorf("reading the ledger's answers: %w", err)
	}
	if n != len(lines) {
		return refused, fmt.Errorf("the ledger answered %d of %d commands (the connection ended early?); posting again is safe", n, len(lines))
	}
	return refused, nil
}
