package realtimetest

import (
	"math"
	"testing"
	"time"
)

func TestParsers(t *testing.T) {
	busy, idle, ncpu, err := parseStat([]byte(`cpu  100 5 50 1000 20 3 2 1 40 0
cpu0 50 2 25 500 10 1 1 0 20 0
cpu1 50 3 25 500 10 2 1 1 20 0
intr 12345
`))
	// busy = user+nice+system+irq+softirq+steal (guest is inside user).
	if err != nil || busy != 100+5+50+3+2+1 || idle != 1000+20 || ncpu != 2 {
		t.Errorf("parseStat: busy %v idle %v ncpu %d err %v", busy, idle, ncpu, err)
	}
	if _, _, _, err := parseStat([]byte("intr 1\n")); err == nil {
		t.Error("parseStat without a cpu line: no error")
	}
	total, avail, err := parseMeminfo([]byte("MemTotal:       2048 kB\nMemFree:  10 kB\nMemAvailable:   1024 kB\n"))
	if err != nil || total != 2048*1024 || avail != 1024*1024 {
		t.Errorf("parseMeminfo: %v %v %v", total, avail, err)
	}
	if _, _, err := parseMeminfo([]byte("MemTotal: 2048 kB\n")); err == nil {
		t.Error("parseMeminfo without MemAvailable: no error")
	}
	whole := func(n string) bool { return n == "vda" || n == "cciss/c0d0" }
	r, w := parseDiskstats([]byte(` 253       0 vda 10 0 100 5 20 0 300 9 0 10 14 0 0 0 0
 253       1 vda1 10 0 100 5 20 0 300 9 0 10 14 0 0 0 0
   7       0 loop0 1 0 8 0 0 0 0 0 0 0 0
 104       0 cciss/c0d0 1 0 2 0 1 0 4 0 0 0 0
`), whole)
	if r != 512*(100+2) || w != 512*(300+4) {
		t.Errorf("parseDiskstats: read %v written %v", r, w)
	}
	rx, tx := parseNetDev([]byte(`Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 7000     3    0    0    0     0          0         0  7000     3    0    0    0     0       0          0
  eth0: 2000      5    0    0    0     0          0         0   300    3    0    0    0     0       0          0
  kvs0: 10       1    0    0    0     0          0         0   5000    9    0    0    0     0       0          0
`))
	if rx != 2010 || tx != 5300 {
		t.Errorf("parseNetDev: rx %v tx %v", rx, tx)
	}
	if n := parseSyscr([]byte("rchar: 10\nwchar: 0\nsyscr: 42\nsyscw: 1\n")); n != 42 {
		t.Errorf("parseSyscr = %d", n)
	}
	if n := parseSyscr([]byte("rchar: 10\n")); n != -1 {
		t.Errorf("parseSyscr without syscr = %d", n)
	}
}

var t0 = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

// synthetic builds a trace polled every 10 ms (counters read over 1 ms):
// disk writes at 1000 B per ms, CPU 25 % busy, and one process whose syscr
// grows at the polls listed.
func synthetic(n int, grows ...int) *Trace {
	tr := &Trace{names: []string{"p"}, pids: []int{1}, starts: []time.Time{t0.Add(-time.Hour)}}
	var sc int64
	g := map[int]bool{}
	for _, k := range grows {
		g[k] = true
	}
	for k := range n {
		at := t0.Add(time.Duration(10*k) * time.Millisecond)
		if g[k] {
			sc += 5
		}
		ms := float64(10 * k)
		tr.pts = append(tr.pts, Point{Before: at, After: at.Add(time.Millisecond), syscr: []int64{sc},
			Counters: Counters{DiskWriteBytes: 1000 * ms, CPUBusy: ms / 40, CPUIdle: 3 * ms / 40, MemTotalBytes: 100, MemAvailBytes: 100 - ms}})
	}
	return tr
}

