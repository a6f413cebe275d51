package model

// ServerAnalysis is what the model says about one server beyond its demand:
// data confidence, saturation, CPU normalisation, growth and right-sizing.
// It is written into plan.json under server_details[].analysis.
type ServerAnalysis struct {
	Confidence Confidence `json:"confidence"`
	// CPUNorm is how busy % became reference cores (method calibration,
	// mhz or assumed).
	CPUNorm    CPUNorm     `json:"cpu_normalisation"`
	Saturation Saturation  `json:"saturation"`
	Growth     Growth      `json:"growth"`
	Rightsize  Rightsizing `json:"rightsize"`
	// Entitlement is what the server's vCPUs and memory could use on the
	// target host, and the reserve kept for it where its data is thin.
	Entitlement Entitlement `json:"entitlement"`
	// OSFamily groups guests for KSM ("" = unknown, never merged).
	OSFamily string `json:"os_family"`
	// CPUPeakSlot is the slot of the packed profile where the server's CPU
	// demand peaks; PeakGroup is its 1-based index in fleet.peak_groups,
	// 0 when it is in none.
	CPUPeakSlot int `json:"cpu_peak_slot"`
	PeakGroup   int `json:"peak_group"`
}

// Confidence rates how much data a server has (Azure Migrate's stars by the
// share of expected data points present; MS MAP's days rule).
type Confidence struct {
	// SlotsPresent is the grid slots holding data; SlotsExpected the slots
	// of the fleet's data span.
	SlotsPresent  int     `json:"slots_present"`
	SlotsExpected int     `json:"slots_expected"`
	PresentPct    float64 `json:"present_pct"`
	// Stars: 1 for 0–20 % present, 2 for 21–40, 3 for 41–60, 4 for 61–80,
	// 5 for 81–100 (Azure Migrate).
	Stars int `json:"stars"`
	// Days is SlotsPresent × step in days. Rating is "insufficient" below
	// Settings.MinDays, "short" below RecommendedDays, else "ok" (MS MAP).
	Days   float64 `json:"days"`
	Rating string  `json:"rating"`
}

// Saturation says whether a server's CPU was pinned at its ceiling, so that
// its measured demand understates the true one.
type Saturation struct {
	Flagged bool `json:"flagged"`
	// DaysSaturated counts the days with a stretch of SaturationMinutes or
	// more at or above SaturationCPUPct; DaysWithData the days with CPU data.
	DaysSaturated int `json:"days_saturated"`
	DaysWithData  int `json:"days_with_data"`
	// LongestMinutes is the longest such stretch.
	LongestMinutes int `json:"longest_minutes"`
	// UpliftApplied multiplies the CPU demand: SaturationUplift when
	// flagged, else 1.
	UpliftApplied float64 `json:"uplift_applied"`
}

// Entitlement is the most a future VM can use and the part of it the plan
// reserves because the server's history is too short to rule it out
// (docs/model.md §21).
type Entitlement struct {
	// VCPUs is the VM's vCPU count: the server's logical CPUs today
	// (threads, else cores). One vCPU runs on one host thread and can use
	// at most one host core.
	VCPUs int `json:"vcpus"`
	// CPUCapCoresRef is the most CPU the VM can use on the target host, in
	// reference cores, virtualisation factor included: VCPUs × the target
	// core's score / the reference score × CPUVirtFactor (0: no target
	// core score known, no cap). Margins (saturation uplift, growth,
	// comfort) never lift a slot above it.
	CPUCapCoresRef float64 `json:"cpu_cap_cores_ref"`
	// SlotsCapped counts the aligned slots the cap lowered.
	SlotsCapped int `json:"slots_capped"`
	// MemEntitledBytes is the memory the VM can use: its installed memory
	// plus the per-VM overhead.
	MemEntitledBytes float64 `json:"mem_entitled_bytes"`
	// EvidenceWeight = 1 − the share of the fleet's data span the server
	// has data for (Confidence.PresentPct): the share of its unused
	// entitlement that is reserved.
	EvidenceWeight float64 `json:"evidence_weight"`
	// ReserveCPUCoresRef and ReserveMemBytes are the evidence reserve:
	// EvidenceWeight × (cap − planned peak) for CPU and EvidenceWeight ×
	// (entitled − planned peak) for memory. They are not in the demand: the
	// planner makes the planned load plus the reserves of a host's servers
	// fit the host's full capacity.
	ReserveCPUCoresRef float64 `json:"reserve_cpu_cores_ref"`
	ReserveMemBytes    float64 `json:"reserve_mem_bytes"`
}

