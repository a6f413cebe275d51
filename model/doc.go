// Package model holds kvmfit's shared value types, the vocabulary of every
// other package.
//
// It defines the metrics a collector or importer records (Metric), the
// resources a KVM host offers (Dim), a server's inventory (Inventory) and
// samples (Sample, Series, Server), the candidate host catalog (Catalog,
// samples/hosts.yaml), the packable demand (Demand, ServerDemand,
// Capacity), the assumptions a plan is built on (Settings, with the
// virtualisation presets), the analytics written into a plan
// (ServerAnalysis, HostAnalysis, FleetAnalysis), the plan itself (Plan,
// whose JSON form is plan.json, docs/format.md) and the backtest's report
// (BacktestReport).
//
// The code that works on these values lives in sub-packages: model/dataset
// reads and writes the dataset directory format (docs/format.md), and
// model/profile turns samples into demand (docs/model.md).
//
// model imports only the standard library and a YAML decoder; the
// collector, the packer and the report build on it, never the reverse.
package model
