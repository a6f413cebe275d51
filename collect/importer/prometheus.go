package importer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kvmfit/kvmfit/collect/promhttp"
	"github.com/kvmfit/kvmfit/collect/remotewrite"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	pmodel "github.com/prometheus/common/model"
)

// PrometheusOptions configure the Prometheus importer.
type PrometheusOptions struct {
	Options
	// URL of a Prometheus-compatible HTTP API (Prometheus, Thanos Query,
	// VictoriaMetrics, Mimir), e.g. http://127.0.0.1:9090.
	URL string
	// Start and End bound the time range; samples start at Start.
	Start, End time.Time
	// Step is the sample interval (default 5 minutes).
	Step time.Duration
	// PeakWindow is the rate window of the peak within each step (default 1
	// minute, at least two scrape intervals of the source): the max of a
	// sample is the largest rate over PeakWindow inside the step.
	PeakWindow time.Duration
	// Selector is extra label matchers for every node_exporter series, e.g.
	// `job="node"` (no braces).
	Selector string
	// RoundTripper, if non-nil, is used for HTTP (tests); else one is
	// built from HTTP.
	RoundTripper http.RoundTripper
	// HTTP is the authentication, TLS and headers of the API.
	HTTP promhttp.Config
	// Timeout bounds each query (default 2 minutes).
	Timeout time.Duration
	// Parallel bounds the range queries in flight (default 4).
	Parallel int
	// Metrics chooses the series: "kvmfit" (the rows pushed by `kvmfit
	// collect --remote-write`), "node" (node_exporter) or "auto" (default:
	// kvmfit's where an instance has them, node_exporter's for the others).
	Metrics string
	// NoExport keeps the range queries for the kvmfit rows even when the
	// server is VictoriaMetrics (see prometheus_vm.go): the same dataset,
	// more of the server's CPU.
	NoExport bool
	// forceExport exports the kvmfit rows from VictoriaMetrics however
	// dense they are (tests: the export path's averages of several rows).
	forceExport bool
}

// DefaultPrometheusOptions are the defaults of the optional fields.
var DefaultPrometheusOptions = PrometheusOptions{Step: 5 * time.Minute, PeakWindow: time.Minute, Timeout: 2 * time.Minute, Parallel: 4, Metrics: "auto"}

const (
	// promMaxPoints is Prometheus' limit of points per series in one range
	// query (11,000); chunks stay below it.
	promMaxPoints = 10000
	// promBatch is how many instances at most are imported together:
	// their writers stay open and their chunks are held in memory at once
	// (fewer when the chunks are long: see promChunkValues).
	promBatch = 50
	// promChunkValues bounds the values held for one chunk of a batch (two
	// chunks are held: one queried while the other is written).
	promChunkValues = 2_000_000
	// promDiskExclude leaves out device-mapper, md, loop, ram and optical
	// devices (node_exporter already leaves out partitions by default).
	promDiskExclude = `dm-.*|md.*|loop.*|ram.*|zram.*|sr.*|fd.*|nbd.*`
	// promFSTypeExclude and promMountExclude leave out the filesystems the
	// collector leaves out (collect.LocalFS): network, memory and pseudo
	// filesystems, container layers and images (node_exporter's default
	// excludes cover the pseudo ones, not tmpfs or the network ones).
	promFSTypeExclude = `nfs.*|cifs|smbfs|smb3|ncpfs|afs|9p|ceph|glusterfs|lustre|gpfs|davfs|fuse\\..*|autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|efivarfs|fusectl|hugetlbfs|mqueue|nsfs|proc|procfs|pstore|ramfs|rpc_pipefs|securityfs|selinuxfs|sysfs|tmpfs|tracefs|rootfs|none|shm|overlay|aufs|squashfs|erofs|iso9660|udf`
	promMountExclude  = `/(dev|proc|sys)(/.*)?|/(run/credentials|var/lib/docker|var/lib/containers/storage|var/lib/kubelet/pods|snap)/.*`
)

// promFSFilter is the label matchers of the local filesystems.
const promFSFilter = `fstype!~"` + promFSTypeExclude + `",mountpoint!~"` + promMountExclude + `"`

// promQuery is one PromQL expression filling the mean or max of a metric.
type promQuery struct {
	metric model.Metric
	isMax  bool
	expr   string
	// raw, for the kvmfit rows, is the selector of the series whose raw
	// points VictoriaMetrics' export gives: expr is then the largest per
	// instance of their avg_over_time (max_over_time if isMax) at the
	// step, which the export path computes itself (prometheus_vm.go).
	raw string
}

