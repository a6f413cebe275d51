package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/collect/importer"
	"github.com/kvmfit/kvmfit/collect/promhttp"
	"github.com/kvmfit/kvmfit/model"
	"github.com/spf13/cobra"
)

// importFormatCmds are the importers of existing recordings and of the
// remaining public traces (docs/import.md).
func importFormatCmds(streams IO) []*cobra.Command {
	return []*cobra.Command{
		newImportSarCmd(streams), newImportNmonCmd(streams), newImportPerfmonCmd(streams),
		newImportPrometheusCmd(streams), newImportAlibabaCmd(streams), newImportGoogleCmd(streams),
		newImportCloudWatchCmd(streams), newImportCSVCmd(streams),
	}
}

// importFunc runs one import with the importer's options.
type importFunc func(importer.Options) (importer.Summary, error)

// withImport completes c into `kvmfit import NAME`: it adds --out (into
// *out) and a run that needs --out, then calls prepare (the command's own
// flag checks, before anything is written) and runs the import it returns
// under a progress line labelled label, then reports what was imported.
func withImport(streams IO, c *cobra.Command, label string, out *string, prepare func(cmd *cobra.Command, args []string) (importFunc, error)) *cobra.Command {
	var bits int
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if *out == "" {
			return usageErrorf("import %s needs --out DIR", cmd.Name())
		}
		if err := checkPrecisionFlag(bits); err != nil {
			return err
		}
		run, err := prepare(cmd, args)
		if err != nil {
			return err
		}
		io, p := importerOptions(streams, label)
		io.PrecisionBits = bits
		sum, err := run(io)
		p.Done()
		if err != nil {
			return err
		}
		fmt.Fprintln(streams.Err, importSummary(sum, *out))
		return nil
	}
	c.Flags().StringVar(out, "out", "", "dataset directory to write (created, or added to)")
	addPrecisionFlag(c.Flags(), &bits)
	return c
}

// importSummary is the last line of an import: what was added and merged.
func importSummary(sum importer.Summary, out string) string {
	s := fmt.Sprintf("imported %s", importCountInt(sum.Servers, "server"))
	if sum.Merged > 0 {
		s += fmt.Sprintf(", merged %s already there", importCountInt(sum.Merged, "server"))
	}
	return s + fmt.Sprintf(", %s into %s", importCount(sum.Samples, "new sample"), out)
}

func importCountInt(n int, what string) string { return importCount(int64(n), what) }

