package profile

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// Fleet is every server of one or more datasets profiled onto one grid:
// what a plan is built from.
type Fleet struct {
	// Demand holds the profiled demand of every server with samples, in
	// input order, on the fleet's grid.
	Demand *model.Demand
	// Servers describes every server read, with samples or not, in input
	// order (dataset by dataset, servers in name order).
	Servers []model.PlanServer
	// NoData lists the servers without samples: nothing to size.
	NoData []model.Unplaced
	Grid   model.PlanGrid
	// Warnings are about the fleet as a whole (a short span of data, a
	// large "full" timeline).
	Warnings []string
	// InputIssues are the input data's problems the profile worked around
	// (model.InputIssue); the plan carries them.
	InputIssues []model.InputIssue
	// VCPUs maps a server ID to its logical CPU count from its inventory
	// (threads, else cores), nil when no inventory gives one.
	VCPUs map[string]int
	// PercentileComfort are the servers' flat sizes for Azure Migrate's
	// per-VM baseline (Options.BaselineSizes), in Demand order; nil when
	// not asked for.
	PercentileComfort []model.FlatSize
	// SumOfPeaks are the servers' measured peaks (PeakAndPercentileSizes:
	// slot max over the data, the plan's conversion, no percentile and no
	// margins) for the sum-of-peaks baseline (Options.BaselineSizes), in
	// Demand order; nil when not asked for.
	SumOfPeaks []model.FlatSize
	// PercentileDemands are the fleet's demand at each of
	// Options.Percentiles, with the servers of Demand in the same order.
	PercentileDemands []PercentileDemand
	// Virt is the fleet's CPU profile and per-VM memory overhead under
	// every virtualisation variant (VirtVariants), servers in Demand
	// order: what the plan's overhead figures are computed from.
	Virt []VirtVariant
}

// PercentileDemand is the fleet's demand profiled at one sizing percentile.
type PercentileDemand struct {
	Percentile float64
	Demand     *model.Demand
}

// Options steer Datasets.
type Options struct {
	// Each, when set, is called with every server read (entry = its index
	// in input order, the index of its PlanServer in Fleet.Servers) and
	// all its samples, before Until cuts them. It runs on worker
	// goroutines, concurrently for different entries.
	Each func(entry int, srv *model.Server)
	// Until, when not zero, profiles only the samples that start before it.
	Until time.Time
	// Percentiles, when set (kinds "day" and "week"), also profiles every
	// server at these sizing percentiles, from the same aligned data
	// (ServerPercentiles), into Fleet.PercentileDemands; with
	// PercentilesMaxServers > 0, only a fleet of at most that many servers.
	Percentiles           []float64
	PercentilesMaxServers int
	// BaselineSizes also sizes every server the way Azure Migrate's per-VM
	// baseline does (PeakAndPercentileSizes at model.BaselinePercentile ×
	// model.BaselineComfort) into Fleet.PercentileComfort.
	BaselineSizes bool
	// Progress, when set, is called with the servers done and their total
	// as the work advances, from the goroutine that called Datasets.
	Progress func(done, total int)
}

