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
	// Overhead is what virtualisation costs the plan.
	Overhead Overhead `json:"overhead"`
	// Storage is the fleet's storage capacity today and after the move.
	Storage StoragePlan `json:"storage"`
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
	// InputIssues are what is wrong or doubtful in the input data
	// (duplicates, periods that do not overlap, missing resources, assumed
	// time zones, truncated files, short trends): the report's first
	// paragraph and risk count say them.
	InputIssues []InputIssue `json:"input_issues"`
}

// InputIssue is one problem of the input data that the plan worked around.
type InputIssue struct {
	// Kind is "duplicate", "periods", "missing_resource", "time_zone",
	// "truncated" or "trend".
	Kind string `json:"kind"`
	// Servers are the servers concerned (IDs, sorted), empty for the fleet.
	Servers []string `json:"servers,omitempty"`
	// Message says it in one sentence, with what was done about it.
	Message string `json:"message"`
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
	// StorageBytes is the VM disks placed on the host (ServerStorage.
	// DemandBytes summed); StorageCapacityBytes its usable local storage
	// after the ceiling (0 for a host whose VM disks live in a pool).
	StorageBytes         float64 `json:"storage_bytes"`
	StorageCapacityBytes float64 `json:"storage_capacity_bytes"`
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
	// LP is the linear relaxation of the host-pattern formulation,
	// rounded up (small fleets only; 0 when not computed).
	LP   int `json:"lp,omitempty"`
	Best int `json:"best"`
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
	// LicenceCost is the catalog's licences for every host over the plan's
	// years; it is in CostTotal.
	LicenceCost float64 `json:"licence_cost"`
	// StoragePool is the shared pool the model keeps VM disks on ("" =
	// local storage); StoragePoolCost its price when it is new and priced
	// (in CostTotal).
	StoragePool     string  `json:"storage_pool,omitempty"`
	StoragePoolCost float64 `json:"storage_pool_cost"`
	// Description, PriceIncludes and PriceExcludes are the catalog's.
	Description   string `json:"description,omitempty"`
	PriceIncludes string `json:"price_includes,omitempty"`
	PriceExcludes string `json:"price_excludes,omitempty"`
	// CostExcludes lists, in words, what CostTotal leaves out that other
	// candidates' costs include (e.g. an unpriced new storage array):
	// candidates with a non-empty CostExcludes are not comparable on cost
	// alone.
	CostExcludes []string `json:"cost_excludes,omitempty"`
	// StorageFits is false when the fleet's VM disks do not fit the model's
	// storage (local capacity for a server, or the pool's capacity).
	StorageFits bool `json:"storage_fits"`
}

// Overhead is what the virtualisation layer costs the plan, in the
// packed dimensions (docs/model.md §4): the per-VM overhead (CPU factor,
// CPU cost of I/O, per-VM memory) and the host reserve, per host and for
// the fleet, and the hosts the fleet needs under each preset.
type Overhead struct {
	// Virt is the plan's preset (Settings.Virt).
	Virt   string `json:"virt"`
	Method string `json:"method"`
	// Fleet is the whole plan: the per-VM overhead at the slot where the
	// fleet's CPU demand peaks, and the host reserve of every host.
	Fleet OverheadFigures `json:"fleet"`
	// Hosts are the plan's hosts, each at its own CPU peak.
	Hosts []HostOverhead `json:"hosts"`
	// Presets pack the same fleet on the chosen host model under each
	// virtualisation preset and under no virtualisation at all ("none":
	// bare metal, no per-VM overhead, no host reserve).
	Presets     []VirtComparison `json:"presets"`
	PresetsNote string           `json:"presets_note,omitempty"`
	// HostsCost is the hosts the plan's preset needs for the load minus
	// those "none" needs; -1 when the comparison was not computed.
	HostsCost int `json:"hosts_cost"`
	// Summary says in one sentence what the overhead costs.
	Summary string `json:"summary"`
}

// OverheadFigures are the virtualisation overhead on one host or the fleet.
type OverheadFigures struct {
	// Slot is the profile slot the CPU figures are taken at (the CPU peak).
	Slot int `json:"slot"`
	// CPUFactorCoresRef is the CPU factor's share (CPUVirtFactor − 1 on
	// the guests' CPU); IOCPUCoresRef the CPU cost of the guests' I/O
	// (vhost, QEMU I/O threads).
	CPUFactorCoresRef float64 `json:"cpu_factor_cores_ref"`
	IOCPUCoresRef     float64 `json:"io_cpu_cores_ref"`
	// VMMemBytes is the per-VM memory overhead summed over the guests.
	VMMemBytes float64 `json:"vm_mem_bytes"`
	// HostReserve is what the host keeps for itself (reference cores,
	// bytes), before the ceilings.
	HostReserveCoresRef float64 `json:"host_reserve_cores_ref"`
	HostReserveMemBytes float64 `json:"host_reserve_mem_bytes"`
	// CPUCoresRef and MemBytes are the totals (per-VM + reserve).
	CPUCoresRef float64 `json:"cpu_cores_ref"`
	MemBytes    float64 `json:"mem_bytes"`
	// CPUSharePct and MemSharePct are the totals as a share of the raw
	// capacity (of the host, or of all the plan's hosts).
	CPUSharePct float64 `json:"cpu_share_pct"`
	MemSharePct float64 `json:"mem_share_pct"`
	// DiskIOPS and DiskBytesPerSec are extra storage operations of the
	// virtualisation layer: 0, not modelled (its I/O cost is counted as
	// host CPU, IOCPUCoresRef).
	DiskIOPS        float64 `json:"disk_iops"`
	DiskBytesPerSec float64 `json:"disk_bytes_per_sec"`
}

