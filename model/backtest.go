package model

// The backtest's results (`kvmfit backtest`, docs/backtest.md): computed by
// package binpack/backtest, kept here so that a plan can carry them and the
// report can render them (model is what every package shares).

// BacktestReport is the backtest JSON (`kvmfit backtest --json`, docs/backtest.md)
// and what the HTML report renders. Keys appear in this order; the same
// inputs and flags give the same bytes.
type BacktestReport struct {
	FormatVersion int    `json:"format_version"`
	GeneratedBy   string `json:"generated_by"`
	// The windows, RFC 3339 UTC: training [TrainStart, TrainEnd), test
	// [TestStart, TestEnd).
	TrainStart string  `json:"train_start"`
	TrainEnd   string  `json:"train_end"`
	TrainDays  float64 `json:"train_days"`
	TestStart  string  `json:"test_start"`
	TestEnd    string  `json:"test_end"`
	TestDays   float64 `json:"test_days"`
	StepSec    int     `json:"step_sec"`
	// ReplayStat is the per-slot statistic replayed as the actual load:
	// "mean" or "max" of each slot's samples.
	ReplayStat string `json:"replay_stat"`
	// HostType is the host model of every method (the plan's, or --host-type).
	HostType string `json:"host_type"`
	// Servers is the number of servers in the input; TestServers those with
	// data in the test window; TestCoveragePct the share of their
	// server-slots that hold data (gaps add no load).
	Servers         int     `json:"servers"`
	TestServers     int     `json:"test_servers"`
	TestCoveragePct float64 `json:"test_coverage_pct"`
	// Methods: kvmfit's plan first, then the baselines.
	Methods   []BacktestMethod `json:"methods"`
	Bootstrap BootstrapResult  `json:"bootstrap"`
	// PredictedRisk is what kvmfit's training plan predicted (from origins
	// inside the training window), to set beside its replay; nil when off.
	PredictedRisk *RiskPrediction `json:"predicted_risk,omitempty"`
	// Settings are the plan's settings (the baselines use the same
	// conversion and host model).
	Settings Settings `json:"settings"`
	Warnings []string `json:"warnings"`
}

// BacktestMethod is one sizing method's plan and its replay.
type BacktestMethod struct {
	// Method is kvmfit, sum_of_peaks or percentile_comfort; Description
	// says how it sized the servers.
	Method      string `json:"method"`
	Description string `json:"description"`
	// HostsUsed includes HA spare hosts; HostsWithoutHA does not.
	HostsUsed      int `json:"hosts_used"`
	HostsWithoutHA int `json:"hosts_without_ha"`
	// Unplaced are the servers the method could not place (not replayed).
	Unplaced []string `json:"unplaced"`
	// Failures replays the test window under each HA failure scenario of
	// the plan (its servers restarted where plan.ha.scenarios moves them);
	// empty without HA.
	Failures []BacktestFailure `json:"failures,omitempty"`
	BacktestOutcome
}

// BacktestOutcome is the result of replaying actual demand against one plan.
type BacktestOutcome struct {
	// HostsLoaded is the number of hosts that carry servers (HA spares
	// carry none); host-minutes are counted over them.
	HostsLoaded int `json:"hosts_loaded"`
	// TestMinutes is the length of the replayed window; ObservedMinutes
	// the part of it in which at least one server has data.
	TestMinutes     float64 `json:"test_minutes"`
	ObservedMinutes float64 `json:"observed_minutes"`
	// OverloadMinutes is the sum over hosts of BacktestHost.OverloadMinutes
	// (host-minutes over a ceiling); OverloadHostMinutesPct is it as a
	// percentage of HostsLoaded × ObservedMinutes (a stretch where no
	// server has data cannot overload and is left out).
	OverloadMinutes        float64 `json:"overload_minutes"`
	OverloadHostMinutesPct float64 `json:"overload_host_minutes_pct"`
	// OverCapacityMinutes and OverCapacityHostMinutesPct: the same above
	// 100 % of the full capacity.
	OverCapacityMinutes        float64 `json:"over_capacity_minutes"`
	OverCapacityHostMinutesPct float64 `json:"over_capacity_host_minutes_pct"`
	// WorstOverloadPct is the largest BacktestHost.WorstOverloadPct.
	WorstOverloadPct float64 `json:"worst_overload_pct"`
	// HostsOverloaded counts hosts with any overload minute.
	HostsOverloaded int `json:"hosts_overloaded"`
	// MinutesOverCeiling and MinutesOverCapacity are per resource, summed over hosts.
	MinutesOverCeiling  DimValues `json:"minutes_over_ceiling"`
	MinutesOverCapacity DimValues `json:"minutes_over_capacity"`
	// NotReplayed are the servers of the actual demand on no host (unplaced
	// by the plan, or new in the test window): their load is not counted.
	NotReplayed []string       `json:"not_replayed"`
	Hosts       []BacktestHost `json:"hosts"`
}

