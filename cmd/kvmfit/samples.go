package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/samples"
	"github.com/spf13/cobra"
)

func newSamplesCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "samples",
		Short: "Generate the bundled sample fleet",
	}
	cmd.AddCommand(newSamplesGenerateCmd(streams))
	return cmd
}

func newSamplesGenerateCmd(streams IO) *cobra.Command {
	opts := samples.GenerateOptions{}
	var out, start string
	var names []string
	for _, a := range samples.Archetypes {
		names = append(names, "  "+a.Name+": "+a.Description)
	}
	cmd := &cobra.Command{
		Use:   "generate --servers N --days D --seed S --out DIR",
		Short: "Generate a deterministic, realistic fleet of legacy servers",
		Long: `Generate writes a synthetic dataset of legacy physical servers with daily and
weekly cycles, month-end peaks, noise and short spikes, in the same format as
the collector. The same options always give the same bytes.

Archetypes:
` + strings.Join(names, "\n"),
		Example: `  kvmfit samples generate --servers 40 --days 14 --seed 1 --out samples/fleet`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErrorf("samples generate needs --out DIR")
			}
			if start != "" {
				t, err := parseStart(start)
				if err != nil {
					return err
				}
				opts.Start = t
			}
			p := newProgress(streams, "generating")
			opts.Progress = func(done, total int) { p.Update(int64(done), int64(total)) }
			err := samples.Generate(out, opts)
			p.Done()
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Err, "generated %d servers × %d days into %s\n", opts.Servers, opts.Days, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Servers, "servers", 40, "number of servers")
	f.IntVar(&opts.Days, "days", 14, "days of data")
	f.Uint64Var(&opts.Seed, "seed", 1, "random seed")
	f.StringVar(&out, "out", "", "dataset directory to write")
	f.StringVar(&start, "start", "", "UTC date of the first day (default 2026-01-05, a Monday)")
	f.DurationVar(&opts.Step, "step", 5*time.Minute, "sample interval")
	return cmd
}
