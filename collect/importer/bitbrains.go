package importer

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// bitbrainsColumns are the header names of a GWA-T-12 file, in order. They
// also name the field in parse errors.
var bitbrainsColumns = [bitbrainsNumCols]string{
	"Timestamp [ms]",
	"CPU cores",
	"CPU capacity provisioned [MHZ]",
	"CPU usage [MHZ]",
	"CPU usage [%]",
	"Memory capacity provisioned [KB]",
	"Memory usage [KB]",
	"Disk read throughput [KB/s]",
	"Disk write throughput [KB/s]",
	"Network received throughput [KB/s]",
	"Network transmitted throughput [KB/s]",
}

// Column indexes into bitbrainsColumns.
const (
	bbTime = iota
	bbCores
	bbCPUCapMHz
	bbCPUUsageMHz
	bbCPUUsagePct
	bbMemCapKB
	bbMemUsageKB
	bbDiskReadKBps
	bbDiskWriteKBps
	bbNetRxKBps
	bbNetTxKBps
	bitbrainsNumCols
)

const (
	// bitbrainsStep is the trace's documented sampling interval. Observed
	// gaps are 299-301 s, with longer gaps where data is missing.
	bitbrainsStep = 300 * time.Second

	// kib is the size of the trace's "KB". Shen et al. (CCGrid 2015) and the
	// archive's README give memory in KB and throughput in KB/s without
	// saying which KB. Provisioned memory is an exact power of two in KB
	// (2097152 KB = 2 GiB, 4194304 KB = 4 GiB, 8388608 KB = 8 GiB), which
	// only makes sense with KB = 1024 bytes. We use 1024 for every KB column,
	// throughput included, on the assumption that one monitoring system used
	// one unit (if it meant 1000 there, throughput is 2.4 % high).
	kib = 1024

	// maxTraceValue bounds every value: larger is a corrupt file (and,
	// times 1024, would not fit the dataset's value range).
	maxTraceValue = 1e15
	// maxUnixSeconds is 9999-12-31T23:59:59Z.
	maxUnixSeconds = 253402300799
)

// bitbrainsRow is one parsed line of a GWA-T-12 file.
type bitbrainsRow struct {
	// Time is the start of the interval, Unix seconds (the header says
	// "[ms]", but the values are seconds).
	Time  int64
	Cores int
	// Values holds the float columns, indexed like bitbrainsColumns
	// (bbCPUCapMHz ... bbNetTxKBps; lower indexes are unused).
	Values [bitbrainsNumCols]float64
}

// parseBitbrainsLine parses one data line: 11 fields separated by ';'
// (the files use ";\t"; surrounding blanks are ignored). A trailing ';' is
// tolerated. Errors are *fieldError naming the column.
func parseBitbrainsLine(line string) (bitbrainsRow, error) {
	var r bitbrainsRow
	rest := line
	for i := 0; i < bitbrainsNumCols; i++ {
		if i > 0 {
			var ok bool
			_, rest, ok = strings.Cut(rest, ";")
			if !ok {
				return r, &fieldError{bitbrainsColumns[i], fmt.Errorf("missing: line has %d fields, want %d", i, bitbrainsNumCols)}
			}
		}
		f := rest
		if j := strings.IndexByte(rest, ';'); j >= 0 {
			f = rest[:j]
		}
		f = strings.TrimSpace(f)
		var err error
		switch i {
		case bbTime:
			r.Time, err = parseUnixSeconds(f)
		case bbCores:
			r.Cores, err = parseCores(f)
		default:
			r.Values[i], err = parseTraceValue(f)
		}
		if err != nil {
			return r, &fieldError{bitbrainsColumns[i], err}
		}
	}
	if _, extra, ok := strings.Cut(rest, ";"); ok && strings.TrimSpace(extra) != "" {
		n := bitbrainsNumCols + 1 + strings.Count(extra, ";")
		return r, &fieldError{bitbrainsColumns[bitbrainsNumCols-1], fmt.Errorf("followed by extra fields: line has %d fields, want %d", n, bitbrainsNumCols)}
	}
	return r, nil
}

