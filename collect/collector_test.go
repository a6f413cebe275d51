package collect

import (
	"context"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// fakeClock is a Clock whose Sleep returns at once after advancing both
// clocks; at() hooks let a test step the wall clock or cancel at a given
// monotonic time.
type fakeClock struct {
	wall   time.Time
	mono   time.Duration
	events []clockEvent
}

type clockEvent struct {
	at time.Duration
	do func(c *fakeClock) // returns after changing the clock or cancelling
}

func (c *fakeClock) Now() time.Time      { return c.wall }
func (c *fakeClock) Mono() time.Duration { return c.mono }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	target := c.mono + d
	for len(c.events) > 0 && c.events[0].at <= target {
		ev := c.events[0]
		c.events = c.events[1:]
		c.wall = c.wall.Add(ev.at - c.mono)
		c.mono = ev.at
		ev.do(c)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	c.wall = c.wall.Add(target - c.mono)
	c.mono = target
	return nil
}

// scriptSource returns snapshots computed from the fake clock's monotonic
// time by fn.
type scriptSource struct {
	clk *fakeClock
	fn  func(t float64, x *Snapshot)
}

func (s *scriptSource) Read(ctx context.Context, x *Snapshot) error {
	s.fn(s.clk.mono.Seconds(), x)
	return nil
}

type sliceSink struct{ rows []model.Sample }

func (s *sliceSink) Append(x model.Sample) error { s.rows = append(s.rows, x); return nil }

var t0 = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

// integral of a piecewise-constant rate: segments of [from, rate).
func integral(t float64, segs [][2]float64) float64 {
	var sum float64
	for i, s := range segs {
		end := math.Inf(1)
		if i+1 < len(segs) {
			end = segs[i+1][0]
		}
		if t <= s[0] {
			break
		}
		sum += (math.Min(t, end) - s[0]) * s[1]
	}
	return sum
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// TestRunMeanMax checks one 10 s row of 2 s sub-samples by hand:
//   - CPU (one CPU): 10% busy, but 100% from 4 s to 6 s. Mean = (0.2 + 0.2 +
//     2 + 0.2 + 0.2) / 10 s = 28%; max = 100% (the spike survives).
//   - disk writes: 1000 B/s across a 32-bit counter wrap at 3 s: 1000 / 1000.
//   - net rx: 500 B/s, the counter reset to 0 at 7 s: the 6–8 s sub-sample is
//     skipped, mean = 4000 B / 8 s = 500, max 500.
//   - memory used: 1000 + 100 × tick (ticks 1..5): mean 1300, max 1500.
func TestRunMeanMax(t *testing.T) {
	clk := &fakeClock{wall: t0}
	cpuSegs := [][2]float64{{0, 0.1}, {4, 1}, {6, 0.1}}
	src := &scriptSource{clk: clk, fn: func(s float64, x *Snapshot) {
		busy := integral(s, cpuSegs)
		x.CPU = &CPUTimes{Idle: s - busy, Total: s}
		x.MemUsedBytes = 1000 + 100*math.Round(s/2)
		x.MemTotalBytes = 4096
		w := uint64(math.MaxUint32-2999+1000*s) & math.MaxUint32
		x.Disks = map[string]DiskCounters{"sda": {WriteBytes: w, WriteOps: uint64(10 * s)}}
		rx := uint64(1e6 + 500*s)
		if s >= 7 {
			rx = uint64(500 * (s - 7))
		}
		x.NICs = map[string]NICCounters{"eth0": {RxBytes: rx}}
	}}
	sink := &sliceSink{}
	opts := Options{Interval: 10 * time.Second, Sample: 2 * time.Second, Duration: 10 * time.Second}
	if err := Run(context.Background(), src, clk, sink, opts); err != nil {
		t.Fatal(err)
	}
	if len(sink.rows) != 1 {
		t.Fatalf("got %d rows, want 1: %+v", len(sink.rows), sink.rows)
	}
	r := sink.rows[0]
	if !r.Start.Equal(t0) || r.Interval != 10*time.Second {
		t.Errorf("row %s +%s, want %s +10s", r.Start, r.Interval, t0)
	}
	near(t, "cpu mean", r.Mean[model.CPUBusyPct], 28)
	near(t, "cpu max", r.Max[model.CPUBusyPct], 100)
	near(t, "disk write mean", r.Mean[model.DiskWriteBytesPerSec], 1000)
	near(t, "disk write max", r.Max[model.DiskWriteBytesPerSec], 1000)
	near(t, "disk write iops", r.Mean[model.DiskWriteIOPS], 10)
	near(t, "disk read", r.Max[model.DiskReadBytesPerSec], 0)
	near(t, "net rx mean", r.Mean[model.NetRxBytesPerSec], 500)
	near(t, "net rx max", r.Max[model.NetRxBytesPerSec], 500)
	near(t, "mem mean", r.Mean[model.MemUsedBytes], 1300)
	near(t, "mem max", r.Max[model.MemUsedBytes], 1500)
	near(t, "mem total", r.Mean[model.MemTotalBytes], 4096)
}

// steadySource is 25% CPU on 4 CPUs, 1 MB/s disk writes, 2 kB/s net rx.
func steadySource(clk *fakeClock) *scriptSource {
	return &scriptSource{clk: clk, fn: func(s float64, x *Snapshot) {
		x.CPU = &CPUTimes{Idle: 3 * s, Total: 4 * s}
		x.MemUsedBytes, x.MemTotalBytes = 100, 200
		x.Disks = map[string]DiskCounters{"vda": {WriteBytes: uint64(1e6 * s)}}
		x.NICs = map[string]NICCounters{"eth0": {RxBytes: uint64(2000 * s)}}
	}}
}

func checkRows(t *testing.T, rows []model.Sample) {
	t.Helper()
	for i, r := range rows {
		if r.Interval < time.Second {
			t.Errorf("row %d: interval %s", i, r.Interval)
		}
		if i > 0 && r.Start.Before(rows[i-1].Start.Add(rows[i-1].Interval)) {
			t.Errorf("row %d starts %s before the end of row %d (%s +%s)", i, r.Start, i-1, rows[i-1].Start, rows[i-1].Interval)
		}
		if v := r.Mean[model.CPUBusyPct]; math.Abs(v-25) > 1e-6 {
			t.Errorf("row %d: cpu %v, want 25", i, v)
		}
		if v := r.Max[model.DiskWriteBytesPerSec]; math.Abs(v-1e6) > 1 {
			t.Errorf("row %d: disk write max %v, want 1e6 (no absurd rate)", i, v)
		}
		if v := r.Mean[model.NetRxBytesPerSec]; math.Abs(v-2000) > 1e-3 {
			t.Errorf("row %d: net rx %v, want 2000", i, v)
		}
	}
}

func TestRunAlignedRowsAndPartialFirst(t *testing.T) {
	clk := &fakeClock{wall: t0.Add(7 * time.Second)}
	sink := &sliceSink{}
	opts := Options{Interval: 10 * time.Second, Sample: time.Second, Duration: 33 * time.Second}
	if err := Run(context.Background(), steadySource(clk), clk, sink, opts); err != nil {
		t.Fatal(err)
	}
	// 07→10 (3 s), 10→20, 20→30, 30→40 (the last 10 s), then stop at 40.
	want := []struct {
		start time.Duration
		iv    time.Duration
	}{{10, 3}, {10, 10}, {20, 10}, {30, 10}}
	want[0].start = 7
	if len(sink.rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %v", len(sink.rows), len(want), sink.rows)
	}
	for i, w := range want {
		r := sink.rows[i]
		if !r.Start.Equal(t0.Add(w.start*time.Second)) || r.Interval != w.iv*time.Second {
			t.Errorf("row %d: %s +%s, want +%ds +%ds", i, r.Start.Format(time.TimeOnly), r.Interval, w.start, w.iv)
		}
	}
	checkRows(t, sink.rows)
}

func TestRunCancelFlushesPartialRow(t *testing.T) {
	clk := &fakeClock{wall: t0}
	ctx, cancel := context.WithCancel(context.Background())
	clk.events = []clockEvent{{at: 23*time.Second + 300*time.Millisecond, do: func(*fakeClock) { cancel() }}}
	sink := &sliceSink{}
	opts := Options{Interval: 10 * time.Second, Sample: time.Second}
	if err := Run(ctx, steadySource(clk), clk, sink, opts); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.rows); n != 3 {
		t.Fatalf("got %d rows, want 3", n)
	}
	last := sink.rows[2]
	if !last.Start.Equal(t0.Add(20*time.Second)) || last.Interval != 3*time.Second {
		t.Errorf("partial row %s +%s, want 12:00:20 +3s", last.Start.Format(time.TimeOnly), last.Interval)
	}
	checkRows(t, sink.rows)
}

func TestRunClockSteps(t *testing.T) {
	for _, step := range []time.Duration{time.Hour, -time.Hour, -4 * time.Second, 90 * time.Minute} {
		t.Run(step.String(), func(t *testing.T) {
			clk := &fakeClock{wall: t0}
			clk.events = []clockEvent{{at: 25*time.Second + 500*time.Millisecond, do: func(c *fakeClock) { c.wall = c.wall.Add(step) }}}
			sink := &sliceSink{}
			opts := Options{Interval: 10 * time.Second, Sample: time.Second, Duration: 60 * time.Second}
			if err := Run(context.Background(), steadySource(clk), clk, sink, opts); err != nil {
				t.Fatal(err)
			}
			checkRows(t, sink.rows)
			if step < -time.Minute {
				// Rows resume when the wall clock passes the last row's end
				// again (docs/collector.md): none within this minute.
				if len(sink.rows) != 2 {
					t.Fatalf("got %d rows, want the 2 before the step", len(sink.rows))
				}
				return
			}
			if len(sink.rows) < 4 {
				t.Fatalf("only %d rows", len(sink.rows))
			}
			// After the step, rows are aligned to the new wall clock again.
			last := sink.rows[len(sink.rows)-2]
			if last.Start.Truncate(10*time.Second) != last.Start {
				t.Errorf("row %s not aligned after the step", last.Start)
			}
		})
	}
}

func TestCounterDelta(t *testing.T) {
	for _, c := range []struct {
		prev, cur, want uint64
		ok              bool
	}{
		{100, 250, 150, true},
		{math.MaxUint32 - 99, 50, 150, true}, // 32-bit wrap
		{1 << 40, 5, 0, false},               // 64-bit counter went back: reset
		{1_000_000, 10, 0, false},            // reset (reboot, device re-added)
		{0, 0, 0, true},
	} {
		got, ok := counterDelta(c.prev, c.cur)
		if got != c.want || ok != c.ok {
			t.Errorf("counterDelta(%d, %d) = %d, %v; want %d, %v", c.prev, c.cur, got, ok, c.want, c.ok)
		}
	}
	// An absurd jump is a reset too.
	if _, ok := rateDelta(0, 1e15, 1, maxDeviceBytesPerSec); ok {
		t.Error("a 1 PB/s jump was accepted")
	}
}

func TestDiffCPUClamp(t *testing.T) {
	// iowait went backwards (a tickless kernel quirk): busy is clamped.
	prev := &Snapshot{CPU: &CPUTimes{Idle: 100, Total: 200}}
	cur := &Snapshot{CPU: &CPUTimes{Idle: 99, Total: 199.5}}
	if s := diff(prev, cur, time.Second); s.cpuOK {
		t.Errorf("negative total accepted: %+v", s)
	}
	cur = &Snapshot{CPU: &CPUTimes{Idle: 103, Total: 202}}
	if s := diff(prev, cur, time.Second); !s.cpuOK || s.cpuBusy != 0 {
		t.Errorf("idle above total: %+v", s)
	}
}

func TestPhysicalByName(t *testing.T) {
	for name, want := range map[string]bool{
		"sda": true, "sda1": false, "vda": true, "vdb2": false, "xvda": true, "xvda1": false,
		"nvme0n1": true, "nvme0n1p2": false, "mmcblk0": true, "mmcblk0p1": false, "hda": true,
		"loop0": false, "ram1": false, "zram0": false, "dm-0": false, "md0": false, "md127": false,
		"sr0": false, "cciss!c0d0": true, "cciss!c0d0p1": false, "nbd3": false,
	} {
		if got := physicalByName(name); got != want {
			t.Errorf("physicalByName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestRunDurationEndsMidInterval(t *testing.T) {
	clk := &fakeClock{wall: t0.Add(10*time.Second + 600*time.Millisecond)}
	sink := &sliceSink{}
	opts := Options{Interval: 2 * time.Second, Sample: 500 * time.Millisecond, Duration: 7 * time.Second}
	if err := Run(context.Background(), steadySource(clk), clk, sink, opts); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range sink.rows {
		got = append(got, r.Start.Format("05")+"+"+r.Interval.String())
	}
	// 10.6→12 (1.4 s ≈ 1 s), 12→14, 14→16, 16→17.6 (2 s rounded, ends at 18).
	want := []string{"11+1s", "12+2s", "14+2s", "16+2s"}
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rows %v, want %v", got, want)
		}
	}
}

// TestRunRealClockStopsMidInterval runs the collector on the system clock
// (NewRealClock) inside a synctest bubble, where time is virtual: it starts
// 7.3 s into a minute and is cancelled 31 s later, as kvmfit collect is by
// SIGTERM. The rows are aligned to the interval, the first covers the part
// of an interval left after the start, and the interval in flight is
// written as a shorter row: 07→10, 10→20, 20→30, 30→38 (38.3 rounded).
func TestRunRealClockStopsMidInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		midnight := time.Now().UTC().Truncate(24 * time.Hour) // the bubble starts at midnight
		time.Sleep(time.Until(midnight.Add(7300 * time.Millisecond)))
		origin := time.Now()
		// 25 % CPU on 4 CPUs, 1 MB/s disk writes, 2 kB/s net rx.
		src := sourceFunc(func(x *Snapshot) {
			s := time.Since(origin).Seconds()
			x.CPU = &CPUTimes{Idle: 3 * s, Total: 4 * s}
			x.MemUsedBytes, x.MemTotalBytes = 100, 200
			x.Disks = map[string]DiskCounters{"vda": {WriteBytes: uint64(1e6 * s)}}
			x.NICs = map[string]NICCounters{"eth0": {RxBytes: uint64(2000 * s)}}
		})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(31*time.Second, cancel)
		sink := &sliceSink{}
		if err := Run(ctx, src, NewRealClock(), sink, Options{Interval: 10 * time.Second, Sample: time.Second}); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range sink.rows {
			got = append(got, r.Start.Sub(midnight).String()+"+"+r.Interval.String())
		}
		want := []string{"7s+3s", "10s+10s", "20s+10s", "30s+8s"}
		if len(got) != len(want) {
			t.Fatalf("rows %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("rows %v, want %v", got, want)
			}
		}
		checkRows(t, sink.rows)
	})
}

// sourceFunc is a Source filling snapshots with a function.
type sourceFunc func(x *Snapshot)

func (f sourceFunc) Read(ctx context.Context, x *Snapshot) error { f(x); return nil }
