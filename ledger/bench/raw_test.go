package bench

import (
	"context"
	"strconv"
	"testing"
	"time"
)

func TestRaw(t *testing.T) {
	const n, size = 2000, 300
	tests := []struct {
		name string
		run  func(ctx context.Context, dir string) (Result, error)
	}{
		{"async publish inflight 256", func(ctx context.Context, dir string) (Result, error) {
			return RawJetStreamAsyncPublish(ctx, dir, n, size, 256)
		}},
		{"async publish inflight 1", func(ctx context.Context, dir string) (Result, error) {
			return RawJetStreamAsyncPublish(ctx, dir, n, size, 1)
		}},
		// RawJetStreamOrderedRead itself fails unless every stream sequence
		// 1..n arrives exactly once.
		{"ordered read", func(ctx context.Context, dir string) (Result, error) {
			return RawJetStreamOrderedRead(ctx, dir, n, size)
		}},
		{"pebble sync batch 100", func(ctx context.Context, dir string) (Result, error) {
			return RawPebbleSyncBatch(ctx, dir, n, size, 100)
		}},
		{"pebble sync batch 7 (partial last batch)", func(ctx context.Context, dir string) (Result, error) {
			return RawPebbleSyncBatch(ctx, dir, n, size, 7)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			r, err := tt.run(ctx, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if r.Events != n {
				t.Errorf("Events = %d, want %d", r.Events, n)
			}
			if r.Bytes != size {
				t.Errorf("Bytes = %d, want %d", r.Bytes, size)
			}
			if r.Elapsed <= 0 {
				t.Errorf("Elapsed = %v, want > 0", r.Elapsed)
			}
			if r.Name == "" {
				t.Error("Name is empty")
			}
		})
	}
}

func TestRawCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := RawPebbleSyncBatch(ctx, t.TempDir(), 100, 10, 10); err == nil {
		t.Error("RawPebbleSyncBatch with cancelled ctx: no error")
	}
	if _, err := RawJetStreamAsyncPublish(ctx, t.TempDir(), 100, 10, 10); err == nil {
		t.Error("RawJetStreamAsyncPublish with cancelled ctx: no error")
	}
}

func TestRawBadArgs(t *testing.T) {
	ctx := t.Context()
	if _, err := RawPebbleSyncBatch(ctx, t.TempDir(), 10, 10, 0); err == nil {
		t.Error("batch 0: no error")
	}
	if _, err := RawJetStreamAsyncPublish(ctx, t.TempDir(), 10, 10, 0); err == nil {
		t.Error("inflight 0: no error")
	}
	if _, err := RawJetStreamOrderedRead(ctx, t.TempDir(), 0, 10); err == nil {
		t.Error("n 0: no error")
	}
}

func TestPerSecond(t *testing.T) {
	if got := (Result{Events: 10}).PerSecond(); got != 0 {
		t.Errorf("zero Elapsed: PerSecond = %v, want 0", got)
	}
	if got := (Result{Events: 10, Elapsed: 2 * time.Second}).PerSecond(); got != 5 {
		t.Errorf("PerSecond = %v, want 5", got)
	}
}

// benchEvents is the fixed event count per benchmark iteration; each
// iteration reports its own rate, so b.N only adds repetitions.
const (
	benchEvents = 100_000
	benchSize   = 300
)

// runBench runs fn once per iteration on a fresh directory and reports the
// aggregate events/s over all iterations.
func runBench(b *testing.B, fn func(ctx context.Context, dir string) (Result, error)) {
	b.Helper()
	var events int
	var elapsed time.Duration
	for b.Loop() {
		r, err := fn(b.Context(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		events += r.Events
		elapsed += r.Elapsed
	}
	b.ReportMetric(Result{Events: events, Elapsed: elapsed}.PerSecond(), "events/s")
}

func BenchmarkRawJetStreamAsyncPublish(b *testing.B) {
	for _, inflight := range []int{4096} {
		b.Run("inflight="+strconv.Itoa(inflight), func(b *testing.B) {
			runBench(b, func(ctx context.Context, dir string) (Result, error) {
				return RawJetStreamAsyncPublish(ctx, dir, benchEvents, benchSize, inflight)
			})
		})
	}
}

func BenchmarkRawJetStreamOrderedRead(b *testing.B) {
	runBench(b, func(ctx context.Context, dir string) (Result, error) {
		return RawJetStreamOrderedRead(ctx, dir, benchEvents, benchSize)
	})
}

func BenchmarkRawPebbleSyncBatch(b *testing.B) {
	for _, batch := range []int{100, 1000} {
		b.Run("batch="+strconv.Itoa(batch), func(b *testing.B) {
			runBench(b, func(ctx context.Context, dir string) (Result, error) {
				return RawPebbleSyncBatch(ctx, dir, benchEvents, benchSize, batch)
			})
		})
	}
}
