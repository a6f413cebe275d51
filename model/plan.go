package model

// Plan is the result of `kvmfit plan`, written as plan.json. Its schema is
// documented in docs/format.md; field order is fixed so that the same input
// gives the same bytes.
type Plan struct {
	FormatVersion int `json:"format_version"`
	// GeneratedBy names the program and version; no wall-clock time is stored
	// so that a plan is reproducible byte for byte.
	GeneratedBy string `json:"generated_by"`
	// Servers is the number of servers in the input.
	Servers  int    `json:"servers"`
	HostType string `json:"host_type"`
	// HostsUsed is the number of hosts of HostType in the plan.
	HostsUsed int `json:"hosts_used"`
	// LowerBound is the least number of hosts any plan could use (see docs/model.md).
	LowerBound int `json:"lower_bound"`
	// HostsWithoutHA is the number of hosts the packing needs before spare
	// hosts are added for HA (N+k); LowerBound bounds this number.
	HostsWithoutHA int `json:"hosts_without_ha"`
	// LowerBoundGapPct is 100 × (hosts_without_ha − lower_bound) / lower_bound.
	LowerBoundGapPct float64 `json:"lower_bound_gap_pct"`
	// LowerBounds are the individual lower bounds (docs/packing.md).
	LowerBounds LowerBounds `json:"lower_bounds"`
	// Search describes how the packing was found.
	Search Search `json:"search"`
	// Placement says how the servers were spread over the hosts the search
	// found (binpack.Balance).
	Placement Placement `json:"placement"`
	// Risk is the overload predicted for the month after the data.
	Risk RiskPrediction `json:"risk"`
	// HA is the failure analysis: every set of HA.Level hosts failed in turn.
	HA HAReport `json:"ha"`
	// PackSettings are the packer's settings (constraints, HA level, budget).
	PackSettings PackSettings `json:"pack_settings"`
	// ConsolidationRatio is placed servers per host.
	ConsolidationRatio float64 `json:"consolidation_ratio"`
	// SavingVsSumOfPeaksPct is 100 × (1 − hosts_without_ha / sum-of-peaks hosts): hosts for the load against hosts for the load, the N+k spares apart.
	SavingVsSumOfPeaksPct float64 `json:"saving_vs_sum_of_peaks_pct"`
	// SavingVsPercentileComfortPct is 100 × (1 − hosts_without_ha /
	// baselines.percentile_comfort.hosts_used) (0 when that baseline was
	// not computed).
	SavingVsPercentileComfortPct float64      `json:"saving_vs_percentile_comfort_pct"`
	Grid                         PlanGrid     `json:"grid"`
	Assignments                  []Assignment `json:"assignments"`
	Hosts                        []PlanHost   `json:"hosts"`
	Unplaced                     []Unplaced   `json:"unplaced"`
	Baselines                    Baselines    `json:"baselines"`
	Candidates                   []Candidate  `json:"candidates"`
	// Sensitivity is how the host count of the chosen model moves when one
	// setting changes (docs/format.md, "Sensitivity").
	Sensitivity Sensitivity `json:"sensitivity"`
	// Power compares the legacy servers' power draw with the plan's hosts'.
	Power         Power        `json:"power"`
	ServerDetails []PlanServer `json:"server_details"`
	// Fleet holds fleet-wide analytics from the model (analysis.go).
	Fleet    FleetAnalysis `json:"fleet"`
	Settings Settings      `json:"settings"`
	// Backtest holds the replay of later data against this plan, when the
	// plan was built by `kvmfit backtest` (docs/backtest.md).
	Backtest *BacktestReport `json:"backtest,omitempty"`
	Warnings []string        `json:"warnings"`
}

// PlanGrid describes the time grid the data was aligned to and the slots packed.
type PlanGrid struct {
	// DataStart and DataEnd bound the aligned data (RFC 3339, UTC).
	DataStart string `json:"data_start"`
	DataEnd   string `json:"data_end"`
	StepSec   int    `json:"step_sec"`
	// Profile is the kind of profile packed; with "day", slot t is the
	// t-th step after midnight UTC.
	Profile ProfileKind `json:"profile"`
	Slots   int         `json:"slots"`
}

