package report

import (
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// page is what the HTML template renders. Strings are plain text: the
// template escapes them. Only the fields of type template.JS and
// template.HTMLAttr are trusted, and they are built by this package.
type page struct {
	Title       string
	GeneratedBy string
	CSP         template.HTMLAttr
	Summary     summary
	Candidates  candidatesView
	// Overhead is what virtualisation costs (plan.json overhead).
	Overhead overheadView
	// Storage is the fleet's storage today and after (plan.json storage).
	Storage storageView
	// Sensitivity is how the chosen model's host count moves with one
	// setting (plan.json sensitivity).
	Sensitivity sensitivityView
	Hosts       []hostView
	// HostChartsNote says which hosts have demand charts when not all do
	// (more than maxHostCharts hosts); empty when all do.
	HostChartsNote string
	// DimNames are the resources, in the order of hostView.Dims.
	DimNames []string
	// Placement is the levelling of the load over the hosts.
	Placement placementView
	// Risk is the overload predicted for the month after the data.
	Risk riskView
	// Entitlement sums up the CPU cap and the evidence reserve.
	Entitlement entitlementView
	Warnings    []string
	Settings    []settingRow
	// PackSettings are the packer's settings (plan.json pack_settings).
	PackSettings []settingRow
	// Derived are the report's own assumptions (power).
	Derived []settingRow
	Servers []serverRow
	Overlap []overlapView
	Fleet   fleetView
	Heatmap *heatmapView
	Risks   risksView
	Notes   []string
	// Rightsize are the right-sizing statistics most servers share.
	Rightsize rightsizeStats
	// RefScore is the reference core's score (settings
	// reference_core_score), for the glossary.
	RefScore string
	// HTFactor is the work of a hyper-threaded core in cores (settings
	// ht_factor), for the glossary.
	HTFactor string
	// VCPUCore is what one right-sized vCPU is, e.g. "one core of the
	// target host = 2.1 reference cores" (rightsizeUnit).
	VCPUCore string
	// Search says how the packing was found (empty without search data).
	Search string
	// StorageRiskPct and PeakWindowMinutes are shown in explanations.
	StorageRiskPct    int
	PeakWindowMinutes int

	EchartsVersion string
	Notice         string
	EchartsJS      template.JS
	InitJS         template.JS
	TableJS        template.JS
	// TablePageSize is how many rows of the server table show at once.
	TablePageSize int
}

type summary struct {
	Servers          int
	HostsUsed        int
	HostType         string
	Ratio            string
	LowerBound       int
	SumOfPeaksHosts  int
	SumOfPeaksMethod string
	SavingPct        string
	// PctlHosts is the per-VM P95 × 1.3 baseline's hosts (0: not
	// computed) and PctlSavingPct the saving against it.
	PctlHosts     int
	PctlSavingPct string
	PctlMethod    string
	PctlLabel     string
	Unplaced      int
	Grid          model.PlanGrid
	Step          string
	ChartID       string
	// Decision is the plan in one paragraph, for the reader who reads
	// nothing else; its loud parts are warnings.
	Decision []decisionPart
	// Cost of the chosen candidate, in the catalog's currency (plan.json
	// does not name it); empty when no candidate is marked chosen. Rack,
	// Licences and Pool are "" when 0.
	Capex, Energy, Cost  string
	Rack, Licences, Pool string
	Years                string
	RackUnits            int
	HasCost              bool
	// Load is the hosts the load needs (what the baselines and the lower
	// bound compare with); Spares the hosts added for N+k (HALevel k);
	// HAHolds whether every failure scenario re-placed every server.
	Load, Spares, HALevel int
	HAHolds               bool
	HAScenarios           int
	// Fleet data confidence.
	Stars, PresentPct string
	HasConf           bool
	// Confidence is how far the data can be trusted, in words.
	Confidence confidenceView
	Power      powerView
	HasPower   bool
	// Backtest is the replay of later data, if any.
	Backtest    *Backtest
	LegacyWatts int
}

type hostView struct {
	Anchor       string
	Name         string
	Type         string
	Servers      []link
	Dims         []hostDim
	Binding      string
	BindingSlots string
	Charts       []chartView
	NoDemand     []string
	// ChartsLeftOut: the host has demand data but no charts (a fleet of
	// more than maxHostCharts hosts, HostChartsNote).
	ChartsLeftOut bool
	Spare         bool
	Existing      bool
	Analysis      hostAnalysisView
	// Overhead is what virtualisation takes of the host and Storage its
	// local storage; nil without figures.
	Overhead *overheadRow
	Storage  *hostStorageRow
	VMs      []vmRow
	// VMsOpen shows the VM table unfolded (small hosts).
	VMsOpen bool
	// Overall is the highest planned peak utilisation over the resources,
	// % of usable capacity ("—" without figures); Over when above 100.
	Overall string
	Over    bool
}

type link struct {
	Text, Anchor string
}

type hostDim struct {
	Name, Unit            string
	Raw, Usable, PeakUtil string
	Headroom              string
	// BarPct is PeakUtil clamped to [0, 100], for the bar's width.
	BarPct  string
	Over    bool
	Binding bool
}

type chartView struct {
	ID, Title string
}

type serverRow struct {
	Anchor                      string
	ID, Hostname                string
	Source, Dataset             string
	Coverage                    string
	Conf                        confidenceCells
	PeakCPU, PeakMem            string
	PeakIOPS, PeakDisk, PeakNet string
	Saturated                   bool
	Uplift, SatTitle            string
	Growth, GrowthSort          string
	GrowthTitle                 string
	VM                          vmRow
	VCPUSort, MemSort           string
	PeakGroup                   int
	PeakWindow                  string
	Host                        link
	Warnings                    []string
	WarnTitle                   string // the warnings, one a line
	Ent                         entitlementCells
	Storage                     serverStorageCells
}

// buildPage turns the plan (and the demand, if given) into what the template
// renders, in the order the page reads: summary and candidates, the fleet
// charts, the hosts, the settings and risks, the servers, and last the
// scripts that draw the charts.
func buildPage(in Input, o options) (*page, error) {
	p := in.Plan
	if p == nil {
		return nil, errors.New("no plan")
	}
	b := &pageBuilder{in: in, p: p, pg: &page{
		Title:          o.title,
		GeneratedBy:    p.GeneratedBy,
		Warnings:       p.Warnings,
		EchartsVersion: echartsVersion,
		Notice:         echartsNotice,
	}}
	// The backtest: given, or carried by the plan (kvmfit backtest).
	bt := in.Backtest
	if bt == nil {
		bt = BacktestFromModel(p.Backtest)
	}
	b.pg.Summary = summaryOf(p)
	b.pg.Candidates = candidatesOf(p, &b.pg.Summary)
	b.serverAnchor = positionalAnchors(len(p.ServerDetails), func(i int) string { return p.ServerDetails[i].ID }, "server-%04d")
	b.hostAnchor = positionalAnchors(len(p.Hosts), func(i int) string { return p.Hosts[i].Name }, "host-%03d")
	if err := b.loadDemand(); err != nil {
		return nil, err
	}
	if err := b.fleetCharts(); err != nil {
		return nil, err
	}
	b.fleetSummary(bt)
	if err := b.hostViews(); err != nil {
		return nil, err
	}
	b.settings()
	b.serverRows()
	if err := b.scripts(); err != nil {
		return nil, err
	}
	return b.pg, nil
}

// pageBuilder holds what the steps of buildPage share.
type pageBuilder struct {
	in Input
	p  *model.Plan
	pg *page
	// charts are the page's charts in page order, drawn by the init script.
	charts []chartSpec
	// serverAnchor and hostAnchor are the ids of the server rows and host
	// sections.
	serverAnchor, hostAnchor map[string]string
	// demand indexes in.Demand by server (nil without demand data); labels
	// are its slots' times.
	demand map[string]*model.ServerDemand
	labels []string
}

// summaryOf fills the summary from the plan's own figures; the candidates,
// the fleet analysis and the decision complete it.
//
// The savings are those of the hosts the load needs against the baselines'
// hosts (both without N+k spares), computed from the two host counts the
// page shows beside them, so that figure and counts always agree.
func summaryOf(p *model.Plan) summary {
	load, spares := loadAndSpares(p)
	return summary{
		Servers:          p.Servers,
		HostsUsed:        p.HostsUsed,
		Load:             load,
		Spares:           spares,
		HostType:         p.HostType,
		Ratio:            fmtFixed(p.ConsolidationRatio, 1),
		LowerBound:       p.LowerBound,
		SumOfPeaksHosts:  p.Baselines.SumOfPeaks.HostsUsed,
		SumOfPeaksMethod: p.Baselines.SumOfPeaks.Method,
		SavingPct:        savingPct(load, p.Baselines.SumOfPeaks.HostsUsed),
		PctlHosts:        p.Baselines.PercentileComfort.HostsUsed,
		PctlSavingPct:    savingPct(load, p.Baselines.PercentileComfort.HostsUsed),
		PctlMethod:       p.Baselines.PercentileComfort.Method,
		PctlLabel:        pctlLabel(p.Baselines.PercentileComfort),
		Unplaced:         len(p.Unplaced),
		Grid:             p.Grid,
		Step:             (time.Duration(p.Grid.StepSec) * time.Second).String(),
		ChartID:          "chart-summary",
		Years:            strconv.FormatFloat(p.Settings.Years, 'f', -1, 64),
	}
}

// firstPositions maps each of n keys to the position of its first
// occurrence.
func firstPositions(n int, key func(i int) string) map[string]int {
	out := make(map[string]int, n)
	for i := range n {
		if _, dup := out[key(i)]; !dup {
			out[key(i)] = i
		}
	}
	return out
}

// positionalAnchors gives each of n keys an id from format and its first
// position (1-based), so that no data string ends up in an id.
func positionalAnchors(n int, key func(i int) string, format string) map[string]string {
	out := map[string]string{}
	for k, i := range firstPositions(n, key) {
		out[k] = fmt.Sprintf(format, i+1)
	}
	return out
}

// loadDemand indexes the demand data, or notes that the hosts will have no
// demand charts without it.
func (b *pageBuilder) loadDemand() error {
	if b.in.Demand == nil {
		if len(b.p.Hosts) > 0 {
			b.pg.Notes = append(b.pg.Notes, "No demand data was given, so the hosts have no demand charts.")
		}
		return nil
	}
	demand, err := indexDemand(b.in.Demand)
	if err != nil {
		return err
	}
	b.demand, b.labels = demand, slotLabels(b.in.Demand)
	return nil
}

// fleetCharts adds the summary and sensitivity charts and, with demand
// data, the fleet's peak overlap and heatmap.
func (b *pageBuilder) fleetCharts() error {
	sc, err := summaryChart(b.pg.Summary.ChartID, b.p)
	if err != nil {
		return err
	}
	b.charts = append(b.charts, sc)
	sv, sspec, err := sensitivityOf(b.p, "chart-sensitivity")
	if err != nil {
		return err
	}
	b.pg.Sensitivity = sv
	if sspec != nil {
		b.charts = append(b.charts, *sspec)
	}
	if b.in.Demand == nil {
		return nil
	}
	views, specs, err := overlapViews(b.in.Demand, b.labels, b.p.Fleet)
	if err != nil {
		return err
	}
	b.pg.Overlap = views
	b.charts = append(b.charts, specs...)
	hv, spec, ok, err := fleetHeatmap(b.in.Demand)
	if err != nil {
		return err
	}
	if ok {
		b.pg.Heatmap = &hv
		b.charts = append(b.charts, spec)
	}
	return nil
}

// fleetSummary adds the fleet analysis, power, HA, backtest and the risks
// to the summary, and last the decision paragraph that draws on all of it.
func (b *pageBuilder) fleetSummary(bt *Backtest) {
	p, pg := b.p, b.pg
	pg.Fleet = fleetViewOf(p, b.serverAnchor)
	pg.Rightsize = commonRightsize(p.ServerDetails)
	pg.VCPUCore = rightsizeUnit(p.Settings)
	pg.HTFactor = num(nonZero(p.Settings.HTFactor, model.DefaultSettings.HTFactor))
	pg.RefScore = num(nonZero(p.Settings.ReferenceCoreScore, model.DefaultSettings.ReferenceCoreScore))
	pg.Search = searchText(p)
	s := &pg.Summary
	s.HasConf, s.Stars, s.PresentPct = pg.Fleet.HasConf, pg.Fleet.Stars, pg.Fleet.PresentPct
	s.Power, s.HasPower = powerOf(p)
	s.LegacyWatts = legacyServerWatts
	s.HALevel, s.HAHolds, s.HAScenarios = p.HA.Level, p.HA.Holds, len(p.HA.Scenarios)
	s.Backtest = bt
	pg.Placement = placementOf(p.Placement)
	pg.Risk = riskOf(p.Risk)
	pg.Entitlement = entitlementOf(p)
	at := func(slot int) string { return slotRanges([]int{slot}, b.in.Demand, p.Grid) }
	pg.Overhead = overheadOf(p, at, b.hostAnchor)
	pg.Storage = storageOf(p, b.serverAnchor, b.hostAnchor)
	pg.Risks = risksOf(p, bt, b.serverAnchor, b.hostAnchor)
	pg.Risks.Tally = riskItems(p, pg.Risks, pg.Risk, pg.Storage, bt)
	s.Confidence = dataConfidence(p)
	s.Decision = decision(p, *s, pg.Overlap, pg.Risk, pg.Entitlement, pg.Risks)
}

// hostViews adds one section per host, with its demand charts.
func (b *pageBuilder) hostViews() error {
	for d := model.Dim(0); d < model.NumDims; d++ {
		b.pg.DimNames = append(b.pg.DimNames, d.String())
	}
	details := b.p.ServerDetails
	detailAt := firstPositions(len(details), func(i int) string { return details[i].ID })
	ovh, sto := b.pg.Overhead.Hosts, b.pg.Storage.Hosts
	ovhAt := firstPositions(len(ovh), func(i int) string { return ovh[i].Host.Text })
	stoAt := firstPositions(len(sto), func(i int) string { return sto[i].Host.Text })
	charted := chartedHosts(b.p.Hosts)
	if n := len(b.p.Hosts); len(charted) < n {
		b.pg.HostChartsNote = fmt.Sprintf("Demand charts are drawn for the %d busiest of the %s hosts (highest planned peak utilisation over the resources, then plan order): charts of every host of a fleet this size would make the page too large to open. The table above gives every host's peaks, and assignments.csv and plan.json every placement.",
			len(charted), fmtGrouped(float64(n)))
	}
	for i, h := range b.p.Hosts {
		hv := b.hostView(h)
		if j, ok := ovhAt[h.Name]; ok {
			hv.Overhead = &ovh[j]
		}
		if j, ok := stoAt[h.Name]; ok {
			hv.Storage = &sto[j]
		}
		for _, id := range h.Servers {
			hv.Servers = append(hv.Servers, link{Text: id, Anchor: b.serverAnchor[id]})
			hv.VMs = append(hv.VMs, b.vmRow(id, detailAt))
		}
		if charted[i] {
			if err := b.hostDemandCharts(i, h, &hv); err != nil {
				return err
			}
		} else {
			hv.ChartsLeftOut = b.demand != nil
		}
		b.pg.Hosts = append(b.pg.Hosts, hv)
	}
	return nil
}

// maxHostCharts is the most hosts drawn with demand charts: two charts of
// every slot each. 100 hosts make a page of a few tens of MB that a
// browser opens; 4,600 hosts (100,000 servers) made one of 540 MB, and
// writing it took 7.8 GB of memory.
const maxHostCharts = 100

// chartedHosts returns which hosts get demand charts: every host up to
// maxHostCharts, else the maxHostCharts with the highest planned peak
// utilisation over the resources (peakUtil, the hosts table's "highest"
// column; ties: plan order).
func chartedHosts(hosts []model.PlanHost) map[int]bool {
	out := map[int]bool{}
	if len(hosts) <= maxHostCharts {
		for i := range hosts {
			out[i] = true
		}
		return out
	}
	peak := func(h model.PlanHost) float64 {
		if u, ok := peakUtil(h); ok {
			return u
		}
		return math.Inf(-1)
	}
	order := make([]int, len(hosts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(peak(hosts[b]), peak(hosts[a])) })
	for _, i := range order[:maxHostCharts] {
		out[i] = true
	}
	return out
}

// hostView is the section of host h without its servers and charts.
func (b *pageBuilder) hostView(h model.PlanHost) hostView {
	p := b.p
	hv := hostView{
		Anchor:       b.hostAnchor[h.Name],
		Name:         h.Name,
		Type:         h.Type,
		Binding:      h.Binding,
		BindingSlots: slotRanges(h.BindingSlots, b.in.Demand, p.Grid),
		Spare:        h.Spare,
		Existing:     h.Existing,
		Analysis:     hostAnalysisOf(h.Analysis, len(h.Servers), p.Settings.KSM, b.serverAnchor),
		VMsOpen:      len(h.Servers) <= maxOpenVMs,
	}
	if len(h.Servers) == 0 {
		// An empty host (an HA spare) binds nothing, and its analysis
		// is not about its own servers.
		hv.Binding, hv.BindingSlots, hv.Analysis = "", "", hostAnalysisView{}
	}
	for d := model.Dim(0); d < model.NumDims; d++ {
		hv.Dims = append(hv.Dims, hostDimRow(d, h))
	}
	hv.Overall, hv.Over = overallUtil(h)
	return hv
}

// vmRow is the VM table row of server id; detailAt is the position of each
// server's details, and a server without details shows dashes.
func (b *pageBuilder) vmRow(id string, detailAt map[string]int) vmRow {
	at, ok := detailAt[id]
	if !ok {
		return vmRow{Server: link{Text: id}, CoresNow: "—", VCPUNow: "—", VCPURight: "—", MemNow: "—", MemRight: "—", PeakCPU: "—", PeakMem: "—"}
	}
	return vmRowOf(b.p.ServerDetails[at], b.serverAnchor[id], b.p.Fleet.PeakGroups, b.pg.Rightsize)
}

// hostDemandCharts adds the demand charts of host h (the i-th), drawn from
// its servers' demand; a server without demand data is listed instead.
func (b *pageBuilder) hostDemandCharts(i int, h model.PlanHost, hv *hostView) error {
	if b.demand == nil {
		return nil
	}
	var members []*model.ServerDemand
	for _, id := range h.Servers {
		if sd, ok := b.demand[id]; ok {
			members = append(members, sd)
		} else {
			hv.NoDemand = append(hv.NoDemand, id)
		}
	}
	for _, cd := range hostCharts(h) {
		id := fmt.Sprintf("chart-host-%03d-%s", i+1, cd.dim)
		spec, err := hostChart(id, cd, b.labels, b.in.Demand.Step, members, h)
		if err != nil {
			return fmt.Errorf("host %q: %w", h.Name, err)
		}
		b.charts = append(b.charts, spec)
		hv.Charts = append(hv.Charts, chartView{ID: id, Title: cd.title})
	}
	return nil
}

// settings adds the model's and the packer's settings and the report's
// own assumptions.
func (b *pageBuilder) settings() {
	p, pg := b.p, b.pg
	pg.StorageRiskPct, pg.PeakWindowMinutes = storageRiskPct, p.Settings.PeakWindowMinutes
	pg.Settings = settingRows(p.Settings)
	pg.PackSettings = structRows(reflect.ValueOf(p.PackSettings), packSettingDocs)
	pg.Derived = []settingRow{{
		Key:    "legacy_server_watts",
		Value:  strconv.Itoa(legacyServerWatts),
		About:  "power drawn today by a legacy server whose inventory gives no watts (plan.json server_details[].watts_source \"default\"); a server with inventory watts counts its own (\"inventory\")",
		Source: "our assumption (docs/model.md §19): a lightly loaded two-socket 1U/2U server of 2008–2016 draws well above its idle floor (about 100–200 W) and well below its nameplate (400–750 W)",
	}}
}

// serverRows adds one row per server of the plan to the server table.
func (b *pageBuilder) serverRows() {
	for _, s := range b.p.ServerDetails {
		b.pg.Servers = append(b.pg.Servers, b.serverRow(s))
	}
}

// serverRow is the server table's row of s: its data, peaks and what the
// model found.
func (b *pageBuilder) serverRow(s model.PlanServer) serverRow {
	p := b.p
	r := serverRow{
		Anchor:    b.serverAnchor[s.ID],
		ID:        s.ID,
		Hostname:  s.Hostname,
		Source:    s.Source,
		Dataset:   s.Dataset,
		Coverage:  fmtFixed(s.CoveragePct, 1),
		PeakCPU:   fmtDim(model.DimCPU, s.PeakDemand, 2),
		PeakMem:   fmtDim(model.DimMem, s.PeakDemand, 1),
		PeakIOPS:  fmtDim(model.DimDiskIOPS, s.PeakDemand, 0),
		PeakDisk:  fmtDim(model.DimDiskBytes, s.PeakDemand, 1),
		PeakNet:   fmtDim(model.DimNetBytes, s.PeakDemand, 1),
		Host:      link{Text: s.Host, Anchor: b.hostAnchor[s.Host]},
		Warnings:  s.Warnings,
		WarnTitle: strings.Join(s.Warnings, "\n"),
	}
	a := s.Analysis
	r.Conf = confidenceOf(a.Confidence)
	r.Saturated = a.Saturation.Flagged
	r.Uplift = factor(nonZero(a.Saturation.UpliftApplied, 1))
	if a.Saturation.LongestMinutes > 0 {
		r.SatTitle = fmt.Sprintf("%d of %d days with CPU ≥ %g%% for %d min or more; longest stretch %d min",
			a.Saturation.DaysSaturated, a.Saturation.DaysWithData, p.Settings.SaturationCPUPct, p.Settings.SaturationMinutes, a.Saturation.LongestMinutes)
	}
	r.Growth, r.GrowthSort = growthText(a.Growth)
	r.GrowthTitle = growthTitle(a.Growth)
	r.VM = vmRowOf(s, r.Anchor, p.Fleet.PeakGroups, b.pg.Rightsize)
	r.VCPUSort = strconv.Itoa(a.Rightsize.VCPUs)
	r.MemSort = strconv.FormatInt(a.Rightsize.MemBytes, 10)
	r.PeakGroup = a.PeakGroup
	r.PeakWindow = peakWindow(a.PeakGroup, p.Fleet.PeakGroups)
	r.Ent = entitlementCellsOf(a.Entitlement, p.Settings)
	r.Storage = serverStorageOf(s.Storage)
	return r
}

// scripts inlines ECharts, the script that draws the charts and the table
// script, and the Content-Security-Policy that allows exactly these three.
func (b *pageBuilder) scripts() error {
	initJS, err := initScript(b.charts)
	if err != nil {
		return err
	}
	echartsJS, echartsHash := echartsInline()
	b.pg.EchartsJS = template.JS(echartsJS)
	b.pg.InitJS = template.JS(initJS)
	b.pg.TableJS = template.JS(tableJS)
	b.pg.TablePageSize = tablePageSize
	b.pg.CSP = template.HTMLAttr(contentSecurityPolicy(echartsHash, cspHash(initJS), tableHash()))
	return nil
}

// pctlLabel names the per-VM percentile × comfort sizing, e.g. "P95 × 1.3".
func pctlLabel(b model.Baseline) string {
	pct, comfort := b.Percentile, b.Comfort
	if pct <= 0 {
		pct = model.BaselinePercentile
	}
	if comfort <= 0 {
		comfort = model.BaselineComfort
	}
	return "P" + strconv.FormatFloat(pct, 'f', -1, 64) + " × " + strconv.FormatFloat(comfort, 'f', -1, 64)
}

// searchText says how the packer found the chosen candidate's packing and
// how far it is from the lower bounds (plan.json search, lower_bounds,
// lower_bound_gap_pct).
func searchText(p *model.Plan) string {
	var parts []string
	if lb := p.LowerBounds; lb.Best > 0 {
		txt := fmt.Sprintf("Lower bounds: volume per resource and slot (L1) %d, Martello–Toth L2 %d, conflict (servers that pairwise cannot share a host) %d", lb.L1, lb.L2, lb.Conflict)
		if lb.LP > 0 {
			txt += fmt.Sprintf(", linear relaxation of the host patterns (LP) %d", lb.LP)
		}
		parts = append(parts, txt+fmt.Sprintf("; the best is %d.", lb.Best))
	}
	if p.HostsWithoutHA > 0 && p.LowerBound > 0 {
		if p.LowerBoundGapPct <= 0 {
			parts = append(parts, fmt.Sprintf("The packing needs %d hosts: the lower bound, so it is optimal.", p.HostsWithoutHA))
		} else {
			parts = append(parts, fmt.Sprintf("The packing needs %d hosts, %s%% above the lower bound %d: a better packing may exist, but no plan can use fewer than %d.", p.HostsWithoutHA, fmtFixed(p.LowerBoundGapPct, 1), p.LowerBound, p.LowerBound))
		}
	}
	if s := p.Search; s.Heuristic != "" || len(s.Constructive) > 0 {
		var hs []string
		for _, h := range s.Constructive {
			hs = append(hs, fmt.Sprintf("%s %d", h.Name, h.Hosts))
		}
		txt := "Search: "
		if len(hs) > 0 {
			txt += "the constructive heuristics reached " + strings.Join(hs, ", ") + " hosts; "
		}
		if s.Heuristic != "" {
			txt += "the search started from " + s.Heuristic + "; "
		}
		txt += fmt.Sprintf("the improvement phase removed %d %s", s.Improved, plural(s.Improved, "host", "hosts"))
		if s.Stop != "" {
			txt += "; it stopped at: " + s.Stop
		}
		parts = append(parts, txt+".")
	}
	return strings.Join(parts, " ")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// contentSecurityPolicy returns the content attribute of the page's CSP
// <meta>. It allows the page's three inline scripts (by hash) and
// inline styles, and nothing else: no network, no other scripts, no inline
// event handlers.
func contentSecurityPolicy(scriptHashes ...string) string {
	return `content="default-src 'none'; script-src ` + strings.Join(scriptHashes, " ") +
		`; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"`
}

// hostCharts returns the demand charts of host h: CPU and memory, and the
// binding resource when it is another one (disk or network), so that the
// reader sees when the binding resource binds.
func hostCharts(h model.PlanHost) []hostChartDim {
	out := hostChartDims
	if d, ok := model.DimByName(h.Binding); ok && len(h.Servers) > 0 && d != model.DimCPU && d != model.DimMem {
		div, unit, _ := dimScale(d)
		out = append(append([]hostChartDim(nil), hostChartDims...),
			hostChartDim{d, fmt.Sprintf("%s demand (binding), %s", d, unit), unit, div})
	}
	return out
}

// indexDemand maps server IDs to their demand and checks row lengths.
func indexDemand(d *model.Demand) (map[string]*model.ServerDemand, error) {
	m := make(map[string]*model.ServerDemand, len(d.Servers))
	for i := range d.Servers {
		s := &d.Servers[i]
		for cd := model.Dim(0); cd < model.NumDims; cd++ {
			// CPU and memory are always charted; another resource may be
			// absent (no row), which draws as nothing.
			if n := len(s.Values[cd]); n != d.Slots && (n != 0 || cd == model.DimCPU || cd == model.DimMem) {
				return nil, fmt.Errorf("demand of server %q: %s has %d slots, want %d", s.ID, cd, n, d.Slots)
			}
		}
		if _, dup := m[s.ID]; !dup {
			m[s.ID] = s
		}
	}
	return m, nil
}

// slotLabels returns the start of every slot: "15:04" when the slots span at
// most a day, else "Mon 15:04". Times are UTC.
func slotLabels(d *model.Demand) []string {
	layout := "15:04"
	if time.Duration(d.Slots)*d.Step > 24*time.Hour {
		layout = "Mon 15:04"
	}
	start := d.Start.UTC()
	out := make([]string, d.Slots)
	for t := range out {
		out[t] = start.Add(time.Duration(t) * d.Step).Format(layout)
	}
	return out
}

// maxSlotRanges is how many binding time ranges a host section lists.
const maxSlotRanges = 6

// maxOpenVMs is the most VMs a host section shows unfolded.
const maxOpenVMs = 30

// slotRanges writes slot indices as UTC time ranges, e.g. "13:00–13:15, 18:00–18:05".
func slotRanges(slots []int, d *model.Demand, g model.PlanGrid) string {
	if len(slots) == 0 {
		return ""
	}
	var start time.Time
	step := time.Duration(g.StepSec) * time.Second
	if d != nil {
		start, step = d.Start.UTC(), d.Step
	}
	if step <= 0 {
		parts := make([]string, len(slots))
		for i, x := range slots {
			parts[i] = strconv.Itoa(x)
		}
		return "slots " + strings.Join(parts, ", ")
	}
	s := append([]int(nil), slots...)
	sort.Ints(s)
	at := func(slot int) string { return start.Add(time.Duration(slot) * step).Format("15:04") }
	var parts []string
	n := 0
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] <= s[j]+1 {
			j++
		}
		if n < maxSlotRanges {
			parts = append(parts, at(s[i])+"–"+at(s[j]+1))
		}
		n++
		i = j + 1
	}
	if n > maxSlotRanges {
		parts = append(parts, fmt.Sprintf("and %d more", n-maxSlotRanges))
	}
	return strings.Join(parts, ", ") + " UTC"
}

