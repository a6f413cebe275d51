package backtest

import (
	"math"
	"reflect"
	"testing"
	"time"

	planner "github.com/kvmfit/kvmfit/binpack/plan"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
)

// knownCase is a constructed fleet whose overload is known to the minute:
// two servers of 10 reference cores at 20 % busy (2 cores each) on a host
// of 10 reference cores with an 80 % CPU ceiling (8 usable) and no
// overhead. In the test day, server a runs at 70 % (7 cores: the host at
// 9, over its ceiling) for 7 slots from 10:00, and server b at 40 % (4
// cores: the host at 11, over 100 %) in the last 3 of them.
var (
	day0    = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
	trainTo = day0.Add(48 * time.Hour)
	testTo  = trainTo.Add(24 * time.Hour)
)

func knownSettings() model.Settings {
	s := model.DefaultSettings.Clone()
	p, _ := model.FindVirtPreset("lxc")
	s.ApplyVirt(p)
	s.HostReserveCores, s.HostReserveMemBytes = 0, 0
	s.Percentile = 100
	return s
}

func knownServers() []*model.Server {
	busy := func(id string, t time.Time) float64 {
		k := int(t.Sub(trainTo) / (5 * time.Minute)) // test slot
		switch {
		case id == "a" && k >= 120 && k < 127: // 10:00–10:35
			return 70
		case id == "b" && k >= 124 && k < 127: // 10:20–10:35
			return 40
		}
		return 20
	}
	var out []*model.Server
	for _, id := range []string{"a", "b"} {
		srv := &model.Server{ID: id, Inventory: model.Inventory{Cores: 10, Threads: 10, CPUScorePerCore: 1000, MemTotalBytes: 4 * model.GiB}}
		for t := day0; t.Before(testTo); t = t.Add(5 * time.Minute) {
			x := model.NewSample(t, 5*time.Minute)
			v := busy(id, t)
			x.Set(model.CPUBusyPct, v, v)
			x.Set(model.MemUsedBytes, model.GiB, model.GiB)
			srv.Series.Append(x)
		}
		out = append(out, srv)
	}
	return out
}

func knownCatalog() *model.Catalog {
	return &model.Catalog{Hosts: []model.HostSpec{{Name: "h10", Cores: 10, Threads: 10, CPUScorePerCore: 1000,
		MemBytes: 64 * model.GiB, StorageIOPS: 1000, StorageBytesPerSec: 1 << 30, NetBytesPerSec: 1 << 30, Price: 1}}}
}

// TestKnownOverload plans the constructed case from its training days and
// replays its test day: exactly 35 minutes over the ceiling, 15 over 100 %,
// worst +37.5 % (11 cores on 8 usable).
func TestKnownOverload(t *testing.T) {
	s := knownSettings()
	in := planner.PlanInput{Fleet: profile.Fleet{Demand: &model.Demand{Start: day0, Step: s.Step(), Slots: 288, Profile: "day"}}, Catalog: knownCatalog(), Settings: s}
	actual := &model.Demand{Start: trainTo, Step: s.Step(), Slots: 288, Profile: "full"}
	as := s.Clone()
	as.Profile, as.Percentile = "full", 100
	for _, srv := range knownServers() {
		tr, te := SplitServer(srv, trainTo)
		p, err := profile.Server(tr, s)
		if err != nil {
			t.Fatal(err)
		}
		in.Demand.Servers = append(in.Demand.Servers, p.Demand)
		in.Servers = append(in.Servers, model.PlanServer{ID: srv.ID})
		q, err := profile.Server(te, as)
		if err != nil {
			t.Fatal(err)
		}
		sd, _ := q.OnGrid(profile.Grid{Start: trainTo, Step: s.Step(), Slots: 288})
		actual.Servers = append(actual.Servers, sd)
	}
	plan, err := planner.BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	if plan.HostsUsed != 1 {
		t.Fatalf("training fits one host, plan has %d", plan.HostsUsed)
	}
	r := Replay(HostsFromPlan(plan), actual)
	if r.OverloadMinutes != 35 || r.OverCapacityMinutes != 15 || r.WorstOverloadPct != 37.5 {
		t.Errorf("overload %g min, over capacity %g min, worst %g%%; want 35, 15, 37.5", r.OverloadMinutes, r.OverCapacityMinutes, r.WorstOverloadPct)
	}
	h := r.Hosts[0]
	if h.MinutesOverCeiling["cpu"] != 35 || h.MinutesOverCeiling["mem"] != 0 || h.MinutesOverCapacity["cpu"] != 15 {
		t.Errorf("per resource: over ceiling %v, over capacity %v", h.MinutesOverCeiling, h.MinutesOverCapacity)
	}
	if want := []string{"a", "b"}; !reflect.DeepEqual(h.Involved, want) {
		t.Errorf("involved %v, want %v", h.Involved, want)
	}
	if h.WorstDim != "cpu" || h.WorstAt != "2026-01-07T10:20:00Z" {
		t.Errorf("worst at %s %s, want cpu 2026-01-07T10:20:00Z", h.WorstDim, h.WorstAt)
	}
	if want := 100 * 35.0 / 1440; math.Abs(r.OverloadHostMinutesPct-want) > 1e-6 {
		t.Errorf("host-minutes over = %g%%, want %g", r.OverloadHostMinutesPct, want)
	}
}