// Assignment places one server on one host.
type Assignment struct {
	Server string `json:"server"`
	Host   string `json:"host"`
}

// PlanHost is one host of the plan.
type PlanHost struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Servers []string `json:"servers"`
	// RawCapacity is the host model's capacity per dimension.
	RawCapacity DimValues `json:"raw_capacity"`
	// UsableCapacity is the capacity packed against (after ceilings and host reserve).
	UsableCapacity DimValues `json:"usable_capacity"`
	// PeakUtilPct is, per dimension, the peak over slots of the summed demand
	// as a percentage of the usable capacity.
	PeakUtilPct DimValues `json:"peak_util_pct"`
	// Binding is the dimension with the highest PeakUtilPct; BindingSlots
	// lists the slots (0-based) where it is within 1 point of its peak.
	Binding      string `json:"binding"`
	BindingSlots []int  `json:"binding_slots"`
	// Existing is true for a host of the existing fleet (fixed-fleet mode).
	Existing bool `json:"existing"`
	// Spare is true for a host added for HA (N+k) that the packing itself
	// does not need.
	Spare bool `json:"spare"`
	// HeadroomPct is, per dimension, 100 − PeakUtilPct: what is left in the
	// host's busiest slot.
	HeadroomPct DimValues `json:"headroom_pct"`
	// Analysis holds the model's per-host findings (analysis.go).
	Analysis HostAnalysis `json:"analysis"`
}

// DimValues maps a dimension name (Dim.String) to a value. It is written as a
// JSON object; encoding/json sorts the keys, so output is deterministic.
type DimValues map[string]float64

// Unplaced is a server that fits no host, with the reason.
type Unplaced struct {
	Server string `json:"server"`
	// Dim is the dimension that does not fit on an empty host.
	Dim    string `json:"dim"`
	Reason string `json:"reason"`
	// Constraint names the constraint that stopped the server, if any:
	// anti-affinity, pin, no new hosts, max_vms_per_host, vcpu_per_pcpu.
	Constraint string `json:"constraint,omitempty"`
}

// LowerBounds are lower bounds on the hosts of one model a packing needs.
type LowerBounds struct {
	// L1 is the volume bound per resource and slot.
	L1 int `json:"l1"`
	// L2 is Martello and Toth's L2 per resource and slot.
	L2 int `json:"l2"`
	// Conflict is a set of servers no two of which can share a host.
	Conflict int `json:"conflict"`
	Best     int `json:"best"`
}

// Search describes the packer's search for the chosen candidate.
type Search struct {
	// Heuristic is the constructive heuristic the search started from.
	Heuristic string `json:"heuristic"`
	// Constructive gives the hosts every constructive heuristic reached.
	Constructive []HeuristicHosts `json:"constructive"`
	// Improved is how many hosts the improvement phase removed.
	Improved int `json:"improved"`
	// Work and WorkBudget are the work units spent and allowed.
	Work       int64 `json:"work"`
	WorkBudget int64 `json:"work_budget"`
	// Stop says why the search stopped: lower bound, work budget, no
	// search, or deadline (the wall-clock safety cap; the plan may then
	// differ between machines).
	Stop string `json:"stop"`
}

// Placement is the levelling of the load over the hosts after the search.
type Placement struct {
	// Objective names what was minimised ("none" when balancing is off).
	Objective string `json:"objective"`
	// Moves counts the servers that changed host; Work the work units.
	Moves int   `json:"moves"`
	Work  int64 `json:"work"`
	// MaxUtilPctBefore and MaxUtilPctAfter are the highest planned peak
	// utilisation (percent of usable capacity) over hosts and resources
	// before and after levelling.
	MaxUtilPctBefore float64 `json:"max_util_pct_before"`
	MaxUtilPctAfter  float64 `json:"max_util_pct_after"`
}

// HeuristicHosts is the outcome of one constructive heuristic.
type HeuristicHosts struct {
	Name  string `json:"name"`
	Hosts int    `json:"hosts"`
}

