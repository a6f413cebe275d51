package backtest

// Method names of the sizing methods a backtest compares: kvmfit's plan and
// the two baselines, every server at a flat size (model.FlatSize,
// model.FlatDemand) packed by the same planner.
const (
	MethodKvmfit     = "kvmfit"
	MethodSumOfPeaks = "sum_of_peaks"
	MethodPercentile = "percentile_comfort"
)
