package node_test

import (
	"context"
	"testing"

	"github.com/unionledger/unionledger/ledger"
	"github.com/unionledger/unionledger/ledger/ledgertest"
)

// TestHolidayCalendarEndToEnd adopts the 2025 National Day calendar through
// the real append path; a relief notice that only counts five working days
// by weekends is then refused, with nothing appended, and one long enough
// is accepted.
func TestHolidayCalendarEndToEnd(t *testing.T) {
	n := startNode(t, t.TempDir())
	defer n.Close()
	setup(t, n, "h1")
	submit(t, n, ledgertest.Cmd("cal", "adopt_holiday_calendar", "h1", ledgertest.Admin, "2025-01-02", map[string]any{
		"year":     "2025",
		"holidays": []string{"2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08"},
		"workdays": []string{"2025-09-28", "2025-10-11"},
	}))
	notice := func(id, end string) ledger.Command {
		return ledgertest.Cmd(id, "draft_disclosure", "h1", ledgertest.Relief, "2025-09-29", map[string]any{
			"item": id, "kind": "relief_notice", "title": "困难帮扶公示",
			"body": map[string]any{"notice_start": "2025-09-30", "notice_end": end, "entries": []map[string]any{
				{"name": "张*明", "kind": "hardship", "amount": "2000"}}},
		})
	}
	ctx := context.Background()
	before, err := n.Log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 30 September to 9 October: 8 weekdays, but 2 working days.
	if _, err := n.Service.Submit(ctx, notice("N1", "2025-10-09")); ledger.ErrorCode(err) != ledger.CodeNoticePeriod {
		t.Fatalf("notice across National Day: %v", err)
	}
	if after, _ := n.Log.LastSeq(ctx); after != before {
		t.Fatalf("refused notice appended: %d → %d", before, after)
	}
	// Through 13 October: 30 Sep, 9, 10, 11 (make-up), 13 Oct = 5 working days.
	submit(t, n, notice("N2", "2025-10-13"))
}