// HAReport is the N+k failure analysis of the plan.
type HAReport struct {
	// Level is k: every set of k hosts is failed in turn (0: no analysis).
	Level int `json:"level"`
	// Method says how the scenarios were chosen and replayed.
	Method string `json:"method"`
	// SpareHostsAdded is the number of hosts added until every scenario
	// re-placed all its servers.
	SpareHostsAdded int `json:"spare_hosts_added"`
	// Holds is true when every scenario re-places all its servers.
	Holds bool `json:"holds"`
	// Scenarios are the failure scenarios checked on the final plan.
	Scenarios []FailureScenario `json:"scenarios"`
}

// FailureScenario is the outcome of failing some hosts.
type FailureScenario struct {
	Failed []string `json:"failed"`
	// Moves says where each server of the failed hosts restarts.
	Moves []Assignment `json:"moves"`
	// Stranded are the servers that fit on no surviving host.
	Stranded []string `json:"stranded"`
	// OK is true when no server is stranded.
	OK bool `json:"ok"`
}

// PackSettings are the packer's settings, written into plan.json.
type PackSettings struct {
	// HALevel is k of N+k.
	HALevel int `json:"ha_level"`
	// WorkBudget is the deterministic search budget (work units).
	WorkBudget int64 `json:"work_budget"`
	// TimeLimitSec is the wall-clock safety cap (0: none).
	TimeLimitSec float64 `json:"time_limit_sec"`
	// RackUnitPrice is the cost of one rack unit over the plan's years.
	RackUnitPrice float64 `json:"rack_unit_price"`
	// ConstraintsFile is the constraints file used ("" if none).
	ConstraintsFile string `json:"constraints_file"`
	// Constraints are the constraints applied (null if none).
	Constraints any `json:"constraints"`
	// ExistingFile is the existing-fleet file used ("" if none).
	ExistingFile string `json:"existing_file"`
	// NoNewHosts is true when only existing hosts may be used.
	NoNewHosts bool `json:"no_new_hosts"`
	// Mix is true when a mix of host models was evaluated.
	Mix bool `json:"mix"`
}

// Baselines holds the host counts of the methods kvmfit is compared with.
type Baselines struct {
	SumOfPeaks Baseline `json:"sum_of_peaks"`
	// PercentileComfort is Azure Migrate's per-VM sizing: every server at
	// its own P95 × 1.3 of each resource, flat over time, packed on the
	// plan's host model (HostsUsed 0 when not computed; Method says why).
	PercentileComfort Baseline `json:"percentile_comfort"`
}

// Baseline is the outcome of one baseline sizing method.
type Baseline struct {
	HostsUsed  int    `json:"hosts_used"`
	LowerBound int    `json:"lower_bound"`
	Method     string `json:"method"`
	// HostType is the host model packed on ("" for sum_of_peaks: the
	// plan's host type).
	HostType string `json:"host_type,omitempty"`
	// Percentile and Comfort are the per-VM percentile (0–100) and comfort
	// factor of the percentile × comfort baseline.
	Percentile float64 `json:"percentile,omitempty"`
	Comfort    float64 `json:"comfort,omitempty"`
	// Unplaced is the number of servers that fit no host of HostType at
	// the baseline's size (not counted in HostsUsed).
	Unplaced int `json:"unplaced,omitempty"`
	// Work is the search work spent and Stop why the search stopped (see
	// Search).
	Work int64  `json:"work,omitempty"`
	Stop string `json:"stop,omitempty"`
}

// Sensitivity is a sweep over the settings that move the host count most:
// each point packs the fleet on HostType with one setting changed and every
// other setting equal to the plan's, under a reduced work budget.
type Sensitivity struct {
	// Computed is false when the sweep was skipped; Note says why.
	Computed bool   `json:"computed"`
	HostType string `json:"host_type"`
	// WorkBudget is the search budget of every point (work units; 0 =
	// constructive heuristics only); MaxServers is the largest fleet swept.
	WorkBudget int64  `json:"work_budget"`
	MaxServers int    `json:"max_servers"`
	Method     string `json:"method"`
	Note       string `json:"note"`
	// Points are grouped by Setting (percentile, ceiling_cpu, ceiling_mem,
	// vcpu_per_pcpu), values ascending; Plan marks the plan's own value.
	Points []SensitivityPoint `json:"points"`
}

