package backtest

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/kvmfit/kvmfit/binpack/plan"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/kvmfit/kvmfit/model/profile"
)

// ErrNoTestData means no server has data after the training window.
var ErrNoTestData = errors.New("no data after the training window")

// Options are one backtest: the plan's request, the windows, the baselines
// and the bootstrap.
type Options struct {
	// Plan is kvmfit's plan request (datasets, catalog, settings, packer
	// options); the baselines use the same settings and host model.
	Plan plan.Request
	// Train is the training window from the fleet's first sample (rounded
	// up to a UTC midnight, SplitInstant); Test the test window after it
	// (0 = the rest of the data).
	Train, Test time.Duration
	// ReplayStat is the slot statistic replayed as the actual load: "mean"
	// or "max".
	ReplayStat string
	// BaselinePct and BaselineComfort size the per-VM percentile baseline.
	BaselinePct, BaselineComfort float64
	// Bootstrap is the number of bootstrap replicates (0 = none); Seed
	// seeds them.
	Bootstrap int
	Seed      uint64
	// RiskOrigins is the most rolling-origin validations inside the
	// training window that predict the plan's overload (0 = none);
	// RiskMaxServers the largest fleet they run on (0 = any): each origin
	// is one more plan.
	RiskOrigins, RiskMaxServers int
	// Progress, when set, is told how a stage ("bootstrap") advances.
	Progress func(stage string, done, total int)
}

// Result is a backtest's outcome: kvmfit's training plan (carrying the
// report in Plan.Backtest), its input and the report.
type Result struct {
	Plan   *model.Plan
	Input  *plan.PlanInput
	Report *Report
}

// Run splits the data at the end of the training window, plans on the
// training data with kvmfit's method and the two baselines, replays the
// test window against every plan, resamples the training days
// (bootstrap) and predicts the training plan's overload (PlanRisk).
func Run(o Options) (*Result, error) {
	if o.Plan.Catalog == nil {
		return nil, fmt.Errorf("no host catalog")
	}
	if o.Plan.Pack.Mix {
		return nil, fmt.Errorf("a backtest compares the methods on one host model: no mix")
	}
	first, n, err := FirstSample(o.Plan.Data)
	if err != nil {
		return nil, err
	}
	split := SplitInstant(first, o.Train)
	var testEnd time.Time
	if o.Test > 0 {
		testEnd = split.Add(o.Test)
	}
	res, err := window(o, first, n, split, testEnd, true)
	if err != nil {
		return nil, err
	}
	if o.RiskOrigins > 0 {
		// What the training plan predicts for the test window, from
		// origins inside the training window only.
		o.Plan.Settings.HostType = res.Plan.HostType
		if res.Plan.Risk, err = planRisk(o, first, n, split); err != nil {
			return nil, err
		}
		res.Report.PredictedRisk = &res.Plan.Risk
	}
	res.Plan.Backtest = res.Report
	return res, nil
}

// PlanRisk predicts the overload of plan p, made by request r, for the
// month after its data: rolling-origin validation inside the data span of
// p (model.Plan.Grid), at most origins of them, each a plan of r on the
// host model of p, without HA spares and without the sweep; none for a
// fleet of more than maxServers (0 = any).
func PlanRisk(r plan.Request, p *model.Plan, origins, maxServers int) (model.RiskPrediction, error) {
	first, err1 := time.Parse(time.RFC3339, p.Grid.DataStart)
	last, err2 := time.Parse(time.RFC3339, p.Grid.DataEnd)
	if origins > 0 && (err1 != nil || err2 != nil) {
		return noRisk("not predicted: the data span is unknown"), nil
	}
	o := Options{Plan: r, ReplayStat: "mean", BaselinePct: model.BaselinePercentile, BaselineComfort: model.BaselineComfort,
		RiskOrigins: origins, RiskMaxServers: maxServers}
	o.Plan.Settings = r.Settings.Clone()
	o.Plan.Settings.HostType = p.HostType
	return planRisk(o, first, p.Servers, last) // p.Servers: every server directory, as window checks
}

// noRisk is a prediction not made, and why.
func noRisk(note string) model.RiskPrediction {
	return model.RiskPrediction{Origins: []model.RiskOrigin{}, Note: note}
}

