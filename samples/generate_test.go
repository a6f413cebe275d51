package samples

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/kvmfit/kvmfit/model/dataset/datasettest"
)

// testOpts is the shared fleet of the behavioural tests: zero Start, Step and
// SubSamples check the defaults too.
var testOpts = GenerateOptions{Servers: 14, Days: 14, Seed: 7}

var (
	testBase    string // temporary directory of the shared fleets
	fleetOnce   sync.Once
	fleetSrvs   []*model.Server
	fleetErr    error
	perDay      = int(24 * time.Hour / DefaultGenerateOptions.Step)
	defaultFrom = DefaultGenerateOptions.Start.Unix()
)

func TestMain(m *testing.M) {
	var err error
	testBase, err = os.MkdirTemp("", "kvmfit-samples-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(testBase)
	os.Exit(code)
}

// fleet returns the shared fleet, generated once and read back.
func fleet(t *testing.T) []*model.Server {
	t.Helper()
	fleetOnce.Do(func() {
		dir := filepath.Join(testBase, "fleet")
		if fleetErr = Generate(dir, testOpts); fleetErr == nil {
			fleetSrvs, fleetErr = dataset.Read(dir)
		}
	})
	if fleetErr != nil {
		t.Fatal(fleetErr)
	}
	return fleetSrvs
}

// generate writes a fleet into a new directory and returns the directory.
func generate(t *testing.T, o GenerateOptions) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ds")
	if err := Generate(dir, o); err != nil {
		t.Fatalf("Generate(%+v): %v", o, err)
	}
	return dir
}

// archetypeOf returns the archetype named in the server's first note.
func archetypeOf(s *model.Server) string {
	if len(s.Inventory.Notes) == 0 {
		return ""
	}
	name, _ := strings.CutPrefix(s.Inventory.Notes[0], "synthetic: archetype ")
	return name
}

// archetypeIndex returns the index of the archetype called name, or -1.
func archetypeIndex(name string) int {
	for i, a := range archetypes {
		if a.Name == name {
			return i
		}
	}
	return -1
}

// byArchetype returns the servers of one archetype; the test fails if none.
func byArchetype(t *testing.T, srvs []*model.Server, name string) []*model.Server {
	t.Helper()
	var out []*model.Server
	for _, s := range srvs {
		if archetypeOf(s) == name {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s server in the fleet", name)
	}
	return out
}

// hourOf returns the UTC hour of day of a Unix time.
func hourOf(ts int64) int { return int(ts % 86400 / 3600) }

// workday reports whether a Unix time falls on Monday to Friday (UTC).
func workday(ts int64) bool { return isWorkday(time.Unix(ts, 0).UTC().Weekday()) }

// meanWhere averages the interval means of metric m over the samples whose
// start satisfies keep.
func meanWhere(t *testing.T, s *model.Server, m model.Metric, keep func(ts int64) bool) float64 {
	t.Helper()
	sum, n := 0.0, 0
	for i, ts := range s.Series.Start {
		if keep(ts) {
			sum += s.Series.Mean[m][i]
			n++
		}
	}
	if n == 0 {
		t.Fatalf("%s: no sample selected", s.ID)
	}
	return sum / float64(n)
}

func all(int64) bool { return true }

func hours(from, to int) func(int64) bool {
	return func(ts int64) bool {
		h := hourOf(ts)
		if from <= to {
			return h >= from && h < to
		}
		return h >= from || h < to
	}
}

// compareTrees fails unless the two directories hold the same files with
// the same bytes, and returns how many files it compared.
func compareTrees(t *testing.T, a, b string) int {
	t.Helper()
	fa, fb := datasettest.Files(t, a), datasettest.Files(t, b)
	if len(fa) != len(fb) {
		t.Fatalf("%s has %d files, %s has %d", a, len(fa), b, len(fb))
	}
	for name, data := range fa {
		other, ok := fb[name]
		switch {
		case !ok:
			t.Errorf("%s is missing from %s", name, b)
		case !bytes.Equal(data, other):
			t.Errorf("%s differs between the two runs", name)
		}
	}
	return len(fa)
}

func TestGenerateDeterministic(t *testing.T) {
	o := GenerateOptions{Servers: 8, Days: 3, Seed: 42}
	a, b := generate(t, o), generate(t, o)
	if n := compareTrees(t, a, b); n != 2*o.Servers {
		t.Errorf("compared %d files, want %d (inventory and samples per server)", n, 2*o.Servers)
	}

	o.Seed = 43
	c := generate(t, o)
	for _, f := range []string{"fs01/samples.parquet", "sql01/samples.parquet", "fs01/inventory.json"} {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(c, f))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(x, y) {
			t.Errorf("%s is the same for seeds 42 and 43", f)
		}
	}
}