func parseUnixSeconds(f string) (int64, error) {
	t, err := strconv.ParseInt(f, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number of Unix seconds", f)
	}
	if t <= 0 || t > maxUnixSeconds {
		return 0, fmt.Errorf("%d is out of range for Unix seconds (milliseconds?)", t)
	}
	return t, nil
}

func parseCores(f string) (int, error) {
	v, err := strconv.ParseFloat(f, 64)
	if err != nil || v != math.Trunc(v) || v < 0 || v > 1<<16 {
		return 0, fmt.Errorf("%q is not a whole number of cores in 0..65536", f)
	}
	return int(v), nil
}

func parseTraceValue(f string) (float64, error) {
	v, err := strconv.ParseFloat(f, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange), math.IsNaN(v):
		return 0, fmt.Errorf("%q is not a number", f)
	case v < 0:
		return 0, fmt.Errorf("%q is negative", f)
	case v > maxTraceValue: // includes +Inf and overflow
		return 0, fmt.Errorf("%q is out of range (above %g)", f, maxTraceValue)
	}
	return v, nil
}

// formatBitbrainsLine is the inverse of parseBitbrainsLine (used by tests):
// it writes every value with the shortest representation that parses back
// to the same float64.
func formatBitbrainsLine(r bitbrainsRow) string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(r.Time, 10))
	b.WriteString(";\t")
	b.WriteString(strconv.Itoa(r.Cores))
	for i := bbCPUCapMHz; i < bitbrainsNumCols; i++ {
		b.WriteString(";\t")
		b.WriteString(strconv.FormatFloat(r.Values[i], 'g', -1, 64))
	}
	return b.String()
}

// Bitbrains imports GWA-T-12 Bitbrains VM traces (the "Rnd" and
// "fastStorage" sets, one CSV file per VM) into the dataset at out, adding
// one server per file. See the package documentation for the format and how
// its columns map onto metrics.
//
// Rows with "CPU cores" = 0 (a VM that is not running or not provisioned)
// and rows whose timestamp is not after the previous kept row are dropped
// and counted in one warning per file; a file with no row left is skipped.
// A malformed line is an error "FILE:LINE: field COLUMN: problem"
// (*model.SampleParseError) and nothing is written.
func Bitbrains(files []string, out string, opts Options) (Summary, error) {
	r, err := newRun(files, opts)
	if err != nil {
		return Summary{}, err
	}
	return r.do(out, r.bitbrainsFile)
}

// bitbrainsImport is the state of importing one file.
type bitbrainsImport struct {
	r    *run
	path string
	name string // wanted server ID, before UniqueID
	id   string // server ID
	sw   *dataset.ServerWriter

	pending    bitbrainsRow
	hasPending bool
	lastEnd    time.Time

	zeroCores, zeroCoresLine int // rows dropped for CPU cores = 0
	notAfter, notAfterLine   int // rows dropped for a repeated or earlier timestamp
	clamped, clampedLine     int // CPU usage [%] above 100
	maxPct                   float64

	cores, mhzPerCore, memKB modeCounter
	coreRange, memRange      minMax
}

