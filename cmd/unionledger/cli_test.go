package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
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

var update = flag.Bool("update", false, "rewrite golden files")

func TestHelpOnEverySubcommand(t *testing.T) {
	for _, sc := range subcommands() {
		t.Run(sc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), []string{sc.name, "--help"}, strings.NewReader(""), &out, &errb)
			if err != nil {
				t.Fatalf("--help: %v", err)
			}
			if !strings.Contains(out.String(), "Usage: unionledger "+sc.name) {
				t.Fatalf("no usage text: %q", out.String())
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"--help"}, exitOK},
		{[]string{}, exitUsage},
		{[]string{"frobnicate"}, exitUsage},
		{[]string{"balance"}, exitUsage},
		{[]string{"balance", "--org", "x", "--as-of", "yesterday"}, exitUsage},
		{[]string{"post", "--batch", "0"}, exitUsage},
		{[]string{"post", "--batch", "1001"}, exitUsage},
		{[]string{"serve", "--no-such-flag"}, exitUsage},
		{[]string{"serve", "--memory-limit", "-1"}, exitUsage},
		{[]string{"bench", "--memory-limit", "-1"}, exitUsage},
		{[]string{"serve", "--gc-percent", "-1"}, exitUsage},
		{[]string{"bench", "--gc-percent", "-1"}, exitUsage},
		{[]string{"balance", "--org", "x", "--server", "http://127.0.0.1:1"}, exitInternal},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), tt.args, strings.NewReader(""), &out, &errb)
			if got := exitCode(err, &errb); got != tt.want {
				t.Fatalf("exit %d (%v), want %d", got, err, tt.want)
			}
		})
	}
}