// Datasets reads every server of the dataset directories dirs and profiles
// it with s (Server), a few servers at a time, so that memory holds the
// samples of those servers only. The result does not depend on the
// scheduling: servers are taken in input order. The same server in
// several directories (groupDuplicates: same machine id, or same host name
// and agreeing inventories) is merged into one (readMerged) with an
// InputIssue "duplicate"; an ID met again for a different server is
// prefixed with its dataset's directory name. Servers whose data do not
// overlap, assumed time zones, resources without usable data and
// implausible trends are InputIssues too. With the "full" kind each
// server's timeline is kept (as float32) until the fleet's grid is known,
// then placed on it (OnGrid). Every server's data confidence is rated
// against the fleet's span (RateConfidence).
func Datasets(dirs []string, s model.Settings, o Options) (*Fleet, error) {
	entries, err := listEntries(dirs)
	if err != nil {
		return nil, err
	}
	b := newFleetBuilder(s, o.percentiles(s, len(entries)), len(entries))
	err = profileEntries(entries, func(k int) profiled {
		return profileEntry(k, entries[k], s, o, b.pcts)
	}, b.add, o.Progress)
	if err != nil {
		return nil, err
	}
	if len(b.f.Demand.Servers) == 0 {
		return nil, fmt.Errorf("no server in %v has samples: %w", dirs, ErrNoSamples)
	}
	b.timeZones()
	b.truncatedInputs()
	b.periods()
	if err := b.placeOnGrid(); err != nil {
		return nil, err
	}
	b.reserveUnseen()
	b.percentileDemands()
	b.rateConfidence()
	b.missingResources()
	b.implausibleTrends()
	if o.BaselineSizes {
		b.baselineSizes()
	}
	return b.f, nil
}

// percentiles returns the percentiles to profile at besides s's own: none
// with the "full" kind or a fleet larger than PercentilesMaxServers.
func (o Options) percentiles(s model.Settings, servers int) []float64 {
	if s.Profile == model.ProfileFull || o.PercentilesMaxServers > 0 && servers > o.PercentilesMaxServers {
		return nil
	}
	return o.Percentiles
}

// entry is one server directory and the dataset it belongs to; more are
// the directories of the same server found elsewhere (groupDuplicates),
// merged into it when read (readMerged), why says how they were matched.
type entry struct {
	dataset, dir string
	more         []entry
	why          string
}

// listEntries lists the server directories of every dataset, in order.
func listEntries(dirs []string) ([]entry, error) {
	var entries []entry
	for _, d := range dirs {
		sub, err := dataset.ServerDirs(d)
		if err != nil {
			return nil, err
		}
		for _, x := range sub {
			entries = append(entries, entry{dataset: filepath.Clean(d), dir: x})
		}
	}
	return groupDuplicates(entries)
}

// profiled is one server read and profiled by a worker.
type profiled struct {
	srv  *model.Server
	prof *Result
	alt  []model.ServerDemand
	// base is the server's per-VM baseline size (Options.BaselineSizes),
	// valid when baseOK.
	base, peak model.Capacity
	baseOK     bool
	// storage is the server's storage (Storage), storageWarn its warning.
	storage     model.ServerStorage
	storageWarn string
	// dataset is the dataset of a merged server's kept directory, members
	// what each directory merged into it gave (readMerged).
	dataset string
	members []member
	err     error
}

// profileEntry reads the server in dir and profiles it; the samples are
// let go once profiled.
func profileEntry(k int, e entry, s model.Settings, o Options, pcts []float64) profiled {
	var r profiled
	var buf *model.Series
	switch {
	case len(e.more) > 0:
		r.srv, r.dataset, r.members, r.err = readMerged(e)
	case o.Each == nil:
		// Nothing keeps the samples once profiled: read into the buffers
		// of a server profiled before.
		buf = seriesBuffers.Get().(*model.Series)
		r.srv, r.err = dataset.ReadServerInto(e.dir, buf)
	default:
		r.srv, r.err = dataset.ReadServer(e.dir)
	}
	if r.err != nil {
		return r
	}
	if o.Each != nil {
		o.Each(k, r.srv)
	}
	if !o.Until.IsZero() {
		r.srv.Series, _ = r.srv.Series.Split(o.Until)
	}
	r.storage, r.storageWarn = Storage(r.srv, s)
	// The samples are aligned once for both profiles (same step).
	var a *Aligned
	if r.srv.Series.Len() > 0 && s.Validate() == nil {
		a = alignServer(r.srv, s)
	}
	if o.BaselineSizes {
		var err error
		r.peak, r.base, err = peakAndPercentileSizes(r.srv, s, a, model.BaselinePercentile, model.BaselineComfort)
		r.baseOK = err == nil
	}
	if len(pcts) > 0 {
		r.prof, r.alt, r.err = serverPercentiles(r.srv, s, a, pcts)
	} else {
		r.prof, _, r.err = profileAligned(r.srv, s, a, nil, true)
	}
	if buf != nil {
		*buf = r.srv.Series // nothing else refers to its arrays
		seriesBuffers.Put(buf)
	}
	r.srv.Series = model.Series{} // the samples are no longer needed
	return r
}

