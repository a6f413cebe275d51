package main

import (
	"bufio"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/binpack/backtest"
	planner "github.com/kvmfit/kvmfit/binpack/plan"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/samples"
	"github.com/spf13/pflag"
)

// The scale benchmark's size: -scale.servers on the test binary (after
// -args) or KVMFIT_SCALE_SERVERS; small by default so that a plain
// `go test -bench .` stays quick. -scale.dir (KVMFIT_SCALE_DIR) keeps the
// generated dataset in a directory of your choice, reused when it holds a
// complete one of the same size.
var (
	scaleServers = flag.Int("scale.servers", envInt("KVMFIT_SCALE_SERVERS", 20), "servers the scale benchmark generates and plans")
	scaleDays    = flag.Int("scale.days", envInt("KVMFIT_SCALE_DAYS", 30), "days of 5-minute samples per server")
	scaleDir     = flag.String("scale.dir", os.Getenv("KVMFIT_SCALE_DIR"), "where to generate the dataset (default: a temporary directory, removed afterwards)")
	scaleFlags   = flag.String("scale.flags", os.Getenv("KVMFIT_SCALE_FLAGS"), "more kvmfit plan flags, space-separated (e.g. \"--sensitivity-max-servers 0\" to measure a small fleet the way a large one skips the sweep)")
	scaleBits    = flag.Int("scale.precision-bits", envInt("KVMFIT_SCALE_PRECISION_BITS", 0), "generate the dataset compact at this many significant bits (--precision-bits; default 0: exact)")
	scaleUntil   = flag.String("scale.until", os.Getenv("KVMFIT_SCALE_UNTIL"), "last phase to run: generate, profile, pack, risk or write (default: all); with -cpuprofile, -scale.until=profile profiles reading and profiling alone")
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// phaseUse is what one phase of the benchmark cost.
type phaseUse struct {
	name       string
	wall, cpu  float64 // seconds
	peakRSSMiB float64 // high-water resident set during the phase
}

// measure runs f as a phase: wall time, the process's user + system CPU
// time (getrusage) and its peak resident set. On Linux the peak is reset
// before the phase (writing 5 to /proc/self/clear_refs resets VmHWM), so
// it is the phase's own; elsewhere it is the process's peak so far. The
// heap left by the phases before is returned to the system first.
func measure(name string, f func() error) (phaseUse, error) {
	runtime.GC()
	debug.FreeOSMemory()
	reset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	start, cpu0 := time.Now(), cpuSeconds()
	err := f()
	u := phaseUse{name: name, wall: time.Since(start).Seconds(), cpu: cpuSeconds() - cpu0}
	if !reset {
		u.name += "-cumulative" // the peak since the process started
	}
	u.peakRSSMiB = peakRSSMiB()
	return u, err
}

// cpuSeconds is the user + system CPU time of this process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// peakRSSMiB is VmHWM from /proc/self/status, else getrusage's Maxrss
// (KiB on Linux).
func peakRSSMiB() float64 {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
				if err == nil {
					return kb / 1024
				}
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}

// dirBytes is the size of the regular files under dir.
func dirBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	return n, err
}

// BenchmarkScale generates N servers × 30 days of 5-minute samples
// (samples.Generate, seed 7) and runs `kvmfit plan` on them phase by
// phase, the way planRun does with the default flags: profile (read and
// profile every server, plan.Prepare), pack (plan.Build: candidates, HA,
// baselines, sensitivity, analytics), risk (the rolling-origin overload
// prediction, which skips fleets over --risk-max-servers 2000) and write
// (plan.json, the CSV exports and the HTML report). Per phase it reports
// wall seconds, CPU seconds (user + system, all cores) and the peak
// resident set; "plan" is the sum of the phases after generation (its
// peak the largest), and dataset-MiB the bytes on disk. The target
// at 10,000 servers: plan ≤ 120 CPU-s and ≤ 2 GB peak RSS.
//
//	make bench-scale N=10000
//	go test ./cmd/kvmfit -run '^$' -bench Scale -benchtime 1x -timeout 3h -args -scale.servers=1000
func BenchmarkScale(b *testing.B) {
	n, days := *scaleServers, *scaleDays
	b.Run(fmt.Sprintf("servers=%d/days=%d", n, days), func(b *testing.B) {
		for b.Loop() {
			scaleOnce(b, n, days)
		}
	})
}

