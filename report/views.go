package report

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/kvmfit/kvmfit/model"
)

// This file turns what the model computed per server, per host and for the
// fleet (model.ServerAnalysis, HostAnalysis, FleetAnalysis, the HA report)
// into what the page shows. It computes nothing new but display values and
// the power estimate, whose assumptions are shown.

// Backtest is the outcome of replaying later data against the plan and the
// baselines (`kvmfit backtest`, binpack/backtest.Report), as the report
// shows it. The caller converts; report does not depend on the backtest
// package. Nil: no backtest was run, and the page says so.
type Backtest struct {
	// Windows, RFC 3339 UTC.
	TrainStart, TrainEnd, TestStart, TestEnd string
	TrainDays, TestDays                      float64
	// ReplayStat is the per-slot statistic replayed: mean or max.
	ReplayStat string
	// Servers with data in the test window, of Servers; the share of
	// their server-slots holding data.
	Servers, TestServers int
	TestCoveragePct      float64
	// Methods: kvmfit's plan first, then the baselines.
	Methods  []BacktestMethod
	Warnings []string
	// Bootstrap is the spread of the host count over resampled training
	// days (Reps 0: not run).
	Bootstrap BacktestBootstrap
	// PredictedRisk is what kvmfit's training plan predicted for the test
	// window (rolling origins inside the training window), set beside the
	// replay of Methods[0]; nil when not predicted.
	PredictedRisk *model.RiskPrediction
}

// BacktestBootstrap is the spread of the host count over resampled days.
type BacktestBootstrap struct {
	Reps                                      int
	MedianHosts, P95Hosts, MinHosts, MaxHosts int
	Method                                    string
}

// BacktestFailure is the replay of one HA failure scenario of the plan.
type BacktestFailure struct {
	Failed, Stranded                  []string
	OverloadMinutes, WorstOverloadPct float64
}

// BacktestFromModel converts the backtest a plan carries (plan.json
// backtest) to what the report shows; nil gives nil.
func BacktestFromModel(r *model.BacktestReport) *Backtest {
	if r == nil {
		return nil
	}
	b := &Backtest{
		TrainStart: r.TrainStart, TrainEnd: r.TrainEnd, TestStart: r.TestStart, TestEnd: r.TestEnd,
		TrainDays: r.TrainDays, TestDays: r.TestDays, ReplayStat: r.ReplayStat,
		Servers: r.Servers, TestServers: r.TestServers, TestCoveragePct: r.TestCoveragePct,
		Warnings: r.Warnings, PredictedRisk: r.PredictedRisk,
		Bootstrap: BacktestBootstrap{Reps: r.Bootstrap.Reps, MedianHosts: r.Bootstrap.MedianHosts, P95Hosts: r.Bootstrap.P95Hosts,
			MinHosts: r.Bootstrap.MinHosts, MaxHosts: r.Bootstrap.MaxHosts, Method: r.Bootstrap.Method},
	}
	for _, m := range r.Methods {
		bm := BacktestMethod{Method: m.Method, Description: m.Description,
			HostsUsed: m.HostsUsed, HostsWithoutHA: m.HostsWithoutHA, Unplaced: len(m.Unplaced),
			OverloadMinutes: m.OverloadMinutes, OverloadHostMinutesPct: m.OverloadHostMinutesPct,
			OverCapacityMinutes: m.OverCapacityMinutes, ObservedMinutes: m.ObservedMinutes,
			WorstOverloadPct: m.WorstOverloadPct, HostsOverloaded: m.HostsOverloaded}
		for _, f := range m.Failures {
			bm.Failures = append(bm.Failures, BacktestFailure{Failed: f.Failed, Stranded: f.Stranded,
				OverloadMinutes: f.OverloadMinutes, WorstOverloadPct: f.WorstOverloadPct})
		}
		b.Methods = append(b.Methods, bm)
	}
	return b
}