// seriesBuffers hold the sample buffers of servers already profiled, for
// the next ones (dataset.ReadServerInto): a server-month is 1.5 MB that
// would otherwise be allocated, cleared and collected for every server.
var seriesBuffers = sync.Pool{New: func() any { return new(model.Series) }}

// profileEntries runs work for every entry on runtime.GOMAXPROCS(0)
// workers and hands each result to take in input order, as soon as it and
// those before it are done. At most a window of 4 results per worker is
// done ahead of the one take waits for, so memory holds the samples of one
// server per worker and a bounded number of profiles, whatever the fleet's
// size; a slow server holds back only the window, not a whole batch. An
// error from take stops the work.
func profileEntries(entries []entry, work func(k int) profiled, take func(e entry, r profiled) error, progress func(done, total int)) error {
	if progress == nil {
		progress = func(int, int) {}
	}
	n := len(entries)
	workers := max(1, min(runtime.GOMAXPROCS(0), n))
	window := 4 * workers
	// slots[k%window] carries entry k's result; tokens bound how far the
	// workers run ahead of take.
	slots := make([]chan profiled, window)
	for i := range slots {
		slots[i] = make(chan profiled, 1)
	}
	tokens := make(chan struct{}, window)
	next := make(chan int)
	stop := make(chan struct{})
	go func() {
		defer close(next)
		for k := 0; k < n; k++ {
			select {
			case tokens <- struct{}{}:
			case <-stop:
				return
			}
			select {
			case next <- k:
			case <-stop:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for k := range next {
				slots[k%window] <- work(k)
			}
		})
	}
	// Every entry dispatched and not yet taken has a slot of its own
	// with room for its result, so the workers never block on stopping.
	finish := func() {
		close(stop)
		wg.Wait()
	}
	for k := 0; k < n; k++ {
		progress(k, n)
		r := <-slots[k%window]
		<-tokens
		if err := take(entries[k], r); err != nil {
			finish()
			return err
		}
	}
	finish()
	progress(n, n)
	return nil
}

// fleetBuilder gathers the profiled servers into a Fleet.
type fleetBuilder struct {
	f    *Fleet
	s    model.Settings
	pcts []float64
	// alts[k] is the fleet's demand at pcts[k], server by server.
	alts [][]model.ServerDemand
	seen map[string]bool
	// first and last bound the samples of the whole fleet.
	first, last time.Time
	placed      []placed
	// fallbacks lists the servers per dimension sized without usable data
	// and how (Result.Fallback).
	fallbacks map[fallbackKey][]string
	// assumedTZ lists the servers per time zone their local times were
	// read in without anybody saying so (Inventory.TimeZoneAssumed).
	assumedTZ map[string][]string
	// implausible lists the servers whose trend was dropped as implausible.
	implausible []string
	// truncated lists, per server ID, its inputs that ended early
	// (Inventory.Truncated).
	truncated map[string][]string
}

// fallbackKey is a dimension and how it was sized without usable data.
type fallbackKey struct {
	dim  model.Dim
	kind string
}

// placed is a server with samples: its index in Fleet.Servers and what
// the fleet-wide steps need of its profile.
type placed struct {
	idx          int
	covered      int64
	slotsPresent int
	full         *Result // kind "full" only, until placed on the grid
	base, peak   model.Capacity
	baseOK       bool
	// first and last bound the server's samples.
	first, last time.Time
}