func (r *run) bitbrainsFile(path string) error {
	b := &bitbrainsImport{r: r, path: path}
	b.name = "bitbrains-" + parentName(path) + "-" + strings.TrimSuffix(filepath.Base(path), ".csv")
	header := false
	err := r.lines(path, func(n int, line string) error {
		if !header {
			if strings.TrimSpace(line) == "" {
				return nil
			}
			header = true
			return checkBitbrainsHeader(path, n, line)
		}
		if strings.TrimSpace(line) == "" {
			return nil // blank lines carry no data; timestamps are explicit
		}
		row, err := parseBitbrainsLine(line)
		if err != nil {
			return lineError(path, n, err)
		}
		return b.add(n, row)
	})
	if err != nil {
		return err
	}
	switch {
	case !header:
		r.skip(path, "empty file")
		return nil
	case b.sw == nil && b.zeroCores > 0:
		r.skip(path, fmt.Sprintf("no usable rows: all %d rows have CPU cores = 0", b.zeroCores))
		return nil
	case b.sw == nil:
		r.skip(path, "no data rows after the header")
		return nil
	}
	if err := b.flush(b.pending.Time + int64(bitbrainsStep/time.Second)); err != nil {
		return err
	}
	b.warnings()
	if err := b.sw.Close(); err != nil { // one open file at a time, however many servers
		return err
	}
	return dataset.WriteInventory(b.sw.Dir, b.inventory())
}

func checkBitbrainsHeader(path string, n int, line string) error {
	got := strings.Split(line, ";")
	for i, want := range bitbrainsColumns {
		if i >= len(got) {
			return &model.SampleParseError{File: path, Line: n, Field: want, Err: errors.New("missing from the header (not a GWA-T-12 Bitbrains file?)")}
		}
		if g := strings.TrimSpace(got[i]); !strings.EqualFold(g, want) {
			return &model.SampleParseError{File: path, Line: n, Field: want, Err: fmt.Errorf("header has %q in its place (not a GWA-T-12 Bitbrains file?)", g)}
		}
	}
	if len(got) > bitbrainsNumCols && strings.TrimSpace(strings.Join(got[bitbrainsNumCols:], "")) != "" {
		return &model.SampleParseError{File: path, Line: n, Field: bitbrainsColumns[bitbrainsNumCols-1], Err: fmt.Errorf("header has %d columns after it, want none", len(got)-bitbrainsNumCols)}
	}
	return nil
}

// add takes the next data row. The previous row is written now that its
// interval can be bounded by this row's start.
func (b *bitbrainsImport) add(n int, row bitbrainsRow) error {
	if row.Cores == 0 {
		if b.zeroCores == 0 {
			b.zeroCoresLine = n
		}
		b.zeroCores++
		return nil
	}
	if b.hasPending && row.Time <= b.pending.Time {
		if b.notAfter == 0 {
			b.notAfterLine = n
		}
		b.notAfter++
		return nil
	}
	if pct := row.Values[bbCPUUsagePct]; pct > 100 {
		if b.clamped == 0 {
			b.clampedLine = n
		}
		b.clamped++
		b.maxPct = math.Max(b.maxPct, pct)
	}
	b.cores.add(float64(row.Cores))
	b.coreRange.add(float64(row.Cores))
	if c := row.Values[bbCPUCapMHz]; c > 0 {
		b.mhzPerCore.add(c / float64(row.Cores))
	}
	if m := row.Values[bbMemCapKB]; m > 0 {
		b.memKB.add(m)
		b.memRange.add(m)
	}
	if b.sw == nil {
		// The inventory is rewritten with the real figures at the end.
		sw, id, err := b.r.addServer(b.path, b.name, model.Inventory{Source: "import:bitbrains"})
		if err != nil {
			return err
		}
		b.sw, b.id = sw, id
	}
	if err := b.flush(row.Time); err != nil {
		return err
	}
	b.pending, b.hasPending = row, true
	return nil
}

// flush writes the pending row, whose interval lasts the nominal 300 s or
// until next (Unix seconds) if that is sooner, so intervals never overlap.
func (b *bitbrainsImport) flush(next int64) error {
	if !b.hasPending {
		return nil
	}
	iv := bitbrainsStep
	if gap := time.Duration(next-b.pending.Time) * time.Second; gap < iv {
		iv = gap
	}
	x := bitbrainsSample(b.pending, iv)
	if err := b.sw.Write(x); err != nil {
		return fmt.Errorf("%s: %w", b.path, err)
	}
	b.r.sum.Samples++
	b.lastEnd = endOf(x)
	b.hasPending = false
	return nil
}

