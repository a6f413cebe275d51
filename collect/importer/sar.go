package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// SarOptions configure the sar importer.
type SarOptions struct {
	Options
	// Location is the time zone of `sar -A` text, which prints local times
	// without a zone. nil = not given: the times are read as UTC, the
	// inventory says the zone is assumed and Warn says so once per file.
	// sadf output carries UTC and ignores it.
	Location *time.Location
	// Sadf is the sadf program used for binary files ("" = "sadf" on PATH).
	Sadf string
}

// ErrNoSadf is returned (wrapped) when a binary sa file is given and sadf is
// not installed.
var ErrNoSadf = errors.New("sadf (sysstat) is not installed")

// sarFormat is the kind of an input file.
type sarFormat int

const (
	sarBinary sarFormat = iota
	sarJSON
	sarSadfD
	sarText
)

func (f sarFormat) String() string {
	return [...]string{"binary sa file", "sadf -j", "sadf -d", "sar -A text"}[f]
}

// sniffSar looks at the first bytes of a file to tell its format.
func sniffSar(path string) (sarFormat, error) {
	f, err := openInput(path, nil)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return 0, err
	}
	buf = buf[:n]
	if bytes.IndexByte(buf, 0) >= 0 {
		return sarBinary, nil
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(buf, []byte("\ufeff")), " \t\r\n")
	switch {
	case bytes.HasPrefix(t, []byte("{")):
		return sarJSON, nil
	case bytes.HasPrefix(t, []byte("# hostname;")):
		return sarSadfD, nil
	}
	if line, _, _ := bytes.Cut(t, []byte("\n")); bytes.Count(line, []byte(";")) >= 3 {
		return sarSadfD, nil
	}
	return sarText, nil
}

// Sar imports sysstat recordings: binary sa files (read with the installed
// sadf; files of older sysstat versions are converted with `sadf -c`
// first), the text output of `sadf -j` and `sadf -d`, and the text of
// `sar -A` (any subset of -u, -r, -b, -d, -n DEV). The format of each file is
// recognised from its content. One server per host name, across files:
// give the files of a host in time order (sa01, sa02, ...).
func Sar(files []string, out string, opts SarOptions) (Summary, error) {
	r, err := newRun(files, opts.Options)
	if err != nil {
		return Summary{}, err
	}
	hs := newHostSet(r, "import:sar")
	lt := newLocalTimes(r, opts.Location, "sar -A text")
	opts.Location = lt.loc
	si := &sarImport{r: r, hs: hs, lt: lt, opts: opts, meta: map[string]*sarMeta{}}
	return r.do(out, si.file, func() error { return hs.finish(si.fill) })
}

// sarMeta is what a file header says about a host.
type sarMeta struct {
	release string
	cpus    int
	formats map[string]bool
}

type sarImport struct {
	r    *run
	hs   *hostSet
	lt   *localTimes
	opts SarOptions
	meta map[string]*sarMeta
	// format is the format of the file being read, fileRecs the records
	// read from it so far (written or not) and fileLast the end of the
	// last one.
	format   sarFormat
	fileRecs int
	fileLast time.Time
}

func (si *sarImport) metaOf(host string) *sarMeta {
	m := si.meta[host]
	if m == nil {
		m = &sarMeta{formats: map[string]bool{}}
		si.meta[host] = m
	}
	return m
}

func (si *sarImport) fill(h *hostState, inv *model.Inventory) {
	inv.OSFamily = "linux"
	if m := si.meta[h.name]; m != nil {
		if m.release != "" {
			inv.OS = "Linux " + m.release
		}
		inv.Threads = m.cpus
		var fs []string
		for _, f := range []string{"binary sa file", "sadf -j", "sadf -d", "sar -A text"} {
			if m.formats[f] {
				fs = append(fs, f)
			}
		}
		inv.Notes = append(inv.Notes, "read from: "+strings.Join(fs, ", "))
		if m.formats["sar -A text"] {
			inv.Notes = append(inv.Notes, si.lt.note())
		}
	}
	if mt := h.lastMemTotal; mt > 0 {
		inv.MemTotalBytes = int64(math.Round(mt))
	}
	inv.Notes = append(inv.Notes,
		"sar keeps interval averages only: interval max equals mean",
		"cpu_busy_pct = 100 − %idle − %iowait of CPU all",
		"threads = the CPU count sar reports (logical CPUs); cores, sockets, CPU model, disk sizes and NIC speeds are not in the source",
		"net: every interface but lo, bridges and bonds included as sar lists them")
	if len(inv.Filesystems) == 0 {
		inv.Notes = append(inv.Notes, noStorageNote+" (no sar -F data: sadc records it with -S XDISK)")
	} else {
		inv.Notes = append(inv.Notes, "filesystems are sar -F's, named by device (the mount point with sar -F MOUNT)")
	}
}

