//go:build linux

package collect

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// Agreement tolerances with sar (issue 3): CPU within 2 percentage points,
// the others within 5 %, with an absolute floor for values near zero where
// 5 % of almost nothing is below the counters' resolution.
const (
	tolCPUPoints   = 2.0
	tolRel         = 0.05
	floorDiskBytes = 256 << 10 // 256 KiB/s
	floorNetBytes  = 16 << 10  // 16 KiB/s
)

// need returns the path of a tool, or skips (fails under CI) without it.
func need(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		if strings.HasPrefix(n, "/") {
			if _, err := os.Stat(n); err == nil {
				return n
			}
		}
	}
	msg := fmt.Sprintf("%s not found: install Debian's sysstat and stress-ng (apt-get install sysstat stress-ng) to run the comparison with sar", names[0])
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// sarRecord is one sar interval: the end time and the values in our units.
type sarRecord struct {
	end                               time.Time
	cpuBusy, memAvail                 float64
	diskWrite, diskRead, netRx, netTx float64
}

// readSadf runs sadf -d on a sadc file for one activity and returns its rows
// as maps from column name to value, keyed by the row's timestamp.
func readSadf(t *testing.T, sadf, file string, args ...string) map[time.Time][]map[string]string {
	t.Helper()
	out, err := exec.Command(sadf, append([]string{"-d", "-U", file, "--"}, args...)...).Output()
	if err != nil {
		t.Fatalf("sadf %v: %v", args, err)
	}
	rows := map[time.Time][]map[string]string{}
	var hdr []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "# ") {
			hdr = strings.Split(strings.TrimPrefix(line, "# "), ";")
			continue
		}
		f := strings.Split(line, ";")
		if len(f) != len(hdr) || len(f) < 3 {
			continue
		}
		m := map[string]string{}
		for i, h := range hdr {
			m[h] = f[i]
		}
		sec, err := strconv.ParseInt(m["timestamp"], 10, 64)
		if err != nil {
			continue
		}
		ts := time.Unix(sec, 0).UTC()
		rows[ts] = append(rows[ts], m)
	}
	return rows
}