// HostOverhead is the overhead on one host of the plan.
type HostOverhead struct {
	Host string `json:"host"`
	OverheadFigures
}

// VirtComparison is the fleet packed under one virtualisation preset.
type VirtComparison struct {
	Virt          string  `json:"virt"`
	CPUVirtFactor float64 `json:"cpu_virt_factor"`
	// FleetPeakCPUCoresRef and FleetPeakMemBytes are the peaks of the
	// fleet's time-aligned demand under the preset.
	FleetPeakCPUCoresRef float64 `json:"fleet_peak_cpu_cores_ref"`
	FleetPeakMemBytes    float64 `json:"fleet_peak_mem_bytes"`
	HostReserveCores     float64 `json:"host_reserve_cores"`
	HostReserveMemBytes  float64 `json:"host_reserve_mem_bytes"`
	// Hosts are the hosts the load needs (no HA spares), LowerBound their
	// lower bound, Unplaced the servers that fit no host.
	Hosts      int `json:"hosts"`
	LowerBound int `json:"lower_bound"`
	Unplaced   int `json:"unplaced"`
	// Plan marks the plan's own preset.
	Plan bool `json:"plan"`
}

// StoragePlan is the fleet's storage capacity today and after the move
// (docs/model.md §8).
type StoragePlan struct {
	Method string `json:"method"`
	// GrowthFactor multiplies used bytes (Settings.StorageGrowthFactor);
	// CeilingPct is the fill ceiling of a host's or pool's capacity.
	GrowthFactor float64 `json:"growth_factor"`
	CeilingPct   float64 `json:"ceiling_pct"`
	// ProvisionedBytes is the servers' disks today; UsedBytes what is used
	// on them; DemandBytes what the plan places (used × growth factor, or
	// the provisioned size where use is unknown).
	ProvisionedBytes float64 `json:"provisioned_bytes"`
	UsedBytes        float64 `json:"used_bytes"`
	DemandBytes      float64 `json:"demand_bytes"`
	// Servers by where their used bytes came from: the fs_used_bytes
	// metric, the inventory's filesystems, the disks' size (no use known:
	// sized thick), or nothing at all (counted as 0).
	ServersMetric      int `json:"servers_metric"`
	ServersInventory   int `json:"servers_inventory"`
	ServersProvisioned int `json:"servers_provisioned"`
	ServersUnknown     int `json:"servers_unknown"`
	// HostType is the chosen model; Local is true when it keeps VM disks
	// on local storage (then every host's storage_bytes is packed), false
	// when they live in Pool.
	HostType string    `json:"host_type"`
	Local    bool      `json:"local"`
	Pool     *PoolNeed `json:"pool,omitempty"`
}

// PoolNeed is what a shared storage pool must provide for the plan.
type PoolNeed struct {
	Name string `json:"name"`
	// NeedBytes is DemandBytes / ceiling; NeedIOPS and NeedBytesPerSec the
	// peak of the fleet's time-aligned disk demand.
	NeedBytes       float64 `json:"need_bytes"`
	NeedIOPS        float64 `json:"need_iops"`
	NeedBytesPerSec float64 `json:"need_bytes_per_sec"`
	// Have* are the pool's (0 = unknown).
	HaveBytes       float64 `json:"have_bytes"`
	HaveIOPS        float64 `json:"have_iops"`
	HaveBytesPerSec float64 `json:"have_bytes_per_sec"`
	// Fits is false when a known capacity is below the need.
	Fits bool `json:"fits"`
	// Existing, Price: the catalog's.
	Existing bool    `json:"existing"`
	Price    float64 `json:"price"`
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
	// Storage is the server's disks today and what its VM needs.
	Storage ServerStorage `json:"storage"`
}

// ServerStorage is one server's storage: provisioned and used today, and
// the bytes its VM's disks take after the move.
type ServerStorage struct {
	ProvisionedBytes float64 `json:"provisioned_bytes"`
	UsedBytes        float64 `json:"used_bytes"`
	DemandBytes      float64 `json:"demand_bytes"`
	// Source is where UsedBytes came from: "metric" (the largest
	// fs_used_bytes sample), "inventory" (the filesystems' used bytes),
	// "provisioned" (use unknown: the disks' size) or "unknown".
	Source string `json:"source"`
}