func TestGenerateLargerFleetExtendsSmaller(t *testing.T) {
	small := generate(t, GenerateOptions{Servers: 6, Days: 2, Seed: 3})
	large := generate(t, GenerateOptions{Servers: 9, Days: 2, Seed: 3})
	ents, err := os.ReadDir(small)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		compareTrees(t, filepath.Join(small, e.Name()), filepath.Join(large, e.Name()))
	}
}

func TestGenerateStructure(t *testing.T) {
	srvs := fleet(t)
	if len(srvs) != testOpts.Servers {
		t.Fatalf("read %d servers, want %d", len(srvs), testOpts.Servers)
	}
	seen := map[string]bool{}
	var calibrated, uncalibrated int
	for _, s := range srvs {
		inv := s.Inventory
		seen[archetypeOf(s)] = true
		if inv.CPUScorePerCore > 0 {
			calibrated++
		} else {
			uncalibrated++
		}
		for _, w := range s.Warnings {
			t.Errorf("%s: read warning: %v", s.ID, w)
		}
		switch {
		case archetypeIndex(archetypeOf(s)) < 0:
			t.Errorf("%s: notes %q name no archetype", s.ID, inv.Notes)
		case inv.Hostname != s.ID || inv.IsVM || inv.Source != Source:
			t.Errorf("%s: hostname %q, is_vm %v, source %q", s.ID, inv.Hostname, inv.IsVM, inv.Source)
		case inv.OSFamily != "windows" && inv.OSFamily != "linux":
			t.Errorf("%s: os_family %q", s.ID, inv.OSFamily)
		case !strings.Contains(inv.CPUModel, "Xeon") || inv.CPUMHz < 2000 || inv.CPUMHz > 3200:
			t.Errorf("%s: cpu %q at %g MHz", s.ID, inv.CPUModel, inv.CPUMHz)
		case inv.Sockets < 1 || inv.Cores < inv.Sockets || inv.Threads < inv.Cores:
			t.Errorf("%s: %d sockets, %d cores, %d threads", s.ID, inv.Sockets, inv.Cores, inv.Threads)
		case inv.MemTotalBytes < 8*model.GiB || inv.MemTotalBytes > 128*model.GiB:
			t.Errorf("%s: mem_total_bytes %d", s.ID, inv.MemTotalBytes)
		case inv.Watts < 150 || inv.Watts > 450:
			t.Errorf("%s: watts %g", s.ID, inv.Watts)
		case len(inv.Disks) == 0 || len(inv.NICs) == 0:
			t.Errorf("%s: %d disks, %d NICs", s.ID, len(inv.Disks), len(inv.NICs))
		case !inv.UpdatedAt.Equal(DefaultGenerateOptions.Start):
			t.Errorf("%s: updated_at %s", s.ID, inv.UpdatedAt)
		}

		se := &s.Series
		if se.Len() != testOpts.Days*perDay {
			t.Fatalf("%s: %d samples, want %d", s.ID, se.Len(), testOpts.Days*perDay)
		}
		for m := range model.NumMetrics {
			if !se.Has(m) {
				t.Errorf("%s: metric %s missing", s.ID, m)
			}
		}
		for i := range se.Len() {
			if want := defaultFrom + int64(i)*300; se.Start[i] != want || se.IntervalSec[i] != 300 {
				t.Fatalf("%s: sample %d starts at %d (%ds), want %d (300s)", s.ID, i, se.Start[i], se.IntervalSec[i], want)
			}
			for m := range model.NumMetrics {
				mean, peak := se.Mean[m][i], se.Max[m][i]
				if math.IsNaN(mean) || math.IsNaN(peak) || mean < 0 || mean > peak {
					t.Fatalf("%s: sample %d: %s mean %g, max %g", s.ID, i, m, mean, peak)
				}
			}
			if c := se.Max[model.CPUBusyPct][i]; c > 100 {
				t.Fatalf("%s: sample %d: cpu max %g%%", s.ID, i, c)
			}
			total := float64(inv.MemTotalBytes)
			if se.Mean[model.MemTotalBytes][i] != total || se.Max[model.MemUsedBytes][i] > total {
				t.Fatalf("%s: sample %d: memory used %g of %g, inventory %g", s.ID, i,
					se.Max[model.MemUsedBytes][i], se.Mean[model.MemTotalBytes][i], total)
			}
		}
	}
	for _, a := range Archetypes {
		if !seen[a.Name] {
			t.Errorf("archetype %s missing from a fleet of %d", a.Name, len(srvs))
		}
	}
	if calibrated == 0 || uncalibrated == 0 {
		t.Errorf("%d servers with a CPU score and %d without: want both", calibrated, uncalibrated)
	}
}

