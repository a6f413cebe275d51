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
	// ConsolidationRatio is placed servers per host.
	ConsolidationRatio float64 `json:"consolidation_ratio"`
	// SavingVsSumOfPeaksPct is 100 × (1 − hosts_used / sum-of-peaks hosts).
	SavingVsSumOfPeaksPct float64      `json:"saving_vs_sum_of_peaks_pct"`
	Grid                  PlanGrid     `json:"grid"`
	Assignments           []Assignment `json:"assignments"`
	Hosts                 []PlanHost   `json:"hosts"`
	Unplaced              []Unplaced   `json:"unplaced"`
	Baselines             Baselines    `json:"baselines"`
	Candidates            []Candidate  `json:"candidates"`
	ServerDetails         []PlanServer `json:"server_details"`
	// Fleet holds fleet-wide analytics from the model (analysis.go).
	Fleet    FleetAnalysis `json:"fleet"`
	Settings Settings      `json:"settings"`
	Warnings []string      `json:"warnings"`
}

// PlanGrid describes the time grid the data was aligned to and the slots packed.
type PlanGrid struct {
	// DataStart and DataEnd bound the aligned data (RFC 3339, UTC).
	DataStart string `json:"data_start"`
	DataEnd   string `json:"data_end"`
	StepSec   int    `json:"step_sec"`
	// Profile is "day": slot t is the t-th step after midnight UTC.
	Profile string `json:"profile"`
	Slots   int    `json:"slots"`
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
}

// Baselines holds the host counts of the methods kvmfit is compared with.
type Baselines struct {
	SumOfPeaks Baseline `json:"sum_of_peaks"`
}

// Baseline is the outcome of one baseline sizing method.
type Baseline struct {
	HostsUsed  int    `json:"hosts_used"`
	LowerBound int    `json:"lower_bound"`
	Method     string `json:"method"`
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
	CPUCoresRef float64  `json:"cpu_cores_ref"`
	Host        string   `json:"host"`
	Warnings    []string `json:"warnings"`
	// Analysis holds the model's per-server findings (analysis.go).
	Analysis ServerAnalysis `json:"analysis"`
}
