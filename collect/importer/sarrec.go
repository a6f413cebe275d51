package importer

import (
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// sarRec is what sysstat recorded for one host at one time, whatever the
// output it came from (sadf -j, sadf -d, sar -A text). Absent values are NaN.
type sarRec struct {
	host     string
	end      time.Time     // sar's timestamp: the end of the interval
	interval time.Duration // 0 = unknown

	cpuIdle, cpuIowait float64 // CPU "all", percent

	// Memory, kB as sar prints it.
	memFree, memAvail, memUsed, memUsedPct, memBuffers, memCached, memSlab float64

	// -b: whole physical disks as sysstat sums them.
	ioRtps, ioWtps, ioBread, ioBwrtn float64

	devs []sarDev
	nets []sarNet
	fss  []sarFS
}

// sarFS is one filesystem of sar -F: its name (the device, or the mount
// point with sar -F MOUNT) and its free and used space in MB (of 2^20
// bytes): MBfsfree counts the blocks reserved for root as free, so size =
// free + used and used is df's.
type sarFS struct {
	name           string
	freeMB, usedMB float64
}

type sarDev struct {
	name           string
	rBytes, wBytes float64 // per second
}

type sarNet struct {
	name             string
	rxBytes, txBytes float64 // per second
}

// values points at the single values of r (CPU, memory, -b), in a fixed
// order.
func (r *sarRec) values() []*float64 {
	return []*float64{&r.cpuIdle, &r.cpuIowait,
		&r.memFree, &r.memAvail, &r.memUsed, &r.memUsedPct, &r.memBuffers, &r.memCached, &r.memSlab,
		&r.ioRtps, &r.ioWtps, &r.ioBread, &r.ioBwrtn}
}

// newSarRec returns a record with every value absent.
func newSarRec() *sarRec {
	r := &sarRec{}
	for _, v := range r.values() {
		*v = math.NaN()
	}
	return r
}

// merge copies the values present in o into r.
func (r *sarRec) merge(o *sarRec) {
	from := o.values()
	for i, dst := range r.values() {
		if v := *from[i]; !math.IsNaN(v) {
			*dst = v
		}
	}
	r.devs = append(r.devs, o.devs...)
	r.nets = append(r.nets, o.nets...)
	r.fss = append(r.fss, o.fss...)
	if o.interval > r.interval {
		r.interval = o.interval
	}
	if r.host == "" {
		r.host = o.host
	}
}

// sarMemTotalKB works out the installed memory, which sar does not print.
// kbmemused changed meaning across sysstat versions:
//
//	up to 11.x       kbmemused = total − kbmemfree
//	12.0 – 12.6      kbmemused = total − kbmemfree − kbbuffers − kbcached − kbslab
//	12.7 and later   kbmemused = total − kbavail
//
// and %memused = 100 × kbmemused / total in all of them. The candidate total
// whose ratio gives the printed %memused (2 decimals) is taken, in the order
// newest-first; if none does, total = kbmemused × 100 / %memused. method
// names the rule used, for the inventory notes.
func sarMemTotalKB(r *sarRec) (total float64, method string) {
	if math.IsNaN(r.memUsed) || math.IsNaN(r.memUsedPct) {
		if !math.IsNaN(r.memFree) && !math.IsNaN(r.memUsed) {
			return r.memFree + r.memUsed, "total = kbmemfree + kbmemused (no %memused)"
		}
		return math.NaN(), ""
	}
	type cand struct {
		v      float64
		method string
	}
	cands := []cand{
		{r.memUsed + r.memAvail, "sysstat ≥ 12.7: kbmemused = total − kbavail"},
		{r.memUsed + r.memFree + r.memBuffers + r.memCached + r.memSlab, "sysstat 12.0–12.6: kbmemused = total − kbmemfree − kbbuffers − kbcached − kbslab"},
		{r.memUsed + r.memFree, "sysstat ≤ 11: kbmemused = total − kbmemfree"},
	}
	for _, c := range cands {
		if math.IsNaN(c.v) || c.v <= 0 {
			continue
		}
		if math.Abs(100*r.memUsed/c.v-r.memUsedPct) <= 0.005+1e-9 {
			return c.v, c.method
		}
	}
	if r.memUsedPct > 0 {
		return r.memUsed * 100 / r.memUsedPct, "total estimated as kbmemused × 100 / %memused (no exact rule matched)"
	}
	return math.NaN(), ""
}

// sample converts a record into a sample and the notes that explain how.
// sar keeps interval averages only, so max = mean.
//
//	cpu_busy_pct     100 − %idle − %iowait of CPU "all"
//	mem_total_bytes  see sarMemTotalKB, × 1024
//	mem_used_bytes   total − kbavail when kbavail is recorded (sysstat ≥ 11.x),
//	                 else total − kbmemfree − kbbuffers − kbcached; × 1024
//	disk_*           from -b: bread/s, bwrtn/s × 512 bytes, rtps, wtps (sysstat sums
//	                 whole physical disks there); without -b the whole disks of -d
//	                 (rkB/s, wkB/s) are summed and IOPS are not known
//	net_*            rxkB/s, txkB/s × 1024 summed over every interface but lo
//	fs_used_bytes    MBfsused × 2^20 summed over the filesystems of sar -F
//	                 (sysstat lists those whose device is a path: no network,
//	                 memory or pseudo filesystems)
func (r *sarRec) sample() (model.Sample, []string) {
	x := model.NewSample(r.end.Add(-r.interval), r.interval)
	var notes []string
	set := func(m model.Metric, v float64) { setAverage(&x, m, v) }
	if !math.IsNaN(r.cpuIdle) {
		io := r.cpuIowait
		if math.IsNaN(io) {
			io = 0
		}
		set(model.CPUBusyPct, math.Min(100, 100-r.cpuIdle-io))
	}
	if total, method := sarMemTotalKB(r); !math.IsNaN(total) {
		set(model.MemTotalBytes, total*1024)
		notes = append(notes, "mem_total_bytes: "+method)
		switch {
		case !math.IsNaN(r.memAvail):
			set(model.MemUsedBytes, (total-r.memAvail)*1024)
			notes = append(notes, "mem_used_bytes = total − kbavail")
		case !math.IsNaN(r.memFree) && !math.IsNaN(r.memBuffers) && !math.IsNaN(r.memCached):
			set(model.MemUsedBytes, (total-r.memFree-r.memBuffers-r.memCached)*1024)
			notes = append(notes, "mem_used_bytes = total − kbmemfree − kbbuffers − kbcached (no kbavail)")
		}
	}
	if !math.IsNaN(r.ioBread) || !math.IsNaN(r.ioRtps) {
		set(model.DiskReadBytesPerSec, r.ioBread*512)
		set(model.DiskWriteBytesPerSec, r.ioBwrtn*512)
		set(model.DiskReadIOPS, r.ioRtps)
		set(model.DiskWriteIOPS, r.ioWtps)
		notes = append(notes, "disk figures from sar -b (sysstat sums whole physical disks: no partitions, device-mapper, md or loop)")
	} else if len(r.devs) > 0 {
		var rb, wb float64
		names := make([]string, len(r.devs))
		for i, d := range r.devs {
			names[i] = d.name
		}
		for i, ok := range wholeDisks(names) {
			if ok {
				rb += r.devs[i].rBytes
				wb += r.devs[i].wBytes
			}
		}
		set(model.DiskReadBytesPerSec, rb)
		set(model.DiskWriteBytesPerSec, wb)
		notes = append(notes, "disk bytes summed over the whole disks of sar -d; no -b data, so disk IOPS are unknown")
	}
	if len(r.nets) > 0 {
		var rx, tx float64
		for _, n := range r.nets {
			if n.name == "lo" {
				continue
			}
			rx += n.rxBytes
			tx += n.txBytes
		}
		set(model.NetRxBytesPerSec, rx)
		set(model.NetTxBytesPerSec, tx)
	}
	if fss := r.filesystems(); len(fss) > 0 {
		var used float64
		for _, f := range fss {
			used += f.usedMB
		}
		set(model.FSUsedBytes, used*(1<<20))
		notes = append(notes, "fs_used_bytes = MBfsused of sar -F summed; filesystems: size = MBfsfree + MBfsused at the last sample")
	}
	return x, notes
}

// filesystems returns the record's filesystems with a value, each name once
// (the last), in name order.
func (r *sarRec) filesystems() []sarFS {
	by := map[string]sarFS{}
	for _, f := range r.fss {
		if f.name != "" && !math.IsNaN(f.usedMB) && !math.IsNaN(f.freeMB) {
			by[f.name] = f
		}
	}
	out := make([]sarFS, 0, len(by))
	for _, f := range by {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

var (
	devMajorMinor = regexp.MustCompile(`^dev(\d+)-(\d+)$`)
	virtualDisk   = regexp.MustCompile(`^(dm-\d+|loop\d+|ram\d+|zram\d+|md\d+|md_.*|nbd\d+|sr\d+|fd\d+)$`)
)

// wholeDisks reports which device names of one sar -d record are whole
// physical disks: partitions (sda1 when sda is listed, nvme0n1p2 when
// nvme0n1 is), device-mapper, md, loop, ram and optical devices are
// excluded, as are devMAJOR-MINOR names of those (sar without -p) and the
// partitions among them (minor not a multiple of 16 for SCSI and Xen disks,
// of 64 for IDE).
func wholeDisks(names []string) []bool {
	present := make(map[string]bool, len(names))
	for _, n := range names {
		present[n] = true
	}
	out := make([]bool, len(names))
	for i, n := range names {
		out[i] = isWholeDisk(n, present)
	}
	return out
}

func isWholeDisk(n string, present map[string]bool) bool {
	if virtualDisk.MatchString(n) {
		return false
	}
	if m := devMajorMinor.FindStringSubmatch(n); m != nil {
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		switch {
		case major == 1 || major == 7 || major == 9 || major == 11 || (major >= 250 && major <= 254):
			return false // ram, loop, md, sr, device-mapper / zram (usual dynamic majors)
		case major == 8 || (major >= 65 && major <= 71) || (major >= 128 && major <= 135) || major == 202:
			return minor%16 == 0
		case major == 3 || major == 22 || major == 33 || major == 34:
			return minor%64 == 0
		}
		return true
	}
	// A name ending in digits is a partition if its stem is listed.
	stem := strings.TrimRight(n, "0123456789")
	if stem != n && stem != "" {
		if present[stem] || (strings.HasSuffix(stem, "p") && present[strings.TrimSuffix(stem, "p")]) {
			return false
		}
	}
	return true
}