func TestGenerateEveryArchetypeFromSixServers(t *testing.T) {
	srvs, err := dataset.Read(generate(t, GenerateOptions{Servers: len(Archetypes), Days: 1, Seed: 99}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range srvs {
		got = append(got, s.ID)
	}
	// dataset.Read returns servers in name order.
	want := []string{"bkp01", "dc01", "fs01", "mail01", "sql01", "web01"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("servers %v, want %v", got, want)
	}
}

func TestGenerateStepAndSubSamples(t *testing.T) {
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	o := GenerateOptions{Servers: 2, Days: 2, Seed: 5, Start: start, Step: 10 * time.Minute, SubSamples: 1}
	srvs, err := dataset.Read(generate(t, o))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srvs {
		se := &s.Series
		if se.Len() != 2*144 || se.Start[0] != start.Unix() || se.IntervalSec[0] != 600 {
			t.Fatalf("%s: %d samples from %d every %ds, want 288 from %d every 600s",
				s.ID, se.Len(), se.Start[0], se.IntervalSec[0], start.Unix())
		}
		// One sub-sample per interval: the mean is the max.
		for m := range model.NumMetrics {
			for i := range se.Len() {
				if se.Mean[m][i] != se.Max[m][i] {
					t.Fatalf("%s: %s sample %d: mean %g != max %g with one sub-sample", s.ID, m, i, se.Mean[m][i], se.Max[m][i])
				}
			}
		}
	}
}

func TestGenerateOptionErrors(t *testing.T) {
	ok := GenerateOptions{Servers: 1, Days: 1}
	tests := []struct {
		name   string
		change func(*GenerateOptions)
		want   string
	}{
		{"no servers", func(o *GenerateOptions) { o.Servers = 0 }, "servers"},
		{"no days", func(o *GenerateOptions) { o.Days = -1 }, "days"},
		{"negative step", func(o *GenerateOptions) { o.Step = -time.Minute }, "step"},
		{"fractional step", func(o *GenerateOptions) { o.Step = 1500 * time.Millisecond }, "step"},
		{"step not dividing a day", func(o *GenerateOptions) { o.Step = 7 * time.Minute }, "divide"},
		{"negative sub-samples", func(o *GenerateOptions) { o.SubSamples = -1 }, "sub-samples"},
		{"fractional start", func(o *GenerateOptions) { o.Start = time.Date(2026, 1, 5, 0, 0, 0, 5, time.UTC) }, "start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.change(&o)
			dir := filepath.Join(t.TempDir(), "ds")
			err := Generate(dir, o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Generate: error %v, want one about %q", err, tt.want)
			}
			if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
				t.Errorf("%s was created on error", dir)
			}
		})
	}
}

