// Package profile turns samples into packable demand (docs/model.md gives
// every formula and the source of every default).
//
// One server: Server aligns its samples onto a UTC grid (Align, DayGrid),
// sums the metrics of each resource, normalises CPU to reference cores
// (NormaliseCPU), analyses the aligned data (RateConfidence,
// DetectSaturation, ProjectGrowth, Rightsize), adds the virtualisation
// overhead (VMMemOverheadBytes), scales by the comfort, saturation and
// growth factors, caps CPU at what the VM's vCPUs can use on the target
// host (model.Entitlement, Settings.TargetCoreScore), and folds each resource at its sizing percentile
// (Quantile) onto a day (FoldDays) or a week (Fold), or keeps the whole
// timeline (Settings.Profile "full", placed on the fleet's grid by
// Result.OnGrid). ServerPercentiles does the same at several percentiles
// at once; PeakAndPercentileSizes is the per-VM sizing of the baselines.
//
// A fleet: Datasets reads the servers of one or more datasets a few at a
// time (model/dataset), profiles each, gives every server a unique ID,
// puts the fleet's demand on one grid, rates each server's data confidence
// against the fleet's span and records its evidence reserve (the unseen
// share of its unused entitlement, which the planner checks against each
// host's full capacity); the result, a Fleet, is what a plan
// is built from. Its Options let a caller see each server (Each), profile
// only the samples before an instant (Until, the backtest's training
// window), also profile at other percentiles (the sensitivity sweep) and
// size the per-VM baseline, and follow the progress.
//
// Analytics over demand already profiled: Coincidence, CPUCorrelations,
// PeakGroups, AnalyzeHost and AnalyzeFleet; Summarize describes a server's
// raw samples for `kvmfit show`.
//
// profile builds on model (the values) and model/dataset (reading them);
// the packer and the report build on it, never the reverse.
package profile
