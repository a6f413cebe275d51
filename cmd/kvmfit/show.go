package main

import (
	"encoding/json"
	"fmt"
	"math"
	"text/tabwriter"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
	"github.com/spf13/cobra"
)

// ShowOptions are the options of `kvmfit show`.
type ShowOptions struct {
	Dirs []string
	JSON bool
}

func newShowCmd(streams IO) *cobra.Command {
	opts := &ShowOptions{}
	cmd := &cobra.Command{
		Use:   "show DIR...",
		Short: "Show what a dataset holds, per server",
		Long: `Show reads one or more dataset directories (or single server directories) and
prints, per server, the number of samples, the first and last timestamp, the
share of that time covered by samples, the most common interval, and the mean,
95th percentile and maximum of every metric. Mean is time-weighted over the
interval means, P95 is over the interval means, max is the largest interval max.

With --json it prints a JSON array; metric keys are the canonical metric
names (cpu_busy_pct, mem_used_bytes, ...) and unmeasured values are null.`,
		Example: `  kvmfit show data/
  kvmfit show --json data/ | jq '.[] | {id, coverage_pct, cpu: .metrics.cpu_busy_pct.p95}'`,
		Args: minArgs(1, "at least one dataset directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dirs = args
			return showRun(opts, streams)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON instead of text")
	return cmd
}

// showServer is the JSON form of one server's summary.
type showServer struct {
	Dataset     string                   `json:"dataset"`
	ID          string                   `json:"id"`
	Hostname    string                   `json:"hostname"`
	Source      string                   `json:"source"`
	Samples     int                      `json:"samples"`
	First       string                   `json:"first"`
	Last        string                   `json:"last"`
	CoveragePct float64                  `json:"coverage_pct"`
	IntervalSec int                      `json:"interval_sec"`
	Metrics     map[string]showMetricOut `json:"metrics"`
	Warnings    []string                 `json:"warnings"`
}

type showMetricOut struct {
	Mean *float64 `json:"mean"`
	P95  *float64 `json:"p95"`
	Max  *float64 `json:"max"`
}

func numPtr(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	v = math.Round(v*1e6) / 1e6
	return &v
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func showRun(opts *ShowOptions, streams IO) error {
	sums, err := profile.SummarizeDatasets(opts.Dirs)
	if err != nil {
		return err
	}
	all := make([]showServer, len(sums))
	for i, sum := range sums {
		all[i] = showServer{
			Dataset: sum.Dataset, ID: sum.ID, Hostname: sum.Hostname, Source: sum.Source,
			Samples: sum.Samples, First: fmtTime(sum.First), Last: fmtTime(sum.Last),
			CoveragePct: math.Round(sum.CoveragePct*100) / 100, IntervalSec: sum.IntervalSec,
			Metrics: map[string]showMetricOut{}, Warnings: sum.Warnings,
		}
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			ms := sum.Metrics[m]
			all[i].Metrics[m.String()] = showMetricOut{numPtr(ms.Mean), numPtr(ms.P95), numPtr(ms.Max)}
		}
	}
	if opts.JSON {
		enc := json.NewEncoder(streams.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(all)
	}
	for i, s := range all {
		if i > 0 {
			fmt.Fprintln(streams.Out)
		}
		fmt.Fprintf(streams.Out, "%s/%s (%s, %s)\n", s.Dataset, s.ID, s.Hostname, s.Source)
		fmt.Fprintf(streams.Out, "  %d samples, %s .. %s, coverage %.1f%%, interval %ds\n", s.Samples, s.First, s.Last, s.CoveragePct, s.IntervalSec)
		tw := tabwriter.NewWriter(streams.Out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  metric\tmean\tp95\tmax\t")
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			ms := s.Metrics[m.String()]
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t\n", m, fmtMetric(m, ms.Mean), fmtMetric(m, ms.P95), fmtMetric(m, ms.Max))
		}
		tw.Flush()
		for _, w := range s.Warnings {
			fmt.Fprintf(streams.Out, "  warning: %s\n", w)
		}
	}
	return nil
}

// fmtMetric formats a metric value with its unit; "-" when not measured.
func fmtMetric(m model.Metric, v *float64) string {
	if v == nil {
		return "-"
	}
	switch m {
	case model.CPUBusyPct:
		return fmt.Sprintf("%.2f%%", *v)
	case model.DiskReadIOPS, model.DiskWriteIOPS:
		return fmt.Sprintf("%.1f", *v)
	case model.MemUsedBytes, model.MemTotalBytes, model.FSUsedBytes:
		return fmtBytes(*v)
	default:
		return fmtBytes(*v) + "/s"
	}
}

// fmtBytes formats a byte count with a binary unit.
func fmtBytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f %s", v, units[i])
	}
	return fmt.Sprintf("%.2f %s", v, units[i])
}