// bitbrainsSample converts a row. The trace keeps only interval averages,
// so max = mean for every metric.
//
// CPU: the "CPU usage [%]" column is used. It is documented as a percentage
// of the provisioned capacity and, over every row of the files we checked
// (Rnd 2013-7 and the fastStorage sample), equals
// 100 × "CPU usage [MHZ]" / "CPU capacity provisioned [MHZ]" to within
// 2e-14, so both give the same figure; the % column also stays defined when
// the capacity is 0. Values above 100 are clamped (and counted in a warning).
func bitbrainsSample(r bitbrainsRow, iv time.Duration) model.Sample {
	x := model.NewSample(time.Unix(r.Time, 0), iv)
	set := func(m model.Metric, v float64) { x.Set(m, v, v) }
	set(model.CPUBusyPct, math.Min(r.Values[bbCPUUsagePct], 100))
	set(model.MemUsedBytes, r.Values[bbMemUsageKB]*kib)
	if c := r.Values[bbMemCapKB]; c > 0 { // 0 = not reported: leave unmeasured
		set(model.MemTotalBytes, c*kib)
	}
	set(model.DiskReadBytesPerSec, r.Values[bbDiskReadKBps]*kib)
	set(model.DiskWriteBytesPerSec, r.Values[bbDiskWriteKBps]*kib)
	set(model.NetRxBytesPerSec, r.Values[bbNetRxKBps]*kib)
	set(model.NetTxBytesPerSec, r.Values[bbNetTxKBps]*kib)
	return x
}

func (b *bitbrainsImport) warnings() {
	if b.zeroCores > 0 {
		b.r.warn(fmt.Errorf("%s: dropped %d rows with CPU cores = 0 (VM not running), first at line %d", b.path, b.zeroCores, b.zeroCoresLine))
	}
	if b.notAfter > 0 {
		b.r.warn(fmt.Errorf("%s: dropped %d rows whose timestamp is not after the previous row's, first at line %d", b.path, b.notAfter, b.notAfterLine))
	}
	if b.clamped > 0 {
		b.r.warn(fmt.Errorf("%s: CPU usage [%%] above 100 clamped to 100 in %d rows (max %g), first at line %d", b.path, b.clamped, b.maxPct, b.clampedLine))
	}
}

func (b *bitbrainsImport) inventory() model.Inventory {
	inv := model.Inventory{
		Hostname:    b.id,
		IsVM:        true,
		Source:      "import:bitbrains",
		SourceFiles: []string{b.path},
		UpdatedAt:   b.lastEnd,
		Notes: []string{
			"source keeps only 5-minute averages: interval max equals mean",
			"not in the source: OS, CPU model, disks, NICs, disk IOPS, CPU score",
			"cores, cpu_mhz and mem_total_bytes are the most frequent provisioned values; cpu_mhz = provisioned MHz / cores",
			"trace KB taken as 1024 bytes (memory and throughput)",
			"updated_at is the end of the last sample",
			noStorageNote,
		},
	}
	cores := int(b.cores.mode())
	inv.Cores, inv.Threads = cores, cores
	if mhz := b.mhzPerCore.mode(); !math.IsNaN(mhz) {
		inv.CPUMHz = mhz
	}
	if kb := b.memKB.mode(); !math.IsNaN(kb) {
		inv.MemTotalBytes = int64(math.Round(kb * kib))
	}
	if b.coreRange.min != b.coreRange.max {
		inv.Notes = append(inv.Notes, fmt.Sprintf("CPU cores changed during the trace (%g to %g)", b.coreRange.min, b.coreRange.max))
	}
	if b.memRange.n > 0 && b.memRange.min != b.memRange.max {
		inv.Notes = append(inv.Notes, fmt.Sprintf("provisioned memory changed during the trace (%.0f to %.0f KB); mem_total_bytes in the samples follows it", b.memRange.min, b.memRange.max))
	}
	return inv
}
