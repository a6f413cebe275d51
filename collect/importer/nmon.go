package importer

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/collect"
	"github.com/kvmfit/kvmfit/model"
)

// NmonOptions configure the nmon importer.
type NmonOptions struct {
	Options
	// Location is the time zone of the ZZZZ times, which nmon records in
	// local time without a zone. nil = not given: the times are read as
	// UTC, the inventory says the zone is assumed and Warn says so once
	// per file.
	Location *time.Location
}

// Nmon imports nmon recordings ("spreadsheet" format, Linux and AIX; plain
// or gzipped) into the dataset at out: one server per host (AAA,host), so
// that daily files of one host continue one server. Give the files of a
// host in time order.
//
//	cpu_busy_pct     100 − Idle% − Wait% of CPU_ALL
//	mem_total_bytes  MEM memtotal (Linux) or "Real total(MB)" (AIX), × 2^20
//	mem_used_bytes   Linux: memtotal − memfree − cached − buffers;
//	                 AIX: total × (Process% + System%) / 100 of MEMNEW (no file
//	                 cache), or total − "Real free(MB)" without MEMNEW
//	disk_*_bytes     DISKREAD / DISKWRITE KB/s × 1024 summed over whole disks
//	                 (no partitions, dm-, loop, md)
//	disk_*_iops      DISKXFER of the same disks, split between reads and writes
//	                 in proportion to the bytes (nmon has no per-direction count)
//	net_*            NET <if>-read-KB/s, <if>-write-KB/s × 1024 over every
//	                 interface but lo
//	fs_used_bytes    JFSFILE %Used × the filesystem's size, summed over the
//	                 local filesystems whose size the file's configuration
//	                 section gives (BBBP df -m, as Linux nmon records it)
//
// The inventory lists the JFSFILE filesystems that are local (by their type
// in the BBBP mount output, as the collector's rule) with the size of df -m
// and the used bytes of the last snapshot; without df -m (AIX nmon) they
// are listed without sizes, and a note says that nmon gave percentages
// only. Disk sizes come from BBBP /proc/partitions (Linux) or BBBB (AIX).
//
// A sample is the snapshot ending at its ZZZZ time; it starts at the previous
// snapshot (the first one at AAA time/date, or one AAA interval earlier).
// nmon keeps averages over each snapshot only: max = mean.
func Nmon(files []string, out string, opts NmonOptions) (Summary, error) {
	r, err := newRun(files, opts.Options)
	if err != nil {
		return Summary{}, err
	}
	hs := newHostSet(r, "import:nmon")
	lt := newLocalTimes(r, opts.Location, "nmon ZZZZ lines")
	ni := &nmonImport{r: r, hs: hs, lt: lt, loc: lt.loc, meta: map[string]*nmonMeta{}}
	return r.do(out, ni.file, func() error { return hs.finish(ni.fill) })
}

type nmonMeta struct {
	os, cpuModel       string
	cpus, cores, chips int
	mhz                float64
	family             string
	tz                 string
	serial, lpar       string // AAA,SerialNumber and the LPAR number of AAA,LPARNumberName
	// diskBytes holds the disk sizes of the configuration section.
	diskBytes map[string]int64
}

type nmonImport struct {
	r    *run
	hs   *hostSet
	lt   *localTimes
	loc  *time.Location
	meta map[string]*nmonMeta
}

