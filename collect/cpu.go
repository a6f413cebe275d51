package collect

import (
	"context"
	"fmt"

	"github.com/shirou/gopsutil/v3/cpu"
)

// readCPU reads the CPU times summed over all logical CPUs (on Linux the
// "cpu" line of /proc/stat).
func readCPU(ctx context.Context, x *Snapshot) error {
	ts, err := cpu.TimesWithContext(ctx, false)
	if err != nil {
		return fmt.Errorf("read cpu times: %w", err)
	}
	if len(ts) == 0 {
		return ErrNoData
	}
	x.CPU = cpuTimes(ts[0])
	return nil
}

// cpuTimes returns the busy/idle split of t: idle + iowait is not busy
// (sar's %idle + %iowait); guest time is already counted in user.
func cpuTimes(t cpu.TimesStat) *CPUTimes {
	idle := t.Idle + t.Iowait
	return &CPUTimes{
		Idle:  idle,
		Total: t.User + t.Nice + t.System + idle + t.Irq + t.Softirq + t.Steal,
	}
}
