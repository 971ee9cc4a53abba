package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/ledger/demo"
	"github.com/unionledger/unionledger/ledger/ledgertest"
	"github.com/unionledger/unionledger/projections"
)

// TestBoardGolden renders the demo union's disclosure board as of the end
// of 2025 and as of mid-year, as text and as JSON, compares each with its
// golden file, then rebuilds the projections from the log and checks the
// same output again, byte for byte.
func TestBoardGolden(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d := ledgertest.StartDemo(t, demo.Small)
	cases := []struct{ golden, asOf string }{
		{"board_demo_2025", "2025-12-31"},
		{"board_demo_2025_json", "2025-12-31"},
		{"board_demo_2025-06-30", "2025-06-30"},
		{"board_demo_2025-06-30_json", "2025-06-30"},
	}
	render := func() map[string][]byte {
		out := map[string][]byte{}
		for _, c := range cases {
			var stdout, stderr bytes.Buffer
			args := []string{"board", "--server", d.URL, "--org", demo.Org, "--as-of", c.asOf}
			if strings.HasSuffix(c.golden, "_json") {
				args = append(args, "--json")
			}
			if err := run(ctx, args, nil, &stdout, &stderr); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, stderr.String())
			}
			out[c.golden] = stdout.Bytes()
		}
		return out
	}
	first := render()
	for _, c := range cases {
		golden(t, c.golden, first[c.golden])
	}

	// What the goldens must show, so that a golden regenerated from a
	// broken board does not pass unnoticed.
	var b projections.Board
	if err := json.Unmarshal(first["board_demo_2025_json"], &b); err != nil {
		t.Fatal(err)
	}
	counts := map[events.DisclosureKind]int{}
	for _, s := range b.Sections {
		counts[s.Kind] = len(s.Items)
		for _, it := range s.Items {
			if it.PublishedOn > "2025-12-31" {
				t.Errorf("item %s published %s, after the as-of date", it.ID, it.PublishedOn)
			}
		}
	}
	// (demo.Small, one year, has no large expense and no final accounts.)
	for _, k := range []events.DisclosureKind{events.DisclosurePeriodSummary, events.DisclosureWelfareRound,
		events.DisclosureReliefNotice, events.DisclosureAuditFindings, events.DisclosureAnswer} {
		if counts[k] == 0 {
			t.Errorf("the demo board of 2025 has no %s item", k)
		}
	}
	text := string(first["board_demo_2025"])
	for _, want := range []string{"Income and spending by account 收支情况", "Relief roster 帮扶公示", "a member (会员)",
		"Objections 异议: 1 raised, 0 open, 0 upheld 成立, 1 dismissed 不成立", "401", "会费收入"} {
		if !strings.Contains(text, want) {
			t.Errorf("the board text lacks %q", want)
		}
	}
	for _, m := range d.Demo.Members {
		if strings.Contains(text, m.Name) || strings.Contains(string(first["board_demo_2025_json"]), m.Name) {
			t.Errorf("the board shows the name of member %s in clear", m.ID)
		}
	}
	var mid projections.Board
	if err := json.Unmarshal(first["board_demo_2025-06-30_json"], &mid); err != nil {
		t.Fatal(err)
	}
	summaries := 0
	for _, s := range mid.Sections {
		for _, it := range s.Items {
			if it.PublishedOn > "2025-06-30" {
				t.Errorf("mid-year board: item %s published %s", it.ID, it.PublishedOn)
			}
			for _, q := range it.Questions {
				if q.AskedOn > "2025-06-30" || (q.Answer != nil && q.Answer.AnsweredOn > "2025-06-30") {
					t.Errorf("mid-year board: question %s asked %s, answered %+v", q.ID, q.AskedOn, q.Answer)
				}
			}
			if s.Kind == events.DisclosurePeriodSummary {
				summaries++
			}
		}
	}
	if summaries != 1 {
		t.Errorf("mid-year board: %d period summaries, want the first quarter's", summaries)
	}

	d.Rebuild(t)
	again := render()
	for _, c := range cases {
		if !bytes.Equal(first[c.golden], again[c.golden]) {
			t.Errorf("%s differs after rebuilding from the log:\n%s", c.golden, again[c.golden])
		}
	}
}
