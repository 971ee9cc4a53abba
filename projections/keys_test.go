package projections_test

import (
	"bytes"
	"strings"
	"testing"
)

// TestNoSecondRecordOfEvents checks that what an event holds is read from
// the event (its copy in e/) and not kept again per event: a dues workload
// once wrote a posted-event record (p/period/posted/) and a receipt-to-key
// record (p/flag/dseq/) for every receipt.
func TestNoSecondRecordOfEvents(t *testing.T) {
	st := rebuild(t, t.TempDir(), duesStream(t, 200))
	defer st.Close()
	var buf bytes.Buffer
	if err := st.Dump(&buf); err != nil {
		t.Fatal(err)
	}
	dues := 0
	for _, line := range strings.Split(buf.String(), "\n") {
		for _, p := range []string{`"p/period/posted/`, `"p/flag/dseq/`} {
			if strings.HasPrefix(line, p) {
				t.Fatalf("the store has %s", line)
			}
		}
		if strings.HasPrefix(line, `"p/flag/dues/`) {
			dues++
		}
	}
	if dues != 200 {
		t.Fatalf("%d dues records, want 200: not the workload the test means", dues)
	}
}