// BacktestHost is what one host went through in the test window.
type BacktestHost struct {
	Host    string   `json:"host"`
	Servers []string `json:"servers"`
	// OverloadMinutes is the time during which at least one resource was
	// above the host's usable capacity (its ceiling); OverCapacityMinutes
	// above 100 % of its full capacity.
	OverloadMinutes     float64 `json:"overload_minutes"`
	OverCapacityMinutes float64 `json:"over_capacity_minutes"`
	// MinutesOverCeiling and MinutesOverCapacity split them per resource.
	MinutesOverCeiling  DimValues `json:"minutes_over_ceiling"`
	MinutesOverCapacity DimValues `json:"minutes_over_capacity"`
	// PeakUtilPct is, per resource, the peak of the summed actual demand as
	// a percentage of the usable capacity (above 100: over the ceiling).
	PeakUtilPct DimValues `json:"peak_util_pct"`
	// WorstOverloadPct is the largest excess over the usable capacity, in %
	// of it: max over resources and slots of 100 × (load / usable − 1), 0
	// when never over. WorstDim and WorstAt say where (empty when 0).
	WorstOverloadPct float64 `json:"worst_overload_pct"`
	WorstDim         string  `json:"worst_dim"`
	WorstAt          string  `json:"worst_at"`
	// Involved are the servers with demand in the overloaded resource of at
	// least one overloaded slot, largest contribution at the worst slot
	// first.
	Involved []string `json:"involved"`
}

// BootstrapResult is the spread of the host count over resampled training days.
type BootstrapResult struct {
	Reps        int    `json:"reps"`
	Seed        uint64 `json:"seed"`
	MedianHosts int    `json:"median_hosts"`
	P95Hosts    int    `json:"p95_hosts"`
	MinHosts    int    `json:"min_hosts"`
	MaxHosts    int    `json:"max_hosts"`
	// Hosts holds every replicate's host count, sorted.
	Hosts  []int  `json:"hosts"`
	Method string `json:"method"`
}

// BacktestFailure is the replay of one HA failure scenario: the failed
// hosts are gone, their servers run where the scenario moved them.
type BacktestFailure struct {
	Failed []string `json:"failed"`
	// Stranded servers fit no surviving host: their load is not replayed.
	Stranded            []string `json:"stranded"`
	OverloadMinutes     float64  `json:"overload_minutes"`
	OverCapacityMinutes float64  `json:"over_capacity_minutes"`
	WorstOverloadPct    float64  `json:"worst_overload_pct"`
}

// RiskPrediction is the overload a plan should expect in the month after
// its data, predicted by rolling-origin validation inside the data: at each
// origin, the same method plans on the data before it and the following
// window is replayed against that plan (docs/model.md §21, docs/backtest.md "Predicted next to actual").
type RiskPrediction struct {
	// Method says how the origins were chosen and what was replayed.
	Method string `json:"method"`
	// Origins are the validations run, earliest first.
	Origins []RiskOrigin `json:"origins"`
	// OverCeilingMinutesPerMonth and OverCapacityMinutesPerMonth are the
	// host-minutes over the ceiling and over 100 % of capacity per 30
	// days: the mean over the origins, with the lowest and highest.
	OverCeilingMinutesPerMonth  RiskRange `json:"over_ceiling_minutes_per_month"`
	OverCapacityMinutesPerMonth RiskRange `json:"over_capacity_minutes_per_month"`
	// WorstOverloadPct is the largest overload any origin saw.
	WorstOverloadPct float64 `json:"worst_overload_pct"`
	// Note says why there is no prediction, or what limits it.
	Note string `json:"note,omitempty"`
}

// RiskRange is a predicted figure and the range the origins gave.
type RiskRange struct {
	Predicted float64 `json:"predicted"`
	Low       float64 `json:"low"`
	High      float64 `json:"high"`
}

// RiskOrigin is one rolling-origin validation: plan on [start, TrainEnd),
// replay [TrainEnd, TestEnd).
type RiskOrigin struct {
	TrainEnd            string  `json:"train_end"`
	TestEnd             string  `json:"test_end"`
	TrainDays           float64 `json:"train_days"`
	TestDays            float64 `json:"test_days"`
	Hosts               int     `json:"hosts"`
	OverCeilingMinutes  float64 `json:"over_ceiling_minutes"`
	OverCapacityMinutes float64 `json:"over_capacity_minutes"`
	WorstOverloadPct    float64 `json:"worst_overload_pct"`
}
