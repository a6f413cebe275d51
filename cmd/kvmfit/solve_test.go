package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runSolve runs the solve command directly (it does not need main.go).
func runSolve(t *testing.T, args ...string) (string, error) {
	t.Helper()
	err, out, _ := runCmd(t, newSolveCmd, args...)
	return out, err
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

// TestSolveStreamsInOrder: with two jobs, the lines of the instances
// before a bad file are written, in argument order, then the error names
// the file; nothing after it is written.
func TestSolveStreamsInOrder(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for k, body := range []string{"2\n10\n6\n4\n", "3\n10\n6\n6\n4\n", "2\n10\n6\nx\n", "1\n10\n3\n"} {
		f := filepath.Join(dir, fmt.Sprintf("i%d.txt", k))
		os.WriteFile(f, []byte(body), 0o644)
		files = append(files, f)
	}
	out, err := runSolve(t, append([]string{"--format", "bpp", "-j", "2"}, files...)...)
	if err == nil || !strings.Contains(err.Error(), "i2.txt") {
		t.Fatalf("error %v, want one naming i2.txt", err)
	}
	var lines []string // the JSON lines
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "{") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 || !strings.Contains(lines[0], `"instance":"i0","bins":1`) || !strings.Contains(lines[1], `"instance":"i1","bins":2`) {
		t.Errorf("lines %q, want those of i0 (1 bin) and i1 (2 bins) only", lines)
	}
}

// TestInterruptRelease: solve, plan and backtest give SIGINT/SIGTERM back
// their default action (an interrupt ends them at once); collect and
// version keep them caught; an interrupt that came before solve started
// is an error.
func TestInterruptRelease(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"solve", "--help"}, false}, // help runs no command
		{[]string{"version"}, false},
		{[]string{"solve", "--format", "bpp", "/nonexistent/x.txt"}, true},
		{[]string{"plan", "--data", "/nonexistent"}, true},
		{[]string{"backtest", "--data", "/nonexistent"}, true},
	} {
		released := false
		var out, errb bytes.Buffer
		run(context.Background(), c.args, IO{Out: &out, Err: &errb, ReleaseSignals: func() { released = true }})
		if released != c.want {
			t.Errorf("%v: released %v, want %v", c.args, released, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"solve", "--format", "bpp", "/nonexistent/x.txt"}, IO{Out: &out, Err: &errb, ReleaseSignals: func() {}})
	if code != exitError || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("cancelled: exit %d, stderr %q; want %d and interrupted", code, errb.String(), exitError)
	}
}

// TestBitbrainsLowerBoundGap plans the real Bitbrains subset on the tiny
// hosts (so that it needs several) and checks that the packing uses at most
// 2% more hosts than the lower bound.
func TestBitbrainsLowerBoundGap(t *testing.T) {
	tmp, data, _ := importBitbrains(t)
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
