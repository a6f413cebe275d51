package importer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// sarKind is the activity of a section of sar or sadf -d text.
type sarKind int

const (
	kindOther sarKind = iota
	kindCPU
	kindMem
	kindIO
	kindDev
	kindNet
	kindFS
)

// sarKindOf recognises a section from its column names (without the time,
// or sadf's hostname;interval;timestamp).
func sarKindOf(cols []string) sarKind {
	has := func(c string) bool {
		for _, x := range cols {
			if x == c {
				return true
			}
		}
		return false
	}
	first := ""
	if len(cols) > 0 {
		first = cols[0]
	}
	switch {
	case first == "CPU" && has("%idle"):
		return kindCPU
	case has("kbmemfree"):
		return kindMem
	case has("rtps") && has("wtps"):
		return kindIO
	case first == "DEV" && (has("rkB/s") || has("rd_sec/s")):
		return kindDev
	case first == "IFACE" && (has("rxkB/s") || has("rxbyt/s")):
		return kindNet
	case has("MBfsfree") && has("MBfsused") && (has("FILESYSTEM") || has("MOUNTPOINT")):
		return kindFS
	}
	return kindOther
}

// sarRow parses the values of one data row of a section of kind k with
// columns cols into a partial record. Errors are *fieldError.
func sarRow(k sarKind, cols, vals []string) (*sarRec, error) {
	if len(vals) != len(cols) {
		f := "value"
		if len(cols) > 0 {
			f = cols[len(cols)-1]
		}
		return nil, &fieldError{f, fmt.Errorf("line has %d values, the section header has %d columns", len(vals), len(cols))}
	}
	rec := newSarRec()
	num := func(i int) (float64, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(vals[i]), 64)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange), math.IsNaN(v):
			return 0, &fieldError{cols[i], fmt.Errorf("%q is not a number", vals[i])}
		case v < 0:
			return 0, &fieldError{cols[i], fmt.Errorf("%q is negative", vals[i])}
		case v > maxTraceValue:
			return 0, &fieldError{cols[i], fmt.Errorf("%q is out of range", vals[i])}
		}
		return v, nil
	}
	get := func(name string, dst *float64, scale float64) error {
		for i, c := range cols {
			if c == name {
				v, err := num(i)
				if err != nil {
					return err
				}
				*dst = v * scale
				return nil
			}
		}
		return nil
	}
	// pair reads a read/write (receive/transmit) pair of rates from the
	// columns of newer sysstat versions, else from the older columns with
	// their own scale; a pair in neither stays NaN.
	pair := func(a, b *float64, newA, newB string, newScale float64, oldA, oldB string, oldScale float64) error {
		if err := get(newA, a, newScale); err != nil {
			return err
		}
		if err := get(newB, b, newScale); err != nil {
			return err
		}
		if !math.IsNaN(*a) {
			return nil
		}
		if err := get(oldA, a, oldScale); err != nil {
			return err
		}
		return get(oldB, b, oldScale)
	}
	// getAll reads columns into values, unscaled.
	type column struct {
		name string
		dst  *float64
	}
	getAll := func(cols ...column) error {
		for _, c := range cols {
			if err := get(c.name, c.dst, 1); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	switch k {
	case kindCPU:
		if inst := strings.TrimSpace(vals[0]); inst != "all" && inst != "-1" {
			return nil, nil
		}
		if err = getAll(column{"%idle", &rec.cpuIdle}, column{"%iowait", &rec.cpuIowait}); err != nil {
			return nil, err
		}
		if rec.cpuIdle > 100.5 {
			return nil, &fieldError{"%idle", fmt.Errorf("%g is above 100", rec.cpuIdle)}
		}
	case kindMem:
		err = getAll(column{"kbmemfree", &rec.memFree}, column{"kbavail", &rec.memAvail}, column{"kbmemused", &rec.memUsed},
			column{"%memused", &rec.memUsedPct}, column{"kbbuffers", &rec.memBuffers}, column{"kbcached", &rec.memCached},
			column{"kbslab", &rec.memSlab})
		if err != nil {
			return nil, err
		}
	case kindIO:
		if err = getAll(column{"rtps", &rec.ioRtps}, column{"wtps", &rec.ioWtps}, column{"bread/s", &rec.ioBread}, column{"bwrtn/s", &rec.ioBwrtn}); err != nil {
			return nil, err
		}
	case kindDev:
		d := sarDev{name: strings.TrimSpace(vals[0]), rBytes: math.NaN(), wBytes: math.NaN()}
		if err = pair(&d.rBytes, &d.wBytes, "rkB/s", "wkB/s", 1024, "rd_sec/s", "wr_sec/s", 512); err != nil {
			return nil, err
		}
		rec.devs = append(rec.devs, d)
	case kindNet:
		n := sarNet{name: strings.TrimSpace(vals[0]), rxBytes: math.NaN(), txBytes: math.NaN()}
		if err = pair(&n.rxBytes, &n.txBytes, "rxkB/s", "txkB/s", 1024, "rxbyt/s", "txbyt/s", 1); err != nil {
			return nil, err
		}
		rec.nets = append(rec.nets, n)
	case kindFS:
		f := sarFS{freeMB: math.NaN(), usedMB: math.NaN()}
		for i, c := range cols {
			if c == "FILESYSTEM" || c == "MOUNTPOINT" {
				f.name = strings.TrimSpace(vals[i])
			}
		}
		if err = getAll(column{"MBfsfree", &f.freeMB}, column{"MBfsused", &f.usedMB}); err != nil {
			return nil, err
		}
		if f.name == "" {
			return nil, nil
		}
		if (f.freeMB+f.usedMB)*(1<<20) > maxFSBytes {
			return nil, &fieldError{"MBfsused", fmt.Errorf("%g MB free + %g MB used is out of range", f.freeMB, f.usedMB)}
		}
		rec.fss = append(rec.fss, f)
	default:
		return nil, nil
	}
	return rec, nil
}

var (
	// Linux 5.0.16-100.fc28.x86_64 (linux.home) 	06/30/19 	_x86_64_	(8 CPU)
	sarHeaderRE = regexp.MustCompile(`^Linux\s+(\S+)\s+\(([^)]*)\)\s+(\S+)(?:\s+\S+)?(?:\s+\((\d+) CPU\))?`)
	sarTimeRE   = regexp.MustCompile(`^(\d{1,2}):(\d{2}):(\d{2})(?:\s*([AaPp][Mm]))?(?:\s+(.*))?$`)
	sarCPUsRE   = regexp.MustCompile(`\((\d+) CPU\)`)
)

// parseSarDate parses the date of a sar header: MM/DD/YY and MM/DD/YYYY
// (LC_ALL=C) or YYYY-MM-DD (S_TIME_FORMAT=ISO).
func parseSarDate(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"01/02/06", "01/02/2006", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date MM/DD/YY or YYYY-MM-DD (run sar with LC_ALL=C)", s)
}

// sarStream reads the sections of one activity from a text file. The text
// lists each activity for a whole block (between restarts) before the next,
// so every activity is read by its own pass over the file and the passes are
// merged by time: memory stays constant in the number of rows.
type sarStream struct {
	kind   sarKind
	format sarFormat
	path   string
	loc    *time.Location
	si     *sarImport // non-nil for the one stream that records host metadata
	f      io.ReadCloser
	sc     *bufio.Scanner
	lineNo int
	// cut is set by the scanner at a last line without its end-of-line
	// (the file cut off): that line is dropped and cutLine is its number.
	cut     *bool
	cutLine int

	cols   []string
	inMine bool
	host   string
	chunk  int

	// sar text clock
	date    time.Time
	dayOff  int
	lastTOD int
	lastAbs time.Time
	hasLast bool
	prevEnd time.Time

	cur      *sarRec
	curLine  int
	curChunk int
}

// sarItem is one record of a stream with where it came from.
type sarItem struct {
	rec   *sarRec
	chunk int
	line  int
}

func openSarStream(path string, format sarFormat, kind sarKind, loc *time.Location, prog *progress) (*sarStream, error) {
	f, err := openInput(path, prog)
	if err != nil {
		return nil, err
	}
	sc, cut := newLineScanner(f)
	return &sarStream{kind: kind, format: format, path: path, loc: loc, f: f, sc: sc, cut: cut}, nil
}

func (s *sarStream) perr(field string, err error) error {
	return &model.SampleParseError{File: s.path, Line: s.lineNo, Field: field, Err: err}
}

// next returns the next record of the stream's activity, or nil at the end.
func (s *sarStream) next() (*sarItem, error) {
	for s.sc.Scan() {
		s.lineNo++
		if *s.cut {
			s.cutLine = s.lineNo
			break
		}
		line := strings.TrimRight(s.sc.Text(), "\r")
		if s.lineNo == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		var row *sarRec
		var err error
		if s.format == sarSadfD {
			row, err = s.sadfLine(line)
		} else {
			row, err = s.textLine(line)
		}
		if err != nil {
			return nil, err
		}
		if row == nil {
			continue
		}
		if s.cur != nil && s.curChunk == s.chunk && row.host == s.cur.host && row.end.Equal(s.cur.end) {
			s.cur.merge(row)
			continue
		}
		out := &sarItem{rec: s.cur, chunk: s.curChunk, line: s.curLine}
		s.cur, s.curLine, s.curChunk = row, s.lineNo, s.chunk
		if s.format == sarText {
			if !s.prevEnd.IsZero() {
				row.interval = row.end.Sub(s.prevEnd)
			}
			s.prevEnd = row.end
		}
		if out.rec != nil {
			return out, nil
		}
	}
	if err := s.sc.Err(); err != nil {
		return nil, readError(s.path, s.lineNo, err)
	}
	if s.cur != nil {
		out := &sarItem{rec: s.cur, chunk: s.curChunk, line: s.curLine}
		s.cur = nil
		return out, nil
	}
	return nil, nil
}

func (s *sarStream) setHost(h string) {
	if h != s.host {
		if s.host != "" {
			s.chunk++
		}
		s.host = h
	}
}

// sadfLine handles one line of `sadf -d` output.
func (s *sarStream) sadfLine(line string) (*sarRec, error) {
	if strings.TrimSpace(line) == "" {
		return nil, nil
	}
	if strings.HasPrefix(line, "#") {
		h := strings.Split(strings.TrimSpace(strings.TrimPrefix(line, "#")), ";")
		if len(h) < 3 || h[0] != "hostname" {
			return nil, s.perr("hostname", fmt.Errorf("header %q does not start with hostname;interval;timestamp (not sadf -d output?)", line))
		}
		s.cols = h[3:]
		s.inMine = sarKindOf(s.cols) == s.kind
		return nil, nil
	}
	f := strings.Split(line, ";")
	if len(f) < 4 {
		return nil, s.perr("hostname", fmt.Errorf("line has %d fields, want hostname;interval;timestamp;values (not sadf -d output?)", len(f)))
	}
	s.setHost(f[0])
	if s.si != nil {
		m := s.si.metaOf(f[0])
		m.formats["sadf -d"] = true
		if c := sarCPUsRE.FindStringSubmatch(f[3]); c != nil {
			m.cpus, _ = strconv.Atoi(c[1])
		}
	}
	if strings.TrimSpace(f[1]) == "-1" { // LINUX-RESTART, COM
		return nil, nil
	}
	if s.cols == nil {
		return nil, s.perr("hostname", errors.New("data line before any '# hostname;interval;timestamp;...' header"))
	}
	if !s.inMine {
		return nil, nil
	}
	iv, err := strconv.Atoi(strings.TrimSpace(f[1]))
	if err != nil || iv < 0 {
		return nil, s.perr("interval", fmt.Errorf("%q is not a whole number of seconds", f[1]))
	}
	ts := strings.TrimSpace(f[2])
	loc := s.loc
	if strings.HasSuffix(ts, " UTC") {
		ts, loc = strings.TrimSuffix(ts, " UTC"), time.UTC
	}
	end, err := time.ParseInLocation("2006-01-02 15:04:05", ts, loc)
	if err == nil {
		err = checkTime(end.Add(-time.Duration(iv) * time.Second))
	}
	if err != nil {
		return nil, s.perr("timestamp", fmt.Errorf("%q is not a time YYYY-MM-DD HH:MM:SS [UTC]", f[2]))
	}
	rec, err := sarRow(s.kind, s.cols, f[3:])
	if err != nil {
		return nil, lineError(s.path, s.lineNo, err)
	}
	if rec == nil {
		return nil, nil
	}
	rec.host, rec.end, rec.interval = f[0], end.UTC(), time.Duration(iv)*time.Second
	return rec, nil
}

// tod parses a sar clock (24-hour, or 12-hour with AM/PM) into seconds of
// the day.
func sarTOD(m []string) (int, error) {
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	sec, _ := strconv.Atoi(m[3])
	if mi > 59 || sec > 60 {
		return 0, fmt.Errorf("%s:%s:%s is not a time", m[1], m[2], m[3])
	}
	switch strings.ToUpper(m[4]) {
	case "":
		if h > 23 {
			return 0, fmt.Errorf("%s:%s:%s is not a time", m[1], m[2], m[3])
		}
	case "AM", "PM":
		if h < 1 || h > 12 {
			return 0, fmt.Errorf("%s:%s:%s %s is not a 12-hour time", m[1], m[2], m[3], m[4])
		}
		h %= 12
		if strings.ToUpper(m[4]) == "PM" {
			h += 12
		}
	}
	return h*3600 + mi*60 + sec, nil
}

// abs turns a time of day into a time, counting a day each time the clock
// goes back (a file that runs past midnight), except when the zone's clocks
// were set back (the end of daylight saving time): the repeated hour's
// times are its second occurrence.
func (s *sarStream) abs(tod int) time.Time {
	y, mo, d := s.date.Date()
	at := func(off int) time.Time { return time.Date(y, mo, d+off, 0, 0, tod, 0, s.loc) }
	t := firstInstant(at(s.dayOff), s.loc)
	if s.hasLast && !t.After(s.lastAbs) {
		if t2, ok := instantAfter(t, s.lastAbs, s.loc); ok {
			t = t2
		} else if tod < s.lastTOD {
			s.dayOff++
			t = firstInstant(at(s.dayOff), s.loc)
		}
	}
	s.lastTOD, s.lastAbs, s.hasLast = tod, t, true
	return t.UTC()
}

// textLine handles one line of `sar -A` text.
func (s *sarStream) textLine(line string) (*sarRec, error) {
	t := strings.TrimSpace(line)
	switch {
	case t == "":
		s.inMine = false
		return nil, nil
	case strings.HasPrefix(t, "Average:") || strings.HasPrefix(t, "Summary"):
		return nil, nil
	case strings.HasPrefix(t, "Linux"):
		m := sarHeaderRE.FindStringSubmatch(t)
		if m == nil {
			return nil, s.perr("header", fmt.Errorf("%q is not a sar header line \"Linux RELEASE (HOST) DATE ...\"", t))
		}
		d, err := parseSarDate(m[3], s.loc)
		if err == nil {
			err = checkTime(d)
		}
		if err != nil {
			return nil, s.perr("date", err)
		}
		s.setHost(m[2])
		s.date, s.dayOff, s.hasLast, s.inMine, s.prevEnd = d, 0, false, false, time.Time{}
		if s.si != nil {
			meta := s.si.metaOf(m[2])
			meta.formats["sar -A text"] = true
			meta.release = m[1]
			if m[4] != "" {
				meta.cpus, _ = strconv.Atoi(m[4])
			}
		}
		return nil, nil
	}
	m := sarTimeRE.FindStringSubmatch(t)
	if m == nil {
		return nil, s.perr("time", fmt.Errorf("%q: want a Linux header, a HH:MM:SS line, Average: or a blank line (sar -A text, LC_ALL=C)", clip(t)))
	}
	if s.date.IsZero() {
		return nil, s.perr("date", errors.New("time line before the \"Linux ... DATE\" header line that gives its date"))
	}
	tod, err := sarTOD(m)
	if err != nil {
		return nil, s.perr("time", err)
	}
	rest := m[5]
	switch {
	case strings.Contains(rest, "RESTART"):
		s.abs(tod)
		s.inMine, s.prevEnd = false, time.Time{}
		if c := sarCPUsRE.FindStringSubmatch(rest); c != nil && s.si != nil && s.host != "" {
			s.si.metaOf(s.host).cpus, _ = strconv.Atoi(c[1])
		}
		return nil, nil
	case strings.HasPrefix(rest, "COM "):
		return nil, nil
	}
	toks := strings.Fields(rest)
	header := len(toks) > 0
	for _, tok := range toks {
		if _, err := strconv.ParseFloat(tok, 64); err == nil {
			header = false
			break
		}
	}
	if header {
		s.cols = toks
		s.inMine = sarKindOf(toks) == s.kind
		if s.inMine {
			s.prevEnd = s.abs(tod)
		}
		return nil, nil
	}
	if !s.inMine {
		return nil, nil
	}
	end := s.abs(tod)
	rec, err := sarRow(s.kind, s.cols, toks)
	if err != nil {
		return nil, lineError(s.path, s.lineNo, err)
	}
	if rec == nil {
		return nil, nil
	}
	rec.host, rec.end = s.host, end
	return rec, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// textFile reads sadf -d or sar -A text: one pass per activity, merged.
func (si *sarImport) textFile(path string, format sarFormat) error {
	kinds := []sarKind{kindCPU, kindMem, kindIO, kindDev, kindNet, kindFS}
	streams := make([]*sarStream, len(kinds))
	for i, k := range kinds {
		var prog *progress
		if i == 0 {
			prog = &si.r.prog
		}
		s, err := openSarStream(path, format, k, si.opts.Location, prog)
		if err != nil {
			return err
		}
		defer s.f.Close()
		if i == 0 {
			s.si = si
		}
		streams[i] = s
	}
	heads := make([]*sarItem, len(streams))
	for i, s := range streams {
		it, err := s.next()
		if err != nil {
			return err
		}
		heads[i] = it
	}
	for {
		best := -1
		for i, h := range heads {
			if h == nil {
				continue
			}
			if best < 0 || h.chunk < heads[best].chunk || h.chunk == heads[best].chunk && h.rec.end.Before(heads[best].rec.end) {
				best = i
			}
		}
		if best < 0 {
			if n := streams[0].cutLine; n > 0 {
				si.r.warn(fmt.Errorf("%s:%d: the file ends inside this line: it is truncated; the line is dropped, and whatever the file held after it is missing", path, n))
				si.metaNote(path, fmt.Sprintf("truncated at line %d", n), true)
			}
			return nil
		}
		b := heads[best]
		rec := newSarRec()
		rec.host, rec.end = b.rec.host, b.rec.end
		line := b.line
		for i, h := range heads {
			if h == nil || h.chunk != b.chunk || !h.rec.end.Equal(b.rec.end) || h.rec.host != b.rec.host {
				continue
			}
			rec.merge(h.rec)
			if h.line < line {
				line = h.line
			}
			it, err := streams[i].next()
			if err != nil {
				return err
			}
			heads[i] = it
		}
		if err := si.emit(path, line, rec); err != nil {
			return err
		}
	}
}
