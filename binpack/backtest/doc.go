// Package backtest tests a plan against history it was not built from: the
// plan is built from a training window, and the demand actually measured in
// the later test window is replayed, slot by slot, against the plan's hosts
// and assignments. A plan is a prediction; this package scores it.
//
// The pipeline (cmd/kvmfit/backtest.go wires it; docs/backtest.md is the
// user's page):
//
//	split (Split) → plan from the training window (plan.BuildPlan)
//	             → baselines from the training window (model.FlatDemand:
//	               sum of peaks, per-VM percentile × comfort), packed by the
//	               same BuildPlan
//	             → replay the test window on every plan (Replay)
//	             → bootstrap the training days (Bootstrap) for the spread
//	               of the host count
//
// Replay sums, per host, resource and test slot, the actual demand of the
// host's servers (the same conversion as the plan: CPU normalisation,
// virtualisation factor, CPU cost of I/O, per-VM memory overhead; no
// comfort factor, growth or saturation uplift, which are sizing margins,
// not load) and counts the slots where the sum exceeds the host's usable
// capacity (its ceiling) and its full capacity (100 %: raw capacity less
// the host reserve). Minutes are slots × step. A server without data in a
// slot adds nothing to it: gaps are reported as coverage, never filled.
//
// The package imports only model and binpack/plan, does no I/O, and is
// deterministic: the bootstrap uses a seeded generator and a fixed order.
package backtest
