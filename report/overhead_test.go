package report

import (
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

// decisionOf returns the decision paragraph of page s.
func decisionOf(t *testing.T, s string) string {
	t.Helper()
	i := strings.Index(s, `<p class="decision">`)
	if i < 0 {
		t.Fatal("no decision paragraph")
	}
	return s[i : i+strings.Index(s[i:], "</p>")]
}

// TestOverhead: plan.json overhead (addOverheadAndStorage) in the
// decision, the key figures, the overhead section and the host sections.
func TestOverhead(t *testing.T) {
	s := string(render(t, normalInput()))
	checkContains(t, decisionOf(t, s),
		"5 of 5 stars (81.0% of the expected data points). Virtualisation costs 1 of the 2 hosts: without it (bare metal) the load would need 1. N&#43;1")
	checkContains(t, s,
		`<div class="kpi"><span class="v">1 host</span><span class="l">what virtualisation (<span class="id">kvm-virtio</span>) costs against none; it takes 9.62 ref. cores and 16.75 GiB in all, per-VM overhead at the fleet's CPU peak and the hosts' reserves (see Overhead)</span></div>`,
		`<a href="#overhead">Overhead</a>`)
	o := s[strings.Index(s, `<section id="overhead">`):strings.Index(s, `<section id="storage-capacity">`)]
	checkContains(t, o,
		`<p><strong>Virtualisation costs 1 of the 2 hosts: without it (bare metal) the load would need 1.</strong></p>`,
		// The fleet at its CPU peak (slot 168 of 5 minutes): 0.9 + 0.22 +
		// 8.5 reference cores, 0.75 + 16 GiB.
		`<tr><td>the fleet (2 hosts)</td><td>14:00–14:05 UTC, the fleet's CPU peak</td><td class="n">0.90</td><td class="n">0.22</td><td class="n">0.75</td><td class="n">8.50</td><td class="n">16.00</td><td class="n">9.62</td><td class="n">16.75</td><td class="n">12.0</td><td class="n">3.3</td></tr>`,
		// Each host reserves 4.25 reference cores and 8 GiB.
		`<tr><td><a class="id" href="#host-001">kvm-01</a></td><td>14:00–14:05 UTC</td><td class="n">0.55</td><td class="n">0.20</td><td class="n">0.50</td><td class="n">4.25</td><td class="n">8.00</td><td class="n">5.00</td><td class="n">8.50</td><td class="n">12.5</td><td class="n">3.3</td></tr>`,
		`<tr><td><a class="id" href="#host-002">kvm-02</a></td><td>11:00–11:05 UTC</td><td class="n">0.45</td><td class="n">0.05</td><td class="n">0.25</td><td class="n">4.25</td><td class="n">8.00</td><td class="n">4.75</td><td class="n">8.25</td><td class="n">11.9</td><td class="n">3.2</td></tr>`,
		"the virtualisation layer's own disk IOPS and bytes/s are not modelled; the CPU its I/O costs is counted as host CPU",
		// The presets, the plan's marked.
		`<tr class="chosen"><td class="id">kvm-virtio</td><td class="n">× 1.05</td><td class="n">30.10</td><td class="n">160.0</td><td class="n">2</td><td class="n">8.0</td><td class="n">2</td><td class="n">1</td><td class="n">0</td><td>◀ the plan's preset</td></tr>`,
		`<tr><td class="id">kvm-emulated</td><td class="n">× 1.2</td><td class="n">34.40</td><td class="n">160.0</td><td class="n">2</td><td class="n">8.0</td><td class="n">2</td><td class="n">2</td><td class="n">0</td><td></td></tr>`,
		`<tr><td class="id">none (bare metal)</td><td class="n">× 1</td><td class="n">28.60</td><td class="n">152.0</td><td class="n">0</td><td class="n">0.0</td><td class="n">1</td><td class="n">1</td><td class="n">0</td><td></td></tr>`,
		`<p class="meta">each preset packed with the constructive heuristics only.</p>`,
		`<p class="meta">Method: per-VM overhead at the CPU peak:`)
	checkLacks(t, o, "badge spare", "No comparison of the presets")
	checkContains(t, s, `Virtualisation takes 5.00 ref. cores (12.5 % of the host's CPU) and 8.50 GiB (3.3 % of its memory) here, of which the host reserve is 4.25 ref. cores and 8.00 GiB (see Overhead).`)

	// A spare is marked, and without guests it has no CPU peak; no
	// presets: the note says why, and no key figure claims a host count; a
	// modelled disk overhead is shown.
	in := normalInput()
	in.Plan.Hosts[1].Spare, in.Plan.Hosts[1].Servers = true, nil
	ov := &in.Plan.Overhead
	ov.Presets, ov.HostsCost = nil, -1
	ov.PresetsNote = "not compared: the fleet has more than 2,000 servers"
	ov.Fleet.DiskIOPS, ov.Fleet.DiskBytesPerSec = 1500, 2.5e7
	s = string(render(t, in))
	o = s[strings.Index(s, `<section id="overhead">`):strings.Index(s, `<section id="storage-capacity">`)]
	checkContains(t, o,
		`<a class="id" href="#host-002">kvm-02</a> <span class="badge spare">HA spare</span></td><td>—</td>`,
		`<p>No comparison of the presets: not compared: the fleet has more than 2,000 servers.</p>`,
		"Disk: the virtualisation layer adds 1,500 IOPS and 25.0 MB/s of its own.")
	checkLacks(t, o, `<a class="id" href="#host-001">kvm-01</a> <span class="badge spare">`, "◀ the plan's preset", "not modelled")
	checkLacks(t, s, "what virtualisation (")

	// A plan made before the overhead was computed says so.
	in = normalInput()
	in.Plan.Overhead = model.Overhead{}
	s = string(render(t, in))
	checkContains(t, s, "This plan carries no overhead figures")
	checkLacks(t, s, "Virtualisation costs", "Virtualisation takes", "what virtualisation (")
}

// TestStorage: plan.json storage (addOverheadAndStorage): fleet figures,
// where the used bytes came from, the servers without a figure as a risk,
// local storage per host, the server table's columns.
func TestStorage(t *testing.T) {
	s := string(render(t, normalInput()))
	st := s[strings.Index(s, `<section id="storage-capacity">`):strings.Index(s, `<section id="hosts">`)]
	checkContains(t, st,
		"each VM's disks take its used bytes × 1.25 (growth and thin provisioning)",
		"under a fill ceiling of 85 % of the hosts' local storage",
		// 2,300, 2,120 and 2,150 GiB in TB.
		`<tr><td>provisioned today</td><td class="n">2.47</td>`,
		`<tr><td>used today</td><td class="n">2.28</td>`,
		`<tr><td>after the move</td><td class="n">2.31</td>`,
		`<tr><td>metric</td><td class="n">1</td>`, `<tr><td>inventory</td><td class="n">1</td>`, `<tr><td>provisioned</td><td class="n">1</td>`,
		`<tr><td class="over">unknown</td><td class="n over">1</td>`,
		`<strong class="over">1 server has no storage figure: the plan holds no disk space for it.</strong> <a class="id" href="#server-0004">huge-01</a>.`,
		// 150 GiB and 2,000 GiB of 3.264 TB.
		`<tr><td><a class="id" href="#host-001">kvm-01</a></td><td class="n">2</td><td class="n">0.16</td><td class="n">3.26</td><td class="n"><span>4.9</span></td><td></td></tr>`,
		`<tr><td><a class="id" href="#host-002">kvm-02</a></td><td class="n">1</td><td class="n">2.15</td><td class="n">3.26</td><td class="n"><span>65.8</span></td><td></td></tr>`,
		"<p class=\"meta\">Method: each VM&#39;s disks take its used bytes × the growth factor")
	checkLacks(t, st, "storage-pool", "hold more than")
	checkContains(t, section(t, s, "storage-unknown"), "Storage capacity (1 server without a figure)", `<a class="id" href="#server-0004">huge-01</a>`)
	checkContains(t, s,
		`<div class="kpi bad"><span class="v">2.28 → 2.31 TB</span><span class="l">storage used today → placed after (× 1.25); 1 server without a figure (see Storage)</span></div>`,
		`<th class="n">peak net MB/s</th><th class="n">disks today, GiB</th><th class="n">used today, GiB</th><th class="n">disks after, GiB</th><th>used from</th>`,
		`<td class="n">200</td><td class="n">80</td><td class="n">100</td><td>metric</td>`,
		`<td class="n">2,000</td><td class="n">2,000</td><td class="n">2,000</td><td>provisioned</td>`,
		`<td class="n">0</td><td class="n">0</td><td class="n">0</td><td><span class="over">unknown</span></td>`,
		"VM disks: 2.15 TB of 3.26 TB usable local storage, <span>65.8 % full</span>.")
	checkLacks(t, decisionOf(t, s), "Storage capacity")

	// kvm-02's disks outgrow its storage: the decision says so, loudly.
	in := normalInput()
	in.Plan.Hosts[1].StorageBytes = 4e12
	in.Plan.Candidates[0].StorageFits = false
	s = string(render(t, in))
	checkContains(t, decisionOf(t, s),
		`Virtualisation costs 1 of the 2 hosts: without it (bare metal) the load would need 1. <strong class="over">Storage capacity: the fleet&#39;s VM disks do not fit the storage of std-1u; 1 host is over its storage capacity (see Storage).</strong> N&#43;1`)
	checkContains(t, s,
		`<td class="n">4.00</td><td class="n">3.26</td><td class="n"><span class="over">122.5</span></td>`,
		`<strong class="over">1 host holds more than its storage.</strong>`,
		`<strong class="over">1 host holds more VM disks than its local storage</strong>`,
		`<td><span class="over">do not fit</span> <span class="desc">local storage</span></td>`)

	// A plan made before storage was sized: no section figures, no
	// columns, and its candidates' zero storage_fits means nothing.
	in = normalInput()
	in.Plan.Storage = model.StoragePlan{}
	s = string(render(t, in))
	checkContains(t, s, "This plan carries no storage figures")
	checkLacks(t, s, "disks today, GiB", `id="storage-unknown"`, "do not fit", "Storage capacity:", "TB</span><span class=\"l\">storage used")
}

// TestStoragePool: a SAN plan reports the pool the array must provide; an
// unpriced new pool makes the cost not comparable, loudly.
func TestStoragePool(t *testing.T) {
	in := normalInput()
	p := in.Plan
	p.HostType = "big-2u"
	p.Candidates[0].Chosen, p.Candidates[1].Chosen = false, true
	p.Candidates[1].CostExcludes = nil
	p.Storage.Local, p.Storage.HostType = false, "big-2u"
	p.Storage.Pool = &model.PoolNeed{Name: "array-a", NeedBytes: 2.7e12, NeedIOPS: 1200, NeedBytesPerSec: 4.5e7,
		HaveBytes: 2e12, HaveIOPS: 50000}
	for i := range p.Hosts {
		p.Hosts[i].StorageCapacityBytes = 0
	}
	s := string(render(t, in))
	d := decisionOf(t, s)
	checkContains(t, d,
		`<strong class="over">Storage capacity: the storage pool array-a does not fit the plan: it needs 2.70 TB of capacity against the 2.00 TB it has (see Storage).</strong>`,
		`<strong class="over">The cost of big-2u excludes the new storage pool array-a, which has no price in the catalog: not comparable on cost alone with host models whose price includes it (see Host models compared).</strong>`)
	st := s[strings.Index(s, `<section id="storage-capacity">`):strings.Index(s, `<section id="hosts">`)]
	checkContains(t, st,
		`under a fill ceiling of 85 % of the pool's capacity`,
		`<h3 id="storage-pool">The pool the array must provide: <span class="id">array-a</span></h3>`,
		`<tr><td>capacity, TB</td><td class="n">2.70</td><td class="n">2.00</td><td><span class="over">short</span></td></tr>`,
		`<tr><td>IOPS</td><td class="n">1,200</td><td class="n">50,000</td><td><span class="ok">enough</span></td></tr>`,
		`<tr><td>throughput, MB/s</td><td class="n">45.0</td><td class="n">unknown</td><td><span class="w">not known</span></td></tr>`,
		`<span class="badge bad">does not fit</span> <strong class="over">A new pool with no price in the catalog: its cost is not in the comparison of the host models.</strong>`)
	checkLacks(t, st, "Local storage per host")
	checkContains(t, section(t, s, "storage-unknown"), `<strong class="over">The storage pool <span class="id">array-a</span> does not fit the plan</strong>`)

	// An existing pool that fits costs nothing new and raises nothing.
	p.Storage.Pool.HaveBytes, p.Storage.Pool.Fits, p.Storage.Pool.Existing = 5e12, true, true
	s = string(render(t, in))
	checkContains(t, s, `<span class="badge ok">fits</span> An existing pool: it adds no cost.`,
		`<td class="n">0 <span class="desc">existing pool</span></td>`)
	checkLacks(t, decisionOf(t, s), "Storage capacity", "not comparable", "<strong")
	// A new priced one is in the cost.
	p.Storage.Pool.Existing, p.Storage.Pool.Price = false, 60000
	s = string(render(t, in))
	checkContains(t, s, "A new pool, priced 60,000 (catalog currency), in the chosen model's cost.")
}

// TestCandidateCosts: what each price covers, the cost's parts, and the
// marker and footnote of a cost that leaves out what others include.
func TestCandidateCosts(t *testing.T) {
	s := string(render(t, normalInput()))
	c := s[strings.Index(s, `<section id="candidates">`):strings.Index(s, `<h3 id="sensitivity">`)]
	checkContains(t, c,
		`<th class="n">hardware (capex)</th><th class="n">energy</th><th class="n">licences</th><th class="n">storage pool</th><th class="n">total cost</th>`,
		`<td class="nowrap" title="1U, 2 × 16 cores, 256 GiB, 2 × 3.84 TB NVMe in RAID 1"><span class="id">std-1u</span></td>`,
		// 24,000 + 7,008 + 3,000 = 34,008; no pool.
		`<td class="n">24,000</td><td class="n">7,008</td><td class="n">3,000</td><td class="n">—</td><td class="n">34,008</td>`,
		`<td class="covers"><span class="desc">1U, 2 × 16 cores, 256 GiB, 2 × 3.84 TB NVMe in RAID 1</span>includes chassis, CPUs, memory, local NVMe, 5 years of support</td>`,
		// 35,000 + 5,256.4 + 1,500 = 41,756.4, the array unpriced.
		`<td class="n">35,000</td><td class="n">5,256</td><td class="n">1,500</td><td class="n"><span class="over">no price</span></td><td class="n">41,756 <span class="mark" title="not comparable on cost: excludes the storage array array-a (new, no price in the catalog)">†</span></td>`,
		`<span class="desc">2U, 4 × 20 cores, 1 TiB, disks on the SAN</span>includes chassis, CPUs, memory; <span class="w">excludes the SAN array</span></td>`,
		`<td>fit <span class="desc">on the pool <span class="id">array-a</span></span></td>`,
		`<p class="note"><strong class="over">† Not comparable on cost:</strong> the cost of <span class="id">big-2u</span> excludes the storage array array-a (new, no price in the catalog).`)
	checkLacks(t, c, "rack space</th>")
	checkContains(t, decisionOf(t, s),
		`total 34,008 (catalog currency); 4 rack units. <strong class="over">The cost of big-2u excludes the storage array array-a (new, no price in the catalog): not comparable on cost alone with host models whose price includes it (see Host models compared).</strong> Power:`)

	// Rack space priced; every cost covers the same: no marker, no
	// footnote, nothing loud.
	in := normalInput()
	for i := range in.Plan.Candidates {
		cd := &in.Plan.Candidates[i]
		cd.RackCost = 100 * float64(cd.RackUnitsTotal)
		cd.CostTotal += cd.RackCost
		cd.CostExcludes, cd.StoragePool, cd.PriceExcludes = nil, "", ""
	}
	in.Plan.Candidates[1].StorageFits = false
	s = string(render(t, in))
	c = s[strings.Index(s, `<section id="candidates">`):strings.Index(s, `<h3 id="sensitivity">`)]
	checkContains(t, c,
		`<th class="n">rack space</th><th class="n">licences</th><th class="n">total cost</th>`,
		`<td class="n">24,000</td><td class="n">7,008</td><td class="n">400</td><td class="n">3,000</td><td class="n">34,408</td>`,
		`<td><span class="over">do not fit</span> <span class="desc">local storage</span></td>`)
	checkLacks(t, c, "†", "Not comparable", "storage pool</th>", "excludes")
	checkContains(t, s,
		"Cost: capex 24,000 plus energy 7,008 over 5 years plus rack space 400 plus licences 3,000, total 34,408 (catalog currency)",
		"(capex 24,000 + energy 7,008 over 5 years + rack space 400 + licences 3,000)</span>")
	checkLacks(t, decisionOf(t, s), "<strong", "not comparable")
}

// TestOverheadStorageHostile: data strings of the new sections are
// escaped (hostileInput).
func TestOverheadStorageHostile(t *testing.T) {
	s := string(render(t, hostileInput()))
	const script = "&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;"
	const attr = "&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;"
	checkContains(t, s,
		// The candidate's description (title and text), price notes, the
		// exclusions (marker title, footnote, decision) and the pool.
		`<td class="nowrap" title="`+attr+`"><span class="id">`,
		`<td class="covers"><span class="desc">`+attr+`</span>includes `+script+`; <span class="w">excludes `+attr+`</span></td>`,
		`<span class="mark" title="not comparable on cost: excludes `+attr+`">†</span>`,
		`the cost of <span class="id">big-2u</span> excludes `+attr+`.`,
		`The cost of big-2u excludes `+attr+`: not comparable`,
		`on the pool <span class="id">`+script+`</span>`,
		// The overhead's summary (section and decision), method, note.
		`<p><strong>`+script+`.</strong></p>`,
		`of the expected data points). `+script+`. N&#43;1`,
		`<p class="meta">Method: `+attr+`.</p>`,
		`<p class="meta">`+script+`.</p>`,
		`(preset <span class="id">`+attr+`</span>)`,
		// The storage method and a server's source.
		`<p class="meta">Method: `+script+`.</p>`,
		`<td class="n">100</td><td>`+attr+`</td>`)
	for _, bad := range []string{`<span class="desc"><script`, `title=""><img`, `<strong><script`} {
		if strings.Contains(s, bad) {
			t.Errorf("page holds raw %q", bad)
		}
	}
}
