// Package plan is kvmfit's planner: it turns a host catalog and a fleet's
// profiled demand into a model.Plan, the answer of `kvmfit plan` — how many
// hosts of which model, which server goes where, which servers fit nowhere
// and why, and whether the plan survives host failures.
//
// Run is the pipeline `kvmfit plan` and `kvmfit backtest` share: Prepare
// profiles the datasets (model/profile.Datasets) into a PlanInput, with
// every VM's CPU capped at what its vCPUs can use on the target host; Build
// is BuildPlan then Analyze (the model's per-host and fleet analytics).
//
// BuildPlan takes a PlanInput (the demand per server, resource and time
// slot from model, the servers' details, the catalog, the settings and the
// packer options PackOptions) and:
//
//   - candidates: adapts the demand into a binpack.Instance per host model
//     (usable capacity after the host reserve and the ceilings; a model the
//     reserve or a ceiling leaves nothing of is left out with a warning
//     naming its catalog entry, field and value) and packs it
//     with binpack.Solve; with PackOptions.Mix, a mix of models is derived
//     from the best single model by moving each host's contents onto a
//     cheaper model it fits;
//   - constraints (ParseConstraints, docs/constraints.md): affinity groups
//     become one item, anti-affinity groups binpack's groups, pins and the
//     existing fleet (ParseExisting) binpack's existing bins, the VM and vCPU
//     limits extra count dimensions;
//   - levelling: with PackOptions.Balance (default), binpack.Balance spreads
//     the load over the hosts the search found, and the servers that use
//     little of their entitlement with it;
//   - evidence reserve: servers with data for part of the span carry a
//     reserve (model.Entitlement) that, added to the planned load, must fit
//     each host's full capacity (extra dimensions "cpu_reserve",
//     "mem_reserve"), while the planned load alone fits the ceiling;
//   - choice: the candidate asked for (Settings.HostType), else the one that
//     places the most servers at the least cost (capex, energy over the
//     plan's years, rack units);
//   - N+k: every set of k hosts fails in turn and its servers are re-placed
//     on the survivors, time-aware; spare hosts are added until every
//     scenario holds;
//   - analysis for plan.json: each host's peak utilisation, binding
//     resource and slots, the unplaced servers with a reason, the lower
//     bounds and the search's statistics, the sum-of-peaks and per-VM
//     percentile × comfort baselines, the power before and after, and the
//     sensitivity sweep (sizing percentile, ceilings, vCPU overcommit;
//     SensitivityPercentiles names the demand it needs).
//
// BuildPlan does no I/O (Prepare reads the datasets) and is deterministic: the same input gives the
// same plan byte for byte, unless PackOptions.TimeLimit (a wall-clock
// safety cap) ends a search, which the plan then says. PackOptions.Progress
// hears the long phases advance (packing, N+k proofs, the mix, the
// baseline, the sweep, the host analysis) without changing the result. It imports model,
// binpack and yaml.v3 (for the constraints and existing-fleet files).
package plan
