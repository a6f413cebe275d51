package collect

import (
	"context"
	"fmt"

	"github.com/shirou/gopsutil/v3/mem"
)

// readMem reads memory in use and total. Used is total − available, where
// available is the kernel's MemAvailable (Linux 3.14+); gopsutil falls back
// to free + buffers + cached on older kernels and uses the OS's own figure
// on Windows. It equals sar's MemTotal − kbavail (not sar's kbmemused,
// which also subtracts all of Slab); docs/collector.md has the mapping.
func readMem(ctx context.Context, x *Snapshot) error {
	v, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return fmt.Errorf("read memory: %w", err)
	}
	if v.Total == 0 {
		return ErrNoData
	}
	avail := min(v.Available, v.Total)
	x.MemTotalBytes = float64(v.Total)
	x.MemUsedBytes = float64(v.Total - avail)
	return nil
}
