//go:build linux

package collect

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  string
)

// kvmfitBin builds cmd/kvmfit once per test binary and returns its path
// (for the real-time comparisons and BenchmarkCollectorCost). It skips, or
// fails under CI, when the binary has no collect command.
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