func importCount(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// tzUsage is the help of the --tz flags.
const tzUsage = "IANA time zone of the local times, e.g. Europe/Paris (default: read as UTC, an assumption, with a warning)"

// parseTZ loads the --tz zone; "" (not given) is nil: the importer then
// reads local times as UTC and says that it assumed so.
func parseTZ(s string) (*time.Location, error) {
	if s == "" {
		return nil, nil
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, usageErrorf("--tz %q: %v (an IANA name such as Europe/Paris)", s, err)
	}
	return loc, nil
}

func parseSize(flag, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := model.ParseByteSize(s)
	if err != nil || v <= 0 {
		return 0, usageErrorf("--%s %q: want a size such as 16GiB", flag, s)
	}
	return int64(v), nil
}

func newImportSarCmd(streams IO) *cobra.Command {
	var out, tz, sadf string
	cmd := &cobra.Command{
		Use:   "sar --out DIR FILE...",
		Short: "Import sysstat recordings: sa files, sadf -j / -d output, sar -A text",
		Long: `Import sysstat recordings. Each file may be a binary sa file (read with the
installed sadf; files of older sysstat versions are converted with sadf -c
first), the output of sadf -j or sadf -d (with -- -u -r ALL -b -d -p -n DEV,
or -A), or the text of sar -A (LC_ALL=C; 12- or 24-hour clock; several days
and restarts). One server per host name: give the files of a host in time
order. sar -A text has local times without a zone: --tz gives it; without
--tz they are read as UTC, and the import warns and records the assumption.`,
		Example: `  kvmfit import sar --out data/ /var/log/sa/sa0*
  kvmfit import sar --out data/ web01-sadf.json
  LC_ALL=C sar -A -f /var/log/sa/sa12 > web01.txt; kvmfit import sar --tz Europe/Paris --out data/ web01.txt`,
		Args: minArgs(1, "at least one sa file or sar/sadf output"),
	}
	withImport(streams, cmd, "importing", &out, func(cmd *cobra.Command, args []string) (importFunc, error) {
		loc, err := parseTZ(tz)
		if err != nil {
			return nil, err
		}
		return func(io importer.Options) (importer.Summary, error) {
			return importer.Sar(args, out, importer.SarOptions{Options: io, Location: loc, Sadf: sadf})
		}, nil
	})
	cmd.Flags().StringVar(&tz, "tz", "", "time zone of sar -A text (sadf output is UTC): "+tzUsage)
	cmd.Flags().StringVar(&sadf, "sadf", "", "sadf program for binary files (default: sadf on PATH)")
	return cmd
}

func newImportNmonCmd(streams IO) *cobra.Command {
	var out, tz string
	cmd := &cobra.Command{
		Use:   "nmon --out DIR FILE...",
		Short: "Import nmon recordings (Linux, AIX; plain or gzipped)",
		Long: `Import nmon spreadsheet-format files (CPU_ALL, MEM, MEMNEW, DISKREAD,
DISKWRITE, DISKXFER, NET, ZZZZ), as written by nmon -f or topas_nmon. Give the
original file, not one sorted with sort(1). One server per host (AAA,host).
ZZZZ times are local without a zone: --tz gives it; without --tz they are
read as UTC, and the import warns and records the assumption.`,
		Example: `  kvmfit import nmon --tz Europe/Paris --out data/ web01_240115_0000.nmon`,
		Args:    minArgs(1, "at least one nmon file"),
	}
	withImport(streams, cmd, "importing", &out, func(cmd *cobra.Command, args []string) (importFunc, error) {
		loc, err := parseTZ(tz)
		if err != nil {
			return nil, err
		}
		return func(io importer.Options) (importer.Summary, error) {
			return importer.Nmon(args, out, importer.NmonOptions{Options: io, Location: loc})
		}, nil
	})
	cmd.Flags().StringVar(&tz, "tz", "", "time zone of the ZZZZ times: "+tzUsage)
	return cmd
}

func newImportPerfmonCmd(streams IO) *cobra.Command {
	var out, tz string
	var memTotal []string
	cmd := &cobra.Command{
		Use:   "perfmon --out DIR FILE...",
		Short: "Import Windows perfmon CSV logs (typeperf, relog)",
		Long: `Import Windows performance counter logs in CSV (typeperf -f CSV, relog -f CSV).
Counters of several hosts in one file become one server each. Windows has
no counter for installed memory: --mem-total HOST=SIZE (or SIZE for every
host) fills mem_total_bytes and mem_used_bytes = total - Available Bytes.
Times are local: the log header's offset converts them unless --tz gives
the zone, which also applies a daylight-saving change inside the log.`,
		Example: `  typeperf -cf counters.txt -si 15 -f CSV -o web01.csv
  kvmfit import perfmon --mem-total WEB01=16GiB --out data/ web01.csv`,
		Args: minArgs(1, "at least one perfmon CSV file"),
	}
	withImport(streams, cmd, "importing", &out, func(cmd *cobra.Command, args []string) (importFunc, error) {
		loc, err := parseTZ(tz)
		if err != nil {
			return nil, err
		}
		mt := map[string]int64{}
		for _, kv := range memTotal {
			host, size, ok := strings.Cut(kv, "=")
			if !ok {
				host, size = "", kv
			}
			v, err := parseSize("mem-total", size)
			if err != nil {
				return nil, err
			}
			mt[strings.ToUpper(host)] = v
		}
		return func(io importer.Options) (importer.Summary, error) {
			return importer.Perfmon(args, out, importer.PerfmonOptions{Options: io, MemTotalBytes: mt, Location: loc})
		}, nil
	})
	cmd.Flags().StringArrayVar(&memTotal, "mem-total", nil, "installed memory, HOST=SIZE or SIZE for all hosts (repeatable)")
	cmd.Flags().StringVar(&tz, "tz", "", "IANA time zone the log was written in, e.g. Europe/Paris (default: the header's fixed offset)")
	return cmd
}

// promFlags are the flags of `kvmfit import prometheus`.
type promFlags struct {
	out, url, start, end, selector string
	step, peak, timeout            time.Duration
	parallel                       int
	metrics                        string
	noExport                       bool
	httpc                          promhttp.Config
}

func newImportPrometheusCmd(streams IO) *cobra.Command {
	d := importer.DefaultPrometheusOptions
	f := &promFlags{step: d.Step, peak: d.PeakWindow, timeout: d.Timeout, parallel: d.Parallel, metrics: d.Metrics}
	cmd := &cobra.Command{
		Use:   "prometheus --url URL --start TIME --end TIME --out DIR",
		Short: "Import node_exporter metrics from a Prometheus-compatible API",
		Long: `Query a Prometheus-compatible HTTP API (Prometheus, Thanos, VictoriaMetrics,
Mimir) for node_exporter metrics over [--start, --end) at --step, one server
per instance. The server aggregates at the step, so raw samples never
travel: for node_exporter, each sample's mean is the rate over the step, its
max the largest rate over --peak-window within the step (at least two scrape
intervals); for the rows pushed by 'kvmfit collect --remote-write'
(kvmfit_*_mean and _max, kvmfit_info), the mean is avg_over_time of the
rows' means and the max max_over_time of their maxima. Long ranges are split
below Prometheus' 11,000 points limit; --parallel range queries run at once.
From VictoriaMetrics, rows pushed at the step (or coarser) are read with its
cheaper /api/v1/export and aggregated the same way by kvmfit (the same
dataset; --no-export keeps the range queries).

Authentication: --bearer-token-file, or --basic-auth-user with the password
from --basic-auth-password-file or --basic-auth-password-env (never on the
command line); --ca-file, --cert-file/--key-file for TLS; --header for
extra headers such as Mimir's X-Scope-OrgID; HTTPS_PROXY, HTTP_PROXY and
NO_PROXY are honoured. No credential is written into the dataset.`,
		Example: `  kvmfit import prometheus --url http://prometheus:9090 --start 2026-01-05 --end 2026-01-19 --step 5m --out data/
  kvmfit import prometheus --url http://127.0.0.1:9090 --selector 'job="node"' --start 2026-01-05T00:00:00Z --end 2026-01-06T00:00:00Z --out data/
  kvmfit import prometheus --url https://mimir.example/prometheus --bearer-token-file /etc/kvmfit/token --header X-Scope-OrgID=ops --ca-file ca.pem --start 2026-01-05 --end 2026-02-04 --parallel 8 --out data/`,
		Args: cobra.NoArgs,
	}
	withImport(streams, cmd, "querying", &f.out, func(cmd *cobra.Command, args []string) (importFunc, error) {
		po, err := f.options()
		if err != nil {
			return nil, err
		}
		return func(io importer.Options) (importer.Summary, error) {
			po.Options = io
			return importer.Prometheus(cmd.Context(), f.out, po)
		}, nil
	})
	f.addFlags(cmd)
	return cmd
}

// options checks the flags and returns the importer's options (without
// the common import options).
func (f *promFlags) options() (importer.PrometheusOptions, error) {
	var po importer.PrometheusOptions
	if f.url == "" {
		return po, usageErrorf("import prometheus needs --url")
	}
	st, err := parseStart(f.start)
	if err != nil {
		return po, err
	}
	if f.end == "" {
		return po, usageErrorf("--end is required")
	}
	en, err := parseStart(f.end)
	if err != nil {
		return po, err
	}
	if err := f.httpc.ParseHeaders(); err != nil {
		return po, usageErrorf("%v", err)
	}
	if err := f.httpc.Validate(); err != nil {
		return po, usageErrorf("%v", err)
	}
	if f.parallel < 1 || f.parallel > 64 {
		return po, usageErrorf("--parallel %d: want 1..64", f.parallel)
	}
	return importer.PrometheusOptions{URL: f.url, Start: st, End: en, Step: f.step, PeakWindow: f.peak, Selector: f.selector,
		Timeout: f.timeout, Parallel: f.parallel, Metrics: f.metrics, NoExport: f.noExport, HTTP: f.httpc}, nil
}

func (f *promFlags) addFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.url, "url", "", "base URL of the API, e.g. http://127.0.0.1:9090")
	fs.StringVar(&f.start, "start", "", "start of the range: 2026-01-05 (UTC midnight) or RFC 3339")
	fs.StringVar(&f.end, "end", "", "end of the range: a date or RFC 3339")
	fs.DurationVar(&f.step, "step", f.step, "sample interval")
	fs.DurationVar(&f.peak, "peak-window", f.peak, "rate window of the peak within each step")
	fs.StringVar(&f.selector, "selector", "", `extra label matchers, e.g. job="node"`)
	fs.DurationVar(&f.timeout, "timeout", f.timeout, "timeout of each query")
	fs.IntVar(&f.parallel, "parallel", f.parallel, "range queries in flight at once")
	fs.StringVar(&f.metrics, "metrics", f.metrics, "series to import: kvmfit (pushed by kvmfit collect --remote-write), node (node_exporter) or auto (kvmfit's where present)")
	fs.BoolVar(&f.noExport, "no-export", false, "never read VictoriaMetrics' /api/v1/export: range queries only (the same dataset, more of the server's CPU)")
	f.httpc.AddFlags(fs, "", "the API")
}

