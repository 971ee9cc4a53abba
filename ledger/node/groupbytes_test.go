package node

import (
	"testing"

	"github.com/unionledger/unionledger/ledger"
)

func TestGroupBytes(t *testing.T) {
	for _, tc := range []struct {
		configured int
		maxPayload int64
		want       int
	}{
		{0, 0, ledger.MaxGroupBytes},
		{0, 1 << 20, ledger.MaxGroupBytes},                    // NATS's default max_payload leaves room
		{0, 512 << 10, 512<<10 - headerRoom},                  // a server that takes less
		{16 << 10, 8 << 20, 16 << 10},                         // configured below the server's limit
		{2 << 20, 1 << 20, 1<<20 - headerRoom},                // configured above it
		{0, headerRoom / 2, 1},                                // absurdly small servers still give a bound
		{-5, 8 << 20, ledger.MaxGroupBytes},                   // nonsense configured: the default
		{ledger.MaxGroupBytes, 8 << 20, ledger.MaxGroupBytes}, // the embedded server's 8 MiB
	} {
		if got := groupBytes(tc.configured, tc.maxPayload); got != tc.want {
			t.Errorf("groupBytes(%d, %d) = %d, want %d", tc.configured, tc.maxPayload, got, tc.want)
		}
	}
}
