package report

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

// periodsMessage is what the model says of two periods that do not overlap.
const periodsMessage = "The data covers two periods that do not overlap: 2 servers 2024-03-04..2024-03-11 and 1 server 2026-12-01..2026-12-03 — their peaks cannot be aligned; the saving is not meaningful across them."

// withInputIssues is the normal plan with three input issues: periods
// that do not overlap (web-01, db-01), CPU missing for batch-01 and an
// assumed time zone for db-01 and a server the plan does not list.
func withInputIssues() Input {
	in := normalInput()
	in.Plan.InputIssues = []model.InputIssue{
		{Kind: "time_zone", Servers: []string{"db-01", "gone-01"}, Message: "nmon times of db-01 and gone-01 were read as UTC: nobody said their zone (use --tz)"},
		{Kind: "missing_resource", Servers: []string{"batch-01"}, Message: "batch-01 has no cpu data: sized from its inventory (16 cores), not as 0."},
		{Kind: "periods", Servers: []string{"web-01", "db-01"}, Message: periodsMessage},
	}
	return in
}

// TestInputIssues: the decision paragraph says every input issue in the
// model's words, the ones that make the figures wrong in red, ordered by
// kind (periods first); the Risks section lists them with their servers
// linked, and the risk count names them.
func TestInputIssues(t *testing.T) {
	s := string(render(t, withInputIssues()))
	d := decisionOf(t, s)
	checkContains(t, d,
		`<strong class="over">The data covers two periods that do not overlap: 2 servers 2024-03-04..2024-03-11 and 1 server 2026-12-01..2026-12-03 — their peaks cannot be aligned; the saving is not meaningful across them.</strong>`,
		`<strong class="over">batch-01 has no cpu data: sized from its inventory (16 cores), not as 0.</strong>`,
		// An assumed zone is doubt, not an error: plain, with a full stop.
		` nmon times of db-01 and gone-01 were read as UTC: nobody said their zone (use --tz). Virtualisation costs`,
		"1 period that does not overlap the others; 1 resource without data; 1 assumed time zone;")
	if i, j := strings.Index(d, "two periods"), strings.Index(d, "has no cpu data"); i < 0 || j < i {
		t.Error("the periods do not come first in the decision")
	}
	// Before the rest of the plan: right after what to buy and the data.
	if i, j := strings.Index(d, "two periods"), strings.Index(d, "Virtualisation costs"); j < i {
		t.Error("the input issues come after the overhead")
	}
	checkContains(t, s, `<a href="#input-issues">Input data (3)</a>`)
	checkContains(t, section(t, s, "input-issues"),
		"Input data (3)",
		`<tr><td>period that does not overlap the others</td><td>`+strings.ReplaceAll(periodsMessage, "'", "&#39;")+`</td><td><a class="id" href="#server-0001">web-01</a>, <a class="id" href="#server-0003">db-01</a></td></tr>`,
		`<tr><td>resource without data</td><td>batch-01 has no cpu data: sized from its inventory (16 cores), not as 0.</td><td><a class="id" href="#server-0002">batch-01</a></td></tr>`,
		// A server the plan does not list is named, not linked.
		`<a class="id" href="#server-0003">db-01</a>, <span class="id">gone-01</span>`)
	checkContains(t, section(t, s, "risk-list"),
		`<li><a href="#input-issues"><span class="over">1 period that does not overlap the others</span></a></li>`,
		`<li><a href="#input-issues">1 assumed time zone</a></li>`)

	// Five duplicates: the decision says three and counts the rest; the
	// Risks section lists all five.
	in := normalInput()
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		in.Plan.InputIssues = append(in.Plan.InputIssues, model.InputIssue{Kind: "duplicate", Servers: []string{id + "-1", id + "-2"}, Message: id + " was imported twice; merged."})
	}
	s = string(render(t, in))
	d = decisionOf(t, s)
	checkContains(t, d, `<strong class="over">c was imported twice; merged.</strong> 2 more duplicate servers (see Risks).`, "5 duplicate servers;")
	checkLacks(t, d, "d was imported", "e was imported")
	checkContains(t, section(t, s, "input-issues"), "Input data (5)", "e was imported twice; merged.", `<span class="id">e-1</span>, <span class="id">e-2</span>`)

	// Without issues the section says so, and the decision has none.
	s = string(render(t, normalInput()))
	checkContains(t, section(t, s, "input-issues"), "Input data (0)", "Nothing in the input data was found wrong")
	checkLacks(t, decisionOf(t, s), "period", "time zone")
}

