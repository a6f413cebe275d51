package model

import (
	"fmt"
	"slices"
)

// Metric is one measured quantity of a server. Every metric is stored with
// the mean and the maximum over each sample interval.
type Metric int

// The canonical metrics. Their String form is the column stem in samples
// files and the JSON key in `kvmfit show --json`.
const (
	CPUBusyPct           Metric = iota // 0-100 % of the server's whole CPU capacity
	MemUsedBytes                       // memory in use, without reclaimable cache
	MemTotalBytes                      // memory installed (or provisioned)
	DiskReadBytesPerSec                // all physical disks
	DiskWriteBytesPerSec               // all physical disks
	DiskReadIOPS                       // read operations per second
	DiskWriteIOPS                      // write operations per second
	NetRxBytesPerSec                   // all interfaces but loopback
	NetTxBytesPerSec                   // all interfaces but loopback
	FSUsedBytes                        // used bytes of the local filesystems, summed (what a P2V copies)
	NumMetrics
)

var metricNames = [NumMetrics]string{
	"cpu_busy_pct",
	"mem_used_bytes",
	"mem_total_bytes",
	"disk_read_bytes_per_sec",
	"disk_write_bytes_per_sec",
	"disk_read_iops",
	"disk_write_iops",
	"net_rx_bytes_per_sec",
	"net_tx_bytes_per_sec",
	"fs_used_bytes",
}

// String returns the canonical name, e.g. "cpu_busy_pct".
func (m Metric) String() string {
	if m < 0 || m >= NumMetrics {
		return fmt.Sprintf("metric(%d)", int(m))
	}
	return metricNames[m]
}

// MetricByName returns the metric with the canonical name s.
func MetricByName(s string) (Metric, bool) { return byName[Metric](metricNames[:], s) }

// byName returns the position of s in names, as a T.
func byName[T ~int](names []string, s string) (T, bool) {
	if i := slices.Index(names, s); i >= 0 {
		return T(i), true
	}
	return 0, false
}

// Dim is one resource dimension of a KVM host that demand is packed into.
type Dim int

// The packing dimensions and their units.
const (
	DimCPU       Dim = iota // reference cores (see docs/model.md)
	DimMem                  // bytes
	DimDiskIOPS             // read + write operations per second
	DimDiskBytes            // read + write bytes per second
	DimNetBytes             // receive + transmit bytes per second
	NumDims
)

var dimNames = [NumDims]string{"cpu", "mem", "disk_iops", "disk_bytes", "net_bytes"}
var dimUnits = [NumDims]string{"ref_cores", "bytes", "iops", "bytes_per_sec", "bytes_per_sec"}

// String returns the dimension name used in plan.json, e.g. "mem".
func (d Dim) String() string {
	if d < 0 || d >= NumDims {
		return fmt.Sprintf("dim(%d)", int(d))
	}
	return dimNames[d]
}

// Unit returns the unit of the dimension, e.g. "bytes".
func (d Dim) Unit() string {
	if d < 0 || d >= NumDims {
		return ""
	}
	return dimUnits[d]
}

// DimByName returns the dimension with name s.
func DimByName(s string) (Dim, bool) { return byName[Dim](dimNames[:], s) }
