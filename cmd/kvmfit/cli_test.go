package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// TestUsageExitStatus: every usage error exits 2 (the README's promise),
// and an unknown command, format or host model suggests the close one.
func TestUsageExitStatus(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus" for "kvmfit" (commands: backtest, bench, collect, completion, import, plan, samples, show, solve, version)`},
		{[]string{"plna", "--data", "x"}, `unknown command "plna" for "kvmfit"; did you mean "plan"?`},
		{[]string{"import", "foo", "--out", "x"}, `unknown format "foo" for "kvmfit import" (formats: alibaba, bitbrains,`},
		{[]string{"import", "foo"}, `unknown format "foo" for "kvmfit import" (formats:`},
		{[]string{"import", "sr", "--out", "x", "file"}, `unknown format "sr" for "kvmfit import"; did you mean "sar"?`},
		{[]string{"samples", "gen"}, `unknown command "gen" for "kvmfit samples"; did you mean "generate"?`},
		{[]string{"plan", "--data", "x", "--hosts", "testdata/hosts-tiny.yaml", "--host-type", "tiny-4"},
			`--host-type "tiny-4": no such host model in testdata/hosts-tiny.yaml; did you mean "tiny-4c"?`},
		{[]string{"plan", "--data", "x", "--hosts", "testdata/hosts-tiny.yaml", "--host-type", "r650"},
			`--host-type "r650": no such host model in testdata/hosts-tiny.yaml (models: tiny-4c, mid-8c)`},
		{[]string{"plan", "--data", "x", "--hosts", "y", "--host-reserve-mem-bytes", "8 parsecs"}, `invalid argument "8 parsecs" for "--host-reserve-mem-bytes"`},
	}
	for _, tc := range tests {
		code, _, errs := kvmfit(t, tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("kvmfit %s: exit %d, stderr %q\nwant exit %d and %q", strings.Join(tc.args, " "), code, errs, exitUsage, tc.want)
		}
		if strings.Contains(errs, "unknown flag") {
			t.Errorf("kvmfit %s: blames a flag: %q", strings.Join(tc.args, " "), errs)
		}
	}
	// Alone, a group command prints its help and succeeds.
	if code, out, _ := kvmfit(t, "import"); code != 0 || !strings.Contains(out, "Available Commands:") {
		t.Errorf("kvmfit import: exit %d, %q", code, out)
	}
}

func TestVersionFlag(t *testing.T) {
	want := mustRun(t, "version")
	if got := mustRun(t, "--version"); got != want || !strings.HasPrefix(got, "kvmfit "+version+" (dataset format ") {
		t.Errorf("--version %q, version %q", got, want)
	}
}

// TestHelpTexts: defaults read as a user writes them, once; the help of
// every command starts with a sentence that reads.
func TestHelpTexts(t *testing.T) {
	out := mustRun(t, "plan", "--help")
	for _, bad := range []string{"e+09", "(default: from --virt) (default", "(default [])", "(default )", "DIRectory"} {
		if strings.Contains(out, bad) {
			t.Errorf("plan --help shows %q", bad)
		}
	}
	for _, want := range []string{
		"--host-reserve-mem-bytes bytes", "(default 8GiB, from --virt)", "(default 2, from --virt)", "(default 1.05, from --virt)",
		"--ceiling RESOURCE=PCT", "(default cpu=80,mem=90,disk_iops=70,disk_bytes=70,net_bytes=70)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan --help lacks %q", want)
		}
	}
	if out := mustRun(t, "collect", "--help"); !strings.HasPrefix(out, "Collect reads this server's counters every --sample") || strings.Contains(out, `(default "0")`) {
		t.Errorf("collect --help:\n%.300s", out)
	}
	// The byte-size flag reads units and sets the reserve.
	fs := newPlanCmd(IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}).Flags()
	if err := fs.Parse([]string{"--host-reserve-mem-bytes", "16GiB"}); err != nil {
		t.Fatal(err)
	}
	if got := fs.Lookup("host-reserve-mem-bytes").Value.String(); got != "16GiB" {
		t.Errorf("--host-reserve-mem-bytes 16GiB reads back %q", got)
	}
}

