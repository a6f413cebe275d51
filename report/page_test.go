package report

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
)

// exportedFields counts the JSON-visible fields of a struct.
func exportedFields(v any) int {
	t := reflect.TypeOf(v)
	n := 0
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() && f.Tag.Get("json") != "-" {
			n++
		}
	}
	return n
}

func TestWriteSummaryAndTable(t *testing.T) {
	s := string(render(t, normalInput()))
	for _, want := range []string{
		// The decision paragraph.
		`<p class="decision">Buy 2 × std-1u for 3 servers (1.5 per host). No plan can use fewer than 1 host for the load (the lower bound): this one is at most 100.0% above the best possible, so at most 1 more could be saved. Built from 7.0 days of data per server (median): enough to plan on; data confidence 5 of 5 stars (81.0% of the expected data points). Virtualisation costs 1 of the 2 hosts: without it (bare metal) the load would need 1. N&#43;1 does not hold: in 1 of 2 failure scenarios some servers fit on no surviving host (see Risks). Sizing every server at its own peak would need 3 hosts for the load against these 2, 50% more: sizing on the time-aligned sum saves 33.3% of the hosts.`,
		"Expect about 45 host-minutes a month over the ceiling (range 30–60) and 6 over 100% of capacity (range 0–12), predicted by replaying 2 later stretches of the data, each against a plan made on the days before it (see Risks).",
		"1 server has data for only part of the fleet&#39;s span and keeps an evidence reserve (12.50 reference cores and 6.0 GiB in all) within the hosts&#39; full capacity.",
		"Cost: capex 24,000 plus energy 7,008 over 5 years plus licences 3,000, total 34,008 (catalog currency); 4 rack units. ",
		"1 server fits no host of this model and needs a decision of its own (see Risks).",
		// KPIs.
		">34,008</span>", ">4 U</span>",
		// The server table and its tools.
		`<table class="wide" id="server-table" data-page-size="100">`,
		`<th class="n">peak disk IOPS</th>`, `<th class="n">peak disk MB/s</th>`, `<th class="n">peak net MB/s</th>`,
		`<th class="n">vCPUs</th><th class="n">CPU cap, ref. cores</th><th class="n">evidence reserve</th>`,
		`id="server-filter"`, `id="server-prev"`, `id="server-next"`,
		`<td class="n w" title="coverage below 90%: batch-01">1</td>`,
		`<span class="over">unplaced</span>`,
		`<a class="id" href="#host-001">kvm-01</a>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	js, _ := echartsInline()
	if strings.Contains(strings.Replace(s, js, "", 1), "innerHTML") {
		t.Error("a page script uses innerHTML")
	}
}

func TestOverlap(t *testing.T) {
	in := normalInput()
	members := []*model.ServerDemand{}
	for i := range in.Demand.Servers {
		members = append(members, &in.Demand.Servers[i])
	}
	_, pos, sop, _ := fleetOverlap(members, model.DimCPU, slots)
	// Hand-computed: peaks are base+peak (11, 12.5, 10); the sum peaks near
	// one server's peak plus the others' near-base values.
	if want := 11.0 + 12.5 + 10; math.Abs(sop-want) > 1e-9 {
		t.Errorf("sum of peaks %v, want %v", sop, want)
	}
	if pos >= sop || pos < 12.5 {
		t.Errorf("peak of the sum %v not in [12.5, %v)", pos, sop)
	}
	// Identical servers coincide fully; equal servers peaking apart do not.
	a := serverDemand("a", 0, 10, 3, 1)
	b := serverDemand("b", 0, 10, 3, 1)
	c := serverDemand("c", 0, 10, 15, 1)
	if _, p, s, _ := fleetOverlap([]*model.ServerDemand{&a, &b}, model.DimCPU, slots); math.Abs(p/s-1) > 1e-9 {
		t.Errorf("identical servers coincide by %v, want 1", p/s)
	}
	if _, p, s, _ := fleetOverlap([]*model.ServerDemand{&a, &c}, model.DimCPU, slots); math.Abs(p/s-0.5) > 0.01 {
		t.Errorf("opposite servers coincide by %v, want about 0.5", p/s)
	}

	s := string(render(t, in))
	views, _, err := overlapViews(in.Demand, slotLabels(in.Demand), in.Plan.Fleet)
	if err != nil || len(views) != 2 {
		t.Fatalf("overlapViews: %d views, %v", len(views), err)
	}
	for _, want := range []string{
		`id="chart-overlap-cpu"`, `id="chart-overlap-mem"`,
		"cpu: the fleet's peaks coincide by " + views[0].CoincidePct + "%",
		"mem: the fleet's peaks coincide by " + views[1].CoincidePct + "%",
		`"name":"sum of peaks"`, `"name":"peak of the sum"`,
		"The fleet&#39;s peaks coincide by " + views[0].CoincidePct + "% in cpu and " + views[1].CoincidePct + "% in mem",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if views[0].CoincidePct != fmtFixed(100*pos/sop, 1) {
		t.Errorf("cpu coincidence %s, want %s", views[0].CoincidePct, fmtFixed(100*pos/sop, 1))
	}
}

func TestOverlapOthers(t *testing.T) {
	in := largeInput(40, 4, slots)
	views, specs, err := overlapViews(in.Demand, slotLabels(in.Demand), in.Plan.Fleet)
	if err != nil || len(views) != 2 || len(specs) != 2 {
		t.Fatalf("overlapViews: %d views, %d specs, %v", len(views), len(specs), err)
	}
	js := string(specs[0].Option)
	if n := strings.Count(js, `"stack":"demand"`); n != overlapSeries {
		t.Errorf("%d stacked series, want %d", n, overlapSeries)
	}
	if !strings.Contains(js, `"name":"others (25 servers)"`) {
		t.Errorf("no \"others (25 servers)\" series")
	}
}

func TestLTTB(t *testing.T) {
	// Short series and tiny thresholds are kept whole.
	if got := lttbIndices([]float64{1, 2, 3}, 10); !reflect.DeepEqual(got, []int{0, 1, 2}) {
		t.Errorf("short: %v", got)
	}
	if got := lttbIndices([]float64{1, 2, 3, 4}, 2); len(got) != 4 {
		t.Errorf("threshold 2: %v", got)
	}
	// A flat series with one spike: the spike survives, ends are kept, the
	// indices increase and there are exactly threshold of them.
	y := make([]float64, 10000)
	y[4321] = 100
	y[7000] = math.NaN()
	got := lttbIndices(y, 500)
	if len(got) != 500 || got[0] != 0 || got[499] != 9999 {
		t.Fatalf("got %d indices from %d to %d", len(got), got[0], got[len(got)-1])
	}
	seen := false
	for i, x := range got {
		if i > 0 && x <= got[i-1] {
			t.Fatalf("indices not increasing at %d: %d, %d", i, got[i-1], x)
		}
		seen = seen || x == 4321
	}
	if !seen {
		t.Error("LTTB dropped the spike")
	}
	// Hand-computed: 5 points to 3 keeps the first, the last and, from the
	// middle bucket {1, 2, 3}, the point with the largest triangle against
	// (0, 0) and (4, 0): the highest, index 2.
	if got := lttbIndices([]float64{0, 1, 5, 2, 0}, 3); !reflect.DeepEqual(got, []int{0, 2, 4}) {
		t.Errorf("5→3: %v, want [0 2 4]", got)
	}
}

func TestWriteLongProfile(t *testing.T) {
	// A "full" profile of 30 days at 5 minutes: 8,640 slots per series.
	in := largeInput(20, 2, 8640)
	raw := render(t, in)
	checkPage(t, raw)
	html := string(raw)
	for _, id := range []string{"chart-host-001-cpu", "chart-overlap-mem"} {
		i := strings.Index(html, `{"id":"`+id+`"`)
		if i < 0 {
			t.Fatalf("no spec for %s", id)
		}
		opt := html[i:]
		opt = opt[:strings.Index(opt, `"id":"`+id+`"`)+1+strings.Index(opt[1:], `{"id":"`)]
		if n := strings.Count(opt[strings.Index(opt, `"data":[`):], ","); n > 40*maxChartPoints {
			t.Errorf("%s: %d commas in its data, expected the series capped at %d points", id, n, maxChartPoints)
		}
		if !strings.Contains(opt, `"Mon 00:00"`) {
			t.Errorf("%s: first slot label missing", id)
		}
	}
}

// largeInput is servers servers on hosts hosts with a profile of n slots.
// Server i peaks at hour i mod 24; every 50th server is unplaced and every
// 7th has a warning.
func largeInput(servers, hosts, n int) Input {
	in := normalInput()
	p := in.Plan
	p.Hosts, p.Assignments, p.ServerDetails, p.Unplaced = nil, nil, nil, nil
	in.Demand = &model.Demand{Start: dayStart, Step: 5 * time.Minute, Slots: n, Profile: "full"}
	if n <= slots {
		in.Demand.Profile = "day"
	}
	p.Grid.Slots, p.Grid.Profile = n, in.Demand.Profile
	perHost := (servers + hosts - 1) / hosts
	var analyses []model.ServerAnalysis
	for h := range hosts {
		p.Hosts = append(p.Hosts, model.PlanHost{
			Name: fmt.Sprintf("kvm-%03d", h+1), Type: p.HostType,
			RawCapacity: dims(256, 2048*model.GiB, 500000, 2e10, 1.25e10), UsableCapacity: dims(200, 1800*model.GiB, 350000, 1.4e10, 8.75e9),
			PeakUtilPct: dims(80, 70, 10, 10, 10), Binding: "cpu", BindingSlots: []int{150, 151},
		})
	}
	for i := range servers {
		id := fmt.Sprintf("srv-%05d", i)
		sd := model.ServerDemand{ID: id}
		for d := model.Dim(0); d < model.NumDims; d++ {
			sd.Values[d] = make([]float64, n)
		}
		size := 1 + float64(i%7)
		for t := range n {
			hour := float64(t%slots) * 5 / 60
			dd := math.Abs(hour - float64(i%24))
			dd = math.Min(dd, 24-dd)
			b := math.Exp(-dd * dd / 8)
			day := float64(t/slots) * 0.01
			sd.Values[model.DimCPU][t] = 0.2*size + 2*size*b + day
			sd.Values[model.DimMem][t] = (4*size + size*b) * model.GiB
			sd.Values[model.DimDiskIOPS][t] = 20 + 100*b
			sd.Values[model.DimDiskBytes][t] = 1e6 + 1e7*b
			sd.Values[model.DimNetBytes][t] = 1e5 + 5e6*b
		}
		in.Demand.Servers = append(in.Demand.Servers, sd)
		ps := model.PlanServer{ID: id, Hostname: id + ".corp.example", Source: "collect", CoveragePct: 100 - float64(i%13), PeakDemand: peaks(sd), CPUCoresRef: 4 * size}
		if i%7 == 3 {
			ps.Warnings = []string{"coverage below 90%: " + id}
		}
		// Disks of 500 to 3,500 GiB, 320 to 2,240 used, 400 to 2,800 after.
		ps.Storage = model.ServerStorage{ProvisionedBytes: 500 * size * model.GiB, UsedBytes: 320 * size * model.GiB, DemandBytes: 400 * size * model.GiB, Source: "inventory"}
		ps.Analysis = model.ServerAnalysis{
			Confidence: profile.RateConfidence(2016-(i%8)*200, 2016, 300, p.Settings),
			Saturation: model.Saturation{Flagged: i%97 == 5, UpliftApplied: 1},
			Growth:     model.Growth{GlobalFactor: 1, CPUFactor: 1, MemFactor: 1},
			Rightsize:  model.Rightsizing{VCPUs: 1 + i%9, CurrentCores: 8, MemBytes: int64(8+i%25) * model.GiB, CurrentMemBytes: 32 * model.GiB},
			OSFamily:   []string{"windows", "linux"}[i%2],
		}
		if ps.Analysis.Saturation.Flagged {
			ps.Analysis.Saturation.UpliftApplied = 1.25
		}
		analyses = append(analyses, ps.Analysis)
		if i%50 == 49 {
			p.Unplaced = append(p.Unplaced, model.Unplaced{Server: id, Dim: "mem", Reason: "too big"})
		} else {
			h := &p.Hosts[min(i/perHost, hosts-1)]
			h.Servers = append(h.Servers, id)
			ps.Host = h.Name
			p.Assignments = append(p.Assignments, model.Assignment{Server: id, Host: h.Name})
		}
		p.ServerDetails = append(p.ServerDetails, ps)
	}
	p.Servers, p.HostsUsed, p.HostsWithoutHA = servers, hosts, hosts
	p.ConsolidationRatio = float64(servers-len(p.Unplaced)) / float64(hosts)
	p.Fleet = profile.AnalyzeFleet(in.Demand, analyses, p.Settings)
	for g, grp := range p.Fleet.PeakGroups {
		for _, m := range grp.Members {
			p.ServerDetails[m].Analysis.PeakGroup = g + 1
		}
	}
	osFamily := make([]string, len(p.ServerDetails))
	idx := map[string]int{}
	for i, sd := range p.ServerDetails {
		osFamily[i], idx[sd.ID] = sd.Analysis.OSFamily, i
	}
	p.HA = model.HAReport{Level: 1, Method: "every host fails in turn", Holds: true}
	for h := range p.Hosts {
		var members []int
		for _, id := range p.Hosts[h].Servers {
			members = append(members, idx[id])
		}
		p.Hosts[h].Analysis = profile.AnalyzeHost(in.Demand, members, osFamily, p.Settings)
		p.HA.Scenarios = append(p.HA.Scenarios, model.FailureScenario{Failed: []string{p.Hosts[h].Name}, OK: true})
	}
	return in
}

// TestHostChartsCapped checks that a fleet of more than maxHostCharts hosts
// gets demand charts for the busiest maxHostCharts only (highest planned
// peak over the resources, then plan order), and that the page says so.
func TestHostChartsCapped(t *testing.T) {
	in := largeInput(300, maxHostCharts+20, slots)
	hosts := in.Plan.Hosts
	// Every host peaks at 80 % (largeInput); the last one at 95 %, so it
	// is charted, and the plan order leaves out the 20 before it.
	hosts[len(hosts)-1].PeakUtilPct = dims(60, 95, 10, 10, 10)
	var buf bytes.Buffer
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for i, want := range map[int]bool{0: true, maxHostCharts - 2: true, maxHostCharts - 1: false, len(hosts) - 2: false, len(hosts) - 1: true} {
		id := fmt.Sprintf(`id="chart-host-%03d-cpu"`, i+1)
		if got := strings.Contains(html, id); got != want {
			t.Errorf("host %d (%s): charted %v, want %v", i+1, hosts[i].Name, got, want)
		}
	}
	if n := strings.Count(html, `class="chart" id="chart-host-`); n != 2*maxHostCharts {
		t.Errorf("%d host charts, want %d (two for each of %d hosts)", n, 2*maxHostCharts, maxHostCharts)
	}
	if !strings.Contains(html, fmt.Sprintf("Demand charts are drawn for the %d busiest of the %d hosts", maxHostCharts, len(hosts))) ||
		strings.Count(html, "No demand charts for this host") != len(hosts)-maxHostCharts {
		t.Error("the page does not say which hosts have charts")
	}
	small := largeInput(40, 4, slots)
	buf.Reset()
	if err := Write(&buf, small); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "busiest of the") {
		t.Error("a fleet of 4 hosts says charts are left out")
	}
}