func scaleOnce(b *testing.B, n, days int) {
	dir := *scaleDir
	if dir == "" {
		dir = b.TempDir()
	}
	bits := *scaleBits
	data := filepath.Join(dir, fmt.Sprintf("fleet-%d-%d", n, days))
	if bits > 0 {
		data += fmt.Sprintf("-p%d", bits)
	}
	out := b.TempDir()
	var uses []phaseUse
	var plan *model.Plan
	phase := func(name string, f func() error) {
		u, err := measure(name, f)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		uses = append(uses, u)
		// At once, for long runs (the benchmark's log comes at its end).
		fmt.Fprintf(os.Stderr, "scale: %d servers: %s %.1f s wall, %.1f CPU-s, %.0f MiB peak RSS\n", n, u.name, u.wall, u.cpu, u.peakRSSMiB)
	}
	done := func(name string) bool { return *scaleUntil == name }
	complete := filepath.Join(data, ".complete")
	if _, err := os.Stat(complete); err != nil {
		phase("generate", func() error { return generateFleetBits(data, n, days, bits) })
	} else {
		b.Logf("reusing the dataset in %s (remove it to measure the generation)", data)
	}
	size, err := dirBytes(data)
	if err != nil {
		b.Fatal(err)
	}
	rows := int64(n) * int64(days) * 288
	defer func() {
		reportPhases(b, uses, size, rows)
		b.Logf("dataset: %d servers × %d days, %s, %d bytes (%.1f MiB) on disk, %.1f bytes a row, in %s (GOMAXPROCS %d)",
			n, days, precisionName(bits), size, float64(size)/(1<<20), float64(size)/float64(rows), data, runtime.GOMAXPROCS(0))
		if plan != nil {
			b.Logf("hosts per model: %s", hostsPerModel(plan))
		}
	}()
	if done("generate") {
		return
	}

	args := []string{"--data", data, "--hosts", filepath.Join("..", "..", "samples", "hosts.yaml"),
		"--out", filepath.Join(out, "plan.json"), "--report", filepath.Join(out, "report.html")}
	opts, req := benchPlanRequest(b, append(args, strings.Fields(*scaleFlags)...))
	req.Profile.BaselineSizes = true
	var in *planner.PlanInput
	phase("profile", func() (err error) {
		in, err = planner.Prepare(req)
		return err
	})
	if done("profile") {
		return
	}
	phase("pack", func() (err error) {
		plan, err = planner.Build(in)
		return err
	})
	if done("pack") {
		return
	}
	phase("risk", func() (err error) {
		plan.Risk, err = backtest.PlanRisk(req, plan, opts.RiskOrigins, opts.RiskMaxServers)
		return err
	})
	if done("risk") {
		return
	}
	phase("write", func() error {
		files, err := planOutputs(opts, plan, in)
		if err != nil {
			return err
		}
		return writeOutputs(files)
	})
	in = nil
}

// precisionName says how the samples are stored.
func precisionName(bits int) string {
	if bits == 0 {
		return "exact samples"
	}
	return fmt.Sprintf("samples compact at %d significant bits", bits)
}

// hostsPerModel is "model N, ..." of each candidate host model the plan
// evaluated, in the plan's order (the exact and compact fleets compare by
// it).
func hostsPerModel(p *model.Plan) string {
	var parts []string
	for _, c := range p.Candidates {
		chosen := ""
		if c.Chosen {
			chosen = " (chosen)"
		}
		parts = append(parts, fmt.Sprintf("%s %d%s", c.HostType, c.HostsUsed, chosen))
	}
	return strings.Join(parts, ", ")
}

// reportPhases reports each phase and the plan (the phases after generation;
// its peak RSS is the largest), and the dataset's bytes on disk.
func reportPhases(b *testing.B, uses []phaseUse, size, rows int64) {
	total := phaseUse{name: "plan"}
	for _, u := range uses {
		if u.name != "generate" {
			total.wall += u.wall
			total.cpu += u.cpu
			total.peakRSSMiB = max(total.peakRSSMiB, u.peakRSSMiB)
		}
	}
	for _, u := range append(uses, total) {
		b.ReportMetric(u.wall, u.name+"-wall-s")
		b.ReportMetric(u.cpu, u.name+"-cpu-s")
		b.ReportMetric(u.peakRSSMiB, u.name+"-peak-RSS-MiB")
		b.Logf("%-8s %8.1f s wall %8.1f CPU-s %8.0f MiB peak RSS", u.name, u.wall, u.cpu, u.peakRSSMiB)
	}
	b.ReportMetric(float64(size)/(1<<20), "dataset-MiB")
	b.ReportMetric(float64(size)/float64(rows), "dataset-bytes/row")
}

// generateFleet writes the benchmarks' fleet of n servers × days (seed 7)
// into data, replacing what is there, and marks it complete.
func generateFleet(data string, n, days int) error { return generateFleetBits(data, n, days, 0) }

// generateFleetBits is generateFleet storing the samples compact at bits
// significant bits (--precision-bits; 0: exact).
func generateFleetBits(data string, n, days, bits int) error {
	if err := os.RemoveAll(data); err != nil {
		return err
	}
	o := samples.DefaultGenerateOptions
	o.Servers, o.Days, o.Seed, o.PrecisionBits = n, days, 7, bits
	if err := samples.Generate(data, o); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(data, ".complete"), nil, 0o644)
}

// benchPlanRequest parses `kvmfit plan` flags the way the command does.
func benchPlanRequest(b *testing.B, args []string) (*PlanOptions, planner.Request) {
	opts := &PlanOptions{Settings: model.DefaultSettings.Clone()}
	fset := pflag.NewFlagSet("plan", pflag.ContinueOnError)
	opts.AddFlags(fset)
	if err := fset.Parse(args); err != nil {
		b.Fatal(err)
	}
	if err := opts.resolve(); err != nil {
		b.Fatal(err)
	}
	req, err := opts.request()
	if err != nil {
		b.Fatal(err)
	}
	return opts, req
}
