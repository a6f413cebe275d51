package importer

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kvmfit/kvmfit/model"
)

// CSVMapping says how the columns of a CSV file become samples. It is read
// from YAML (docs/import.md):
//
//	delimiter: ","            # one character; default ","
//	header: true              # the first line names the columns (default true)
//	timestamp:
//	  column: time            # a header name, or a 1-based number
//	  format: "2006-01-02 15:04:05"   # Go layout, or unix, unix_ms, rfc3339
//	  timezone: Europe/Paris  # of times without a zone (default: UTC, assumed, with a warning)
//	  at: start               # the time is the interval's start (default) or end
//	interval: 5m              # length of each row
//	host:
//	  column: server          # one server per value (optional)
//	  name: web01             # or one fixed server (default: the file name)
//	metrics:
//	  - column: cpu
//	    metric: cpu_busy_pct  # a canonical metric (docs/format.md)
//	    unit: percent
//	    stat: mean            # mean (default) or max
type CSVMapping struct {
	Delimiter string `yaml:"delimiter"`
	Header    *bool  `yaml:"header"`
	Timestamp struct {
		Column   string `yaml:"column"`
		Format   string `yaml:"format"`
		Timezone string `yaml:"timezone"`
		At       string `yaml:"at"`
	} `yaml:"timestamp"`
	Interval string `yaml:"interval"`
	Host     struct {
		Column string `yaml:"column"`
		Name   string `yaml:"name"`
	} `yaml:"host"`
	Metrics []CSVMetric `yaml:"metrics"`

	interval time.Duration
	loc      *time.Location
}

// CSVMetric maps one column onto a metric.
type CSVMetric struct {
	Column string `yaml:"column"`
	Metric string `yaml:"metric"`
	Unit   string `yaml:"unit"`
	Stat   string `yaml:"stat"`

	metric model.Metric
	scale  float64
}

// csvUnits are the accepted units: the factor to the metric's unit and the
// kind of metric they fit.
var csvUnits = map[string]struct {
	scale float64
	kind  string
}{
	"percent": {1, "pct"}, "%": {1, "pct"}, "fraction": {100, "pct"},
	"bytes": {1, "size"}, "B": {1, "size"}, "KB": {1e3, "size"}, "kB": {1e3, "size"}, "KiB": {1 << 10, "size"},
	"MB": {1e6, "size"}, "MiB": {1 << 20, "size"}, "GB": {1e9, "size"}, "GiB": {1 << 30, "size"},
	"bytes/s": {1, "rate"}, "B/s": {1, "rate"}, "KB/s": {1e3, "rate"}, "kB/s": {1e3, "rate"}, "KiB/s": {1 << 10, "rate"},
	"MB/s": {1e6, "rate"}, "MiB/s": {1 << 20, "rate"}, "GB/s": {1e9, "rate"}, "GiB/s": {1 << 30, "rate"},
	"bit/s": {1.0 / 8, "rate"}, "Kbit/s": {1e3 / 8, "rate"}, "Mbit/s": {1e6 / 8, "rate"}, "Gbit/s": {1e9 / 8, "rate"},
	"ops/s": {1, "ops"}, "iops": {1, "ops"},
}

func metricKind(m model.Metric) string {
	switch m {
	case model.CPUBusyPct:
		return "pct"
	case model.MemUsedBytes, model.MemTotalBytes, model.FSUsedBytes:
		return "size"
	case model.DiskReadIOPS, model.DiskWriteIOPS:
		return "ops"
	}
	return "rate"
}

