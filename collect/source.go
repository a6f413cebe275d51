package collect

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SystemSource reads this server's counters through gopsutil: one reader
// per resource (cpu.go, mem.go, disk.go, net.go, fs.go), as node_exporter
// has one collector per source. A resource that cannot be read is left out
// of the snapshot (its columns stay empty) and the first error of each
// resource is logged once.
type SystemSource struct {
	// Disks lists the whole physical disks to read (the inventory's); nil
	// reads PhysicalDisks at the first reading.
	Disks []string
	// FSEvery is how often the filesystems' used bytes are read; 0 means
	// DefaultFSEvery. Readings in between repeat the last one.
	FSEvery time.Duration
	Logf    func(format string, args ...any)
	warned  map[string]bool
	fs      *fsGauge
}

// Read fills x with the CPU times, memory, disk and network counters and
// the filesystems' used bytes.
func (s *SystemSource) Read(ctx context.Context, x *Snapshot) error {
	var failed int
	readers := []struct {
		name string
		read func(context.Context, *Snapshot) error
	}{
		{"cpu", readCPU},
		{"memory", readMem},
		{"disk", s.readDisks},
		{"network", readNet},
		{"filesystem", s.readFS},
	}
	for _, r := range readers {
		if err := r.read(ctx, x); err != nil {
			failed++
			s.warnOnce(r.name, err)
		}
	}
	if failed == len(readers) {
		return fmt.Errorf("no counter could be read: %w", ErrNoData)
	}
	return nil
}

func (s *SystemSource) warnOnce(what string, err error) {
	if s.warned == nil {
		s.warned = map[string]bool{}
	}
	if s.warned[what] || s.Logf == nil {
		return
	}
	s.warned[what] = true
	if errors.Is(err, ErrNoData) {
		s.Logf("%s: no data on this system; its columns stay empty", what)
		return
	}
	s.Logf("read %s counters: %v (columns left empty while it fails)", what, err)
}

func (s *SystemSource) readDisks(ctx context.Context, x *Snapshot) error {
	if s.Disks == nil {
		d, err := PhysicalDisks(ctx)
		if err != nil {
			return err
		}
		s.Disks = d
	}
	return readDisks(ctx, s.Disks, x)
}

// readFS sets the filesystems' used bytes, read at most once per FSEvery.
func (s *SystemSource) readFS(ctx context.Context, x *Snapshot) error {
	if s.fs == nil {
		every := s.FSEvery
		if every <= 0 {
			every = DefaultFSEvery
		}
		origin := time.Now()
		s.fs = &fsGauge{every: every, read: systemFS.filesystems, mono: func() time.Duration { return time.Since(origin) }}
	}
	v, err := s.fs.get(ctx)
	if s.fs.have {
		x.FSUsedBytes = v
	}
	return err
}
