package realtimetest

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Agreement tolerances of a collector with sar, with the kernel's counters
// or with Prometheus (the realtime tests of collect and collect/importer):
// CPU within 2 percentage points, the others within 5 %, with an absolute floor for values near zero where
// 5 % of almost nothing is below the counters' resolution. They cover what
// differs between two correct collectors that read at the same instants:
// rounding (sar prints two decimals of kB/s), the clock each one divides by
// (/proc/uptime's 10 ms ticks for the shell and sadc, the monotonic clock
// for kvmfit collect).
const (
	TolCPUPoints   = 2.0
	TolRel         = 0.05
	FloorDiskBytes = 256 << 10 // 256 KiB/s
	FloorNetBytes  = 16 << 10  // 16 KiB/s
)

// Counters are the kernel's counters at one moment: CPU times in jiffies
// (USER_HZ) summed over all CPUs, everything else in bytes.
type Counters struct {
	// CPUIdle is idle + iowait (what sar counts as not busy); CPUBusy is
	// user + nice + system + irq + softirq + steal (guest time is inside
	// user). Both from the "cpu" line of /proc/stat.
	CPUBusy, CPUIdle float64
	// MemTotalBytes and MemAvailBytes are MemTotal and MemAvailable of
	// /proc/meminfo.
	MemTotalBytes, MemAvailBytes float64
	// DiskReadBytes and DiskWriteBytes are summed over the whole disks of
	// /proc/diskstats (those with /sys/block/NAME/device: the set of
	// kvmfit collect, the shell collector and sar -b).
	DiskReadBytes, DiskWriteBytes float64
	// NetRxBytes and NetTxBytes are summed over every interface of
	// /proc/net/dev but lo.
	NetRxBytes, NetTxBytes float64
}

// Counter picks one quantity out of Counters.
type Counter func(c *Counters) float64

// The quantities the comparisons use.
var (
	DiskRead  Counter = func(c *Counters) float64 { return c.DiskReadBytes }
	DiskWrite Counter = func(c *Counters) float64 { return c.DiskWriteBytes }
	NetRx     Counter = func(c *Counters) float64 { return c.NetRxBytes }
	NetTx     Counter = func(c *Counters) float64 { return c.NetTxBytes }
	CPUIdle   Counter = func(c *Counters) float64 { return c.CPUIdle }
	MemUsed   Counter = func(c *Counters) float64 { return c.MemTotalBytes - c.MemAvailBytes }
)

// Point is one reading of the counters, taken between Before and After,
// followed by a reading of the watched processes' read-syscall counts.
type Point struct {
	Before, After time.Time
	Counters
	syscr []int64 // per watched process; -1 when unknown
}

// Read is one burst of reads by a watched process: the process read the
// counters at some moment between Lo and Hi, when they held values between
// those of the points From and To (counters only grow, so the value it saw
// lies between the two).
type Read struct {
	From, To int
	Lo, Hi   time.Time
}

// Width is the uncertainty of the moment of the read.
func (r Read) Width() time.Duration { return r.Hi.Sub(r.Lo) }

// Range is an interval of possible values.
type Range struct{ Lo, Hi float64 }

// MaxDiff is the largest difference between a value in a and one in b:
// what two measurements can differ by when the first lies in a and the
// second in b.
func MaxDiff(a, b Range) float64 { return math.Max(0, math.Max(a.Hi-b.Lo, b.Hi-a.Lo)) }

// Trace reads the counters every few milliseconds, and after each reading
// the read-syscall counts (syscr of /proc/PID/io) of the watched processes,
// until Stop.
type Trace struct {
	every  time.Duration
	stop   chan struct{}
	done   chan struct{}
	ncpu   int
	wholes map[string]bool // disk name → whole disk (poll goroutine only)

	mu     sync.Mutex
	names  []string
	pids   []int
	starts []time.Time
	pts    []Point
	err    error
}

// mergeGap joins bursts of one process closer than this into one read: a
// collector that is preempted between two of its files still makes one
// reading.
const mergeGap = 60 * time.Millisecond

// Start begins a trace that reads the counters every every.
func Start(every time.Duration) (*Trace, error) {
	tr := &Trace{every: every, stop: make(chan struct{}), done: make(chan struct{}), wholes: map[string]bool{}}
	p, err := tr.poll()
	if err != nil {
		return nil, err
	}
	tr.pts = append(tr.pts, p)
	go tr.loop()
	return tr, nil
}

// Watch adds a process whose reads are recorded. started is a moment
// before the process was started (taken before exec.Cmd.Start): it had
// read nothing then, so its first reads count even when they come before
// the trace's first look at it.
func (tr *Trace) Watch(name string, pid int, started time.Time) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.names = append(tr.names, name)
	tr.pids = append(tr.pids, pid)
	tr.starts = append(tr.starts, started)
}