// TestPostBalanceEvents drives post, balance and events against a real
// ledger and compares the balance table with a golden file.
func TestPostBalanceEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	srv := httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).Handler())
	defer srv.Close()

	// The union as every test sets it up (officers, the chair's key, the
	// collective threshold, budgets), then dues, an allocation and a paid
	// expense (request, the chair's signed approval, payment).
	var lines []string
	for _, c := range ledgertest.Setup("h1", "2010") {
		lines = append(lines, ledgertest.JSON(c))
	}
	lines = append(lines,
		`# comments and blank lines are skipped`,
		``,
		`{"id":"d1","type":"receive_dues","org":"h1","actor":"p-treasurer","date":"2025-01-05","data":{"member":"m1","period":"2025-01","amount":"66.50","receipt":{"book":"B","number":"1"}}}`,
		`{"id":"a1","type":"receive_allocation","org":"h1","actor":"p-treasurer","date":"2025-03-25","data":{"period":"2025-03","wage_bill":"100000","amount":"2000","remitted":"800","receipt":{"book":"A","number":"1"}}}`,
	)
	duesLine, allocLine := len(lines)-1, len(lines)
	for _, c := range ledgertest.Pay("h1", "E1", "2025-03-28", "50102", "500.25", "体育用品店", "篮球赛") {
		lines = append(lines, ledgertest.JSON(c))
	}
	var out, errb bytes.Buffer
	// Batches of 4 lines: the file's order holds across batches too (the
	// open must come first, the payment after its approval).
	if err := run(ctx, []string{"post", "--server", srv.URL, "--batch", "4"}, strings.NewReader(strings.Join(lines, "\n")), &out, &errb); err != nil {
		t.Fatalf("post: %v\n%s\n%s", err, out.String(), errb.String())
	}
	if got, want := strings.Count(out.String(), `"ok":true`), len(lines)-2; got != want {
		t.Fatalf("post accepted %d of %d commands:\n%s", got, want, out.String())
	}
	// The sequences of the dues and the allocation, from post's answers.
	var duesSeq, allocSeq uint64
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r struct {
			Line   int `json:"line"`
			Result struct {
				Events []struct{ Seq uint64 } `json:"events"`
			} `json:"result"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		switch r.Line {
		case duesLine:
			duesSeq = r.Result.Events[0].Seq
		case allocLine:
			allocSeq = r.Result.Events[0].Seq
		}
	}

	// A refused command makes post exit 1 and print the code: an approved
	// expense the bank cannot pay.
	big := ledgertest.Pay("h1", "E2", "2025-03-28", "50102", "99999", "x", "y")
	for _, c := range big[:len(big)-1] {
		if _, err := n.Service.Submit(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	err = run(ctx, []string{"post", "--server", srv.URL}, strings.NewReader(ledgertest.JSON(big[len(big)-1])), &out, &errb)
	var fe failedError
	if !errors.As(err, &fe) || !strings.Contains(out.String(), `"code":"overdraft"`) {
		t.Fatalf("refused post: %v %s", err, out.String())
	}

	for _, tc := range []struct{ name, asOf string }{{"balance_now", ""}, {"balance_q1", "2025-03-26"}, {"balance_after_dues", fmt.Sprint(duesSeq)}} {
		out.Reset()
		args := []string{"balance", "--server", srv.URL, "--org", "h1"}
		if tc.asOf != "" {
			args = append(args, "--as-of", tc.asOf)
		}
		if err := run(ctx, args, nil, &out, &errb); err != nil {
			t.Fatal(err)
		}
		golden(t, tc.name, out.Bytes())
	}

	out.Reset()
	if err := run(ctx, []string{"events", "--server", srv.URL, "--org", "h1", "--from", fmt.Sprint(allocSeq - 1), "--limit", "2"}, nil, &out, &errb); err != nil {
		t.Fatal(err)
	}
	evs := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(evs) != 2 || !strings.Contains(evs[0], fmt.Sprintf(`"seq":%d`, allocSeq-1)) || !strings.Contains(evs[1], `"type":"allocation_received"`) {
		t.Fatalf("events from %d:\n%s", allocSeq-1, out.String())
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs:\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

// TestKeygenSignApprove is the chair's workflow end to end against a real
// ledger: make a key, have it registered, sign an expense fetched from the
// server, post the approval; sign a statement file; reject with a signed
// reason. The ledger verifies every signature with the registered key.
func TestKeygenSignApprove(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	srv := httptest.NewServer(ledgerhttp.NewServer(n.Service, n.Store, nil).Handler())
	defer srv.Close()
	cli := func(stdin string, args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, args, strings.NewReader(stdin), &out, &errb)
		return out.String(), errb.String(), err
	}

	// keygen: a 0600 PEM file and the public key; never overwrites.
	keyFile := filepath.Join(t.TempDir(), "chair.pem")
	out, _, err := cli("", "keygen", "--out", keyFile)
	if err != nil {
		t.Fatal(err)
	}
	public := strings.TrimSpace(out)
	if raw, err := base64.StdEncoding.DecodeString(public); err != nil || len(raw) != ed25519.PublicKeySize {
		t.Fatalf("keygen printed %q", out)
	}
	st, err := os.Stat(keyFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st.Mode(), err)
	}
	pem1, _ := os.ReadFile(keyFile)
	var fe failedError
	if _, _, err := cli("", "keygen", "--out", keyFile); !errors.As(err, &fe) {
		t.Fatalf("keygen over an existing key: %v", err)
	}
	if pem2, _ := os.ReadFile(keyFile); !bytes.Equal(pem1, pem2) {
		t.Fatal("keygen overwrote a key")
	}

	// The administrator registers it for the chair; the treasurer requests.
	cmds := ledgertest.Setup("h1", "2010")
	cmds = append(cmds,
		ledgertest.Cmd("key-cli", "register_key", "h1", ledgertest.Admin, "2025-01-01", map[string]string{"person": ledgertest.Chair, "key": "k-cli", "public": public}),
		ledgertest.Dues("h1", "d1", "2025-01-05", "m1", "1000.00", "B", "1"),
		ledgertest.Request("h1", "E1", "2025-03-01", "50102", "100.00", "体育用品店", "篮球"),
		ledgertest.Request("h1", "E2", "2025-03-01", "50102", "200.00", "会议中心", "会员代表大会"),
		ledgertest.Request("h1", "E3", "2025-03-01", "50102", "300.00", "礼品店", "购物卡"),
	)
	for _, c := range cmds {
		if _, err := n.Service.Submit(ctx, c); err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
	}
	signArgs := func(expense string, more ...string) []string {
		return append([]string{"sign", "--key", keyFile, "--server", srv.URL, "--org", "h1", "--expense", expense,
			"--actor", ledgertest.Chair, "--key-id", "k-cli", "--date", "2025-03-10"}, more...)
	}

	// sign --server: shows what is signed, prints the command; post
	// appends it.
	line, shown, err := cli("", signArgs("E1")...)
	if err != nil {
		t.Fatalf("sign: %v\n%s", err, shown)
	}
	if !strings.Contains(shown, "APPROVE expense E1") || !strings.Contains(shown, "100.00 yuan") || !strings.Contains(shown, "体育用品店") {
		t.Fatalf("sign did not show what it signs:\n%s", shown)
	}
	if out, _, err := cli(line, "post", "--server", srv.URL); err != nil || !strings.Contains(out, `"ok":true`) {
		t.Fatalf("post %s: %v %s", line, err, out)
	}
	e, _, _ := n.Store.Expense("h1", "E1")
	if e.Status != ledger.ExpenseApproved || e.Key != "k-cli" || e.DecidedBy != ledgertest.Chair {
		t.Fatalf("E1 after approval: %+v", e)
	}
	if _, _, err := cli("", signArgs("E1")...); !errors.As(err, &fe) || !strings.Contains(err.Error(), "approved") {
		t.Fatalf("signing an approved expense: %v", err)
	}

	// sign --statement: the statement from the API, signed offline.
	var got struct {
		Statement string `json:"approval_statement"`
	}
	if _, err := newClient(srv.URL).do(ctx, "GET", "/api/v1/orgs/h1/expenses/E2", nil, &got); err != nil {
		t.Fatal(err)
	}
	stmt, _ := base64.StdEncoding.DecodeString(got.Statement)
	stmtFile := filepath.Join(t.TempDir(), "E2.statement")
	if err := os.WriteFile(stmtFile, stmt, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, src := range []struct{ file, stdin string }{{stmtFile, ""}, {"-", string(stmt)}} {
		sig, _, err := cli(src.stdin, "sign", "--key", keyFile, "--statement", src.file)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
		pub, _ := base64.StdEncoding.DecodeString(public)
		if !ed25519.Verify(pub, stmt, raw) {
			t.Fatalf("sign --statement %s: signature does not verify", src.file)
		}
		if src.file == "-" {
			approval := ledgertest.Cmd("ap-E2", "approve_expense", "h1", ledgertest.Chair, "2025-03-10", map[string]string{
				"expense": "E2", "key": "k-cli", "signature": strings.TrimSpace(sig)})
			if _, err := n.Service.Submit(ctx, approval); err != nil {
				t.Fatalf("approval signed with sign --statement: %v", err)
			}
		}
	}
	if _, _, err := cli("transfer 1000000 yuan to me\n", "sign", "--key", keyFile, "--statement", "-"); !errors.As(err, &fe) {
		t.Fatalf("signing something that is not a statement: %v", err)
	}

	// --reject: a signed rejection with its reason.
	line, _, err = cli("", signArgs("E3", "--reject", "购物卡属于禁止发放")...)
	if err != nil {
		t.Fatal(err)
	}
	if out, _, err := cli(line, "post", "--server", srv.URL); err != nil || !strings.Contains(out, `"ok":true`) {
		t.Fatalf("post %s: %v %s", line, err, out)
	}
	if e, _, _ := n.Store.Expense("h1", "E3"); e.Status != ledger.ExpenseRejected || e.Key != "k-cli" || e.Reason != "购物卡属于禁止发放" {
		t.Fatalf("E3 after rejection: %+v", e)
	}

	// A key file others can read is refused; bad calls are usage errors.
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli("", signArgs("E2")...); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Fatalf("sign with a world-readable key: %v", err)
	}
	for _, args := range [][]string{{"sign"}, {"sign", "--key", keyFile}, {"sign", "--key", keyFile, "--server", srv.URL}, {"keygen"}} {
		var out, errb bytes.Buffer
		if err := run(ctx, args, strings.NewReader(""), &out, &errb); exitCode(err, &errb) != exitUsage {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