func (ni *nmonImport) fill(h *hostState, inv *model.Inventory) {
	m := ni.meta[h.name]
	if m == nil {
		return
	}
	inv.OS, inv.OSFamily, inv.CPUModel, inv.CPUMHz = m.os, m.family, m.cpuModel, m.mhz
	inv.Threads, inv.Cores, inv.Sockets = m.cpus, m.cores, m.chips
	inv.MachineID = nmonMachineID(m.serial, m.lpar)
	if inv.Cores == 0 {
		inv.Cores = m.cpus
	}
	if mt := h.lastMemTotal; mt > 0 {
		inv.MemTotalBytes = int64(math.Round(mt))
	}
	for i, d := range inv.Disks {
		inv.Disks[i].SizeBytes = m.diskBytes[d.Name]
	}
	notIn := "not in the source: NIC speeds"
	if len(m.diskBytes) == 0 {
		notIn = "not in the source: disk sizes, NIC speeds"
	}
	inv.Notes = append(inv.Notes,
		"nmon keeps snapshot averages only: interval max equals mean",
		"cpu_busy_pct = 100 − Idle% − Wait% of CPU_ALL",
		m.tz,
		"disk IOPS: DISKXFER of whole disks split between reads and writes in proportion to KB read and written (nmon has no per-direction count)",
		notIn)
	switch {
	case len(inv.Filesystems) == 0:
		noteNoStorage(inv)
	case slices.ContainsFunc(inv.Filesystems, func(f model.Filesystem) bool { return f.SizeBytes == 0 }):
		inv.Notes = append(inv.Notes, "nmon gives filesystem percentages only (JFSFILE %Used) and this file has no df -m output: filesystems without a size have no used bytes, and fs_used_bytes counts only those with one")
	default:
		inv.Notes = append(inv.Notes, "filesystems: sizes from the df -m output of the configuration section, used bytes = size × JFSFILE %Used of the last snapshot")
	}
}

// nmonMachineID is the machine ID of an nmon file's serial number (IBM
// Power: the frame's, shared by its LPARs, so the LPAR number is part of
// it); "" without one.
func nmonMachineID(serial, lpar string) string {
	serial = strings.TrimSpace(serial)
	if serial == "" {
		return ""
	}
	if lpar = strings.TrimSpace(lpar); lpar != "" && lpar != "-1" {
		return "ibm-serial:" + serial + "/lpar:" + lpar
	}
	return "ibm-serial:" + serial
}

// nmonFS is a filesystem of the configuration section (BBBP df -m and
// mount output).
type nmonFS struct {
	device, fsType string
	sizeBytes      float64 // 0 = unknown
	usedBytes      float64
}

// nmonSection is the header of one section (CPU_ALL, MEM, DISKREAD2, ...).
type nmonSection struct {
	cols []string // column names after the section and tag fields
}

// nmonSnap is one snapshot being gathered.
type nmonSnap struct {
	tag   string
	end   time.Time
	line  int
	vals  map[string][]string // section name → values
	lines map[string]int      // section name → line number
	order []string            // section names in the order of the file
}

var nmonDiskSection = regexp.MustCompile(`^(DISKREAD|DISKWRITE|DISKXFER)(\d*)$`)

// nmonFile is the state of one file.
type nmonFile struct {
	ni       *nmonImport
	path     string
	host     string
	meta     *nmonMeta
	date     string
	aaaTime  string
	interval time.Duration
	sections map[string]*nmonSection
	snap     *nmonSnap
	prevEnd  time.Time
	h        *hostState
	// fs holds the filesystems of the configuration section by mount point.
	fs map[string]*nmonFS
	// prevCounts holds the number of values of each wanted section in the
	// last snapshot written, against which the file's last one is checked.
	prevCounts map[string]int
	prevOrder  []string
	// dupMount holds the mount points that repeat another's device (bind
	// mounts): the shortest mount of a device is counted, as the collector
	// does. Computed at the first JFSFILE data, after the configuration.
	dupMount map[string]bool
}