// A trend is shown only when it has enough data, is significant and is
// plausible (docs/model.md §7).
const (
	// TrendMinDays is the fewest days with data a trend is fitted on: four
	// whole weeks, so that every weekday is seen four times and a weekly
	// cycle cut at the ends of the data does not pass for a trend.
	TrendMinDays = 28
	// TrendZ is the two-sided 5 % critical value of the Mann–Kendall Z.
	TrendZ = 1.959963984540054
	// TrendMaxPctPerYear bounds a plausible trend: a server's load that
	// more than doubles, or falls to nothing, within a year as measured
	// over a few weeks is a change of workload, not a trend.
	TrendMaxPctPerYear = 100
)

// Trend statuses (Growth.CPUTrend, Growth.MemTrend).
const (
	// TrendShown: at least TrendMinDays days, |Z| ≥ TrendZ and at most
	// TrendMaxPctPerYear: the trend is shown (and an upward one projected).
	TrendShown = "trend"
	// TrendNotEnoughData: fewer than TrendMinDays days with data.
	TrendNotEnoughData = "not_enough_data"
	// TrendNotSignificant: enough days, but |Z| < TrendZ: no trend.
	TrendNotSignificant = "not_significant"
	// TrendImplausible: significant, but beyond ±TrendMaxPctPerYear a
	// year: dropped, with an input issue "trend".
	TrendImplausible = "implausible"
)

// Growth is a server's measured trend and the growth factors applied.
type Growth struct {
	// Trends: Theil–Sen slope of the daily P95, as % of the median daily
	// P95 per year, when the trend is shown (CPUTrend, MemTrend
	// TrendShown), else 0; significant is true for a shown upward trend,
	// the only kind projected.
	CPUTrendPctPerYear  float64 `json:"cpu_trend_pct_per_year"`
	CPUTrendSignificant bool    `json:"cpu_trend_significant"`
	MemTrendPctPerYear  float64 `json:"mem_trend_pct_per_year"`
	MemTrendSignificant bool    `json:"mem_trend_significant"`
	// CPUTrend and MemTrend say whether the trend is shown and, if not,
	// why: TrendShown, TrendNotEnoughData, TrendNotSignificant or
	// TrendImplausible.
	CPUTrend string `json:"cpu_trend"`
	MemTrend string `json:"mem_trend"`
	// Factors applied: GlobalFactor = (1 + GrowthPctPerYear/100)^(horizon
	// in years) on every resource; CPU and memory also carry their
	// significant upward trend extrapolated to the horizon. All capped at
	// GrowthCap.
	GlobalFactor float64 `json:"global_factor"`
	CPUFactor    float64 `json:"cpu_factor"`
	MemFactor    float64 `json:"mem_factor"`
	Capped       bool    `json:"capped"`
}

// Rightsizing is the recommended size of the server's future VM.
type Rightsizing struct {
	// VCPUs is the recommended vCPU count of the VM on the target host:
	// one vCPU runs on one host thread and can use at most one core of the
	// target host (Settings.TargetCoreScore, the CPU cap's unit), so on a
	// host with faster cores the same work needs fewer. Same unit as
	// CurrentVCPUs.
	VCPUs        int    `json:"vcpus"`
	CPUStatistic string `json:"cpu_statistic"`
	MemBytes     int64  `json:"mem_bytes"`
	MemStatistic string `json:"mem_statistic"`
	// What the server has today: physical cores, vCPUs (its logical CPUs,
	// what a P2V conversion gives its VM: model.Inventory.VCPUs) and memory.
	CurrentCores    int   `json:"current_cores"`
	CurrentVCPUs    int   `json:"current_vcpus"`
	CurrentMemBytes int64 `json:"current_mem_bytes"`
}

