package projections_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/unionledger/unionledger/events"
	"github.com/unionledger/unionledger/projections"
)

// applyAll applies a stream to a fresh store with the given number of
// workers, in chunks of whole messages of about chunk events, and returns
// the store's dump, or the first error.
func applyAll(t *testing.T, s []events.Stored, workers, chunk int) ([]byte, error) {
	t.Helper()
	st, err := projections.Open(t.TempDir(), projections.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := projections.NewProjector(st, nil)
	p.Workers = workers
	for len(s) > 0 {
		end := min(chunk, len(s))
		for end < len(s) && s[end].StreamSeq == s[end-1].StreamSeq {
			end++
		}
		if err := p.Apply(s[:end]); err != nil {
			return nil, err
		}
		s = s[end:]
	}
	var buf bytes.Buffer
	if err := st.Dump(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), nil
}

// TestParallelProjectionMatchesSequential projects a stream of four unions
// with one worker and with several, and checks the stores are identical,
// and that a broken stream stops both at the same, earliest bad event.
func TestParallelProjectionMatchesSequential(t *testing.T) {
	s := duesStream(t, 600)
	one, err := applyAll(t, s, 1, 128)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{2, 4} {
		got, err := applyAll(t, s, workers, 128)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(one, got) {
			t.Fatalf("%d workers: the store differs from a sequential projection", workers)
		}
	}

	// Break one union's chain, and make a later event of another union
	// undecodable, in the same chunk: the earlier one is what stops it.
	broken := append([]events.Stored(nil), s...)
	orgOf := func(i int) string {
		env, err := events.Decode(s[i].Data)
		if err != nil {
			t.Fatal(err)
		}
		return env.Org
	}
	linkAt, junkAt := len(s)/3, -1
	linkOrg := orgOf(linkAt)
	for i := len(s) - 1; i > linkAt && junkAt < 0; i-- {
		if orgOf(i) != linkOrg {
			junkAt = i
		}
	}
	if junkAt < 0 {
		t.Fatal("bad test: no event of another union after the broken one")
	}
	d := append([]byte(nil), s[linkAt].Data...)
	at := bytes.Index(d, []byte(`"prev":"`)) + len(`"prev":"`)
	if d[at] == '0' { // another hash: the chain breaks, the event still decodes
		d[at] = '1'
	} else {
		d[at] = '0'
	}
	broken[linkAt].Data = d
	broken[junkAt].Data = []byte("not an event")
	var want *projections.ChainError
	if _, err := applyAll(t, broken, 1, len(s)); !errors.As(err, &want) {
		t.Fatalf("sequential: want a chain error, got %v", err)
	}
	if want.StreamSeq != s[linkAt].StreamSeq || want.Org != linkOrg {
		t.Fatalf("sequential stopped at %+v, want %s at stream seq %d", want, linkOrg, s[linkAt].StreamSeq)
	}
	var got *projections.ChainError
	if _, err := applyAll(t, broken, 4, len(s)); !errors.As(err, &got) {
		t.Fatalf("parallel: want a chain error, got %v", err)
	}
	if *got != *want {
		t.Fatalf("parallel stopped at %+v, sequential at %+v", got, want)
	}
}
