package importer

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// CloudWatchOptions configure the CloudWatch series importer.
type CloudWatchOptions struct {
	Options
	// Server, if set, groups every file into one server of that name (each
	// file one metric of it); otherwise each file is its own server.
	Server string
	// Metric, if set, is the metric of every file (see cloudWatchMetrics);
	// otherwise it is recognised from the file name.
	Metric string
	// Period is the CloudWatch period (default 5 minutes): per-period sums
	// (bytes, operations) are divided by it, and a row lasts at most this long.
	Period time.Duration
}

// cloudWatchMetric is how one CloudWatch metric maps onto a kvmfit metric.
type cloudWatchMetric struct {
	metric    model.Metric
	perPeriod bool // a sum over the period: divided by the period
}

// cloudWatchMetrics maps CloudWatch metric names (as in NAB file names,
// snake_case, or CloudWatch's CamelCase lower-cased) to kvmfit metrics.
var cloudWatchMetrics = map[string]cloudWatchMetric{
	"cpu_utilization":  {model.CPUBusyPct, false},
	"cpuutilization":   {model.CPUBusyPct, false},
	"disk_read_bytes":  {model.DiskReadBytesPerSec, true},
	"diskreadbytes":    {model.DiskReadBytesPerSec, true},
	"disk_write_bytes": {model.DiskWriteBytesPerSec, true},
	"diskwritebytes":   {model.DiskWriteBytesPerSec, true},
	"disk_read_ops":    {model.DiskReadIOPS, true},
	"diskreadops":      {model.DiskReadIOPS, true},
	"disk_write_ops":   {model.DiskWriteIOPS, true},
	"diskwriteops":     {model.DiskWriteIOPS, true},
	"network_in":       {model.NetRxBytesPerSec, true},
	"networkin":        {model.NetRxBytesPerSec, true},
	"network_out":      {model.NetTxBytesPerSec, true},
	"networkout":       {model.NetTxBytesPerSec, true},
}

// cloudWatchMetricOf recognises the metric in a file name like
// ec2_cpu_utilization_24ae8d.csv.
func cloudWatchMetricOf(name string) (string, cloudWatchMetric, bool) {
	n := strings.ToLower(name)
	best := ""
	for k := range cloudWatchMetrics {
		if strings.Contains(n, k) && len(k) > len(best) {
			best = k
		}
	}
	m, ok := cloudWatchMetrics[best]
	return best, m, ok
}

// parseCloudWatchLine parses "timestamp,value". Errors are *fieldError.
func parseCloudWatchLine(line string) (time.Time, float64, error) {
	ts, val, ok := strings.Cut(line, ",")
	if !ok || strings.Contains(val, ",") {
		return time.Time{}, 0, &fieldError{"value", fmt.Errorf("want 2 fields timestamp,value")}
	}
	ts = strings.TrimSpace(ts)
	t, err := time.Parse("2006-01-02 15:04:05", ts)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, ts); err != nil {
			return time.Time{}, 0, &fieldError{"timestamp", fmt.Errorf("%q is not a time YYYY-MM-DD HH:MM:SS", ts)}
		}
	}
	if err := checkTime(t); err != nil {
		return time.Time{}, 0, &fieldError{"timestamp", err}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
	switch {
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		return time.Time{}, 0, &fieldError{"value", fmt.Errorf("%q is not a number", strings.TrimSpace(val))}
	case v < 0 || v > maxTraceValue:
		return time.Time{}, 0, &fieldError{"value", fmt.Errorf("%g is out of range", v)}
	}
	return t.UTC(), v, nil
}

// CloudWatch imports single-metric CloudWatch series (CSV "timestamp,value",
// as in the Numenta Anomaly Benchmark's realAWSCloudwatch), each file one
// metric. With Server set, the files are merged by timestamp into one
// server; otherwise each file is a server. Times are UTC (CloudWatch's).
func CloudWatch(files []string, out string, opts CloudWatchOptions) (Summary, error) {
	if opts.Period == 0 {
		opts.Period = 5 * time.Minute
	}
	if opts.Period < time.Second || opts.Period%time.Second != 0 {
		return Summary{}, fmt.Errorf("cloudwatch: period %s is not a whole number of seconds", opts.Period)
	}
	r, err := newRun(files, opts.Options)
	if err != nil {
		return Summary{}, err
	}
	metrics := make([]cloudWatchMetric, len(files))
	names := make([]string, len(files))
	for i, f := range files {
		var ok bool
		if opts.Metric != "" {
			names[i] = opts.Metric
			metrics[i], ok = cloudWatchMetrics[strings.ToLower(opts.Metric)]
			if !ok {
				return Summary{}, fmt.Errorf("cloudwatch: metric %q is not one of cpu_utilization, disk_read_bytes, disk_write_bytes, disk_read_ops, disk_write_ops, network_in, network_out", opts.Metric)
			}
		} else if names[i], metrics[i], ok = cloudWatchMetricOf(filepath.Base(f)); !ok {
			return Summary{}, fmt.Errorf("%s: cannot tell the CloudWatch metric from the file name; give --metric", f)
		}
	}
	if opts.Server != "" {
		seen := map[model.Metric]string{}
		for i, m := range metrics {
			if prev, dup := seen[m.metric]; dup {
				return Summary{}, fmt.Errorf("cloudwatch: %s and %s both give %s of server %s", prev, files[i], m.metric, opts.Server)
			}
			seen[m.metric] = files[i]
		}
		return r.do(out, func(path string) error {
			if path != files[0] {
				return nil
			}
			return r.cloudWatchGroup(opts.Server, files, names, metrics, opts.Period)
		})
	}
	i := 0
	return r.do(out, func(path string) error {
		defer func() { i++ }()
		name := "cloudwatch-" + strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		return r.cloudWatchGroup(name, files[i:i+1], names[i:i+1], metrics[i:i+1], opts.Period)
	})
}