// FleetAnalysis is what the model says about the fleet as a whole, such as
// the coincidence factor of the peaks. It is written into plan.json as fleet.
type FleetAnalysis struct {
	// CoincidenceFactor per resource = PeakOfSum / SumOfPeaks over the
	// packed demand of every placeable server (1 = all peak together).
	// A resource with no demand is left out.
	CoincidenceFactor DimValues       `json:"coincidence_factor"`
	PeakOfSum         DimValues       `json:"peak_of_sum"`
	SumOfPeaks        DimValues       `json:"sum_of_peaks"`
	Confidence        FleetConfidence `json:"confidence"`
	// SaturatedServers counts servers flagged as CPU-saturated.
	SaturatedServers int `json:"saturated_servers"`
	// Right-sizing totals over the servers with samples: recommended and
	// current vCPUs (comparable: both count vCPUs), physical cores today,
	// memory.
	RightsizeVCPUs    int   `json:"rightsize_vcpus_total"`
	CurrentCores      int   `json:"current_cores_total"`
	CurrentVCPUs      int   `json:"current_vcpus_total"`
	RightsizeMemBytes int64 `json:"rightsize_mem_bytes_total"`
	CurrentMemBytes   int64 `json:"current_mem_bytes_total"`
	// KSMSavingBytes is the sum of the hosts' KSM savings (Settings.KSM);
	// it is shown, never packed.
	KSMSavingBytes float64 `json:"ksm_saving_bytes"`
	// PeakGroups are the servers whose CPU peaks in the same time window
	// (Verma et al. 2009): placing them apart spreads the peaks.
	PeakGroups []PeakGroup `json:"peak_groups"`
}

// FleetConfidence summarises the servers' confidence.
type FleetConfidence struct {
	// PresentPct is Σ slots present / Σ slots expected over all servers
	// with samples, Stars its Azure Migrate rating.
	PresentPct float64 `json:"present_pct"`
	Stars      int     `json:"stars"`
	// ServersByStars counts servers per star rating ("1" ... "5").
	ServersByStars map[string]int `json:"servers_by_stars"`
	Insufficient   int            `json:"insufficient"`
	Short          int            `json:"short"`
}

// HostAnalysis is what the model says about the servers placed together on
// one host, such as their coincidence factor. It is written into plan.json
// under hosts[].analysis.
type HostAnalysis struct {
	// CoincidenceFactor per resource = peak of the host's summed demand /
	// sum of its servers' peaks.
	CoincidenceFactor DimValues `json:"coincidence_factor"`
	// CPUMeanCorrelation is the mean Pearson correlation of the CPU demand
	// over every pair of servers on the host (pairs with a constant series
	// are left out); CPUTopPairs the most correlated pairs.
	CPUMeanCorrelation float64          `json:"cpu_mean_correlation"`
	CPUTopPairs        []CorrelatedPair `json:"cpu_top_pairs"`
	// KSM (Settings.KSM): guests sharing an OS family with another guest of
	// the host, and KSMSharePct of the peak of their memory demand.
	KSMGuests      int     `json:"ksm_guests"`
	KSMSavingBytes float64 `json:"ksm_saving_bytes"`
}

// CorrelatedPair is two servers and the correlation of their CPU demand.
type CorrelatedPair struct {
	A           string  `json:"a"`
	B           string  `json:"b"`
	Correlation float64 `json:"correlation"`
}

// PeakGroup is a set of servers whose CPU demand peaks in the same window.
type PeakGroup struct {
	// Window names the time window, e.g. "08:00–09:00" (day), "Mon
	// 08:00–09:00" (week) or "2026-01-05 08:00–09:00" (full), UTC.
	Window    string `json:"window"`
	FirstSlot int    `json:"first_slot"`
	LastSlot  int    `json:"last_slot"`
	// Members index Demand.Servers; Servers are their IDs.
	Members []int    `json:"-"`
	Servers []string `json:"servers"`
	// CoincidenceFactor of the group's CPU demand (high: they peak together).
	CoincidenceFactor float64 `json:"cpu_coincidence_factor"`
}

// CPUNorm says how a server's CPU busy % becomes reference cores.
type CPUNorm struct {
	// Cores is the number of cores counted (vCPUs for a VM).
	Cores int `json:"cores"`
	// HT is true when the server has more threads than cores.
	HT bool `json:"ht"`
	// ScorePerCore is the single-core score used.
	ScorePerCore float64 `json:"score_per_core"`
	// Method is "calibration" (measured score), "mhz" (MHz fallback) or
	// "assumed" (neither known: one reference core per core).
	Method string `json:"method"`
	// CoresRef is the server's whole CPU capacity in reference cores:
	// Cores × (HTFactor if HT) × ScorePerCore / ReferenceCoreScore.
	CoresRef float64 `json:"cores_ref"`
}
