package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"runtime"
	"time"

	"github.com/kvmfit/kvmfit/collect"
	"github.com/kvmfit/kvmfit/collect/promhttp"
	"github.com/kvmfit/kvmfit/collect/remotewrite"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// CollectOptions are the options of `kvmfit collect`.
type CollectOptions struct {
	Out      string
	ID       string
	Interval time.Duration
	Sample   time.Duration
	Duration time.Duration
	MaxBytes string
	NoBench  bool
	BenchDur time.Duration
	// RemoteWrite is the URL of a Prometheus remote-write endpoint the
	// rows are also pushed to ("" = none), with its HTTP settings and the
	// cap of its on-disk buffer.
	RemoteWrite       string
	RemoteWriteHTTP   promhttp.Config
	RemoteWriteBuffer string
}

// DefaultCollectOptions are the defaults of `kvmfit collect`.
var DefaultCollectOptions = CollectOptions{
	Interval: collect.DefaultOptions.Interval,
	Sample:   collect.DefaultOptions.Sample,
	BenchDur: 2 * time.Second,
}

// AddFlags registers the options' flags.
func (o *CollectOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Out, "out", "", "dataset directory; samples go to DIR/<host name>/ (created 0750)")
	fs.StringVar(&o.ID, "id", "", "server directory name (default: the host name, made safe)")
	fs.DurationVar(&o.Interval, "interval", o.Interval, "length of one row (a multiple of --sample, 1s..24h)")
	fs.DurationVar(&o.Sample, "sample", o.Sample, "sub-sample period: each row keeps the mean and max over its sub-samples")
	fs.DurationVar(&o.Duration, "duration", 0, "stop after this long (default: run until SIGTERM/SIGINT)")
	fs.StringVar(&o.MaxBytes, "max-bytes", "0", "cap of the server directory's size in `BYTES`, e.g. 50MB (0: no cap); the oldest closed day is deleted first")
	fs.Lookup("max-bytes").DefValue = "" // the usage says it: 0 is no cap
	fs.BoolVar(&o.NoBench, "no-bench", false, "skip the CPU calibration at start (about 2×--bench-time of full CPU)")
	fs.DurationVar(&o.BenchDur, "bench-time", o.BenchDur, "length of each calibration run")
	fs.StringVar(&o.RemoteWrite, "remote-write", "", "also push the rows to this Prometheus remote-write `URL` (e.g. http://victoria:8428/api/v1/write)")
	fs.StringVar(&o.RemoteWriteBuffer, "remote-write-buffer", "64MB", "cap of the on-disk buffer of rows not yet pushed, in `BYTES` (at most a quarter of --max-bytes)")
	o.RemoteWriteHTTP.AddFlags(fs, "remote-write-", "the remote-write endpoint")
}