// emit writes one record.
func (si *sarImport) emit(path string, line int, rec *sarRec) error {
	if rec.host == "" {
		rec.host = "unknown"
	}
	h, err := si.hs.get(path, rec.host)
	if err != nil {
		return err
	}
	if si.format == sarText {
		si.lt.used(path, h)
	}
	si.fileRecs++
	if rec.end.After(si.fileLast) {
		si.fileLast = rec.end
	}
	at := path // sadf -j: the decoder does not count lines
	if line > 0 {
		at = fmt.Sprintf("%s:%d", path, line)
	}
	if rec.interval < time.Second || rec.interval > 24*time.Hour {
		h.badInterval++
		return nil
	}
	x, notes := rec.sample()
	for _, n := range notes {
		h.note(n)
	}
	for _, d := range rec.devs {
		if isWholeDisk(d.name, devNames(rec.devs)) {
			h.disks[d.name] = true
		}
	}
	for _, n := range rec.nets {
		if n.name != "lo" {
			h.nics[n.name] = true
		}
	}
	fss := rec.filesystems()
	if len(fss) > 0 {
		clear(h.fs) // the filesystems of the last record that lists them
	}
	for _, f := range fss {
		fs := model.Filesystem{Mount: f.name, SizeBytes: int64((f.freeMB + f.usedMB) * (1 << 20)), UsedBytes: int64(f.usedMB * (1 << 20))}
		if strings.HasPrefix(f.name, "/dev/") {
			fs.Device = f.name
		}
		h.setFS(fs)
	}
	if v := x.Mean[model.MemTotalBytes]; !math.IsNaN(v) {
		h.lastMemTotal = v
	}
	return si.hs.write(h, x, at)
}

func devNames(ds []sarDev) map[string]bool {
	m := make(map[string]bool, len(ds))
	for _, d := range ds {
		m[d.name] = true
	}
	return m
}

func (si *sarImport) file(path string) error {
	format, err := sniffSar(path)
	if err != nil {
		return err
	}
	si.format, si.fileRecs, si.fileLast = format, 0, time.Time{}
	switch format {
	case sarBinary:
		err = si.binary(path)
	case sarJSON:
		err = si.jsonFile(path)
	case sarSadfD, sarText:
		err = si.textFile(path, format)
	}
	if err != nil {
		return err
	}
	if si.fileRecs == 0 {
		si.r.warn(fmt.Errorf("%s: no CPU, memory, disk or network samples found (%s)", path, format))
	}
	return nil
}

// jsonFile reads `sadf -j` output from a file.
func (si *sarImport) jsonFile(path string) error {
	f, err := openInput(path, &si.r.prog)
	if err != nil {
		return err
	}
	defer f.Close()
	err = si.parseJSON(f, path, "sadf -j")
	var je *jsonPosError
	if errors.As(err, &je) {
		return &model.SampleParseError{File: path, Line: lineAtOffset(path, je.offset), Field: je.field, Err: je.err}
	}
	return err
}

// lineAtOffset returns the 1-based line holding byte offset off of path.
func lineAtOffset(path string, off int64) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	br := bufio.NewReader(io.LimitReader(f, off))
	line := 1
	for {
		b, err := br.ReadByte()
		if err != nil {
			return line
		}
		if b == '\n' {
			line++
		}
	}
}

// jsonPosError is a problem at a byte offset of sadf -j output.
type jsonPosError struct {
	offset int64
	field  string
	err    error
}

func (e *jsonPosError) Error() string {
	return fmt.Sprintf("offset %d: field %s: %v", e.offset, e.field, e.err)
}
func (e *jsonPosError) Unwrap() error { return e.err }

