package importer

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// PerfmonOptions configure the perfmon importer.
type PerfmonOptions struct {
	Options
	// MemTotalBytes gives installed memory per host (upper-case host name as
	// in the counter paths, or "" for every host). Windows has no counter for
	// it, and mem_used_bytes = total − \Memory\Available Bytes needs it.
	MemTotalBytes map[string]int64
	// Location, if non-nil, is the time zone the log was written in: its
	// local times are read in it, daylight-saving changes included. nil:
	// the fixed offset of the log's header (the zone at the start of the
	// log; a daylight-saving change inside the log is not applied).
	Location *time.Location
}

// perfmon counter roles.
type pmRole int

const (
	pmNone pmRole = iota
	pmCPU
	pmMemAvail
	pmDiskRead
	pmDiskWrite
	pmDiskReads
	pmDiskWrites
	pmNetRx
	pmNetTx
	pmFSFreeMB  // \LogicalDisk(X:)\Free Megabytes
	pmFSFreePct // \LogicalDisk(X:)\% Free Space
)

// pmColumn is one counter column of a perfmon CSV.
type pmColumn struct {
	host     string
	role     pmRole
	scale    float64 // to bytes for memory
	instance string
	total    bool // the _Total instance
	adapter  bool // "Network Adapter" rather than "Network Interface"
	path     string
}

var (
	pdhHeaderRE = regexp.MustCompile(`^\(PDH-CSV ([\d.]+)\)\s*\(([^)]*)\)\s*\((-?\d+)\)`)
	netSkipRE   = regexp.MustCompile(`(?i)loopback|isatap|teredo|6to4|pseudo`)
)

// parsePerfmonCounter splits \\HOST\Object(Instance)\Counter.
func parsePerfmonCounter(p string) (host, object, instance, counter string, ok bool) {
	if !strings.HasPrefix(p, `\\`) {
		return "", "", "", "", false
	}
	rest := p[2:]
	i := strings.IndexByte(rest, '\\')
	if i <= 0 {
		return "", "", "", "", false
	}
	host, rest = rest[:i], rest[i+1:]
	j := strings.LastIndexByte(rest, '\\')
	if j <= 0 || j == len(rest)-1 {
		return "", "", "", "", false
	}
	object, counter = rest[:j], rest[j+1:]
	if k := strings.IndexByte(object, '('); k > 0 && strings.HasSuffix(object, ")") {
		object, instance = object[:k], object[k+1:len(object)-1]
	}
	return host, object, instance, counter, true
}

// perfmonColumn classifies a counter path.
func perfmonColumn(p string) (pmColumn, bool) {
	host, object, inst, counter, ok := parsePerfmonCounter(p)
	if !ok {
		return pmColumn{}, false
	}
	c := pmColumn{host: strings.ToUpper(host), instance: inst, total: inst == "_Total", path: p, scale: 1}
	obj, ctr := strings.ToLower(object), strings.ToLower(counter)
	switch {
	case (obj == "processor" || obj == "processor information") && ctr == "% processor time" && inst == "_Total":
		c.role = pmCPU
	case obj == "memory" && ctr == "available bytes":
		c.role = pmMemAvail
	case obj == "memory" && ctr == "available kbytes":
		c.role, c.scale = pmMemAvail, 1024
	case obj == "memory" && ctr == "available mbytes":
		c.role, c.scale = pmMemAvail, 1<<20
	case obj == "physicaldisk" && ctr == "disk read bytes/sec":
		c.role = pmDiskRead
	case obj == "physicaldisk" && ctr == "disk write bytes/sec":
		c.role = pmDiskWrite
	case obj == "physicaldisk" && ctr == "disk reads/sec":
		c.role = pmDiskReads
	case obj == "physicaldisk" && ctr == "disk writes/sec":
		c.role = pmDiskWrites
	case (obj == "network interface" || obj == "network adapter") && ctr == "bytes received/sec":
		c.role, c.adapter = pmNetRx, obj == "network adapter"
	case (obj == "network interface" || obj == "network adapter") && ctr == "bytes sent/sec":
		c.role, c.adapter = pmNetTx, obj == "network adapter"
	case obj == "logicaldisk" && ctr == "free megabytes" && inst != "" && !c.total:
		c.role, c.scale = pmFSFreeMB, 1<<20
	case obj == "logicaldisk" && ctr == "% free space" && inst != "" && !c.total:
		c.role = pmFSFreePct
	}
	return c, true
}

