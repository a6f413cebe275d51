package report

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// TestSettingDocs fails when a field of model.Settings or
// model.PackSettings has no description or no source in the assumptions
// table, so that a new setting cannot slip into the report undocumented;
// and when a description names a setting that no longer exists.
func TestSettingDocs(t *testing.T) {
	for _, c := range []struct {
		typ  reflect.Type
		docs map[string]settingDoc
	}{
		{reflect.TypeOf(model.Settings{}), settingDocs},
		{reflect.TypeOf(model.PackSettings{}), packSettingDocs},
	} {
		names := map[string]bool{}
		for _, name := range jsonFieldNames(c.typ) {
			names[name] = true
			d, ok := c.docs[name]
			switch {
			case !ok:
				t.Errorf("%s field %q has no entry in the report's setting docs (report/settings.go)", c.typ, name)
			case strings.TrimSpace(d.about) == "":
				t.Errorf("%s field %q has no description", c.typ, name)
			case strings.TrimSpace(d.source) == "":
				t.Errorf("%s field %q has no source", c.typ, name)
			}
		}
		for name := range c.docs {
			if !names[name] {
				t.Errorf("report documents %q, which is not a field of %s", name, c.typ)
			}
		}
	}
	// Every row of the page carries its description and source.
	s := string(render(t, normalInput()))
	for _, r := range settingRows(normalInput().Plan.Settings) {
		if !strings.Contains(s, "<td>"+htmlText(r.About)+"</td><td>"+htmlText(r.Source)+"</td>") {
			t.Errorf("assumptions table lacks the description and source of %s", r.Key)
		}
	}
}

// htmlText escapes s as html/template does for text.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