// cwStream reads one series.
type cwStream struct {
	path   string
	sc     *bufio.Scanner
	c      io.Closer
	lineNo int
	t      time.Time
	v      float64
	ok     bool
}

func (s *cwStream) next() error {
	s.ok = false
	for s.sc.Scan() {
		s.lineNo++
		line := strings.TrimRight(s.sc.Text(), "\r")
		if s.lineNo == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
			if strings.HasPrefix(strings.ToLower(line), "timestamp") {
				continue
			}
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		t, v, err := parseCloudWatchLine(line)
		if err != nil {
			return lineError(s.path, s.lineNo, err)
		}
		s.t, s.v, s.ok = t, v, true
		return nil
	}
	if err := s.sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", s.path, err)
	}
	return nil
}

// cloudWatchGroup merges the files of one server by timestamp.
func (r *run) cloudWatchGroup(name string, files, names []string, metrics []cloudWatchMetric, period time.Duration) error {
	streams := make([]*cwStream, len(files))
	for i, f := range files {
		rc, err := openInput(f, &r.prog)
		if err != nil {
			return err
		}
		defer rc.Close()
		sc := bufio.NewScanner(rc)
		sc.Buffer(make([]byte, 0, 4096), maxLineBytes)
		streams[i] = &cwStream{path: f, sc: sc, c: rc}
		if err := streams[i].next(); err != nil {
			return err
		}
	}
	var g *gapWriter
	inv := model.Inventory{Hostname: name, IsVM: true, Source: "import:cloudwatch", SourceFiles: files}
	for {
		best := -1
		for i, s := range streams {
			if s.ok && (best < 0 || s.t.Before(streams[best].t)) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		t := streams[best].t
		x := model.NewSample(t, period)
		line := streams[best].lineNo
		for i, s := range streams {
			if !s.ok || !s.t.Equal(t) {
				continue
			}
			v := s.v
			if metrics[i].perPeriod {
				v /= period.Seconds()
			}
			if metrics[i].metric == model.CPUBusyPct {
				v = math.Min(v, 100)
			}
			x.Set(metrics[i].metric, v, v)
			if err := s.next(); err != nil {
				return err
			}
		}
		if g == nil {
			sw, _, err := r.addServer(files[0], name, inv)
			if err != nil {
				return err
			}
			g = &gapWriter{r: r, sw: sw}
		}
		if err := g.add(x, line); err != nil {
			return fmt.Errorf("%s:%d: %w", streams[best].path, line, err)
		}
	}
	if g == nil {
		r.skip(files[0], "no data rows")
		return nil
	}
	if err := g.flush(); err != nil {
		return err
	}
	if g.dropped > 0 {
		r.warn(fmt.Errorf("%s: dropped %d rows whose timestamp is not after the previous row's, first at line %d", files[0], g.dropped, g.droppedLine))
	}
	if err := g.sw.Close(); err != nil {
		return err
	}
	var ms []string
	for i, m := range metrics {
		ms = append(ms, fmt.Sprintf("%s from %s (%s)", m.metric, filepath.Base(files[i]), names[i]))
	}
	inv.UpdatedAt = g.lastEnd
	inv.Notes = []string{
		"CloudWatch series, one metric per file: " + strings.Join(ms, "; "),
		fmt.Sprintf("period %s: byte and operation counts per period divided by it; a row lasts until the next, at most one period", period),
		"CloudWatch keeps one statistic per period: interval max equals mean",
		"metrics without a file are not measured; not in the source: memory, OS, CPU model and count",
		"updated_at is the end of the last sample",
		noStorageNote,
	}
	return dataset.WriteInventory(g.sw.Dir, inv)
}