func newFleetBuilder(s model.Settings, pcts []float64, servers int) *fleetBuilder {
	return &fleetBuilder{
		f:         &Fleet{Demand: &model.Demand{Step: s.Step(), Profile: s.Profile}, Servers: make([]model.PlanServer, 0, servers)},
		s:         s,
		pcts:      pcts,
		alts:      make([][]model.ServerDemand, len(pcts)),
		seen:      map[string]bool{},
		fallbacks: map[fallbackKey][]string{},
		assumedTZ: map[string][]string{},
	}
}

// add takes one server read: its PlanServer, and, when it has samples, its
// demand. A server that cannot be read or profiled is an error.
func (b *fleetBuilder) add(e entry, r profiled) error {
	if r.srv == nil {
		return r.err
	}
	if r.dataset != "" {
		e.dataset, e.dir = r.dataset, r.srv.Dir
	}
	ps := b.planServer(e, r.srv)
	if inv := r.srv.Inventory; inv.TimeZoneAssumed {
		b.assumedTZ[inv.TimeZone] = append(b.assumedTZ[inv.TimeZone], ps.ID)
	}
	if t := r.srv.Inventory.Truncated; len(t) > 0 {
		if b.truncated == nil {
			b.truncated = map[string][]string{}
		}
		b.truncated[ps.ID] = append(b.truncated[ps.ID], t...)
	}
	if len(r.members) > 0 {
		msg := mergeMessage(ps.ID, e.why, r.members)
		ps.Warnings = append(ps.Warnings, msg)
		b.f.InputIssues = append(b.f.InputIssues, model.InputIssue{Kind: IssueDuplicate, Servers: []string{ps.ID}, Message: msg})
	}
	ps.Storage = r.storage
	if r.storageWarn != "" {
		ps.Warnings = append(ps.Warnings, r.storageWarn)
	}
	if errors.Is(r.err, ErrNoSamples) {
		ps.Warnings = append(ps.Warnings, "no samples")
		ps.Analysis.OSFamily = r.srv.Inventory.OSFamily
		b.f.NoData = append(b.f.NoData, model.Unplaced{Server: ps.ID, Dim: "", Reason: "no samples: nothing to size"})
		b.f.Servers = append(b.f.Servers, ps)
		return nil
	}
	if r.err != nil {
		return fmt.Errorf("%s: %w", e.dir, r.err)
	}
	prof := r.prof
	prof.Demand.ID = ps.ID
	ps.Warnings = append(ps.Warnings, prof.Warnings...)
	ps.CPUCoresRef = prof.CPU.CoresRef
	ps.Analysis = prof.Analysis
	if g := prof.Analysis.Growth; g.CPUTrend == model.TrendImplausible || g.MemTrend == model.TrendImplausible {
		b.implausible = append(b.implausible, ps.ID)
	}
	if b.first.IsZero() || prof.First.Before(b.first) {
		b.first = prof.First
	}
	if prof.Last.After(b.last) {
		b.last = prof.Last
	}
	p := placed{idx: len(b.f.Servers), covered: prof.CoveredSec, slotsPresent: prof.SlotsPresent, base: r.base, peak: r.peak, baseOK: r.baseOK,
		first: prof.First, last: prof.Last}
	if b.s.Profile == model.ProfileFull {
		p.full = prof
	}
	b.placed = append(b.placed, p)
	for d, fb := range prof.Fallback {
		if fb != "" {
			k := fallbackKey{model.Dim(d), fb}
			b.fallbacks[k] = append(b.fallbacks[k], ps.ID)
		}
	}
	b.f.Servers = append(b.f.Servers, ps)
	b.f.Demand.Servers = append(b.f.Demand.Servers, prof.Demand)
	b.addVirt(prof)
	for k := range b.alts {
		if len(r.alt) == len(b.pcts) {
			sd := r.alt[k]
			sd.ID = ps.ID
			b.alts[k] = append(b.alts[k], sd)
		}
	}
	return nil
}