func TestWriteAnalysis(t *testing.T) {
	in := normalInput()
	s := string(render(t, in))
	for _, want := range []string{
		// Summary: confidence, power, N+1.
		`<span class="v stars">★★★★★</span>`, "data confidence: 81.0 % of the expected data points",
		"1.4 → 1.2 kW", "2 servers at their inventory watts, 2 at the 250 W default; 400 W per host", "−14 %",
		"N+1 fails", "2 failure scenarios replayed",
		"Power: about 1.4 kW today (2 servers at their inventory watts, 2 at the 250 W default) against 1.2 kW after.",
		// Baselines and the sensitivity sweep.
		"fewer hosts for the load than per-VM P95 × 1.3: 2 against 4", "Sizing every server at its own P95 × 1.3, flat over time (Azure Migrate&#39;s method), would need 4 hosts for the load",
		`id="chart-sensitivity"`, "<td>P90</td>", "<td>max (P100)</td>", "<td>CPU 70 %</td>", "<td>2 guest vCPUs per host core</td>", "vCPU:pCPU overcommit limit: the guests&#39; vCPUs (the servers&#39; logical CPUs today) per physical core of the host", "◀ the plan's value",
		"Built from 7.0 days of data per server (median): enough to plan on; data confidence 5 of 5 stars (81.0% of the expected data points).",
		"Replayed on 7 later days of data: kvmfit 35 host-minutes over a ceiling (0.17%, worst 4.2% over); sum_of_peaks 0",
		// Peak overlap: the model's coincidence factors, the heat map, the peak groups.
		`id="chart-heatmap"`, `"type":"heatmap"`, "Fleet demand by hour of day",
		"<td>disk_iops</td>", "Servers whose CPU demand peaks in the same 720-minute window",
		`<td class="n">1</td><td>00:00–12:00</td><td class="n">2</td>`,
		`<a class="id" href="#server-0002">batch-01</a>, <a class="id" href="#server-0003">db-01</a>`,
		// Hosts: coincidence, correlation, KSM, right-sized VMs.
		"Peaks of its servers coincide by", "Mean CPU correlation of its server pairs",
		"KSM: no two of its guests share a known OS family",
		"Its 2 VMs, right-sized", `<td class="n">8</td><td class="n">16</td><td class="n down">4</td>`, "Right-sized vCPUs: P95 of busy reference cores per slot / 70% target utilisation; 1 vCPU = 1 reference core. Memory: P100",
		`<span class="over">yes, CPU × 1.25</span>`,
		// Risks.
		`<span class="badge bad">N+1 fails</span>`, "1 of 2 scenarios strand servers.",
		`<a class="id" href="#server-0003">db-01</a></td><td><span class="over">overload: servers stranded</span>`,
		`<td class="id">kvm-02 (2)</td>`, "<td>max_vms_per_host</td>",
		"CPU-saturated servers (1)", `<td class="n">95</td><td>× 1.25</td>`,
		"Low-confidence data (1)", `<td class="stars">★★★☆☆</td><td class="n">42.9</td><td class="n">3.0</td><td>short</td>`,
		"Storage latency (0 hosts at risk)",
		`<td class="id">percentile_comfort</td><td class="n">2</td><td class="n">2</td><td class="n">1</td><td class="n">1,250</td><td class="n">6.200</td><td class="n">18.8</td>`,
		"Warnings, by kind (3)", "server …: N% of slots have no data",
		// Assumptions.
		"legacy_server_watts", "<td class=\"id\">ha_level</td><td class=\"id\">1</td>",
		"Right-sized, the future VMs need 26 vCPUs (each one core of the target host = 2.1 reference cores, as the CPU cap counts it) against 64 vCPUs today (the servers' logical CPUs, on 32 physical cores)",
		// The server table.
		`data-sort="300300"`, `<span class="stars">★★★☆☆</span> 3.0 d <span class="w">low</span>`,
		`<span class="over">saturated × 1.25</span>`, "cpu × 1.1, mem × 1.05", "trend per year: CPU 40.0% (significant), memory 12.5% (significant); global × 1",
		`16 → <span class="down">4</span>`, `128.0 → <span class="down">112.0</span>`,
		`<a href="#peak-groups">1</a> · 00:00–12:00`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// The overlap statement uses the model's coincidence factor.
	views, _, err := overlapViews(in.Demand, slotLabels(in.Demand), in.Plan.Fleet)
	if err != nil || len(views) != 2 || !views[0].FromModel {
		t.Fatalf("overlapViews: %+v, %v", views, err)
	}
	if want := fmtFixed(100*in.Plan.Fleet.CoincidenceFactor["cpu"], 1); views[0].CoincidePct != want {
		t.Errorf("cpu coincidence %s, want the model's %s", views[0].CoincidePct, want)
	}
	// The N+1 scenarios show their replay on later data.
	for _, want := range []string{"<th>replayed on later data</th>", `<td class="over">120 host-minutes over a ceiling, worst 12.5% over</td>`,
		"<td>0 host-minutes over a ceiling, worst 0.0% over</td>", "Host count over 20 resampled sets of training days: median 2, P95 3 (from 2 to 3)",
		"3 of 4 servers with data"} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// A backtest given as input takes precedence over the plan's.
	in.Backtest = &Backtest{TestDays: 14, Methods: []BacktestMethod{{Method: "kvmfit", OverloadMinutes: 5}}}
	if s := string(render(t, in)); !strings.Contains(s, "Replayed on 14 later days of data: kvmfit 5 host-minutes") {
		t.Error("Input.Backtest not shown")
	}
	// Without a backtest the page says so.
	in.Backtest, in.Plan.Backtest = nil, nil
	if s := string(render(t, in)); !strings.Contains(s, "No backtest is part of this report") {
		t.Error("no note about the missing backtest")
	}
	// Without HA analysis, the page says there is no spare.
	in = normalInput()
	in.Plan.HA = model.HAReport{}
	if s := string(render(t, in)); !strings.Contains(s, "No failure analysis: the plan was made without HA") ||
		!strings.Contains(s, "No spare host is planned") {
		t.Error("no note about the missing HA analysis")
	}
}

func TestWriteSpareHost(t *testing.T) {
	in := normalInput()
	p := in.Plan
	spare := p.Hosts[1]
	spare.Name, spare.Servers, spare.Spare, spare.Binding = "kvm-03", []string{}, true, "cpu"
	spare.PeakUtilPct = dims(0, 0, 0, 0, 0)
	spare.Analysis = model.HostAnalysis{CoincidenceFactor: p.Fleet.CoincidenceFactor} // as an empty host gets it today
	p.Hosts = append(p.Hosts, spare)
	p.HostsUsed, p.HostsWithoutHA = 3, 2
	p.HA.Scenarios[1].OK, p.HA.Scenarios[1].Stranded = true, []string{}
	p.HA.Scenarios[1].Moves = []model.Assignment{{Server: "db-01", Host: "kvm-03"}}
	p.HA.Holds, p.HA.SpareHostsAdded = true, 1
	s := string(render(t, in))
	for _, want := range []string{
		"Buy 3 × std-1u for 3 servers (1.5 per host): 2 hosts for the load &#43; 1 spare (N&#43;1).",
		"N&#43;1 is proven: failing each host in turn (2 scenarios)",
		`<span class="badge spare">HA spare</span>`, `"name":"HA spares"`, `"formatter":"+{c} spare"`,
		// The card and the sentence compare hosts for the load with hosts
		// for the load: 2 against the sum of peaks' 3.
		`<span class="v">4 → 2 + 1</span><span class="l">servers → hosts of <span class="id">std-1u</span>: 2 for the load + 1 spare (N+1), 3 to buy</span>`,
		`<span class="v">33.3 %</span><span class="l">fewer hosts for the load than sum of peaks: 2 against 3 (spares apart)</span>`,
		"Sizing every server at its own peak would need 3 hosts for the load against these 2 (spares apart), 50% more: sizing on the time-aligned sum saves 33.3% of the hosts.",
		"1 spare host was added until every scenario re-placed every server.",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// The spare binds nothing and has no analysis of its own.
	i := strings.Index(s, `id="host-003"`)
	sec := s[i : i+strings.Index(s[i:], "</article>")]
	for _, bad := range []string{"(binding)", "bound by", "Peaks of its servers coincide", "within 1 point"} {
		if strings.Contains(sec, bad) {
			t.Errorf("spare host section shows %q", bad)
		}
	}
}

func TestPower(t *testing.T) {
	p := normalInput().Plan
	p.Power = model.Power{} // a plan without power: the derived estimate
	v, ok := powerOf(p)
	if !ok {
		t.Fatal("no power estimate")
	}
	// 7008 = 2 hosts × W × 8766 h × 5 years × 0.20 / 1000 → W = 399.73 ≈ 400.
	if v.HostWatts != "400" {
		t.Errorf("host watts %s, want 400", v.HostWatts)
	}
	// Before: 4 servers × 250 W; after: 2 hosts × 399.7 W + 1 unplaced × 250 W.
	if v.Before != "1.0" || v.After != "1.0" || v.Change != "+5 %" || v.Lower {
		t.Errorf("power %+v", v)
	}
	p.Settings.EnergyPricePerKWh = 0
	if _, ok := powerOf(p); ok {
		t.Error("power estimated without an energy price")
	}
}

// TestPowerFromPlan: plan.json's power is shown as is, with the count of
// servers at the default.
func TestPowerFromPlan(t *testing.T) {
	p := normalInput().Plan
	v, ok := powerOf(p)
	if !ok || !v.FromPlan {
		t.Fatalf("power %+v, %v", v, ok)
	}
	// 1400 W before, 1200 W after (800 W of 2 hosts + 400 W unplaced).
	if v.Before != "1.4" || v.After != "1.2" || v.HostWatts != "400" || v.Change != "−14 %" || !v.Lower {
		t.Errorf("power %+v", v)
	}
	if v.Inventory != 2 || v.Default != 2 || v.Basis != "2 servers at their inventory watts, 2 at the 250 W default" {
		t.Errorf("basis %+v", v)
	}
	// 1400 W × 8766 h × 5 years × 0.20 / 1000 = 12,272.4.
	if v.CostBefore != "12,272" || v.CostAfter != "10,519" {
		t.Errorf("energy %s → %s", v.CostBefore, v.CostAfter)
	}
}

func TestHeatmapWeek(t *testing.T) {
	// Two weeks of hourly slots from a Monday; one server busy on Tuesday
	// 09:00 of the second week only.
	start := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	d := &model.Demand{Start: start, Step: time.Hour, Slots: 14 * 24, Profile: "full"}
	s := model.ServerDemand{ID: "a"}
	for r := model.Dim(0); r < model.NumDims; r++ {
		s.Values[r] = make([]float64, d.Slots)
	}
	for t := range s.Values[model.DimCPU] {
		s.Values[model.DimCPU][t] = 1
	}
	s.Values[model.DimCPU][7*24+24+9] = 7
	d.Servers = []model.ServerDemand{s}
	v, spec, ok, err := fleetHeatmap(d)
	if err != nil || !ok {
		t.Fatalf("fleetHeatmap: %v %v", ok, err)
	}
	js := string(spec.Option)
	for _, want := range []string{`"data":["Mon","Tue","Wed","Thu","Fri","Sat","Sun"]`, `[9,1,7]`, `[9,0,1]`, `[10,1,1]`, `"max":7`} {
		if !strings.Contains(js, want) {
			t.Errorf("heat map lacks %s: %s", want, js[:min(400, len(js))])
		}
	}
	if !strings.Contains(v.Title, "hour of week") {
		t.Errorf("title %q", v.Title)
	}
	// A day profile shows every resource by hour of day, in % of its peak.
	_, spec, _, _ = fleetHeatmap(normalInput().Demand)
	js = string(spec.Option)
	if !strings.Contains(js, `"data":["cpu","mem","disk_iops","disk_bytes","net_bytes"]`) || !strings.Contains(js, `"max":100`) {
		t.Errorf("day heat map: %s", js[:min(600, len(js))])
	}
}

func TestWarningKind(t *testing.T) {
	for _, c := range [][2]string{
		{"only 1.5 days of data: at least 2 needed (MS MAP)", "only N days of data: at least N needed (MS MAP)"},
		{"server web-01: 12% of slots have no data", "server …: N% of slots have no data"},
	} {
		if got := warningKind(c[0]); got != c[1] {
			t.Errorf("warningKind(%q) = %q, want %q", c[0], got, c[1])
		}
	}
	if got := warningKind("data/srv-7: no samples files", "data/srv-7"); got != "…: no samples files" {
		t.Errorf("dataset not stripped: %q", got)
	}
	p := normalInput().Plan
	p.ServerDetails[0].Warnings = []string{"only 1.5 days of data", "only 1.8 days of data"}
	g := groupWarnings(p)
	if len(g) == 0 || g[0].Kind != "only N days of data" || len(g[0].Items) != 2 || g[0].Items[0] != "web-01: only 1.5 days of data" {
		t.Errorf("groups: %+v", g)
	}
}

func TestStars(t *testing.T) {
	if stars(3) != "★★★☆☆" || stars(0) != "☆☆☆☆☆" || stars(9) != "★★★★★" {
		t.Error("stars")
	}
	if !lowConfidence(model.Confidence{Stars: 2, Rating: "ok"}) || !lowConfidence(model.Confidence{Stars: 5, Rating: "insufficient"}) ||
		lowConfidence(model.Confidence{Stars: 3, Rating: "ok"}) {
		t.Error("lowConfidence")
	}
	if txt, key := growthText(model.Growth{CPUFactor: 1.2, MemFactor: 1.2, Capped: true}); txt != "× 1.2 (capped)" || key != "1.2000" {
		t.Errorf("growthText = %q, %q", txt, key)
	}
	if math.IsNaN(round4(1)) {
		t.Error("round4")
	}
}

// TestBindingChart draws a third chart for a host bound by a resource other
// than CPU and memory, and copes with a resource some servers lack.
func TestBindingChart(t *testing.T) {
	var in Input
	for _, n := range []int{8640, slots} { // downsampled, and whole
		in = largeInput(40, 1, n)
		in.Plan.Hosts[0].Binding = "disk_iops"
		in.Demand.Servers[3].Values[model.DimDiskIOPS] = nil
		s := string(render(t, in))
		if !strings.Contains(s, `id="chart-host-001-disk_iops"`) || !strings.Contains(s, "disk_iops demand (binding), IOPS") {
			t.Errorf("%d slots: no chart of the binding resource", n)
		}
	}
	// A short CPU row is still an error.
	in.Demand.Servers[3].Values[model.DimCPU] = in.Demand.Servers[3].Values[model.DimCPU][:5]
	if err := Write(&strings.Builder{}, in); err == nil {
		t.Error("short CPU row accepted")
	}
}
