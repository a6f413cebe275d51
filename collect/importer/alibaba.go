package importer

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// AlibabaOptions configure the Alibaba cluster-trace-v2018 importer.
type AlibabaOptions struct {
	Options
	// Start is the time of time_stamp 0: the trace has relative seconds only.
	Start time.Time
	// Meta is machine_meta.csv ("" = none): cpu_num gives the cores.
	Meta string
	// MemTotalBytes is the memory of a machine. The trace gives memory as a
	// percentage of a normalised size; without it mem_used_bytes is empty.
	MemTotalBytes int64
}

// alibabaMaxInterval bounds a row's length: rows are irregular (median 60 s,
// 90th percentile 210 s, gaps of hours where data is missing), so a row
// lasts until the next one but at most this long.
const alibabaMaxInterval = 5 * time.Minute

// alibabaRow is one parsed line of machine_usage.csv.
type alibabaRow struct {
	machine string
	t       int64
	cpu     float64 // NaN when the trace marks it invalid (-1, 101) or blank
	mem     float64
}

// parseAlibabaLine parses machine_id,time_stamp,cpu_util_percent,
// mem_util_percent,mem_gps,mkpi,net_in,net_out,disk_io_percent. Only the
// first four are used. Errors are *fieldError.
func parseAlibabaLine(line string) (alibabaRow, error) {
	f := strings.Split(line, ",")
	var r alibabaRow
	if len(f) != 9 {
		return r, &fieldError{"machine_id", fmt.Errorf("line has %d fields, want 9 (machine_usage.csv)", len(f))}
	}
	r.machine = strings.TrimSpace(f[0])
	if r.machine == "" {
		return r, &fieldError{"machine_id", errors.New("empty")}
	}
	t, err := strconv.ParseInt(strings.TrimSpace(f[1]), 10, 64)
	if err != nil || t < 0 || t > 100*365*86400 {
		return r, &fieldError{"time_stamp", fmt.Errorf("%q is not a whole number of seconds since the trace start", f[1])}
	}
	r.t = t
	for i, dst := range []*float64{&r.cpu, &r.mem} {
		name := []string{"cpu_util_percent", "mem_util_percent"}[i]
		s := strings.TrimSpace(f[2+i])
		if s == "" {
			*dst = math.NaN()
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return r, &fieldError{name, fmt.Errorf("%q is not a number", s)}
		}
		switch {
		case v == -1 || v == 101: // the trace's invalid markers
			*dst = math.NaN()
		case v < 0 || v > 100:
			return r, &fieldError{name, fmt.Errorf("%g is outside 0..100", v)}
		default:
			*dst = v
		}
	}
	return r, nil
}

// Alibaba imports machine_usage.csv of Alibaba cluster-trace-v2018 (rows
// grouped by machine, each in time order), one server per machine_id.
//
//	cpu_busy_pct     cpu_util_percent
//	mem_used_bytes   mem_util_percent × MemTotalBytes (empty without it)
//	mem_total_bytes  MemTotalBytes
//
// net_in/net_out are normalised to the trace maximum and disk_io_percent is
// a utilisation, not a rate: neither becomes a metric. The values -1 and
// 101 mark invalid readings and leave the metric empty for that row.
func Alibaba(files []string, out string, opts AlibabaOptions) (Summary, error) {
	if opts.Start.IsZero() {
		return Summary{}, errors.New("alibaba: the start time of the trace is required (time_stamp is relative)")
	}
	opts.Start = opts.Start.UTC().Truncate(time.Second)
	r, err := newRun(files, opts.Options)
	if err != nil {
		return Summary{}, err
	}
	cores := map[string]int{}
	if opts.Meta != "" {
		if cores, err = readAlibabaMeta(r, opts.Meta); err != nil {
			return Summary{}, err
		}
	}
	return r.do(out, func(path string) error { return r.alibabaFile(path, opts, cores) })
}

