package projections

import "testing"

// TestViewsOverlayOneGroup checks that a view built over the previous
// group's view reads that group's changes, and that building it cuts the
// previous view's own overlay: the writer keeps one group in flight, and a
// chain of views back to the first would keep every group in memory.
func TestViewsOverlayOneGroup(t *testing.T) {
	s := openStore(t)
	var views []*scratch
	var over *scratch
	for i := range 3 {
		v := beginOver(t, s, over)
		if err := v.tx.Set([]byte{'k', byte('0' + i)}, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		views = append(views, v)
		over = v
	}
	if got, ok, err := views[2].tx.Get([]byte("k1")); err != nil || !ok || got[0] != 1 {
		t.Fatalf("the third view reads the second's change as %v %v %v", got, ok, err)
	}
	if views[1].tx.over != nil || views[2].tx.over != views[1].tx {
		t.Fatalf("views chain: second over %p, third over %p (second %p)", views[1].tx.over, views[2].tx.over, views[1].tx)
	}
}