// TestInputIssuesHostile: the model's messages and the servers' names are
// escaped in the decision and in the Risks section; an issue of a kind the
// report does not know is still shown and counted.
func TestInputIssuesHostile(t *testing.T) {
	in := hostileInput()
	web := in.Plan.ServerDetails[0].ID
	in.Plan.InputIssues = []model.InputIssue{
		{Kind: "duplicate", Servers: []string{web, hostileAttr}, Message: "server " + hostileScript + " was imported twice"},
		{Kind: hostileAttr, Message: hostileQuote},
	}
	html := render(t, in)
	checkPage(t, html)
	js, _ := echartsInline()
	s := strings.Replace(string(html), js, "", 1) // the library holds markup in strings
	const script = "&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;"
	const attr = "&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;"
	checkContains(t, decisionOf(t, s),
		`<strong class="over">server `+script+` was imported twice.</strong>`,
		"1 duplicate server; 1 input problem ("+attr+")")
	checkContains(t, section(t, s, "input-issues"),
		`<td>server `+script+` was imported twice.</td><td><a class="id" href="#server-0001">`+script+`</a>, <a class="id" href="#server-0002">`+attr+`</a></td>`,
		`<td>input problem (`+attr+`)</td><td>&#39;-(window.__pwned=1)-&#39;`,
		"the whole fleet")
	checkLacks(t, s, "<script>window.__pwned", `"><img`)
}

// tallyItems splits the decision's risk count into its items.
func tallyItems(t *testing.T, decision string) (head string, items []string) {
	t.Helper()
	m := regexp.MustCompile(`The Risks section lists (\d+ risks? of \d+ kinds?): ([^<]*)\.$`).FindStringSubmatch(decision)
	if m == nil {
		t.Fatalf("the decision does not count the risks: %q", decision[max(0, len(decision)-300):])
	}
	return m[1], strings.Split(m[2], "; ")
}

// listItems returns the texts of the Risks section's list.
func listItems(t *testing.T, s string) (head string, items []string) {
	t.Helper()
	l := section(t, s, "risk-list")
	m := regexp.MustCompile(`>(\d+ risks? of \d+ kinds?), each below`).FindStringSubmatch(l)
	if m == nil {
		t.Fatalf("the Risks section has no count: %q", l)
	}
	for _, li := range regexp.MustCompile(`<li><a href="#[a-z-]+">(?:<span class="over">)?(.*?)(?:</span>)?</a></li>`).FindAllStringSubmatch(l, -1) {
		items = append(items, li[1])
	}
	return m[1], items
}

