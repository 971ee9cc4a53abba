package projections

import (
	"encoding/binary"
	"testing"

	"github.com/unionledger/unionledger/events"
)

func TestBalanceInRun(t *testing.T) {
	run := func(pairs ...int64) []byte {
		var v []byte
		for i := 0; i < len(pairs); i += 2 {
			v = binary.BigEndian.AppendUint64(v, uint64(pairs[i]))
			v = binary.BigEndian.AppendUint64(v, uint64(pairs[i+1]))
		}
		return v
	}
	tests := []struct {
		name    string
		v       []byte
		seq     uint64
		want    events.Fen
		wantErr bool
	}{
		{"one entry", run(5, 100), 5, 100, false},
		{"past the run", run(5, 100, 7, 250, 9, -30), 20, -30, false},
		{"on an entry", run(5, 100, 7, 250, 9, -30), 7, 250, false},
		{"between entries", run(5, 100, 7, 250, 9, -30), 8, 250, false},
		{"the first entry", run(5, 100, 7, 250), 6, 100, false},
		{"before the run", run(5, 100, 7, 250), 4, 0, true},
		{"a balance alone, as older stores keep it", intVal(-42), 3, -42, false},
		{"empty", nil, 3, 0, true},
		{"torn", run(5, 100)[:12], 5, 0, true},
	}
	for _, tt := range tests {
		got, err := balanceInRun(tt.v, tt.seq)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("%s: balanceInRun(seq %d) = %d, %v; want %d, error %v", tt.name, tt.seq, got, err, tt.want, tt.wantErr)
		}
	}
}
