package collect

import (
	"math"
	"time"
)

// Snapshot is one reading of a server's cumulative counters and gauges,
// taken at one sub-sample tick. Counters are cumulative since boot; the
// collector turns the difference between two snapshots into rates.
type Snapshot struct {
	// CPU holds the CPU times summed over all logical CPUs; nil when the
	// source could not read them.
	CPU *CPUTimes
	// MemUsedBytes and MemTotalBytes are gauges; NaN when unknown.
	MemUsedBytes, MemTotalBytes float64
	// FSUsedBytes is the used bytes of the local filesystems, summed (a
	// gauge, read at most once a minute and repeated in between); NaN when
	// unknown.
	FSUsedBytes float64
	// Disks holds the counters of every whole physical disk by name; nil
	// when disk counters could not be read (an empty map means no disks).
	Disks map[string]DiskCounters
	// NICs holds the counters of every interface but loopback by name; nil
	// when network counters could not be read.
	NICs map[string]NICCounters
}

// newSnapshot returns an empty snapshot: no counters, every gauge NaN
// (unknown until a reader fills it).
func newSnapshot() Snapshot {
	return Snapshot{MemUsedBytes: math.NaN(), MemTotalBytes: math.NaN(), FSUsedBytes: math.NaN()}
}

// CPUTimes are cumulative CPU times in seconds, summed over all logical CPUs.
type CPUTimes struct {
	// Idle is idle plus iowait time: what sar counts as not busy (%idle +
	// %iowait).
	Idle float64
	// Total is user + nice + system + idle + iowait + irq + softirq +
	// steal. Guest time is already inside user (Linux), so it is not added.
	Total float64
}

// DiskCounters are the cumulative counters of one disk.
type DiskCounters struct {
	ReadBytes, WriteBytes, ReadOps, WriteOps uint64
}

// NICCounters are the cumulative byte counters of one interface.
type NICCounters struct {
	RxBytes, TxBytes uint64
}

// Plausibility ceilings of one device's rate; a larger rate between two
// sub-samples means the counter was reset or replaced (a device re-attached,
// a driver reloaded), and the sub-sample is skipped for that device.
const (
	maxDeviceBytesPerSec = 1e11 // 100 GB/s, above any disk or NIC of a legacy server
	maxDeviceOpsPerSec   = 1e8
)

// counterDelta returns cur − prev of a cumulative counter. A counter that
// went backwards by less than half the 32-bit range from a value that fits
// in 32 bits wrapped (32-bit kernels and drivers): the delta is counted
// across the wrap. Any other decrease is a reset (reboot, device removed and
// re-added): ok is false and the whole sub-sample is left out of that
// resource's mean and max (its time too), as node_exporter keeps the last
// good value rather than report a negative or absurd rate.
func counterDelta(prev, cur uint64) (d uint64, ok bool) {
	if cur >= prev {
		return cur - prev, true
	}
	if prev <= math.MaxUint32 && cur <= math.MaxUint32 {
		if w := (math.MaxUint32 - prev) + cur + 1; w < 1<<31 {
			return w, true
		}
	}
	return 0, false
}

// rateDelta is counterDelta with the plausibility ceiling for a rate over
// dt seconds.
// A disk or interface that appears between two readings has no baseline and
// counts from the next sub-sample on.
func rateDelta(prev, cur uint64, dt, ceiling float64) (float64, bool) {
	d, ok := counterDelta(prev, cur)
	if !ok || float64(d) > ceiling*dt {
		return 0, false
	}
	return float64(d), true
}

// subSample is what happened between two snapshots: per metric, the amount
// (bytes, operations, busy CPU seconds) and the seconds it was measured
// over. ok[m] is false when m could not be measured in this sub-sample.
type subSample struct {
	amount [numRates]float64
	ok     [numRates]bool
	// cpuBusy and cpuTotal are the CPU seconds busy and in total.
	cpuBusy, cpuTotal float64
	cpuOK             bool
	dt                float64
}

// rate metrics, in the order of rateMetric.
const (
	rDiskRead = iota
	rDiskWrite
	rDiskReadOps
	rDiskWriteOps
	rNetRx
	rNetTx
	numRates
)

// diff computes the sub-sample from prev to cur over dt (monotonic time).
func diff(prev, cur *Snapshot, dt time.Duration) subSample {
	var s subSample
	s.dt = dt.Seconds()
	if s.dt <= 0 {
		return s
	}
	if prev.CPU != nil && cur.CPU != nil {
		dTotal := cur.CPU.Total - prev.CPU.Total
		dIdle := cur.CPU.Idle - prev.CPU.Idle
		// iowait may step backwards a little on tickless kernels; clamp
		// rather than report a negative or above-100 busy share.
		if dTotal > 0 {
			busy := math.Min(math.Max(dTotal-dIdle, 0), dTotal)
			s.cpuBusy, s.cpuTotal, s.cpuOK = busy, dTotal, true
		}
	}
	if prev.Disks != nil && cur.Disks != nil {
		ok := true
		for name, c := range cur.Disks {
			p, seen := prev.Disks[name]
			if !seen {
				continue // new disk: no baseline yet
			}
			rb, ok1 := rateDelta(p.ReadBytes, c.ReadBytes, s.dt, maxDeviceBytesPerSec)
			wb, ok2 := rateDelta(p.WriteBytes, c.WriteBytes, s.dt, maxDeviceBytesPerSec)
			ro, ok3 := rateDelta(p.ReadOps, c.ReadOps, s.dt, maxDeviceOpsPerSec)
			wo, ok4 := rateDelta(p.WriteOps, c.WriteOps, s.dt, maxDeviceOpsPerSec)
			if !(ok1 && ok2 && ok3 && ok4) {
				ok = false // a reset: the sub-sample is not measured
				break
			}
			s.amount[rDiskRead] += rb
			s.amount[rDiskWrite] += wb
			s.amount[rDiskReadOps] += ro
			s.amount[rDiskWriteOps] += wo
		}
		for r := rDiskRead; r <= rDiskWriteOps; r++ {
			s.ok[r] = ok
		}
	}
	if prev.NICs != nil && cur.NICs != nil {
		ok := true
		for name, c := range cur.NICs {
			p, seen := prev.NICs[name]
			if !seen {
				continue
			}
			rx, ok1 := rateDelta(p.RxBytes, c.RxBytes, s.dt, maxDeviceBytesPerSec)
			tx, ok2 := rateDelta(p.TxBytes, c.TxBytes, s.dt, maxDeviceBytesPerSec)
			if !(ok1 && ok2) {
				ok = false
				break
			}
			s.amount[rNetRx] += rx
			s.amount[rNetTx] += tx
		}
		s.ok[rNetRx], s.ok[rNetTx] = ok, ok
	}
	return s
}
