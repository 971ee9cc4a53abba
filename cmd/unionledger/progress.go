package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// progress draws a one-line progress bar on a terminal and stays silent
// otherwise, so scripts and logs get clean output.
type progress struct {
	w      io.Writer
	label  string
	total  uint64
	active bool
	last   int
}

func newProgress(w io.Writer, label string, total uint64) *progress {
	f, ok := w.(*os.File)
	active := false
	if ok && total > 0 {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			active = true
		}
	}
	return &progress{w: w, label: label, total: total, active: active, last: -1}
}

func (p *progress) set(done uint64) {
	if !p.active {
		return
	}
	pct := int(done * 100 / p.total)
	if pct == p.last {
		return
	}
	p.last = pct
	n := pct * 30 / 100
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %d/%d", p.label, strings.Repeat("=", n), strings.Repeat(" ", 30-n), pct, done, p.total)
}

func (p *progress) finish() {
	if p.active && p.last >= 0 {
		p.set(p.total)
		fmt.Fprintln(p.w)
	}
}