// pmHost gathers the columns of one host.
type pmHost struct {
	name        string
	cols        []int // column indexes with a role
	hasDiskTot  bool
	hasIface    bool
	memTotal    float64
	h           *hostState
	first       []float64 // values of the first row, until the second gives the interval
	firstEnd    time.Time
	firstLine   int
	prevEnd     time.Time
	hasMemAvail bool
	single      map[pmRole]bool // CPU and memory columns already taken
	// drives holds, per logical disk with both Free Megabytes and % Free
	// Space, the two columns.
	drives []pmDrive
}

// pmDrive is one logical disk (a drive letter or a volume without one) of
// a host: the columns of its free megabytes and free share.
type pmDrive struct {
	name            string
	freeCol, pctCol int
}

// Perfmon imports Windows performance counter logs in CSV (typeperf -f CSV,
// relog -f CSV: the PDH-CSV 4.0 header). Columns of several hosts in one
// file become one server each, and a host continues across files. Times
// are local with the zone bias in the header, and are converted to UTC.
//
//	cpu_busy_pct       \Processor(_Total)\% Processor Time
//	mem_used_bytes     MemTotalBytes − \Memory\Available Bytes (or KBytes, MBytes)
//	mem_total_bytes    MemTotalBytes (not in the counters)
//	disk_*             \PhysicalDisk(_Total)\Disk Read/Write Bytes/sec, Disk
//	                   Reads/Writes/sec (the instances summed when there is no _Total)
//	net_*              \Network Interface(*)\Bytes Received/Sent/sec summed over
//	                   instances but loopback and tunnels (isatap, Teredo, 6to4);
//	                   \Network Adapter(*) when there is no Network Interface
//	fs_used_bytes      per \LogicalDisk(X:) but _Total: size − Free Megabytes,
//	                   size = Free Megabytes / (% Free Space / 100), summed over
//	                   the drives; the inventory's filesystems are the drives
//	                   with their last size and used bytes
//
// A row is the average since the previous row: a sample ends at its time
// and lasts the gap to the previous row (the first row: the gap to the
// second). Blank values (" ", as the first row of rate counters) are "not
// measured"; max = mean.
func Perfmon(files []string, out string, opts PerfmonOptions) (Summary, error) {
	r, err := newRun(files, opts.Options)
	if err != nil {
		return Summary{}, err
	}
	hs := newHostSet(r, "import:perfmon")
	pi := &perfmonImport{r: r, hs: hs, opts: opts, noTotal: map[string]bool{}}
	return r.do(out, pi.file, func() error {
		for _, h := range slices.Sorted(maps.Keys(pi.noTotal)) {
			r.warn(fmt.Errorf("host %s: \\Memory\\Available Bytes is logged but the installed memory is not known: mem_used_bytes left empty (give --mem-total %s=SIZE)", h, h))
		}
		return hs.finish(func(h *hostState, inv *model.Inventory) {
			inv.OSFamily = "windows"
			if t := pi.memTotal(h.name); t > 0 {
				inv.MemTotalBytes = int64(t)
			}
			inv.Notes = append(inv.Notes,
				"perfmon counters are averages over each logging interval: interval max equals mean",
				"not in the source: OS version, CPU model and count, disk sizes, NIC speeds")
			if len(inv.Filesystems) == 0 {
				inv.Notes = append(inv.Notes, noStorageNote+` (log \LogicalDisk(*)\Free Megabytes and \LogicalDisk(*)\% Free Space to have them)`)
			} else {
				inv.Notes = append(inv.Notes, "filesystems are the logical disks: size from Free Megabytes and % Free Space, file system type not in the counters")
			}
		})
	})
}

type perfmonImport struct {
	r       *run
	hs      *hostSet
	opts    PerfmonOptions
	noTotal map[string]bool
}

