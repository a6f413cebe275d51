package samples

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// Source is the Inventory.Source of every generated server.
const Source = "samples:generate"

// GenerateOptions configures Generate. Zero Start, Step and SubSamples take
// their values from DefaultGenerateOptions.
type GenerateOptions struct {
	// Servers is the number of servers (at least 1).
	Servers int
	// Days is the number of days of data (at least 1).
	Days int
	// Seed selects the fleet: the same options give the same bytes.
	Seed uint64
	// Start is the UTC midnight of day 1, in whole seconds.
	Start time.Time
	// Step is the sample interval, a whole number of seconds that divides a day.
	Step time.Duration
	// SubSamples is the number of collector readings simulated inside each
	// interval to compute its mean and max (20 = one reading every 15 s of a
	// 5-minute interval). Generation time grows linearly with it.
	SubSamples int
	// Changes makes the fleet change over time (sleeping servers, moving
	// batches, month-end peaks); the zero value changes nothing.
	Changes Changes
	// PrecisionBits, if not 0, stores the samples compact (lossy) at that
	// many significant bits (dataset.Writer.SetPrecisionBits); 0 is exact.
	PrecisionBits int
	// Progress, if set, is called after each server is written with the
	// number of servers done and the total. It is called from the
	// generating goroutines, one call at a time, with done increasing.
	Progress func(done, total int)
}

// DefaultGenerateOptions are the defaults of `kvmfit samples generate`.
// Start is Monday 5 January 2026, 00:00 UTC.
var DefaultGenerateOptions = GenerateOptions{
	Servers:    40,
	Days:       14,
	Seed:       1,
	Start:      time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC),
	Step:       5 * time.Minute,
	SubSamples: 20,
}

// withDefaults fills zero fields from DefaultGenerateOptions (and those of
// Changes from ChangingFleet) and validates.
func (o GenerateOptions) withDefaults() (GenerateOptions, error) {
	if o.Start.IsZero() {
		o.Start = DefaultGenerateOptions.Start
	}
	if o.Step == 0 {
		o.Step = DefaultGenerateOptions.Step
	}
	if o.SubSamples == 0 {
		o.SubSamples = DefaultGenerateOptions.SubSamples
	}
	o.Start = o.Start.UTC()
	switch {
	case o.Servers < 1:
		return o, fmt.Errorf("servers: %d must be at least 1", o.Servers)
	case o.Days < 1:
		return o, fmt.Errorf("days: %d must be at least 1", o.Days)
	case o.Step < time.Second || o.Step%time.Second != 0:
		return o, fmt.Errorf("step: %s must be a positive whole number of seconds", o.Step)
	case (24*time.Hour)%o.Step != 0:
		return o, fmt.Errorf("step: %s does not divide a day", o.Step)
	case o.SubSamples < 1:
		return o, fmt.Errorf("sub-samples: %d must be at least 1", o.SubSamples)
	case o.Start.Nanosecond() != 0:
		return o, fmt.Errorf("start: %s is not a whole second", o.Start.Format(time.RFC3339Nano))
	}
	var err error
	o.Changes, err = o.Changes.withDefaults()
	return o, err
}

// Generate writes a synthetic fleet of legacy physical servers as a dataset
// at out (see dataset.Create: out may be new or an existing dataset
// that the servers are added to). Each server gets Days × (24h / Step)
// samples starting at Start.
//
// Server i is the i-th archetype of Archetypes for i < len(Archetypes), then
// a weighted draw; its hardware, workload and noise come from its own
// generator rand.NewPCG(Seed, stream(i)), and its Changes from a second one,
// rand.NewPCG(Seed, changeStream(i)), so it does not depend on the other
// servers or on Servers: a larger fleet extends a smaller one. The output is
// byte-for-byte identical for the same options. On error nothing is written.
func Generate(out string, opts GenerateOptions) error {
	o, err := opts.withDefaults()
	if err != nil {
		return err
	}
	if err := dataset.CheckPrecisionBits(o.PrecisionBits); err != nil {
		return err
	}
	fleet := planFleet(o)
	w, err := dataset.Create(out)
	if err != nil {
		return fmt.Errorf("create dataset %s: %w", out, err)
	}
	if err := w.SetPrecisionBits(o.PrecisionBits); err != nil {
		w.Abort()
		return err
	}
	if err := writeFleet(w, fleet, o); err != nil {
		w.Abort()
		return err
	}
	if err := w.Commit(); err != nil {
		return fmt.Errorf("commit dataset %s: %w", out, err)
	}
	return nil
}

