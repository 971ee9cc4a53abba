package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ledgerhttp "github.com/unionledger/unionledger/ledger/http"
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
		{[]string{"post", "--workers", "0"}, exitUsage},
		{[]string{"serve", "--no-such-flag"}, exitUsage},
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

	commands := strings.Join([]string{
		`{"id":"o","type":"open_org","org":"h1","actor":"p-admin","date":"2025-01-01","data":{"name":"某医院工会","chart":"2010","officers":[{"person":"p-t","role":"treasurer"}]}}`,
		`# comments and blank lines are skipped`,
		``,
		`{"id":"d1","type":"receive_dues","org":"h1","actor":"p-t","date":"2025-01-05","data":{"member":"m1","period":"2025-01","amount":"66.50","receipt":{"book":"B","number":"1"}}}`,
		`{"id":"a1","type":"receive_allocation","org":"h1","actor":"p-t","date":"2025-03-25","data":{"period":"2025-03","wage_bill":"100000","amount":"2000","remitted":"800","receipt":{"book":"A","number":"1"}}}`,
		`{"id":"e1","type":"pay_expense","org":"h1","actor":"p-t","date":"2025-03-28","data":{"expense":"E1","account":"50102","amount":"500.25","payee":"体育用品店","purpose":"篮球赛"}}`,
	}, "\n")
	var out, errb bytes.Buffer
	// One worker keeps the order: the open must come first.
	if err := run(ctx, []string{"post", "--server", srv.URL, "--workers", "1"}, strings.NewReader(commands), &out, &errb); err != nil {
		t.Fatalf("post: %v\n%s", err, errb.String())
	}
	if got := strings.Count(out.String(), `"ok":true`); got != 4 {
		t.Fatalf("post accepted %d commands:\n%s", got, out.String())
	}

	// A refused command makes post exit 1 and print the code.
	out.Reset()
	err = run(ctx, []string{"post", "--server", srv.URL}, strings.NewReader(
		`{"id":"e2","type":"pay_expense","org":"h1","actor":"p-t","date":"2025-03-28","data":{"expense":"E2","account":"50102","amount":"99999","payee":"x","purpose":"y"}}`), &out, &errb)
	var fe failedError
	if !errors.As(err, &fe) || !strings.Contains(out.String(), `"code":"overdraft"`) {
		t.Fatalf("refused post: %v %s", err, out.String())
	}

	for _, tc := range []struct{ name, asOf string }{{"balance_now", ""}, {"balance_q1", "2025-03-26"}, {"balance_after_dues", "6"}} {
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
	if err := run(ctx, []string{"events", "--server", srv.URL, "--org", "h1", "--from", "6", "--limit", "2"}, nil, &out, &errb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"seq":6`) || !strings.Contains(lines[1], `"type":"allocation_received"`) {
		t.Fatalf("events:\n%s", out.String())
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