// sadfJSONStat is one element of "statistics" in sadf -j output.
type sadfJSONStat struct {
	Timestamp struct {
		Date     string  `json:"date"`
		Time     string  `json:"time"`
		UTC      int     `json:"utc"`
		Interval float64 `json:"interval"`
	} `json:"timestamp"`
	// CPULoad is sar -u; CPULoadAll, sar -u ALL, has the same fields.
	CPULoad    []sadfJSONCPU `json:"cpu-load"`
	CPULoadAll []sadfJSONCPU `json:"cpu-load-all"`
	IO         *struct {
		Reads struct {
			Rtps  *float64 `json:"rtps"`
			Bread *float64 `json:"bread"`
		} `json:"io-reads"`
		Writes struct {
			Wtps  *float64 `json:"wtps"`
			Bwrtn *float64 `json:"bwrtn"`
		} `json:"io-writes"`
	} `json:"io"`
	Memory *struct {
		Free    *float64 `json:"memfree"`
		Avail   *float64 `json:"avail"`
		Used    *float64 `json:"memused"`
		UsedPct *float64 `json:"memused-percent"`
		Buffers *float64 `json:"buffers"`
		Cached  *float64 `json:"cached"`
		Slab    *float64 `json:"slab"`
	} `json:"memory"`
	Disk []struct {
		Device string   `json:"disk-device"`
		RkB    *float64 `json:"rkB"`
		WkB    *float64 `json:"wkB"`
		RdSec  *float64 `json:"rd_sec"`
		WrSec  *float64 `json:"wr_sec"`
	} `json:"disk"`
	Network *struct {
		NetDev []struct {
			Iface string   `json:"iface"`
			RxkB  *float64 `json:"rxkB"`
			TxkB  *float64 `json:"txkB"`
		} `json:"net-dev"`
	} `json:"network"`
	// Filesystems is sar -F ("mountpoint" instead of "filesystem" with
	// sar -F MOUNT).
	Filesystems []struct {
		Filesystem string   `json:"filesystem"`
		Mountpoint string   `json:"mountpoint"`
		Free       *float64 `json:"MBfsfree"`
		Used       *float64 `json:"MBfsused"`
	} `json:"filesystems"`
}

// sadfJSONCPU is one CPU of cpu-load or cpu-load-all ("all" or -1 for the
// whole machine).
type sadfJSONCPU struct {
	CPU    any      `json:"cpu"`
	Idle   *float64 `json:"idle"`
	Iowait *float64 `json:"iowait"`
}

