// Package importer turns existing recordings (sysstat, nmon, Windows
// perfmon, a Prometheus server) and public traces (Bitbrains, PlanetLab,
// Alibaba, Google, CloudWatch, any CSV with a mapping) into kvmfit
// datasets, so that a plan can be made from what a server already records.
// docs/import.md says what each format fills and what it cannot.
//
// Every importer streams its input in memory that does not grow with the
// number of rows (text formats grouped by activity, as sar's, are read in
// one pass per activity and merged by time; Prometheus is queried in
// chunks of time and batches of instances), adds servers through
// dataset.Create and either commits all of them or, on any error,
// none: a failed import leaves no partial output. Malformed input is a
// *model.SampleParseError "FILE:LINE: field NAME: problem"; non-fatal
// problems go to Options.Warn, one call per problem and file; files that
// yield no server are listed in Summary.Skipped.
//
// Formats that name their host (sar, nmon, perfmon) give one server per
// host across all input files, so daily files of one host continue one
// server; give them in time order (a sample that does not start after the
// previous one of its host is dropped and counted in a warning naming its
// file).
//
// A server already in the destination dataset (same ID or host name) is
// never added twice without a word (merge.go): it is staged, then merged
// into the one there when it is the same machine (machine ID of the same
// kind, else host name, CPUs, memory and the samples at the same times) —
// samples already there kept, new times added — or added beside it under a
// suffixed ID, with a warning either way.
//
// Local wall-clock times without a zone (sar -A text, nmon, CSV layouts
// without one) are read in the caller's Location, with its daylight-saving
// rules; without one they are read as UTC, the inventory's time_zone is
// marked assumed and Warn says so once per file (localTimes). Truncated
// inputs are said with their file and position: sadf's "End of system
// activity file unexpected", an nmon snapshot cut short, a last line
// without its end-of-line (dropped), a .gz that ends early (an error).
//
// The importers share their skeleton (importer.go): run checks the inputs,
// reads each file line by line (plain or gzipped, with its progress) and
// commits or aborts; lineError places a field's problem at FILE:LINE;
// csvInput reads the CSV formats (perfmon, the generic mapping); stepServer
// writes the one server of a file of samples at a fixed step without
// timestamps (PlanetLab, Google). hosts.go holds hostSet, the servers of
// the formats that name their host, localTimes, and gapWriter, for rows
// that carry a start but no length (Alibaba, CloudWatch).
//
// # Bitbrains (GWA-T-12)
//
// S. Shen, V. van Beek, A. Iosup, "Statistical Characterization of
// Business-Critical Workloads Hosted in Cloud Datacenters", 15th IEEE/ACM
// CCGrid, 2015; trace GWA-T-12 of the Grid Workloads Archive ("Rnd" and
// "fastStorage"). One file per VM: a header line, then 11 columns separated
// by ";\t":
//
//	Timestamp [ms]                         Unix seconds, despite the header
//	CPU cores                              vCPUs; 0 = VM not running (row dropped)
//	CPU capacity provisioned [MHZ]         inventory cpu_mhz = MHz / cores
//	CPU usage [MHZ]                        (same information as the % column)
//	CPU usage [%]                          cpu_busy_pct (clamped to 100)
//	Memory capacity provisioned [KB]       mem_total_bytes = KB × 1024
//	Memory usage [KB]                      mem_used_bytes = KB × 1024
//	Disk read throughput [KB/s]            disk_read_bytes_per_sec = KB/s × 1024
//	Disk write throughput [KB/s]           disk_write_bytes_per_sec
//	Network received throughput [KB/s]     net_rx_bytes_per_sec
//	Network transmitted throughput [KB/s]  net_tx_bytes_per_sec
//
// Rows are 5-minute averages, so each sample's max equals its mean; a
// sample lasts 300 s or until the next row if that is sooner. Disk IOPS are
// not in the trace. The server ID is "bitbrains-DIR-FILE" (for example
// bitbrains-2013-7-1 for rnd/2013-7/1.csv), and the inventory takes the most
// frequent provisioned cores, MHz per core and memory.
//
// # PlanetLab (CoMon, as shipped with CloudSim)
//
// A. Beloglazov, R. Buyya, "Optimal online deterministic algorithms and
// adaptive heuristics for energy and performance efficient dynamic
// consolidation of virtual machines in Cloud data centers", Concurrency and
// Computation: Practice and Experience 24(13), 2012; collected by CoMon:
// K. Park, V. S. Pai, "CoMon: a mostly-scalable monitoring system for
// PlanetLab", ACM SIGOPS Operating Systems Review 40(1), 2006. One file per
// sliver (a slice on a node), named NODE_SLICE, no header and no
// timestamps: 288 lines of one whole CPU percentage each, 5 minutes apart.
// The caller gives the time of line 1. Only cpu_busy_pct is recorded, as a
// one-core VM; the server ID is "planetlab-DAY-FILE" and the host name the
// file name.
package importer
