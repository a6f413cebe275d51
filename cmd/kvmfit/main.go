package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit statuses, documented in the root command's help.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// usageError marks an error in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// IO holds the streams a command writes to, so tests can capture them.
type IO struct {
	Out io.Writer
	Err io.Writer
	// Progress is true when long work may show progress (stderr is a
	// terminal and CI is not set).
	Progress bool
	// ReleaseSignals, when set, gives SIGINT and SIGTERM back their
	// default action (terminate the process). main catches them so that
	// collect and the calibration can stop cleanly; commands that only
	// compute and write their output atomically at the end (annotated
	// interruptExit) release them, so an interrupt ends them at once
	// instead of being swallowed until the work is done.
	ReleaseSignals func()
}

// interruptExit annotates commands that an interrupt simply terminates.
const interruptExit = "kvmfit/interrupt"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], IO{Out: os.Stdout, Err: os.Stderr, Progress: isTerminal(os.Stderr) && os.Getenv("CI") == "", ReleaseSignals: func() { signal.Reset(os.Interrupt, syscall.SIGTERM) }}))
}

// run executes kvmfit with args and returns the exit status.
func run(ctx context.Context, args []string, streams IO) int {
	root := newRootCmd(streams)
	root.SetArgs(args)
	root.SetOut(streams.Out)
	root.SetErr(streams.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(streams.Err, "kvmfit:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newRootCmd(streams IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "kvmfit",
		Short: "Plan the consolidation of physical servers onto KVM hosts",
		Long: `kvmfit sizes a consolidation on the time-aligned sum of the servers' demand,
not on the sum of their peaks, and packs the servers (as future VMs) onto
candidate KVM hosts.

Workflow: collect or import samples into a dataset directory, then plan:

  kvmfit import bitbrains --out data/ ../shared/data/bitbrains-rnd/2013-7/*.csv
  kvmfit show data/
  kvmfit plan --data data/ --hosts samples/hosts.yaml --out plan.json --report report.html

Exit status: 0 on success, 1 when the work failed, 2 on a usage error.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if _, ok := cmd.Annotations[interruptExit]; !ok || streams.ReleaseSignals == nil {
				return nil
			}
			if err := cmd.Context().Err(); err != nil {
				return fmt.Errorf("interrupted before %s started", cmd.CommandPath())
			}
			streams.ReleaseSignals()
			return nil
		},
	}
	root.SetFlagErrorFunc(flagError)
	root.Version = version
	root.SetVersionTemplate(versionLine())
	root.Flags().Bool("version", false, "print the version of kvmfit")
	root.Example = `  kvmfit samples generate --servers 40 --days 14 --seed 1 --out samples/fleet
  kvmfit plan --data samples/fleet --hosts samples/hosts.yaml --out out/plan.json --report out/report.html
  kvmfit --version`
	root.AddCommand(
		newVersionCmd(streams),
		newShowCmd(streams),
		newImportCmd(streams),
		newSamplesCmd(streams),
		newPlanCmd(streams),
		newBacktestCmd(streams),
		newCollectCmd(streams),
		newBenchCmd(streams),
		newSolveCmd(streams),
	)
	// The completion command takes its output stream when it is made.
	root.SetOut(streams.Out)
	root.SetErr(streams.Err)
	root.InitDefaultCompletionCmd()
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root {
		c.Example = "  source <(kvmfit completion bash)\n  kvmfit completion zsh > \"${fpath[1]}/_kvmfit\""
	}
	groupCommands(root)
	hideEmptyDefaults(root)
	return root
}

// flagError turns a flag error into a usage error (exit 2). `kvmfit
// import foo --out x`: the format is wrong, not the flag (import has no
// --out; its formats do).
func flagError(c *cobra.Command, err error) error {
	if args := c.Flags().Args(); c.HasAvailableSubCommands() && len(args) > 0 {
		return unknownSubcommand(c, args[0])
	}
	return usageError{fmt.Errorf("%w\nRun '%s --help' for usage.", err, c.CommandPath())}
}

// subcommandNoun names what the subcommands of a group command are, for
// its "unknown ..." error.
var subcommandNoun = map[string]string{"kvmfit import": "format"}

// groupCommands makes every command that only groups subcommands (kvmfit,
// import, samples, completion) reject an unknown subcommand with a usage
// error (exit 2) that suggests the closest one, and print its help when
// called alone.
func groupCommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		groupCommands(sub)
	}
	if !c.HasSubCommands() || c.Runnable() {
		return
	}
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		return unknownSubcommand(cmd, args[0])
	}
}

// unknownSubcommand is the usage error of group command c called with the
// unknown subcommand name.
func unknownSubcommand(c *cobra.Command, name string) error {
	noun := subcommandNoun[c.CommandPath()]
	if noun == "" {
		noun = "command"
	}
	var names []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	return usageErrorf("unknown %s %q for %q%s\nRun '%s --help' for usage.", noun, name, c.CommandPath(), didYouMean(name, names, noun+"s"), c.CommandPath())
}

// hideEmptyDefaults keeps the help of map flags whose default is empty
// from saying "(default [])".
func hideEmptyDefaults(c *cobra.Command) {
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.DefValue == "[]" && f.Value.Type() == "stringToString" {
			f.DefValue = ""
		}
	})
	for _, sub := range c.Commands() {
		hideEmptyDefaults(sub)
	}
}

// versionLine is what `kvmfit version` and `kvmfit --version` print.
func versionLine() string {
	return fmt.Sprintf("kvmfit %s (dataset format %d: reads %d to %d, CSV or Parquet samples)\n", version, dataset.ParquetFormatVersion, 1, dataset.ParquetFormatVersion)
}

func newVersionCmd(streams IO) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version of kvmfit",
		Example: "  kvmfit version",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprint(streams.Out, versionLine())
			return nil
		},
	}
}

// noArgs rejects positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// minArgs requires at least n positional arguments.
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usageErrorf("%s needs %s\nRun '%s --help' for usage.", cmd.CommandPath(), what, cmd.CommandPath())
		}
		return nil
	}
}