// TestCompletion: the shell completion offers the values of the flags
// that take one of a few, and the host models of the catalog given.
func TestCompletion(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"plan", "--virt", ""}, []string{"kvm-virtio", "kvm-emulated", "lxc"}},
		{[]string{"plan", "--profile", ""}, []string{"day", "week", "full"}},
		{[]string{"plan", "--slot-stat", ""}, []string{"max", "mean"}},
		{[]string{"plan", "--hosts", "testdata/hosts-tiny.yaml", "--host-type", ""}, []string{"tiny-4c", "mid-8c"}},
		{[]string{"backtest", "--hosts", "testdata/hosts-tiny.yaml", "--host-type", ""}, []string{"tiny-4c", "mid-8c"}},
		{[]string{"backtest", "--replay-stat", ""}, []string{"mean", "max"}},
		{[]string{"import", ""}, []string{"bitbrains", "nmon", "sar"}},
		{[]string{"solve", "--format", ""}, []string{"bpp", "vbp", "tbpp"}},
	}
	for _, tc := range tests {
		out := mustRun(t, append([]string{"__complete"}, tc.args...)...)
		var got []string
		for _, l := range strings.Split(out, "\n") {
			if l == "" || strings.HasPrefix(l, ":") || strings.HasPrefix(l, "_activeHelp_") {
				continue
			}
			name, _, _ := strings.Cut(l, "\t")
			got = append(got, name)
		}
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("complete %q: %q lacks %q", tc.args, got, w)
			}
		}
	}
}