// addVirt appends the server's CPU profile and per-VM memory overhead
// under every virtualisation variant to the fleet's.
func (b *fleetBuilder) addVirt(prof *Result) {
	if b.f.Virt == nil {
		b.f.Virt = VirtVariants(b.s)
	}
	for k := range b.f.Virt {
		v := &b.f.Virt[k]
		v.CPU = append(v.CPU, prof.Virt[k].CPU)
		v.MemOverheadBytes = append(v.MemOverheadBytes, prof.Virt[k].MemOverheadBytes)
	}
}

// planServer describes srv for the plan: its unique ID, where it comes
// from, its power draw and vCPUs from the inventory, and what reading it
// warned about.
func (b *fleetBuilder) planServer(e entry, srv *model.Server) model.PlanServer {
	id := srv.ID
	if b.seen[id] {
		id = filepath.Base(e.dataset) + "/" + srv.ID
	}
	b.seen[id] = true
	ps := model.PlanServer{ID: id, Hostname: srv.Inventory.Hostname, Source: srv.Inventory.Source, Dataset: e.dataset, PeakDemand: model.DimValues{}}
	if w := srv.Inventory.Watts; w > 0 && !math.IsInf(w, 0) {
		ps.Watts, ps.WattsSource = w, "inventory"
	}
	if v := srv.Inventory.VCPUs(); v > 0 {
		if b.f.VCPUs == nil {
			b.f.VCPUs = map[string]int{}
		}
		b.f.VCPUs[id] = v
	}
	for _, w := range srv.Warnings {
		ps.Warnings = append(ps.Warnings, w.Error())
	}
	return ps
}

// placeOnGrid sets the fleet's grid from the span of its samples: one day
// from the first day's midnight ("day"), one week from the Monday before
// ("week"), or every day of the span ("full", each server's timeline
// placed on it, gaps filled by OnGrid).
func (b *fleetBuilder) placeOnGrid() error {
	d, s := b.f.Demand, b.s
	spd := int(24 * time.Hour / d.Step)
	day0 := b.first.Truncate(24 * time.Hour)
	d.Start, d.Slots = day0, spd
	switch s.Profile {
	case model.ProfileWeek:
		d.Start, d.Slots = WeekStart(b.first), 7*spd
	case model.ProfileFull:
		days := int((b.last.Sub(day0) + 24*time.Hour - time.Second) / (24 * time.Hour))
		d.Slots = days * spd
		mb := float64(len(b.placed)) * float64(d.Slots) * float64(model.NumDims) * 8 / (1 << 20)
		if err := b.checkFullSpan(days, mb); err != nil {
			return err
		}
		if mb > 2048 {
			b.f.Warnings = append(b.f.Warnings, fmt.Sprintf("full profile: the demand of %d servers × %d slots takes %.0f MiB (the packer's sum-of-peaks copy as much again); a longer --step or --profile week needs less", len(b.placed), d.Slots, mb))
		}
		g := Grid{Start: day0, Step: d.Step, Slots: d.Slots}
		for k, p := range b.placed {
			sd, filled := p.full.OnGrid(g)
			d.Servers[k] = sd
			b.placed[k].full = nil // let the float32 timeline go
			if n := filled[model.DimCPU]; n > 0 {
				ps := &b.f.Servers[p.idx]
				ps.Warnings = append(ps.Warnings, fmt.Sprintf("full profile: %d of %d slots have no CPU data (gaps, or outside the server's own time span) and take the server's time-of-day P%g — never interpolated", n, d.Slots, s.PercentileOf(model.DimCPU)))
			}
		}
	}
	b.f.Grid = model.PlanGrid{
		DataStart: b.first.Format(time.RFC3339), DataEnd: b.last.Format(time.RFC3339),
		StepSec: s.StepSec, Profile: s.Profile, Slots: d.Slots,
	}
	if days := b.last.Sub(b.first).Hours() / 24; days < 7 {
		b.f.Warnings = append(b.f.Warnings, fmt.Sprintf("only %.1f days of data: weekly cycles are not seen (7 or more recommended)", days))
	}
	return nil
}