func newCollectCmd(streams IO) *cobra.Command {
	opts := DefaultCollectOptions
	cmd := &cobra.Command{
		Use:   "collect --out DIR [--interval 60s] [--sample 5s] [--duration D] [--max-bytes N]",
		Short: "Record this server's CPU, memory, disk and network use into a dataset",
		Long: `Collect reads this server's counters every --sample (CPU times, memory,
the IO counters of each physical disk, the byte counters of each interface)
and appends one row every --interval to DIR/<host name>/samples-YYYY-MM-DD.csv with the mean
and the max over the sub-samples, so a 20-second spike inside a 5-minute row
survives (format: docs/format.md; details: docs/collector.md).

- Rows start on multiples of --interval in UTC; files are per UTC day, each
  row is fsynced, closed days are gzipped.
- inventory.json is written at start and again whenever the configuration
  changes (checked hourly); it records whether the server is itself a VM.
- At start a CPU calibration (--bench-time single-core, then all-core)
  stores the scores in the inventory; --no-bench skips it. A restart into
  the same dataset keeps the scores already measured on the same CPU.
- A restart resumes the same dataset. SIGTERM or SIGINT writes the interval
  in flight as a shorter row and exits 0.
- On a full disk or at --max-bytes rows wait in memory and are retried; at
  --max-bytes the oldest closed day is deleted first (and logged).
- --remote-write URL also pushes each row to a Prometheus remote-write
  endpoint (VictoriaMetrics, Prometheus, Mimir, Thanos receive) as
  kvmfit_<metric>_mean and _max with the labels instance (--id or the host
  name), hostname and machine_id, and kvmfit_info carrying the inventory;
  'kvmfit import prometheus' reads them back. Rows not yet accepted wait in
  DIR/<host name>/.remote-write/ (bounded by --remote-write-buffer, keeping
  256 MB of the disk free) and are retried with backoff; the local files are
  written as without it. --remote-write-bearer-token-file,
  --remote-write-basic-auth-*, --remote-write-ca-file, --remote-write-cert-file,
  --remote-write-header and the proxy environment configure the connection.
- Needs no privilege, opens no port, writes files 0640. Messages go to
  stderr with a UTC time stamp.

Exit status: 0 when stopped by a signal or --duration, 1 on failure, 2 on a
usage error.`,
		Example: `  # a week on a legacy server, 1-minute rows of 5-second sub-samples, at most 50 MB
  kvmfit collect --out /var/lib/kvmfit --max-bytes 50MB

  # 5-minute rows, as the planner's default step, for two weeks
  kvmfit collect --out /var/lib/kvmfit --interval 5m --sample 10s --duration 336h

  # also push to VictoriaMetrics, with a token
  kvmfit collect --out /var/lib/kvmfit --remote-write https://victoria.example/api/v1/write --remote-write-bearer-token-file /etc/kvmfit/token

  # a quick look: 10 one-minute rows without the calibration
  kvmfit collect --out /tmp/kvmfit --duration 10m --no-bench && kvmfit show /tmp/kvmfit`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return collectRun(cmd.Context(), &opts, streams)
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

// logger prints time-stamped messages to w.
func logger(w io.Writer) func(string, ...any) {
	return func(format string, a ...any) {
		fmt.Fprintf(w, "%s kvmfit collect: %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, a...))
	}
}

func collectRun(ctx context.Context, opts *CollectOptions, streams IO) error {
	if ctx == nil {
		ctx = context.Background()
	}
	maxBytes, rwBuffer, copts, err := opts.check()
	if err != nil {
		return err
	}
	logf := logger(streams.Err)
	copts.Logf = logf

	inv := collect.Inventory(ctx, time.Now())
	id := opts.ID
	if id == "" {
		id = dataset.SafeID(inv.Hostname)
	}
	dir := filepath.Join(opts.Out, id)
	store, err := collect.OpenStore(dir, collect.StoreOptions{MaxBytes: int64(maxBytes), Logf: logf})
	if err != nil {
		return fmt.Errorf("open dataset %s: %w", dir, err)
	}
	if stopped, err := keepInventory(ctx, dir, &inv, opts, logf); stopped || err != nil {
		store.Close()
		return err
	}
	// The collector is one goroutine waking every --sample: one P is all it
	// needs (fewer threads, less resident memory).
	runtime.GOMAXPROCS(1)

	logf("collecting into %s every %s (rows of %s)", dir, opts.Sample, opts.Interval)
	p := newProgress(streams, "rows written to "+dir)
	sink := &collectSink{store: store, dir: dir, inv: inv, ctx: ctx, logf: logf, progress: p, lastCheck: time.Now()}
	if opts.RemoteWrite != "" {
		stop, err := opts.startRemoteWrite(ctx, sink, id, rwBuffer)
		if err != nil {
			store.Close()
			return err
		}
		defer stop()
	}
	disks := []string{}
	for _, d := range inv.Disks {
		disks = append(disks, d.Name)
	}
	src := &collect.SystemSource{Disks: disks, Logf: logf}
	runErr := collect.Run(ctx, src, collect.NewRealClock(), sink, copts)
	p.Done()
	if err := store.Close(); err != nil {
		logf("closing: %v", err)
	}
	if runErr != nil {
		return runErr
	}
	logf("stopped: %d rows written", sink.rows)
	return nil
}

// check validates the options before any work: the output, the disk
// budget, the intervals, the ID and the remote-write settings. It returns
// the disk budget, the remote-write buffer (at most a quarter of the
// budget) and the collector's options.
func (opts *CollectOptions) check() (maxBytes, rwBuffer model.ByteSize, copts collect.Options, err error) {
	if opts.Out == "" {
		return 0, 0, copts, usageErrorf("collect needs --out DIR")
	}
	if maxBytes, err = model.ParseByteSize(opts.MaxBytes); err != nil {
		return 0, 0, copts, usageErrorf("--max-bytes %q: %v", opts.MaxBytes, err)
	}
	copts = collect.Options{Interval: opts.Interval, Sample: opts.Sample, Duration: opts.Duration}
	if err := copts.Validate(); err != nil {
		return 0, 0, copts, usageErrorf("%v", err)
	}
	if opts.ID != "" && (opts.ID != dataset.SafeID(opts.ID) || opts.ID == "." || opts.ID == "..") {
		return 0, 0, copts, usageErrorf("--id %q: use letters, digits, '.', '-' and '_' only", opts.ID)
	}
	if opts.RemoteWrite == "" {
		return maxBytes, 0, copts, nil
	}
	if err := opts.RemoteWriteHTTP.ParseHeaders(); err != nil {
		return 0, 0, copts, usageErrorf("%v", err)
	}
	if err := opts.RemoteWriteHTTP.Validate(); err != nil {
		return 0, 0, copts, usageErrorf("--remote-write: %v", err)
	}
	if rwBuffer, err = model.ParseByteSize(opts.RemoteWriteBuffer); err != nil || rwBuffer <= 0 {
		return 0, 0, copts, usageErrorf("--remote-write-buffer %q: want a size above 0", opts.RemoteWriteBuffer)
	}
	if maxBytes > 0 {
		rwBuffer = min(rwBuffer, maxBytes/4)
	}
	return maxBytes, rwBuffer, copts, nil
}

// startRemoteWrite starts pushing the sink's rows to --remote-write (with
// an on-disk spool of at most rwBuffer bytes) and returns the function
// that stops it once the collector has stopped.
func (opts *CollectOptions) startRemoteWrite(ctx context.Context, sink *collectSink, id string, rwBuffer model.ByteSize) (stop func(), err error) {
	logf, inv := sink.logf, sink.inv
	client, err := opts.RemoteWriteHTTP.Client(logf)
	if err != nil {
		return nil, usageErrorf("--remote-write: %v", err)
	}
	client.Timeout = 30 * time.Second
	rw, err := remotewrite.New(remotewrite.Options{URL: opts.RemoteWrite, Client: client, SpoolDir: filepath.Join(sink.dir, ".remote-write"),
		MaxSpoolBytes: int64(rwBuffer), Logf: logf}, remotewrite.Identity{Instance: id, Hostname: inv.Hostname, MachineID: inv.MachineID}, inv)
	if err != nil {
		return nil, err
	}
	sink.rw = rw
	rwCtx, rwStop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { rw.Run(rwCtx, 10*time.Second); close(done) }()
	logf("pushing the rows to %s (%s)", remoteWriteURL(opts.RemoteWrite), opts.RemoteWriteHTTP.String())
	return func() { rwStop(); <-done; logf("remote write: %d rows pushed", rw.Sent()) }, nil
}

// keepInventory gives inv the CPU scores of the inventory already in dir
// when the CPU is the same, else calibrates the CPU (unless --no-bench),
// and writes dir/inventory.json when it changed. stopped is true when ctx
// ended during the calibration.
func keepInventory(ctx context.Context, dir string, inv *model.Inventory, opts *CollectOptions, logf func(string, ...any)) (stopped bool, err error) {
	old, oldErr := dataset.ReadInventory(dir)
	if oldErr == nil && old.CPUModel == inv.CPUModel && old.Threads == inv.Threads && old.CPUScorePerCore > 0 {
		inv.CPUScorePerCore, inv.CPUScoreAllCores = old.CPUScorePerCore, old.CPUScoreAllCores
	} else if !opts.NoBench {
		logf("calibrating the CPU (%s single-core, %s all-core; --no-bench skips it)", opts.BenchDur, opts.BenchDur)
		c := collect.Calibrate(ctx, opts.BenchDur)
		if ctx.Err() != nil {
			return true, nil
		}
		inv.CPUScorePerCore, inv.CPUScoreAllCores = c.ScorePerCore, c.ScoreAllCores
		logf("calibration: %.0f per core, %.0f all cores (1000 = reference core)", c.ScorePerCore, c.ScoreAllCores)
	}
	if oldErr != nil || !collect.SameInventory(old, *inv) || old.CPUScorePerCore != inv.CPUScorePerCore {
		if err := dataset.WriteInventory(dir, *inv); err != nil {
			return false, fmt.Errorf("write inventory: %w", err)
		}
	}
	return false, nil
}

// inventoryCheckEvery is how often the inventory is taken again.
const inventoryCheckEvery = time.Hour

// collectSink writes rows to the store, rewrites the inventory when the
// server's configuration changes, and shows progress.
type collectSink struct {
	store     *collect.Store
	dir       string
	inv       model.Inventory
	ctx       context.Context
	logf      func(string, ...any)
	progress  *progress
	lastCheck time.Time
	rows      int64
	rw        *remotewrite.Writer
}

// remoteWriteURL is u without a user, password or query, for messages.
func remoteWriteURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	p.User, p.RawQuery = nil, ""
	return p.String()
}

func (s *collectSink) Append(x model.Sample) error {
	if time.Since(s.lastCheck) >= inventoryCheckEvery {
		s.lastCheck = time.Now()
		inv := collect.Inventory(s.ctx, time.Now())
		inv.CPUScorePerCore, inv.CPUScoreAllCores = s.inv.CPUScorePerCore, s.inv.CPUScoreAllCores
		if !collect.SameInventory(inv, s.inv) {
			if err := dataset.WriteInventory(s.dir, inv); err != nil {
				s.logf("write inventory: %v", err)
			} else {
				s.logf("configuration changed: inventory.json rewritten")
				s.inv = inv
				if s.rw != nil {
					s.rw.SetInventory(inv)
				}
			}
		}
	}
	if s.rw != nil {
		if err := s.rw.Append(x); err != nil {
			s.logf("%v", err)
		}
	}
	err := s.store.Append(x)
	if err == nil {
		s.rows++
		s.progress.Update(s.rows, 0)
	}
	return err
}
