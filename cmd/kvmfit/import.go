package main

import (
	"fmt"
	"time"

	"github.com/kvmfit/kvmfit/collect/importer"
	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// ImportOptions are the options shared by the `kvmfit import` commands.
type ImportOptions struct {
	Out   string
	Files []string
	// Start is the UTC start of the first sample, for formats without timestamps.
	Start string
}

func newImportCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import FORMAT --out DIR FILE...",
		Short: "Import existing recordings or public traces into a dataset",
		Long: `Import converts recordings in another format into a kvmfit dataset
directory (docs/format.md). Each server found becomes one server directory.
The import is all or nothing: on any error nothing is left in DIR.
Importing into an existing dataset adds servers to it; a server already
there (the same machine imported again, or from another source) is merged
into it, not counted twice, and another machine with the same name is kept
apart under a suffixed name, with a warning either way. Local times need
--tz (else UTC is assumed, with a warning). docs/import.md says what each
format fills and what it cannot.`,
		Example: `  kvmfit import sar --out data/ /var/log/sa/sa*
  kvmfit import nmon --tz Europe/Paris --out data/ *.nmon
  kvmfit import perfmon --mem-total WEB01=16GiB --out data/ web01.csv
  kvmfit import prometheus --url http://127.0.0.1:9090 --start 2026-01-05 --end 2026-01-12 --out data/
  kvmfit import bitbrains --out data/ ../shared/data/bitbrains-rnd/2013-7/*.csv
  kvmfit import planetlab --start 2011-03-03 --out data/ ../shared/data/planetlab-cloudsim/20110303/*
  # about half the bytes, each value within 0.39 % (8 significant bits)
  kvmfit import sar --precision-bits 8 --out data/ /var/log/sa/sa*`,
	}
	cmd.AddCommand(newImportBitbrainsCmd(streams), newImportPlanetLabCmd(streams))
	cmd.AddCommand(importFormatCmds(streams)...)
	return cmd
}

// importerOptions are the importer's callbacks: progress on a terminal
// (nothing in pipes and CI) and warnings on stderr, each on its own line:
// a warning ends the progress line first, which resumes below it.
func importerOptions(streams IO, label string) (importer.Options, *progress) {
	p := newProgress(streams, label)
	return importer.Options{
		Progress: p.Update,
		Warn: func(err error) {
			p.Done()
			fmt.Fprintln(streams.Err, "warning:", err)
		},
	}, p
}

func newImportBitbrainsCmd(streams IO) *cobra.Command {
	opts := &ImportOptions{}
	cmd := &cobra.Command{
		Use:   "bitbrains --out DIR FILE...",
		Short: "Import GWA-T-12 Bitbrains per-VM CSV files",
		Long: `Import Bitbrains GWA-T-12 (fastStorage or Rnd) per-VM CSV files: one file per
VM, ";<TAB>"-separated, 5-minute averages of CPU, memory, disk and network.
Each file becomes one server (a VM). Files whose every value is zero are
skipped with a warning.`,
		Example: `  kvmfit import bitbrains --out data/ ../shared/data/bitbrains-rnd/2013-7/*.csv`,
		Args:    minArgs(1, "at least one Bitbrains CSV file"),
	}
	return withImport(streams, cmd, "importing", &opts.Out, func(cmd *cobra.Command, args []string) (importFunc, error) {
		return func(io importer.Options) (importer.Summary, error) {
			return importer.Bitbrains(args, opts.Out, io)
		}, nil
	})
}

func newImportPlanetLabCmd(streams IO) *cobra.Command {
	opts := &ImportOptions{}
	cmd := &cobra.Command{
		Use:   "planetlab --start DATE --out DIR FILE...",
		Short: "Import PlanetLab (CoMon, CloudSim) CPU traces",
		Long: `Import PlanetLab VM CPU traces as shipped with CloudSim: one file per VM, one
integer CPU % per line, 5-minute interval, no timestamps. --start gives the
UTC time of the first line (a date means midnight UTC). CPU only: memory,
disk and network are not in the source.`,
		Example: `  kvmfit import planetlab --start 2011-03-03 --out data/ ../shared/data/planetlab-cloudsim/20110303/*`,
		Args:    minArgs(1, "at least one PlanetLab trace file"),
	}
	withImport(streams, cmd, "importing", &opts.Out, func(cmd *cobra.Command, args []string) (importFunc, error) {
		start, err := parseStart(opts.Start)
		if err != nil {
			return nil, err
		}
		return func(io importer.Options) (importer.Summary, error) {
			return importer.PlanetLab(args, start, opts.Out, io)
		}, nil
	})
	cmd.Flags().StringVar(&opts.Start, "start", "", "UTC start of the first sample: 2011-03-03 or 2011-03-03T00:00:00Z")
	return cmd
}

// parseStart parses a date or an RFC 3339 time as UTC.
func parseStart(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, usageErrorf("--start is required: the UTC time of the first sample (e.g. 2011-03-03)")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, usageErrorf("--start %q: not a date (2006-01-02) or RFC 3339 time", s)
}

// precisionUsage is the help of --precision-bits (import, samples generate).
var precisionUsage = fmt.Sprintf("store the samples compact (lossy): every value but mem_total_bytes rounded to `B` significant bits, "+
	"within 2^-B of it (8: 0.39 %%, about half the bytes of the exact store); 0 keeps them exact; %d..%d", dataset.MinPrecisionBits, dataset.MaxPrecisionBits)

// addPrecisionFlag adds --precision-bits B to a command that writes a
// dataset.
func addPrecisionFlag(f *pflag.FlagSet, bits *int) {
	f.IntVar(bits, "precision-bits", 0, precisionUsage)
}

// checkPrecisionFlag checks --precision-bits before anything is written.
func checkPrecisionFlag(bits int) error {
	if err := dataset.CheckPrecisionBits(bits); err != nil {
		return usageErrorf("--precision-bits %d: want 0 (exact) or %d..%d significant bits", bits, dataset.MinPrecisionBits, dataset.MaxPrecisionBits)
	}
	return nil
}
