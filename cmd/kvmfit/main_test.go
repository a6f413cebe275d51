package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/kvmfit/kvmfit/model/profile"
	"github.com/kvmfit/kvmfit/report/browsertest"
)

// sharedData returns ../shared/data (the real traces), or skips when it is
// absent: a user's fresh clone has no traces, CI has them.
func sharedData(t *testing.T, sub string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "data", sub))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("shared data %s missing in CI", p)
		}
		t.Skipf("shared data not found at %s; this test runs where ../shared/data is present (CI)", p)
	}
	return p
}

// kvmfit runs the CLI in-process and returns its exit status and output.
func kvmfit(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, IO{Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := kvmfit(t, args...)
	if code != 0 {
		t.Fatalf("kvmfit %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

// importBitbrains imports the real Bitbrains subset (July 2013, files) into
// a dataset in a new temporary directory tmp; data is the dataset's path.
func importBitbrains(t *testing.T) (tmp, data string, files []string) {
	t.Helper()
	files, _ = filepath.Glob(filepath.Join(sharedData(t, "bitbrains-rnd"), "2013-7", "*.csv"))
	if len(files) == 0 {
		t.Fatal("no Bitbrains files")
	}
	tmp = t.TempDir()
	data = filepath.Join(tmp, "data")
	mustRun(t, append([]string{"import", "bitbrains", "--out", data}, files...)...)
	return tmp, data, files
}

func readPlan(t *testing.T, path string) *model.Plan {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p model.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// checkPlanFits re-profiles every server independently of the packer and
// checks that no host of the plan exceeds its usable capacity in any slot,
// and that every server is placed exactly once or listed as unplaced.
func checkPlanFits(t *testing.T, p *model.Plan, dataDirs ...string) {
	t.Helper()
	prof := map[string]*profile.Result{}
	for _, d := range dataDirs {
		servers, err := dataset.Read(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, srv := range servers {
			sp, err := profile.Server(srv, p.Settings)
			if err != nil {
				continue
			}
			prof[srv.ID] = sp
		}
	}
	seen := map[string]int{}
	for _, h := range p.Hosts {
		var load [model.NumDims][]float64
		for d := range load {
			load[d] = make([]float64, p.Grid.Slots)
		}
		for _, id := range h.Servers {
			seen[id]++
			sp := prof[id]
			if sp == nil {
				t.Fatalf("host %s holds %s, which has no profile", h.Name, id)
			}
			for d := model.Dim(0); d < model.NumDims; d++ {
				for s, v := range sp.Demand.Values[d] {
					load[d][s] += v
				}
			}
		}
		for d := model.Dim(0); d < model.NumDims; d++ {
			c := h.UsableCapacity[d.String()]
			for s, v := range load[d] {
				if v > c*(1+1e-6) {
					t.Errorf("host %s: %s demand %g exceeds usable capacity %g in slot %d", h.Name, d, v, c, s)
				}
			}
		}
	}
	for _, u := range p.Unplaced {
		seen[u.Server]++
		if u.Reason == "" {
			t.Errorf("unplaced %s has no reason", u.Server)
		}
	}
	for _, sd := range p.ServerDetails {
		if seen[sd.ID] != 1 {
			t.Errorf("server %s placed or listed %d times, want once", sd.ID, seen[sd.ID])
		}
	}
	if p.HostsUsed != len(p.Hosts) || p.HostsUsed < p.LowerBound {
		t.Errorf("hosts_used %d, %d hosts listed, lower bound %d", p.HostsUsed, len(p.Hosts), p.LowerBound)
	}
}

// TestPlanBitbrains imports the real Bitbrains subset, plans it on small
// hosts, and checks the plan against an independent recomputation.
func TestPlanBitbrains(t *testing.T) {
	tmp, data, files := importBitbrains(t)
	planPath, reportPath := filepath.Join(tmp, "plan.json"), filepath.Join(tmp, "report.html")
	mustRun(t, "plan", "--data", data, "--hosts", "testdata/hosts-tiny.yaml", "--host-type", "tiny-4c", "--out", planPath, "--report", reportPath)
	p := readPlan(t, planPath)
	if p.Servers != len(files) {
		t.Errorf("servers = %d, want %d (one per file)", p.Servers, len(files))
	}
	if p.HostsUsed < 2 {
		t.Errorf("hosts_used = %d: the tiny hosts should need at least two", p.HostsUsed)
	}
	if sop := p.Baselines.SumOfPeaks.HostsUsed; sop < p.HostsUsed {
		t.Errorf("sum of peaks needs %d hosts, fewer than the time-aligned plan's %d", sop, p.HostsUsed)
	}
	checkPlanFits(t, p, data)
	t.Logf("bitbrains: %d servers → %d hosts (lower bound %d, sum of peaks %d)", p.Servers, p.HostsUsed, p.LowerBound, p.Baselines.SumOfPeaks.HostsUsed)

	// Same input, same bytes.
	plan2, report2 := filepath.Join(tmp, "plan2.json"), filepath.Join(tmp, "report2.html")
	mustRun(t, "plan", "--data", data, "--hosts", "testdata/hosts-tiny.yaml", "--host-type", "tiny-4c", "--out", plan2, "--report", report2)
	for _, pair := range [][2]string{{planPath, plan2}, {reportPath, report2}} {
		a, _ := os.ReadFile(pair[0])
		b, _ := os.ReadFile(pair[1])
		if !bytes.Equal(a, b) {
			t.Errorf("%s and %s differ: output is not deterministic", pair[0], pair[1])
		}
	}
}

// TestPlanPlanetLab plans a thousand bursty CPU-only VMs.
func TestPlanPlanetLab(t *testing.T) {
	dir := filepath.Join(sharedData(t, "planetlab-cloudsim"), "20110303")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	mustRun(t, append([]string{"import", "planetlab", "--start", "2011-03-03", "--out", data}, files...)...)
	planPath := filepath.Join(tmp, "plan.json")
	mustRun(t, "plan", "--data", data, "--hosts", "testdata/hosts-tiny.yaml", "--host-type", "mid-8c", "--out", planPath)
	p := readPlan(t, planPath)
	if p.Servers != len(files) {
		t.Errorf("servers = %d, want %d", p.Servers, len(files))
	}
	checkPlanFits(t, p, data)
	// Peaks of bursty VMs rarely coincide: time-aligned sizing must need
	// far fewer hosts than sizing every VM at its own peak.
	if sop := p.Baselines.SumOfPeaks.HostsUsed; float64(p.HostsUsed) > 0.7*float64(sop) {
		t.Errorf("time-aligned plan uses %d hosts, sum of peaks %d: expected at least 30%% fewer", p.HostsUsed, sop)
	}
	t.Logf("planetlab: %d servers → %d hosts (lower bound %d, sum of peaks %d)", p.Servers, p.HostsUsed, p.LowerBound, p.Baselines.SumOfPeaks.HostsUsed)
}

// TestDemandReport runs the demo's path on a generated fleet and opens the
// report in headless Chromium with the network off.
func TestDemandReport(t *testing.T) {
	tmp := t.TempDir()
	fleet := filepath.Join(tmp, "fleet")
	mustRun(t, "samples", "generate", "--servers", "12", "--days", "7", "--seed", "3", "--out", fleet)
	planPath, reportPath := filepath.Join(tmp, "out", "plan.json"), filepath.Join(tmp, "out", "report.html")
	mustRun(t, "plan", "--data", fleet, "--hosts", "../../samples/hosts.yaml", "--out", planPath, "--report", reportPath)
	p := readPlan(t, planPath)
	checkPlanFits(t, p, fleet)
	for name, rows := range map[string]int{"assignments.csv": len(p.Assignments), "servers.csv": p.Servers} {
		data, err := os.ReadFile(filepath.Join(tmp, "out", name))
		if err != nil {
			t.Fatalf("plan did not write %s next to plan.json: %v", name, err)
		}
		if got := strings.Count(string(data), "\r\n") - 1; got != rows {
			t.Errorf("%s: %d rows, want %d", name, got, rows)
		}
	}
	if len(p.Candidates) < 3 {
		t.Errorf("%d candidates, want every model of samples/hosts.yaml (≥ 3)", len(p.Candidates))
	}
	if _, ok := browsertest.FindChromium(); !ok {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium not installed in CI")
		}
		t.Skip("chromium not installed: skipping the browser check (CI installs it)")
	}
	shot := filepath.Join(t.TempDir(), "summary.png")
	if dir := os.Getenv("KVMFIT_ARTIFACTS"); dir != "" {
		shot = filepath.Join(dir, "demo-summary.png")
	}
	res := browsertest.Check(t, reportPath, shot)
	// Every chart div on the page drew, and there is at least the summary
	// chart plus a CPU and a memory chart per host.
	html, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatal(err)
	}
	divs := len(regexp.MustCompile(`class="chart[ "]`).FindAll(html, -1))
	if res.Charts != divs || res.Charts < 1+2*p.HostsUsed {
		t.Errorf("%d charts rendered, %d chart elements on the page, %d hosts", res.Charts, divs, p.HostsUsed)
	}
}

func TestShow(t *testing.T) {
	tmp := t.TempDir()
	fleet := filepath.Join(tmp, "fleet")
	mustRun(t, "samples", "generate", "--servers", "6", "--days", "2", "--seed", "1", "--out", fleet)
	out := mustRun(t, "show", "--json", fleet)
	var servers []showServer
	if err := json.Unmarshal([]byte(out), &servers); err != nil {
		t.Fatalf("show --json: %v\n%s", err, out)
	}
	if len(servers) != 6 {
		t.Fatalf("show: %d servers, want 6", len(servers))
	}
	for _, s := range servers {
		if s.Samples != 2*288 || s.CoveragePct != 100 || s.IntervalSec != 300 {
			t.Errorf("%s: %d samples, coverage %.2f%%, interval %d; want 576, 100%%, 300", s.ID, s.Samples, s.CoveragePct, s.IntervalSec)
		}
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			ms, ok := s.Metrics[m.String()]
			if !ok || ms.Mean == nil || ms.Max == nil || *ms.Mean > *ms.Max {
				t.Errorf("%s: metric %s = %+v", s.ID, m, ms)
			}
		}
	}
	text := mustRun(t, "show", fleet)
	if !strings.Contains(text, "cpu_busy_pct") || !strings.Contains(text, "coverage 100.0%") {
		t.Errorf("show text output lacks metrics or coverage:\n%s", text)
	}
}

// TestBadInput checks that malformed samples give an error naming the file,
// line and field, a non-zero exit, and no output.
func TestBadInput(t *testing.T) {
	tmp := t.TempDir()
	srv := filepath.Join(tmp, "data", "web01")
	if err := os.MkdirAll(srv, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(srv, "inventory.json"), []byte(`{"format_version":1,"hostname":"web01","cores":2}`), 0o644)
	rows := dataset.HeaderLine() +
		"2026-01-05T00:00:00Z,300,5,9" + strings.Repeat(",", 2*int(model.NumMetrics)-2) + "\n" +
		"2026-01-05T00:05:00Z,300,5,abc" + strings.Repeat(",", 2*int(model.NumMetrics)-2) + "\n"
	os.WriteFile(filepath.Join(srv, "samples.csv"), []byte(rows), 0o644)
	planPath := filepath.Join(tmp, "out", "plan.json")
	code, _, errs := kvmfit(t, "plan", "--data", filepath.Join(tmp, "data"), "--hosts", "testdata/hosts-tiny.yaml", "--out", planPath)
	if code != exitError {
		t.Errorf("exit %d, want %d", code, exitError)
	}
	want := filepath.Join(srv, "samples.csv") + ":3: field cpu_busy_pct_max"
	if !strings.Contains(errs, want) {
		t.Errorf("stderr %q does not name %q", errs, want)
	}
	if _, err := os.Stat(planPath); err == nil {
		t.Errorf("%s written despite the error", planPath)
	}

	code, _, errs = kvmfit(t, "plan", "--data", filepath.Join(tmp, "data"), "--hosts", "nope.yaml")
	if code != exitError || !strings.Contains(errs, "nope.yaml") {
		t.Errorf("missing catalog: exit %d, stderr %q", code, errs)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"plan"},
		{"plan", "--data", "x"},
		{"plan", "--bogus"},
		{"plan", "--data", "x", "--hosts", "y", "--percentile", "0"},
		{"plan", "--data", "x", "--hosts", "y", "--ceiling", "gpu=50"},
		{"show"},
		{"import", "planetlab", "--out", "x", "file"},
		{"samples", "generate"},
	} {
		if code, _, errs := kvmfit(t, args...); code != exitUsage {
			t.Errorf("kvmfit %s: exit %d, want %d (%s)", strings.Join(args, " "), code, exitUsage, errs)
		}
	}
}

// TestHelpHasExamples checks that every runnable command documents an example.
func TestHelpHasExamples(t *testing.T) {
	root := newRootCmd(IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		cmds := append(c.Commands(), c)
		for _, sub := range cmds {
			if !sub.Runnable() || sub.Hidden || sub.Name() == "help" {
				continue
			}
			// cobra's completion commands carry their examples in Long.
			generated := sub.Parent() != nil && sub.Parent().Name() == "completion" && strings.Contains(sub.Long, "kvmfit completion")
			if strings.TrimSpace(sub.Example) == "" && !generated {
				t.Errorf("%s --help has no example", sub.CommandPath())
			}
		}
	}
}

func TestVersionAndCompletion(t *testing.T) {
	if out := mustRun(t, "version"); !strings.HasPrefix(out, "kvmfit ") {
		t.Errorf("version: %q", out)
	}
	if out := mustRun(t, "completion", "bash"); !strings.Contains(out, "bash completion") {
		t.Errorf("completion bash: %.100q", out)
	}
}