// TestRiskCount: a host at 90.7 % of its usable disk MB/s is a storage
// latency risk in the Risks section, so the summary counts it; the
// summary's count and the Risks section's list are the same list, item
// for item.
func TestRiskCount(t *testing.T) {
	in := normalInput()
	p := in.Plan
	p.Hosts[0].PeakUtilPct["disk_bytes"] = 90.7
	p.Hosts[1].PeakUtilPct["cpu"] = 104.25
	s := string(render(t, in))
	d := decisionOf(t, s)
	// By hand: 1 unplaced, 1 failing scenario, the predicted overload, 1
	// host above its ceiling, 1 host at storage risk, 1 server without a
	// storage figure, 1 saturated, 1 low-confidence, the replay's overload
	// and 3 warnings: 12 risks of 10 kinds.
	head, items := tallyItems(t, d)
	want := []string{
		"1 unplaced server",
		"N&#43;1 fails in 1 of 2 failure scenarios",
		"overload predicted for the month ahead (about 45 host-minutes over the ceiling, 6 over 100 % of capacity)",
		"1 host planned above the ceiling",
		"1 host at storage latency risk (disk at 80 % of usable or more)",
		"1 server without a storage figure (counted as 0 bytes)",
		"1 CPU-saturated server (true demand unknown)",
		"1 server with low-confidence data",
		"overload in the replay of later data (35 host-minutes over a ceiling)",
		"3 warnings of 3 kinds",
	}
	if head != "12 risks of 10 kinds" || strings.Join(items, "\n") != strings.Join(want, "\n") {
		t.Errorf("decision counts %s:\n%s\nwant 12 risks of 10 kinds:\n%s", head, strings.Join(items, "\n"), strings.Join(want, "\n"))
	}
	lhead, litems := listItems(t, s)
	if lhead != head || strings.Join(litems, "\n") != strings.Join(items, "\n") {
		t.Errorf("the Risks section lists %s:\n%s\nthe summary %s:\n%s", lhead, strings.Join(litems, "\n"), head, strings.Join(items, "\n"))
	}
	checkContains(t, s, `<a href="#risks">Risks (12)</a>`)
	checkContains(t, section(t, s, "storage"), "Storage latency (1 host at risk)", `<td class="n">90.7</td><td><span class="over">latency risk</span>`)
	checkContains(t, section(t, s, "over-ceiling"), "Hosts planned above the ceiling (1)",
		`<tr><td><a class="id" href="#host-002">kvm-02</a></td><td class="over">cpu 104.2 %</td></tr>`)
	checkLacks(t, section(t, s, "over-ceiling"), "kvm-01")

	// Every server placed and nothing else wrong: the summary says so.
	q := &model.Plan{FormatVersion: 1, Servers: 1, HostType: "std-1u", HostsUsed: 1, HostsWithoutHA: 1, LowerBound: 1, ConsolidationRatio: 1,
		Grid:        model.PlanGrid{DataStart: "2024-03-04T00:00:00Z", DataEnd: "2024-03-18T00:00:00Z", StepSec: 300, Profile: "day", Slots: slots},
		Assignments: []model.Assignment{{Server: "a", Host: "h1"}},
		Hosts:       []model.PlanHost{{Name: "h1", Type: "std-1u", Servers: []string{"a"}, PeakUtilPct: model.DimValues{"cpu": 50, "disk_iops": 10}}},
		HA:          model.HAReport{Level: 1, Holds: true, Scenarios: []model.FailureScenario{{Failed: []string{"h1"}, OK: true}}},
		Settings:    model.DefaultSettings.Clone()}
	s = string(render(t, Input{Plan: q}))
	checkContains(t, decisionOf(t, s), "Every server is placed. The Risks section lists no risk.")
	checkContains(t, s, `<p id="risk-list">No risk is listed below.</p>`, `<a href="#risks">Risks (0)</a>`)
}