// BacktestMethod is one sizing method's plan and its replay on the test window.
type BacktestMethod struct {
	// Method is kvmfit, sum_of_peaks or percentile_comfort.
	Method, Description string
	// HostsUsed includes HA spares; HostsWithoutHA does not.
	HostsUsed, HostsWithoutHA int
	Unplaced                  int
	// OverloadMinutes are host-minutes over a ceiling;
	// OverloadHostMinutesPct is their share of loaded host-minutes.
	OverloadMinutes        float64
	OverloadHostMinutesPct float64
	// OverCapacityMinutes are host-minutes over 100 % of the full
	// capacity; ObservedMinutes the part of the test window with data
	// (0: unknown, the whole window is taken).
	OverCapacityMinutes, ObservedMinutes float64
	// WorstOverloadPct is the largest excess over usable capacity, % of it.
	WorstOverloadPct float64
	HostsOverloaded  int
	// Failures replays the test window under each HA failure scenario
	// (kvmfit's plan only; empty without HA).
	Failures []BacktestFailure
}

// stars writes a 1–5 rating as filled and empty stars.
func stars(n int) string {
	n = max(0, min(5, n))
	return strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
}

// gib formats bytes in GiB with one decimal.
func gib(b float64) string { return fmtFixed(b/model.GiB, 1) }

// factor formats a multiplier, e.g. "× 1.25".
func factor(f float64) string {
	return "× " + strconv.FormatFloat(f, 'f', -1, 64)
}

// growthText describes the growth applied to a server's demand.
func growthText(g model.Growth) (text, sortKey string) {
	cpu, mem := g.CPUFactor, g.MemFactor
	if cpu == 0 {
		cpu = 1
	}
	if mem == 0 {
		mem = 1
	}
	sortKey = fmtFixed(math.Max(cpu, mem), 4)
	switch {
	case cpu == 1 && mem == 1:
		text = "none"
	case cpu == mem:
		text = factor(round4(cpu))
	default:
		text = "cpu " + factor(round4(cpu)) + ", mem " + factor(round4(mem))
	}
	if g.Capped {
		text += " (capped)"
	}
	return text, sortKey
}

// growthTitle is the hover text of the growth cell: the trends measured.
func growthTitle(g model.Growth) string {
	return fmt.Sprintf("trend per year: CPU %s, memory %s; global × %s",
		trendText(g.CPUTrend, g.CPUTrendPctPerYear, g.CPUTrendSignificant), trendText(g.MemTrend, g.MemTrendPctPerYear, g.MemTrendSignificant),
		strconv.FormatFloat(round4(nonZero(g.GlobalFactor, 1)), 'f', -1, 64))
}

// trendText says a trend in words: its % per year when it is shown, else
// why not ("not enough data", "no trend", "dropped: implausible").
func trendText(status string, pct float64, significant bool) string {
	switch status {
	case model.TrendNotEnoughData:
		return fmt.Sprintf("not enough data (fewer than %d days)", model.TrendMinDays)
	case model.TrendNotSignificant:
		return "no trend (not significant)"
	case model.TrendImplausible:
		return fmt.Sprintf("dropped: implausible (beyond ±%d %% a year)", model.TrendMaxPctPerYear)
	}
	if significant {
		return fmtFixed(pct, 1) + "% (significant)"
	}
	return fmtFixed(pct, 1) + "% (n.s.)"
}

// trendCell is a trend's CSV cell: its % per year when it is shown (or
// the plan predates trend statuses), else empty.
func trendCell(status string, pct float64) string {
	if status != "" && status != model.TrendShown {
		return ""
	}
	return num(pct)
}