// planRisk runs the rolling-origin validation of o's plan inside [first,
// until) (PredictRisk) on a fleet of n servers: host type as o's settings
// say, no HA spares, no sweep, no mix, no bootstrap, no baselines; none
// with o.RiskOrigins 0 or more than o.RiskMaxServers servers.
func planRisk(o Options, first time.Time, n int, until time.Time) (model.RiskPrediction, error) {
	switch {
	case o.RiskOrigins <= 0:
		return noRisk("not predicted (--risk-origins 0)"), nil
	case o.RiskMaxServers > 0 && n > o.RiskMaxServers:
		return noRisk(fmt.Sprintf("not predicted: %d servers is more than the prediction's limit of %d (--risk-max-servers; each origin is one more plan)", n, o.RiskMaxServers)), nil
	}
	ro := o
	ro.Plan.Settings = o.Plan.Settings.Clone()
	ro.Plan.Pack.HA, ro.Plan.Pack.SensitivityMaxServers, ro.Plan.Pack.Mix = 0, 0, false
	ro.Plan.Profile = profile.Options{}
	ro.Bootstrap, ro.Progress = 0, nil
	origins := RiskOrigins(first, until)
	if len(origins) > o.RiskOrigins {
		origins = origins[len(origins)-o.RiskOrigins:]
	}
	return PredictRisk(origins, func(origin, end time.Time) (int, Outcome, error) {
		r, err := window(ro, first, n, origin, end, false)
		if errors.Is(err, ErrNoTestData) || errors.Is(err, profile.ErrNoSamples) {
			return 0, Outcome{}, nil // a gap in the data: nothing to learn at this origin
		}
		if err != nil {
			return 0, Outcome{}, err
		}
		return r.Plan.HostsWithoutHA, r.Report.Methods[0].BacktestOutcome, nil
	}, first)
}

// serverWindows is what the backtest keeps of one server besides its plan
// profile.
type serverWindows struct {
	actual *profile.Result // test window, the replay's settings; nil without test data
	peak   model.Capacity  // training peak (sum of peaks), memory overhead included
	pctl   model.Capacity  // training percentile × comfort, memory overhead included
	hasTrn bool
	days   *profile.Result // training, plan settings with the full profile (bootstrap)
}

// replaySettings are the settings the actual load goes through: the plan's
// conversion (CPU normalisation and cap, virtualisation factor, CPU cost of
// I/O, per-VM memory overhead) without the sizing margins (comfort,
// growth, saturation uplift, evidence reserve), the whole timeline at the
// slot statistic replayStat.
func replaySettings(s model.Settings, replayStat string) model.Settings {
	a := s.Clone()
	a.Profile, a.SlotStat, a.Percentile, a.PercentileByDim = model.ProfileFull, replayStat, 100, nil
	a.ComfortFactor, a.SaturationUplift, a.HorizonMonths, a.GrowthPctPerYear = 1, 1, 0, 0
	a.EvidenceReserve = false
	return a
}

// windows is the profiling hook of a backtest: it cuts every server at
// split (and testEnd) and keeps its test-window load, its training sizes
// for the baselines and, with a bootstrap, its training days.
type windows struct {
	o             Options
	s             model.Settings
	split, end    time.Time
	actualS, days model.Settings
	mu            sync.Mutex
	per           []serverWindows
	err           error
}

func newWindows(o Options, s model.Settings, n int, split, testEnd time.Time) *windows {
	w := &windows{o: o, s: s, split: split, end: testEnd, actualS: replaySettings(s, o.ReplayStat), days: s.Clone(), per: make([]serverWindows, n)}
	w.days.Profile = model.ProfileFull
	return w
}

func (w *windows) fail(srv *model.Server, err error) {
	if err == nil || errors.Is(err, profile.ErrNoSamples) {
		return
	}
	w.mu.Lock()
	if w.err == nil {
		w.err = fmt.Errorf("%s: %w", srv.Dir, err)
	}
	w.mu.Unlock()
}