func num(m map[string]string, k string) float64 {
	v, err := strconv.ParseFloat(strings.Replace(m[k], ",", ".", 1), 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// sarRecords converts a sadc file into per-interval values in our units:
//   - cpu busy = 100 − %idle − %iowait (sar -u, all CPUs);
//   - memory available = kbavail × 1024 (sar -r); our mem_used is
//     MemTotal − MemAvailable, so it is compared with total − kbavail, not
//     with kbmemused (which also subtracts Slab);
//   - disk = (bread/s, bwrtn/s) × 512 (sar -b: whole devices, virtual ones
//     ignored, the same set as ours);
//   - network = Σ (rxkB/s, txkB/s) × 1024 over interfaces but lo (sar -n DEV).
func sarRecords(t *testing.T, sadf, file string) []sarRecord {
	cpu := readSadf(t, sadf, file, "-u")
	mem := readSadf(t, sadf, file, "-r")
	io := readSadf(t, sadf, file, "-b")
	dev := readSadf(t, sadf, file, "-n", "DEV")
	var out []sarRecord
	for ts, rows := range cpu {
		r := sarRecord{end: ts}
		u := rows[0]
		r.cpuBusy = 100 - num(u, "%idle") - num(u, "%iowait")
		if m := mem[ts]; len(m) > 0 {
			r.memAvail = num(m[0], "kbavail") * 1024
		}
		if b := io[ts]; len(b) > 0 {
			r.diskRead = num(b[0], "bread/s") * 512
			r.diskWrite = num(b[0], "bwrtn/s") * 512
		}
		for _, d := range dev[ts] {
			if d["IFACE"] == "lo" {
				continue
			}
			r.netRx += num(d, "rxkB/s") * 1024
			r.netTx += num(d, "txkB/s") * 1024
		}
		out = append(out, r)
	}
	return out
}

// TestAgreesWithSar runs kvmfit collect and sysstat's sadc side by side at
// the same 5 s interval for 30 s, under stress-ng CPU load and dd writing a
// file, and checks every interval against sar.
func TestAgreesWithSar(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	sadc := need(t, "/usr/lib/sysstat/sadc", "/usr/lib64/sa/sadc", "/usr/lib/sa/sadc", "sadc")
	sadf := need(t, "sadf")
	stress := need(t, "stress-ng")
	bin := kvmfitBin(t)
	tmp := t.TempDir()
	const iv, n = 5 * time.Second, 6

	// Start both just after a 5 s boundary so that their intervals match.
	now := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// One sadc at our 5 s interval gives the rates and CPU of each row. A
	// second one reads every second, as our sub-samples: memory is a gauge
	// that sar reads once per record, so our row's mean is compared with
	// the mean of sar's readings at the same instants, and the CPU and disk
	// maxima with the largest 1 s record.
	sa := exec.CommandContext(ctx, sadc, "-S", "DISK", strconv.Itoa(int(iv.Seconds())), strconv.Itoa(n+1), filepath.Join(tmp, "sa"))
	sa1 := exec.CommandContext(ctx, sadc, "-S", "DISK", "1", strconv.Itoa(int(iv.Seconds())*n+1), filepath.Join(tmp, "sa1"))
	out := filepath.Join(tmp, "data")
	kv := exec.CommandContext(ctx, bin, "collect", "--out", out, "--interval", "5s", "--sample", "1s",
		"--duration", (iv*n + 500*time.Millisecond).String(), "--no-bench")
	var kvErr bytes.Buffer
	kv.Stderr = &kvErr
	// Disk load: a steady 40 MB/s of synced writes (a 4 MiB write and an
	// fsync every 100 ms, over the same 256 MiB) from before the first
	// reading to after the last, so that no change of load falls near a
	// row boundary: sadc re-arms alarm(1) after each reading, so its
	// readings drift some tens of milliseconds behind ours over the run.
	// Network load: a steady 2 MB/s of UDP out of a veth, when possible.
	if stopNet := steadyNet(t); stopNet != nil {
		defer stopNet()
	}
	stopWrite := make(chan struct{})
	writeDone := make(chan error, 1)
	go func() { writeDone <- steadyWrites(filepath.Join(tmp, "load"), stopWrite) }()
	time.Sleep(time.Until(now.Truncate(iv).Add(2*iv + 2*time.Millisecond)))
	if err := sa.Start(); err != nil {
		t.Fatal(err)
	}
	if err := sa1.Start(); err != nil {
		t.Fatal(err)
	}
	if err := kv.Start(); err != nil {
		t.Fatal(err)
	}
	// CPU load: one stress-ng worker at 60 % from 3.5 s, between two
	// sub-samples.
	time.Sleep(3500 * time.Millisecond)
	st := exec.CommandContext(ctx, stress, "--cpu", "1", "--cpu-load", "60", "--timeout", "20s", "--quiet")
	st.Start()
	if err := kv.Wait(); err != nil {
		t.Fatalf("kvmfit collect: %v\n%s", err, kvErr.String())
	}
	if err := sa.Wait(); err != nil {
		t.Fatalf("sadc: %v", err)
	}
	if err := sa1.Wait(); err != nil {
		t.Fatalf("sadc: %v", err)
	}
	close(stopWrite)
	if err := <-writeDone; err != nil {
		t.Fatal(err)
	}
	st.Wait()

	srv, err := dataset.ReadServer(serverDir(t, out))
	if err != nil {
		t.Fatal(err)
	}
	compareSar(t, srv, sarRecords(t, sadf, filepath.Join(tmp, "sa")), sarRecords(t, sadf, filepath.Join(tmp, "sa1")), "kvmfit collect")
	if t.Failed() {
		keep := filepath.Join(os.TempDir(), "kvmfit-sar-compare")
		os.RemoveAll(keep)
		if err := os.Rename(tmp, keep); err == nil {
			os.MkdirAll(tmp, 0o700)
			t.Logf("sadc file and dataset kept in %s", keep)
		}
	}
}

// compareSar checks every 5 s row of the server against sar: the CPU and
// rate means against sar's 5 s record ending at the same second (recs5);
// memory against the mean of sar's 1 s readings in the row (recs1), and the
// CPU and disk write maxima against the largest 1 s record (reported only).
func compareSar(t *testing.T, srv *model.Server, recs5, recs1 []sarRecord, who string) {
	t.Helper()
	s := &srv.Series
	byEnd := map[int64]sarRecord{}
	for _, r := range recs1 {
		byEnd[r.end.Unix()] = r
	}
	byEnd5 := map[int64]sarRecord{}
	for _, r := range recs5 {
		byEnd5[r.end.Unix()] = r
	}
	matched := 0
	var worst [7]float64
	type rateRow struct {
		at       string
		got, sar [3]float64
	}
	var rates []rateRow
	check := func(at, what string, got, want, rel, floor float64, k int) {
		if !agree(got, want, rel, floor) {
			if strings.HasSuffix(what, " max") {
				// Maxima are of single 1 s sub-samples; sadc re-arms
				// alarm(1) after each reading, so its 1 s records drift
				// behind ours by tens of milliseconds over a run, a tenth
				// of their length: reported, not failed.
				t.Logf("%s, row ending %s: %s %.2f, sar %.2f (outside the tolerance)", who, at, what, got, want)
				return
			}
			t.Errorf("%s, row ending %s: %s %.2f, sar %.2f", who, at, what, got, want)
		} else if rel == 0 {
			worst[k] = math.Max(worst[k], math.Abs(got-want))
		} else if math.Abs(want) > floor {
			worst[k] = math.Max(worst[k], math.Abs(got-want)/math.Abs(want))
		}
	}
	for i := 0; i < s.Len(); i++ {
		ivs := int64(s.IntervalSec[i])
		end := s.Start[i] + ivs
		var sum, max sarRecord
		ok := ivs == 5
		for k := end - ivs + 1; k <= end && ok; k++ {
			r, found := byEnd[k]
			if !found {
				ok = false
				break
			}
			sum.cpuBusy += r.cpuBusy / float64(ivs)
			sum.memAvail += r.memAvail / float64(ivs)
			sum.diskWrite += r.diskWrite / float64(ivs)
			sum.diskRead += r.diskRead / float64(ivs)
			sum.netRx += (r.netRx + r.netTx) / float64(ivs)
			max.cpuBusy = math.Max(max.cpuBusy, r.cpuBusy)
			max.diskWrite = math.Max(max.diskWrite, r.diskWrite)
		}
		r5, ok5 := byEnd5[end]
		if !ok || !ok5 {
			continue
		}
		sum.cpuBusy, sum.diskWrite, sum.diskRead, sum.netRx = r5.cpuBusy, r5.diskWrite, r5.diskRead, r5.netRx+r5.netTx
		matched++
		at := time.Unix(end, 0).UTC().Format(time.TimeOnly)
		memUsed := s.Mean[model.MemTotalBytes][i] - sum.memAvail
		net := s.Mean[model.NetRxBytesPerSec][i] + s.Mean[model.NetTxBytesPerSec][i]
		check(at, "cpu busy % mean", s.Mean[model.CPUBusyPct][i], sum.cpuBusy, 0, tolCPUPoints, 0)
		check(at, "cpu busy % max", s.Max[model.CPUBusyPct][i], max.cpuBusy, 0, tolCPUPoints, 1)
		// Memory is compared reading by reading only while it holds still:
		// when sar's 1 s readings around the row move by more than the
		// tolerance (another process allocating or exiting), the tens of
		// milliseconds between sadc's reading and ours decide which side
		// of the jump each one sees.
		lo, hi := math.Inf(1), math.Inf(-1)
		for k := end - ivs; k <= end+1; k++ {
			if r, ok := byEnd[k]; ok {
				lo, hi = math.Min(lo, r.memAvail), math.Max(hi, r.memAvail)
			}
		}
		if used := s.Mean[model.MemTotalBytes][i] - lo; hi-lo > tolRel*used && !agree(s.Mean[model.MemUsedBytes][i], memUsed, tolRel, 0) {
			t.Logf("%s, row ending %s: mem used %.0f, sar %.0f; memory moved by %.0f MiB around the row, not compared", who, at, s.Mean[model.MemUsedBytes][i], memUsed, (hi-lo)/(1<<20))
		} else {
			check(at, "mem used bytes", s.Mean[model.MemUsedBytes][i], memUsed, tolRel, 0, 2)
		}
		rates = append(rates, rateRow{at, [3]float64{s.Mean[model.DiskWriteBytesPerSec][i], s.Mean[model.DiskReadBytesPerSec][i], net},
			[3]float64{sum.diskWrite, sum.diskRead, sum.netRx}})
		check(at, "disk write B/s max", s.Max[model.DiskWriteBytesPerSec][i], max.diskWrite, tolRel, floorDiskBytes, 4)
		t.Logf("%s %s: cpu %.2f/%.2f%% (max %.1f/%.1f)  mem %.0f/%.0f MiB  disk w %.2f/%.2f MB/s (max %.2f/%.2f) r %.2f/%.2f MB/s  net %.1f/%.1f kB/s",
			who, at, s.Mean[model.CPUBusyPct][i], sum.cpuBusy, s.Max[model.CPUBusyPct][i], max.cpuBusy,
			s.Mean[model.MemUsedBytes][i]/(1<<20), memUsed/(1<<20),
			s.Mean[model.DiskWriteBytesPerSec][i]/1e6, sum.diskWrite/1e6, s.Max[model.DiskWriteBytesPerSec][i]/1e6, max.diskWrite/1e6,
			s.Mean[model.DiskReadBytesPerSec][i]/1e6, sum.diskRead/1e6, net/1e3, sum.netRx/1e3)
	}
	// Rates: each row within the tolerance, or else the row together with
	// a neighbour. sadc starts its clock when its process is up (tens of
	// milliseconds after ours on a loaded machine), so its boundaries sit a
	// little after ours: a burst of another process's IO right at a
	// boundary falls in different rows, while the sum of the two rows is
	// the same. The load this test drives is steady, so this only forgives
	// foreign bursts; CPU and memory are checked row by row.
	//
	// Disk reads are logged (worst error in the summary), not asserted: this
	// test drives no read load, so the only reads are foreign ones (other
	// processes, the collectors' own start-up), and in CI one such burst at
	// the first row put the two 9 % apart even summed with its neighbour.
	// Disk reads are compared with sysstat's own files by the sar importer
	// tests, and over a window with the shell collector.
	for k, what := range []string{"disk write B/s", "disk read B/s", "net B/s"} {
		floor := []float64{floorDiskBytes, floorDiskBytes, floorNetBytes}[k]
		for i, r := range rates {
			if what == "disk read B/s" {
				if r.sar[k] > floor {
					w := &worst[5]
					*w = math.Max(*w, math.Abs(r.got[k]-r.sar[k])/r.sar[k])
				}
				continue
			}
			if agree(r.got[k], r.sar[k], tolRel, floor) {
				if r.sar[k] > floor {
					w := &worst[[3]int{3, 5, 6}[k]]
					*w = math.Max(*w, math.Abs(r.got[k]-r.sar[k])/r.sar[k])
				}
				continue
			}
			pairOK := false
			for _, j := range []int{i - 1, i + 1} {
				if j >= 0 && j < len(rates) && agree(r.got[k]+rates[j].got[k], r.sar[k]+rates[j].sar[k], tolRel, 2*floor) {
					pairOK = true
				}
			}
			if pairOK {
				t.Logf("%s, row ending %s: %s %.0f, sar %.0f; agrees with its neighbour row (a burst at the boundary)", who, r.at, what, r.got[k], r.sar[k])
				continue
			}
			t.Errorf("%s, row ending %s: %s %.0f, sar %.0f", who, r.at, what, r.got[k], r.sar[k])
		}
	}
	t.Logf("%s vs sar: %d rows; worst: cpu mean %.2f pp, cpu max %.2f pp, mem %.2f%%, disk write %.2f%% (max %.2f%%), disk read %.2f%%, net %.2f%% (relative errors above the floors)",
		who, matched, worst[0], worst[1], 100*worst[2], 100*worst[3], 100*worst[4], 100*worst[5], 100*worst[6])
	if matched < 4 {
		t.Fatalf("%s: only %d rows matched sar's records", who, matched)
	}
}

// steadyWrites writes 4 MiB and syncs every 100 ms until stop is closed.
func steadyWrites(path string, stop <-chan struct{}) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	defer f.Close()
	buf := bytes.Repeat([]byte("kvmfit-load\n"), 4<<20/12+1)[:4<<20]
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for off := int64(0); ; off = (off + int64(len(buf))) % (256 << 20) {
		select {
		case <-stop:
			return nil
		case <-tick.C:
		}
		if _, err := f.WriteAt(buf, off); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
}

// steadyNet sends a steady 2 MB/s of UDP out of a veth interface whose peer
// lives in a network namespace made for the test (root only; the traffic
// never leaves this machine). It returns a stop function, or nil when the
// namespace cannot be made (then the network is compared as it is).
func steadyNet(t *testing.T) (stop func()) {
	t.Helper()
	ns := fmt.Sprintf("kvmfit-sar-%d", os.Getpid())
	run := func(args ...string) error { return exec.Command("ip", args...).Run() }
	cleanup := func() {
		run("link", "del", "kvs0")
		run("netns", "del", ns)
	}
	for _, args := range [][]string{
		{"netns", "add", ns},
		{"link", "add", "kvs0", "type", "veth", "peer", "name", "kvs1"},
		{"link", "set", "kvs1", "netns", ns},
		{"addr", "add", "10.203.77.1/30", "dev", "kvs0"},
		{"link", "set", "kvs0", "up"},
		{"-n", ns, "addr", "add", "10.203.77.2/30", "dev", "kvs1"},
		{"-n", ns, "link", "set", "kvs1", "up"},
	} {
		if err := run(args...); err != nil {
			t.Logf("no test network namespace (ip %v: %v): the network is compared without driven traffic", args, err)
			cleanup()
			return nil
		}
	}
	conn, err := net.Dial("udp4", "10.203.77.2:9")
	if err != nil {
		t.Logf("udp: %v", err)
		cleanup()
		return nil
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		buf := make([]byte, 1000)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			for range 20 { // 20 kB per 10 ms
				conn.Write(buf)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		conn.Close()
		cleanup()
	}
}