// promQueries builds the queries. sel is the label matchers (with the
// instance filter), s the step and p the peak window, in PromQL durations.
//
// Means are rates over the whole step (value at t covers (t−step, t]); maxima
// are max_over_time of a subquery of rates over the peak window inside the
// step. Memory: total − MemAvailable, its mean from avg_over_time and its max
// from min_over_time of MemAvailable. Filesystems: size − free per local
// filesystem (df's used, the collector's), once per device (the largest of
// its mounts' values: bind mounts repeat a device), summed per instance; the
// max sums each filesystem's max, an upper bound of the sum's.
func promQueries(sel, s, p string) []promQuery {
	join := func(extra string) string {
		if sel == "" {
			return "{" + extra + "}"
		}
		if extra == "" {
			return "{" + sel + "}"
		}
		return "{" + sel + "," + extra + "}"
	}
	cpu := func(w string) string {
		return `clamp(100 * (1 - sum by (instance) (rate(node_cpu_seconds_total` + join(`mode=~"idle|iowait"`) + `[` + w + `])) / count by (instance) (node_cpu_seconds_total` + join(`mode="idle"`) + `)), 0, 100)`
	}
	rate := func(name, extra, w string) string {
		return `sum by (instance) (rate(` + name + join(extra) + `[` + w + `]))`
	}
	peak := func(e string) string { return `max_over_time((` + e + `)[` + s + `:` + p + `])` }
	disk := `device!~"` + promDiskExclude + `"`
	net := `device!="lo"`
	q := []promQuery{
		{model.CPUBusyPct, false, cpu(s), ""},
		{model.CPUBusyPct, true, peak(cpu(p)), ""},
		{model.MemTotalBytes, false, `max by (instance) (avg_over_time(node_memory_MemTotal_bytes` + join("") + `[` + s + `]))`, ""},
		{model.MemTotalBytes, true, `max by (instance) (max_over_time(node_memory_MemTotal_bytes` + join("") + `[` + s + `]))`, ""},
		{model.MemUsedBytes, false, `max by (instance) (avg_over_time(node_memory_MemTotal_bytes` + join("") + `[` + s + `]) - avg_over_time(node_memory_MemAvailable_bytes` + join("") + `[` + s + `]))`, ""},
		{model.MemUsedBytes, true, `max by (instance) (max_over_time(node_memory_MemTotal_bytes` + join("") + `[` + s + `]) - min_over_time(node_memory_MemAvailable_bytes` + join("") + `[` + s + `]))`, ""},
		{model.FSUsedBytes, false, `sum by (instance) (max by (instance, device) (avg_over_time(node_filesystem_size_bytes` + join(promFSFilter) + `[` + s + `]) - avg_over_time(node_filesystem_free_bytes` + join(promFSFilter) + `[` + s + `])))`, ""},
		{model.FSUsedBytes, true, `sum by (instance) (max by (instance, device) (max_over_time(node_filesystem_size_bytes` + join(promFSFilter) + `[` + s + `]) - min_over_time(node_filesystem_free_bytes` + join(promFSFilter) + `[` + s + `])))`, ""},
	}
	for _, c := range []struct {
		m          model.Metric
		name, filt string
	}{
		{model.DiskReadBytesPerSec, "node_disk_read_bytes_total", disk},
		{model.DiskWriteBytesPerSec, "node_disk_written_bytes_total", disk},
		{model.DiskReadIOPS, "node_disk_reads_completed_total", disk},
		{model.DiskWriteIOPS, "node_disk_writes_completed_total", disk},
		{model.NetRxBytesPerSec, "node_network_receive_bytes_total", net},
		{model.NetTxBytesPerSec, "node_network_transmit_bytes_total", net},
	} {
		q = append(q, promQuery{c.m, false, rate(c.name, c.filt, s), ""}, promQuery{c.m, true, peak(rate(c.name, c.filt, p)), ""})
	}
	return q
}

// promDuration formats d as a PromQL duration in seconds.
func promDuration(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) + "s" }

var promSelectorRE = regexp.MustCompile(`^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"`)