func nonZero(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// confidenceCells describes a server's data confidence.
type confidenceCells struct {
	Stars  string // ★★★★☆
	N      int
	Days   string
	Rating string
	Sort   string
	Title  string
	Low    bool // stars ≤ 2 or fewer days than recommended
}

func confidenceOf(c model.Confidence) confidenceCells {
	return confidenceCells{
		Stars:  stars(c.Stars),
		N:      c.Stars,
		Days:   fmtFixed(c.Days, 1),
		Rating: c.Rating,
		// Stars first, then days: 5 stars and 14 days sorts above 5 and 3.
		Sort:  strconv.Itoa(c.Stars*100000 + int(math.Round(c.Days*100))),
		Title: fmt.Sprintf("%s%% of data points (%d/%d slots), %s", fmtFixed(c.PresentPct, 1), c.SlotsPresent, c.SlotsExpected, c.Rating),
		Low:   lowConfidence(c),
	}
}

// lowConfidence is the report's rule for listing a server under the risks:
// 2 stars or fewer (40 % of the data points or less), or a rating of
// insufficient or short (fewer than min_days / recommended_days of data).
func lowConfidence(c model.Confidence) bool {
	return (c.Stars > 0 && c.Stars <= 2) || c.Rating == "insufficient" || c.Rating == "short"
}

// vmRow is one future VM in a host section.
type vmRow struct {
	Server link
	OS     string
	// CoresNow are the server's physical cores today, VCPUNow its vCPUs
	// today (its logical CPUs), VCPURight the right-sized vCPUs (each one
	// core of the target host).
	CoresNow               string
	VCPUNow, VCPURight     string
	MemNow, MemRight       string
	PeakCPU, PeakMem       string
	Stars                  string
	Saturated              bool
	Uplift                 string
	RightsizeCPUStat       string
	RightsizeMemStat       string
	PeakWindow             string
	CPUShrinks, MemShrinks bool
}

// vmRowOf describes server s as a future VM. The right-sizing statistics
// are left out when they are the fleet's common ones (shown once on the
// page), to keep a page of thousands of servers small.
func vmRowOf(s model.PlanServer, anchor string, groups []model.PeakGroup, common rightsizeStats) vmRow {
	r := s.Analysis.Rightsize
	now := currentVCPUs(s)
	v := vmRow{
		Server:           link{Text: s.ID, Anchor: anchor},
		OS:               s.Analysis.OSFamily,
		CoresNow:         intOrDash(r.CurrentCores),
		VCPUNow:          intOrDash(now),
		VCPURight:        intOrDash(r.VCPUs),
		MemNow:           bytesOrDash(r.CurrentMemBytes),
		MemRight:         bytesOrDash(r.MemBytes),
		PeakCPU:          fmtDim(model.DimCPU, s.PeakDemand, 2),
		PeakMem:          fmtDim(model.DimMem, s.PeakDemand, 1),
		Stars:            stars(s.Analysis.Confidence.Stars),
		Saturated:        s.Analysis.Saturation.Flagged,
		Uplift:           factor(nonZero(s.Analysis.Saturation.UpliftApplied, 1)),
		RightsizeCPUStat: uncommon(r.CPUStatistic, common.CPU),
		RightsizeMemStat: uncommon(r.MemStatistic, common.Mem),
		PeakWindow:       peakWindow(s.Analysis.PeakGroup, groups),
		CPUShrinks:       r.VCPUs > 0 && now > 0 && r.VCPUs < now,
		MemShrinks:       r.MemBytes > 0 && r.CurrentMemBytes > 0 && r.MemBytes < r.CurrentMemBytes,
	}
	return v
}

// currentVCPUs is server s's vCPUs today: its logical CPUs
// (rightsize.current_vcpus), else the vCPUs its entitlement counts (the
// same logical CPUs, in a plan made before current_vcpus); 0 when unknown.
// Never its cores: a core is not a vCPU.
func currentVCPUs(s model.PlanServer) int {
	if n := s.Analysis.Rightsize.CurrentVCPUs; n > 0 {
		return n
	}
	return s.Analysis.Entitlement.VCPUs
}

// rightsizeUnit says what one right-sized vCPU is, as profile.Rightsize
// counts it: one core of the target host (target_core_score /
// reference_core_score reference cores), else one reference core.
func rightsizeUnit(s model.Settings) string {
	if s.TargetCoreScore > 0 && s.ReferenceCoreScore > 0 {
		return "one core of the target host = " + num(round4(s.TargetCoreScore/s.ReferenceCoreScore)) + " reference cores"
	}
	return "one reference core"
}

// rightsizeStats are the right-sizing statistics in words.
type rightsizeStats struct {
	CPU, Mem string
}

// commonRightsize returns the right-sizing statistics most servers share.
func commonRightsize(servers []model.PlanServer) rightsizeStats {
	count := map[rightsizeStats]int{}
	var best rightsizeStats
	for _, s := range servers {
		k := rightsizeStats{s.Analysis.Rightsize.CPUStatistic, s.Analysis.Rightsize.MemStatistic}
		count[k]++
		if c := count[k]; c > count[best] || (c == count[best] && k.CPU+k.Mem < best.CPU+best.Mem) {
			best = k
		}
	}
	return best
}

func uncommon(s, common string) string {
	if s == common {
		return ""
	}
	return s
}

func intOrDash(n int) string {
	if n <= 0 {
		return "—"
	}
	return strconv.Itoa(n)
}

func bytesOrDash(b int64) string {
	if b <= 0 {
		return "—"
	}
	return gib(float64(b))
}

// peakWindow names the peak group g (1-based), "" for none.
func peakWindow(g int, groups []model.PeakGroup) string {
	if g < 1 || g > len(groups) {
		return ""
	}
	return groups[g-1].Window
}

// dimPct is a per-resource percentage, e.g. a coincidence factor × 100.
type dimPct struct {
	Dim, Pct string
}

// dimPcts lists v (fractions) as percentages in dimension order.
func dimPcts(v model.DimValues) []dimPct {
	var out []dimPct
	for d := model.Dim(0); d < model.NumDims; d++ {
		if x, ok := v[d.String()]; ok {
			out = append(out, dimPct{Dim: d.String(), Pct: fmtFixed(100*x, 1)})
		}
	}
	return out
}

// pairView is two correlated servers of a host.
type pairView struct {
	A, B link
	Corr string
}

// hostAnalysisView is what the model says about a host's servers together.
type hostAnalysisView struct {
	Coincidence []dimPct
	MeanCorr    string
	HasCorr     bool
	TopPairs    []pairView
	KSM         bool
	KSMGuests   int
	KSMSaving   string // GiB
}

func hostAnalysisOf(a model.HostAnalysis, nServers int, ksm bool, serverAnchor map[string]string) hostAnalysisView {
	v := hostAnalysisView{
		Coincidence: dimPcts(a.CoincidenceFactor),
		MeanCorr:    fmtFixed(a.CPUMeanCorrelation, 2),
		HasCorr:     nServers > 1 && len(a.CPUTopPairs) > 0,
		KSM:         ksm,
		KSMGuests:   a.KSMGuests,
		KSMSaving:   gib(a.KSMSavingBytes),
	}
	if nServers < 2 {
		v.Coincidence = nil // one server coincides with itself
	}
	for _, p := range a.CPUTopPairs {
		v.TopPairs = append(v.TopPairs, pairView{
			A: link{Text: p.A, Anchor: serverAnchor[p.A]}, B: link{Text: p.B, Anchor: serverAnchor[p.B]},
			Corr: fmtFixed(p.Correlation, 2),
		})
	}
	return v
}

// fleetView is the model's fleet-wide findings.
type fleetView struct {
	Coincidence []fleetCF
	PeakGroups  []peakGroupView
	// Confidence.
	Stars        string
	PresentPct   string
	ByStars      []starCount
	Insufficient int
	Short        int
	HasConf      bool
	Saturated    int
	// Right-sizing totals: vCPUs today (the servers' logical CPUs; 0 when
	// the plan does not say), physical cores today and right-sized vCPUs.
	VCPUNow, CoresNow, VCPURight int
	MemNow, MemRight             string
	HasRightsize                 bool
	KSM                          bool
	KSMSaving                    string
}

type fleetCF struct {
	Dim, Unit             string
	Pct, Saving           string
	PeakOfSum, SumOfPeaks string
}

type starCount struct {
	Stars string
	N     int
}

// maxGroupServers is how many servers a peak group lists by name.
const maxGroupServers = 40

type peakGroupView struct {
	N       int
	Window  string
	Pct     string
	Servers []link
	More    int
}

func fleetViewOf(p *model.Plan, serverAnchor map[string]string) fleetView {
	f := p.Fleet
	v := fleetView{
		Saturated:    f.SaturatedServers,
		VCPUNow:      f.CurrentVCPUs,
		CoresNow:     f.CurrentCores,
		VCPURight:    f.RightsizeVCPUs,
		MemNow:       gib(float64(f.CurrentMemBytes)),
		MemRight:     gib(float64(f.RightsizeMemBytes)),
		HasRightsize: f.RightsizeVCPUs > 0 || f.RightsizeMemBytes > 0,
		KSM:          p.Settings.KSM,
		KSMSaving:    gib(f.KSMSavingBytes),
	}
	if v.VCPUNow == 0 {
		// A plan made before current_vcpus_total: the servers' own.
		for _, s := range p.ServerDetails {
			if s.Analysis.Rightsize.VCPUs > 0 {
				v.VCPUNow += currentVCPUs(s)
			}
		}
	}
	for d := model.Dim(0); d < model.NumDims; d++ {
		cf, ok := f.CoincidenceFactor[d.String()]
		if !ok {
			continue
		}
		div, unit, prec := dimScale(d)
		v.Coincidence = append(v.Coincidence, fleetCF{
			Dim: d.String(), Unit: unit,
			Pct: fmtFixed(100*cf, 1), Saving: fmtFixed(100-100*cf, 1),
			PeakOfSum: fmtFixed(f.PeakOfSum[d.String()]/div, prec), SumOfPeaks: fmtFixed(f.SumOfPeaks[d.String()]/div, prec),
		})
	}
	c := f.Confidence
	if len(c.ServersByStars) > 0 {
		v.HasConf = true
		v.Stars = stars(c.Stars)
		v.PresentPct = fmtFixed(c.PresentPct, 1)
		v.Insufficient, v.Short = c.Insufficient, c.Short
		for s := 5; s >= 1; s-- {
			if n := c.ServersByStars[strconv.Itoa(s)]; n > 0 {
				v.ByStars = append(v.ByStars, starCount{Stars: stars(s), N: n})
			}
		}
	}
	for i, g := range f.PeakGroups {
		gv := peakGroupView{N: i + 1, Window: g.Window, Pct: fmtFixed(100*g.CoincidenceFactor, 1)}
		for k, id := range g.Servers {
			if k == maxGroupServers {
				gv.More = len(g.Servers) - k
				break
			}
			gv.Servers = append(gv.Servers, link{Text: id, Anchor: serverAnchor[id]})
		}
		v.PeakGroups = append(v.PeakGroups, gv)
	}
	return v
}

// hoursPerYear is the hours of a mean year (365.25 days), as in the cost
// model (docs/model.md §15).
const hoursPerYear = 8766

// powerView compares the legacy servers' power with the plan's hosts'.
type powerView struct {
	Before, After string // kW
	// Change is the change from before to after, e.g. "−87 %"; Lower is
	// true when the plan draws less power.
	Change    string
	Lower     bool
	HostWatts string
	// Energy cost over the plan's years, catalog currency.
	CostBefore, CostAfter string
	HasCost               bool
	Unplaced              int
	// FromPlan is true when the figures come from plan.json's power (the
	// servers' inventory watts, the default for the others); Basis says
	// so in words, e.g. "98 servers' inventory watts, 2 at the 250 W
	// default"; Inventory and Default count the servers of each kind.
	FromPlan           bool
	Basis              string
	Inventory, Default int
	DefaultWatts       string
}

// powerOf estimates the power before and after. With plan.json's power:
// before is the sum of the servers' watts (inventory, else the documented
// default), after the plan's hosts' watts plus the unplaced servers'.
// Without it: before is legacyServerWatts per server, after the chosen
// candidate's hosts, whose watts are derived exactly from its energy cost
// (energy = hosts × W × 8766 h × years × price / 1000), plus
// legacyServerWatts per unplaced server. ok is false when the figures
// cannot be had.
func powerOf(p *model.Plan) (v powerView, ok bool) {
	var chosen *model.Candidate
	for i := range p.Candidates {
		if p.Candidates[i].Chosen {
			chosen = &p.Candidates[i]
			break
		}
	}
	s := p.Settings
	energy := func(w float64) float64 { return w / 1000 * hoursPerYear * s.Years * s.EnergyPricePerKWh }
	var before, after, watts float64
	if pw := p.Power; pw.BeforeWatts > 0 && p.HostsUsed > 0 {
		before, after, watts = pw.BeforeWatts, pw.AfterWatts, pw.HostWatts/float64(p.HostsUsed)
		v.FromPlan, v.Inventory, v.Default = true, pw.ServersInventory, pw.ServersDefault
		v.DefaultWatts = fmtFixed(pw.DefaultWatts, 0)
		switch {
		case pw.ServersDefault == 0:
			v.Basis = "every server's watts from its inventory"
		case pw.ServersInventory == 0:
			v.Basis = fmt.Sprintf("%d W assumed per server: no inventory gives watts", int(pw.DefaultWatts))
		default:
			v.Basis = fmt.Sprintf("%d %s at their inventory watts, %d at the %d W default", pw.ServersInventory, plural(pw.ServersInventory, "server", "servers"), pw.ServersDefault, int(pw.DefaultWatts))
		}
		v.HasCost = s.EnergyPricePerKWh > 0 && s.Years > 0
	} else {
		if chosen == nil || chosen.HostsUsed <= 0 || !(s.EnergyPricePerKWh > 0) || !(s.Years > 0) || !(chosen.EnergyCostTotal > 0) {
			return v, false
		}
		watts = chosen.EnergyCostTotal * 1000 / (float64(chosen.HostsUsed) * hoursPerYear * s.Years * s.EnergyPricePerKWh)
		before = float64(p.Servers) * legacyServerWatts
		after = float64(chosen.HostsUsed)*watts + float64(len(p.Unplaced))*legacyServerWatts
		v.HasCost = true
	}
	v.Before, v.After = fmtFixed(before/1000, 1), fmtFixed(after/1000, 1)
	v.HostWatts = fmtFixed(watts, 0)
	v.CostBefore, v.CostAfter = fmtGrouped(energy(before)), fmtGrouped(energy(after))
	v.Unplaced = len(p.Unplaced)
	if before > 0 {
		ch := 100 * (after/before - 1)
		v.Lower = ch < 0
		v.Change = fmtFixed(math.Abs(ch), 0) + " %"
		if ch < 0 {
			v.Change = "−" + v.Change
		} else {
			v.Change = "+" + v.Change
		}
	}
	return v, true
}

// risksView lists what can go wrong with the plan.
type risksView struct {
	Unplaced  []unplacedRow
	HA        haView
	Saturated []saturatedRow
	LowConf   []lowConfRow
	Storage   []storageRow
	// StorageFlagged counts the hosts at or above storageRiskPct.
	StorageFlagged int
	WarnGroups     []warnGroup
	Backtest       *backtestView
	// InputIssues are what the input data got wrong (plan.json
	// input_issues); OverCeiling the hosts planned above their ceiling.
	InputIssues []inputIssueView
	OverCeiling []overCeilingRow
	// Tally counts every risk above, for the decision and the list at the
	// top of the section.
	Tally riskTally
}

type unplacedRow struct {
	model.Unplaced
	Anchor string
}

type haView struct {
	// Replayed is true when the backtest replayed the failure scenarios.
	Replayed  bool
	Level     int
	Method    string
	Holds     bool
	Spares    int
	Scenarios []scenarioRow
	Failing   int
}

type scenarioRow struct {
	Failed   []link
	Moves    int
	Targets  string
	Stranded []link
	OK       bool
	// Replayed is the backtest of the scenario: host-minutes over a
	// ceiling and the worst overload ("" without a backtest).
	Replayed     string
	ReplayedOver bool
}

type saturatedRow struct {
	Server             link
	Days, DaysWithData int
	Longest            string
	Uplift             string
	Host               link
}

type lowConfRow struct {
	Server           link
	Stars, Pct, Days string
	Rating           string
	Host             link
}

// storageRiskPct is the peak disk utilisation, % of the usable capacity
// (itself 70 % of raw by default), at or above which a host is flagged as
// a storage latency risk: our rule of thumb, since storage shared by many
// VMs degrades before it saturates (PRODUCT.md: storage is the weak point
// of consolidation).
const storageRiskPct = 80

type storageRow struct {
	Host       link
	IOPS, Disk string
	Flagged    bool
	VMs        int
}

type warnGroup struct {
	Kind  string
	Items []string
}

type backtestView struct {
	Backtest
	Rows []backtestRow
	// PredVsActual sets kvmfit's predicted risk beside its replay (nil:
	// nothing predicted).
	PredVsActual *predVsActual
}

type backtestRow struct {
	BacktestMethod
	OverloadMinutes, OverloadPct, WorstPct string
}

// digitsRE matches runs of digits (with decimals) in a warning.
var digitsRE = regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)

