//go:build linux && realtime

package collect

// What the real-time comparisons share (go test -tags realtime, make
// test-realtime). They run kvmfit collect beside another collector on this
// machine, in real time, and compare the rows.
//
// Two collectors never read the kernel's counters at the same instant: on
// an idle machine they are a few milliseconds apart, on a loaded one tens
// or hundreds, and whatever moved in between (another process's burst of
// IO, a CPU-bound job starting) lands in different rows. A fixed tolerance
// wide enough for that would hide real bugs, so each comparison records a
// trace of the counters every 5 ms together with the moments each
// collector read them (realtimetest.Trace), and allows, on top of the
// agreement tolerance of issue 3, exactly what the trace says the counters
// moved between the two collectors' reads. On an idle machine that
// allowance is close to zero; under load it grows with the load, never
// beyond what was measured. A collector that reports wrong units, misses a
// device or mixes up an interval still fails: the driven load (synced
// writes, UDP, stress-ng) is steady and far larger than the allowance.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	rt "github.com/kvmfit/kvmfit/collect/internal/realtimetest"
	"github.com/kvmfit/kvmfit/model"
)

const (
	// traceEvery is the trace's period: each collector's read is placed
	// within about two periods.
	traceEvery = 5 * time.Millisecond
	// readWithin is how far from a sub-sample tick a collector's read may
	// be and still count as that tick's: its other reads are a sample
	// period (1 s) away.
	readWithin = 400 * time.Millisecond
	// maxReadWidth: the trace places a read within the polls around it,
	// wider when its own goroutine or the collector was starved; the
	// allowance grows with the width (what the counters moved in it), so a
	// wide read still counts. Past this width a burst may hold two of a
	// collector's 1 s readings: the rows that need it are logged and not
	// compared.
	maxReadWidth = 800 * time.Millisecond
)

// startTrace starts the counters' trace for a test.
func startTrace(t *testing.T) *rt.Trace {
	t.Helper()
	tr, err := rt.Start(traceEvery)
	if err != nil {
		t.Fatalf("trace of /proc: %v", err)
	}
	t.Cleanup(func() { tr.Stop() })
	return tr
}

// crow is one 5 s row of a collector in the dataset's units: the means and
// the maxima over its 1 s sub-samples.
type crow struct {
	cpu, cpuMax, mem, writeMax float64
	rate                       [4]float64 // rateNames
}

var (
	rateNames    = [4]string{"disk write B/s", "disk read B/s", "net rx B/s", "net tx B/s"}
	rateMetrics  = [4]model.Metric{model.DiskWriteBytesPerSec, model.DiskReadBytesPerSec, model.NetRxBytesPerSec, model.NetTxBytesPerSec}
	rateCounters = [4]rt.Counter{rt.DiskWrite, rt.DiskRead, rt.NetRx, rt.NetTx}
	rateFloors   = [4]float64{rt.FloorDiskBytes, rt.FloorDiskBytes, rt.FloorNetBytes, rt.FloorNetBytes}
)

// rowOf returns row i of a dataset series.
func rowOf(s *model.Series, i int) crow {
	r := crow{
		cpu: s.Mean[model.CPUBusyPct][i], cpuMax: s.Max[model.CPUBusyPct][i],
		mem: s.Mean[model.MemUsedBytes][i], writeMax: s.Max[model.DiskWriteBytesPerSec][i],
	}
	for k, m := range rateMetrics {
		r.rate[k] = s.Mean[m][i]
	}
	return r
}

// pair names the two collectors of a comparison in the trace. a made the
// rows under test (kvmfit collect), reading every 1 s tick; bMean made the
// other side's means (reading at the ends of the row), bSub its 1 s
// readings (memory and the maxima). For the shell collector both are the
// shell; sar's means and 1 s readings come from two sadc.
//
// bStamped says that b's records carry the second in which it read
// (sadc's): its read for tick k lies in [k, k+1) however far its timer
// drifted, while a collector that schedules on the tick (kvmfit collect,
// the shell) reads within readWithin of it.
type pair struct {
	a, bMean, bSub, other string
	bStamped              bool
}