func (ni *nmonImport) file(path string) error {
	nf := &nmonFile{ni: ni, path: path, sections: map[string]*nmonSection{}, meta: &nmonMeta{family: "linux", diskBytes: map[string]int64{}}, fs: map[string]*nmonFS{}}
	sawAAA := false
	lastLine := 0
	cutLine, err := ni.r.linesCut(path, true, func(n int, line string) error {
		lastLine = n
		line = strings.TrimRight(line, "\r")
		if line == "" {
			return nil
		}
		f := strings.Split(line, ",")
		sec := f[0]
		switch {
		case sec == "AAA":
			sawAAA = true
			return nf.aaa(n, f)
		case sec == "BBBP":
			nf.bbbp(line)
			return nil
		case sec == "BBBB":
			nf.bbbb(f)
			return nil
		case strings.HasPrefix(sec, "BBB"), sec == "TOP", sec == "UARG":
			return nil
		case sec == "ZZZZ":
			return nf.zzzz(n, f)
		}
		if !sawAAA {
			return &model.SampleParseError{File: path, Line: n, Field: "AAA", Err: errors.New("no AAA header lines before the data (not an nmon file?)")}
		}
		if len(f) < 2 {
			return nil
		}
		if !isNmonTag(f[1]) {
			// A section header: CPU_ALL,CPU Total host,User%,...
			cols := f[2:]
			nf.sections[sec] = &nmonSection{cols: cols}
			return nil
		}
		if nf.snap == nil || f[1] != nf.snap.tag {
			if nf.snap == nil {
				return &model.SampleParseError{File: path, Line: n, Field: sec, Err: fmt.Errorf("snapshot %s before its ZZZZ line (a file sorted with sort(1)? import the original)", f[1])}
			}
			return &model.SampleParseError{File: path, Line: n, Field: sec, Err: fmt.Errorf("snapshot %s inside snapshot %s (a sorted or merged file? import the original)", f[1], nf.snap.tag)}
		}
		if wanted(sec) {
			if _, seen := nf.snap.vals[sec]; !seen {
				nf.snap.order = append(nf.snap.order, sec)
			}
			nf.snap.vals[sec] = f[2:]
			nf.snap.lines[sec] = n
		}
		return nil
	})
	if err != nil {
		return err
	}
	if why := nf.incomplete(cutLine); why != "" {
		at := lastLine
		if cutLine > 0 {
			at = cutLine
		}
		ni.r.warn(fmt.Errorf("%s:%d: the file is truncated: %s", path, at, why))
		if nf.h != nil {
			nf.h.truncatedAt(fmt.Sprintf("%s is truncated at line %d: %s", path, at, why))
		}
	}
	if nf.snap != nil {
		if err := nf.flush(); err != nil {
			return err
		}
	}
	if nf.h == nil {
		ni.r.skip(path, "no nmon snapshots (ZZZZ lines)")
	}
	return nil
}

func wanted(sec string) bool {
	switch sec {
	case "CPU_ALL", "MEM", "MEMNEW", "NET", "JFSFILE":
		return true
	}
	return nmonDiskSection.MatchString(sec)
}