// readAlibabaMeta reads machine_id → cpu_num (the last row of a machine).
// The meta table is one row per machine event (thousands), not per sample.
func readAlibabaMeta(r *run, path string) (map[string]int, error) {
	cores := map[string]int{}
	meta := &run{opts: Options{}, prog: progress{}}
	err := meta.lines(path, func(n int, line string) error {
		if strings.TrimSpace(line) == "" {
			return nil
		}
		f := strings.Split(line, ",")
		if len(f) != 7 {
			return &model.SampleParseError{File: path, Line: n, Field: "machine_id", Err: fmt.Errorf("line has %d fields, want 7 (machine_meta.csv)", len(f))}
		}
		c, err := strconv.Atoi(strings.TrimSpace(f[4]))
		if err != nil || c < 0 || c > 1<<16 {
			return &model.SampleParseError{File: path, Line: n, Field: "cpu_num", Err: fmt.Errorf("%q is not a whole number of cores", f[4])}
		}
		cores[strings.TrimSpace(f[0])] = c
		return nil
	})
	return cores, err
}

func (r *run) alibabaFile(path string, opts AlibabaOptions, cores map[string]int) error {
	var (
		g       *gapWriter
		machine string
		inv     model.Inventory
		invalid int
	)
	done := func() error {
		if g == nil {
			return nil
		}
		if err := g.flush(); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if g.dropped > 0 {
			r.warn(fmt.Errorf("%s: machine %s: dropped %d rows whose time_stamp is not after the previous row's, first at line %d", path, machine, g.dropped, g.droppedLine))
		}
		if err := g.sw.Close(); err != nil {
			return err
		}
		inv.UpdatedAt = g.lastEnd
		return dataset.WriteInventory(g.sw.Dir, inv)
	}
	err := r.lines(path, func(n int, line string) error {
		if strings.TrimSpace(line) == "" {
			return nil
		}
		row, err := parseAlibabaLine(line)
		if err != nil {
			return lineError(path, n, err)
		}
		if g == nil || row.machine != machine {
			if err := done(); err != nil {
				return err
			}
			machine = row.machine
			inv = model.Inventory{
				Hostname:    machine,
				Source:      "import:alibaba",
				SourceFiles: []string{path},
				Cores:       cores[machine],
				Threads:     cores[machine],
				Notes: []string{
					"Alibaba cluster-trace-v2018 machine: time_stamp is relative; t = 0 taken as " + opts.Start.Format(time.RFC3339) + " (given at import)",
					"each row lasts until the next one, at most " + alibabaMaxInterval.String() + "; interval max equals mean (the trace keeps one value per row)",
					"not in the source as rates: network (normalised 0-100), disk (utilisation %); OS, CPU model, disks, NICs",
					"updated_at is the end of the last sample",
					noStorageNote,
				},
			}
			if opts.MemTotalBytes > 0 {
				inv.MemTotalBytes = opts.MemTotalBytes
				inv.Notes = append(inv.Notes, "mem_used_bytes = mem_util_percent × mem_total_bytes given at import (the trace normalises memory)")
			} else {
				inv.Notes = append(inv.Notes, "memory is a percentage of a normalised size: mem_used_bytes left empty (no --mem-total given)")
			}
			if inv.Cores == 0 {
				inv.Notes = append(inv.Notes, "cores unknown (no machine_meta row)")
			}
			sw, _, err := r.addServer(path, "alibaba-"+machine, inv)
			if err != nil {
				return err
			}
			g = &gapWriter{r: r, sw: sw}
		}
		x := model.NewSample(opts.Start.Add(time.Duration(row.t)*time.Second), alibabaMaxInterval)
		if !math.IsNaN(row.cpu) {
			x.Set(model.CPUBusyPct, row.cpu, row.cpu)
		} else {
			invalid++
		}
		if opts.MemTotalBytes > 0 {
			x.Set(model.MemTotalBytes, float64(opts.MemTotalBytes), float64(opts.MemTotalBytes))
			if !math.IsNaN(row.mem) {
				v := row.mem / 100 * float64(opts.MemTotalBytes)
				x.Set(model.MemUsedBytes, v, v)
			}
		}
		return g.add(x, n)
	})
	if err != nil {
		return err
	}
	if g == nil {
		r.skip(path, "no data rows")
		return nil
	}
	if invalid > 0 {
		r.warn(fmt.Errorf("%s: %d rows with an invalid or missing cpu_util_percent left empty", path, invalid))
	}
	if opts.MemTotalBytes == 0 {
		r.warn(fmt.Errorf("%s: memory is a percentage of a normalised machine size: mem_used_bytes left empty (give --mem-total)", path))
	}
	return done()
}