// serverPrefixRE matches a warning's leading "server NAME".
var serverPrefixRE = regexp.MustCompile(`^server \S+?:`)

// warningKind groups warnings that differ only in numbers and in the
// server's own ID and dataset.
func warningKind(w string, strip ...string) string {
	for _, s := range strip {
		if s != "" {
			w = strings.ReplaceAll(w, s, "…")
		}
	}
	w = serverPrefixRE.ReplaceAllString(w, "server …:")
	w = digitsRE.ReplaceAllString(w, "N")
	if r := []rune(w); len(r) > 120 {
		w = string(r[:120]) + "…"
	}
	return w
}

// groupWarnings groups the plan's warnings and every server's warnings by
// kind, largest group first (ties by kind).
func groupWarnings(p *model.Plan) []warnGroup {
	by := map[string]*warnGroup{}
	var order []string
	add := func(kind, item string) {
		g, ok := by[kind]
		if !ok {
			g = &warnGroup{Kind: kind}
			by[kind] = g
			order = append(order, kind)
		}
		g.Items = append(g.Items, item)
	}
	for _, w := range p.Warnings {
		add(warningKind(w), w)
	}
	for _, s := range p.ServerDetails {
		for _, w := range s.Warnings {
			add(warningKind(w, s.Dataset, s.ID), s.ID+": "+w)
		}
	}
	out := make([]warnGroup, 0, len(order))
	for _, k := range order {
		out = append(out, *by[k])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if len(out[i].Items) != len(out[j].Items) {
			return len(out[i].Items) > len(out[j].Items)
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

func risksOf(p *model.Plan, bt *Backtest, serverAnchor, hostAnchor map[string]string) risksView {
	r := risksView{InputIssues: inputIssuesOf(p.InputIssues, serverAnchor), OverCeiling: overCeilingHosts(p, hostAnchor)}
	for _, u := range p.Unplaced {
		r.Unplaced = append(r.Unplaced, unplacedRow{Unplaced: u, Anchor: serverAnchor[u.Server]})
	}
	r.HA = haView{Level: p.HA.Level, Method: p.HA.Method, Holds: p.HA.Holds, Spares: p.HA.SpareHostsAdded}
	replay := map[string]BacktestFailure{}
	if bt != nil && len(bt.Methods) > 0 {
		for _, f := range bt.Methods[0].Failures {
			replay[strings.Join(f.Failed, "\x00")] = f
		}
		r.HA.Replayed = len(bt.Methods[0].Failures) > 0
	}
	for _, sc := range p.HA.Scenarios {
		row := scenarioRow{Moves: len(sc.Moves), OK: sc.OK}
		if f, ok := replay[strings.Join(sc.Failed, "\x00")]; ok {
			row.ReplayedOver = f.OverloadMinutes > 0
			row.Replayed = fmt.Sprintf("%s host-minutes over a ceiling, worst %s%% over", fmtGrouped(f.OverloadMinutes), fmtFixed(f.WorstOverloadPct, 1))
		}
		for _, h := range sc.Failed {
			row.Failed = append(row.Failed, link{Text: h, Anchor: hostAnchor[h]})
		}
		for _, s := range sc.Stranded {
			row.Stranded = append(row.Stranded, link{Text: s, Anchor: serverAnchor[s]})
		}
		row.Targets = moveTargets(sc.Moves)
		if !sc.OK {
			r.HA.Failing++
		}
		r.HA.Scenarios = append(r.HA.Scenarios, row)
	}
	for _, s := range p.ServerDetails {
		a := s.Analysis
		host := link{Text: s.Host, Anchor: hostAnchor[s.Host]}
		if a.Saturation.Flagged {
			r.Saturated = append(r.Saturated, saturatedRow{
				Server: link{Text: s.ID, Anchor: serverAnchor[s.ID]},
				Days:   a.Saturation.DaysSaturated, DaysWithData: a.Saturation.DaysWithData,
				Longest: strconv.Itoa(a.Saturation.LongestMinutes), Uplift: factor(nonZero(a.Saturation.UpliftApplied, 1)), Host: host,
			})
		}
		if lowConfidence(a.Confidence) {
			c := a.Confidence
			r.LowConf = append(r.LowConf, lowConfRow{
				Server: link{Text: s.ID, Anchor: serverAnchor[s.ID]},
				Stars:  stars(c.Stars), Pct: fmtFixed(c.PresentPct, 1), Days: fmtFixed(c.Days, 1), Rating: c.Rating, Host: host,
			})
		}
	}
	for _, h := range p.Hosts {
		iops, okI := h.PeakUtilPct[model.DimDiskIOPS.String()]
		disk, okD := h.PeakUtilPct[model.DimDiskBytes.String()]
		if !okI && !okD {
			continue
		}
		row := storageRow{Host: link{Text: h.Name, Anchor: hostAnchor[h.Name]}, IOPS: "—", Disk: "—", VMs: len(h.Servers)}
		if okI {
			row.IOPS = fmtFixed(iops, 1)
		}
		if okD {
			row.Disk = fmtFixed(disk, 1)
		}
		row.Flagged = iops >= storageRiskPct || disk >= storageRiskPct
		if row.Flagged {
			r.StorageFlagged++
		}
		r.Storage = append(r.Storage, row)
	}
	// Busiest storage first; ties keep the plan's order.
	sort.SliceStable(r.Storage, func(i, j int) bool {
		return storageKey(r.Storage[i]) > storageKey(r.Storage[j])
	})
	r.WarnGroups = groupWarnings(p)
	if bt != nil {
		v := &backtestView{Backtest: *bt, PredVsActual: predictedVsActual(bt)}
		for _, m := range bt.Methods {
			v.Rows = append(v.Rows, backtestRow{
				BacktestMethod:  m,
				OverloadMinutes: fmtGrouped(m.OverloadMinutes),
				OverloadPct:     fmtFixed(m.OverloadHostMinutesPct, 3),
				WorstPct:        fmtFixed(m.WorstOverloadPct, 1),
			})
		}
		r.Backtest = v
	}
	return r
}

func storageKey(r storageRow) float64 {
	a, _ := strconv.ParseFloat(r.IOPS, 64)
	b, _ := strconv.ParseFloat(r.Disk, 64)
	return math.Max(a, b)
}

// moveTargets summarises where the servers of failed hosts restart, e.g.
// "host-08 (5)" or "host-03 (2), host-05 (1)".
func moveTargets(moves []model.Assignment) string {
	n := map[string]int{}
	var order []string
	for _, m := range moves {
		if n[m.Host] == 0 {
			order = append(order, m.Host)
		}
		n[m.Host]++
	}
	sort.Strings(order)
	parts := make([]string, 0, len(order))
	for i, h := range order {
		if i == 6 {
			parts = append(parts, fmt.Sprintf("and %d more hosts", len(order)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", h, n[h]))
	}
	return strings.Join(parts, ", ")
}
