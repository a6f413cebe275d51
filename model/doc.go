// Package model owns kvmfit's shared types and its on-disk formats.
//
// It defines the metrics a collector or importer records (Metric), the
// resources a KVM host offers (Dim), a server's inventory (Inventory) and
// samples (Series), the candidate host catalog (Catalog, samples/hosts.yaml),
// and the analysis steps that turn samples into packable demand: alignment
// onto a UTC grid, the day, week or full profile, CPU normalisation, the
// virtualisation overhead presets, saturation, growth, and the analytics
// written into the plan (confidence, right-sizing, coincidence factors,
// CPU correlation, peak groups, KSM savings). docs/model.md gives every
// formula and the source of every default.
// The plan that the packer produces is described by Plan, whose JSON form is
// plan.json.
//
// The dataset directory format (docs/format.md), its reader and writer,
// are package model/dataset.
//
// model imports only the standard library, gonum and a YAML decoder; the
// collector, the packer and the report build on it, never the reverse.
package model