// SensitivityPoint is the host count of one setting's value.
type SensitivityPoint struct {
	// Setting is percentile (every resource that follows --percentile; 100
	// = the peak), ceiling_cpu and ceiling_mem (percent of capacity after
	// the host reserve) or vcpu_per_pcpu (the vCPU:pCPU overcommit limit;
	// 0 = no limit).
	Setting string  `json:"setting"`
	Value   float64 `json:"value"`
	// Hosts is the hosts the load needs (before HA spares) and LowerBound
	// the lower bound no packing can beat; Unplaced the servers that fit
	// no host.
	Hosts      int  `json:"hosts"`
	LowerBound int  `json:"lower_bound"`
	Unplaced   int  `json:"unplaced"`
	Plan       bool `json:"plan"`
}

// Power compares the power draw of the legacy servers (before) with the
// plan's (after: its hosts, plus the unplaced servers, which keep running).
type Power struct {
	BeforeWatts float64 `json:"before_watts"`
	AfterWatts  float64 `json:"after_watts"`
	// HostWatts is the hosts' part of AfterWatts.
	HostWatts float64 `json:"host_watts"`
	// DefaultWatts is the draw assumed for a server whose inventory gives
	// none (DefaultLegacyServerWatts); ServersDefault servers used it,
	// ServersInventory had their own.
	DefaultWatts     float64 `json:"default_watts"`
	ServersInventory int     `json:"servers_inventory"`
	ServersDefault   int     `json:"servers_default"`
}

// Candidate is the plan outcome for one host model of the catalog.
type Candidate struct {
	HostType        string  `json:"host_type"`
	HostsUsed       int     `json:"hosts_used"`
	LowerBound      int     `json:"lower_bound"`
	Unplaced        int     `json:"unplaced"`
	SumOfPeaksHosts int     `json:"sum_of_peaks_hosts"`
	CapexTotal      float64 `json:"capex_total"`
	EnergyCostTotal float64 `json:"energy_cost_total"`
	CostTotal       float64 `json:"cost_total"`
	RackUnitsTotal  int     `json:"rack_units_total"`
	Chosen          bool    `json:"chosen"`
	// HostsWithoutHA is the hosts before HA spares; HostsUsed includes them.
	HostsWithoutHA int `json:"hosts_without_ha"`
	// RackCost is rack_units_total × the rack unit price; it is in CostTotal.
	RackCost float64 `json:"rack_cost"`
	// Mix lists the hosts per model when the candidate mixes models
	// (host_type "mix"); empty otherwise.
	Mix []HostCount `json:"mix,omitempty"`
}

// HostCount is a number of hosts of one model.
type HostCount struct {
	HostType string `json:"host_type"`
	Hosts    int    `json:"hosts"`
}

// PlanServer summarises one server's input and demand.
type PlanServer struct {
	ID       string `json:"id"`
	Hostname string `json:"hostname"`
	Source   string `json:"source"`
	Dataset  string `json:"dataset"`
	// CoveragePct is the share of grid slots (between the fleet's first and
	// last timestamp) that hold data.
	CoveragePct float64 `json:"coverage_pct"`
	// PeakDemand is the peak of the server's profiled demand per dimension.
	PeakDemand DimValues `json:"peak_demand"`
	// CPUCoresRef is the server's whole CPU capacity in reference cores.
	CPUCoresRef float64 `json:"cpu_cores_ref"`
	Host        string  `json:"host"`
	// Watts is the server's power draw counted before the move: its
	// inventory's (WattsSource "inventory") or DefaultLegacyServerWatts
	// ("default").
	Watts       float64  `json:"watts"`
	WattsSource string   `json:"watts_source"`
	Warnings    []string `json:"warnings"`
	// Analysis holds the model's per-server findings (analysis.go).
	Analysis ServerAnalysis `json:"analysis"`
}