// writeFleet writes the servers with one worker per CPU. Each server's bytes
// depend only on its own plan, so the order of work does not matter.
func writeFleet(w *dataset.Writer, fleet []*server, o GenerateOptions) error {
	var (
		mu       sync.Mutex
		next     int
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	workers := min(runtime.GOMAXPROCS(0), len(fleet))
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				if firstErr != nil || next == len(fleet) {
					mu.Unlock()
					return
				}
				s := fleet[next]
				next++
				// dataset.Writer is not safe for concurrent use.
				sw, err := w.AddServer(w.UniqueID(s.inv.Hostname), s.inv)
				mu.Unlock()
				if err == nil {
					err = s.writeSamples(sw, o)
					// Close now: a large fleet would otherwise hold one open
					// file per server until Commit.
					if cerr := sw.Close(); err == nil {
						err = cerr
					}
				}
				mu.Lock()
				switch {
				case err != nil && firstErr == nil:
					firstErr = fmt.Errorf("generate %s: %w", s.inv.Hostname, err)
				case err == nil:
					done++
					if o.Progress != nil {
						o.Progress(done, len(fleet))
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return firstErr
}

// server is one generated server: its plan, then its simulation state.
type server struct {
	arch     *archetype
	hw       hardware
	inv      model.Inventory
	memTotal float64
	p        params
	ch       changes
	rng      *rand.Rand
	// st is the server's filesystems and how their use moves.
	st *storage

	// Simulation state.
	day dayState
	// ar is the AR(1) state (log space) of the short-term load.
	ar float64
	// act is the current activity factor: day factor × short-term load.
	act float64
	// memDrift is the relative drift of memory in use around its level,
	// an AR(1) from reading to reading.
	memDrift float64
}

// params are a server's draws around its archetype.
type params struct {
	load    float64 // scale of the variable workload
	io, net float64 // scale of disk and network levels
	memFrac float64 // steady share of memory in use
	// shift moves the office and traffic shapes by up to ±30 minutes.
	shift float64
	// memGrowthPerDay > 0 makes memory use grow by that fraction per day.
	memGrowthPerDay float64
}

// dayState holds the draws made once per UTC day.
type dayState struct {
	key      int64 // Unix day number
	weekday  time.Weekday
	workday  bool
	monthEnd bool
	// factor is the day-to-day load factor (log-normal, mean 1).
	factor float64
	// batch is tonight's SQL batch intensity, 0.6–0.95.
	batch float64
	// night and prevNight are the backup intensities of the night starting
	// this evening and of the one that started yesterday evening.
	night, prevNight float64
}

// stream derives server i's PCG stream from its index (SplitMix64 finaliser).
func stream(i int) uint64 {
	z := uint64(i) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// planFleet draws every server's archetype, hardware, parameters and changes.
func planFleet(o GenerateOptions) []*server {
	counts := make([]int, len(archetypes))
	fleet := make([]*server, o.Servers)
	for i := range fleet {
		rng := rand.New(rand.NewPCG(o.Seed, stream(i)))
		ai := i
		if i >= len(archetypes) {
			ai = drawArchetype(rng)
		}
		counts[ai]++
		s := newServer(&archetypes[ai], counts[ai], rng, o)
		var notes []string
		s.ch, notes = planChanges(s.arch, i, o)
		s.inv.Notes = append(s.inv.Notes, notes...)
		s.st = planStorage(s, i, o)
		s.inv.Filesystems = s.st.filesystems()
		fleet[i] = s
	}
	return fleet
}

// drawArchetype picks an archetype index by weight.
func drawArchetype(rng *rand.Rand) int {
	total := 0.0
	for _, a := range archetypes {
		total += a.weight
	}
	u := rng.Float64() * total
	for i, a := range archetypes {
		if u < a.weight {
			return i
		}
		u -= a.weight
	}
	return len(archetypes) - 1
}

// newServer plans the n-th server (1-based) of archetype a.
func newServer(a *archetype, n int, rng *rand.Rand, o GenerateOptions) *server {
	hw := a.hardware[0]
	if n > 1 {
		hw = a.hardware[rng.IntN(len(a.hardware))]
	}
	s := &server{arch: a, hw: hw, rng: rng, memTotal: float64(hw.memGiB * model.GiB)}
	s.p = params{
		load:    uniform(rng, 0.75, 1.3),
		io:      uniform(rng, 0.6, 1.5),
		net:     uniform(rng, 0.6, 1.5),
		memFrac: uniform(rng, a.memFrac[0], a.memFrac[1]),
		shift:   uniform(rng, -0.5, 0.5),
	}
	cores := hw.cpu.sockets * hw.cpu.cores
	threads := cores
	if hw.cpu.ht {
		threads *= 2
	}
	notes := []string{"synthetic: archetype " + a.Name}
	score := math.Round(hw.cpu.score * (1 + 0.03*clampNorm(rng)))
	if hw.os.shellCollector {
		score = 0
		notes = append(notes, "no CPU calibration score (POSIX-shell collector on a pre-3.2 kernel): CPU is normalised by MHz")
	}
	if a.Name == "web" && n == 1 {
		s.p.memGrowthPerDay = 0.012
		notes = append(notes, "memory grows about 1.2 %/day over the period (application heap leak, never restarted)")
	}
	watts := math.Round(math.Min(math.Max(hw.watts*(1+0.05*clampNorm(rng)), 150), 450))
	s.inv = model.Inventory{
		FormatVersion:   model.FormatVersion,
		Hostname:        fmt.Sprintf("%s%02d", a.Hostname, n),
		OS:              hw.os.name,
		OSFamily:        hw.os.family,
		CPUModel:        hw.cpu.name,
		Sockets:         hw.cpu.sockets,
		Cores:           cores,
		Threads:         threads,
		CPUMHz:          hw.cpu.mhz,
		CPUScorePerCore: score,
		MemTotalBytes:   hw.memGiB * model.GiB,
		Disks:           append([]model.Disk(nil), hw.disks...),
		NICs:            append([]model.NIC(nil), hw.nics...),
		IsVM:            false,
		Source:          Source,
		Watts:           watts,
		UpdatedAt:       o.Start,
		Notes:           notes,
	}
	return s
}

// uniform draws from [lo, hi).
func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

// clampNorm draws a standard normal clamped to ±2.5.
func clampNorm(rng *rand.Rand) float64 { return math.Max(-2.5, math.Min(2.5, rng.NormFloat64())) }

// logn draws a log-normal factor with mean 1 and log-space sigma.
func logn(rng *rand.Rand, sigma float64) float64 {
	return math.Exp(sigma*rng.NormFloat64() - sigma*sigma/2)
}

// Short-term load: AR(1) in log space with coefficient arRho and stationary
// standard deviation arSigma; day-to-day factor with sigma daySigma.
const (
	arRho    = 0.9
	arSigma  = 0.15
	daySigma = 0.1
)

// Memory in use drifts around its level from reading to reading: an AR(1)
// with coefficient memRho (a time constant of 100 readings, 25 minutes at
// the default 15 s) and a stationary standard deviation of 0.2 % of the
// level, whose innovation is memInnov. Readings are whole pages.
const (
	memRho    = 0.99
	pageBytes = 4096
)

var memInnov = 0.002 * math.Sqrt(1-memRho*memRho)

// tick advances the server's calendar and activity to the interval whose
// middle is mid, filling c.
func (s *server) tick(c *clock, mid, start time.Time) {
	u := mid.Unix()
	key := u / 86400
	if u < 0 && u%86400 != 0 {
		key--
	}
	if key != s.day.key || s.day.factor == 0 {
		s.newDay(key, mid)
	}
	c.h = float64(u-key*86400)/3600 + float64(mid.Nanosecond())/3.6e12
	c.days = mid.Sub(start).Hours() / 24
	c.weekday, c.workday, c.monthEnd = s.day.weekday, s.day.workday, s.day.monthEnd
	s.ar = arRho*s.ar + math.Sqrt(1-arRho*arRho)*arSigma*s.rng.NormFloat64()
	s.act = s.day.factor * math.Exp(s.ar-arSigma*arSigma/2)
}

// newDay draws the day's factors. On the first day it also draws the state
// the simulation starts from.
func (s *server) newDay(key int64, t time.Time) {
	first := s.day.factor == 0
	d := &s.day
	d.key = key
	d.weekday = t.Weekday()
	d.workday = isWorkday(d.weekday)
	d.monthEnd = isMonthEndWorkday(t)
	d.factor = logn(s.rng, daySigma)
	d.batch = uniform(s.rng, 0.6, 0.9)
	if d.monthEnd {
		d.batch = math.Min(d.batch+0.05, 0.95)
	}
	if first {
		s.ar = arSigma * s.rng.NormFloat64()
		d.night = backupIntensity(s.rng, (d.weekday+6)%7)
	}
	d.prevNight = d.night
	d.night = backupIntensity(s.rng, d.weekday)
}

// backupIntensity draws the load of the backup night that starts on the
// evening of weekday w: full backups on Friday and Saturday nights.
func backupIntensity(rng *rand.Rand, w time.Weekday) float64 {
	if w == time.Friday || w == time.Saturday {
		return uniform(rng, 0.9, 1)
	}
	return uniform(rng, 0.5, 0.7)
}

// writeSamples simulates the server interval by interval and writes each
// interval's mean and max per metric.
func (s *server) writeSamples(sw *dataset.ServerWriter, o GenerateOptions) error {
	var (
		stepSec  = float64(o.Step / time.Second)
		n        = o.Days * int(24*time.Hour/o.Step)
		subs     = o.SubSamples
		subSec   = stepSec / float64(subs)
		pSpike   = s.arch.spikesPerDay * stepSec / 86400
		diskMax  = s.hw.diskMaxMBps * mb
		nicMax   = 0.0
		memTotal = s.memTotal
		start    = float64(o.Start.Unix())
		rng      = s.rng
		ns       = noiseSource{rng: s.rng}
		c        clock
	)
	for _, nic := range s.hw.nics {
		nicMax += nic.SpeedBitsPerSec / 8
	}
	nicMax *= 0.95 // protocol overhead
	for k := range n {
		t := o.Start.Add(time.Duration(k) * o.Step)
		s.tick(&c, t.Add(o.Step/2), o.Start)
		lv := s.change(s.arch.level(s, &c), &c)

		// An occasional 20–60 s spike to ~100 % CPU (antivirus scan,
		// Windows Update, a runaway report) inside the interval.
		spikeFrom, spikeTo, spikeCPU, spikeFrac := 0, 0, 0.0, 0.0
		if pSpike > 0 && rng.Float64() < pSpike {
			dur := uniform(rng, 20, 60)
			l := max(1, min(subs, int(math.Round(dur/subSec))))
			spikeFrac = math.Min(1, dur/subSec)
			spikeFrom = rng.IntN(subs - l + 1)
			spikeTo = spikeFrom + l
			spikeCPU = uniform(rng, 92, 100)
		}

		var acc accumulator
		for j := range subs {
			cpu := lv.cpuPct * ns.draw(noiseCPU)
			rd := lv.rdBps * ns.draw(lv.ioNoise)
			wr := lv.wrBps * ns.draw(lv.ioNoise)
			if j >= spikeFrom && j < spikeTo {
				cpu += (spikeCPU - cpu) * spikeFrac
				rd *= 1 + 2*spikeFrac
			}
			if sum := rd + wr; sum > diskMax {
				rd, wr = rd*diskMax/sum, wr*diskMax/sum
			}
			acc.add(model.CPUBusyPct, min(cpu, 100))
			// Memory in use drifts: an AR(1) around the level, not a
			// new draw at every reading; the OS counts it in pages.
			s.memDrift = memRho*s.memDrift + memInnov*ns.draw(normal)
			acc.add(model.MemUsedBytes, math.Round(min(lv.memBytes*(1+s.memDrift), memTotal)/pageBytes)*pageBytes)
			acc.add(model.DiskReadBytesPerSec, rd)
			acc.add(model.DiskWriteBytesPerSec, wr)
			acc.add(model.DiskReadIOPS, rd/lv.rdBlk*ns.draw(noiseIOPS))
			acc.add(model.DiskWriteIOPS, wr/lv.wrBlk*ns.draw(noiseIOPS))
			acc.add(model.NetRxBytesPerSec, min(lv.rxBps*ns.draw(noiseNet), nicMax))
			acc.add(model.NetTxBytesPerSec, min(lv.txBps*ns.draw(noiseNet), nicMax))
			// The first reading of the first interval is at Start, when
			// the inventory's used bytes were taken.
			acc.add(model.FSUsedBytes, s.st.used(start+float64(k)*stepSec+float64(j)*subSec))
		}

		x := model.NewSample(t, o.Step)
		for m := range model.NumMetrics {
			if m == model.MemTotalBytes {
				x.Set(m, memTotal, memTotal)
				continue
			}
			mean := acc.sum[m] / float64(subs)
			r := resolution(m)
			hi := math.Round(acc.max[m]/r) * r
			x.Set(m, min(math.Round(mean/r)*r, hi), hi)
		}
		if err := sw.Write(x); err != nil {
			return err
		}
	}
	return nil
}

// accumulator keeps the sum and max of each metric's sub-samples. Every
// value is ≥ 0, so the zero max is a valid start.
type accumulator struct {
	sum, max [model.NumMetrics]float64
}

func (a *accumulator) add(m model.Metric, v float64) {
	a.sum[m] += v
	if v > a.max[m] {
		a.max[m] = v
	}
}

// resolution is the rounding step of each metric in the output, what
// the usual collectors report: hundredths of a CPU percent and of an IO
// per second (sar, mpstat, iostat), memory in whole KiB (/proc/meminfo,
// sar's kbmemused; its readings are whole 4 KiB pages, so the max is one),
// whole bytes otherwise. Rounding mean and max the same way keeps
// mean ≤ max.
func resolution(m model.Metric) float64 {
	switch m {
	case model.CPUBusyPct, model.DiskReadIOPS, model.DiskWriteIOPS:
		return 0.01
	case model.MemUsedBytes:
		return 1024
	default:
		return 1
	}
}
