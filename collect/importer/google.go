package importer

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// GoogleOptions configure the Google cluster-data 2011 per-job importer.
type GoogleOptions struct {
	Options
	// Start is the start of day 1 (files vm_JOB_DAY: day d starts d−1 days
	// later). DefaultGoogleStart is the start of the trace.
	Start time.Time
	// Cores and MemTotalBytes size the "largest machine" the percentages are
	// relative to (Google normalises usage to it and does not publish it).
	// Zero: cores unknown, and mem_used_bytes left empty.
	Cores         int
	MemTotalBytes int64
}

// DefaultGoogleStart is when clusterdata-2011-2 begins: 2011-05-01 19:00
// US Eastern (EDT, UTC−4). How the derived set cuts days is not documented.
var DefaultGoogleStart = time.Date(2011, 5, 1, 23, 0, 0, 0, time.UTC)

const (
	googleStep = 5 * time.Minute
	googleDay  = 288
)

var googleNameRE = regexp.MustCompile(`^vm_(\d+)_(\d+)$`)

// parseGoogleLine parses "CPU% MEM%" (one space or more). Errors are
// *fieldError.
func parseGoogleLine(line string) (cpu, mem float64, err error) {
	f := strings.Fields(line)
	if len(f) != 2 {
		return 0, 0, &fieldError{"cpu_pct", fmt.Errorf("line has %d fields, want 2: CPU%% MEM%%", len(f))}
	}
	for i, dst := range []*float64{&cpu, &mem} {
		name := []string{"cpu_pct", "mem_pct"}[i]
		v, perr := strconv.ParseFloat(f[i], 64)
		switch {
		case perr != nil || math.IsNaN(v) || math.IsInf(v, 0):
			return 0, 0, &fieldError{name, fmt.Errorf("%q is not a number", f[i])}
		case v < 0 || v > 1000:
			return 0, 0, &fieldError{name, fmt.Errorf("%g is outside 0..1000", v)}
		}
		*dst = v
	}
	return cpu, mem, nil
}

// Google imports the per-job "VM" series derived from Google's
// clusterdata-2011-2 (GCD_VMs: files vm_JOB_DAY, 288 lines of "CPU% MEM%",
// 5 minutes apart, no timestamps), one server per file.
//
//	cpu_busy_pct     CPU%, of the largest machine of the cluster (clamped to 100)
//	mem_used_bytes   MEM% × MemTotalBytes (empty without it; may exceed it: the
//	                 set has values up to 215 %)
//	mem_total_bytes  MemTotalBytes
func Google(files []string, out string, opts GoogleOptions) (Summary, error) {
	if opts.Start.IsZero() {
		opts.Start = DefaultGoogleStart
	}
	opts.Start = opts.Start.UTC().Truncate(time.Second)
	r, err := newRun(files, opts.Options)
	if err != nil {
		return Summary{}, err
	}
	sum, err := r.do(out, func(path string) error { return r.googleFile(path, opts) })
	if err == nil && opts.MemTotalBytes == 0 {
		r.warn(errors.New("google: memory is a percentage of the largest machine, whose size is not published: mem_used_bytes left empty (give --mem-total)"))
	}
	return sum, err
}

func (r *run) googleFile(path string, opts GoogleOptions) error {
	base := filepath.Base(path)
	day := 1
	if m := googleNameRE.FindStringSubmatch(base); m != nil {
		day, _ = strconv.Atoi(m[2])
		if day < 1 || day > 366 {
			return fmt.Errorf("%s: day %s in the file name is out of range", path, m[2])
		}
	} else {
		r.warn(fmt.Errorf("%s: name is not vm_JOB_DAY: taken as day 1", path))
	}
	start := opts.Start.Add(time.Duration(day-1) * 24 * time.Hour)
	s := &stepServer{r: r, path: path, name: "google-" + base, start: start, step: googleStep, inv: model.Inventory{
		Hostname:    base,
		IsVM:        true,
		Cores:       opts.Cores,
		Threads:     opts.Cores,
		Source:      "import:google",
		SourceFiles: []string{path},
		Notes: []string{
			"Google clusterdata-2011-2, per-job sum of task usage (Hieu et al.); percentages are of the largest machine of the cluster",
			fmt.Sprintf("day %d, line 1 at %s (day 1 given or defaulted at import; the files have no timestamps)", day, start.Format(time.RFC3339)),
			"source keeps one value per 5 minutes: interval max equals mean",
			"not in the source: disk, network, OS, CPU model",
			noStorageNote,
		},
		MemTotalBytes: max(opts.MemTotalBytes, 0),
	}}
	var clamped, above int
	ok, err := s.read(func(lineNo int, line string) error {
		if strings.TrimSpace(line) == "" {
			return nil
		}
		cpu, mem, err := parseGoogleLine(line)
		if err != nil {
			return lineError(path, lineNo, err)
		}
		x := s.next()
		if cpu > 100 {
			clamped++
			cpu = 100
		}
		x.Set(model.CPUBusyPct, cpu, cpu)
		if opts.MemTotalBytes > 0 {
			if mem > 100 {
				above++
			}
			v := mem / 100 * float64(opts.MemTotalBytes)
			x.Set(model.MemUsedBytes, v, v)
			x.Set(model.MemTotalBytes, float64(opts.MemTotalBytes), float64(opts.MemTotalBytes))
		}
		return s.write(lineNo, x)
	})
	if !ok || err != nil {
		return err
	}
	if s.n != googleDay {
		r.warn(fmt.Errorf("%s: %d lines, the set has %d per file (one day)", path, s.n, googleDay))
	}
	if clamped > 0 {
		r.warn(fmt.Errorf("%s: CPU above 100 %% clamped in %d lines", path, clamped))
	}
	if above > 0 {
		s.inv.Notes = append(s.inv.Notes, fmt.Sprintf("memory above 100 %% of the machine in %d lines (kept)", above))
	}
	return s.close()
}
