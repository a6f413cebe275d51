//go:build linux && realtime

package collect

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	rt "github.com/kvmfit/kvmfit/collect/internal/realtimetest"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
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
// the same 5 s interval for 30 s, under stress-ng CPU load, synced disk
// writes and UDP traffic, and checks every row against sar: CPU, memory,
// disk and network means, CPU and disk write maxima, within the sar
// tolerances plus what the counters moved between the two collectors'
// reads (compareRow).
func TestAgreesWithSar(t *testing.T) {
	sadc := need(t, "/usr/lib/sysstat/sadc", "/usr/lib64/sa/sadc", "/usr/lib/sa/sadc", "sadc")
	sadf := need(t, "sadf")
	stress := need(t, "stress-ng")
	bin := kvmfitBin(t)
	tmp := t.TempDir()
	const iv, n = 5 * time.Second, 6

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// One sadc at our 5 s interval gives the rates and CPU of each row. A
	// second one reads every second, as our sub-samples: memory is a gauge
	// that sar reads once per record, so our row's mean is compared with
	// the mean of sar's readings at the same ticks, and the maxima with
	// the largest 1 s record.
	sa := exec.CommandContext(ctx, sadc, "-S", "DISK", strconv.Itoa(int(iv.Seconds())), strconv.Itoa(n+1), filepath.Join(tmp, "sa"))
	sa1 := exec.CommandContext(ctx, sadc, "-S", "DISK", "1", strconv.Itoa(int(iv.Seconds())*n+1), filepath.Join(tmp, "sa1"))
	out := filepath.Join(tmp, "data")
	kv := exec.CommandContext(ctx, bin, "collect", "--out", out, "--interval", "5s", "--sample", "1s",
		"--duration", (iv*n + 500*time.Millisecond).String(), "--no-bench")
	var kvErr bytes.Buffer
	kv.Stderr = &kvErr
	tr := startTrace(t)
	// Disk load: a steady 40 MB/s of synced writes at most, from before
	// the first reading to after the last. Network load: a steady 2 MB/s
	// of UDP out of a veth, when possible.
	if stopNet := rt.SteadyNet(t.Logf); stopNet != nil {
		defer stopNet()
	}
	stopWrite := make(chan struct{})
	writeDone := make(chan error, 1)
	go func() { writeDone <- rt.SteadyWrites(filepath.Join(tmp, "load"), stopWrite) }()
	// Start all three just after a 5 s boundary so that their intervals match.
	time.Sleep(time.Until(time.Now().Truncate(iv).Add(2*iv + 2*time.Millisecond)))
	for _, c := range []struct {
		name string
		cmd  *exec.Cmd
	}{{"sa", sa}, {"sa1", sa1}, {"kvmfit", kv}} {
		started := time.Now()
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		tr.Watch(c.name, c.cmd.Process.Pid, started)
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
	if err := tr.Stop(); err != nil {
		t.Fatal(err)
	}

	srv, err := dataset.ReadServer(serverDir(t, out))
	if err != nil {
		t.Fatal(err)
	}
	compareSar(t, tr, srv, sarRecords(t, sadf, filepath.Join(tmp, "sa")), sarRecords(t, sadf, filepath.Join(tmp, "sa1")))
	if t.Failed() {
		keep := filepath.Join(os.TempDir(), "kvmfit-sar-compare")
		os.RemoveAll(keep)
		if err := os.Rename(tmp, keep); err == nil {
			os.MkdirAll(tmp, 0o700)
			t.Logf("sadc files and dataset kept in %s", keep)
		}
	}
}

// compareSar compares every 5 s row of the server with sar: the CPU and
// rate means with sar's 5 s record ending at the same second (recs5),
// memory and the maxima with sar's 1 s records in the row (recs1).
func compareSar(t *testing.T, tr *rt.Trace, srv *model.Server, recs5, recs1 []sarRecord) {
	t.Helper()
	s := &srv.Series
	byEnd1 := map[int64]sarRecord{}
	for _, r := range recs1 {
		byEnd1[r.end.Unix()] = r
	}
	byEnd5 := map[int64]sarRecord{}
	for _, r := range recs5 {
		byEnd5[r.end.Unix()] = r
	}
	matched, compared := 0, 0
	for i := 0; i < s.Len(); i++ {
		end := s.Start[i] + int64(s.IntervalSec[i])
		r5, ok := byEnd5[end]
		if s.IntervalSec[i] != 5 || !ok {
			continue
		}
		b := crow{cpu: r5.cpuBusy, rate: [4]float64{r5.diskWrite, r5.diskRead, r5.netRx, r5.netTx}}
		var memAvail float64
		for k := end - 4; k <= end && ok; k++ {
			var r sarRecord
			if r, ok = byEnd1[k]; ok {
				memAvail += r.memAvail / 5
				b.cpuMax = math.Max(b.cpuMax, r.cpuBusy)
				b.writeMax = math.Max(b.writeMax, r.diskWrite)
			}
		}
		if !ok {
			continue
		}
		// Our mem_used is MemTotal − MemAvailable (sarRecords).
		b.mem = s.Mean[model.MemTotalBytes][i] - memAvail
		matched++
		if compareRow(t, tr, pair{a: "kvmfit", bMean: "sa", bSub: "sa1", other: "sar", bStamped: true}, time.Unix(end, 0), rowOf(s, i), b) {
			compared++
		}
	}
	t.Logf("kvmfit collect vs sar: %d rows matched, %d compared", matched, compared)
	if compared < 4 {
		t.Fatalf("only %d rows compared with sar's records (%d matched)", compared, matched)
	}
}