func (pi *perfmonImport) memTotal(host string) float64 {
	if v, ok := pi.opts.MemTotalBytes[strings.ToUpper(host)]; ok {
		return float64(v)
	}
	for k, v := range pi.opts.MemTotalBytes {
		if strings.EqualFold(k, host) {
			return float64(v)
		}
	}
	return float64(pi.opts.MemTotalBytes[""])
}

func (pi *perfmonImport) file(path string) error {
	in, err := pi.r.openCSV(path, ',', false)
	if err != nil {
		return err
	}
	defer in.close()
	perr := in.errAt
	hdr, ok, err := in.header()
	if err != nil {
		return err
	}
	if !ok {
		pi.r.skip(path, "empty file")
		return nil
	}
	m := pdhHeaderRE.FindStringSubmatch(hdr[0])
	if m == nil {
		return perr(1, "time", fmt.Errorf("%q is not a PDH-CSV header \"(PDH-CSV 4.0) (ZONE)(BIAS)\" (not a typeperf/relog CSV?)", clip(hdr[0])))
	}
	bias, _ := strconv.Atoi(m[3])
	if bias < -24*60 || bias > 24*60 {
		return perr(1, "time", fmt.Errorf("time zone bias %d minutes is out of range", bias))
	}
	// UTC = local time + bias (Windows TIME_ZONE_INFORMATION).
	zone := time.FixedZone(m[2], -bias*60)
	zoneName, zoneNote := offsetName(-bias*60), fmt.Sprintf("times converted to UTC with the log header's fixed offset %s (%s); a daylight-saving change inside the log is not applied (give --tz)", offsetName(-bias*60), m[2])
	if loc := pi.opts.Location; loc != nil {
		zone, zoneName, zoneNote = loc, loc.String(), "times are local, read in "+loc.String()+" (--tz)"
	}
	var zoneChecked bool
	var prevRow time.Time
	cols := make([]pmColumn, len(hdr))
	hosts := map[string]*pmHost{}
	var order []string
	for i := 1; i < len(hdr); i++ {
		c, ok := perfmonColumn(hdr[i])
		if !ok {
			return perr(1, fmt.Sprintf("column %d", i+1), fmt.Errorf("%q is not a counter path \\\\HOST\\Object(Instance)\\Counter", clip(hdr[i])))
		}
		cols[i] = c
		h := hosts[c.host]
		if h == nil {
			h = &pmHost{name: c.host}
			hosts[c.host] = h
			order = append(order, c.host)
		}
		if c.role == pmNone {
			continue
		}
		// One column per host for CPU and available memory: a log with both
		// \Processor and \Processor Information, or Available Bytes and
		// MBytes, would otherwise count them twice.
		if c.role == pmCPU || c.role == pmMemAvail {
			if h.single[c.role] {
				cols[i].role = pmNone
				continue
			}
			if h.single == nil {
				h.single = map[pmRole]bool{}
			}
			h.single[c.role] = true
		}
		h.cols = append(h.cols, i)
		if c.role == pmDiskRead && c.total {
			h.hasDiskTot = true
		}
		if (c.role == pmNetRx || c.role == pmNetTx) && !c.adapter {
			h.hasIface = true
		}
		if c.role == pmMemAvail {
			h.hasMemAvail = true
		}
		if c.role == pmFSFreeMB || c.role == pmFSFreePct {
			h.addDriveCol(c, i)
		}
	}
	for _, name := range order {
		h := hosts[name]
		h.memTotal = pi.memTotal(name)
		if h.hasMemAvail && h.memTotal <= 0 {
			pi.noTotal[name] = true
		}
		if len(h.cols) == 0 {
			pi.r.warn(fmt.Errorf("%s: host %s has no CPU, memory, disk or network counters kvmfit uses; not imported", path, name))
		}
	}
	vals := make([]float64, len(hdr))
	rows := 0
	err = in.each(func(line int, rec []string) error {
		rows++
		end, err := parsePerfmonTime(rec[0], zone)
		if err == nil {
			err = checkTime(end.Add(-24 * time.Hour))
		}
		if err != nil {
			return perr(line, "time", err)
		}
		if loc := pi.opts.Location; loc != nil {
			// A wall clock that came twice (daylight saving time ends) is
			// the first instant after the previous row.
			if t2, ok := instantAfter(end, prevRow, loc); ok && !prevRow.IsZero() {
				end = t2
			} else {
				end = firstInstant(end, loc)
			}
			prevRow = end
		}
		if !zoneChecked && pi.opts.Location != nil {
			zoneChecked = true
			if _, off := end.In(pi.opts.Location).Zone(); off != -bias*60 {
				pi.r.warn(fmt.Errorf("%s:%d: the log header gives %s (%s) but --tz %s is %s at %s: times read in %s", path, line, offsetName(-bias*60), m[2], pi.opts.Location, offsetName(off), rec[0], pi.opts.Location))
			}
		}
		for i := 1; i < len(rec); i++ {
			vals[i] = math.NaN()
			if cols[i].role == pmNone {
				continue
			}
			f := strings.TrimSpace(rec[i])
			if f == "" {
				continue
			}
			v, err := strconv.ParseFloat(f, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > maxTraceValue {
				return perr(line, hdr[i], fmt.Errorf("%q is not a non-negative number", rec[i]))
			}
			vals[i] = v
		}
		for _, name := range order {
			h := hosts[name]
			if len(h.cols) == 0 {
				continue
			}
			if err := pi.row(path, line, h, cols, vals, end); err != nil {
				return err
			}
			if h.h != nil {
				h.h.setTZ(zoneName, false)
				h.h.note(zoneNote)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range order {
		h := hosts[name]
		if h.first != nil {
			pi.r.warn(fmt.Errorf("%s: host %s has a single row: its interval is unknown, not imported", path, name))
			h.first = nil
		}
	}
	if rows == 0 {
		pi.r.skip(path, "no data rows after the header")
	}
	return nil
}

// addDriveCol records column i of a logical disk's free megabytes or free
// share; a drive is used once it has both (a second column of the same
// kind is ignored).
func (h *pmHost) addDriveCol(c pmColumn, i int) {
	k := slices.IndexFunc(h.drives, func(d pmDrive) bool { return strings.EqualFold(d.name, c.instance) })
	if k < 0 {
		h.drives = append(h.drives, pmDrive{name: strings.ToUpper(c.instance), freeCol: -1, pctCol: -1})
		k = len(h.drives) - 1
	}
	d := &h.drives[k]
	if c.role == pmFSFreeMB && d.freeCol < 0 {
		d.freeCol = i
	} else if c.role == pmFSFreePct && d.pctCol < 0 {
		d.pctCol = i
	}
}

// maxFSBytes bounds one filesystem's size (1 EB); a larger one is a
// corrupt value (a % Free Space of 1e-12, say).
const maxFSBytes = 1e18

// driveUsage returns a logical disk's size and used bytes from its free
// bytes and free share (0-100): size = free / (share / 100), used = size −
// free. A full drive (share 0) keeps its last known size, lastSize (0 if
// none: ok is false); a size above maxFSBytes is not ok either. Sizes are rounded to whole MiB, the resolution of
// Free Megabytes.
func driveUsage(freeBytes, freePct, lastSize float64) (size, used float64, ok bool) {
	if math.IsNaN(freeBytes) || math.IsNaN(freePct) || freePct > 100 {
		return 0, 0, false
	}
	if freePct > 0 {
		size = math.Round(freeBytes/(freePct/100)/(1<<20)) * (1 << 20)
	} else {
		size = lastSize
	}
	size = math.Max(size, freeBytes)
	if size <= 0 || size > maxFSBytes {
		return 0, 0, false
	}
	return size, size - freeBytes, true
}

// offsetName writes an offset east of UTC in seconds as UTC+hh:mm.
func offsetName(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("UTC%s%02d:%02d", sign, sec/3600, sec/60%60)
}

// parsePerfmonTime parses "04/01/2024 10:00:00.123" (MM/DD/YYYY, the layout
// typeperf and relog write) in the header's zone.
func parsePerfmonTime(s string, zone *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"01/02/2006 15:04:05.000", "01/02/2006 15:04:05", "2006-01-02 15:04:05.000", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, zone); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time MM/DD/YYYY HH:MM:SS.mmm", s)
}

// row handles one row for one host.
func (pi *perfmonImport) row(path string, line int, h *pmHost, cols []pmColumn, vals []float64, end time.Time) error {
	if h.h == nil || h.h.files[len(h.h.files)-1] != path {
		hs, err := pi.hs.get(path, h.name)
		if err != nil {
			return err
		}
		h.h = hs
	}
	if h.prevEnd.IsZero() && h.first == nil {
		h.first = make([]float64, len(vals))
		copy(h.first, vals)
		h.firstEnd, h.firstLine = end, line
		return nil
	}
	if h.first != nil {
		iv := end.Sub(h.firstEnd)
		first := h.first
		h.first = nil
		if err := pi.emit(path, h.firstLine, h, cols, first, h.firstEnd, iv); err != nil {
			return err
		}
		h.prevEnd = h.firstEnd
	}
	iv := end.Sub(h.prevEnd)
	h.prevEnd = end
	return pi.emit(path, line, h, cols, vals, end, iv)
}

func (pi *perfmonImport) emit(path string, line int, h *pmHost, cols []pmColumn, vals []float64, end time.Time, iv time.Duration) error {
	iv = iv.Round(time.Second)
	if iv < time.Second || iv > 24*time.Hour {
		h.h.badInterval++
		return nil
	}
	x := model.NewSample(end.Add(-iv).Truncate(time.Second), iv)
	sums := map[model.Metric]float64{}
	seen := map[model.Metric]bool{}
	add := func(m model.Metric, v float64) {
		if !math.IsNaN(v) {
			sums[m] += v
			seen[m] = true
		}
	}
	for _, i := range h.cols {
		c, v := cols[i], vals[i]
		switch c.role {
		case pmCPU:
			add(model.CPUBusyPct, math.Min(v, 100))
		case pmMemAvail:
			if h.memTotal > 0 && !math.IsNaN(v) {
				add(model.MemUsedBytes, math.Max(0, h.memTotal-v*c.scale))
			}
		case pmDiskRead, pmDiskWrite, pmDiskReads, pmDiskWrites:
			if c.total != h.hasDiskTot {
				continue
			}
			if !c.total {
				h.h.disks[c.instance] = true
			}
			m := map[pmRole]model.Metric{pmDiskRead: model.DiskReadBytesPerSec, pmDiskWrite: model.DiskWriteBytesPerSec,
				pmDiskReads: model.DiskReadIOPS, pmDiskWrites: model.DiskWriteIOPS}[c.role]
			add(m, v)
		case pmNetRx, pmNetTx:
			if c.adapter == h.hasIface || netSkipRE.MatchString(c.instance) {
				continue
			}
			h.h.nics[c.instance] = true
			if c.role == pmNetRx {
				add(model.NetRxBytesPerSec, v)
			} else {
				add(model.NetTxBytesPerSec, v)
			}
		}
	}
	for m, v := range sums {
		if seen[m] {
			x.Set(m, v, v)
		}
	}
	if used, ok := pi.drives(h, cols, vals); ok {
		x.Set(model.FSUsedBytes, used, used)
	}
	if h.memTotal > 0 {
		x.Set(model.MemTotalBytes, h.memTotal, h.memTotal)
	}
	return pi.hs.write(h.h, x, fmt.Sprintf("%s:%d", path, line))
}

// drives updates the host's filesystems from the logical disks of one row
// and returns their used bytes, summed; ok is false when a drive has no
// usable values in the row (the sum would be short).
func (pi *perfmonImport) drives(h *pmHost, cols []pmColumn, vals []float64) (sum float64, ok bool) {
	ok = len(h.drives) > 0
	for _, d := range h.drives {
		if d.freeCol < 0 || d.pctCol < 0 {
			continue
		}
		fs := h.h.fs[d.name]
		size, used, good := driveUsage(vals[d.freeCol]*cols[d.freeCol].scale, vals[d.pctCol], float64(fs.SizeBytes))
		if !good {
			ok = false
			continue
		}
		h.h.setFS(model.Filesystem{Mount: d.name, SizeBytes: int64(size), UsedBytes: int64(used)})
		sum += used
	}
	return sum, ok
}