func fv(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// parseJSON streams sadf -j output: hosts are decoded key by key and the
// statistics array element by element, so memory does not grow with it.
func (si *sarImport) parseJSON(rd io.Reader, path, format string) error {
	dec := json.NewDecoder(rd)
	posErr := func(field string, err error) error {
		return &jsonPosError{offset: dec.InputOffset(), field: field, err: err}
	}
	expect := func(field string, want json.Delim) error {
		t, err := dec.Token()
		if err != nil {
			return posErr(field, err)
		}
		if d, ok := t.(json.Delim); !ok || d != want {
			return posErr(field, fmt.Errorf("found %v, want %q", t, want))
		}
		return nil
	}
	// objectKeys calls fn for every key of the object that follows.
	var objectKeys func(field string, fn func(key string) error) error
	objectKeys = func(field string, fn func(key string) error) error {
		if err := expect(field, '{'); err != nil {
			return err
		}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return posErr(field, err)
			}
			key, _ := t.(string)
			if err := fn(key); err != nil {
				return err
			}
		}
		return expect(field, '}')
	}
	skip := func() error { var raw json.RawMessage; return dec.Decode(&raw) }
	return objectKeys("sysstat", func(key string) error {
		if key != "sysstat" {
			return skip()
		}
		return objectKeys("sysstat", func(key string) error {
			if key != "hosts" {
				return skip()
			}
			if err := expect("hosts", '['); err != nil {
				return err
			}
			for dec.More() {
				var host string
				meta := &sarMeta{}
				err := objectKeys("hosts", func(key string) error {
					switch key {
					case "nodename":
						if err := dec.Decode(&host); err != nil {
							return posErr("nodename", err)
						}
						m := si.metaOf(host)
						m.formats[format] = true
						meta = m
					case "release":
						if err := dec.Decode(&meta.release); err != nil {
							return posErr("release", err)
						}
					case "number-of-cpus":
						if err := dec.Decode(&meta.cpus); err != nil {
							return posErr("number-of-cpus", err)
						}
					case "statistics":
						if err := expect("statistics", '['); err != nil {
							return err
						}
						for i := 0; dec.More(); i++ {
							var st sadfJSONStat
							field := fmt.Sprintf("statistics[%d]", i)
							if err := dec.Decode(&st); err != nil {
								var te *json.UnmarshalTypeError
								if errors.As(err, &te) && te.Field != "" {
									field += "." + te.Field
								}
								return posErr(field, err)
							}
							rec, err := sarJSONRec(host, &st)
							if err != nil {
								return posErr(field+".timestamp", err)
							}
							if rec == nil {
								continue
							}
							if err := si.emit(path, 0, rec); err != nil {
								return err
							}
						}
						return expect("statistics", ']')
					default:
						return skip()
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			return expect("hosts", ']')
		})
	})
}

func sarJSONRec(host string, st *sadfJSONStat) (*sarRec, error) {
	ts := st.Timestamp
	if ts.Date == "" && ts.Time == "" {
		return nil, errors.New("missing date and time")
	}
	end, err := time.ParseInLocation("2006-01-02 15:04:05", ts.Date+" "+ts.Time, time.UTC)
	if err != nil {
		return nil, fmt.Errorf("%q %q is not a date and time", ts.Date, ts.Time)
	}
	if err := checkTime(end.Add(-24 * time.Hour)); err != nil {
		return nil, err
	}
	rec := newSarRec()
	rec.host, rec.end = host, end
	if ts.Interval > 0 && ts.Interval < 1e6 {
		rec.interval = time.Duration(math.Round(ts.Interval)) * time.Second
	}
	for _, c := range append(st.CPULoad, st.CPULoadAll...) {
		if s, ok := c.CPU.(string); ok && s == "all" || c.CPU == float64(-1) {
			rec.cpuIdle, rec.cpuIowait = fv(c.Idle), fv(c.Iowait)
		}
	}
	if io := st.IO; io != nil {
		rec.ioRtps, rec.ioBread = fv(io.Reads.Rtps), fv(io.Reads.Bread)
		rec.ioWtps, rec.ioBwrtn = fv(io.Writes.Wtps), fv(io.Writes.Bwrtn)
	}
	if m := st.Memory; m != nil {
		rec.memFree, rec.memAvail, rec.memUsed, rec.memUsedPct = fv(m.Free), fv(m.Avail), fv(m.Used), fv(m.UsedPct)
		rec.memBuffers, rec.memCached, rec.memSlab = fv(m.Buffers), fv(m.Cached), fv(m.Slab)
	}
	for _, d := range st.Disk {
		dv := sarDev{name: d.Device, rBytes: fv(d.RkB) * 1024, wBytes: fv(d.WkB) * 1024}
		if d.RkB == nil {
			dv.rBytes, dv.wBytes = fv(d.RdSec)*512, fv(d.WrSec)*512
		}
		rec.devs = append(rec.devs, dv)
	}
	if n := st.Network; n != nil {
		for _, i := range n.NetDev {
			rec.nets = append(rec.nets, sarNet{name: i.Iface, rxBytes: fv(i.RxkB) * 1024, txBytes: fv(i.TxkB) * 1024})
		}
	}
	for _, f := range st.Filesystems {
		name := f.Filesystem
		if name == "" {
			name = f.Mountpoint
		}
		free, used := fv(f.Free), fv(f.Used)
		if !(free >= 0 && used >= 0 && (free+used)*(1<<20) <= maxFSBytes) {
			continue
		}
		rec.fss = append(rec.fss, sarFS{name: name, freeMB: free, usedMB: used})
	}
	return rec, nil
}

// sadfArgs select the activities the importer uses.
var sadfArgs = []string{"--", "-u", "-r", "ALL", "-b", "-d", "-p", "-n", "DEV", "-F"}

// binary reads a binary sa file through `sadf -j`, converting it with
// `sadf -c` first if sadf says its format is too old.
func (si *sarImport) binary(path string) error {
	sadf := si.opts.Sadf
	if sadf == "" {
		sadf = "sadf"
	}
	bin, err := exec.LookPath(sadf)
	if err != nil {
		return fmt.Errorf("%s is a binary sa file, which needs sadf to read: %w (install sysstat, or run `sadf -j FILE -- -u -r ALL -b -d -p -n DEV -F > FILE.json` where sar runs and import that)", path, ErrNoSadf)
	}
	st, _ := os.Stat(path)
	stderr, err := si.runSadf(bin, path, path)
	if err == nil {
		si.sadfSaid(path, stderr, st.Size())
		si.r.prog.add(int(st.Size()))
		return nil
	}
	var se *sadfError
	if !errors.As(err, &se) || !se.oldFormat {
		return err
	}
	// sadf cannot read this version's format: convert it.
	tmp, cerr := os.CreateTemp("", "kvmfit-sa-*.sa")
	if cerr != nil {
		return cerr
	}
	defer os.Remove(tmp.Name())
	cmd := exec.Command(bin, "-c", path)
	cmd.Stdout = tmp
	var cstderr bytes.Buffer
	cmd.Stderr = &cstderr
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	rerr := cmd.Run()
	tmp.Close()
	if rerr != nil {
		return fmt.Errorf("%s: sadf cannot read it (%s) and `sadf -c` failed to convert it: %v: %s", path, firstLine(stderr), rerr, firstLine(cstderr.String()))
	}
	said, err := si.runSadf(bin, tmp.Name(), path)
	if err != nil {
		return fmt.Errorf("%s (converted with sadf -c): %w", path, err)
	}
	if strings.Contains(cstderr.String(), sadfTruncated) { // sadf -c chatters on stderr
		said = sadfTruncated + "\n" + said
	}
	si.sadfSaid(path, said, st.Size())
	si.metaNote(path, "converted with sadf -c from an older sysstat format", false)
	si.r.prog.add(int(st.Size()))
	return nil
}

// sadfTruncated is what sadf prints on stderr, still exiting 0 once it has
// read some records, when an sa file ends inside a record.
const sadfTruncated = "End of system activity file unexpected"

// sadfSaid reports what sadf printed on stderr while reading path (size
// bytes) successfully: a truncated file, or any other complaint.
func (si *sarImport) sadfSaid(path, stderr string, size int64) {
	stderr = strings.TrimSpace(stderr)
	if stderr == "" {
		return
	}
	if strings.Contains(stderr, sadfTruncated) {
		where := "before its first record"
		if si.fileRecs > 0 {
			where = fmt.Sprintf("after %d records, the last ending at %s", si.fileRecs, si.fileLast.UTC().Format(time.RFC3339))
		}
		si.r.warn(fmt.Errorf("%s: truncated sa file (%d bytes): sadf says %q %s; imported what precedes, whatever the file held after it is missing", path, size, sadfTruncated, where))
		si.metaNote(path, "truncated sa file: "+where, true)
		return
	}
	si.r.warn(fmt.Errorf("%s: sadf says: %s", path, firstLine(stderr)))
}

func (si *sarImport) metaNote(path, note string, truncated bool) {
	for _, h := range si.hs.hosts {
		for _, f := range h.files {
			if f == path && truncated {
				h.truncatedAt(path + ": " + note)
			} else if f == path {
				h.note(path + ": " + note)
			}
		}
	}
}

type sadfError struct {
	path      string
	oldFormat bool
	msg       string
	err       error
}

func (e *sadfError) Error() string {
	hint := ""
	if strings.Contains(e.msg, sadfTruncated) {
		hint = ": the file is truncated before its first record"
	}
	return fmt.Sprintf("%s: sadf cannot read it: %s (%v)%s", e.path, e.msg, e.err, hint)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// runSadf streams `sadf -j file -- ...` into the JSON parser. name is the
// file named in errors.
func (si *sarImport) runSadf(bin, file, name string) (string, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-j", file}, sadfArgs...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("%s: run %s: %w", name, bin, err)
	}
	before := si.r.sum.Samples
	perr := si.parseJSON(bufio.NewReaderSize(stdout, 1<<16), name, "binary sa file")
	if perr != nil {
		cancel()
		io.Copy(io.Discard, stdout)
	}
	werr := cmd.Wait()
	if werr != nil && perr == nil || werr != nil && si.r.sum.Samples == before {
		msg := stderr.String()
		old := strings.Contains(msg, "Invalid system activity file") || strings.Contains(msg, "cannot read the format") || strings.Contains(msg, "sadf -c")
		return msg, &sadfError{path: name, oldFormat: old, msg: firstLine(msg), err: werr}
	}
	if perr != nil {
		var je *jsonPosError
		if errors.As(perr, &je) {
			return "", fmt.Errorf("%s: sadf -j output at byte %d: field %s: %w", name, je.offset, je.field, je.err)
		}
		return "", perr
	}
	return stderr.String(), nil
}