func newImportAlibabaCmd(streams IO) *cobra.Command {
	var out, start, meta, memTotal string
	cmd := &cobra.Command{
		Use:   "alibaba --start DATE [--meta machine_meta.csv] --out DIR machine_usage.csv...",
		Short: "Import Alibaba cluster-trace-v2018 machine usage",
		Long: `Import machine_usage.csv of Alibaba cluster-trace-v2018, one server per
machine. time_stamp is relative: --start gives the time of 0. --meta reads
cores from machine_meta.csv. Memory is a percentage of a normalised size:
--mem-total gives the size, else mem_used_bytes is empty. Network and disk
are normalised or utilisations and are not imported.`,
		Example: `  kvmfit import alibaba --start 2018-01-01 --meta machine_meta.csv --mem-total 512GiB --out data/ machine_usage.csv`,
		Args:    minArgs(1, "at least one machine_usage.csv"),
	}
	withImport(streams, cmd, "importing", &out, func(cmd *cobra.Command, args []string) (importFunc, error) {
		st, err := parseStart(start)
		if err != nil {
			return nil, err
		}
		mt, err := parseSize("mem-total", memTotal)
		if err != nil {
			return nil, err
		}
		return func(io importer.Options) (importer.Summary, error) {
			return importer.Alibaba(args, out, importer.AlibabaOptions{Options: io, Start: st, Meta: meta, MemTotalBytes: mt})
		}, nil
	})
	cmd.Flags().StringVar(&start, "start", "", "UTC time of time_stamp 0: 2018-01-01 or RFC 3339")
	cmd.Flags().StringVar(&meta, "meta", "", "machine_meta.csv (cores)")
	cmd.Flags().StringVar(&memTotal, "mem-total", "", "memory of a machine, e.g. 512GiB")
	return cmd
}