// Prometheus imports node_exporter metrics from a Prometheus-compatible
// HTTP API over [Start, End) at Step, one server per instance label, with
// the official Go client. Long ranges are split into range queries below
// Prometheus' 11,000 points per series, and instances are imported in
// batches so that memory and open files stay bounded.
func Prometheus(ctx context.Context, out string, opts PrometheusOptions) (Summary, error) {
	if opts.Step == 0 {
		opts.Step = DefaultPrometheusOptions.Step
	}
	if opts.PeakWindow == 0 {
		opts.PeakWindow = DefaultPrometheusOptions.PeakWindow
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultPrometheusOptions.Timeout
	}
	if opts.Parallel <= 0 {
		opts.Parallel = DefaultPrometheusOptions.Parallel
	}
	if opts.Metrics == "" {
		opts.Metrics = DefaultPrometheusOptions.Metrics
	}
	switch {
	case opts.Metrics != "auto" && opts.Metrics != "kvmfit" && opts.Metrics != "node":
		return Summary{}, fmt.Errorf("prometheus: metrics %q: want auto, kvmfit or node", opts.Metrics)
	case opts.URL == "":
		return Summary{}, errors.New("prometheus: the URL of the API is required")
	case opts.Start.IsZero() || opts.End.IsZero() || !opts.End.After(opts.Start):
		return Summary{}, errors.New("prometheus: a start before the end is required")
	case opts.Step < time.Second || opts.Step > 24*time.Hour || opts.Step%time.Second != 0:
		return Summary{}, fmt.Errorf("prometheus: step %s is not a whole number of seconds in 1s..24h", opts.Step)
	case opts.PeakWindow < time.Second || opts.PeakWindow%time.Second != 0:
		return Summary{}, fmt.Errorf("prometheus: peak window %s is not a whole number of seconds", opts.PeakWindow)
	case opts.PeakWindow > opts.Step:
		opts.PeakWindow = opts.Step
	}
	if opts.Selector != "" {
		for _, m := range splitMatchers(opts.Selector) {
			if !promSelectorRE.MatchString(m) {
				return Summary{}, fmt.Errorf("prometheus: selector %q: %q is not a label matcher like job=\"node\"", opts.Selector, m)
			}
		}
	}
	rt := opts.RoundTripper
	if rt == nil {
		var err error
		warn := func(f string, a ...any) {
			if opts.Warn != nil {
				opts.Warn(fmt.Errorf(f, a...))
			}
		}
		hc := opts.HTTP
		// Gzip on loopback costs both processes CPU and saves nothing.
		hc.DisableCompression = hc.DisableCompression || promhttp.IsLoopback(opts.URL)
		if rt, err = hc.RoundTripper(warn); err != nil {
			return Summary{}, fmt.Errorf("prometheus %s: %w", safeURL(opts.URL), err)
		}
	}
	client, err := api.NewClient(api.Config{Address: opts.URL, RoundTripper: rt})
	if err != nil {
		return Summary{}, fmt.Errorf("prometheus: %w", err)
	}
	// The URL as it goes into the dataset and messages: without a user,
	// password or query string (which may carry a token).
	opts.URL = safeURL(opts.URL)
	pi := &promImport{api: v1.NewAPI(client), client: client, http: &http.Client{Transport: rt}, opts: opts, ctx: ctx}
	pi.decoders.New = func() any { return new(promDecoder) }
	r := &run{opts: opts.Options, files: []string{opts.URL}, prog: progress{fn: opts.Progress}}
	pi.r = r
	return r.do(out, func(string) error { return pi.importAll() })
}