// each is the profile.Options.Each hook.
func (w *windows) each(k int, srv *model.Server) {
	if k >= len(w.per) {
		w.fail(srv, fmt.Errorf("the datasets changed while being read (%d servers, then more)", len(w.per)))
		return
	}
	trn, tst := SplitServer(srv, w.split)
	if !w.end.IsZero() {
		tst.Series = Window(&tst.Series, w.split, w.end)
	}
	var bs serverWindows
	var err error
	if tst.Series.Len() > 0 {
		bs.actual, err = profile.Server(tst, w.actualS)
		w.fail(srv, err)
	}
	if trn.Series.Len() > 0 {
		bs.peak, bs.pctl, err = profile.PeakAndPercentileSizes(trn, w.s, w.o.BaselinePct, w.o.BaselineComfort)
		w.fail(srv, err)
		bs.hasTrn = err == nil
		if w.o.Bootstrap > 0 {
			bs.days, err = profile.Server(trn, w.days)
			w.fail(srv, err)
		}
	}
	w.per[k] = bs
}

// sizes returns the training peaks and percentile sizes of every server
// with training data, by the IDs the plan gave them.
func (w *windows) sizes(servers []model.PlanServer) (peaks, pctls []model.FlatSize) {
	for k, bs := range w.per {
		if bs.hasTrn {
			id := servers[k].ID
			peaks = append(peaks, model.FlatSize{ID: id, Size: bs.peak})
			pctls = append(pctls, model.FlatSize{ID: id, Size: bs.pctl})
		}
	}
	return peaks, pctls
}

// window plans on the data before split (kvmfit's method; with baselines
// also the two baselines and the bootstrap) and replays [split, testEnd)
// (zero testEnd: to the end) against every plan. n is the number of
// servers in the datasets, first the fleet's first sample.
func window(o Options, first time.Time, n int, split, testEnd time.Time, baselines bool) (*Result, error) {
	req := o.Plan
	req.Settings = req.Settings.Clone()
	req.Settings.TargetCoreScore = req.Catalog.TargetCoreScore(req.Settings.HostType) // as Prepare: the test load is capped alike
	w := newWindows(o, req.Settings, n, split, testEnd)
	req.Profile.Each, req.Profile.Until, req.Profile.BaselineSizes = w.each, split, false
	in, err := plan.Prepare(req)
	if w.err != nil {
		return nil, w.err
	}
	if err != nil {
		return nil, fmt.Errorf("training window (before %s): %w", split.Format(time.RFC3339), err)
	}
	if len(in.Servers) != n {
		return nil, fmt.Errorf("the datasets changed while being read (%d servers, then %d)", n, len(in.Servers))
	}
	peaks, pctls := w.sizes(in.Servers)
	in.Pack.Mix = false
	in.SumOfPeaks = peaks // one meaning of sum of peaks in the plan and the backtest
	// The training plan carries the per-VM P95 × 1.3 baseline from the
	// same sizes as the backtest's, when the backtest uses Azure's numbers.
	if o.BaselinePct == model.BaselinePercentile && o.BaselineComfort == model.BaselineComfort {
		in.PercentileComfort = pctls
	} else {
		in.Pack.PercentileBaseline = false
	}
	p, err := plan.Build(in)
	if err != nil {
		return nil, err
	}
	res := &Result{Plan: p, Input: in}
	res.Report, err = replayWindow(o, w, res, first, split, testEnd, baselines, peaks, pctls)
	return res, err
}