func newImportGoogleCmd(streams IO) *cobra.Command {
	var out, start, memTotal string
	var cores int
	cmd := &cobra.Command{
		Use:   "google --out DIR vm_JOB_DAY...",
		Short: "Import Google cluster-data 2011 per-job CPU/memory series (GCD_VMs)",
		Long: `Import the per-job series derived from Google clusterdata-2011-2 (files
vm_JOB_DAY, 288 lines of "CPU% MEM%", 5 minutes apart), one server per file.
Percentages are of the largest machine of the cluster, whose size Google
does not publish: --cores and --mem-total give it. --start is the start of
day 1 (default: the trace start, 2011-05-01T23:00:00Z).`,
		Example: `  kvmfit import google --cores 32 --mem-total 128GiB --out data/ ../shared/data/google-gcd-vms/GCD_VMs/vm_*_1`,
		Args:    minArgs(1, "at least one vm_JOB_DAY file"),
	}
	withImport(streams, cmd, "importing", &out, func(cmd *cobra.Command, args []string) (importFunc, error) {
		var st time.Time
		if start != "" {
			var err error
			if st, err = parseStart(start); err != nil {
				return nil, err
			}
		}
		mt, err := parseSize("mem-total", memTotal)
		if err != nil {
			return nil, err
		}
		if cores < 0 {
			return nil, usageErrorf("--cores must not be negative")
		}
		return func(io importer.Options) (importer.Summary, error) {
			return importer.Google(args, out, importer.GoogleOptions{Options: io, Start: st, Cores: cores, MemTotalBytes: mt})
		}, nil
	})
	cmd.Flags().StringVar(&start, "start", "", "UTC start of day 1 (default 2011-05-01T23:00:00Z)")
	cmd.Flags().IntVar(&cores, "cores", 0, "cores of the largest machine")
	cmd.Flags().StringVar(&memTotal, "mem-total", "", "memory of the largest machine, e.g. 128GiB")
	return cmd
}

