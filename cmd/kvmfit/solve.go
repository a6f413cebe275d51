package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kvmfit/kvmfit/binpack"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// SolveOptions are the options of `kvmfit solve`.
type SolveOptions struct {
	Format  string
	Work    int64
	Timeout time.Duration
	Jobs    int
	Seed    uint64
}

// DefaultSolveWork is the default search budget of `kvmfit solve`, in work
// units (one coordinate of one fit check).
const DefaultSolveWork = 20_000_000

// AddFlags registers the solve flags.
func (o *SolveOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Format, "format", "", "instance format: bpp (BPPLIB 1-D), vbp (VPSolver vector), tbpp (temporal bin packing)")
	fs.Int64Var(&o.Work, "work", DefaultSolveWork, "search budget per instance in work units (deterministic; 0 = constructive heuristics only)")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Second, "wall-clock safety cap per instance (reported as stop=deadline when hit; 0 = none)")
	fs.IntVarP(&o.Jobs, "jobs", "j", 1, "instances solved in parallel (output order is the argument order)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the search's perturbation")
}

// solveLine is one line of `kvmfit solve` output.
type solveLine struct {
	Instance     string                    `json:"instance"`
	Bins         int                       `json:"bins"`
	LowerBound   int                       `json:"lower_bound"`
	Seconds      float64                   `json:"seconds"`
	Items        int                       `json:"items"`
	Unplaced     int                       `json:"unplaced"`
	Bounds       binpack.Bounds            `json:"bounds"`
	Heuristic    string                    `json:"heuristic"`
	Constructive []binpack.HeuristicResult `json:"constructive"`
	Work         int64                     `json:"work"`
	Stop         string                    `json:"stop"`
}

func newSolveCmd(streams IO) *cobra.Command {
	opts := &SolveOptions{}
	cmd := &cobra.Command{
		Annotations: map[string]string{interruptExit: ""},
		Use:         "solve --format bpp|vbp|tbpp FILE...",
		Short:       "Run the packer on published bin packing benchmark instances",
		Long: `Solve runs kvmfit's packer (the same code that packs servers onto hosts) on
published benchmark instances and prints one JSON line per instance, in the
order of the arguments:

  {"instance": NAME, "bins": N, "lower_bound": L, "seconds": S, ...}

Formats:
  bpp   BPPLIB one-dimensional files: n, capacity, then n weights
  vbp   VPSolver vector packing files: d, d capacities, m, then m lines of
        d sizes and a multiplicity
  tbpp  temporal bin packing files: "n cap 0 0", then "index start end size"
        lines, active on [start, end); time is compressed to the distinct
        start times

The search is bounded by --work, a deterministic budget, so the bins do not
depend on the machine; --timeout is only a safety cap ("stop": "deadline" in
the output when it ends a search). "seconds" is wall-clock time and varies.

Exit status: 0 on success, 1 when a file cannot be read or parsed, 2 on a
usage error.`,
		Example: `  kvmfit solve --format bpp ../shared/data/binpacking/falkenauer/instances/*/*.txt
  kvmfit solve --format vbp -j 2 ../shared/data/binpacking/vbp_new/instances/class1/*.vbp
  kvmfit solve --format tbpp --work 0 ../shared/data/binpacking/tbpp_aydin/instances/*.txt`,
		Args: minArgs(1, "at least one instance FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return solveRun(opts, args, streams)
		},
	}
	opts.AddFlags(cmd.Flags())
	_ = cmd.RegisterFlagCompletionFunc("format", fixedValues("bpp\tBPPLIB one-dimensional", "vbp\tVPSolver vector packing", "tbpp\ttemporal bin packing"))
	return cmd
}

// parseInstance reads and parses one benchmark file.
func parseInstance(format, path string) (*binpack.Instance, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	switch format {
	case "bpp":
		return binpack.ParseBPP(name, data)
	case "vbp":
		return binpack.ParseVBP(name, data)
	case "tbpp":
		return binpack.ParseTBPP(name, data)
	}
	return nil, usageErrorf("--format %q: use bpp, vbp or tbpp", format)
}

func solveRun(opts *SolveOptions, files []string, streams IO) error {
	switch opts.Format {
	case "bpp", "vbp", "tbpp":
	case "":
		return usageErrorf("solve needs --format bpp, vbp or tbpp")
	default:
		return usageErrorf("--format %q: use bpp, vbp or tbpp", opts.Format)
	}
	if opts.Work < 0 || opts.Jobs < 1 {
		return usageErrorf("--work must be >= 0 and --jobs >= 1")
	}
	quit := make(chan struct{}) // closed on the first error: no new instance
	done := solveAll(opts, files, quit)
	return writeInOrder(done, len(files), files, streams.Out, quit)
}

// solveResult is the line of instance k, or why it has none.
type solveResult struct {
	k    int
	line []byte
	err  error
}

// solveAll solves the files on opts.Jobs workers and sends every result
// on the channel it returns, closed when all are done or quit is closed.
func solveAll(opts *SolveOptions, files []string, quit <-chan struct{}) <-chan solveResult {
	next := make(chan int)
	done := make(chan solveResult)
	var wg sync.WaitGroup
	for range opts.Jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				line, err := solveOne(opts, files[k])
				done <- solveResult{k, line, err}
			}
		}()
	}
	go func() {
	dispatch:
		for k := range files {
			select {
			case next <- k:
			case <-quit:
				break dispatch
			}
		}
		close(next)
		wg.Wait()
		close(done)
	}()
	return done
}

// writeInOrder writes the lines in argument order as soon as every earlier
// instance is done, so an interrupted run keeps what it finished; on the
// first error it closes quit and returns the error.
func writeInOrder(done <-chan solveResult, n int, files []string, w io.Writer, quit chan struct{}) error {
	pending := map[int]solveResult{}
	var firstErr error
	written := 0
	for r := range done {
		pending[r.k] = r
		for ; written < n && firstErr == nil; written++ {
			r, ok := pending[written]
			if !ok {
				break
			}
			delete(pending, written)
			if r.err != nil {
				firstErr = fmt.Errorf("%s: %w", files[written], r.err)
			} else if _, err := w.Write(r.line); err != nil {
				firstErr = err
			}
			if firstErr != nil {
				close(quit)
				break
			}
		}
	}
	return firstErr
}

func solveOne(opts *SolveOptions, path string) ([]byte, error) {
	inst, err := parseInstance(opts.Format, path)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	o := binpack.SolveOptions{Work: opts.Work, Seed: opts.Seed}
	if opts.Timeout > 0 {
		o.Deadline = start.Add(opts.Timeout)
	}
	sol := binpack.Solve(inst, o)
	line := solveLine{
		Instance: inst.Name, Bins: len(sol.Bins), LowerBound: sol.LowerBound,
		Seconds: float64(time.Since(start).Microseconds()) / 1e6, Items: len(inst.Items),
		Unplaced: len(sol.Unplaced), Bounds: sol.Bounds, Heuristic: sol.Heuristic,
		Constructive: sol.Constructive, Work: sol.Work, Stop: sol.Stop,
	}
	b, err := json.Marshal(line)
	return append(b, '\n'), err
}