// splitMatchers splits a selector at commas outside quotes.
func splitMatchers(s string) []string {
	var out []string
	inQ, esc, start := false, false, 0
	for i, c := range s {
		switch {
		case esc:
			esc = false
		case c == '\\':
			esc = true
		case c == '"':
			inQ = !inQ
		case c == ',' && !inQ:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

type promImport struct {
	api    v1.API
	client api.Client
	// http sends the requests whose answers are read into reused buffers.
	http *http.Client
	opts PrometheusOptions
	ctx  context.Context
	r    *run
	// decoders are the response decoders, one per query in flight.
	decoders sync.Pool
	// closing is the goroutine closing a batch's servers, closeErr its
	// error (read after closing.Wait).
	closing  sync.WaitGroup
	closeErr error
	// vmExport is set when the server is VictoriaMetrics: batches of
	// kvmfit rows no denser than the step are exported (prometheus_vm.go).
	vmExport bool
}

func (pi *promImport) errf(what string, err error) error {
	return fmt.Errorf("prometheus %s: %s: %w", pi.opts.URL, what, err)
}

func (pi *promImport) warnings(what string, ws v1.Warnings) {
	for _, w := range ws {
		pi.r.warn(fmt.Errorf("prometheus %s: %s: %s", pi.opts.URL, what, w))
	}
}

// promInfo is what the API says about one instance.
type promInfo struct {
	instance, nodename, release, machine string
	cpus                                 int
	// inv is the inventory the series carry (kvmfit_info), nil for
	// node_exporter.
	inv *model.Inventory
	// fs is the local filesystems with their last size and used bytes.
	fs []model.Filesystem
}

// instances lists the instances with series name (and the selector)
// within the range, sorted.
func (pi *promImport) instances(name string) ([]string, error) {
	o := pi.opts
	ctx, cancel := context.WithTimeout(pi.ctx, o.Timeout)
	defer cancel()
	match := name
	if o.Selector != "" {
		match += "{" + o.Selector + "}"
	}
	insts, ws, _, err := pi.api.LabelValues(ctx, "instance", []string{match}, o.Start, o.End)
	if err != nil {
		return nil, pi.errf("list instances", err)
	}
	pi.warnings("list instances", ws)
	names := make([]string, 0, len(insts))
	for _, v := range insts {
		names = append(names, string(v))
	}
	sort.Strings(names)
	return names, nil
}

// promFamily is one kind of series an instance is imported from.
type promFamily struct {
	name    string
	queries func(sel, s, p string) []promQuery
	info    func(pi *promImport, batch []string, sel string) (map[string]*promInfo, error)
}

var (
	nodeFamily   = promFamily{"node_exporter", promQueries, (*promImport).info}
	kvmfitFamily = promFamily{"kvmfit", kvmfitQueries, (*promImport).kvmfitInfo}
)

// importAll imports every instance; the last batch's servers are closed
// (or, after an error, no longer written) when it returns.
func (pi *promImport) importAll() error {
	if err := pi.importBatches(); err != nil {
		pi.waitClosed()
		return err
	}
	return pi.waitClosed()
}

func (pi *promImport) importBatches() error {
	o := pi.opts
	var kv, node []string
	var err error
	if o.Metrics != "node" {
		if kv, err = pi.instances(remotewrite.InfoMetric); err != nil {
			return err
		}
	}
	if o.Metrics != "kvmfit" {
		if node, err = pi.instances("node_cpu_seconds_total"); err != nil {
			return err
		}
		if len(kv) > 0 {
			has := map[string]bool{}
			for _, k := range kv {
				has[k] = true
			}
			node = slices.DeleteFunc(node, func(n string) bool { return has[n] })
		}
	}
	if len(kv)+len(node) == 0 {
		what := map[string]string{"auto": "kvmfit_info or node_cpu_seconds_total", "kvmfit": "kvmfit_info", "node": "node_cpu_seconds_total"}[o.Metrics]
		return fmt.Errorf("%w: prometheus %s has no %s series%s between %s and %s", ErrNoServers, o.URL, what,
			map[bool]string{true: " matching " + o.Selector, false: ""}[o.Selector != ""], o.Start.UTC().Format(time.RFC3339), o.End.UTC().Format(time.RFC3339))
	}
	if len(kv) > 0 && !o.NoExport {
		if pi.vmExport, err = pi.probeExport(kv[0]); err != nil {
			return err
		}
	}
	steps := int64(o.End.Sub(o.Start) / o.Step)
	if steps < 1 {
		steps = 1
	}
	// A chunk covers as much of the range as a range query may (each
	// chunk makes the server read again the blocks it overlaps), and the
	// batch is as large as the chunk's values allow.
	type plan struct {
		fam        promFamily
		names      []string
		chunkSteps int64
		batch      int
	}
	var plans []plan
	for _, p := range []plan{{kvmfitFamily, kv, 0, 0}, {nodeFamily, node, 0, 0}} {
		if len(p.names) == 0 {
			continue
		}
		p.chunkSteps = min(int64(promMaxPoints), steps)
		p.batch = max(1, min(promBatch, promChunkValues/(2*int(model.NumMetrics)*int(p.chunkSteps))))
		batches := (len(p.names) + p.batch - 1) / p.batch
		pi.r.prog.total += int64(batches) * ((steps + p.chunkSteps - 1) / p.chunkSteps)
		plans = append(plans, p)
	}
	for _, p := range plans {
		for b := 0; b < len(p.names); b += p.batch {
			batch := p.names[b:min(b+p.batch, len(p.names))]
			if err := pi.importBatch(p.fam, batch, steps, p.chunkSteps); err != nil {
				return err
			}
		}
	}
	return nil
}

// kvmfitQueries are the queries of the rows pushed by `kvmfit collect
// --remote-write`: the mean of a step is the mean of the rows' means that
// end within it (avg_over_time), its max the largest of their maxima
// (max_over_time). One series per instance: should a server's labels change
// (a new machine_id), the largest value counts.
func kvmfitQueries(sel, s, _ string) []promQuery {
	var q []promQuery
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		q = append(q,
			promQuery{m, false, `max by (instance) (avg_over_time(` + remotewrite.MetricName(m, false) + `{` + sel + `}[` + s + `]))`, remotewrite.MetricName(m, false) + `{` + sel + `}`},
			promQuery{m, true, `max by (instance) (max_over_time(` + remotewrite.MetricName(m, true) + `{` + sel + `}[` + s + `]))`, remotewrite.MetricName(m, true) + `{` + sel + `}`})
	}
	return q
}

// infoQuery starts an inventory query of the batch: an empty promInfo per
// instance, the query's context (the importer's timeout) and the range
// that covers the whole import as a PromQL duration.
func (pi *promImport) infoQuery(batch []string) (map[string]*promInfo, context.Context, context.CancelFunc, string) {
	o := pi.opts
	infos := map[string]*promInfo{}
	for _, inst := range batch {
		infos[inst] = &promInfo{instance: inst}
	}
	ctx, cancel := context.WithTimeout(pi.ctx, o.Timeout)
	return infos, ctx, cancel, promDuration(o.End.Sub(o.Start).Truncate(time.Second) + o.Step)
}

// kvmfitInfo reads the inventory of each instance of the batch from its
// latest kvmfit_info and kvmfit_filesystem_* series within the range.
func (pi *promImport) kvmfitInfo(batch []string, sel string) (map[string]*promInfo, error) {
	infos, ctx, cancel, rng := pi.infoQuery(batch)
	defer cancel()
	vec, err := pi.queryVector(ctx, `last_over_time(`+remotewrite.InfoMetric+`{`+sel+`}[`+rng+`])`)
	if err != nil {
		return nil, err
	}
	// The latest of an instance's info series (labels change with the
	// configuration); ties go to the larger label set, for determinism.
	latest := map[string]pmodel.Sample{}
	for _, smp := range vec {
		inst := string(smp.Metric["instance"])
		if old, ok := latest[inst]; !ok || smp.Timestamp > old.Timestamp || (smp.Timestamp == old.Timestamp && smp.Metric.String() > old.Metric.String()) {
			latest[inst] = *smp
		}
	}
	for inst, smp := range latest {
		in := infos[inst]
		if in == nil {
			continue
		}
		ls := map[string]string{}
		for k, v := range smp.Metric {
			ls[string(k)] = string(v)
		}
		inv := remotewrite.InventoryFromLabels(ls)
		in.inv = &inv
		in.nodename, in.cpus = inv.Hostname, inv.Threads
	}
	type key struct{ inst, mount string }
	last := func(name string) (map[key]pmodel.Sample, error) {
		vec, err := pi.queryVector(ctx, `last_over_time(`+name+`{`+sel+`}[`+rng+`])`)
		if err != nil {
			return nil, err
		}
		out := map[key]pmodel.Sample{}
		for _, smp := range vec {
			k := key{string(smp.Metric["instance"]), string(smp.Metric["mountpoint"])}
			if old, ok := out[k]; !ok || smp.Timestamp > old.Timestamp {
				out[k] = *smp
			}
		}
		return out, nil
	}
	sizes, err := last(remotewrite.FSSizeMetric)
	if err != nil {
		return nil, err
	}
	used, err := last(remotewrite.FSUsedMetric)
	if err != nil {
		return nil, err
	}
	for k, smp := range sizes {
		in := infos[k.inst]
		size, u := float64(smp.Value), float64(used[k].Value)
		if in == nil || k.mount == "" || !(size > 0 && size <= maxFSBytes) {
			continue
		}
		in.fs = append(in.fs, model.Filesystem{Mount: k.mount, Device: string(smp.Metric["device"]), FSType: string(smp.Metric["fstype"]),
			SizeBytes: int64(size), UsedBytes: int64(math.Min(math.Max(u, 0), size))})
	}
	for _, in := range infos {
		sort.Slice(in.fs, func(i, j int) bool { return in.fs[i].Mount < in.fs[j].Mount })
	}
	return infos, nil
}

// info asks for each instance of the batch its latest node_uname_info and
// its CPU count within the range.
func (pi *promImport) info(batch []string, sel string) (map[string]*promInfo, error) {
	infos, ctx, cancel, rng := pi.infoQuery(batch)
	defer cancel()
	uname, err := pi.queryVector(ctx, `last_over_time(node_uname_info{`+sel+`}[`+rng+`])`)
	if err != nil {
		return nil, err
	}
	for _, s := range uname {
		if in := infos[string(s.Metric["instance"])]; in != nil {
			in.nodename, in.release, in.machine = string(s.Metric["nodename"]), string(s.Metric["release"]), string(s.Metric["machine"])
		}
	}
	cpus, err := pi.queryVector(ctx, `count by (instance) (last_over_time(node_cpu_seconds_total{`+sel+`,mode="idle"}[`+rng+`]))`)
	if err != nil {
		return nil, err
	}
	for _, s := range cpus {
		if in := infos[string(s.Metric["instance"])]; in != nil {
			in.cpus = int(s.Value)
		}
	}
	if err := pi.filesystems(ctx, infos, sel, rng); err != nil {
		return nil, err
	}
	return infos, nil
}

// filesystems sets the local filesystems of each instance of infos from
// the last node_filesystem_size_bytes and node_filesystem_free_bytes within
// the range (used = size − free), with one mount per device, the shortest,
// as the collector.
func (pi *promImport) filesystems(ctx context.Context, infos map[string]*promInfo, sel, rng string) error {
	type key struct{ inst, mount, device string }
	last := func(name string) (map[key]pmodel.Sample, error) {
		vec, err := pi.queryVector(ctx, `last_over_time(`+name+`{`+sel+`,`+promFSFilter+`}[`+rng+`])`)
		if err != nil {
			return nil, err
		}
		out := map[key]pmodel.Sample{}
		for _, s := range vec {
			out[key{string(s.Metric["instance"]), string(s.Metric["mountpoint"]), string(s.Metric["device"])}] = *s
		}
		return out, nil
	}
	sizes, err := last("node_filesystem_size_bytes")
	if err != nil {
		return err
	}
	frees, err := last("node_filesystem_free_bytes")
	if err != nil {
		return err
	}
	byDev := map[[2]string]model.Filesystem{}
	for k, s := range sizes {
		in := infos[k.inst]
		free, ok := frees[k]
		size := float64(s.Value)
		if in == nil || !ok || k.mount == "" || !(size > 0 && size <= maxFSBytes) || !(float64(free.Value) >= 0) {
			continue
		}
		f := model.Filesystem{Mount: k.mount, Device: k.device, FSType: string(s.Metric["fstype"]),
			SizeBytes: int64(size), UsedBytes: int64(math.Max(0, size-math.Min(size, float64(free.Value))))}
		dk := [2]string{k.inst, k.device}
		if k.device == "" {
			dk[1] = "mount:" + k.mount
		}
		if o, seen := byDev[dk]; !seen || len(f.Mount) < len(o.Mount) || (len(f.Mount) == len(o.Mount) && f.Mount < o.Mount) {
			byDev[dk] = f
		}
	}
	for dk, f := range byDev {
		infos[dk[0]].fs = append(infos[dk[0]].fs, f)
	}
	for _, in := range infos {
		sort.Slice(in.fs, func(i, j int) bool { return in.fs[i].Mount < in.fs[j].Mount })
	}
	return nil
}

// queryVector runs the instant query q at the end of the range; a result
// that is not a vector counts as empty.
func (pi *promImport) queryVector(ctx context.Context, q string) (pmodel.Vector, error) {
	v, ws, _, err := pi.api.Query(ctx, q, pi.opts.End)
	if err != nil {
		return nil, pi.errf("query "+q, err)
	}
	pi.warnings(q, ws)
	vec, _ := v.(pmodel.Vector)
	return vec, nil
}

// promServer is one instance of a batch: its server, opened at its first
// sample with data, and what its inventory learns on the way.
type promServer struct {
	sw      *dataset.ServerWriter
	inv     model.Inventory
	memTot  float64
	lastEnd time.Time
}

// importBatch imports the instances of one batch, chunk by chunk of the
// range, with their servers open throughout.
func (pi *promImport) importBatch(fam promFamily, batch []string, steps, chunkSteps int64) error {
	o := pi.opts
	sel := pi.batchSelector(batch)
	infos, err := fam.info(pi, batch, sel)
	if err != nil {
		return err
	}
	queries := fam.queries(sel, promDuration(o.Step), promDuration(o.PeakWindow))
	export := false
	if pi.vmExport && fam.name == kvmfitFamily.name {
		if export, err = pi.sparseRows(sel, steps); err != nil {
			return err
		}
		export = export || o.forceExport
	}
	servers := make([]*promServer, len(batch))
	for i, inst := range batch {
		servers[i] = &promServer{inv: pi.inventory(inst, infos[inst])}
	}
	// Two chunks: the next is queried while the samples of the last are
	// written.
	capSteps := int(min(steps, chunkSteps))
	chunks := [2]*promChunk{newPromChunk(batch, len(queries), capSteps)}
	if steps > chunkSteps {
		chunks[1] = newPromChunk(batch, len(queries), capSteps)
	}
	query := func(c *promChunk, first int64) chan error {
		c.reset(first, int(min(steps, first+chunkSteps)-first))
		done := make(chan error, 1)
		go func() { done <- pi.queryChunk(queries, c, export) }()
		return done
	}
	pending := query(chunks[0], 0)
	for i, first := 0, int64(0); first < steps; i, first = i+1, first+chunkSteps {
		c := chunks[i%2]
		if err := <-pending; err != nil {
			return err
		}
		pending = nil
		if next := first + chunkSteps; next < steps {
			pending = query(chunks[(i+1)%2], next)
		}
		for j, inst := range batch {
			if err := pi.writeSamples(inst, servers[j], queries, c, j); err != nil {
				if pending != nil {
					<-pending
				}
				return err
			}
		}
		pi.r.prog.add(1)
	}
	return pi.closeBatch(batch, servers)
}

// closeBatch closes the servers of a batch: those without samples are
// skipped at once; the others' files (the Parquet encoding, a good part of
// the import's CPU) are written by a goroutine while the next batch is
// queried, after the previous batch's (so that at most two batches of
// servers are held in memory).
func (pi *promImport) closeBatch(batch []string, servers []*promServer) error {
	if err := pi.waitClosed(); err != nil {
		return err
	}
	var open []*promServer
	for i, inst := range batch {
		if servers[i].sw == nil {
			pi.r.skip(pi.opts.URL+" instance "+inst, "no samples in the range")
			continue
		}
		open = append(open, servers[i])
	}
	pi.closing.Add(1)
	go func() {
		defer pi.closing.Done()
		for _, s := range open {
			if err := pi.closeServer(s); err != nil {
				pi.closeErr = err
				return
			}
		}
	}()
	return nil
}

// waitClosed waits for the servers being closed and returns the first
// error in closing them.
func (pi *promImport) waitClosed() error {
	pi.closing.Wait()
	return pi.closeErr
}

// promChunk holds the values of one chunk of a batch: for each instance
// of the batch, each query's column of the chunk's steps, NaN where the
// API returned nothing. Queries fill their own columns concurrently.
type promChunk struct {
	// first is the chunk's first sample of the range, n its samples.
	first int64
	n     int
	// row is the index of each instance of the batch.
	row     map[string]int
	queries int
	vals    []float64
}

func newPromChunk(batch []string, queries, capSteps int) *promChunk {
	c := &promChunk{row: make(map[string]int, len(batch)), queries: queries, vals: make([]float64, len(batch)*queries*capSteps)}
	for i, inst := range batch {
		c.row[inst] = i
	}
	return c
}

// reset empties the chunk for n samples from sample first on.
func (c *promChunk) reset(first int64, n int) {
	c.first, c.n = first, n
	c.vals = c.vals[:len(c.row)*c.queries*n]
	nan := math.NaN()
	for i := range c.vals {
		c.vals[i] = nan
	}
}

// col is the column of query q of the instance in row r.
func (c *promChunk) col(r, q int) []float64 {
	off := (r*c.queries + q) * c.n
	return c.vals[off : off+c.n : off+c.n]
}

// batchSelector is the label matchers of a batch: the user's selector and
// the batch's instances.
func (pi *promImport) batchSelector(batch []string) string {
	quoted := make([]string, len(batch))
	for i, b := range batch {
		quoted[i] = regexp.QuoteMeta(b)
	}
	sel := `instance=~` + strconv.Quote(strings.Join(quoted, "|"))
	if pi.opts.Selector != "" {
		sel = pi.opts.Selector + "," + sel
	}
	return sel
}

// inventory is what the import knows of instance inst before its samples.
func (pi *promImport) inventory(inst string, in *promInfo) model.Inventory {
	o := pi.opts
	if in.inv != nil {
		inv := *in.inv
		if inv.Hostname == "" {
			inv.Hostname = inst
		}
		inv.Source = "import:prometheus"
		inv.SourceFiles = []string{o.URL}
		inv.Filesystems = in.fs
		inv.Notes = []string{
			"instance " + inst + " of " + o.URL + ": the rows pushed by kvmfit collect --remote-write",
			fmt.Sprintf("step %s: mean = avg_over_time of the rows' means ending within the step; max = max_over_time of their maxima", o.Step),
			"inventory from kvmfit_info and kvmfit_filesystem_* at the end of the range; disks and NICs are not pushed",
		}
		if len(in.fs) == 0 {
			inv.Notes = append(inv.Notes, noStorageNote+" (no kvmfit_filesystem_size_bytes)")
		}
		return inv
	}
	name := in.nodename
	if name == "" {
		name = inst
	}
	inv := model.Inventory{
		Hostname:    name,
		Source:      "import:prometheus",
		Threads:     in.cpus,
		SourceFiles: []string{o.URL},
		Notes: []string{
			"instance " + inst + " of " + o.URL,
			fmt.Sprintf("step %s: mean = rate over the step; max = the largest rate over %s within the step (max_over_time of a subquery)", o.Step, o.PeakWindow),
			"cpu_busy_pct = 100 × (1 − (idle + iowait) rate / CPU count)",
			"mem_used_bytes = MemTotal − MemAvailable",
			"disks: node_disk_* without " + promDiskExclude + " (node_exporter already leaves out partitions); net: every interface but lo",
			"threads = logical CPUs counted in node_cpu_seconds_total; cores, sockets, CPU model, disk sizes and NIC speeds are not queried",
		},
		Filesystems: in.fs,
	}
	if len(in.fs) == 0 {
		inv.Notes = append(inv.Notes, noStorageNote+" (no node_filesystem_size_bytes of a local filesystem: node_exporter's filesystem collector disabled?)")
	} else {
		inv.Notes = append(inv.Notes, "filesystems and fs_used_bytes: node_filesystem_size_bytes − node_filesystem_free_bytes of the local filesystems (network, memory and pseudo filesystems left out), once per device; filesystems at the end of the range")
	}
	if in.release != "" {
		inv.OS, inv.OSFamily = "Linux "+in.release, "linux"
	}
	return inv
}

// queryChunk runs every query over the samples of chunk c, at most
// Parallel at a time, and fills c with what they return for the
// instances of the batch (the first error wins).
func (pi *promImport) queryChunk(queries []promQuery, c *promChunk, export bool) error {
	o := pi.opts
	// Sample k covers [Start + k·step, Start + (k+1)·step): the query is
	// evaluated at its end.
	rng := v1.Range{Start: o.Start.Add(time.Duration(c.first+1) * o.Step), End: o.Start.Add(time.Duration(c.first+int64(c.n)) * o.Step), Step: o.Step}
	errs := make([]error, len(queries))
	sem := make(chan struct{}, pi.opts.Parallel)
	var wg sync.WaitGroup
	for i, q := range queries {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			d := pi.decoders.Get().(*promDecoder)
			defer pi.decoders.Put(d)
			if export && q.raw != "" {
				errs[i] = pi.exportRange(d, q, i, c)
				return
			}
			errs[i] = pi.queryRange(d, q.expr, rng, func(inst []byte, pts []promPoint) {
				if r, ok := c.row[string(inst)]; ok {
					pi.fill(c.col(r, i), c.first, q, pts)
				}
			})
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// safeURL is u without a user, password or query string.
func safeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	p.User, p.RawQuery, p.Fragment = nil, "", ""
	return p.String()
}

// queryRange runs the range query expr and hands each series of its
// result to series (see promDecoder.decode), as the body is decoded once:
// the client's own QueryRange scans each response three more times and
// builds a string and a float per point, most of the import's CPU on a
// large fleet.
func (pi *promImport) queryRange(d *promDecoder, expr string, rng v1.Range, series func(inst []byte, pts []promPoint)) error {
	ctx, cancel := context.WithTimeout(pi.ctx, pi.opts.Timeout)
	defer cancel()
	form := url.Values{"query": {expr}, "start": {promTime(rng.Start)}, "end": {promTime(rng.End)},
		"step": {strconv.FormatFloat(rng.Step.Seconds(), 'f', -1, 64)}}
	u := pi.client.URL("/api/v1/query_range", nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return pi.errf("query "+expr, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body, err := pi.client.Do(ctx, req)
	if err == nil && resp.StatusCode == http.StatusMethodNotAllowed {
		// An API that takes GET only.
		u.RawQuery = form.Encode()
		if req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil); err == nil {
			resp, body, err = pi.client.Do(ctx, req)
		}
	}
	if err != nil {
		return pi.errf("query "+expr, err)
	}
	ok := resp.StatusCode/100 == 2
	if !ok {
		// An error's body fills nothing.
		series = func([]byte, []promPoint) {}
	}
	r, jerr := d.decode(body, "instance", series)
	switch {
	case !ok || (jerr == nil && r.Status != "success"):
		msg := r.Error
		if jerr != nil || msg == "" {
			msg = strings.TrimSpace(string(body[:min(len(body), 256)]))
		}
		return pi.errf("query "+expr, fmt.Errorf("%s: %s %s", resp.Status, r.ErrorType, msg))
	case jerr != nil:
		return pi.errf("query "+expr, fmt.Errorf("decode the response: %w", jerr))
	case r.ResultType != "matrix":
		return pi.errf("query "+expr, fmt.Errorf("result is a %s, want a matrix", r.ResultType))
	}
	pi.warnings("query "+expr, r.Warnings)
	return nil
}

// promTime formats t as the API's seconds since the epoch.
func promTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.Unix())+float64(t.Nanosecond())/1e9, 'f', -1, 64)
}

// fill puts the points of one series of query q into col, its column of
// the chunk from sample first of the range on. Points outside the chunk,
// NaN and infinities are left out; values below 0 count as 0, and CPU
// above 100 % as 100. Where several series of an instance answer (they
// should not: the queries aggregate by instance), the last one wins.
func (pi *promImport) fill(col []float64, first int64, q promQuery, points []promPoint) {
	o := pi.opts
	start := o.Start.UnixNano()
	for _, p := range points {
		putValue(col, (p.ms*int64(time.Millisecond)-start)/int64(o.Step)-1-first, q.metric, p.v)
	}
}

// writeSamples writes the samples of the instance in row r of chunk c
// that hold data, creating its server at the first.
func (pi *promImport) writeSamples(inst string, s *promServer, queries []promQuery, c *promChunk, r int) error {
	o := pi.opts
	for k := range c.n {
		x := model.NewSample(o.Start.Add(time.Duration(c.first+int64(k))*o.Step), o.Step)
		has := false
		for qi, q := range queries {
			v := c.vals[(r*c.queries+qi)*c.n+k]
			if math.IsNaN(v) {
				continue
			}
			has = true
			if q.isMax {
				x.Max[q.metric] = v
			} else {
				x.Mean[q.metric] = v
			}
		}
		if !has {
			continue
		}
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			// A rate over the step and the largest rate over a shorter
			// window are taken at slightly different points: keep
			// mean ≤ max.
			if !math.IsNaN(x.Mean[m]) && !math.IsNaN(x.Max[m]) && x.Mean[m] > x.Max[m] {
				x.Max[m] = x.Mean[m]
			}
		}
		if s.sw == nil {
			sw, _, err := pi.r.addServer(pi.opts.URL, s.inv.Hostname, s.inv)
			if err != nil {
				return err
			}
			s.sw = sw
		}
		if err := s.sw.Write(x); err != nil {
			return fmt.Errorf("prometheus %s: instance %s: %w", pi.opts.URL, inst, err)
		}
		pi.r.sum.Samples++
		s.lastEnd = endOf(x)
		if v := x.Max[model.MemTotalBytes]; !math.IsNaN(v) {
			s.memTot = v
		}
	}
	return nil
}

// closeServer closes the server of an instance with samples and writes
// its inventory.
func (pi *promImport) closeServer(s *promServer) error {
	if err := s.sw.Close(); err != nil {
		return err
	}
	s.inv.UpdatedAt = s.lastEnd
	if s.memTot > 0 || s.inv.MemTotalBytes == 0 {
		s.inv.MemTotalBytes = int64(s.memTot)
	}
	s.inv.Notes = append(s.inv.Notes, "updated_at is the end of the last sample")
	return dataset.WriteInventory(s.sw.Dir, s.inv)
}
