package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/unionledger/unionledger/ledger/demo"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/projections"
)

// TestFlagsGolden runs `flags` on the demo union as of the end of 2025, as
// text and as JSON, compares both with golden files, then rebuilds the
// projections from the log and checks the output is byte for byte the same.
func TestFlagsGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo union")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d := ledgertest.StartDemo(t, demo.Small)
	cases := []struct {
		golden string
		args   []string
	}{
		{"flags_demo_2025", []string{"--as-of", "2025-12-31"}},
		{"flags_demo_2025_json", []string{"--as-of", "2025-12-31", "--json"}},
		{"flags_demo_reversal_json", []string{"--as-of", "2025-12-31", "--kind", "reversal", "--json"}},
		{"flags_demo_2025-03-20", []string{"--as-of", "2025-03-20"}},
		{"flags_demo_seq600", []string{"--as-of", "600"}},
	}
	runAll := func(url string) map[string][]byte {
		out := map[string][]byte{}
		for _, c := range cases {
			var stdout, stderr bytes.Buffer
			args := append([]string{"flags", "--server", url, "--org", demo.Org}, c.args...)
			if err := run(ctx, args, strings.NewReader(""), &stdout, &stderr); err != nil {
				t.Fatalf("%v: %v (%s)", args, err, stderr.String())
			}
			out[c.golden] = stdout.Bytes()
		}
		return out
	}
	first := runAll(d.URL)
	for _, c := range cases {
		golden(t, c.golden, first[c.golden])
	}
	var rep projections.FlagReport
	if err := json.Unmarshal(first["flags_demo_2025_json"], &rep); err != nil {
		t.Fatal(err)
	}
	if rep.JudgedOn != "2025-12-31" || len(rep.Flags) == 0 {
		t.Fatalf("report judged on %s with %d flags", rep.JudgedOn, len(rep.Flags))
	}
	reversals := 0
	for _, f := range rep.Flags {
		if f.Kind == projections.FlagReversal {
			reversals++
		}
	}
	if reversals != 1 {
		t.Fatalf("the demo reverses one mistaken receipt; flags show %d reversals", reversals)
	}

	// The endpoint's refusals.
	for _, c := range []struct {
		path   string
		status int
		code   string
	}{
		{"/api/v1/orgs/" + demo.Org + "/flags?kind=everything", http.StatusUnprocessableEntity, "invalid"},
		{"/api/v1/orgs/" + demo.Org + "/flags?as_of_seq=0", http.StatusUnprocessableEntity, "invalid"},
		{"/api/v1/orgs/" + demo.Org + "/flags?as_of_seq=5&as_of_date=2025-01-01", http.StatusUnprocessableEntity, "invalid"},
		{"/api/v1/orgs/no-such-union/flags", http.StatusNotFound, "unknown_org"},
	} {
		resp, err := http.Get(d.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Code string }
		err = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if err != nil || resp.StatusCode != c.status || e.Code != c.code {
			t.Errorf("GET %s: %d %q (%v), want %d %s", c.path, resp.StatusCode, e.Code, err, c.status, c.code)
		}
	}

	d.Rebuild(t)
	again := runAll(d.URL)
	for _, c := range cases {
		if !bytes.Equal(first[c.golden], again[c.golden]) {
			t.Errorf("%s differs after a rebuild:\nbefore:\n%s\nafter:\n%s", c.golden, first[c.golden], again[c.golden])
		}
	}
}

// TestFlagsUsage checks the flags the subcommand refuses before asking the
// ledger anything.
func TestFlagsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"flags"},
		{"flags", "--org", "h1", "--kind", "everything"},
		{"flags", "--org", "h1", "--as-of", "last-week"},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
		if got := exitCode(err, &errb); got != exitUsage {
			t.Errorf("%v: exit %d (%v), want %d", args, got, err, exitUsage)
		}
	}
}
