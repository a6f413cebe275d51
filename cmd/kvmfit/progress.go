package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress prints a one-line progress indicator on a terminal, at most ten
// times a second, rewriting the line in place. When disabled (pipes, CI)
// it prints nothing.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	enabled bool
	label   string
	// now is the clock (time.Now; tests inject theirs).
	now     func() time.Time
	last    time.Time
	phase   string
	width   int // of the line last printed, to blank what a shorter one leaves
	printed bool
}

func newProgress(streams IO, label string) *progress {
	return &progress{w: streams.Err, enabled: streams.Progress, label: label, now: time.Now}
}

// Update reports done of total units (total ≤ 0: unknown).
func (p *progress) Update(done, total int64) { p.show("", done, total) }

// Phase reports done of total steps of a named phase of the work
// ("packing host models"); a new phase is shown at once.
func (p *progress) Phase(phase string, done, total int) { p.show(phase, int64(done), int64(total)) }

func (p *progress) show(phase string, done, total int64) {
	if p == nil || !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if phase == p.phase && now.Sub(p.last) < 100*time.Millisecond && done != total {
		return
	}
	p.last, p.phase = now, phase
	line := p.label
	if phase != "" {
		line += ": " + phase
	}
	switch {
	case total > 0:
		line += fmt.Sprintf(": %3.0f%% (%d/%d)", 100*float64(done)/float64(total), done, total)
	case done > 0:
		line += fmt.Sprintf(": %d", done)
	}
	pad := max(p.width-len([]rune(line)), 0)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
	p.width = len([]rune(line))
	p.printed = true
}

// Done ends the progress line.
func (p *progress) Done() {
	if p == nil || !p.enabled || !p.printed {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w)
	p.printed, p.width, p.phase = false, 0, ""
}
