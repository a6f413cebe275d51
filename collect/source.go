package collect

import (
	"context"
	"errors"
	"fmt"
)

// SystemSource reads this server's counters through gopsutil: one reader
// per resource (cpu.go, mem.go, disk.go, net.go), as node_exporter has one
// collector per source. A resource that cannot be read is left out of the
// snapshot (its columns stay empty) and the first error of each resource is
// logged once.
type SystemSource struct {
	// Disks lists the whole physical disks to read (the inventory's); nil
	// reads PhysicalDisks at the first reading.
	Disks  []string
	Logf   func(format string, args ...any)
	warned map[string]bool
}

// Read fills x with the CPU times, memory, disk and network counters.
func (s *SystemSource) Read(ctx context.Context, x *Snapshot) error {
	var failed int
	for _, r := range []struct {
		name string
		read func(context.Context, *Snapshot) error
	}{
		{"cpu", readCPU},
		{"memory", readMem},
		{"disk", s.readDisks},
		{"network", readNet},
	} {
		if err := r.read(ctx, x); err != nil {
			failed++
			s.warnOnce(r.name, err)
		}
	}
	if failed == 4 {
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
