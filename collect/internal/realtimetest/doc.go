// Package realtimetest holds what the real-time comparison tests share
// (the tests behind the realtime build tag, run by `make test-realtime`:
// kvmfit collect against sysstat's sadc and the legacy shell collector, the
// Prometheus importer against a live Prometheus and node_exporter).
//
// Two collectors that read the same kernel counters a few milliseconds
// apart disagree by whatever the counters moved in between; on a loaded
// machine that gap grows, and a burst of another process's IO inside it
// can move a 5-second disk rate by several percent. A fixed tolerance then
// either fails on load or is too loose to catch a real bug. Trace measures
// the gap instead: it reads the counters every few milliseconds and, from
// /proc/PID/io, the moments the watched processes read them, so that a test
// can bound what the counters moved between the two collectors' reads and
// add exactly that to the tolerance (Trace.Rate, Trace.BusyPct,
// Trace.Gauge, MaxDiff).
//
// SteadyWrites and SteadyNet drive a steady disk and network load whose
// effect both sides of a comparison must see.
//
// The package only reads /proc and /sys (Linux); it is imported by tests
// alone.
package realtimetest