// compareRow compares one 5 s row ending at end. Each quantity may differ
// by the agreement tolerance plus what the trace says the counters moved
// between the two collectors' reads (realtimetest.MaxDiff of the ranges
// each one's reads allow):
//   - CPU and rate means: the reads at the row's two ends;
//   - memory, a gauge read at every tick: the mean over the row's five
//     readings of what it moved between the two collectors' reads;
//   - maxima, the largest 1 s sub-sample: when every sub-sample agrees
//     within its own allowance, the maxima agree within the largest.
//
// It reports whether the row was compared: rows for which the trace
// cannot place a read are logged and skipped.
func compareRow(t *testing.T, tr *rt.Trace, p pair, end time.Time, a, b crow) bool {
	t.Helper()
	at := end.UTC().Format(time.TimeOnly)
	read := func(name string, tick time.Time) (rt.Read, bool) {
		center, within := tick, readWithin
		if name != p.a && p.bStamped {
			center, within = tick.Add(time.Second/2), time.Second/2
		}
		r, ok := tr.ReadNear(name, center, within)
		if !ok {
			t.Logf("row ending %s: no read by %s near %s (nearest %s..%s); row not compared", at, name, tick.UTC().Format("15:04:05.000"),
				r.Lo.UTC().Format("15:04:05.000"), r.Hi.UTC().Format("15:04:05.000"))
		} else if r.Width() > maxReadWidth {
			t.Logf("row ending %s: the trace places %s's read near %s only within %s; row not compared", at, name, tick.UTC().Format("15:04:05.000"), r.Width())
			ok = false
		}
		return r, ok
	}
	start := end.Add(-5 * time.Second)
	var ta, tb [6]rt.Read
	for k := range ta {
		var ok1, ok2 bool
		if ta[k], ok1 = read(p.a, start.Add(time.Duration(k)*time.Second)); !ok1 {
			return false
		}
		if tb[k], ok2 = read(p.bSub, start.Add(time.Duration(k)*time.Second)); !ok2 {
			return false
		}
	}
	bS, ok1 := read(p.bMean, start)
	bE, ok2 := read(p.bMean, end)
	if !ok1 || !ok2 {
		return false
	}
	var log strings.Builder
	check := func(what string, got, want, rel, floor, moved float64) {
		limit := rel*math.Abs(want) + floor + moved
		fmt.Fprintf(&log, "  %s %.2f/%.2f (moved %.2f)", what, got, want, moved)
		if math.Abs(got-want) > limit {
			t.Errorf("row ending %s: %s: kvmfit collect %.2f, %s %.2f; allowed %.2f, of which %.2f is what the counters moved between their reads",
				at, what, got, p.other, want, limit, moved)
		}
	}
	var apart, width time.Duration
	for k := range ta {
		apart = max(apart, ta[k].Lo.Sub(tb[k].Lo).Abs())
		width = max(width, ta[k].Width(), tb[k].Width())
	}
	apart = max(apart, ta[0].Lo.Sub(bS.Lo).Abs(), ta[5].Lo.Sub(bE.Lo).Abs())
	fmt.Fprintf(&log, " reads up to %s apart, placed within %s;", apart.Round(time.Millisecond), width.Round(time.Millisecond))
	check("cpu %", a.cpu, b.cpu, 0, rt.TolCPUPoints, rt.MaxDiff(tr.BusyPct(ta[0], ta[5]), tr.BusyPct(bS, bE)))
	for k, c := range rateCounters {
		check(rateNames[k], a.rate[k], b.rate[k], rt.TolRel, rateFloors[k], rt.MaxDiff(tr.Rate(c, ta[0], ta[5]), tr.Rate(c, bS, bE)))
	}
	var memMoved, cpuMaxMoved, writeMaxMoved float64
	for k := 1; k <= 5; k++ {
		memMoved += rt.MaxDiff(tr.Gauge(rt.MemUsed, ta[k]), tr.Gauge(rt.MemUsed, tb[k])) / 5
		cpuMaxMoved = math.Max(cpuMaxMoved, rt.MaxDiff(tr.BusyPct(ta[k-1], ta[k]), tr.BusyPct(tb[k-1], tb[k])))
		writeMaxMoved = math.Max(writeMaxMoved, rt.MaxDiff(tr.Rate(rt.DiskWrite, ta[k-1], ta[k]), tr.Rate(rt.DiskWrite, tb[k-1], tb[k])))
	}
	check("mem used B", a.mem, b.mem, rt.TolRel, 0, memMoved)
	check("cpu % max", a.cpuMax, b.cpuMax, 0, rt.TolCPUPoints, cpuMaxMoved)
	check("disk write B/s max", a.writeMax, b.writeMax, rt.TolRel, rt.FloorDiskBytes, writeMaxMoved)
	t.Logf("row ending %s (kvmfit/%s):%s", at, p.other, log.String())
	return true
}

// collectProc is a running kvmfit collect whose stderr is kept, with the
// moment it started sampling (its "collecting into" line).
type collectProc struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan time.Time
	eof   chan struct{}
}

// startCollect starts kvmfit collect with args.
func startCollect(t *testing.T, bin string, args ...string) *collectProc {
	t.Helper()
	c := &collectProc{cmd: exec.Command(bin, append([]string{"collect"}, args...)...), ready: make(chan time.Time, 1), eof: make(chan struct{})}
	pipe, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.eof)
		br := bufio.NewReader(pipe)
		for {
			line, err := br.ReadString('\n')
			now := time.Now()
			c.mu.Lock()
			c.buf.WriteString(line)
			c.mu.Unlock()
			if strings.Contains(line, "collecting into") {
				c.ready <- now
			}
			if err != nil {
				io.Copy(io.Discard, br)
				return
			}
		}
	}()
	return c
}

// wait waits for the process, after its stderr is read to the end.
func (c *collectProc) wait() error {
	<-c.eof
	return c.cmd.Wait()
}

// stderr returns what the process wrote to stderr so far.
func (c *collectProc) stderr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}
