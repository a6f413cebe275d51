package report

import (
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

// section returns the part of page s from the element with id to the next
// <h3 or </section>.
func section(t *testing.T, s, id string) string {
	t.Helper()
	i := strings.Index(s, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("page has no element %q", id)
	}
	rest := s[i:]
	end := len(rest)
	for _, stop := range []string{"<h3", "</section>"} {
		if j := strings.Index(rest[1:], stop); j >= 0 && j+1 < end {
			end = j + 1
		}
	}
	return rest[:end]
}

func checkContains(t *testing.T, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("lacks %q", w)
		}
	}
}

func checkLacks(t *testing.T, s string, bads ...string) {
	t.Helper()
	for _, b := range bads {
		if strings.Contains(s, b) {
			t.Errorf("holds %q", b)
		}
	}
}

// TestPredictedRisk: plan.json risk in the decision, the key figures, the
// Risks section (a note when minutes over capacity are predicted) and the
// origins table.
func TestPredictedRisk(t *testing.T) {
	s := string(render(t, normalInput()))
	sentence := "Expect about 45 host-minutes a month over the ceiling (range 30–60) and 6 over 100% of capacity (range 0–12)"
	checkContains(t, s,
		`<p class="decision">`+"", sentence,
		`<div class="kpi bad"><span class="v">≈ 45</span><span class="l">host-minutes a month predicted over the ceiling (range 30–60); 6 over 100 % of capacity (range 0–12)</span></div>`,
		`<a href="#predicted-risk">Predicted risk</a>`)
	risks := s[strings.Index(s, `<section id="risks">`):]
	checkContains(t, risks,
		`<p class="note"><strong class="over">Expect about 6 host-minutes a month over 100 % of capacity (range 0–12), and 45 over the ceiling (range 30–60).</strong>`)
	pr := section(t, s, "predicted-risk")
	checkContains(t, pr,
		`<tr><td>over the ceiling</td><td class="n">45</td><td class="n">30</td><td class="n">60</td></tr>`,
		`<tr><td>over 100 % of capacity</td><td class="n over">6</td><td class="n">0</td><td class="n">12</td></tr>`,
		"The worst overload any origin saw: 7.5 % over usable capacity. Method: rolling origin: plan on the weeks before a week boundary, replay the week after; host-minutes per 30 days.</p>",
		// Origins: dates at UTC midnight, minutes rounded (2.8 → 3).
		`<tr><td>2024-02-26</td><td>2024-03-04</td><td class="n">7.0</td><td class="n">7.0</td><td class="n">2</td><td class="n">7</td><td class="n">0</td><td class="n">2.5</td></tr>`,
		`<tr><td>2024-03-04</td><td>2024-03-11</td><td class="n">14.0</td><td class="n">7.0</td><td class="n">2</td><td class="n">14</td><td class="n">3</td><td class="n">7.5</td></tr>`)

	// Nothing over capacity: no note in the Risks, a plain key figure; one
	// origin says so in the sentence and shows the note.
	in := normalInput()
	r := &in.Plan.Risk
	r.OverCapacityMinutesPerMonth = model.RiskRange{}
	r.Origins = r.Origins[1:]
	r.Note = "one origin only: the range is that origin's figure"
	s = string(render(t, in))
	checkContains(t, s,
		"Expect about 45 host-minutes a month over the ceiling (range 30–60) and 0 over 100% of capacity (range 0–0), predicted by replaying 7.0 days of the data against a plan made on the days before them (see Risks).",
		`<div class="kpi"><span class="v">≈ 45</span>`,
		`<span class="w">one origin only: the range is that origin&#39;s figure.</span>`)
	checkLacks(t, s, `<strong class="over">Expect about`)

	// No origin: the note says why, in the decision and the Risks.
	in = normalInput()
	in.Plan.Risk = model.RiskPrediction{Method: "rolling origin", Origins: []model.RiskOrigin{},
		Note: "no prediction: it needs at least 14 days of data (7 to plan on, 7 to replay)"}
	s = string(render(t, in))
	no := "No overload could be predicted for the month ahead: it needs at least 14 days of data (7 to plan on, 7 to replay)."
	checkContains(t, s, `<p class="decision">`, no, `<p class="note">`+no+" Method: rolling origin.</p>")
	checkLacks(t, s, "Expect about", `<span class="v">≈`)

	// A plan without risk (older kvmfit) says so and predicts nothing.
	in = normalInput()
	in.Plan.Risk = model.RiskPrediction{}
	s = string(render(t, in))
	checkContains(t, s, "This plan carries no risk prediction")
	checkLacks(t, s, "Expect about", "No overload could be predicted")
}