// Stop ends the trace and returns the first error a reading met, if any.
func (tr *Trace) Stop() error {
	select {
	case <-tr.stop:
	default:
		close(tr.stop)
	}
	<-tr.done
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.err
}

// NumCPU is the number of CPUs in /proc/stat.
func (tr *Trace) NumCPU() int { return tr.ncpu }

// Points returns the trace so far.
func (tr *Trace) Points() []Point {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.pts
}

func (tr *Trace) loop() {
	defer close(tr.done)
	for {
		select {
		case <-tr.stop:
			return
		case <-time.After(tr.every):
		}
		p, err := tr.poll()
		tr.mu.Lock()
		if err != nil && tr.err == nil {
			tr.err = err
		}
		if err == nil {
			tr.pts = append(tr.pts, p)
		}
		tr.mu.Unlock()
	}
}

// poll reads the counters, then the watched processes' syscr.
func (tr *Trace) poll() (Point, error) {
	var p Point
	p.Before = time.Now()
	files := [4][]byte{}
	for i, f := range []string{"/proc/stat", "/proc/meminfo", "/proc/diskstats", "/proc/net/dev"} {
		b, err := os.ReadFile(f)
		if err != nil {
			return p, err
		}
		files[i] = b
	}
	p.After = time.Now()
	var err error
	var ncpu int
	if p.CPUBusy, p.CPUIdle, ncpu, err = parseStat(files[0]); err != nil {
		return p, err
	}
	if tr.ncpu == 0 {
		tr.ncpu = ncpu
	}
	if p.MemTotalBytes, p.MemAvailBytes, err = parseMeminfo(files[1]); err != nil {
		return p, err
	}
	p.DiskReadBytes, p.DiskWriteBytes = parseDiskstats(files[2], tr.whole)
	p.NetRxBytes, p.NetTxBytes = parseNetDev(files[3])

	tr.mu.Lock()
	pids := tr.pids
	tr.mu.Unlock()
	p.syscr = make([]int64, len(pids))
	for i, pid := range pids {
		p.syscr[i] = -1
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/io"); err == nil {
			p.syscr[i] = parseSyscr(b)
		}
	}
	return p, nil
}

// whole reports whether a device of /proc/diskstats is a whole disk.
func (tr *Trace) whole(name string) bool {
	w, ok := tr.wholes[name]
	if !ok {
		_, err := os.Stat("/sys/block/" + strings.ReplaceAll(name, "/", "!") + "/device")
		w = err == nil
		tr.wholes[name] = w
	}
	return w
}

// Reads returns the read bursts of a watched process, in time order.
func (tr *Trace) Reads(name string) []Read {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for j, n := range tr.names {
		if n == name {
			base := -1 // the last point before the process started
			for k := range tr.pts {
				if tr.pts[k].After.After(tr.starts[j]) {
					break
				}
				base = k
			}
			return reads(tr.pts, j, base)
		}
	}
	return nil
}

// reads finds the bursts of process j in pts; at point base (if not -1)
// its count was 0, before it started. Each point reads the counters, then
// syscr; a count that grew between the known points p and k means a read
// after the counters of p (after pts[p].After) and, for the last growth m
// of the burst, before the counters of m+1 (before pts[m+1].Before).
func reads(pts []Point, j, base int) []Read {
	sc := func(k int) int64 {
		if j < len(pts[k].syscr) {
			return pts[k].syscr[j]
		}
		return -1
	}
	var out []Read
	known, last := base, int64(0) // the last point with a known count, and the count
	lastGrowth := -1
	for k := base + 1; k < len(pts); k++ {
		v := sc(k)
		if v < 0 {
			continue
		}
		if known < 0 || v <= last {
			known, last = k, v
			continue
		}
		to := min(k+1, len(pts)-1)
		if n := len(out); n > 0 && pts[k].Before.Sub(pts[lastGrowth].After) <= mergeGap {
			out[n-1].To, out[n-1].Hi = to, pts[to].Before
		} else {
			out = append(out, Read{From: known, To: to, Lo: pts[known].After, Hi: pts[to].Before})
		}
		known, last, lastGrowth = k, v, k
	}
	return out
}

// ReadNear returns the read of a watched process nearest to t, if one is
// within the given distance.
func (tr *Trace) ReadNear(name string, t time.Time, within time.Duration) (Read, bool) {
	return nearest(tr.Reads(name), t, within)
}

func nearest(rs []Read, t time.Time, within time.Duration) (Read, bool) {
	var best Read
	bestD := time.Duration(math.MaxInt64)
	for _, r := range rs {
		var d time.Duration
		switch {
		case t.Before(r.Lo):
			d = r.Lo.Sub(t)
		case t.After(r.Hi):
			d = t.Sub(r.Hi)
		}
		if d < bestD {
			best, bestD = r, d
		}
	}
	return best, bestD <= within
}

