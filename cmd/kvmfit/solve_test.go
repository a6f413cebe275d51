package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runSolve runs the solve command directly (it does not need main.go).
func runSolve(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newSolveCmd(IO{Out: &out, Err: &errb})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	err := cmd.Execute()
	return out.String(), err
}

func TestSolveCommand(t *testing.T) {
	dir := t.TempDir()
	bpp := filepath.Join(dir, "tiny.txt")
	// Six items of 6 and four of 4 in bins of 10: 6+4 pairs → 6 bins (L2 = 6).
	os.WriteFile(bpp, []byte("10\n10\n6\n6\n6\n6\n6\n6\n4\n4\n4\n4\n"), 0o644)
	vbp := filepath.Join(dir, "v.vbp")
	os.WriteFile(vbp, []byte("2\n10 10\n2\n6 4 2\n4 6 2\n"), 0o644)
	out, err := runSolve(t, "--format", "bpp", bpp)
	if err != nil {
		t.Fatal(err)
	}
	var line struct {
		Instance   string  `json:"instance"`
		Bins       int     `json:"bins"`
		LowerBound int     `json:"lower_bound"`
		Seconds    float64 `json:"seconds"`
		Stop       string  `json:"stop"`
	}
	if err := json.Unmarshal([]byte(out), &line); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if line.Instance != "tiny" || line.Bins != 6 || line.LowerBound != 6 || line.Stop != "lower bound" {
		t.Errorf("got %+v", line)
	}
	out, err = runSolve(t, "--format", "vbp", "-j", "2", vbp, vbp)
	if err != nil || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"bins":2`) {
		t.Errorf("vbp: %v %q", err, out)
	}
	if _, err := runSolve(t, "--format", "xyz", vbp); err == nil {
		t.Error("unknown format accepted")
	}
	if _, err := runSolve(t, "--format", "bpp", vbp); err == nil {
		t.Error("a vbp file parsed as bpp")
	}
}

// TestBitbrainsLowerBoundGap plans the real Bitbrains subset on the tiny
// hosts (so that it needs several) and checks that the packing uses at most
// 2% more hosts than the lower bound.
func TestBitbrainsLowerBoundGap(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedData(t, "bitbrains-rnd"), "2013-7", "*.csv"))
	if len(files) == 0 {
		t.Fatal("no Bitbrains files")
	}
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	mustRun(t, append([]string{"import", "bitbrains", "--out", data}, files...)...)
	for _, host := range []string{"tiny-4c", "mid-8c"} {
		planPath := filepath.Join(tmp, host+".json")
		mustRun(t, "plan", "--data", data, "--hosts", "testdata/hosts-tiny.yaml", "--host-type", host, "--ha", "1", "--out", planPath)
		p := readPlan(t, planPath)
		if p.HostsWithoutHA > p.LowerBound && float64(p.HostsWithoutHA-p.LowerBound) > 0.02*float64(p.LowerBound) {
			t.Errorf("%s: %d hosts, lower bound %d: gap %.1f%% > 2%%", host, p.HostsWithoutHA, p.LowerBound, p.LowerBoundGapPct)
		}
		if !p.HA.Holds || p.HostsUsed != p.HostsWithoutHA+p.HA.SpareHostsAdded {
			t.Errorf("%s: N+1 does not hold: %+v", host, p.HA.Method)
		}
		t.Logf("bitbrains on %s: %d servers → %d hosts (lower bound %d, gap %.1f%%), %d with N+1",
			host, p.Servers, p.HostsWithoutHA, p.LowerBound, p.LowerBoundGapPct, p.HostsUsed)
	}
}
