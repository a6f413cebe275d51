package samples

import (
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// changeStart is Wednesday 1 July 2026: 61 days reach Sunday 30 August, so
// the month-end workdays in the data are Thursday 30 and Friday 31 July and
// Friday 28 August (Monday 31 August is the last).
var changeStart = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

var monthEndDates = []string{"2026-07-30", "2026-07-31", "2026-08-28"}

// changeBase is the plain fleet of the change tests: two months, four
// readings per interval to keep the tests quick.
var changeBase = GenerateOptions{Servers: 30, Days: 61, Seed: 5, Start: changeStart, SubSamples: 4}

// changeSet is the changing fleet: many sleepers that wake at their normal
// load, every SQL batch moving after 30 days, half the file and web servers
// with 2× month-end peaks.
var changeSet = Changes{
	Sleepers:        0.35,
	SleepDays:       [2]int{10, 30},
	WakeLoad:        [2]float64{1, 1},
	BatchShifters:   1,
	BatchShiftDays:  30,
	BatchShiftHours: [2]int{3, 18},
	MonthEnd:        0.5,
	MonthEndLoad:    2,
}

// heavyWake has the same sleepers waking at twice their normal load.
var heavyWake = Changes{Sleepers: 0.35, SleepDays: [2]int{10, 30}, WakeLoad: [2]float64{2, 2}}

// changeFleet is one generated fleet of the change tests, read back, with
// the plan its servers were generated from.
type changeFleet struct {
	srvs map[string]*model.Server
	plan map[string]*server
}

var (
	changeOnce   sync.Once
	changeFleets [3]changeFleet // plain, changeSet, heavyWake
	changeErr    error
)

// changeFleetsFor generates the plain fleet and the two changing ones once.
func changeFleetsFor(t *testing.T) (plain, changing, heavy changeFleet) {
	t.Helper()
	changeOnce.Do(func() {
		for i, c := range []Changes{{}, changeSet, heavyWake} {
			o := changeBase
			o.Changes = c
			dir := filepath.Join(testBase, fmt.Sprint("changes", i))
			if changeErr = Generate(dir, o); changeErr != nil {
				return
			}
			var srvs []*model.Server
			if srvs, changeErr = dataset.Read(dir); changeErr != nil {
				return
			}
			f := changeFleet{srvs: map[string]*model.Server{}, plan: planOf(t, o)}
			for _, s := range srvs {
				f.srvs[s.ID] = s
			}
			changeFleets[i] = f
		}
	})
	if changeErr != nil {
		t.Fatal(changeErr)
	}
	return changeFleets[0], changeFleets[1], changeFleets[2]
}

// planOf returns the plan of every server of the fleet o generates, by
// host name.
func planOf(t *testing.T, o GenerateOptions) map[string]*server {
	o, err := o.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*server{}
	for _, s := range planFleet(o) {
		out[s.inv.Hostname] = s
	}
	return out
}

// dayOf returns the 0-based day of a sample of the change fleets.
func dayOf(ts int64) int { return int((ts - changeStart.Unix()) / 86400) }

// isMonthEndDate reports whether ts falls on one of monthEndDates.
func isMonthEndDate(ts int64) bool {
	return slices.Contains(monthEndDates, time.Unix(ts, 0).UTC().Format(time.DateOnly))
}

// sameRow reports whether sample i of a and b has the same mean and max of
// every metric.
func sameRow(a, b *model.Server, i int) bool {
	for m := range model.NumMetrics {
		if a.Series.Mean[m][i] != b.Series.Mean[m][i] || a.Series.Max[m][i] != b.Series.Max[m][i] {
			return false
		}
	}
	return true
}

// batchStart returns the hour of day that starts the two consecutive hours
// with the highest mean CPU over the selected samples: where the two-hour
// SQL batch starts. (The batch's two hours are equally busy on average, so
// the single busiest hour would be either.)
func batchStart(t *testing.T, s *model.Server, keep func(ts int64) bool) int {
	t.Helper()
	var profile [24]float64
	for h := range 24 {
		profile[h] = meanWhere(t, s, model.CPUBusyPct, func(ts int64) bool { return keep(ts) && hourOf(ts) == h })
	}
	best, bestSum := -1, -1.0
	for h := range 24 {
		if sum := profile[h] + profile[(h+1)%24]; sum > bestSum {
			best, bestSum = h, sum
		}
	}
	return best
}

// notesOf joins a server's inventory notes.
func notesOf(s *model.Server) string { return strings.Join(s.Inventory.Notes, "\n") }

// TestChangesOffByDefault: without shares, the other fields of Changes
// change nothing, and no server has a change or a "changes:" note.
func TestChangesOffByDefault(t *testing.T) {
	o := GenerateOptions{Servers: 8, Days: 2, Seed: 3}
	plain := generate(t, o)
	o.Changes = Changes{SleepDays: [2]int{1, 1}, WakeLoad: [2]float64{3, 3}, BatchShiftDays: 1,
		BatchShiftHours: [2]int{5, 5}, MonthEndLoad: 4}
	if n := compareTrees(t, plain, generate(t, o)); n != 2*o.Servers {
		t.Errorf("compared %d files, want %d", n, 2*o.Servers)
	}
	for name, s := range planOf(t, GenerateOptions{Servers: 200, Days: 1, Seed: 3}) {
		if s.ch != (changes{wakeLoad: 1}) {
			t.Errorf("%s: changes %+v without Changes", name, s.ch)
		}
		if n := strings.Join(s.inv.Notes, "\n"); strings.Contains(n, "changes:") {
			t.Errorf("%s: notes %q without Changes", name, n)
		}
	}
}

// TestChangesDeterministic: a changing fleet is the same bytes twice, and a
// larger changing fleet extends a smaller one.
func TestChangesDeterministic(t *testing.T) {
	c := Changes{Sleepers: 0.5, SleepDays: [2]int{1, 2}, WakeLoad: [2]float64{1, 2},
		BatchShifters: 1, BatchShiftDays: 1, MonthEnd: 1}
	// Thursday 29 January 2026 is a month-end workday.
	start := time.Date(2026, 1, 28, 0, 0, 0, 0, time.UTC)
	o := GenerateOptions{Servers: 12, Days: 3, Seed: 8, Start: start, SubSamples: 2, Changes: c}
	a := generate(t, o)
	compareTrees(t, a, generate(t, o))

	counts, err := CountChanges(o)
	if err != nil {
		t.Fatal(err)
	}
	if counts.Sleepers == 0 || counts.BatchShifters == 0 || counts.MonthEnd == 0 {
		t.Fatalf("changes %+v: want every kind in the fleet", counts)
	}

	small := o
	small.Servers = 7
	s := generate(t, small)
	srvs, err := dataset.Read(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range srvs {
		compareTrees(t, filepath.Join(s, srv.ID), filepath.Join(a, srv.ID))
	}
}

// TestChangesShares: each share selects about its share of the eligible
// servers, only of the archetypes it applies to; raising one share only
// adds servers and leaves the other changes alone.
func TestChangesShares(t *testing.T) {
	o := GenerateOptions{Servers: 1000, Days: 1, Seed: 4,
		Changes: Changes{Sleepers: 0.3, BatchShifters: 0.3, MonthEnd: 0.3}}
	low := planOf(t, o)
	o.Changes.Sleepers = 0.6
	high := planOf(t, o)

	var eligible, sleepers, sql, shifters, office, monthEnd int
	for name, s := range low {
		a := s.arch.Name
		if a != "dc" {
			eligible++
		}
		if s.ch.sleepDays > 0 {
			sleepers++
			if a == "dc" {
				t.Errorf("%s: a domain controller sleeps", name)
			}
		}
		if a == "sql" {
			sql++
		}
		if s.ch.shiftHours > 0 {
			shifters++
			if a != "sql" {
				t.Errorf("%s: a %s server's batch moves", name, a)
			}
		}
		if a == "file" || a == "web" {
			office++
		}
		if s.ch.monthEndLoad > 0 {
			monthEnd++
			if a != "file" && a != "web" {
				t.Errorf("%s: a %s server peaks at month end", name, a)
			}
		}
		h := high[name].ch
		if s.ch.sleepDays > 0 && h.sleepDays != s.ch.sleepDays {
			t.Errorf("%s sleeps %d days at share 0.3, %d at 0.6", name, s.ch.sleepDays, h.sleepDays)
		}
		if h.shiftHours != s.ch.shiftHours || h.drift != s.ch.drift || h.monthEndLoad != s.ch.monthEndLoad {
			t.Errorf("%s: raising the sleepers changed the other changes: %+v, then %+v", name, s.ch, h)
		}
	}
	for _, c := range []struct {
		what   string
		n, of  int
		within float64
	}{{"sleepers", sleepers, eligible, 0.05}, {"batch shifters", shifters, sql, 0.12}, {"month-end peaks", monthEnd, office, 0.06}} {
		if got := float64(c.n) / float64(c.of); math.Abs(got-0.3) > c.within {
			t.Errorf("%s: %d of %d eligible servers (%.2f), want 0.3 ± %.2f", c.what, c.n, c.of, got, c.within)
		}
	}
	more := 0
	for _, s := range high {
		if s.ch.sleepDays > 0 {
			more++
		}
	}
	if got := float64(more) / float64(eligible); math.Abs(got-0.6) > 0.05 {
		t.Errorf("share 0.6: %d of %d eligible servers sleep (%.2f)", more, eligible, got)
	}
}

// TestChangesTouchOnlyTheirDays: a changing fleet is the plain fleet,
// sample for sample, except on the days each server's plan changes: its
// sleep, the days after its batch moved, its month-end days. Every such
// day differs.
func TestChangesTouchOnlyTheirDays(t *testing.T) {
	plain, changing, _ := changeFleetsFor(t)
	kinds := map[string]int{}
	for _, name := range slices.Sorted(maps.Keys(changing.plan)) {
		ch := changing.plan[name].ch
		a, b := changing.srvs[name], plain.srvs[name]
		if a == nil || b == nil || a.Series.Len() != b.Series.Len() {
			t.Fatalf("%s: missing or of different lengths", name)
		}
		if ch.sleepDays > 0 {
			kinds["sleep"]++
		}
		if ch.shiftHours > 0 {
			kinds["shift"]++
		}
		if ch.monthEndLoad > 0 {
			kinds["month end"]++
		}
		changed := make([]bool, changeBase.Days)
		for d := range changed {
			switch {
			case d < ch.sleepDays:
				changed[d] = true
			case ch.shiftHours > 0 && d >= ch.shiftAfter:
				changed[d] = true
			case ch.monthEndLoad > 0 && isMonthEndDate(changeStart.Unix()+int64(d)*86400):
				changed[d] = true
			}
		}
		differs := make([]bool, changeBase.Days)
		for i, ts := range a.Series.Start {
			if !sameRow(a, b, i) {
				differs[dayOf(ts)] = true
			}
		}
		for d := range changed {
			if changed[d] != differs[d] {
				t.Errorf("%s: day %d (%s) differs from the plain fleet: %v, want %v (changes %+v)",
					name, d+1, changeStart.AddDate(0, 0, d).Format(time.DateOnly), differs[d], changed[d], ch)
			}
		}
	}
	for _, k := range []string{"sleep", "shift", "month end"} {
		if kinds[k] == 0 {
			t.Errorf("no server with a %s change in the test fleet", k)
		}
	}
	t.Logf("changed servers: %v", kinds)
}

// TestSleepers: a sleeper is idle until its wake day (CPU under 1 %, the
// planned share of its memory, almost no disk or network) and then busy:
// at its normal load it is the plain server, at twice its load it uses
// clearly more CPU than the plain server.
func TestSleepers(t *testing.T) {
	plain, changing, heavy := changeFleetsFor(t)
	n := 0
	for _, name := range slices.Sorted(maps.Keys(changing.plan)) {
		ch := changing.plan[name].ch
		if ch.sleepDays == 0 {
			continue
		}
		n++
		s, p := changing.srvs[name], plain.srvs[name]
		asleep := func(ts int64) bool { return dayOf(ts) < ch.sleepDays }
		awake := func(ts int64) bool { return !asleep(ts) }

		wake := changeStart.AddDate(0, 0, ch.sleepDays).Format("2006-01-02 15:04 UTC")
		if note := fmt.Sprintf("sleeps for the first %d days", ch.sleepDays); !strings.Contains(notesOf(s), note) || !strings.Contains(notesOf(s), wake) {
			t.Errorf("%s: notes %q do not say %q until %s", name, notesOf(s), note, wake)
		}
		cpuSleep, cpuAwake := meanWhere(t, s, model.CPUBusyPct, asleep), meanWhere(t, s, model.CPUBusyPct, awake)
		if cpuSleep >= 1 || cpuAwake < 3*cpuSleep || cpuAwake < 1.2 {
			t.Errorf("%s: CPU %.2f %% asleep, %.2f %% awake: want under 1 %% asleep, at least 1.2 %% and 3× that awake", name, cpuSleep, cpuAwake)
		}
		for _, m := range []model.Metric{model.DiskReadBytesPerSec, model.DiskWriteBytesPerSec, model.NetRxBytesPerSec, model.NetTxBytesPerSec} {
			if v := meanWhere(t, s, m, asleep); v > 0.2*mb {
				t.Errorf("%s: %s %.3g B/s asleep, want under 0.2 MB/s", name, m, v)
			}
		}
		memSleep, memPlain := meanWhere(t, s, model.MemUsedBytes, asleep), meanWhere(t, p, model.MemUsedBytes, asleep)
		if r := memSleep / memPlain; math.Abs(r-ch.idleMem) > 0.01 || r < 0.59 || r > 0.91 {
			t.Errorf("%s: memory asleep %.3f of the plain server's, want %.3f (0.6–0.9)", name, r, ch.idleMem)
		}

		hs, hp := heavy.srvs[name], heavy.plan[name].ch
		if hp.sleepDays != ch.sleepDays || hp.wakeLoad != 2 {
			t.Fatalf("%s: heavy-wake fleet plans %+v, want the same sleep at 2× load", name, hp)
		}
		h, base := meanWhere(t, hs, model.CPUBusyPct, awake), meanWhere(t, p, model.CPUBusyPct, awake)
		// The variable load doubles; the fixed parts (idle CPU, the SQL batch)
		// do not: 1.3–1.8× on the test fleet.
		if h < 1.2*base {
			t.Errorf("%s: awake at 2× load: CPU %.2f %%, plain %.2f %%: want at least 1.2×", name, h, base)
		}
	}
	if n < 3 {
		t.Fatalf("%d sleepers in the test fleet, want at least 3", n)
	}
}

// TestBatchShift: the SQL batch starts at 01:00 before the shift; a moved
// batch starts shiftHours later from the shift day on, a drifting one an
// hour later each day until it reaches shiftHours.
func TestBatchShift(t *testing.T) {
	_, changing, _ := changeFleetsFor(t)
	movers, drifters := 0, 0
	for _, name := range slices.Sorted(maps.Keys(changing.plan)) {
		ch := changing.plan[name].ch
		if ch.shiftHours == 0 {
			continue
		}
		s := changing.srvs[name]
		from := ch.sleepDays // a sleeper has no batch before it wakes
		if h := batchStart(t, s, func(ts int64) bool { d := dayOf(ts); return d >= from && d < ch.shiftAfter }); from < ch.shiftAfter && h != 1 {
			t.Errorf("%s: the batch starts at %02d:00 before the shift, want 01:00", name, h)
		}
		to := fmt.Sprintf("01:00 → %02d:00 UTC", 1+ch.shiftHours)
		if !strings.Contains(notesOf(s), to) {
			t.Errorf("%s: notes %q do not say %q", name, notesOf(s), to)
		}
		if !ch.drift {
			movers++
			if h := batchStart(t, s, func(ts int64) bool { return dayOf(ts) >= ch.shiftAfter }); h != 1+ch.shiftHours {
				t.Errorf("%s: moved %d h: the batch starts at %02d:00 after the shift, want %02d:00", name, ch.shiftHours, h, 1+ch.shiftHours)
			}
			continue
		}
		drifters++
		for d := ch.shiftAfter; d < changeBase.Days; d++ {
			want := 1 + min(ch.shiftHours, d-ch.shiftAfter+1)
			if h := batchStart(t, s, func(ts int64) bool { return dayOf(ts) == d }); h != want {
				t.Errorf("%s: drifting to %d h: the batch starts at %02d:00 on day %d, want %02d:00", name, ch.shiftHours, h, d+1, want)
			}
		}
	}
	if movers == 0 || drifters == 0 {
		t.Fatalf("%d moved and %d drifting batches in the test fleet, want both", movers, drifters)
	}
}

// TestMonthEndPeaks: a month-end server's CPU from 08:00 to 20:00 on the
// month-end workdays is MonthEndLoad times the plain server's, and about
// that much above its own other workdays.
func TestMonthEndPeaks(t *testing.T) {
	plain, changing, _ := changeFleetsFor(t)
	f := changeSet.MonthEndLoad
	n := 0
	for _, name := range slices.Sorted(maps.Keys(changing.plan)) {
		ch := changing.plan[name].ch
		if ch.monthEndLoad == 0 {
			continue
		}
		s := changing.srvs[name]
		if !strings.Contains(notesOf(s), fmt.Sprintf("month-end peak: %g×", f)) {
			t.Errorf("%s: notes %q do not name the month-end peak", name, notesOf(s))
		}
		awake := func(ts int64) bool { return dayOf(ts) >= ch.sleepDays }
		day := hours(8, 20)
		monthEnd := func(ts int64) bool { return awake(ts) && isMonthEndDate(ts) && day(ts) }
		other := func(ts int64) bool { return awake(ts) && workday(ts) && !isMonthEndDate(ts) && day(ts) }
		if !slices.ContainsFunc(s.Series.Start, monthEnd) {
			continue // asleep at every month end
		}
		n++
		me := meanWhere(t, s, model.CPUBusyPct, monthEnd)
		if r := me / meanWhere(t, plain.srvs[name], model.CPUBusyPct, monthEnd); math.Abs(r-f) > 0.05*f {
			t.Errorf("%s: month-end CPU %.3f× the plain server's, want %g× ± 5 %%", name, r, f)
		}
		if r := me / meanWhere(t, s, model.CPUBusyPct, other); r < 0.75*f || r > 1.3*f {
			t.Errorf("%s: month-end CPU %.3f× the other workdays', want about %g×", name, r, f)
		}
	}
	if n < 2 {
		t.Fatalf("%d awake month-end servers in the test fleet, want at least 2", n)
	}
}

func TestChangesOptionErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    Changes
		want string
	}{
		{"negative share", Changes{Sleepers: -0.1}, "sleepers share"},
		{"share above 1", Changes{MonthEnd: 1.5}, "month end share"},
		{"NaN share", Changes{BatchShifters: math.NaN()}, "batch shifters share"},
		{"no sleep", Changes{SleepDays: [2]int{0, 3}}, "sleep days"},
		{"sleep days reversed", Changes{SleepDays: [2]int{9, 3}}, "sleep days"},
		{"wake load reversed", Changes{WakeLoad: [2]float64{2, 1}}, "wake load"},
		{"negative shift days", Changes{BatchShiftDays: -1}, "batch shift days"},
		{"shift past midnight", Changes{BatchShiftHours: [2]int{3, 21}}, "batch shift hours"},
		{"no shift", Changes{BatchShiftHours: [2]int{0, 3}}, "batch shift hours"},
		{"negative month-end load", Changes{MonthEndLoad: -2}, "month-end load"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ds")
			err := Generate(dir, GenerateOptions{Servers: 1, Days: 1, Changes: tt.c})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Generate: error %v, want one about %q", err, tt.want)
			}
		})
	}
}
