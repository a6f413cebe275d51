package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress prints a one-line progress indicator on a terminal, at most ten
// times a second. When disabled (pipes, CI) it prints nothing.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	enabled bool
	label   string
	last    time.Time
	printed bool
}

func newProgress(streams IO, label string) *progress {
	return &progress{w: streams.Err, enabled: streams.Progress, label: label}
}

// Update reports done of total units (total ≤ 0: unknown).
func (p *progress) Update(done, total int64) {
	if p == nil || !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && done != total {
		return
	}
	p.last = now
	if total > 0 {
		fmt.Fprintf(p.w, "\r%s: %3.0f%% (%d/%d)", p.label, 100*float64(done)/float64(total), done, total)
	} else {
		fmt.Fprintf(p.w, "\r%s: %d", p.label, done)
	}
	p.printed = true
}

// Done ends the progress line.
func (p *progress) Done() {
	if p == nil || !p.enabled || !p.printed {
		return
	}
	fmt.Fprintln(p.w)
}