// percentileDemands puts the demand at each extra percentile on the
// fleet's grid; a percentile some server lacks is left out.
func (b *fleetBuilder) percentileDemands() {
	for k, servers := range b.alts {
		if len(servers) != len(b.f.Demand.Servers) {
			continue
		}
		d := *b.f.Demand
		d.Servers = servers
		b.f.PercentileDemands = append(b.f.PercentileDemands, PercentileDemand{Percentile: b.pcts[k], Demand: &d})
	}
}

// reserveUnseen records every server's evidence reserve
// (model.Entitlement): a server with data for only part of the fleet's
// span may still show, in what was not seen, the part of its entitlement
// it did not use (CPU up to its cap, memory up to its installed size); the
// share of the span it has no data for of that is reserved. The planner
// makes the reserves fit within each host's full capacity, beyond the
// ceiling the planned load must stay under. Off with
// Settings.EvidenceReserve false.
func (b *fleetBuilder) reserveUnseen() {
	if !b.s.EvidenceReserve {
		return
	}
	spans := b.periodSpans()
	for k, p := range b.placed {
		ps := &b.f.Servers[p.idx]
		expected := spans[k].slots(b.s.Step())
		if expected <= 0 {
			continue
		}
		e := &ps.Analysis.Entitlement
		e.EvidenceWeight = math.Max(0, 1-float64(p.slotsPresent)/float64(expected))
		if e.EvidenceWeight == 0 {
			continue
		}
		sd := &b.f.Demand.Servers[k]
		var add [model.NumDims]float64
		if e.CPUCapCoresRef > 0 {
			add[model.DimCPU] = e.EvidenceWeight * math.Max(0, e.CPUCapCoresRef-sd.Peak(model.DimCPU))
		}
		add[model.DimMem] = e.EvidenceWeight * math.Max(0, e.MemEntitledBytes-sd.Peak(model.DimMem))
		e.EvidenceWeight = roundTo(e.EvidenceWeight, 6)
		e.ReserveCPUCoresRef, e.ReserveMemBytes = roundTo(add[model.DimCPU], 6), math.Round(add[model.DimMem])
		if e.EvidenceWeight >= 0.25 && add != ([model.NumDims]float64{}) {
			ps.Warnings = append(ps.Warnings, fmt.Sprintf("data for %.0f%% of the fleet's span: %.0f%% of what it did not use is reserved within its host's full capacity (CPU %.2f reference cores, memory %.2f GiB)",
				100*(1-e.EvidenceWeight), 100*e.EvidenceWeight, add[model.DimCPU], add[model.DimMem]/model.GiB))
		}
	}
}

// rateConfidence rates every server with samples against the span of its
// period (RateConfidence; the fleet's span when every server's data
// overlap, see periodsOf), warns about too few days, and records its
// coverage and peak demand.
func (b *fleetBuilder) rateConfidence() {
	s := b.s
	spans := b.periodSpans()
	for k, p := range b.placed {
		ps := &b.f.Servers[p.idx]
		span, expected := spans[k].last.Sub(spans[k].first).Seconds(), spans[k].slots(s.Step())
		ps.CoveragePct = roundTo(100*float64(p.covered)/span, 2)
		c := RateConfidence(p.slotsPresent, expected, s.StepSec, s)
		c.PresentPct, c.Days = roundTo(c.PresentPct, 2), roundTo(c.Days, 3)
		ps.Analysis.Confidence = c
		switch c.Rating {
		case "insufficient":
			ps.Warnings = append(ps.Warnings, fmt.Sprintf("only %.1f days of data: at least %g needed (MS MAP); this server's size is a guess", c.Days, s.MinDays))
		case "short":
			ps.Warnings = append(ps.Warnings, fmt.Sprintf("%.1f days of data: %g or more recommended (MS MAP)", c.Days, s.RecommendedDays))
		}
		for d := model.Dim(0); d < model.NumDims; d++ {
			ps.PeakDemand[d.String()] = roundTo(b.f.Demand.Servers[k].Peak(d), 6)
		}
	}
}

