package http_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unionledger/unionledger/ledger"
	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/ledger/node"
)

// TestTokens checks that with tokens required a command is accepted only
// with a token that acts for its union and actor, that refusals write
// nothing, and that tokens are never stored in clear.
func TestTokens(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).RequireTokens(n.Store).Handler())
	defer srv.Close()
	defer n.Close()

	token := func(org, person string) string {
		tok, err := n.Store.CreateToken(org, person)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	admin, treasurer := token("h1", ledgertest.Admin), token("h1", ledgertest.Treasurer)
	otherOrg := token("h2", ledgertest.Treasurer)
	revoked := token("h1", ledgertest.Treasurer)
	if err := n.Store.RevokeToken(revoked); err != nil {
		t.Fatal(err)
	}
	sendTo := func(path, tok, body string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	send := func(tok, body string) (int, string) { return sendTo("/api/v1/commands", tok, body) }
	if status, out := send(admin, ledgertest.JSON(ledgertest.Open("h1", "2010"))); status != http.StatusCreated {
		t.Fatalf("admin opens the union: %d %s", status, out)
	}
	dues := ledgertest.JSON(ledgertest.Dues("h1", "d1", "2025-01-05", "m1", "10.00", "B", "1"))
	before, _ := n.Log.LastSeq(ctx)
	tests := []struct {
		name, token, body string
		status            int
		code              ledger.Code
	}{
		{"no token", "", dues, 401, ledger.CodeUnauthenticated},
		{"unknown token", "ult_nope", dues, 401, ledger.CodeUnauthenticated},
		{"not a bearer token", "Basic abc", dues, 401, ledger.CodeUnauthenticated},
		{"revoked token", revoked, dues, 401, ledger.CodeUnauthenticated},
		{"token of another person", admin, dues, 403, ledger.CodeForbidden},
		{"token of another union", otherOrg, dues, 403, ledger.CodeForbidden},
		{"own token, wrong role", admin, strings.Replace(dues, `"actor":"p-treasurer"`, `"actor":"p-admin"`, 1), 403, ledger.CodeWrongRole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := send(tt.token, tt.body)
			if status != tt.status || !strings.Contains(out, `"code":"`+string(tt.code)+`"`) {
				t.Fatalf("got %d %s, want %d %s", status, out, tt.status, tt.code)
			}
			if after, _ := n.Log.LastSeq(ctx); after != before {
				t.Fatalf("refused request appended: %d → %d", before, after)
			}
		})
	}
	// A batch: no token refuses it whole; each line must act for the
	// token's person and union.
	batch := func(tok, body string) (int, string) { return sendTo("/api/v1/commands/batch", tok, body) }
	if status, out := batch("", dues); status != 401 || !strings.Contains(out, `"code":"unauthenticated"`) {
		t.Fatalf("batch without a token: %d %s", status, out)
	}
	adminDues := strings.Replace(dues, `"actor":"p-treasurer"`, `"actor":"p-admin"`, 1)
	status, out := batch(admin, dues+"\n"+adminDues+"\n")
	if status != http.StatusOK || !strings.Contains(out, `{"line":1,"status":403,"code":"forbidden"`) ||
		!strings.Contains(out, `{"line":2,"status":403,"code":"wrong_role"`) {
		t.Fatalf("batch with the admin's token: %d %s", status, out)
	}
	if after, _ := n.Log.LastSeq(ctx); after != before {
		t.Fatalf("refused batch appended: %d → %d", before, after)
	}
	if status, out := send(treasurer, dues); status != http.StatusCreated {
		t.Fatalf("treasurer with own token: %d %s", status, out)
	}
	// Tokens are kept hashed: no file under the data directory holds one.
	n.Close()
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, tok := range []string{admin, treasurer, otherOrg} {
			if bytes.Contains(b, []byte(tok)) || bytes.Contains(b, []byte(strings.TrimPrefix(tok, "ult_"))) {
				t.Errorf("%s holds a token in clear", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReadAccess: with tokens required, the disclosure board is public; the
// books, trails, flags, reports, exports and events are for the officers
// who keep, approve or audit them; a person's record for that person, the
// administrator and those officers. Members, other unions' tokens and
// requests without a token are refused with a stable code.
func TestReadAccess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var cmds []ledger.Command
	for _, org := range []string{"h1", "h2"} {
		cmds = append(append(cmds, ledgertest.Setup(org, "2010")...), ledgertest.Dues(org, "d1", "2025-01-05", ledgertest.Member, "10.00", "B", "1"))
	}
	n := ledgertest.StartNode(t, cmds...)
	srv := httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).RequireTokens(n.Store).Handler())
	defer srv.Close()
	token := func(org, person string) string {
		tok, err := n.Store.CreateToken(org, person)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tok := map[string]string{
		"none":      "",
		"member":    token("h1", ledgertest.Member),
		"admin":     token("h1", ledgertest.Admin),
		"relief":    token("h1", ledgertest.Relief),
		"treasurer": token("h1", ledgertest.Treasurer),
		"chair":     token("h1", ledgertest.Chair),
		"committee": token("h1", ledgertest.Committee),
		"review":    token("h1", ledgertest.Review),
		"auditor":   token("h1", ledgertest.Auditor),
		"other":     token("h2", ledgertest.Treasurer),
	}
	books := []string{
		"/api/v1/orgs/h1/balances",
		"/api/v1/orgs/h1/events",
		"/api/v1/orgs/h1/reports/statement?from=2025-01-01&to=2025-12-31",
		"/api/v1/orgs/h1/reports/balance-sheet?date=2025-12-31",
		"/api/v1/orgs/h1/reports/budget?year=2025",
		"/api/v1/orgs/h1/reports/welfare?year=2025",
		"/api/v1/orgs/h1/export.csv",
		"/api/v1/orgs/h1/export.journal",
		"/api/v1/orgs/h1/flags",
		"/api/v1/orgs/h1/trail/receipt/B/1",
		"/api/v1/orgs/h1/trail/actor/" + ledgertest.Treasurer,
	}
	type want struct {
		status int
		code   ledger.Code
	}
	ok := want{http.StatusOK, ""}
	unauth := want{http.StatusUnauthorized, ledger.CodeUnauthenticated}
	forbidden := want{http.StatusForbidden, ledger.CodeForbidden}
	var cases []struct {
		who, path string
		want      want
	}
	add := func(who, path string, w want) {
		cases = append(cases, struct {
			who, path string
			want      want
		}{who, path, w})
	}
	for _, p := range books {
		for _, who := range []string{"treasurer", "chair", "committee", "review", "auditor"} {
			add(who, p, ok)
		}
		add("member", p, forbidden)
		add("admin", p, forbidden)
		add("relief", p, forbidden)
		add("other", p, forbidden)
		add("none", p, unauth)
	}
	for who := range tok {
		add(who, "/api/v1/orgs/h1/board", ok) // 会务公开: public, token or not
	}
	self := "/api/v1/orgs/h1/people/" + ledgertest.Member
	add("member", self, ok)
	add("admin", self, ok)
	add("review", self, ok)
	add("relief", self, forbidden)
	add("member", "/api/v1/orgs/h1/people/"+ledgertest.Chair, forbidden)
	add("none", self, unauth)
	add("other", self, forbidden)

	for _, c := range cases {
		t.Run(c.who+" "+c.path, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+c.path, nil)
			if tk := tok[c.who]; tk != "" {
				req.Header.Set("Authorization", "Bearer "+tk)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.want.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.want.status, b)
			}
			if c.want.code != "" && !strings.Contains(string(b), `"code":"`+string(c.want.code)+`"`) {
				t.Fatalf("body %s, want code %s", b, c.want.code)
			}
			if c.want.code == ledger.CodeForbidden && c.who != "other" && !strings.Contains(string(b), "read-access") {
				t.Fatalf("refusal does not name the rule: %s", b)
			}
		})
	}
}