// TestPredictedVsActual: a backtest's prediction beside the replay of
// kvmfit's plan, both per 30 days.
func TestPredictedVsActual(t *testing.T) {
	s := string(render(t, normalInput()))
	// 35 and 2 host-minutes in 7 days: 150 and 8.57 a month.
	checkContains(t, s,
		"kvmfit's training plan predicted its overload from 2 rolling origins inside the training window; its replay on the test window (7.0 days with data)",
		`<tr><td>over the ceiling</td><td class="n">20</td><td class="n">10–30</td><td class="n">150</td><td class="n">35</td><td><span class="over">above the predicted range</span></td></tr>`,
		`<tr><td>over 100 % of capacity</td><td class="n">0</td><td class="n">0–0</td><td class="n">9</td><td class="n">2</td><td><span class="over">above the predicted range</span></td></tr>`)

	bt := BacktestFromModel(normalInput().Plan.Backtest)
	if bt.PredictedRisk == nil || bt.Methods[0].OverCapacityMinutes != 2 || bt.Methods[0].ObservedMinutes != 10080 {
		t.Fatalf("BacktestFromModel lost the prediction or the replay: %+v", bt)
	}
	// Without observed minutes the whole window counts; within the range.
	bt.Methods[0].ObservedMinutes, bt.TestDays = 0, 14
	bt.Methods[0].OverloadMinutes = 14 // 30 a month
	v := predictedVsActual(bt)
	if v == nil || v.Days != "14.0" || v.Rows[0].Actual != "30" || v.Rows[0].Over || !v.Rows[1].Over {
		t.Errorf("predicted vs actual %+v", v)
	}
	// No origin: the note.
	bt.PredictedRisk = &model.RiskPrediction{Note: "no prediction: too short"}
	if v := predictedVsActual(bt); v == nil || v.Origins != 0 || v.Note != "no prediction: too short" {
		t.Errorf("no origin: %+v", v)
	}
	// Nothing predicted: no line.
	bt.PredictedRisk = nil
	if v := predictedVsActual(bt); v != nil {
		t.Errorf("no prediction: %+v", v)
	}
	in := normalInput()
	in.Plan.Backtest.PredictedRisk = nil
	checkLacks(t, string(render(t, in)), "Predicted against actual")
}

// TestPlacement: the levelling paragraph and the hosts' planned peak
// utilisation per resource.
func TestPlacement(t *testing.T) {
	in := normalInput()
	s := string(render(t, in))
	h := in.Plan.Hosts[0].PeakUtilPct
	checkContains(t, s,
		"the servers were re-placed to level the load: 1 server changed host (1,234,567 work units). The highest planned peak utilisation over hosts and resources went from 92.5 % to 88.2 % of usable capacity.",
		"Objective: level the load: minimise the sum of squared peak utilisations",
		`<tr><td><a class="id" href="#host-001">kvm-01</a></td><td class="id">std-1u</td><td class="n">2</td><td class="n binding"><span>`+fmtFixed(h["cpu"], 1)+`</span></td><td class="n"><span>`+fmtFixed(h["mem"], 1)+`</span></td>`)
	// Over 100 %: marked; the highest of a host is its largest resource.
	in.Plan.Hosts[1].PeakUtilPct["disk_iops"] = 104.26
	s = string(render(t, in))
	checkContains(t, s, `<td class="n"><span class="over">104.3</span></td><td class="n"><span>`,
		`<td class="n"><span class="over">104.3</span></td><td>mem</td>`)
	in.Plan.Placement = model.Placement{Objective: "none", MaxUtilPctAfter: 97.5}
	checkContains(t, string(render(t, in)), "Levelling was off (objective “none”): the servers stay where the search put them; the highest planned peak utilisation over hosts and resources is 97.5 % of usable capacity.")
	in.Plan.Placement = model.Placement{}
	checkContains(t, string(render(t, in)), "This plan does not say how the load was spread over the hosts")
}

