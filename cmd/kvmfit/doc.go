// Command kvmfit plans the consolidation of physical servers onto KVM hosts.
//
// It is the only place that wires the packages together: it reads flags,
// calls collect (and collect/importer) to gather samples, model to turn them
// into demand, binpack to place them and report to write the result.
//
// Exit status: 0 on success, 1 when the work failed (bad input, I/O error),
// 2 on a usage error (unknown flag, missing argument).
package main