func newImportCloudWatchCmd(streams IO) *cobra.Command {
	var out, server, metric string
	period := 5 * time.Minute
	cmd := &cobra.Command{
		Use:   "cloudwatch [--server NAME] --out DIR FILE...",
		Short: "Import single-metric CloudWatch series (timestamp,value CSV, as in NAB)",
		Long: `Import CloudWatch series exported as "timestamp,value" CSV, one metric per
file, recognised from the file name (cpu_utilization, disk_read_bytes,
disk_write_bytes, disk_read_ops, disk_write_ops, network_in, network_out) or
given with --metric. --server NAME merges every file into one server (one
file per metric); without it each file is a server. Per-period sums are
divided by --period.`,
		Example: `  kvmfit import cloudwatch --server web01 --out data/ web01_cpu_utilization.csv web01_network_in.csv`,
		Args:    minArgs(1, "at least one CSV series"),
	}
	withImport(streams, cmd, "importing", &out, func(cmd *cobra.Command, args []string) (importFunc, error) {
		return func(io importer.Options) (importer.Summary, error) {
			return importer.CloudWatch(args, out, importer.CloudWatchOptions{Options: io, Server: server, Metric: metric, Period: period})
		}, nil
	})
	cmd.Flags().StringVar(&server, "server", "", "merge every file into one server of this name")
	cmd.Flags().StringVar(&metric, "metric", "", "metric of every file (default: from the file name)")
	cmd.Flags().DurationVar(&period, "period", period, "CloudWatch period")
	return cmd
}

func newImportCSVCmd(streams IO) *cobra.Command {
	var out, mapping, tz string
	cmd := &cobra.Command{
		Use:   "csv --mapping FILE.yaml --out DIR FILE...",
		Short: "Import any CSV with a small column mapping",
		Long: `Import CSV files whose columns a YAML mapping names: the timestamp column and
format, the host column (or one server per file), the row interval and, for
each metric column, its canonical metric, unit and statistic (mean or max).
Timestamps without a zone are read in the mapping's timestamp.timezone or
--tz; without either they are read as UTC, and the import warns and records
the assumption. See docs/import.md.`,
		Example: `  kvmfit import csv --mapping fleet.yaml --out data/ export.csv`,
		Args:    minArgs(1, "at least one CSV file"),
	}
	withImport(streams, cmd, "importing", &out, func(cmd *cobra.Command, args []string) (importFunc, error) {
		if mapping == "" {
			return nil, usageErrorf("import csv needs --mapping FILE.yaml")
		}
		m, err := importer.ReadCSVMapping(mapping)
		if err != nil {
			return nil, err
		}
		if tz != "" {
			if _, err := parseTZ(tz); err != nil {
				return nil, err
			}
			if err := m.SetTimezone(tz); err != nil {
				return nil, usageErrorf("--tz %s: %v", tz, err)
			}
		}
		return func(io importer.Options) (importer.Summary, error) {
			return importer.CSV(args, out, m, io)
		}, nil
	})
	cmd.Flags().StringVar(&mapping, "mapping", "", "YAML column mapping")
	cmd.Flags().StringVar(&tz, "tz", "", tzUsage)
	return cmd
}
