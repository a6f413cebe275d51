package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kvmfit/kvmfit/collect"
	"github.com/spf13/cobra"
)

// BenchOptions are the options of `kvmfit bench`.
type BenchOptions struct {
	Duration time.Duration
	JSON     bool
}

func newBenchCmd(streams IO) *cobra.Command {
	opts := &BenchOptions{Duration: 2 * time.Second}
	cmd := &cobra.Command{
		Use:   "bench [--time 2s] [--json]",
		Short: "Measure this machine's CPU score (the collector's calibration)",
		Long: `Bench runs the same CPU calibration as kvmfit collect: --time of single-core
work, then --time with one worker per logical CPU, and prints both scores.
1000 is one reference core. Run it on a candidate KVM host and put the
single-core score in the host catalog as cpu_score_per_core; plan then
counts CPU demand and capacity in the same unit (docs/collector.md,
docs/model.md). Run it on an idle machine: other load lowers the score.`,
		Example: `  kvmfit bench
  kvmfit bench --time 5s --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Duration < 100*time.Millisecond || opts.Duration > 10*time.Minute {
				return usageErrorf("--time %s: must be between 100ms and 10m", opts.Duration)
			}
			c := collect.Calibrate(cmd.Context(), opts.Duration)
			if err := cmd.Context().Err(); err != nil {
				return fmt.Errorf("interrupted: %w", err)
			}
			if opts.JSON {
				enc := json.NewEncoder(streams.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(c)
			}
			fmt.Fprintf(streams.Out, "single-core score: %.0f\nall-core score:    %.0f (%d logical CPUs)\n1000 = one reference core; put the single-core score in hosts.yaml as cpu_score_per_core\n",
				c.ScorePerCore, c.ScoreAllCores, c.Threads)
			return nil
		},
	}
	cmd.Flags().DurationVar(&opts.Duration, "time", opts.Duration, "length of each of the two runs")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}
