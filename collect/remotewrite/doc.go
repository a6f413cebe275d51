// Package remotewrite pushes the collector's rows to a Prometheus
// remote-write endpoint (VictoriaMetrics, Prometheus with
// --web.enable-remote-write-receiver, Mimir, Thanos receive).
//
// Each row becomes two series per metric, kvmfit_<metric>_mean and
// kvmfit_<metric>_max (e.g. kvmfit_cpu_busy_pct_mean), stamped at the end
// of the row (the Prometheus convention: a value covers the time before
// it), with the labels instance, hostname and machine_id; kvmfit_info
// (value 1) carries the inventory as labels. `kvmfit import prometheus`
// reads them back with avg_over_time and max_over_time over its step.
//
// The WriteRequest protobuf is encoded by hand with protowire (the message
// is three nested repeated fields; the Prometheus module would pull in
// far more than it) and compressed with snappy's block format, as the
// protocol requires. Every request is first written to a spool directory
// (one file per row, synced and renamed into place), then sent oldest first
// and removed once the endpoint accepted it; while the endpoint is away the
// spool grows up to its cap (the oldest rows are dropped beyond it) and
// sending is retried with exponential backoff. The clock is injected.
package remotewrite
