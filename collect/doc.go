// Package collect gathers server samples into the dataset format: the live
// collector (kvmfit collect) and, in collect/importer, importers of existing
// recordings and public traces.
//
// The live collector is laid out like node_exporter, one file per source:
// cpu.go, mem.go, disk.go (disk_linux.go for the /sys/block rule), net.go
// and fs.go (the local filesystems' used bytes, at most once a minute) read
// counters through gopsutil into a Snapshot (source.go). Run
// (collector.go) reads a Snapshot every Options.Sample on an injected Clock,
// turns the differences between snapshots into sub-samples (snapshot.go:
// counter resets, 32-bit wraps and absurd jumps handled) and aggregates them
// into one row per Options.Interval with the mean and the max (aggregate.go).
// Store (store.go) appends the rows to daily files, fsyncs each, gzips closed
// days, enforces the size cap and survives crashes and full disks.
// Inventory (inventory.go) describes the server and Calibrate (calibrate.go)
// measures its CPU score. docs/collector.md documents the behaviour;
// collect/legacy holds the POSIX shell collector for old Linux and
// collect/deploy the systemd unit and Windows files.
package collect