func isNmonTag(s string) bool {
	if len(s) < 2 || s[0] != 'T' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (nf *nmonFile) aaa(n int, f []string) error {
	if len(f) < 3 {
		return nil
	}
	v := strings.TrimSpace(f[2])
	m := nf.meta
	switch f[1] {
	case "host":
		nf.host = v
	case "date":
		nf.date = v
	case "time":
		nf.aaaTime = v
	case "interval":
		s, err := strconv.Atoi(v)
		if err != nil || s <= 0 || s > 86400 {
			return &model.SampleParseError{File: nf.path, Line: n, Field: "AAA,interval", Err: fmt.Errorf("%q is not a number of seconds in 1..86400", v)}
		}
		nf.interval = time.Duration(s) * time.Second
	case "cpus":
		m.cpus, _ = strconv.Atoi(v)
	case "SerialNumber":
		m.serial = v
	case "LPARNumberName":
		m.lpar = v
	case "OS":
		m.os = strings.TrimSpace(strings.Join(f[2:min(4, len(f))], " "))
	case "AIX":
		m.os, m.family = "AIX "+v, "aix"
	case "x86":
		if len(f) >= 4 {
			w := strings.TrimSpace(f[3])
			switch v {
			case "ModelName":
				m.cpuModel = w
			case "MHz":
				m.mhz, _ = strconv.ParseFloat(w, 64)
			case "Cores":
				m.cores, _ = strconv.Atoi(w)
			case "ProcessorChips":
				m.chips, _ = strconv.Atoi(w)
			}
		}
	}
	return nil
}

// parseNmonTime parses ZZZZ time and date: 10:24:26 and 18-AUG-2015.
func parseNmonTime(clock, date string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation("15:04:05 02-Jan-2006", strings.TrimSpace(clock)+" "+titleMonth(strings.TrimSpace(date)), loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q %q is not a time HH:MM:SS DD-MON-YYYY", clock, date)
	}
	return t, nil
}

// titleMonth turns 18-AUG-2015 into 18-Aug-2015 for time.Parse.
func titleMonth(d string) string {
	p := strings.Split(d, "-")
	if len(p) == 3 && len(p[1]) == 3 {
		p[1] = p[1][:1] + strings.ToLower(p[1][1:])
	}
	return strings.Join(p, "-")
}

func (nf *nmonFile) zzzz(n int, f []string) error {
	if nf.snap != nil {
		if err := nf.flush(); err != nil {
			return err
		}
	}
	if len(f) < 4 {
		return &model.SampleParseError{File: nf.path, Line: n, Field: "ZZZZ", Err: errors.New("want ZZZZ,Tnnnn,HH:MM:SS,DD-MON-YYYY")}
	}
	end, err := parseNmonTime(f[2], f[3], nf.ni.loc)
	if err == nil {
		err = checkTime(end.Add(-24 * time.Hour))
	}
	if err != nil {
		return &model.SampleParseError{File: nf.path, Line: n, Field: "ZZZZ", Err: err}
	}
	// A wall clock that came twice (daylight saving time ends) is the first
	// instant after the previous snapshot.
	if t2, ok := instantAfter(end, nf.prevEnd, nf.ni.loc); ok && !nf.prevEnd.IsZero() {
		end = t2
	} else {
		end = firstInstant(end, nf.ni.loc)
	}
	if nf.host == "" {
		return &model.SampleParseError{File: nf.path, Line: n, Field: "AAA,host", Err: errors.New("no AAA,host line before the first snapshot")}
	}
	if nf.prevEnd.IsZero() {
		// First snapshot: from the start of the recording (AAA time and
		// date, "10:24.25") if it is earlier, else one interval.
		start := time.Time{}
		if nf.aaaTime != "" && nf.date != "" {
			if t, err := parseNmonTime(strings.Replace(nf.aaaTime, ".", ":", 1), nf.date, nf.ni.loc); err == nil {
				if t = firstInstant(t, nf.ni.loc); t.Before(end) && end.Sub(t) <= 24*time.Hour {
					start = t
				}
			}
		}
		if start.IsZero() && nf.interval > 0 {
			start = end.Add(-nf.interval)
		}
		nf.prevEnd = start
	}
	nf.snap = &nmonSnap{tag: strings.TrimSpace(f[1]), end: end, line: n, vals: map[string][]string{}, lines: map[string]int{}}
	return nil
}

// col finds a column of a section by name (case-insensitive), -1 if none.
func (nf *nmonFile) col(sec, name string) int {
	s := nf.sections[sec]
	if s == nil {
		return -1
	}
	for i, c := range s.cols {
		if strings.EqualFold(strings.TrimSpace(c), name) {
			return i
		}
	}
	return -1
}

// value returns the number in column name of section sec of the snapshot:
// NaN when the section or column is absent or the field blank.
func (nf *nmonFile) value(sec, name string) (float64, error) {
	i := nf.col(sec, name)
	vals := nf.snap.vals[sec]
	if i < 0 || i >= len(vals) {
		return math.NaN(), nil
	}
	return nf.num(sec, nf.sections[sec].cols[i], vals[i])
}

func (nf *nmonFile) num(sec, col, s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v > maxTraceValue {
		return 0, &model.SampleParseError{File: nf.path, Line: nf.snap.lines[sec], Field: sec + " " + col, Err: fmt.Errorf("%q in snapshot %s is not a number", s, nf.snap.tag)}
	}
	// nmon writes -0.0 and -1.0 for "not available" (MEM hightotal, bigfree).
	if v < 0 {
		return math.NaN(), nil
	}
	return v, nil
}

// incomplete says how the file's end is cut off, or "": a last line
// without its end-of-line (cutLine > 0, dropped), and a last snapshot that
// stops short of the one before — nmon writes the sections of every
// snapshot in the same order, so a cut one has only the first of them, or
// fewer values in its last — which is then dropped (its values may be cut
// too). nmon ends a run with a ZZZZ line without data, which is not a
// truncation.
func (nf *nmonFile) incomplete(cutLine int) string {
	var why []string
	if cutLine > 0 {
		why = append(why, fmt.Sprintf("it ends inside line %d, which is dropped", cutLine))
	}
	s := nf.snap
	if s == nil || len(s.order) == 0 || len(nf.prevOrder) == 0 {
		return strings.Join(why, "; ")
	}
	var lacks []string
	o, prev := s.order, nf.prevOrder
	if last := o[len(o)-1]; len(s.vals[last]) < nf.prevCounts[last] {
		lacks = append(lacks, fmt.Sprintf("%s has %d of %d values", last, len(s.vals[last]), nf.prevCounts[last]))
	}
	if len(o) < len(prev) && slices.Equal(o, prev[:len(o)]) {
		lacks = append(lacks, "no "+strings.Join(prev[len(o):], ", "))
	}
	if len(lacks) > 0 {
		why = append(why, fmt.Sprintf("its last snapshot %s (ZZZZ at line %d) is incomplete (%s), so it is dropped", s.tag, s.line, strings.Join(lacks, "; ")))
		nf.snap = nil
	}
	return strings.Join(why, "; ")
}

// flush writes the snapshot being gathered as one sample of the file's
// host, filled by the CPU, memory, disk and network steps.
func (nf *nmonFile) flush() error {
	s := nf.snap
	defer func() { nf.snap = nil }()
	if err := nf.attachHost(); err != nil {
		return err
	}
	prev := nf.prevEnd
	iv := s.end.Sub(prev)
	nf.prevEnd = s.end
	if len(s.vals) == 0 {
		return nil // a last ZZZZ line without data (nmon stopped)
	}
	nf.prevCounts, nf.prevOrder = map[string]int{}, s.order
	for sec, v := range s.vals {
		nf.prevCounts[sec] = len(v)
	}
	badIv := prev.IsZero() || iv < time.Second || iv > 24*time.Hour
	if badIv {
		iv = time.Second // parse the values all the same, so that errors surface
	}
	x := model.NewSample(s.end.Add(-iv), iv)
	for _, fill := range []func(*model.Sample) error{nf.cpu, nf.mem, nf.disks, nf.net, nf.jfs} {
		if err := fill(&x); err != nil {
			return err
		}
	}
	if badIv {
		nf.h.badInterval++
		return nil
	}
	return nf.ni.hs.write(nf.h, x, fmt.Sprintf("%s:%d", nf.path, s.line))
}

// attachHost gives the file its server at its first snapshot (the host of
// AAA,host), and keeps the first file's metadata for the host.
func (nf *nmonFile) attachHost() error {
	if nf.h != nil {
		if len(nf.h.files) == 0 || nf.h.files[len(nf.h.files)-1] != nf.path {
			nf.h.files = append(nf.h.files, nf.path)
		}
		return nil
	}
	h, err := nf.ni.hs.get(nf.path, nf.host)
	if err != nil {
		return err
	}
	nf.h = h
	nf.ni.lt.used(nf.path, h)
	if nf.ni.meta[nf.host] == nil {
		nf.meta.tz = nf.ni.lt.note()
		nf.ni.meta[nf.host] = nf.meta
	}
	return nil
}

// values returns the numbers in columns names of section sec of the
// snapshot (see value).
func (nf *nmonFile) values(sec string, names ...string) ([]float64, error) {
	out := make([]float64, len(names))
	for i, name := range names {
		v, err := nf.value(sec, name)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// cpu sets cpu_busy_pct = 100 − Idle% − Wait% of CPU_ALL.
func (nf *nmonFile) cpu(x *model.Sample) error {
	v, err := nf.values("CPU_ALL", "Idle%", "Wait%")
	if err != nil {
		return err
	}
	idle, wait := v[0], v[1]
	if !math.IsNaN(idle) {
		if math.IsNaN(wait) {
			wait = 0
		}
		setAverage(x, model.CPUBusyPct, math.Min(100, 100-idle-wait))
	}
	return nil
}

// mem sets the memory total and use from MEM (Linux: memtotal, memfree,
// cached, buffers; AIX: Real total and Real free) and, on AIX, MEMNEW.
func (nf *nmonFile) mem(x *model.Sample) error {
	m, err := nf.values("MEM", "memtotal", "memfree", "cached", "buffers", "Real total(MB)", "Real free(MB)")
	if err != nil {
		return err
	}
	memnew, err := nf.values("MEMNEW", "Process%", "System%")
	if err != nil {
		return err
	}
	total, free, cached, buffers, realTotal, realFree := m[0], m[1], m[2], m[3], m[4], m[5]
	proc, sys := memnew[0], memnew[1]
	const mb = 1 << 20
	switch {
	case !math.IsNaN(total): // Linux
		setAverage(x, model.MemTotalBytes, total*mb)
		if !math.IsNaN(free) {
			used := total - free
			for _, c := range []float64{cached, buffers} {
				if !math.IsNaN(c) {
					used -= c
				}
			}
			setAverage(x, model.MemUsedBytes, used*mb)
		}
	case !math.IsNaN(realTotal): // AIX
		setAverage(x, model.MemTotalBytes, realTotal*mb)
		if !math.IsNaN(proc) && !math.IsNaN(sys) {
			setAverage(x, model.MemUsedBytes, realTotal*(proc+sys)/100*mb)
			nf.h.note("mem_used_bytes = Real total × (Process% + System%) of MEMNEW (file cache excluded)")
		} else if !math.IsNaN(realFree) {
			setAverage(x, model.MemUsedBytes, (realTotal-realFree)*mb)
			nf.h.note("mem_used_bytes = Real total − Real free (no MEMNEW: includes the file cache)")
		}
	}
	if v := x.Mean[model.MemTotalBytes]; !math.IsNaN(v) {
		nf.h.lastMemTotal = v
	}
	return nil
}

// disks sums the whole disks of the DISKREAD, DISKWRITE and DISKXFER
// sections (DISKREAD1, ... continue them with their own columns), in
// section name order, and splits the transfers between reads and writes in
// proportion to the bytes.
func (nf *nmonFile) disks(x *model.Sample) error {
	s := nf.snap
	var rd, wr, xfer float64
	var haveRd, haveXfer bool
	for _, sec := range slices.Sorted(maps.Keys(s.vals)) {
		m := nmonDiskSection.FindStringSubmatch(sec)
		if m == nil {
			continue
		}
		cols := nf.sections[sec]
		if cols == nil {
			return &model.SampleParseError{File: nf.path, Line: s.line, Field: sec, Err: errors.New("data before the section header")}
		}
		err := nf.eachWholeDisk(sec, cols.cols, s.vals[sec], func(disk string, v float64) {
			switch m[1] {
			case "DISKREAD":
				rd += v * 1024
				haveRd = true
				nf.h.disks[disk] = true
			case "DISKWRITE":
				wr += v * 1024
			case "DISKXFER":
				xfer += v
				haveXfer = true
			}
		})
		if err != nil {
			return err
		}
	}
	if haveRd {
		setAverage(x, model.DiskReadBytesPerSec, rd)
		setAverage(x, model.DiskWriteBytesPerSec, wr)
	}
	if haveXfer {
		share := 0.5
		if rd+wr > 0 {
			share = rd / (rd + wr)
		}
		setAverage(x, model.DiskReadIOPS, xfer*share)
		setAverage(x, model.DiskWriteIOPS, xfer*(1-share))
	}
	return nil
}

// eachWholeDisk calls fn with every whole disk's value of a disk section
// with columns cols; blank values are skipped.
func (nf *nmonFile) eachWholeDisk(sec string, cols, vals []string, fn func(disk string, v float64)) error {
	present := map[string]bool{}
	for _, c := range cols {
		present[strings.TrimSpace(c)] = true
	}
	for i, c := range cols {
		c = strings.TrimSpace(c)
		if i >= len(vals) || c == "" || !isWholeDisk(c, present) {
			continue
		}
		v, err := nf.num(sec, c, vals[i])
		if err != nil {
			return err
		}
		if !math.IsNaN(v) {
			fn(c, v)
		}
	}
	return nil
}

// net sums NET's <if>-read-KB/s and <if>-write-KB/s over every interface
// but the loopback.
func (nf *nmonFile) net(x *model.Sample) error {
	net, vals := nf.sections["NET"], nf.snap.vals["NET"]
	if net == nil || vals == nil {
		return nil
	}
	var rx, tx float64
	for i, c := range net.cols {
		c = strings.TrimSpace(c)
		var ifc string
		var dst *float64
		switch {
		case strings.HasSuffix(c, "-read-KB/s"):
			ifc, dst = strings.TrimSuffix(c, "-read-KB/s"), &rx
		case strings.HasSuffix(c, "-write-KB/s"):
			ifc, dst = strings.TrimSuffix(c, "-write-KB/s"), &tx
		default:
			continue
		}
		if ifc == "lo" || ifc == "lo0" || i >= len(vals) {
			continue
		}
		v, err := nf.num("NET", c, vals[i])
		if err != nil {
			return err
		}
		if !math.IsNaN(v) {
			*dst += v * 1024
		}
		nf.h.nics[ifc] = true
	}
	setAverage(x, model.NetRxBytesPerSec, rx)
	setAverage(x, model.NetTxBytesPerSec, tx)
	return nil
}

// bbbp reads the lines of the configuration section that give storage:
// BBBP,NNN,COMMAND,"output line". "/bin/df-m" (df -m: Filesystem,
// 1M-blocks, Used, Available, Use%, Mounted on) gives sizes; "/bin/mount"
// ("DEV on MOUNT type TYPE (options)") gives types; "/proc/partitions"
// (major, minor, #blocks of 1 KiB, name) gives disk sizes. nmon writes
// "/dev/..." there as "ddev/...". Lines it cannot read are ignored: the
// section is free text.
func (nf *nmonFile) bbbp(line string) {
	f := strings.SplitN(line, ",", 4)
	if len(f) < 4 {
		return
	}
	text := strings.Fields(strings.Trim(strings.TrimSpace(f[3]), `"`))
	dev := func(s string) string {
		if strings.HasPrefix(s, "ddev/") {
			return "/dev/" + s[len("ddev/"):]
		}
		return s
	}
	switch strings.TrimSpace(f[2]) {
	case "/bin/df-m", "df-m", "df -m":
		if len(text) < 6 {
			return
		}
		size, err1 := strconv.ParseFloat(text[1], 64)
		used, err2 := strconv.ParseFloat(text[2], 64)
		if err1 != nil || err2 != nil || size <= 0 || used < 0 || size > maxFSBytes/(1<<20) {
			return // the header line, or a line df wrapped
		}
		fs := nf.fsAt(text[len(text)-1])
		fs.device, fs.sizeBytes, fs.usedBytes = dev(text[0]), size*(1<<20), math.Min(used, size)*(1<<20)
	case "/bin/mount", "mount":
		if len(text) >= 5 && text[1] == "on" && text[3] == "type" {
			fs := nf.fsAt(text[2])
			fs.fsType = text[4]
			if fs.device == "" {
				fs.device = dev(text[0])
			}
		}
	case "/proc/partitions":
		if len(text) == 4 {
			if kib, err := strconv.ParseFloat(text[2], 64); err == nil && kib > 0 && kib*1024 <= maxFSBytes {
				nf.meta.diskBytes[text[3]] = int64(kib * 1024)
			}
		}
	}
}

// bbbb reads AIX's disk list: BBBB,0001,hdisk0,68.37,SAS Disk Drive (size
// in GB of 2^30 bytes; the 0000 line is the header).
func (nf *nmonFile) bbbb(f []string) {
	if len(f) < 4 || strings.TrimSpace(f[1]) == "0000" {
		return
	}
	gb, err := strconv.ParseFloat(strings.TrimSpace(f[3]), 64)
	if name := strings.TrimSpace(f[2]); err == nil && name != "" && gb > 0 && gb*(1<<30) <= maxFSBytes {
		nf.meta.diskBytes[name] = int64(gb * (1 << 30))
	}
}

// fsAt returns the configuration's filesystem mounted at mount, adding it.
func (nf *nmonFile) fsAt(mount string) *nmonFS {
	fs := nf.fs[mount]
	if fs == nil {
		fs = &nmonFS{}
		nf.fs[mount] = fs
	}
	return fs
}

// nmonLocal reports whether the filesystem at mount is local. With its type
// known (mount output), the collector's rule decides; else the df device:
// a memory or pseudo filesystem shows its type there (tmpfs, devtmpfs), a
// network one a host (server:/export, //server/share).
func nmonLocal(mount string, fs *nmonFS) bool {
	if fs != nil && fs.fsType != "" {
		return collect.LocalFS(fs.fsType, mount)
	}
	if fs != nil && fs.device != "" {
		d := fs.device
		if strings.Contains(d, ":/") || strings.HasPrefix(d, "//") {
			return false
		}
		if !strings.HasPrefix(d, "/") {
			return collect.LocalFS(d, mount)
		}
	}
	return collect.LocalFS("unknown", mount) // the mount point rule only
}

// jfs sets fs_used_bytes from JFSFILE (%Used per mount point) and the
// sizes of the configuration section, and records the host's filesystems.
func (nf *nmonFile) jfs(x *model.Sample) error {
	sec, vals := nf.sections["JFSFILE"], nf.snap.vals["JFSFILE"]
	if sec == nil || vals == nil {
		return nil
	}
	if nf.dupMount == nil {
		nf.dupMount = map[string]bool{}
		first := map[string]string{} // device → its shortest mount
		for _, m := range slices.Sorted(maps.Keys(nf.fs)) {
			d := nf.fs[m].device
			if d == "" || !strings.HasPrefix(d, "/") {
				continue
			}
			if o, ok := first[d]; !ok || len(m) < len(o) {
				if ok {
					nf.dupMount[o] = true
				}
				first[d] = m
			} else {
				nf.dupMount[m] = true
			}
		}
	}
	var sum float64
	var sized int
	missing := false
	for i, mount := range sec.cols {
		mount = strings.TrimSpace(mount)
		if i >= len(vals) || mount == "" || nf.dupMount[mount] {
			continue
		}
		fs := nf.fs[mount]
		if !nmonLocal(mount, fs) {
			continue
		}
		pct, err := nf.num("JFSFILE", mount, vals[i])
		if err != nil {
			return err
		}
		out := model.Filesystem{Mount: mount}
		if fs != nil {
			out.Device, out.FSType = fs.device, fs.fsType
		}
		if fs == nil || fs.sizeBytes <= 0 {
			if _, seen := nf.h.fs[mount]; !seen {
				nf.h.setFS(out)
			}
			continue
		}
		out.SizeBytes = int64(fs.sizeBytes)
		out.UsedBytes = int64(fs.usedBytes)
		if !math.IsNaN(pct) && pct <= 100 {
			used := fs.sizeBytes * pct / 100
			out.UsedBytes = int64(used)
			sum += used
			sized++
		} else {
			missing = true // the sum would be short
		}
		nf.h.setFS(out)
	}
	if sized > 0 && !missing {
		setAverage(x, model.FSUsedBytes, sum)
	}
	return nil
}
