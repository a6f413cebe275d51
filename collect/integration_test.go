//go:build linux

package collect

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model/dataset"
)

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  string
)

// kvmfitBin builds cmd/kvmfit once per test binary and returns its path. It
// skips the test when the binary has no collect command yet.
func kvmfitBin(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kvmfit-bin")
		if err != nil {
			buildErr = err.Error()
			return
		}
		bin := filepath.Join(dir, "kvmfit")
		out, err := exec.Command("go", "build", "-o", bin, "../cmd/kvmfit").CombinedOutput()
		if err != nil {
			buildErr = "go build ../cmd/kvmfit: " + err.Error() + "\n" + string(out)
			return
		}
		if out, err := exec.Command(bin, "collect", "--help").CombinedOutput(); err != nil {
			buildErr = "kvmfit has no collect command (newCollectCmd is not registered in main.go): " + string(out)
			return
		}
		buildBin = bin
	})
	if buildBin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(buildErr)
		}
		t.Skip(buildErr)
	}
	return buildBin
}

// serverDir returns the only server directory under out.
func serverDir(t testing.TB, out string) string {
	t.Helper()
	ents, err := os.ReadDir(out)
	if err != nil || len(ents) != 1 {
		t.Fatalf("want one server directory in %s: %v %v", out, ents, err)
	}
	return filepath.Join(out, ents[0].Name())
}

// TestCollectSIGTERM stops the collector with SIGTERM: exit 0, the interval
// in flight written as a shorter row, files 0640.
func TestCollectSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	bin := kvmfitBin(t)
	out := t.TempDir()
	cmd := exec.Command(bin, "collect", "--out", out, "--interval", "2s", "--sample", "250ms", "--no-bench")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Stop 1 s into an interval.
	time.Sleep(3 * time.Second)
	now := time.Now()
	time.Sleep(now.Truncate(2*time.Second).Add(3*time.Second).Sub(now) + 20*time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	dir := serverDir(t, out)
	srv, err := dataset.ReadServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := srv.Series.Len()
	if n < 2 || len(srv.Warnings) > 0 {
		t.Fatalf("%d rows, warnings %v\n%s", n, srv.Warnings, stderr.String())
	}
	if iv := srv.Series.IntervalSec[n-1]; iv != 1 {
		t.Errorf("last row interval %d s, want the 1 s in flight", iv)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o640 {
			t.Errorf("%s mode %v, want 0640", e.Name(), info.Mode().Perm())
		}
	}
}

// TestCollectKill9 kills the collector with SIGKILL at random moments, many
// times, restarting it each time: the dataset stays readable and at most
// the interval in flight is lost per kill.
func TestCollectKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	bin := kvmfitBin(t)
	out := t.TempDir()
	rng := rand.New(rand.NewPCG(42, 3))
	const kills = 20
	var alive time.Duration // time the collector ran, summed over runs
	var stderr bytes.Buffer
	for i := 0; i <= kills; i++ {
		cmd := exec.Command(bin, "collect", "--out", out, "--interval", "1s", "--sample", "200ms", "--no-bench")
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		life := time.Duration(300+rng.IntN(2700)) * time.Millisecond
		time.Sleep(life)
		if i < kills {
			cmd.Process.Kill()
			cmd.Wait()
		} else {
			cmd.Process.Signal(syscall.SIGTERM)
			if err := cmd.Wait(); err != nil {
				t.Fatalf("last run: %v", err)
			}
		}
		alive += time.Since(start)
	}
	srv, err := dataset.ReadServer(serverDir(t, out))
	if err != nil {
		t.Fatalf("dataset unreadable after %d kills: %v\n%s", kills, err, stderr.String())
	}
	s := &srv.Series
	for i := 1; i < s.Len(); i++ {
		if s.Start[i] < s.Start[i-1]+int64(s.IntervalSec[i-1]) {
			t.Errorf("row %d overlaps row %d", i, i-1)
		}
	}
	for _, w := range srv.Warnings {
		t.Logf("warning: %v", w)
	}
	var covered time.Duration
	for _, iv := range s.IntervalSec {
		covered += time.Duration(iv) * time.Second
	}
	// Each kill may lose the 1 s interval in flight plus the start-up of
	// the next run (process start and first reading); rounding of the
	// partial rows to whole seconds adds up to 0.5 s per run.
	lost := alive - covered
	budget := time.Duration(kills)*(time.Second+500*time.Millisecond) + time.Second
	t.Logf("%d kills: %d rows covering %s of %s run time; lost %s (%.2f s per kill), budget %s",
		kills, s.Len(), covered, alive.Round(time.Millisecond), lost.Round(time.Millisecond), lost.Seconds()/kills, budget)
	if lost > budget {
		t.Errorf("lost %s, more than the interval in flight per kill (budget %s)", lost, budget)
	}
}

// agree reports whether got is within rel (relative) of want, or within
// the absolute floor for values near zero.
func agree(got, want, rel, floor float64) bool {
	d := math.Abs(got - want)
	return d <= floor || d <= rel*math.Abs(want)
}
