//go:build linux

package collect

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// TestLegacyShellCollector runs collect/legacy/kvmfit-collect.sh (under
// dash, a strict POSIX shell, when installed) beside kvmfit collect on the
// same machine and window, under a steady disk load, and checks that
// kvmfit show reads its output and that every row agrees with the Go
// collector's within the sar tolerances.
func TestLegacyShellCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	sh, err := exec.LookPath("dash")
	if err != nil {
		sh = "sh"
	}
	bin := kvmfitBin(t)
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const iv = 5 * time.Second
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- steadyWrites(filepath.Join(tmp, "load"), stop) }()
	now := time.Now()
	time.Sleep(time.Until(now.Truncate(iv).Add(2*iv + 2*time.Millisecond)))
	goOut, shOut := filepath.Join(tmp, "go"), filepath.Join(tmp, "sh")
	kv := exec.CommandContext(ctx, bin, "collect", "--out", goOut, "--interval", "5s", "--sample", "1s", "--duration", "20500ms", "--no-bench")
	ls := exec.CommandContext(ctx, sh, "legacy/kvmfit-collect.sh", "--out", shOut, "--interval", "5", "--sample", "1", "--duration", "21")
	var kvErr, shErr bytes.Buffer
	kv.Stderr, ls.Stderr = &kvErr, &shErr
	if err := kv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := ls.Start(); err != nil {
		t.Fatal(err)
	}
	if err := kv.Wait(); err != nil {
		t.Fatalf("kvmfit collect: %v\n%s", err, kvErr.String())
	}
	if err := ls.Wait(); err != nil {
		t.Fatalf("kvmfit-collect.sh: %v\n%s", err, shErr.String())
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	show, err := exec.Command(bin, "show", shOut).CombinedOutput()
	if err != nil || !strings.Contains(string(show), "kvmfit-collect.sh") || strings.Contains(string(show), "warning") {
		t.Fatalf("kvmfit show %s: %v\n%s", shOut, err, show)
	}
	goSrv, err := dataset.ReadServer(serverDir(t, goOut))
	if err != nil {
		t.Fatal(err)
	}
	shSrv, err := dataset.ReadServer(serverDir(t, shOut))
	if err != nil {
		t.Fatal(err)
	}
	if shSrv.Inventory.Threads == 0 || shSrv.Inventory.MemTotalBytes == 0 {
		t.Errorf("shell inventory incomplete: %+v", shSrv.Inventory)
	}
	g, s := &goSrv.Series, &shSrv.Series
	at := map[int64]int{}
	for i := 0; i < s.Len(); i++ {
		at[s.Start[i]] = i
	}
	matched := 0
	var sumG, sumS [4]float64
	for i := 0; i < g.Len(); i++ {
		j, ok := at[g.Start[i]]
		if !ok || g.IntervalSec[i] != 5 || s.IntervalSec[j] != 5 {
			continue
		}
		matched++
		when := time.Unix(g.Start[i], 0).UTC().Format(time.TimeOnly)
		for _, c := range []struct {
			m          model.Metric
			rel, floor float64
		}{
			{model.CPUBusyPct, 0, tolCPUPoints},
			{model.MemUsedBytes, tolRel, 0},
			{model.MemTotalBytes, 0, 0},
		} {
			gv, sv := g.Mean[c.m][i], s.Mean[c.m][j]
			floor := c.floor
			if c.m == model.MemUsedBytes {
				// The two collectors read memory some milliseconds apart:
				// when memory moves within the row (the load generators
				// allocate and free gigabytes), allow what it moved by,
				// as each row's max above its mean records.
				floor += (g.Max[c.m][i] - gv) + (s.Max[c.m][j] - sv)
			}
			if !agree(sv, gv, c.rel, floor) {
				t.Errorf("row %s: %s shell %.2f, go %.2f", when, c.m, sv, gv)
			}
		}
		// Disk and network rates: the shell's readings trail ours by a
		// fork or two (sleep, date), so a burst of another process's IO
		// near a boundary can land in the neighbouring row; on a shared
		// machine they are compared over the whole window.
		for k, m := range []model.Metric{model.DiskWriteBytesPerSec, model.DiskReadBytesPerSec, model.NetRxBytesPerSec, model.NetTxBytesPerSec} {
			sumG[k] += g.Mean[m][i]
			sumS[k] += s.Mean[m][j]
		}
		t.Logf("row %s: cpu %.2f/%.2f%%  mem %.0f/%.0f MiB  disk w %.2f/%.2f MB/s  (shell/go)", when,
			s.Mean[model.CPUBusyPct][j], g.Mean[model.CPUBusyPct][i], s.Mean[model.MemUsedBytes][j]/(1<<20), g.Mean[model.MemUsedBytes][i]/(1<<20),
			s.Mean[model.DiskWriteBytesPerSec][j]/1e6, g.Mean[model.DiskWriteBytesPerSec][i]/1e6)
	}
	for k, what := range []string{"disk write", "disk read", "net rx", "net tx"} {
		if !agree(sumS[k], sumG[k], tolRel, float64(matched)*floorDiskBytes) {
			t.Errorf("%s over the window: shell %.0f, go %.0f", what, sumS[k], sumG[k])
		}
	}
	if matched < 3 {
		t.Fatalf("only %d rows matched\ngo: %d rows, shell: %d rows\n%s", matched, g.Len(), s.Len(), shErr.String())
	}
}
