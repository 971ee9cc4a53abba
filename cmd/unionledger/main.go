// Command unionledger runs and talks to the union ledger.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "serve" || os.Args[1] == "bench") {
		reexecWithMallocTunables() // the commands that run Pebble
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// Exit codes scripts can rely on.
const (
	exitOK       = 0
	exitFailed   = 1 // a command was refused or a check failed
	exitUsage    = 2 // bad flags or arguments
	exitInternal = 3 // the tool itself could not work (server down, I/O)
)

// usageError marks errors in how the tool was called.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// failedError marks a completed run whose outcome is "no" (a refused
// command, a broken chain); the details were already printed.
type failedError struct{ msg string }

func (e failedError) Error() string { return e.msg }

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "unionledger:", err)
	var ue usageError
	var fe failedError
	switch {
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &fe):
		return exitFailed
	}
	return exitInternal
}

type subcommand struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

func subcommands() []subcommand {
	return []subcommand{
		{"serve", "run the ledger: embedded NATS, Pebble and the HTTP API", runServe},
		{"post", "send commands (JSON lines) to a running ledger", runPost},
		{"balance", "show account balances of a union, now or as of a point", runBalance},
		{"events", "list or follow a union's events", runEvents},
		{"report", "statutory reports: income-expenditure statement, balance sheet, budget vs actual, welfare", runReport},
		{"trail", "the whole story of an expense, relief case, receipt, budget, member or actor", runTrail},
		{"flags", "compliance flags for the funds-review committee (经审会)", runFlags},
		{"board", "the public disclosure board (会务公开)", runBoard},
		{"export", "export postings as CSV (Excel, UTF-8 with BOM) or an hledger journal", runExport},
		{"token", "create or revoke API tokens (on a stopped ledger's data)", runToken},
		{"verify", "check every union's hash chain from the stream alone", runVerify},
		{"keygen", "make a signing key (the chair's 一支笔); prints the public key to register", runKeygen},
		{"sign", "sign a chair's approval or rejection of an expense with a keygen key", runSign},
		{"demo", "load the demo hospital union (市第一人民医院工会): --seed N, into a server or a data directory", runDemo},
		{"bench", "measure ingest, latency and rebuild against raw JetStream and Pebble", runBench},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		if len(args) == 0 {
			return usageError{"no subcommand given"}
		}
		return nil
	}
	for _, sc := range subcommands() {
		if sc.name == args[0] {
			return sc.run(ctx, args[1:], stdin, stdout, stderr)
		}
	}
	printUsage(stderr)
	return usageError{fmt.Sprintf("unknown subcommand %q", args[0])}
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "unionledger keeps a trade union's (工会) money and disclosures as an event-sourced, tamper-evident ledger.\n\nUsage:\n  unionledger <subcommand> [flags]\n\nSubcommands:\n")
	for _, sc := range subcommands() {
		fmt.Fprintf(w, "  %-8s %s\n", sc.name, sc.summary)
	}
	fmt.Fprint(w, "\nRun 'unionledger <subcommand> --help' for its flags.\n")
}