func hostDimRow(d model.Dim, h model.PlanHost) hostDim {
	_, unit, prec := dimScale(d)
	r := hostDim{
		Name:     d.String(),
		Unit:     unit,
		Raw:      fmtDim(d, h.RawCapacity, prec),
		Usable:   fmtDim(d, h.UsableCapacity, prec),
		PeakUtil: "—",
		BarPct:   "0",
		Binding:  d.String() == h.Binding && len(h.Servers) > 0,
	}
	if u, ok := h.PeakUtilPct[d.String()]; ok {
		r.PeakUtil = fmtFixed(u, 1)
		r.BarPct = fmtFixed(math.Max(0, math.Min(u, 100)), 1)
		r.Over = u > 100
	}
	r.Headroom = "—"
	if v, ok := h.HeadroomPct[d.String()]; ok {
		r.Headroom = fmtFixed(v, 1)
	}
	return r
}

// dimScale gives the divisor, display unit and decimals for a dimension.
func dimScale(d model.Dim) (div float64, unit string, prec int) {
	switch d.Unit() {
	case "ref_cores":
		return 1, "ref. cores", 2
	case "bytes":
		return model.GiB, "GiB", 1
	case "bytes_per_sec":
		return 1e6, "MB/s", 1
	case "iops":
		return 1, "IOPS", 0
	}
	return 1, d.Unit(), 2
}

// fmtDim formats v[d] in the display unit of d, or "—" if absent.
func fmtDim(d model.Dim, v model.DimValues, prec int) string {
	x, ok := v[d.String()]
	if !ok {
		return "—"
	}
	div, _, _ := dimScale(d)
	return fmtFixed(x/div, prec)
}

func fmtFixed(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.TrimLeft(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-") // no "-0.0"
	}
	return s
}

// fmtGrouped formats v rounded to an integer with thousands separators.
func fmtGrouped(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	s := strconv.FormatFloat(math.Abs(math.Round(v)), 'f', 0, 64)
	var b strings.Builder
	if math.Round(v) < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