// TestEntitlementColumns: every server's vCPUs, CPU cap and evidence
// reserve in the server table, and the count of servers with a reserve in
// the summary.
func TestEntitlementColumns(t *testing.T) {
	in := normalInput()
	s := string(render(t, in))
	checkContains(t, s,
		// batch-01: 16 vCPUs × 2.205 = 35.28, 3 slots capped; 4/7 reserved.
		`<td class="n">16</td><td class="n" title="the most CPU its 16 vCPUs can use on the target host: 16 × 2100 / 1000 × 1.05 = 35.28 reference cores, plus its I/O CPU; 3 slots lowered">35.28 <span class="w">capped</span></td>`+
			`<td class="n" data-sort="0.5714" title="data for 43% of the fleet&#39;s span: 57% of what its vCPUs and memory could use and it did not show is reserved within its host&#39;s full capacity (CPU 12.50 reference cores, memory 6.0 GiB)">12.50 cores, 6.0 GiB</td>`,
		// db-01: 32 vCPUs, no reserve.
		`<td class="n">32</td><td class="n" title="the most CPU its 32 vCPUs can use on the target host: 32 × 2100 / 1000 × 1.05 = 70.56 reference cores, plus its I/O CPU; 0 slots lowered">70.56</td><td class="n" data-sort="0">—</td>`,
		"the cap lowered 3 slots of 1 server. Evidence reserve: 1 server has data for only part of the fleet&#39;s span, so the share of the span without data of what its vCPUs and memory could use and it did not show is kept free for it: 12.50 reference cores and 6.0 GiB in all")
	if e := entitlementOf(in.Plan); e.ReserveServers != 1 || e.CappedServers != 1 || e.CappedSlots != 3 || e.RefCores != "2.1" {
		t.Errorf("entitlement summary %+v", e)
	}
	// Two servers with reserves are summed; without a target score there
	// is no cap; with the reserve off the summary says so.
	in.Plan.ServerDetails[0].Analysis.Entitlement.EvidenceWeight = 0.5
	in.Plan.ServerDetails[0].Analysis.Entitlement.ReserveCPUCoresRef = 1.25
	if e := entitlementOf(in.Plan); e.ReserveServers != 2 || e.ReserveCPU != "13.75" || e.ReserveMem != "6.0" ||
		!strings.Contains(e.Text, "2 servers have data for only part of the fleet's span, so the share of the span without data of what their vCPUs and memory could use and they did not show is kept free for them: 13.75 reference cores and 6.0 GiB") {
		t.Errorf("two reserves: %+v", e)
	}
	in.Plan.Settings.TargetCoreScore, in.Plan.Settings.EvidenceReserve = 0, false
	for i := range in.Plan.ServerDetails {
		in.Plan.ServerDetails[i].Analysis.Entitlement = model.Entitlement{VCPUs: 4}
	}
	s = string(render(t, in))
	checkContains(t, s, "No CPU cap: the plan knows no target core score. Evidence reserve off",
		`<td class="n">4</td><td class="n">—</td><td class="n" data-sort="0">—</td>`)
}

// TestHostsForTheLoad: the headline compares the hosts the load needs with
// the baselines' hosts, both without spares, whatever saving the plan
// recorded; the spares are shown apart.
func TestHostsForTheLoad(t *testing.T) {
	in := normalInput()
	p := in.Plan
	spare := p.Hosts[1]
	spare.Name, spare.Servers, spare.Spare = "kvm-03", []string{}, true
	p.Hosts = append(p.Hosts, spare)
	p.HostsUsed, p.HostsWithoutHA = 3, 2
	p.SavingVsSumOfPeaksPct = 0 // 1 − 3/3: against the hosts to buy
	p.Baselines.SumOfPeaks.HostsUsed = 4
	s := string(render(t, in))
	checkContains(t, s,
		`<span class="v">4 → 2 + 1</span>`,
		`<span class="v">50.0 %</span><span class="l">fewer hosts for the load than sum of peaks: 2 against 4 (spares apart)</span>`,
		"Buy 3 × std-1u for 3 servers (1.5 per host): 2 hosts for the load &#43; 1 spare (N&#43;1).",
		"Sizing every server at its own peak would need 4 hosts for the load against these 2 (spares apart), 100% more: sizing on the time-aligned sum saves 50.0% of the hosts.")
	// The chart stacks the same split.
	checkContains(t, s, `"name":"hosts for the load"`, `"name":"HA spares"`)

	for _, c := range []struct {
		used, withoutHA, spares, wantLoad int
	}{
		{3, 2, 1, 2},
		{3, 0, 1, 2}, // no hosts_without_ha: the hosts marked spare
		{3, 0, 0, 3},
		{2, 3, 0, 2}, // inconsistent: at most the hosts used
	} {
		p := &model.Plan{HostsUsed: c.used, HostsWithoutHA: c.withoutHA}
		for i := range c.used {
			p.Hosts = append(p.Hosts, model.PlanHost{Spare: i >= c.used-c.spares})
		}
		if load, spares := loadAndSpares(p); load != c.wantLoad || spares != c.used-c.wantLoad {
			t.Errorf("%+v: load %d + %d spares, want %d", c, load, spares, c.wantLoad)
		}
	}
	if got := savingPct(7, 11); got != "36.4" {
		t.Errorf("savingPct(7, 11) = %s, want 36.4", got)
	}
	if got := savingPct(7, 0); got != "" {
		t.Errorf("savingPct without a baseline = %q", got)
	}
}