// ReadCSVMapping reads and checks a mapping file.
func ReadCSVMapping(path string) (*CSVMapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m CSVMapping
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

func (m *CSVMapping) check() error {
	if m.Delimiter == "" {
		m.Delimiter = ","
	}
	if len([]rune(m.Delimiter)) != 1 || m.Delimiter == "\"" || m.Delimiter == "\n" {
		return fmt.Errorf("delimiter %q: want one character", m.Delimiter)
	}
	if m.Timestamp.Column == "" {
		return errors.New("timestamp.column is required")
	}
	if m.Timestamp.Format == "" {
		m.Timestamp.Format = "rfc3339"
	}
	switch m.Timestamp.At {
	case "", "start", "end":
	default:
		return fmt.Errorf("timestamp.at %q: want start or end", m.Timestamp.At)
	}
	m.loc = time.UTC
	if m.Timestamp.Timezone != "" {
		loc, err := time.LoadLocation(m.Timestamp.Timezone)
		if err != nil {
			return fmt.Errorf("timestamp.timezone: %w", err)
		}
		m.loc = loc
	}
	if m.Interval == "" {
		return errors.New("interval is required (e.g. 5m): the length of each row")
	}
	iv, err := time.ParseDuration(m.Interval)
	if err != nil || iv < time.Second || iv > 24*time.Hour || iv%time.Second != 0 {
		return fmt.Errorf("interval %q: want a whole number of seconds in 1s..24h", m.Interval)
	}
	m.interval = iv
	if m.Host.Column != "" && m.Host.Name != "" {
		return errors.New("host: give column or name, not both")
	}
	if len(m.Metrics) == 0 {
		return errors.New("metrics: map at least one column")
	}
	seen := map[string]bool{}
	for i := range m.Metrics {
		c := &m.Metrics[i]
		met, ok := model.MetricByName(c.Metric)
		if !ok {
			return fmt.Errorf("metrics[%d]: metric %q is not a canonical metric (cpu_busy_pct, mem_used_bytes, ...)", i, c.Metric)
		}
		u, ok := csvUnits[c.Unit]
		if !ok {
			return fmt.Errorf("metrics[%d]: unit %q is not known (percent, fraction, bytes, KiB, MB/s, Mbit/s, iops, ...)", i, c.Unit)
		}
		if u.kind != metricKind(met) {
			return fmt.Errorf("metrics[%d]: unit %q does not fit %s", i, c.Unit, c.Metric)
		}
		switch c.Stat {
		case "":
			c.Stat = "mean"
		case "mean", "max":
		default:
			return fmt.Errorf("metrics[%d]: stat %q: want mean or max", i, c.Stat)
		}
		if k := c.Metric + "_" + c.Stat; seen[k] {
			return fmt.Errorf("metrics[%d]: %s mapped twice", i, k)
		} else {
			seen[k] = true
		}
		if c.Column == "" {
			return fmt.Errorf("metrics[%d]: column is required", i)
		}
		c.metric, c.scale = met, u.scale
	}
	return nil
}

// SetTimezone sets the zone of timestamps without one (the --tz flag). A
// mapping that names another zone is an error.
func (m *CSVMapping) SetTimezone(name string) error {
	if m.Timestamp.Timezone != "" && m.Timestamp.Timezone != name {
		return fmt.Errorf("the mapping's timestamp.timezone is %s, not %s", m.Timestamp.Timezone, name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return err
	}
	m.Timestamp.Timezone, m.loc = name, loc
	return nil
}

// localTimes reports whether the timestamps are local wall-clock times
// without a zone: a Go layout without a zone or offset.
func (m *CSVMapping) localTimes() bool {
	switch f := m.Timestamp.Format; f {
	case "unix", "unix_ms", "rfc3339":
		return false
	default:
		return !strings.Contains(f, "MST") && !strings.Contains(f, "Z07") && !strings.Contains(f, "-07")
	}
}

// parseCSVTime parses a timestamp with the mapping's format.
func (m *CSVMapping) parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch m.Timestamp.Format {
	case "unix", "unix_ms":
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || v < 0 || v > 253402300799e3 {
			return time.Time{}, fmt.Errorf("%q is not a %s time", s, m.Timestamp.Format)
		}
		if m.Timestamp.Format == "unix_ms" {
			v /= 1000
		}
		sec, frac := math.Modf(v)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	case "rfc3339":
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", s)
		}
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation(m.Timestamp.Format, s, m.loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q does not match the format %q", s, m.Timestamp.Format)
	}
	return t.UTC(), nil
}

// CSV imports CSV files described by a mapping: one server per value of
// the host column, or per file (named after it, or host.name).
func CSV(files []string, out string, mapping *CSVMapping, opts Options) (Summary, error) {
	if mapping == nil {
		return Summary{}, errors.New("csv: a column mapping is required")
	}
	if mapping.interval == 0 {
		if err := mapping.check(); err != nil {
			return Summary{}, fmt.Errorf("csv mapping: %w", err)
		}
	}
	r, err := newRun(files, opts)
	if err != nil {
		return Summary{}, err
	}
	hs := newHostSet(r, "import:csv")
	var lt *localTimes
	if mapping.localTimes() {
		var loc *time.Location
		if mapping.Timestamp.Timezone != "" {
			loc = mapping.loc
		}
		lt = newLocalTimes(r, loc, "the timestamp format "+strconv.Quote(mapping.Timestamp.Format))
	}
	return r.do(out, func(path string) error { return r.csvFile(path, mapping, hs, lt) }, func() error {
		return hs.finish(func(h *hostState, inv *model.Inventory) {
			var ms []string
			for _, c := range mapping.Metrics {
				ms = append(ms, fmt.Sprintf("%s_%s from %q (%s)", c.Metric, c.Stat, c.Column, c.Unit))
			}
			inv.Notes = append(inv.Notes, "generic CSV import: "+strings.Join(ms, "; "),
				"a metric mapped only as mean or only as max has the other equal to it",
				"inventory fields other than the host name are not in the source")
			if lt != nil {
				inv.Notes = append(inv.Notes, lt.note())
			}
			if h.lastMemTotal > 0 {
				inv.MemTotalBytes = int64(h.lastMemTotal)
			}
			if mapping.maps(model.FSUsedBytes) {
				inv.Notes = append(inv.Notes, "fs_used_bytes from the mapped column; the filesystems and their sizes are not in the source")
			} else {
				noteNoStorage(inv)
			}
		})
	})
}

// maps reports whether a column is mapped onto metric m.
func (m *CSVMapping) maps(metric model.Metric) bool {
	for _, c := range m.Metrics {
		if c.metric == metric {
			return true
		}
	}
	return false
}

// csvColumn finds a column by header name or 1-based number.
func csvColumn(hdr []string, name string) int {
	for i, h := range hdr {
		if strings.TrimSpace(h) == name {
			return i
		}
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 1 && (hdr == nil || n <= len(hdr)) {
		return n - 1
	}
	return -1
}

// csvFile reads one file; lt, if non-nil, reads local times.
func (r *run) csvFile(path string, m *CSVMapping, hs *hostSet, lt *localTimes) error {
	in, err := r.openCSV(path, []rune(m.Delimiter)[0], true)
	if err != nil {
		return err
	}
	defer in.close()
	perr := in.errAt
	var hdr []string
	if m.Header == nil || *m.Header {
		h, ok, err := in.header()
		if err != nil {
			return err
		}
		if !ok {
			r.skip(path, "empty file")
			return nil
		}
		hdr = h
	}
	find := func(name, what string) (int, error) {
		i := csvColumn(hdr, name)
		if i < 0 {
			return 0, perr(1, name, fmt.Errorf("%s column not in the header", what))
		}
		return i, nil
	}
	tsCol, err := find(m.Timestamp.Column, "timestamp")
	if err != nil {
		return err
	}
	hostCol := -1
	if m.Host.Column != "" {
		if hostCol, err = find(m.Host.Column, "host"); err != nil {
			return err
		}
	}
	cols := make([]int, len(m.Metrics))
	for i, c := range m.Metrics {
		if cols[i], err = find(c.Column, c.Metric); err != nil {
			return err
		}
	}
	name := m.Host.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	field := func(i int) string {
		if hdr != nil && i < len(hdr) {
			return hdr[i]
		}
		return strconv.Itoa(i + 1)
	}
	rows := 0
	err = in.each(func(line int, rec []string) error {
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			return nil
		}
		rows++
		need := max(tsCol, hostCol)
		for _, c := range cols {
			need = max(need, c)
		}
		if need >= len(rec) {
			return perr(line, field(need), fmt.Errorf("missing: line has %d fields", len(rec)))
		}
		t, err := m.parseTime(rec[tsCol])
		if err == nil {
			err = checkTime(t)
		}
		if err != nil {
			return perr(line, field(tsCol), err)
		}
		if m.Timestamp.At == "end" {
			t = t.Add(-m.interval)
		}
		host := name
		if hostCol >= 0 {
			host = strings.TrimSpace(rec[hostCol])
			if host == "" {
				return perr(line, field(hostCol), errors.New("empty host name"))
			}
		}
		x := model.NewSample(t.Truncate(time.Second), m.interval)
		for i, c := range m.Metrics {
			s := strings.TrimSpace(rec[cols[i]])
			if s == "" {
				continue
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v*c.scale > 1e18 {
				return perr(line, field(cols[i]), fmt.Errorf("%q is not a non-negative number", s))
			}
			v *= c.scale
			if c.metric == model.CPUBusyPct {
				if v > 100.5 {
					return perr(line, field(cols[i]), fmt.Errorf("%g%% is above 100", v))
				}
				v = math.Min(v, 100)
			}
			if c.Stat == "max" {
				x.Max[c.metric] = v
			} else {
				x.Mean[c.metric] = v
			}
		}
		for mt := model.Metric(0); mt < model.NumMetrics; mt++ {
			if mean, mx := x.Mean[mt], x.Max[mt]; !math.IsNaN(mean) && !math.IsNaN(mx) && mean > mx*(1+1e-9) {
				return perr(line, field(cols[0]), fmt.Errorf("%s mean %g is above its max %g", mt, mean, mx))
			}
		}
		h, err := hs.get(path, host)
		if err != nil {
			return err
		}
		if lt != nil {
			lt.used(path, h)
		}
		if v := x.Mean[model.MemTotalBytes]; !math.IsNaN(v) {
			h.lastMemTotal = v
		}
		return hs.write(h, x, fmt.Sprintf("%s:%d", path, line))
	})
	if err != nil {
		return err
	}
	if rows == 0 {
		r.skip(path, "no data rows")
	}
	return nil
}
