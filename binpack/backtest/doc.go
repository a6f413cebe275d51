// Package backtest tests a plan against history it was not built from: the
// plan is built from a training window, and the demand actually measured in
// the later test window is replayed, slot by slot, against the plan's hosts
// and assignments. A plan is a prediction; this package scores it.
//
// Run is the pipeline (cmd/kvmfit/backtest.go only reads the flags and
// prints; docs/backtest.md is the user's page):
//
//	split (SplitInstant) → plan from the training window (plan.Prepare and
//	               plan.Build, the same pipeline as kvmfit plan)
//	             → baselines from the training window (model.FlatDemand:
//	               sum of peaks, per-VM percentile × comfort), packed by the
//	               same BuildPlan
//	             → replay the test window on every plan (Replay)
//	             → bootstrap the training days (Bootstrap) for the spread
//	               of the host count
//	             → predict the training plan's overload (PlanRisk:
//	               rolling origins inside the training window, PredictRisk)
//
// PlanRisk serves kvmfit plan too: every plan predicts its host-minutes
// over the ceiling and over capacity per month from origins inside its data.
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
// The package imports model, model/dataset, model/profile and binpack/plan;
// it reads the datasets (through plan.Prepare) and writes nothing; it is
// deterministic: the bootstrap uses a seeded generator and a fixed order.
package backtest