// TestReplayGaps checks that a gap adds no load and a server on no host is listed.
func TestReplayGaps(t *testing.T) {
	nan := math.NaN()
	row := func(v ...float64) []float64 { return v }
	d := &model.Demand{Start: day0, Step: time.Minute, Slots: 3}
	a := model.ServerDemand{ID: "a"}
	b := model.ServerDemand{ID: "b"}
	c := model.ServerDemand{ID: "c"}
	for k := model.Dim(0); k < model.NumDims; k++ {
		a.Values[k] = row(0, 0, 0)
		b.Values[k] = row(0, 0, 0)
		c.Values[k] = row(9, 9, 9)
	}
	a.Values[model.DimCPU] = row(5, nan, 5)
	b.Values[model.DimCPU] = row(nan, 6, 2)
	d.Servers = []model.ServerDemand{a, b, c}
	h := Host{Name: "h", Servers: []string{"a", "b"}}
	for k := range h.Usable {
		h.Usable[k], h.Full[k] = 6, 10
	}
	r := Replay([]Host{h}, d)
	if r.OverloadMinutes != 1 || r.WorstOverloadPct != round6(100*(7.0/6-1)) {
		t.Errorf("overload %g min, worst %g%%", r.OverloadMinutes, r.WorstOverloadPct)
	}
	if !reflect.DeepEqual(r.NotReplayed, []string{"c"}) {
		t.Errorf("not replayed %v", r.NotReplayed)
	}
	if got := Coverage(d); got != 100 {
		t.Errorf("coverage %g (every server has some resource in every slot)", got)
	}
}

func TestSplitInstantAndCycles(t *testing.T) {
	first := time.Date(2013, 6, 30, 22, 3, 24, 0, time.UTC)
	if got, want := SplitInstant(first, 14*24*time.Hour), time.Date(2013, 7, 15, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("split %s, want %s", got, want)
	}
	if got := SplitInstant(day0, 24*time.Hour); !got.Equal(day0.Add(24 * time.Hour)) {
		t.Errorf("a split at midnight moves: %s", got)
	}
	// July 2013 ends on Wednesday 31: its last two working days are 30 and 31.
	if HasMonthEnd(time.Date(2013, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2013, 7, 30, 0, 0, 0, 0, time.UTC)) {
		t.Error("1–29 July holds no month-end")
	}
	if !HasMonthEnd(time.Date(2013, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2013, 7, 30, 0, 0, 1, 0, time.UTC)) {
		t.Error("30 July is a month-end day")
	}
	// August 2013 ends on a Saturday: Thursday 29 and Friday 30 are its month-end.
	if !HasMonthEnd(time.Date(2013, 8, 29, 0, 0, 0, 0, time.UTC), time.Date(2013, 8, 30, 0, 0, 0, 0, time.UTC)) {
		t.Error("29 August 2013 is a month-end day")
	}
	if w := MissingCycles(day0, day0.Add(3*24*time.Hour)); len(w) != 2 {
		t.Errorf("3 days in January: want 2 warnings, got %q", w)
	}
}