// writeServer writes a dataset server of rows one-minute rows from start,
// CPU busy 20 %, 2 GiB of 8 GiB memory used.
func writeServer(t *testing.T, dir, id string, start time.Time, rows int) {
	t.Helper()
	srv := filepath.Join(dir, id)
	if err := os.MkdirAll(srv, 0o755); err != nil {
		t.Fatal(err)
	}
	inv := fmt.Sprintf(`{"format_version":1,"hostname":%q,"cores":2,"threads":2,"mem_total_bytes":%d}`, id, 8*model.GiB)
	if err := os.WriteFile(filepath.Join(srv, "inventory.json"), []byte(inv), 0o644); err != nil {
		t.Fatal(err)
	}
	header := dataset.HeaderLine()
	cols := strings.Split(strings.TrimSpace(header), ",")
	var b strings.Builder
	b.WriteString(header)
	for r := range rows {
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			switch {
			case c == "timestamp":
				b.WriteString(start.Add(time.Duration(r) * time.Minute).Format(time.RFC3339))
			case c == "interval_sec":
				b.WriteString("60")
			case strings.HasPrefix(c, "cpu_busy_pct"):
				b.WriteString("20")
			case strings.HasPrefix(c, "mem_used_bytes"):
				b.WriteString(fmt.Sprint(2 * model.GiB))
			case strings.HasPrefix(c, "mem_total_bytes"):
				b.WriteString(fmt.Sprint(8 * model.GiB))
			}
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(srv, "samples.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// quickPlan are plan flags that keep a test plan fast.
var quickPlan = []string{"--step", "1m", "--search-work", "0", "--sensitivity-max-servers", "0", "--risk-origins", "0"}

// TestPlanSummaryConfidence: the one-line summary of a plan of 3 minutes
// of data says it is a guess.
func TestPlanSummaryConfidence(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	writeServer(t, data, "web01", time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), 4)
	args := append([]string{"plan", "--data", data, "--hosts", "testdata/hosts-tiny.yaml", "--out", filepath.Join(tmp, "out", "plan.json")}, quickPlan...)
	code, _, errs := kvmfit(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "confidence: a guess: fewer than 2 days of data (from 0.0 days of data, 100% of the expected samples present; 1 server with less than 2 days)"
	if !strings.Contains(errs, want) {
		t.Errorf("stderr %q\nlacks %q", errs, want)
	}
}

func TestConfidenceNote(t *testing.T) {
	p := &model.Plan{Settings: model.DefaultSettings.Clone()} // 2 days minimum, 7 recommended
	p.Grid.DataStart = "2026-01-05T00:00:00Z"
	for _, tc := range []struct {
		end   string
		stars int
		pct   float64
		want  string
	}{
		{"2026-01-05T00:03:00Z", 5, 100, "confidence: a guess: fewer than 2 days of data (from 0.0 days of data, 100% of the expected samples present)"},
		{"2026-01-09T12:00:00Z", 5, 100, "confidence: indicative: fewer than 7 days of data, weekly cycles not seen (from 4.5 days of data, 100% of the expected samples present)"},
		{"2026-01-19T00:00:00Z", 2, 35, "confidence: uncertain: only 35% of the expected samples are present (from 14.0 days of data, 35% of the expected samples present)"},
		{"2026-01-19T00:00:00Z", 4, 78, "confidence: 4 of 5 stars (from 14.0 days of data, 78% of the expected samples present)"},
	} {
		p.Grid.DataEnd = tc.end
		p.Fleet.Confidence.Stars, p.Fleet.Confidence.PresentPct = tc.stars, tc.pct
		if got := confidenceNote(p); got != tc.want {
			t.Errorf("%s: %q\nwant %q", tc.end, got, tc.want)
		}
	}
}

// TestCatalogErrors: a typo in the catalog names file, line and the
// field meant; a host model the host reserve leaves no memory is skipped
// with a warning naming it, and is an error when asked for.
func TestCatalogErrors(t *testing.T) {
	tmp := t.TempDir()
	tiny, err := os.ReadFile("testdata/hosts-tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	typo := filepath.Join(tmp, "typo.yaml")
	os.WriteFile(typo, bytes.Replace(tiny, []byte("    mem_bytes: 48GiB"), []byte("    memory_bytes: 48GiB"), 1), 0o644)
	code, _, errs := kvmfit(t, "plan", "--data", tmp, "--hosts", typo)
	if want := typo + ":20: field memory_bytes: not a field of a host entry; did you mean mem_bytes?"; code != exitError || !strings.Contains(errs, want) {
		t.Errorf("typo: exit %d, stderr %q\nwant %q", code, errs, want)
	}

	bad := filepath.Join(tmp, "bad.yaml")
	os.WriteFile(bad, bytes.Replace(tiny, []byte("    mem_bytes: 48GiB"), []byte("    mem_bytes: 512"), 1), 0o644)
	data := filepath.Join(tmp, "data")
	writeServer(t, data, "web01", time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), 30)
	planPath := filepath.Join(tmp, "out", "plan.json")
	args := append([]string{"plan", "--data", data, "--hosts", bad, "--out", planPath}, quickPlan...)
	code, _, errs = kvmfit(t, args...)
	if code != 0 {
		t.Fatalf("one bad catalog entry fails the plan: exit %d, %s", code, errs)
	}
	p := readPlan(t, planPath)
	want := "host catalog " + bad + ":20: host model mid-8c: field mem_bytes: 512B is not more than the host reserve of 8GiB (host_reserve_mem_bytes): no memory is left for VMs; this host model is left out of the comparison"
	if !slices.Contains(p.Warnings, want) {
		t.Errorf("warnings %q\nlack %q", p.Warnings, want)
	}
	if p.HostType != "tiny-4c" || len(p.Candidates) != 1 {
		t.Errorf("host type %s, %d candidates; want tiny-4c alone", p.HostType, len(p.Candidates))
	}
	os.RemoveAll(filepath.Join(tmp, "out"))
	code, _, errs = kvmfit(t, append(args, "--host-type", "mid-8c")...)
	if want := "host catalog " + bad + ":20: host model mid-8c: field mem_bytes: 512B is not more than the host reserve of 8GiB"; code != exitError || !strings.Contains(errs, want) {
		t.Errorf("--host-type mid-8c: exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(planPath); err == nil {
		t.Error("plan.json written despite the error")
	}
}

// TestOutputsCheckedFirst: an output path that cannot be written fails
// the plan before the work, and nothing is left behind.
func TestOutputsCheckedFirst(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	writeServer(t, data, "web01", time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), 30)
	blocker := filepath.Join(tmp, "file")
	os.WriteFile(blocker, []byte("x"), 0o644)
	out := filepath.Join(tmp, "out")
	for _, report := range []string{filepath.Join(blocker, "report.html"), tmp} {
		args := append([]string{"plan", "--data", data, "--hosts", "testdata/hosts-tiny.yaml", "--out", filepath.Join(out, "plan.json"), "--report", report}, quickPlan...)
		code, _, errs := kvmfit(t, args...)
		if code != exitError || !strings.Contains(errs, "--report "+report) {
			t.Errorf("--report %s: exit %d, stderr %q", report, code, errs)
		}
		if left, _ := os.ReadDir(out); len(left) > 0 {
			t.Errorf("--report %s: left %d files in %s", report, len(left), out)
		}
	}
}

// TestWriteOutputsAllOrNothing: when one file cannot be written, none is,
// and no temporary file is left.
func TestWriteOutputsAllOrNothing(t *testing.T) {
	tmp := t.TempDir()
	blocker := filepath.Join(tmp, "file")
	os.WriteFile(blocker, []byte("x"), 0o644)
	err := writeOutputs([]outputFile{{filepath.Join(tmp, "plan.json"), []byte("{}\n")}, {filepath.Join(blocker, "report.html"), []byte("<p>")}})
	if err == nil {
		t.Fatal("no error")
	}
	left, _ := os.ReadDir(tmp)
	if len(left) != 1 || left[0].Name() != "file" {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("left %q, want only the blocker", names)
	}
	if err := writeOutputs([]outputFile{{filepath.Join(tmp, "a", "x.csv"), []byte("a\n")}, {filepath.Join(tmp, "y.csv"), []byte("b\n")}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(tmp, "a", "x.csv")); string(b) != "a\n" {
		t.Errorf("x.csv = %q", b)
	}
}

// TestProgressPhases: on a terminal each phase shows at once and rewrites
// the line (blanking what a longer line left), a phase's updates come at
// most ten a second, and nothing is printed when disabled.
func TestProgressPhases(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newProgress(IO{Err: &buf, Progress: true}, "plan")
	p.now = func() time.Time { return now }
	p.Phase("profiling servers", 1, 4)
	p.Phase("profiling servers", 2, 4) // within 100 ms: dropped
	now = now.Add(150 * time.Millisecond)
	p.Phase("profiling servers", 3, 4)
	p.Phase("packing host models", 0, 2) // a new phase: at once
	p.Phase("N+1 proof on mid-8c", 1, 3)
	p.Phase("writing the outputs", 0, 0)
	p.Done()
	want := "\rplan: profiling servers:  25% (1/4)" +
		"\rplan: profiling servers:  75% (3/4)" +
		"\rplan: packing host models:   0% (0/2)" +
		"\rplan: N+1 proof on mid-8c:  33% (1/3)" + // as long as the line before
		"\rplan: writing the outputs" + strings.Repeat(" ", 37-25) + "\n"
	if got := buf.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	var quiet bytes.Buffer
	q := newProgress(IO{Err: &quiet}, "plan")
	q.Phase("packing host models", 1, 2)
	q.Done()
	if quiet.Len() != 0 {
		t.Errorf("disabled progress printed %q", quiet.String())
	}
}
