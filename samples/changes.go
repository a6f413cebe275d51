package samples

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Changes makes a generated fleet change over time, so that a plan made on
// the first weeks can be tested on the weeks after: servers that sleep and
// then wake, nightly batches that move, month-end peaks. The zero value
// changes nothing, and a fleet without changes is byte for byte the one
// generated before Changes existed.
//
// A share selects servers independently of the other shares, and raising it
// only adds servers: server i's changes come from its own generator (see
// Generate). Zero fields other than the shares take their values from
// ChangingFleet.
type Changes struct {
	// Sleepers is the share (0–1) of servers, domain controllers excepted,
	// that sleep from Start: idle (CPU 0.3–0.8 %, 60–90 % of their normal
	// memory, almost no disk or network) for a whole number of days drawn
	// uniformly from SleepDays, then busy with their archetype's workload,
	// whose variable load is scaled by a factor drawn uniformly from
	// WakeLoad (1 = the archetype's normal load).
	Sleepers  float64
	SleepDays [2]int
	WakeLoad  [2]float64

	// BatchShifters is the share (0–1) of SQL servers whose nightly batch
	// (01:00–03:00 UTC, and the dump that follows it) runs later after the
	// first BatchShiftDays days, by a whole number of hours drawn uniformly
	// from BatchShiftHours (1–20, so that the batch stays before midnight).
	// Half of the shifters, drawn, move at once; the others drift one hour
	// later a day until they reach their shift.
	BatchShifters   float64
	BatchShiftDays  int
	BatchShiftHours [2]int

	// MonthEnd is the share (0–1) of file and web servers with month-end
	// peaks (closing and reporting): on the last two workdays (Mon–Fri, UTC)
	// of each month, their CPU, disk and network from 08:00 to 20:00 UTC are
	// MonthEndLoad times the usual. SQL servers always have their own
	// month-end peak, with or without Changes.
	MonthEnd     float64
	MonthEndLoad float64
}

// ChangingFleet is the preset of `kvmfit samples generate --changing`: 15 %
// of the servers sleep 20–45 days and wake at 1–2.5× their normal load;
// half of the SQL batches move or drift 3–18 hours later after 30 days;
// 40 % of the file and web servers double their daytime load at month end.
var ChangingFleet = Changes{
	Sleepers:        0.15,
	SleepDays:       [2]int{20, 45},
	WakeLoad:        [2]float64{1, 2.5},
	BatchShifters:   0.5,
	BatchShiftDays:  30,
	BatchShiftHours: [2]int{3, 18},
	MonthEnd:        0.4,
	MonthEndLoad:    2,
}

// maxBatchShiftHours keeps the shifted SQL batch and dump (01:00–03:40) on
// the day they start.
const maxBatchShiftHours = 20

// withDefaults fills zero fields from ChangingFleet and validates.
func (c Changes) withDefaults() (Changes, error) {
	d := ChangingFleet
	if c.SleepDays == [2]int{} {
		c.SleepDays = d.SleepDays
	}
	if c.WakeLoad == [2]float64{} {
		c.WakeLoad = d.WakeLoad
	}
	if c.BatchShiftDays == 0 {
		c.BatchShiftDays = d.BatchShiftDays
	}
	if c.BatchShiftHours == [2]int{} {
		c.BatchShiftHours = d.BatchShiftHours
	}
	if c.MonthEndLoad == 0 {
		c.MonthEndLoad = d.MonthEndLoad
	}
	for _, s := range []struct {
		name  string
		share float64
	}{{"sleepers", c.Sleepers}, {"batch shifters", c.BatchShifters}, {"month end", c.MonthEnd}} {
		if !(s.share >= 0 && s.share <= 1) {
			return c, fmt.Errorf("changes: %s share %g must be from 0 to 1", s.name, s.share)
		}
	}
	switch {
	case c.SleepDays[0] < 1 || c.SleepDays[1] < c.SleepDays[0]:
		return c, fmt.Errorf("changes: sleep days %d–%d must be at least 1, smallest first", c.SleepDays[0], c.SleepDays[1])
	case !(c.WakeLoad[0] > 0) || !(c.WakeLoad[1] >= c.WakeLoad[0]):
		return c, fmt.Errorf("changes: wake load %g–%g must be positive, smallest first", c.WakeLoad[0], c.WakeLoad[1])
	case c.BatchShiftDays < 1:
		return c, fmt.Errorf("changes: batch shift days %d must be at least 1", c.BatchShiftDays)
	case c.BatchShiftHours[0] < 1 || c.BatchShiftHours[1] < c.BatchShiftHours[0] || c.BatchShiftHours[1] > maxBatchShiftHours:
		return c, fmt.Errorf("changes: batch shift hours %d–%d must be from 1 to %d, smallest first",
			c.BatchShiftHours[0], c.BatchShiftHours[1], maxBatchShiftHours)
	case !(c.MonthEndLoad > 0):
		return c, fmt.Errorf("changes: month-end load %g must be positive", c.MonthEndLoad)
	}
	return c, nil
}

// changes is what changes over one server's time. The zero value is a
// server without changes.
type changes struct {
	// sleepDays > 0: the server is idle for its first sleepDays days, at
	// idleCPU % CPU and idleMem × its normal memory.
	sleepDays        int
	idleCPU, idleMem float64
	// wakeLoad scales the variable load (1 for servers that never sleep).
	wakeLoad float64
	// shiftHours > 0: the SQL batch runs shiftHours later from day
	// shiftAfter (0-based) on, or, with drift, one hour later a day from
	// then until it reaches shiftHours.
	shiftHours, shiftAfter int
	drift                  bool
	// monthEndLoad > 0 scales the month-end daytime load.
	monthEndLoad float64
}