// TestBootstrapIdentity checks that resampling the days in their own order
// rebuilds the plan's day profile, and that the bootstrap is reproducible.
func TestBootstrapIdentity(t *testing.T) {
	s := knownSettings()
	s.Percentile = 95
	fs := s.Clone()
	fs.Profile = "full"
	ds := &Days{Start: day0, Step: s.Step(), Days: 2}
	var want []model.ServerDemand
	for _, srv := range knownServers() {
		tr, _ := SplitServer(srv, trainTo)
		p, err := profile.Server(tr, s)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, p.Demand)
		q, err := profile.Server(tr, fs)
		if err != nil {
			t.Fatal(err)
		}
		ds.Servers = append(ds.Servers, NewServerDays(q, day0, 2))
	}
	got := ds.Resample([]int{0, 1}, s)
	for i := range want {
		for d := model.Dim(0); d < model.NumDims; d++ {
			for k, v := range want[i].Values[d] {
				if math.Abs(got.Servers[i].Values[d][k]-v) > 1e-6*math.Max(1, v) {
					t.Fatalf("server %d %s slot %d: %g, want %g", i, d, k, got.Servers[i].Values[d][k], v)
				}
			}
		}
	}
	// The week profile too: the days in order rebuild profile.Server's week.
	ws := s.Clone()
	ws.Profile = "week"
	gotW := ds.Resample([]int{0, 1}, ws)
	for i, srv := range knownServers() {
		tr, _ := SplitServer(srv, trainTo)
		p, err := profile.Server(tr, ws)
		if err != nil {
			t.Fatal(err)
		}
		if !gotW.Start.Equal(profile.WeekStart(day0)) || gotW.Slots != 7*288 {
			t.Fatalf("week resample: start %s, %d slots", gotW.Start, gotW.Slots)
		}
		for d := model.Dim(0); d < model.NumDims; d++ {
			for k, v := range p.Demand.Values[d] {
				if math.Abs(gotW.Servers[i].Values[d][k]-v) > 1e-6*math.Max(1, v) {
					t.Fatalf("week: server %d %s slot %d: %g, want %g", i, d, k, gotW.Servers[i].Values[d][k], v)
				}
			}
		}
	}
	tmpl := planner.PlanInput{Catalog: knownCatalog(), Settings: s}
	a, err := Bootstrap(ds, s, 5, 3, PlanPacker(tmpl))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Bootstrap(ds, s, 5, 3, PlanPacker(tmpl))
	if !reflect.DeepEqual(a, b) || a.MedianHosts != 1 || a.P95Hosts != 1 || len(a.Hosts) != 5 {
		t.Errorf("bootstrap %+v / %+v", a, b)
	}
	// Weekday strata: day k is drawn among days with k's weekday.
	w := &Days{Days: 15}
	rng := newTestRNG()
	for range 20 {
		for k, p := range w.Picks(rng, "week") {
			if p%7 != k%7 || p >= 15 {
				t.Fatalf("pick %d for day %d", p, k)
			}
		}
	}
}

// TestSlotQuantileAndFlat checks the baselines' sizes: the p-quantile of a
// full profile's slots (NaN gaps left out) and the one-slot flat demand.
func TestSlotQuantileAndFlat(t *testing.T) {
	p := &profile.Result{Demand: model.ServerDemand{ID: "x"}}
	for d := model.Dim(0); d < model.NumDims; d++ {
		p.Demand.Values[d] = []float64{7, 7}
	}
	nan := float32(math.NaN())
	p.Full[model.DimCPU] = []float32{1, 2, nan, 3, 4, 5, 6, 7, 8, 9, 10}
	c := profile.SlotQuantile(p, 0.95)
	if c[model.DimCPU] != 10 || c[model.DimMem] != 7 {
		t.Errorf("P95 %v", c)
	}
	if c := profile.SlotQuantile(p, 0.5); c[model.DimCPU] != 5 {
		t.Errorf("P50 cpu %g, want 5 (nearest rank of 10 values)", c[model.DimCPU])
	}
	d := model.FlatDemand([]model.FlatSize{{ID: "x", Size: c}}, day0, time.Minute)
	if d.Slots != 1 || d.Servers[0].Values[model.DimCPU][0] != 10 {
		t.Errorf("flat %+v", d)
	}
}

// TestReplayFailures fails host h1 of a two-host plan: its server moves to
// h2, which is then over its ceiling in the slots where both are busy.
func TestReplayFailures(t *testing.T) {
	caps := model.DimValues{}
	for d := model.Dim(0); d < model.NumDims; d++ {
		caps[d.String()] = 8
	}
	s := model.DefaultSettings.Clone()
	p := &model.Plan{Settings: s, Hosts: []model.PlanHost{
		{Name: "h1", Servers: []string{"a"}, UsableCapacity: caps},
		{Name: "h2", Servers: []string{"b"}, UsableCapacity: caps},
	}}
	p.HA.Scenarios = []model.FailureScenario{{Failed: []string{"h1"}, Moves: []model.Assignment{{Server: "a", Host: "h2"}}, Stranded: []string{}}}
	d := &model.Demand{Start: day0, Step: 5 * time.Minute, Slots: 3}
	for id, cpu := range map[string][]float64{"a": {5, 5, 1}, "b": {5, 1, 1}} {
		sd := model.ServerDemand{ID: id}
		for k := model.Dim(0); k < model.NumDims; k++ {
			sd.Values[k] = make([]float64, 3)
		}
		sd.Values[model.DimCPU] = cpu
		d.Servers = append(d.Servers, sd)
	}
	if r := Replay(HostsFromPlan(p), d); r.OverloadMinutes != 0 {
		t.Fatalf("no failure: %g overload minutes", r.OverloadMinutes)
	}
	f := ReplayFailures(p, d)
	if len(f) != 1 || f[0].OverloadMinutes != 5 || f[0].WorstOverloadPct != 25 {
		t.Errorf("failures %+v, want 5 minutes at +25%%", f)
	}
}