func TestGenerateProgress(t *testing.T) {
	var calls [][2]int
	o := GenerateOptions{Servers: 5, Days: 1, Seed: 1, Progress: func(done, total int) {
		calls = append(calls, [2]int{done, total})
	}}
	generate(t, o)
	if len(calls) != o.Servers {
		t.Fatalf("%d progress calls, want %d", len(calls), o.Servers)
	}
	for i, c := range calls {
		if c != [2]int{i + 1, o.Servers} {
			t.Errorf("call %d: Progress(%d, %d), want (%d, %d)", i, c[0], c[1], i+1, o.Servers)
		}
	}
}

func TestGenerateIntoExistingDataset(t *testing.T) {
	dir := generate(t, GenerateOptions{Servers: 2, Days: 1, Seed: 1})
	if err := Generate(dir, GenerateOptions{Servers: 2, Days: 1, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	srvs, err := dataset.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range srvs {
		ids = append(ids, s.ID)
	}
	if got, want := strings.Join(ids, " "), "fs01 fs01-2 web01 web01-2"; got != want {
		t.Errorf("servers %q, want %q", got, want)
	}
}

// TestArchetypeBehaviour checks the workload patterns against the known
// answers of the archetype definitions (profile.go).
func TestArchetypeBehaviour(t *testing.T) {
	srvs := fleet(t)
	for _, c := range []struct {
		name  string
		check func(t *testing.T, srvs []*model.Server)
	}{
		{"sql nightly batch", checkSQLNightlyBatch},
		{"backup night writes", checkBackupNightWrites},
		{"file server weekly cycle", checkFileWeeklyCycle},
		{"domain controller idle", checkDCIdle},
		{"mail morning peak", checkMailMorningPeak},
		{"web evening peak", checkWebEveningPeak},
		{"fleet average", checkFleetAverageCPU},
		{"spikes", checkSpikes},
		{"memory growth", checkMemoryGrowth},
		{"steady memory", checkSteadyMemory},
		{"peaks do not coincide", checkPeaksDoNotCoincide},
	} {
		t.Run(c.name, func(t *testing.T) { c.check(t, srvs) })
	}
}

// workdayHours selects workday samples from hour from to hour to.
func workdayHours(from, to int) func(int64) bool {
	return func(ts int64) bool { return workday(ts) && hours(from, to)(ts) }
}

// checkSQLNightlyBatch: the SQL batch 01–03 runs at least 3× the day's CPU
// and at 50 % or more.
func checkSQLNightlyBatch(t *testing.T, srvs []*model.Server) {
	for _, s := range byArchetype(t, srvs, "sql") {
		night, day := meanWhere(t, s, model.CPUBusyPct, hours(1, 3)), meanWhere(t, s, model.CPUBusyPct, hours(8, 18))
		if night < 3*day || night < 50 {
			t.Errorf("%s: CPU 01–03 %.1f%%, 08–18 %.1f%%: want the batch ≥ 3× the day and ≥ 50%%", s.ID, night, day)
		}
	}
}

// checkBackupNightWrites: backup servers write and receive at night at
// least 5× what they do by day.
func checkBackupNightWrites(t *testing.T, srvs []*model.Server) {
	for _, s := range byArchetype(t, srvs, "backup") {
		for _, m := range []model.Metric{model.DiskWriteBytesPerSec, model.NetRxBytesPerSec} {
			night, day := meanWhere(t, s, m, hours(22, 5)), meanWhere(t, s, m, hours(8, 18))
			if night < 5*day {
				t.Errorf("%s: %s 22–05 %.3g, 08–18 %.3g: want night ≥ 5× day", s.ID, m, night, day)
			}
		}
	}
}

// checkFileWeeklyCycle: file servers are busier in weekday office hours
// than at weekends, and average 1–10 % CPU.
func checkFileWeeklyCycle(t *testing.T, srvs []*model.Server) {
	cpu := model.CPUBusyPct
	for _, s := range byArchetype(t, srvs, "file") {
		weekend := meanWhere(t, s, cpu, func(ts int64) bool { return !workday(ts) })
		office := meanWhere(t, s, cpu, workdayHours(8, 18))
		avg := meanWhere(t, s, cpu, all)
		if weekend >= office || avg < 1 || avg > 10 {
			t.Errorf("%s: CPU weekend %.2f%%, weekday office hours %.2f%%, average %.2f%%", s.ID, weekend, office, avg)
		}
	}
}

// checkDCIdle: domain controllers average under 5 % CPU.
func checkDCIdle(t *testing.T, srvs []*model.Server) {
	for _, s := range byArchetype(t, srvs, "dc") {
		if avg := meanWhere(t, s, model.CPUBusyPct, all); avg >= 5 {
			t.Errorf("%s: mean CPU %.2f%%, want < 5%%", s.ID, avg)
		}
	}
}

// checkMailMorningPeak: mail servers are 1.3× busier 08–10 than 14–16 on
// workdays.
func checkMailMorningPeak(t *testing.T, srvs []*model.Server) {
	for _, s := range byArchetype(t, srvs, "mail") {
		peak := meanWhere(t, s, model.CPUBusyPct, workdayHours(8, 10))
		afternoon := meanWhere(t, s, model.CPUBusyPct, workdayHours(14, 16))
		if peak < 1.3*afternoon {
			t.Errorf("%s: CPU 08–10 %.2f%%, 14–16 %.2f%%: want a morning peak", s.ID, peak, afternoon)
		}
	}
}

// checkWebEveningPeak: web servers transmit most in an hour between 17:00
// and 20:59.
func checkWebEveningPeak(t *testing.T, srvs []*model.Server) {
	for _, s := range byArchetype(t, srvs, "web") {
		best, bestMean := -1, 0.0
		for h := range 24 {
			if m := meanWhere(t, s, model.NetTxBytesPerSec, hours(h, h+1)); m > bestMean {
				best, bestMean = h, m
			}
		}
		if best < 17 || best > 20 {
			t.Errorf("%s: network transmit peaks at %02d:00, want 17:00–20:59", s.ID, best)
		}
	}
}

// checkFleetAverageCPU: the fleet averages under 15 % CPU and most servers
// under 10 %.
func checkFleetAverageCPU(t *testing.T, srvs []*model.Server) {
	sum, under10 := 0.0, 0
	for _, s := range srvs {
		avg := meanWhere(t, s, model.CPUBusyPct, all)
		sum += avg
		if avg < 10 {
			under10++
		}
	}
	if avg := sum / float64(len(srvs)); avg >= 15 {
		t.Errorf("fleet average CPU %.2f%%, want < 15%%", avg)
	}
	if 2*under10 <= len(srvs) {
		t.Errorf("%d of %d servers average under 10%% CPU, want most", under10, len(srvs))
	}
}

// checkSpikes: every server of an archetype with spikes has an interval
// whose CPU max is at least 80 % and twice its mean.
func checkSpikes(t *testing.T, srvs []*model.Server) {
	cpu := model.CPUBusyPct
	for _, s := range srvs {
		if archetypes[archetypeIndex(archetypeOf(s))].spikesPerDay == 0 {
			continue
		}
		spiky := 0
		for i := range s.Series.Len() {
			if s.Series.Max[cpu][i] >= 2*s.Series.Mean[cpu][i] && s.Series.Max[cpu][i] >= 80 {
				spiky++
			}
		}
		if spiky == 0 {
			t.Errorf("%s: no interval with a CPU max ≥ 80%% and ≥ 2× its mean", s.ID)
		}
	}
}

// growsMemory reports whether the inventory notes say the server's memory
// grows.
func growsMemory(s *model.Server) bool {
	return strings.Contains(strings.Join(s.Inventory.Notes, "\n"), "memory grows")
}

// firstAndLastDayMem returns the mean memory in use on the first and on the
// last day of the test fleet.
func firstAndLastDayMem(t *testing.T, s *model.Server) (first, last float64) {
	t.Helper()
	first = meanWhere(t, s, model.MemUsedBytes, func(ts int64) bool { return ts < defaultFrom+86400 })
	last = meanWhere(t, s, model.MemUsedBytes, func(ts int64) bool {
		return ts >= defaultFrom+int64(testOpts.Days-1)*86400
	})
	return first, last
}

// checkMemoryGrowth: some server's memory grows, each such by at least
// 0.5 % a day.
func checkMemoryGrowth(t *testing.T, srvs []*model.Server) {
	growing := 0
	for _, s := range srvs {
		if !growsMemory(s) {
			continue
		}
		growing++
		first, last := firstAndLastDayMem(t, s)
		if want := (1 + 0.005*float64(testOpts.Days)) * first; last < want {
			t.Errorf("%s: memory last day %.3g, first day %.3g: want ≥ %.3g", s.ID, last, first, want)
		}
	}
	if growing == 0 {
		t.Error("no server with growing memory")
	}
}

// checkSteadyMemory: the memory of every other server stays within 3 %
// from the first to the last day.
func checkSteadyMemory(t *testing.T, srvs []*model.Server) {
	for _, s := range srvs {
		if growsMemory(s) {
			continue
		}
		first, last := firstAndLastDayMem(t, s)
		if r := last / first; r < 0.97 || r > 1.03 {
			t.Errorf("%s: memory changed by a factor %.3f from the first to the last day", s.ID, r)
		}
	}
}

// checkPeaksDoNotCoincide: the peak of the fleet's summed busy cores (pct
// /100 × threads) is at least 20 % below the sum of the servers' peaks, on
// interval means and on maxima.
func checkPeaksDoNotCoincide(t *testing.T, srvs []*model.Server) {
	for _, stat := range []string{"mean", "max"} {
		n := srvs[0].Series.Len()
		sumOfPeaks, total := 0.0, make([]float64, n)
		for _, s := range srvs {
			col := s.Series.Mean[model.CPUBusyPct]
			if stat == "max" {
				col = s.Series.Max[model.CPUBusyPct]
			}
			peak := 0.0
			for i, v := range col {
				cores := v / 100 * float64(s.Inventory.Threads)
				total[i] += cores
				peak = math.Max(peak, cores)
			}
			sumOfPeaks += peak
		}
		peakOfSum := 0.0
		for _, v := range total {
			peakOfSum = math.Max(peakOfSum, v)
		}
		t.Logf("%s: peak of the summed CPU %.1f busy cores, sum of peaks %.1f (%.0f%% below)",
			stat, peakOfSum, sumOfPeaks, 100*(1-peakOfSum/sumOfPeaks))
		if peakOfSum > 0.8*sumOfPeaks {
			t.Errorf("%s: peak of the summed CPU %.1f busy cores, sum of peaks %.1f: want ≥ 20%% below",
				stat, peakOfSum, sumOfPeaks)
		}
	}
}

// TestSQLMonthEnd covers a month end: the fleet starts on Monday 5 January
// 2026, so 31 days include Thursday 29 and Friday 30 January, the last two
// workdays of the month, when the SQL server's daytime load doubles.
func TestSQLMonthEnd(t *testing.T) {
	srvs, err := dataset.Read(generate(t, GenerateOptions{Servers: 3, Days: 31, Seed: 11}))
	if err != nil {
		t.Fatal(err)
	}
	s := byArchetype(t, srvs, "sql")[0]
	isMonthEnd := func(ts int64) bool {
		d := time.Unix(ts, 0).UTC()
		return d.Month() == time.January && (d.Day() == 29 || d.Day() == 30)
	}
	monthEnd := meanWhere(t, s, model.CPUBusyPct, func(ts int64) bool { return isMonthEnd(ts) && hours(9, 17)(ts) })
	other := meanWhere(t, s, model.CPUBusyPct, func(ts int64) bool { return !isMonthEnd(ts) && workday(ts) && hours(9, 17)(ts) })
	if monthEnd < 1.4*other {
		t.Errorf("%s: daytime CPU at month end %.1f%%, other workdays %.1f%%: want ≥ 1.4×", s.ID, monthEnd, other)
	}
}

func TestIsMonthEndWorkday(t *testing.T) {
	for _, tt := range []struct {
		date string
		want bool
	}{
		{"2026-01-29", true}, {"2026-01-30", true}, {"2026-01-31", false}, {"2026-01-28", false},
		{"2026-02-26", true}, {"2026-02-27", true}, {"2026-02-25", false},
		{"2026-05-28", true}, {"2026-05-29", true}, {"2026-05-31", false},
	} {
		d, err := time.Parse(time.DateOnly, tt.date)
		if err != nil {
			t.Fatal(err)
		}
		if got := isMonthEndWorkday(d); got != tt.want {
			t.Errorf("isMonthEndWorkday(%s) = %v, want %v", tt.date, got, tt.want)
		}
	}
}

// BenchmarkGenerate generates 50 servers × 14 days of 5-minute samples.
func BenchmarkGenerate(b *testing.B) {
	o := GenerateOptions{Servers: 50, Days: 14, Seed: 1}
	base := b.TempDir()
	i := 0
	for b.Loop() {
		dir := filepath.Join(base, fmt.Sprint(i))
		i++
		if err := Generate(dir, o); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*o.Servers*o.Days*perDay)/secs, "samples/s")
	b.ReportMetric(float64(b.N*o.Servers)/secs, "servers/s")
}

// TestDoc keeps README.md and doc.go in step with the archetypes and the
// catalog.
func TestDoc(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	pkgDoc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range Archetypes {
		if !bytes.Contains(readme, []byte("| `"+a.Name+"` | "+a.Hostname+"01… |")) {
			t.Errorf("README.md has no table row for archetype %s (%s01…)", a.Name, a.Hostname)
		}
		if !bytes.Contains(pkgDoc, []byte("//   - "+a.Name+" ("+a.Hostname+"01…)")) {
			t.Errorf("doc.go does not describe archetype %s", a.Name)
		}
	}
	c, err := model.ParseCatalog(HostsYAML)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range c.Hosts {
		if !bytes.Contains(readme, []byte("| `"+h.Name+"` |")) {
			t.Errorf("README.md has no table row for host model %s", h.Name)
		}
	}
}

// TestInstrumentResolution: values come at the resolution the usual
// collectors report (CPU and IOPS in hundredths, memory means in whole
// KiB and maxima in whole 4 KiB pages, byte rates and byte counts whole),
// and memory in use drifts rather than jumping from reading to reading:
// within an interval its max is close to its mean.
func TestInstrumentResolution(t *testing.T) {
	whole := func(v, step float64) bool {
		q := math.Round(v / step)
		return math.Abs(v-q*step) <= 1e-9*math.Max(1, math.Abs(v))
	}
	for _, s := range fleet(t) {
		ser := &s.Series
		gap := 0.0
		for i := range ser.Len() {
			for m := model.Metric(0); m < model.NumMetrics; m++ {
				step := 1.0
				switch m {
				case model.CPUBusyPct, model.DiskReadIOPS, model.DiskWriteIOPS:
					step = 0.01
				case model.MemUsedBytes:
					step = 1024
				}
				for j, v := range []float64{ser.Mean[m][i], ser.Max[m][i]} {
					if !whole(v, step) || (m == model.MemUsedBytes && j == 1 && !whole(v, pageBytes)) {
						t.Fatalf("%s: sample %d %s = %v, not at its resolution", s.ID, i, m, v)
					}
				}
			}
			mean, mx := ser.Mean[model.MemUsedBytes][i], ser.Max[model.MemUsedBytes][i]
			gap += (mx - mean) / mean / float64(ser.Len())
		}
		// The drift's standard deviation is 0.2 % of the level; independent
		// readings would put the max of 20 about 0.37 % above their mean
		// (1.87 standard deviations) on average.
		if gap > 0.0015 {
			t.Errorf("%s: memory max %.3f %% above its mean on average, want a drift", s.ID, 100*gap)
		}
	}
}
