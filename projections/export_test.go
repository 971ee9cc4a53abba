package projections

import (
	"testing"

	"github.com/unionledger/unionledger/events"
)

// TestExportMemoCarriesNoText: an export's memo is the event type, the
// aggregate only when it is a plain id, and a reversal's original sequence;
// an aggregate holding text (a name, a phone number with spaces, Chinese)
// from a foreign stream is left out, so no free text can reach an export.
func TestExportMemoCarriesNoText(t *testing.T) {
	tests := []struct {
		typ, agg string
		p        events.Payload
		want     string
	}{
		{"dues_received", "member:m0001", events.DuesReceived{}, "dues_received member:m0001"},
		{"expense_paid", "expense:E-2025-01-50102-14", events.ExpensePaid{}, "expense_paid expense:E-2025-01-50102-14"},
		{"allocation_remitted", "allocation", events.AllocationRemitted{}, "allocation_remitted allocation"},
		{"reversal_posted", "member:m0001", events.ReversalPosted{OriginalSeq: 586}, "reversal_posted member:m0001 reverses seq 586"},
		{"dues_received", "member:张三", events.DuesReceived{}, "dues_received"},
		{"dues_received", "member:138 0013 8000", events.DuesReceived{}, "dues_received"},
		{"expense_paid", "expense:x,=cmd()", events.ExpensePaid{}, "expense_paid"},
		{"expense_paid", "", events.ExpensePaid{}, "expense_paid"},
	}
	for _, tt := range tests {
		if got := memoOf(events.Envelope{Type: tt.typ, Aggregate: tt.agg}, tt.p); got != tt.want {
			t.Errorf("memo of %s %q = %q, want %q", tt.typ, tt.agg, got, tt.want)
		}
	}
}
