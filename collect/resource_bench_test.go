//go:build linux

package collect

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// BenchmarkCollectorCost runs kvmfit collect and sysstat's sadc side by side
// and reports, from getrusage of the children, each one's CPU seconds (user
// + system) per sample and peak resident memory:
//
//	go test -run '^$' -bench CollectorCost -benchtime 1x ./collect
//
// Each collector runs twice, for 3 and for 33 one-second samples, at the
// same time as the other; cpu_sec_per_sample_* is the difference divided by
// 30 (the cost of sampling, start-up excluded) and cpu_sec_per_sample_*_incl
// is the 33-sample run's total / 33 (start-up included). kvmfit runs with
// --sample 1s --interval 12s, the default's 12 readings per row (5 s / 60 s)
// at a faster pace: each row is written and fsynced. sadc runs with -S DISK
// (its default activities plus disks) and writes a record per sample.
func BenchmarkCollectorCost(b *testing.B) {
	bin := kvmfitBin(b)
	sadc := ""
	for _, p := range []string{"/usr/lib/sysstat/sadc", "/usr/lib64/sa/sadc", "/usr/lib/sa/sadc"} {
		if _, err := exec.LookPath(p); err == nil {
			sadc = p
			break
		}
	}
	if sadc == "" {
		b.Log("sadc not found (Debian package sysstat): only kvmfit is measured")
	}
	var m [2][2]struct{ cpu, rss float64 } // [kvmfit, sadc][short, long]
	lengths := [2]int{3, 33}
	for range b.N {
		for k, n := range lengths {
			tmp := b.TempDir()
			kv := exec.Command(bin, "collect", "--out", filepath.Join(tmp, "data"), "--interval", "12s", "--sample", "1s",
				"--duration", strconv.Itoa(n)+"s", "--no-bench")
			if err := kv.Start(); err != nil {
				b.Fatal(err)
			}
			var sa *exec.Cmd
			if sadc != "" {
				sa = exec.Command(sadc, "-S", "DISK", "1", strconv.Itoa(n+1), filepath.Join(tmp, "sa"))
				if err := sa.Start(); err != nil {
					b.Fatal(err)
				}
			}
			for j, c := range []*exec.Cmd{kv, sa} {
				if c == nil {
					continue
				}
				if err := c.Wait(); err != nil {
					b.Fatal(err)
				}
				cpu, rss := usage(c.ProcessState)
				m[j][k].cpu += cpu / float64(b.N)
				m[j][k].rss = max(m[j][k].rss, rss)
			}
		}
	}
	for j, who := range []string{"kvmfit", "sadc"} {
		if j == 1 && sadc == "" {
			break
		}
		per := (m[j][1].cpu - m[j][0].cpu) / float64(lengths[1]-lengths[0])
		b.ReportMetric(per, "cpu_sec_per_sample_"+who)
		b.ReportMetric(m[j][1].cpu/float64(lengths[1]), "cpu_sec_per_sample_"+who+"_incl")
		b.ReportMetric(max(m[j][0].rss, m[j][1].rss), "rss_mb_"+who)
	}
	if rss := max(m[0][0].rss, m[0][1].rss); rss >= 16 {
		b.Errorf("kvmfit collect peak RSS %.1f MB, target under 16 MB", rss)
	}
}

// usage returns the CPU seconds and peak RSS (MB) of a finished process.
func usage(ps interface{ SysUsage() any }) (cpuSec, rssMB float64) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime), float64(ru.Maxrss) / 1024 // Maxrss is in KiB on Linux
}