// Delta is the range of what counter c moved between a read at s and one
// at e.
func (tr *Trace) Delta(c Counter, s, e Read) Range {
	pts := tr.Points()
	lo := c(&pts[e.From].Counters) - c(&pts[s.To].Counters)
	hi := c(&pts[e.To].Counters) - c(&pts[s.From].Counters)
	return Range{math.Max(lo, 0), hi}
}

// Span is the range of the time in seconds between a read at s and one at e.
func Span(s, e Read) Range {
	return Range{math.Max(e.Lo.Sub(s.Hi).Seconds(), 1e-9), e.Hi.Sub(s.Lo).Seconds()}
}

// Rate is the range of counter c's rate per second between a read at s and
// one at e: what a collector reading at s and at e can have measured.
func (tr *Trace) Rate(c Counter, s, e Read) Range {
	d, sp := tr.Delta(c, s, e), Span(s, e)
	return Range{d.Lo / sp.Hi, d.Hi / sp.Lo}
}

// BusyPct is the range of the CPU busy percentage (100 × busy / (busy +
// idle) jiffies, sar's %user..%steal) between a read at s and one at e.
func (tr *Trace) BusyPct(s, e Read) Range {
	b := tr.Delta(func(c *Counters) float64 { return c.CPUBusy }, s, e)
	i := tr.Delta(CPUIdle, s, e)
	pct := func(b, i float64) float64 {
		if b+i <= 0 {
			return 0
		}
		return 100 * b / (b + i)
	}
	return Range{pct(b.Lo, i.Hi), pct(b.Hi, i.Lo)}
}

// Gauge is the range of gauge c over a read.
func (tr *Trace) Gauge(c Counter, r Read) Range {
	pts := tr.Points()
	out := Range{math.Inf(1), math.Inf(-1)}
	for k := r.From; k <= r.To; k++ {
		v := c(&pts[k].Counters)
		out.Lo, out.Hi = math.Min(out.Lo, v), math.Max(out.Hi, v)
	}
	return out
}

// parseStat returns the busy and idle jiffies of the "cpu" line of
// /proc/stat and the number of "cpuN" lines.
func parseStat(b []byte) (busy, idle float64, ncpu int, err error) {
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		fs := strings.Fields(line)
		if len(fs) == 0 || !strings.HasPrefix(fs[0], "cpu") {
			continue
		}
		if fs[0] != "cpu" {
			ncpu++
			continue
		}
		found = true
		// user nice system idle iowait irq softirq steal [guest guest_nice]
		for i, f := range fs[1:] {
			if i >= 8 {
				break
			}
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return 0, 0, 0, fmt.Errorf("/proc/stat: %q: %w", line, err)
			}
			if i == 3 || i == 4 {
				idle += v
			} else {
				busy += v
			}
		}
	}
	if !found {
		return 0, 0, 0, errors.New("/proc/stat: no cpu line")
	}
	return busy, idle, ncpu, nil
}

// parseMeminfo returns MemTotal and MemAvailable in bytes.
func parseMeminfo(b []byte) (total, avail float64, err error) {
	var gotT, gotA bool
	for _, line := range strings.Split(string(b), "\n") {
		fs := strings.Fields(line)
		if len(fs) < 2 {
			continue
		}
		v, perr := strconv.ParseFloat(fs[1], 64)
		switch fs[0] {
		case "MemTotal:":
			total, gotT = v*1024, perr == nil
		case "MemAvailable:":
			avail, gotA = v*1024, perr == nil
		}
	}
	if !gotT || !gotA {
		return 0, 0, errors.New("/proc/meminfo: no MemTotal or MemAvailable")
	}
	return total, avail, nil
}

// parseDiskstats sums the sectors read and written (× 512) of the devices
// whole reports as whole disks.
func parseDiskstats(b []byte, whole func(string) bool) (read, written float64) {
	for _, line := range strings.Split(string(b), "\n") {
		fs := strings.Fields(line)
		if len(fs) < 14 || !whole(fs[2]) {
			continue
		}
		r, _ := strconv.ParseFloat(fs[5], 64)
		w, _ := strconv.ParseFloat(fs[9], 64)
		read += 512 * r
		written += 512 * w
	}
	return read, written
}

// parseNetDev sums the received and transmitted bytes of every interface
// but lo.
func parseNetDev(b []byte) (rx, tx float64) {
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "lo" {
			continue
		}
		fs := strings.Fields(rest)
		if len(fs) < 9 {
			continue
		}
		r, _ := strconv.ParseFloat(fs[0], 64)
		t, _ := strconv.ParseFloat(fs[8], 64)
		rx += r
		tx += t
	}
	return rx, tx
}

// parseSyscr returns the syscr count of /proc/PID/io, or -1.
func parseSyscr(b []byte) int64 {
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("syscr:")); ok {
			n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}
