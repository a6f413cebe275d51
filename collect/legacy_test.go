//go:build linux && realtime

package collect

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rt "github.com/kvmfit/kvmfit/collect/internal/realtimetest"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// TestLegacyShellCollector runs collect/legacy/kvmfit-collect.sh (under
// dash, a strict POSIX shell, when installed) beside kvmfit collect on the
// same machine and window, under a steady disk load, and checks that
// kvmfit show reads its output and that every 5 s row agrees with the Go
// collector's: CPU, memory, disk and network means, CPU and disk write
// maxima, within the sar tolerances plus what the counters moved between
// the two collectors' reads (compareRow). The shell forks sleep and date
// around its readings and syncs after each row, so on a loaded machine its
// reads trail ours by more than sadc's do; the trace measures by how much.
func TestLegacyShellCollector(t *testing.T) {
	sh, err := exec.LookPath("dash")
	if err != nil {
		sh = "sh"
	}
	bin := kvmfitBin(t)
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const iv = 5 * time.Second
	tr := startTrace(t)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- rt.SteadyWrites(filepath.Join(tmp, "load"), stop) }()
	time.Sleep(time.Until(time.Now().Truncate(iv).Add(2*iv + 2*time.Millisecond)))
	goOut, shOut := filepath.Join(tmp, "go"), filepath.Join(tmp, "sh")
	kv := exec.CommandContext(ctx, bin, "collect", "--out", goOut, "--interval", "5s", "--sample", "1s", "--duration", "30500ms", "--no-bench")
	ls := exec.CommandContext(ctx, sh, "legacy/kvmfit-collect.sh", "--out", shOut, "--interval", "5", "--sample", "1", "--duration", "31")
	var kvErr, shErr bytes.Buffer
	kv.Stderr, ls.Stderr = &kvErr, &shErr
	started := time.Now()
	if err := kv.Start(); err != nil {
		t.Fatal(err)
	}
	tr.Watch("kvmfit", kv.Process.Pid, started)
	started = time.Now()
	if err := ls.Start(); err != nil {
		t.Fatal(err)
	}
	tr.Watch("shell", ls.Process.Pid, started) // dash execs awk for the sampling loop
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
	if err := tr.Stop(); err != nil {
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
	if inv := shSrv.Inventory; inv.Threads == 0 || inv.MemTotalBytes == 0 {
		t.Errorf("shell inventory incomplete: %+v", inv)
	}
	// Both collectors name the machine alike, so that their data of one
	// machine are recognised as such.
	if a, b := goSrv.Inventory.MachineID, shSrv.Inventory.MachineID; a != b {
		t.Errorf("machine id %q (Go collector) vs %q (shell collector)", a, b)
	}
	g, s := &goSrv.Series, &shSrv.Series
	at := map[int64]int{}
	for i := 0; i < s.Len(); i++ {
		at[s.Start[i]] = i
	}
	matched, compared := 0, 0
	for i := 0; i < g.Len(); i++ {
		j, ok := at[g.Start[i]]
		if !ok || g.IntervalSec[i] != 5 || s.IntervalSec[j] != 5 {
			continue
		}
		matched++
		if mt, st := g.Mean[model.MemTotalBytes][i], s.Mean[model.MemTotalBytes][j]; mt != st {
			t.Errorf("row %d: mem total shell %.0f, go %.0f", i, st, mt)
		}
		if compareRow(t, tr, pair{a: "kvmfit", bMean: "shell", bSub: "shell", other: "shell"}, time.Unix(g.Start[i]+5, 0), rowOf(g, i), rowOf(s, j)) {
			compared++
		}
	}
	t.Logf("%d rows matched, %d compared", matched, compared)
	if compared < 4 {
		t.Fatalf("only %d rows compared (%d matched)\ngo: %d rows, shell: %d rows\n%s", compared, matched, g.Len(), s.Len(), shErr.String())
	}
}