// baselineSizes lists the per-VM baseline size and the measured peak of
// every server with samples that could be sized, in Demand order.
func (b *fleetBuilder) baselineSizes() {
	b.f.PercentileComfort, b.f.SumOfPeaks = []model.FlatSize{}, []model.FlatSize{}
	for k, p := range b.placed {
		if p.baseOK {
			id := b.f.Demand.Servers[k].ID
			b.f.PercentileComfort = append(b.f.PercentileComfort, model.FlatSize{ID: id, Size: p.base})
			b.f.SumOfPeaks = append(b.f.SumOfPeaks, model.FlatSize{ID: id, Size: p.peak})
		}
	}
}

// missingResources records an InputIssue "missing_resource" per fallback
// (Result.Fallback) and set of servers, naming the resources concerned
// (in order) and the servers: what the plan sized without usable data,
// and how.
func (b *fleetBuilder) missingResources() {
	for _, kind := range []string{FallbackSampleMax, FallbackCapacity, FallbackInstalled, FallbackZero} {
		var order []string // server sets, first seen first
		dims := map[string][]string{}
		sets := map[string][]string{}
		for d := model.Dim(0); d < model.NumDims; d++ {
			ids := b.fallbacks[fallbackKey{d, kind}]
			if len(ids) == 0 {
				continue
			}
			ids = slices.Clone(ids)
			slices.Sort(ids)
			key := strings.Join(ids, "\x00")
			if _, ok := dims[key]; !ok {
				order = append(order, key)
				sets[key] = ids
			}
			dims[key] = append(dims[key], d.String())
		}
		for _, key := range order {
			ids, what := sets[key], strings.Join(dims[key], ", ")
			n := servers(len(ids))
			var msg string
			switch kind {
			case FallbackSampleMax:
				msg = fmt.Sprintf("%s: samples too few or too short on %s (not one %g-second slot half covered): sized at their largest sample in every slot — a guess; collect for days", what, n, b.s.Step().Seconds())
			case FallbackCapacity:
				msg = fmt.Sprintf("%s: never measured on %s: sized at their whole CPU capacity in every slot", what, n)
			case FallbackInstalled:
				msg = fmt.Sprintf("%s: memory use never measured on %s: sized at their installed memory", what, n)
			default:
				msg = fmt.Sprintf("%s: never measured on %s (the source does not record it) and nothing to size it from: counted as 0, so the plan does not check it for them", what, n)
			}
			b.f.InputIssues = append(b.f.InputIssues, model.InputIssue{Kind: IssueMissingResource, Servers: ids, Message: msg})
		}
	}
}

// implausibleTrends records the servers whose CPU or memory trend was
// dropped as implausible (model.TrendImplausible) as one InputIssue
// "trend".
func (b *fleetBuilder) implausibleTrends() {
	if len(b.implausible) == 0 {
		return
	}
	ids := slices.Clone(b.implausible)
	slices.Sort(ids)
	b.f.InputIssues = append(b.f.InputIssues, model.InputIssue{Kind: IssueTrend, Servers: ids, Message: fmt.Sprintf(
		"trends of %s dropped as implausible: beyond ±%d %% a year over their data, a change of workload within the data rather than a steady trend; not shown and not projected — check what changed",
		servers(len(ids)), model.TrendMaxPctPerYear)})
}

// servers is "1 server" or "n servers".
func servers(n int) string {
	if n == 1 {
		return "1 server"
	}
	return fmt.Sprintf("%d servers", n)
}

// Kinds of model.InputIssue the profile records.
const (
	IssueDuplicate       = "duplicate"
	IssuePeriods         = "periods"
	IssueMissingResource = "missing_resource"
	IssueTimeZone        = "time_zone"
	IssueTrend           = "trend"
	IssueTruncated       = "truncated"
)

// roundTo rounds v to the given number of decimals.
func roundTo(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}