// changeStream derives the PCG stream of server i's changes. stream is a
// bijection and -1-i < 0 ≤ j, so it never meets a main stream(j): turning
// changes on draws nothing from the main generator, and every server keeps
// its archetype, hardware and noise.
func changeStream(i int) uint64 { return stream(-1 - i) }

// planChanges draws server i's changes. Every draw is made whatever the
// options, in a fixed order, so that each share selects servers on its own
// uniform draw.
func planChanges(a *archetype, i int, o GenerateOptions) (changes, []string) {
	rng := rand.New(rand.NewPCG(o.Seed, changeStream(i)))
	c := o.Changes
	var (
		uSleep    = rng.Float64()
		uDays     = rng.Float64()
		idleCPU   = uniform(rng, 0.3, 0.8)
		idleMem   = uniform(rng, 0.6, 0.9)
		wakeLoad  = uniform(rng, c.WakeLoad[0], c.WakeLoad[1])
		uShift    = rng.Float64()
		uHours    = rng.Float64()
		drift     = rng.Float64() < 0.5
		uMonthEnd = rng.Float64()
	)
	ch := changes{wakeLoad: 1}
	var notes []string
	at := func(days int) string {
		return o.Start.Add(time.Duration(days) * 24 * time.Hour).Format("2006-01-02 15:04 UTC")
	}
	if a.Name != "dc" && uSleep < c.Sleepers {
		ch.sleepDays = pick(uDays, c.SleepDays[0], c.SleepDays[1])
		ch.idleCPU, ch.idleMem = idleCPU, idleMem
		ch.wakeLoad = wakeLoad
		notes = append(notes, fmt.Sprintf("changes: sleeps for the first %d days (idle: CPU about %.1f %%, memory %.0f %% of normal) until %s, then wakes at %.2f× its archetype's load",
			ch.sleepDays, ch.idleCPU, 100*ch.idleMem, at(ch.sleepDays), ch.wakeLoad))
	}
	if a.Name == "sql" && uShift < c.BatchShifters {
		ch.shiftHours = pick(uHours, c.BatchShiftHours[0], c.BatchShiftHours[1])
		ch.shiftAfter, ch.drift = c.BatchShiftDays, drift
		to := fmt.Sprintf("01:00 → %02d:00 UTC", 1+ch.shiftHours)
		if drift {
			notes = append(notes, fmt.Sprintf("changes: nightly batch drifts 1 h later a day from %s until it runs %d h later on %s: %s",
				at(ch.shiftAfter), ch.shiftHours, at(ch.shiftAfter+ch.shiftHours-1), to))
		} else {
			notes = append(notes, fmt.Sprintf("changes: nightly batch moves %d h later from %s: %s", ch.shiftHours, at(ch.shiftAfter), to))
		}
	}
	if (a.Name == "file" || a.Name == "web") && uMonthEnd < c.MonthEnd {
		ch.monthEndLoad = c.MonthEndLoad
		notes = append(notes, fmt.Sprintf("changes: month-end peak: %g× CPU, disk and network 08:00–20:00 UTC on the last two workdays (Mon–Fri) of each month",
			ch.monthEndLoad))
	}
	return ch, notes
}

// pick maps the uniform draw u in [0, 1) to a whole number from lo to hi.
func pick(u float64, lo, hi int) int {
	return lo + min(hi-lo, int(u*float64(hi-lo+1)))
}

// batchShift returns how many hours later than usual the SQL batch runs on
// the day of c.
func (s *server) batchShift(c *clock) float64 {
	ch := &s.ch
	k := int(c.days) - ch.shiftAfter
	if ch.shiftHours == 0 || k < 0 {
		return 0
	}
	if ch.drift {
		return float64(min(ch.shiftHours, k+1))
	}
	return float64(ch.shiftHours)
}

// change applies the server's sleep and month-end peak to the archetype's
// level; a server without changes keeps lv as it is.
func (s *server) change(lv level, c *clock) level {
	ch := &s.ch
	if c.days < float64(ch.sleepDays) {
		return level{
			cpuPct:   ch.idleCPU,
			memBytes: lv.memBytes * ch.idleMem,
			rdBps:    s.p.io * 0.02 * mb,
			wrBps:    s.p.io * 0.08 * mb,
			rdBlk:    lv.rdBlk,
			wrBlk:    lv.wrBlk,
			rxBps:    s.p.net * 0.01 * mb,
			txBps:    s.p.net * 0.01 * mb,
			ioNoise:  lv.ioNoise,
		}
	}
	if ch.monthEndLoad > 0 && c.monthEnd {
		f := 1 + (ch.monthEndLoad-1)*window(c.h, 8, 20)
		lv.cpuPct *= f
		lv.rdBps *= f
		lv.wrBps *= f
		lv.rxBps *= f
		lv.txBps *= f
	}
	return lv
}

// ChangeCounts is how many servers of a fleet each change touches.
type ChangeCounts struct {
	Sleepers, BatchShifters, MonthEnd int
}

// CountChanges returns how many servers of the fleet that opts generates
// sleep, move their SQL batch and peak at month end. It draws the fleet's
// plan only, not its samples.
func CountChanges(opts GenerateOptions) (ChangeCounts, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return ChangeCounts{}, err
	}
	var n ChangeCounts
	for _, s := range planFleet(o) {
		if s.ch.sleepDays > 0 {
			n.Sleepers++
		}
		if s.ch.shiftHours > 0 {
			n.BatchShifters++
		}
		if s.ch.monthEndLoad > 0 {
			n.MonthEnd++
		}
	}
	return n, nil
}
