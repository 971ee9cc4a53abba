package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/unionledger/unionledger/ledger"
	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

type batchAnswer struct {
	Line    int            `json:"line"`
	Status  int            `json:"status"`
	Result  *ledger.Result `json:"result"`
	Code    ledger.Code    `json:"code"`
	Message string         `json:"message"`
}

func postBatch(t *testing.T, url, body string) (int, []batchAnswer, string) {
	t.Helper()
	resp, err := http.Post(url+"/api/v1/commands/batch", "application/x-ndjson", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, nil, string(data)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type %q", ct)
	}
	var out []batchAnswer
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var a batchAnswer
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			t.Fatalf("answer line %q: %v", sc.Text(), err)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out, ""
}

// TestBatch posts many commands in one request: each line is answered in
// order with what POST /api/v1/commands would have answered for it alone;
// refused lines change nothing and stop nothing; a union's commands are
// decided in line order.
func TestBatch(t *testing.T) {
	n, srv := startAPI(t)
	for _, c := range ledgertest.Setup("h1", "2010") {
		if status, out := post(t, srv, ledgertest.JSON(c)); status != http.StatusCreated {
			t.Fatalf("setup: %d %v", status, out)
		}
	}
	var lines []string
	want := map[int]ledger.Code{} // line → refusal
	add := func(body string, refused ledger.Code) {
		lines = append(lines, body)
		if refused != "" {
			want[len(lines)] = refused
		}
	}
	for i := range 300 {
		add(dues(fmt.Sprintf("b%d", i), "10.00", fmt.Sprint(1000+i)), "")
		switch i {
		case 10:
			add(`{"id":"x",`, ledger.CodeMalformed)
			add("", "") // blank lines are skipped but counted
		case 20:
			add(dues("again", "10.00", "1005"), ledger.CodeDuplicateRecpt) // receipt of line 6
		case 30:
			add(dues("neg", "-1.00", "7777"), ledger.CodeInvalidAmount)
		case 40:
			add(strings.Replace(dues("ghost", "1.00", "8888"), `"org":"h1"`, `"org":"nowhere"`, 1), ledger.CodeUnknownOrg)
		}
	}
	add(dues("b7", "10.00", "1007"), "") // a retry of line 8: the same command
	body := strings.Join(lines, "\n") + "\n"

	before, err := n.Log.LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	status, answers, text := postBatch(t, srv.URL, body)
	if status != http.StatusOK {
		t.Fatalf("batch: %d %s", status, text)
	}
	commands := 0
	for _, l := range lines {
		if l != "" {
			commands++
		}
	}
	if len(answers) != commands {
		t.Fatalf("%d answers for %d commands", len(answers), commands)
	}
	var lastSeq uint64
	accepted := 0
	for i, a := range answers {
		if i > 0 && a.Line <= answers[i-1].Line {
			t.Fatalf("answer %d for line %d after line %d: answers must follow the request's order", i, a.Line, answers[i-1].Line)
		}
		if code, refused := want[a.Line]; refused {
			if a.Code != code || a.Status != ledgerhttp.StatusOf(code) || a.Message == "" || a.Result != nil {
				t.Errorf("line %d: %+v, want %s (%d) with a message", a.Line, a, code, ledgerhttp.StatusOf(code))
			}
			continue
		}
		if a.Result == nil || a.Code != "" {
			t.Fatalf("line %d: %+v", a.Line, a)
		}
		if a.Line == len(lines) { // the retry
			if a.Status != http.StatusOK || !a.Result.Duplicate || a.Result.Command != "b7" {
				t.Errorf("retry: %+v", a)
			}
			continue
		}
		if a.Status != http.StatusCreated || len(a.Result.Events) != 1 {
			t.Fatalf("line %d: %+v", a.Line, a)
		}
		if seq := a.Result.Events[0].Seq; seq <= lastSeq {
			t.Fatalf("line %d: seq %d after %d; a union's commands must be decided in line order", a.Line, seq, lastSeq)
		}
		lastSeq = a.Result.Events[0].Seq
		accepted++
	}
	if accepted != 300 {
		t.Fatalf("%d accepted, want 300", accepted)
	}
	if h, err := n.Store.Head("h1"); err != nil || h.Seq != lastSeq {
		t.Fatalf("head %+v, %v; want seq %d: the refusals must append nothing", h, err, lastSeq)
	}
	after, err := n.Log.LastSeq(context.Background())
	if err != nil || after <= before {
		t.Fatalf("stream last sequence %d (%v), was %d", after, err, before)
	}

	// Whatever makes the request unusable is refused whole: nothing queued.
	tooMany := strings.Repeat(dues("many", "1.00", "1")+"\n", ledgerhttp.MaxBatchCommands+1)
	for _, tc := range []struct {
		name, body string
		status     int
		code       ledger.Code
	}{
		{"too many commands", tooMany, http.StatusRequestEntityTooLarge, ledger.CodeTooLarge},
		{"body over the limit", strings.Repeat(" ", ledgerhttp.MaxBatchBytes+1), http.StatusRequestEntityTooLarge, ledger.CodeTooLarge},
		{"no command", "\n \n", http.StatusBadRequest, ledger.CodeMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, text := postBatch(t, srv.URL, tc.body)
			var e struct {
				Code    ledger.Code `json:"code"`
				Message string      `json:"message"`
			}
			if err := json.Unmarshal([]byte(text), &e); err != nil || status != tc.status || e.Code != tc.code || e.Message == "" {
				t.Fatalf("got %d %s, want %d %s", status, text, tc.status, tc.code)
			}
			if last, err := n.Log.LastSeq(context.Background()); err != nil || last != after {
				t.Fatalf("stream last sequence %d (%v), want %d unchanged", last, err, after)
			}
		})
	}
}