// TestVocabulary: a vCPU is a guest's virtual CPU, and a server's vCPUs
// today are its logical CPUs: a 12-core, 24-thread server shows 12 cores
// and 24 vCPUs, never "vCPU today 12"; right-sized vCPUs say what one is;
// the vCPU:pCPU sweep says it counts guest vCPUs per physical host core;
// a glossary defines the words, linked from the navigation.
func TestVocabulary(t *testing.T) {
	in := normalInput()
	p := in.Plan
	r := &p.ServerDetails[0].Analysis.Rightsize // web-01
	r.CurrentCores, r.CurrentVCPUs = 12, 24
	// A plan made before current_vcpus: the entitlement's vCPUs stand in
	// (db-01: 32), never the cores.
	p.ServerDetails[2].Analysis.Rightsize.CurrentVCPUs = 0
	s := string(render(t, in))
	h := s[strings.Index(s, `<section id="hosts">`):strings.Index(s, `<section id="risks">`)]
	checkContains(t, h,
		`<th class="n">physical cores today</th><th class="n">vCPUs today (logical CPUs)</th><th class="n" title="each one core of the target host = 2.1 reference cores">vCPUs right-sized</th>`,
		`<a class="id" href="#server-0001">web-01</a></td><td>windows</td><td class="n">12</td><td class="n">24</td><td class="n down">4</td>`,
		`<a class="id" href="#server-0003">db-01</a></td><td>linux</td><td class="n">16</td><td class="n">32</td><td class="n down">4</td>`)
	checkLacks(t, s, "vCPU today<", "vCPU right-sized<", ":1 vCPU<", "host reserve, cores<")
	checkContains(t, s,
		// The server table compares vCPUs with vCPUs.
		`<th class="n">vCPUs today → right-sized</th>`, `>24 → <span class="down">4</span>`,
		"a right-sized vCPU is one core of the target host = 2.1 reference cores (see Glossary)",
		// The sweep.
		"<td>2 guest vCPUs per host core</td>",
		"the guests&#39; vCPUs (the servers&#39; logical CPUs today) per physical core of the host, after the host reserve",
		`<th class="n">host reserve, physical cores</th>`)
	// Without a target core score a right-sized vCPU is a reference core.
	in = normalInput()
	in.Plan.Settings.TargetCoreScore = 0
	checkContains(t, string(render(t, in)), `title="each one reference core">vCPUs right-sized</th>`)

	checkContains(t, s, `<a href="#glossary">Glossary</a>`)
	g := section(t, s, "glossary")
	for _, term := range []string{"vCPU", "core", "thread", "reference core", "hosts for the load", "spare", "lower bound", "sum of peaks", "coincidence", "ceiling", "overhead"} {
		if !strings.Contains(g, ">"+term+"</dt>") {
			t.Errorf("the glossary does not define %q", term)
		}
	}
	checkContains(t, g,
		"A server's vCPUs today are its logical CPUs", "A right-sized vCPU is one core of the target host = 2.1 reference cores",
		"one core scoring 1000 on kvmfit", "about 1.25 cores of work",
		"Hosts to buy = hosts for the load + spares.")
}

// TestHeadlinesLikeWithLike: 100 servers on 7 hosts for the load and 1
// spare; sum of peaks 11 and P95 × 1.3 13 hosts for the load. Every
// headline compares hosts for the load with hosts for the load and says
// so: 36.4 % = 1 − 7/11, 46.2 % = 1 − 7/13.
func TestHeadlinesLikeWithLike(t *testing.T) {
	in := normalInput()
	p := in.Plan
	p.Servers, p.HostsUsed, p.HostsWithoutHA, p.LowerBound, p.ConsolidationRatio = 100, 8, 7, 6, 12.38
	p.Baselines.SumOfPeaks.HostsUsed, p.Baselines.PercentileComfort.HostsUsed = 11, 13
	s := string(render(t, in))
	k := s[strings.Index(s, `<div class="kpis">`):]
	k = k[:strings.Index(k, "<p>")]
	checkContains(t, k,
		`<span class="v">100 → 7 + 1</span><span class="l">servers → hosts of <span class="id">std-1u</span>: 7 for the load + 1 spare (N+1), 8 to buy</span>`,
		`<span class="v">12.4</span><span class="l">servers per host to buy (spares included)</span>`,
		`<span class="v">36.4 %</span><span class="l">fewer hosts for the load than sum of peaks: 7 against 11 (spares apart)</span>`,
		`<span class="v">46.2 %</span><span class="l">fewer hosts for the load than per-VM P95 × 1.3: 7 against 13 (spares apart)</span>`,
		`<span class="v">6</span><span class="l">hosts for the load at least (lower bound; spares apart)</span>`)
	checkLacks(t, k, "than sum of peaks (11)", "hosts at least (lower bound)</span>")
	checkContains(t, decisionOf(t, s),
		"Buy 8 × std-1u for 99 servers (12.4 per host): 7 hosts for the load &#43; 1 spare (N&#43;1).",
		"No plan can use fewer than 6 hosts for the load (the lower bound): this one is at most 16.7% above the best possible, so at most 1 more could be saved.",
		"Sizing every server at its own peak would need 11 hosts for the load against these 7 (spares apart)")
	checkContains(t, s, `<th class="n">hosts to buy (with HA spares)</th><th class="n">hosts for the load</th><th class="n">lower bound, hosts for the load</th><th class="n">sum of peaks, hosts for the load</th>`)
}