// replayWindow replays the test window against kvmfit's plan res.Plan and,
// with baselines, plans and replays the two baselines and runs the
// bootstrap.
func replayWindow(o Options, w *windows, res *Result, first, split, testEnd time.Time, baselines bool, peaks, pctls []model.FlatSize) (*Report, error) {
	p, in, s := res.Plan, res.Input, res.Input.Settings
	cat := o.Plan.Catalog
	spec, ok := cat.Find(p.HostType)
	if !ok {
		return nil, fmt.Errorf("the plan chose host type %q, which is not a catalog model", p.HostType)
	}
	actual, testServers := actualDemand(w.per, in.Servers, split, testEnd, s.Step())
	rep := &Report{
		FormatVersion: model.FormatVersion, GeneratedBy: in.GeneratedBy,
		TrainStart: first.UTC().Format(time.RFC3339), TrainEnd: split.Format(time.RFC3339),
		TrainDays: roundTo(split.Sub(first).Hours()/24, 3),
		TestStart: split.Format(time.RFC3339), TestEnd: actual.Start.Add(time.Duration(actual.Slots) * actual.Step).Format(time.RFC3339),
		TestDays: roundTo(float64(actual.Slots)*actual.Step.Hours()/24, 3), StepSec: s.StepSec,
		ReplayStat: o.ReplayStat, HostType: spec.Name, Servers: len(in.Servers), TestServers: testServers,
		TestCoveragePct: roundTo(Coverage(actual), 2), Settings: p.Settings, Warnings: []string{},
		Bootstrap: BootstrapResult{Hosts: []int{}},
	}
	rep.Warnings = append(rep.Warnings, MissingCycles(first, split)...)
	if actual.Slots == 0 || testServers == 0 {
		return nil, fmt.Errorf("%w (which ends %s): shorten --train", ErrNoTestData, split.Format(time.RFC3339))
	}
	ours := methodResult(MethodKvmfit, fmt.Sprintf("kvmfit: time-aligned %s profile at P%g of the slot %s, capped at what each VM's vCPUs can use, with the evidence reserve, packed on the time-aligned sum and levelled", s.Profile, s.Percentile, s.SlotStat), p, actual)
	rep.Methods = append(rep.Methods, ours)
	if n := len(ours.NotReplayed); n > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d servers with test data are on no host of kvmfit's plan (unplaced, or without training data): their load is not replayed", n))
	}
	if !baselines {
		return rep, nil
	}
	tmpl := baselineTemplate(in, cat, spec)
	for _, b := range []struct {
		name, desc string
		sizes      []model.FlatSize
	}{
		{MethodSumOfPeaks, "sum of peaks: every server at its training peak (slot max), per resource", peaks},
		{MethodPercentile, fmt.Sprintf("per-VM percentile × comfort without time alignment: P%g of the training slots (slot max) × %g, per resource (Azure Migrate)", o.BaselinePct, o.BaselineComfort), pctls},
	} {
		bin := tmpl
		bin.Demand = model.FlatDemand(b.sizes, split, s.Step())
		bp, err := plan.BuildPlan(bin)
		if err != nil {
			return nil, fmt.Errorf("baseline %s: %w", b.name, err)
		}
		rep.Methods = append(rep.Methods, methodResult(b.name, b.desc, bp, actual))
	}
	if o.Bootstrap > 0 {
		if err := bootstrapWindow(o, w, rep, tmpl, first, split, p.HostsUsed); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// baselineTemplate is the plan input of the baselines and the bootstrap:
// the same packer, settings and options, on the plan's host model only,
// without sweep or baselines of their own, and placed as the tools they
// stand for place: the search's packing, hosts filled in turn, without
// kvmfit's levelling (docs/backtest.md).
func baselineTemplate(in *plan.PlanInput, cat *model.Catalog, spec model.HostSpec) plan.PlanInput {
	tmpl := *in
	if len(in.Pack.Existing) == 0 {
		tmpl.Catalog = &model.Catalog{Currency: cat.Currency, Hosts: []model.HostSpec{spec}}
	}
	tmpl.Settings = in.Settings.Clone()
	tmpl.Settings.HostType = spec.Name
	tmpl.Settings.EvidenceReserve = false // the baselines size what was measured
	tmpl.Warnings = nil
	tmpl.Pack.PercentileBaseline, tmpl.Pack.SensitivityMaxServers, tmpl.Pack.Balance = false, 0, false
	tmpl.PercentileComfort, tmpl.PercentileDemands, tmpl.SumOfPeaks = nil, nil, nil
	return tmpl
}

// bootstrapWindow resamples the training days o.Bootstrap times and packs
// each resample (Bootstrap) into rep.Bootstrap.
func bootstrapWindow(o Options, w *windows, rep *Report, tmpl plan.PlanInput, first, split time.Time, planHosts int) error {
	s := tmpl.Settings
	day0 := first.UTC().Truncate(24 * time.Hour)
	days := &Days{Start: day0, Step: s.Step(), Days: int(split.Sub(day0) / (24 * time.Hour))}
	for k, bs := range w.per {
		if bs.days != nil {
			bs.days.Demand.ID = tmpl.Servers[k].ID
			days.Servers = append(days.Servers, NewServerDays(bs.days, day0, days.Days))
		}
	}
	count := 0
	pack := PlanPacker(tmpl)
	var err error
	rep.Bootstrap, err = Bootstrap(days, s, o.Bootstrap, o.Seed, func(d *model.Demand) (int, error) {
		count++
		if o.Progress != nil {
			o.Progress("bootstrap", count, o.Bootstrap)
		}
		return pack(d)
	})
	if err != nil {
		return err
	}
	if rep.Bootstrap.P95Hosts > planHosts {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the host count is uncertain: resampled training days need up to %d hosts at P95 (the plan has %d)", rep.Bootstrap.P95Hosts, planHosts))
	}
	return nil
}

// roundTo rounds v to the given number of decimals.
func roundTo(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

// methodResult replays the actual demand on a plan.
func methodResult(name, desc string, p *model.Plan, actual *model.Demand) MethodResult {
	m := MethodResult{Method: name, Description: desc, HostsUsed: p.HostsUsed, HostsWithoutHA: p.HostsWithoutHA, Unplaced: []string{}}
	for _, u := range p.Unplaced {
		m.Unplaced = append(m.Unplaced, u.Server)
	}
	m.BacktestOutcome = Replay(HostsFromPlan(p), actual)
	m.Failures = ReplayFailures(p, actual)
	return m
}

// actualDemand places every server's test-window demand on one grid from
// split to testEnd (or to the end of the last test sample, rounded up to a
// step), NaN where a server has no data. It returns the number of servers
// with test data.
func actualDemand(per []serverWindows, servers []model.PlanServer, split, testEnd time.Time, step time.Duration) (*model.Demand, int) {
	end := testEnd
	if end.IsZero() {
		for _, bs := range per {
			if bs.actual != nil && bs.actual.Last.After(end) {
				end = bs.actual.Last
			}
		}
	}
	slots := 0
	if end.After(split) {
		slots = int((end.Sub(split) + step - 1) / step)
	}
	d := &model.Demand{Start: split, Step: step, Slots: slots, Profile: "full"}
	n := 0
	for k, bs := range per {
		p := bs.actual
		if p == nil {
			continue
		}
		n++
		sd := model.ServerDemand{ID: servers[k].ID}
		off := int(p.FullStart.Sub(split) / step)
		present := make([]bool, slots)
		for dm := model.Dim(0); dm < model.NumDims; dm++ {
			row := make([]float64, slots)
			for T := range row {
				row[T] = math.NaN()
				if t := T - off; p.Full[dm] != nil && t >= 0 && t < len(p.Full[dm]) {
					row[T] = float64(p.Full[dm][t])
				}
				if !math.IsNaN(row[T]) {
					present[T] = true
				}
			}
			sd.Values[dm] = row
		}
		// A resource never measured takes its constant (installed memory,
		// or 0) where the server has any data.
		for dm := model.Dim(0); dm < model.NumDims; dm++ {
			if p.Full[dm] != nil {
				continue
			}
			for T, ok := range present {
				if ok {
					sd.Values[dm][T] = p.Demand.Values[dm][0] // constant
				}
			}
		}
		d.Servers = append(d.Servers, sd)
	}
	return d, n
}

// FirstSample returns the first sample time over every server of the
// datasets and the number of servers.
func FirstSample(dirs []string) (time.Time, int, error) {
	var first time.Time
	var all []string
	for _, d := range dirs {
		sub, err := dataset.ServerDirs(d)
		if err != nil {
			return first, 0, err
		}
		all = append(all, sub...)
	}
	// Read on a few workers; the minimum does not depend on the order.
	starts := make([]int64, len(all))
	errs := make([]error, len(all))
	next := make(chan int, len(all))
	for k := range all {
		next <- k
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), 8) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				srv, err := dataset.ReadServer(all[k])
				switch {
				case err != nil:
					errs[k] = fmt.Errorf("%s: %w", filepath.Clean(all[k]), err)
				case srv.Series.Len() > 0:
					starts[k] = srv.Series.Start[0]
				default:
					starts[k] = math.MaxInt64
				}
			}
		}()
	}
	wg.Wait()
	n := len(all)
	for k := range all {
		if errs[k] != nil {
			return first, 0, errs[k]
		}
		if starts[k] == math.MaxInt64 {
			continue
		}
		if t := time.Unix(starts[k], 0).UTC(); first.IsZero() || t.Before(first) {
			first = t
		}
	}
	if first.IsZero() {
		return first, n, fmt.Errorf("no server in %v has samples", dirs)
	}
	return first, n, nil
}