func TestReadsBracketAndMerge(t *testing.T) {
	// Growth at poll 5 and 6 (one burst), at 9 (3 polls later: 20 ms of
	// quiet, merged), and at 50 (a new read); the first poll is the base.
	tr := synthetic(60, 5, 6, 9, 50)
	rs := tr.Reads("p")
	if len(rs) != 2 {
		t.Fatalf("reads %+v, want 2", rs)
	}
	// Growth first seen at poll 5: the read came after the counters of
	// poll 4 and, ending at poll 9, before the counters of poll 10.
	if r := rs[0]; r.From != 4 || r.To != 10 || !r.Lo.Equal(tr.pts[4].After) || !r.Hi.Equal(tr.pts[10].Before) {
		t.Errorf("first read %+v", r)
	}
	if r := rs[1]; r.From != 49 || r.To != 51 {
		t.Errorf("second read %+v", r)
	}
	if r, ok := tr.ReadNear("p", t0.Add(480*time.Millisecond), 50*time.Millisecond); !ok || r.From != 49 {
		t.Errorf("ReadNear 480 ms: %+v %v", r, ok)
	}
	if _, ok := tr.ReadNear("p", t0.Add(300*time.Millisecond), 50*time.Millisecond); ok {
		t.Error("ReadNear found a read 200 ms away")
	}
	if rs := tr.Reads("nobody"); rs != nil {
		t.Errorf("reads of an unwatched name: %v", rs)
	}
}

// A process that read before the trace first looked at it: its count is
// 0 at its start, so that first read still counts, placed after the last
// point before the start.
func TestReadsBeforeFirstLook(t *testing.T) {
	tr := synthetic(20)
	tr.starts[0] = t0.Add(25 * time.Millisecond) // between points 2 and 3
	for k := range tr.pts {
		tr.pts[k].syscr = []int64{-1}
		if k >= 5 {
			tr.pts[k].syscr = []int64{7}
		}
	}
	rs := tr.Reads("p")
	if len(rs) != 1 || rs[0].From != 2 || rs[0].To != 6 || !rs[0].Lo.Equal(tr.pts[2].After) {
		t.Fatalf("reads %+v, want one from point 2 to 6", rs)
	}
}

func TestRanges(t *testing.T) {
	tr := synthetic(200, 5, 150)
	rs := tr.Reads("p")
	s, e := rs[0], rs[1] // brackets [40 ms, 60 ms] and [1490 ms, 1510 ms]
	// Disk writes are 1e6 B/s; the widest bracket pairing: counters moved
	// between 1490−60 and 1510−40 ms (1.43 to 1.47 MB) over 1.430 to
	// 1.469 s of reads (times from After of From to Before of To).
	got := tr.Rate(DiskWrite, s, e)
	if !(got.Lo < 1e6 && got.Hi > 1e6) || got.Lo < 0.95e6 || got.Hi > 1.05e6 {
		t.Errorf("rate %+v, want about 1e6 within the brackets' 3 %%", got)
	}
	wantLo := (1000*1490.0 - 1000*60) / (1.510 - 0.041)
	wantHi := (1000*1510.0 - 1000*40) / (1.490 - 0.060 + 0.001)
	if math.Abs(got.Lo-wantLo) > 1e-6*wantLo || math.Abs(got.Hi-wantHi) > 1e-6*wantHi {
		t.Errorf("rate %+v, want [%v, %v]", got, wantLo, wantHi)
	}
	if b := tr.BusyPct(s, e); !(b.Lo <= 25 && b.Hi >= 25 && b.Hi-b.Lo < 2) {
		t.Errorf("busy %+v, want about 25 %%", b)
	}
	// Memory used = ms: within the bracket of s, 40..60.
	if g := tr.Gauge(MemUsed, s); g.Lo != 40 || g.Hi != 60 {
		t.Errorf("gauge %+v", g)
	}
	if d := MaxDiff(Range{1, 2}, Range{1.5, 4}); d != 3 {
		t.Errorf("MaxDiff = %v, want 3", d)
	}
	if d := MaxDiff(Range{5, 5}, Range{5, 5}); d != 0 {
		t.Errorf("MaxDiff of equal points = %v", d)
	}
}