// TestDataConfidence: the first paragraph says how much data the plan
// stands on, against min_days (2) and recommended_days (7): 3 minutes is
// a guess (in red, and the key figure in red), 3 days a first estimate,
// 7 days enough; without servers' figures the grid's span is used.
func TestDataConfidence(t *testing.T) {
	for _, c := range []struct {
		days             float64
		want, card       string
		loud, badCard    bool
		insufficientSrvs int
	}{
		{3.0 / 1440, "Built from 3 minutes of data per server (median): a guess, below the 2 days kvmfit needs at least (min_days); collect more before buying; data confidence 5 of 5 stars (81.0% of the expected data points); 4 servers have less than 2 days.",
			"3 minutes of data per server: a guess", true, true, 4},
		{3, "Built from 3.0 days of data per server (median): a first estimate, below the 7 days recommended (recommended_days); data confidence 5 of 5 stars",
			"3.0 days of data per server: a first estimate", false, false, 0},
		{7, "Built from 7.0 days of data per server (median): enough to plan on; data confidence 5 of 5 stars",
			"7.0 days of data per server: enough to plan on", false, false, 0},
	} {
		in := normalInput()
		for i := range in.Plan.ServerDetails {
			in.Plan.ServerDetails[i].Analysis.Confidence.Days = c.days
		}
		in.Plan.Fleet.Confidence.Insufficient = c.insufficientSrvs
		s := string(render(t, in))
		d := decisionOf(t, s)
		checkContains(t, d, c.want)
		if got := strings.Contains(d, `<strong class="over">Built from`); got != c.loud {
			t.Errorf("%g days: loud %v, want %v", c.days, got, c.loud)
		}
		// Straight after what to buy and the lower bound.
		if i, j := strings.Index(d, "could be saved."), strings.Index(d, "Built from"); i < 0 || j < i || j > i+len("could be saved. <strong class=\"over\">")+1 {
			t.Errorf("%g days: the confidence does not follow the lower bound", c.days)
		}
		bad := ""
		if c.badCard {
			bad = " bad"
		}
		checkContains(t, s, `<div class="kpi`+bad+`"><span class="v stars">★★★★★</span><span class="l">data confidence: 81.0 % of the expected data points; `+c.card+`</span></div>`)
		checkLacks(t, d, "Data confidence 5 of 5 stars")
	}
	// No server figures: the grid's span, 2024-03-04 to 2024-03-04 12:00.
	p := &model.Plan{Servers: 1, Settings: model.DefaultSettings.Clone(),
		Grid: model.PlanGrid{DataStart: "2024-03-04T00:00:00Z", DataEnd: "2024-03-04T12:00:00Z", StepSec: 300, Profile: "day", Slots: slots}}
	if v := dataConfidence(p); v.Sentence != "Built from 12.0 hours of data: a guess, below the 2 days kvmfit needs at least (min_days); collect more before buying." || !v.Guess {
		t.Errorf("grid span: %+v", v)
	}
	for _, c := range []struct {
		days float64
		want string
	}{{1.0 / 1440, "1 minute"}, {59.0 / 1440, "59 minutes"}, {1.5 / 24, "1.5 hours"}, {1.99, "47.8 hours"}, {2, "2.0 days"}, {14.25, "14.2 days"}} {
		if got := fmtSpan(c.days); got != c.want {
			t.Errorf("fmtSpan(%g) = %q, want %q", c.days, got, c.want)
		}
	}
}
