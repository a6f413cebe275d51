package importer

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// Options are shared by every importer.
type Options struct {
	// Progress, if non-nil, is called with bytes read so far and total bytes
	// of all inputs (for a progress bar); may be called often.
	Progress func(doneBytes, totalBytes int64)
	// Warn, if non-nil, receives non-fatal problems (one call per problem;
	// repetitive ones are aggregated per file).
	Warn func(error)
	// PrecisionBits, if not 0, stores the new servers' samples compact
	// (lossy) at that many significant bits (dataset.Writer.SetPrecisionBits).
	// Samples merged into a server already in the dataset are added to its
	// samples.csv, exact.
	PrecisionBits int
}

// Summary says what an import did.
type Summary struct {
	// Servers is the number of servers added to the dataset.
	Servers int
	// Merged is the number of servers already in the dataset that this
	// import's data was merged into (the same machine imported again, or
	// from another source) instead of adding it twice.
	Merged int
	// Samples is the number of samples written, over all servers.
	Samples int64
	// Skipped lists the input files that did not become a server, each as
	// "FILE: reason". Every skipped file was also reported through Warn.
	Skipped []string
}

// ErrNoServers is returned (wrapped) when every input file was skipped; the
// destination is then left untouched.
var ErrNoServers = errors.New("no server imported")

// maxLineBytes bounds one input line; longer lines are an error (a binary
// file, or a file without line breaks), which keeps memory constant.
const maxLineBytes = 1 << 20

// run is the skeleton shared by the importers: it checks the inputs, opens
// the dataset, calls each(path) for every file in order and commits, or
// aborts on any error so that no partial output is left.
type run struct {
	opts  Options
	dw    *dataset.Writer
	prog  progress
	sum   Summary
	files []string

	// out is the destination and dest its servers before the import; the
	// servers that may repeat one of them are staged (merge.go).
	out         string
	dest        []destServer
	destBy      map[string][]int // "id:ID" and "host:NAME" → indexes of dest
	staging     *dataset.Writer
	stagingRoot string
	staged      []*stagedServer
	pending     []pendingFile
	merges      map[string]*mergedServer // by destination directory
	mergeOrder  []string
}

func newRun(files []string, opts Options) (*run, error) {
	if len(files) == 0 {
		return nil, errors.New("no input files")
	}
	r := &run{opts: opts, prog: progress{fn: opts.Progress}}
	var seen []os.FileInfo
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return nil, err
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: not a regular file", f)
		}
		// The same file named twice (sa* and sa01, a link) is read once.
		if i := slices.IndexFunc(seen, func(o os.FileInfo) bool { return os.SameFile(o, st) }); i >= 0 {
			r.warn(fmt.Errorf("%s: the same file as %s, given twice: read once", f, r.files[i]))
			continue
		}
		seen = append(seen, st)
		r.files = append(r.files, f)
		r.prog.total += st.Size()
	}
	return r, nil
}

// do runs each over every file and commits the dataset at out.
// finish, if given, runs after the last file and before the commit (to
// close servers that span files).
func (r *run) do(out string, each func(path string) error, finish ...func() error) (Summary, error) {
	dw, err := dataset.Create(out)
	if err != nil {
		return r.sum, err
	}
	if err := dw.SetPrecisionBits(r.opts.PrecisionBits); err != nil {
		dw.Abort()
		return r.sum, err
	}
	r.dw = dw
	r.loadDest(out)
	defer r.cleanStaging()
	for _, f := range r.files {
		if err := each(f); err != nil {
			dw.Abort()
			return r.sum, err
		}
	}
	for _, fn := range finish {
		if err := fn(); err != nil {
			dw.Abort()
			return r.sum, err
		}
	}
	if err := r.resolve(); err != nil {
		dw.Abort()
		return r.sum, err
	}
	if r.sum.Servers == 0 && r.sum.Merged == 0 {
		dw.Abort()
		return r.sum, fmt.Errorf("%w: all %d input files were skipped", ErrNoServers, len(r.files))
	}
	if r.sum.Servers == 0 {
		dw.Abort() // every server was merged into one already there
	} else if err := dw.Commit(); err != nil {
		return r.sum, err
	}
	if err := r.movePending(); err != nil {
		return r.sum, err
	}
	r.prog.finish()
	return r.sum, nil
}

func (r *run) warn(err error) {
	if r.opts.Warn != nil {
		r.opts.Warn(err)
	}
}

// skip records that path did not become a server.
func (r *run) skip(path, reason string) {
	r.sum.Skipped = append(r.sum.Skipped, path+": "+reason)
	r.warn(fmt.Errorf("%s: skipped: %s", path, reason))
}

// addServer creates the server called name (its ID is SafeID(name), or
// suffixed if taken). A server whose name or host name is already in the
// destination is staged instead, and merged into the one there or added
// beside it once complete (merge.go), so that a server is never counted
// twice without a word.
func (r *run) addServer(path, name string, inv model.Inventory) (*dataset.ServerWriter, string, error) {
	if r.collides(name, inv.Hostname) {
		sw, err := r.stage(path, name, inv)
		if err != nil {
			return nil, "", err
		}
		r.sum.Servers++
		return sw, dataset.SafeID(name), nil
	}
	id := r.dw.UniqueID(name)
	if want := dataset.SafeID(name); id != want {
		r.warn(fmt.Errorf("%s: server %s was already made by another input of this import, imported as %s: it would count twice in a plan", path, want, id))
	}
	sw, err := r.dw.AddServer(id, inv)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	r.sum.Servers++
	return sw, id, nil
}

// fieldError is a problem with one field of a line.
type fieldError struct {
	Field string
	Err   error
}

func (e *fieldError) Error() string { return "field " + e.Field + ": " + e.Err.Error() }
func (e *fieldError) Unwrap() error { return e.Err }

// lineError places a problem of line lineNo of path: a *fieldError names
// its field.
func lineError(path string, lineNo int, err error) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &model.SampleParseError{File: path, Line: lineNo, Field: fe.Field, Err: fe.Err}
	}
	return &model.SampleParseError{File: path, Line: lineNo, Err: err}
}

// progress reports bytes read so far.
type progress struct {
	fn          func(done, total int64)
	done, total int64
}

func (p *progress) add(n int) {
	p.done += int64(n)
	if p.fn != nil {
		p.fn(p.done, p.total)
	}
}

func (p *progress) finish() {
	if p.fn != nil {
		p.fn(p.total, p.total)
	}
}

type countingReader struct {
	r io.Reader
	p *progress
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if n > 0 {
		c.p.add(n)
	}
	return n, err
}

// lines reads path line by line (LF or CRLF), calling fn with the 1-based
// line number and the line without its end-of-line. A UTF-8 byte order mark
// on line 1 is dropped.
func (r *run) lines(path string, fn func(lineNo int, line string) error) error {
	_, err := r.linesCut(path, false, fn)
	return err
}

// linesCut is lines; with dropCut a last line without its end-of-line (a
// file cut off while being written or copied, in a format whose writer
// ends every line) is not passed to fn, and its number is returned.
func (r *run) linesCut(path string, dropCut bool, fn func(lineNo int, line string) error) (cutLine int, err error) {
	rc, err := openInput(path, &r.prog)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	sc, cut := newLineScanner(rc)
	n := 0
	for sc.Scan() {
		n++
		if *cut && dropCut {
			cutLine = n
			break
		}
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if err := fn(n, line); err != nil {
			return 0, err
		}
	}
	if err := sc.Err(); err != nil {
		return cutLine, readError(path, n, err)
	}
	return cutLine, nil
}

// newLineScanner returns a line scanner of rd bounded by maxLineBytes;
// *cut becomes true when the token just scanned is a last line without its
// end-of-line.
func newLineScanner(rd io.Reader) (*bufio.Scanner, *bool) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	cut := new(bool)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		adv, tok, err := bufio.ScanLines(data, atEOF)
		if atEOF && tok != nil && adv == len(data) && (len(data) == 0 || data[len(data)-1] != '\n') {
			*cut = true
		}
		return adv, tok, err
	})
	return sc, cut
}

// readError places a read error of path after line n: a line too long, or
// a compressed file that ends before its end (truncated).
func readError(path string, n int, err error) error {
	switch {
	case errors.Is(err, bufio.ErrTooLong):
		return &model.SampleParseError{File: path, Line: n + 1, Err: fmt.Errorf("line longer than %d bytes (not a text trace?)", maxLineBytes)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &model.SampleParseError{File: path, Line: n, Err: errors.New("the compressed data ends unexpectedly: the .gz file is truncated, and how much of it is lost is unknown (gunzip -c it to a file to import the part that is there)")}
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return &model.SampleParseError{File: path, Line: n, Err: fmt.Errorf("the compressed data is corrupt: %w", err)}
	}
	return fmt.Errorf("read %s: %w", path, err)
}

// parentName returns the name of the directory holding path ("2013-7" for
// "trace/2013-7/1.csv"), resolving relative paths so that "1.csv" read from
// inside 2013-7 gets the same name.
func parentName(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return filepath.Base(filepath.Dir(path))
}

// modeCounter finds the most frequent value of a stream in constant memory
// with the Misra-Gries frequent-items summary (J. Misra, D. Gries, "Finding
// repeated elements", Science of Computer Programming 2(2), 1982): with k
// counters it is exact while the stream has at most k distinct values, and
// otherwise still keeps every value seen in more than n/(k+1) of n rows.
// The trace columns it is used for (cores, provisioned MHz and memory) have
// a clearly dominant value, well above that bound.
type modeCounter struct {
	counts map[float64]int
}

const modeCounterSize = 512

func (c *modeCounter) add(v float64) {
	if c.counts == nil {
		c.counts = make(map[float64]int)
	}
	if _, ok := c.counts[v]; ok || len(c.counts) < modeCounterSize {
		c.counts[v]++
		return
	}
	for k, n := range c.counts {
		if n == 1 {
			delete(c.counts, k)
		} else {
			c.counts[k] = n - 1
		}
	}
}

// mode returns the most frequent value (the smallest of equally frequent
// ones, for determinism), or NaN if no value was added.
func (c *modeCounter) mode() float64 {
	best, bestN := math.NaN(), 0
	keys := make([]float64, 0, len(c.counts))
	for k := range c.counts {
		keys = append(keys, k)
	}
	sort.Float64s(keys)
	for _, k := range keys {
		if n := c.counts[k]; n > bestN {
			best, bestN = k, n
		}
	}
	return best
}

// minMax tracks the range of a value.
type minMax struct {
	min, max float64
	n        int
}

func (m *minMax) add(v float64) {
	if m.n == 0 || v < m.min {
		m.min = v
	}
	if m.n == 0 || v > m.max {
		m.max = v
	}
	m.n++
}

// setAverage sets both the mean and the max of metric m of x to v, for
// sources that keep averages only (max = mean). A NaN or infinite v is "not
// measured" and leaves m empty; a negative v counts as 0.
func setAverage(x *model.Sample, m model.Metric, v float64) {
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		v = math.Max(v, 0)
		x.Set(m, v, v)
	}
}

// endOf returns the end of sample x.
func endOf(x model.Sample) time.Time { return x.Start.Add(x.Interval) }

// openInput opens path for reading, counting the bytes read from the file
// into prog (if non-nil) and decompressing it if it is gzipped (as nmon and
// sar text files often are), which is recognised by its magic number.
func openInput(path string, prog *progress) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var rd io.Reader = f
	if prog != nil {
		rd = countingReader{f, prog}
	}
	br := bufio.NewReaderSize(rd, 1<<16)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return readCloser{gz, func() error { gz.Close(); return f.Close() }}, nil
	}
	return readCloser{br, f.Close}, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (rc readCloser) Close() error { return rc.close() }

// checkTime rejects times the dataset cannot hold (before 1970, after 9999),
// so that a malformed date is a parse error naming its field rather than a
// write error.
func checkTime(t time.Time) error {
	if t.Before(time.Unix(0, 0)) || t.Year() > 9998 {
		return fmt.Errorf("%s is outside 1970..9998", t.UTC().Format(time.RFC3339))
	}
	return nil
}

// stepServer writes the one server of a file of samples at a fixed step
// without timestamps (PlanetLab, Google): the k-th data line is the sample
// that starts k steps after start. The server is added at the first sample,
// so that a file without data adds none, and only one file is open at a
// time, however many servers.
type stepServer struct {
	r     *run
	path  string
	name  string // wanted server ID, before UniqueID
	start time.Time
	step  time.Duration
	inv   model.Inventory
	sw    *dataset.ServerWriter
	n     int // samples written
}

// next returns the empty sample of the next data line.
func (s *stepServer) next() model.Sample {
	return model.NewSample(s.start.Add(time.Duration(s.n)*s.step), s.step)
}

// write writes x, the sample of line lineNo, adding the server first if
// needed.
func (s *stepServer) write(lineNo int, x model.Sample) error {
	if s.sw == nil {
		sw, _, err := s.r.addServer(s.path, s.name, s.inv)
		if err != nil {
			return err
		}
		s.sw = sw
	}
	if err := s.sw.Write(x); err != nil {
		return fmt.Errorf("%s:%d: %w", s.path, lineNo, err)
	}
	s.n++
	s.r.sum.Samples++
	return nil
}

// read reads the file line by line with fn, which writes the samples. It
// returns false, having skipped the file, when no sample was written.
func (s *stepServer) read(fn func(lineNo int, line string) error) (bool, error) {
	if err := s.r.lines(s.path, fn); err != nil {
		return false, err
	}
	if s.n == 0 {
		s.r.skip(s.path, "no data (empty file)")
		return false, nil
	}
	return true, nil
}

// close closes the server and writes its inventory, updated at the end of
// the last sample.
func (s *stepServer) close() error {
	s.inv.UpdatedAt = s.start.Add(time.Duration(s.n) * s.step)
	if err := s.sw.Close(); err != nil {
		return err
	}
	return dataset.WriteInventory(s.sw.Dir, s.inv)
}

// csvInput reads a CSV input file record by record, counting its bytes
// into the run's progress.
type csvInput struct {
	path string
	rc   io.ReadCloser
	cr   *csv.Reader
}

// openCSV opens path as CSV separated by comma. With anyWidth a record may
// have any number of fields; without it every record must have as many as
// the first.
func (r *run) openCSV(path string, comma rune, anyWidth bool) (*csvInput, error) {
	rc, err := openInput(path, &r.prog)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(rc)
	cr.Comma = comma
	if anyWidth {
		cr.FieldsPerRecord = -1
	}
	cr.ReuseRecord = true
	return &csvInput{path: path, rc: rc, cr: cr}, nil
}

func (in *csvInput) close() error { return in.rc.Close() }

// header reads the first record (a copy, without a UTF-8 byte order mark);
// ok is false when the file is empty.
func (in *csvInput) header() (hdr []string, ok bool, err error) {
	h, err := in.cr.Read()
	if err == io.EOF {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, csvError(in.path, err)
	}
	hdr = append([]string(nil), h...) // the reader reuses its record
	if len(hdr) > 0 {
		hdr[0] = strings.TrimPrefix(hdr[0], "\ufeff")
	}
	return hdr, true, nil
}

// each calls fn with every further record and the line it starts on, until
// the end of the file or an error. The record is reused by the next call.
func (in *csvInput) each(fn func(line int, rec []string) error) error {
	for {
		rec, err := in.cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvError(in.path, err)
		}
		line, _ := in.cr.FieldPos(0)
		if err := fn(line, rec); err != nil {
			return err
		}
	}
}

// errAt is a problem of field in line of the file.
func (in *csvInput) errAt(line int, field string, err error) error {
	return &model.SampleParseError{File: in.path, Line: line, Field: field, Err: err}
}

func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &model.SampleParseError{File: path, Line: pe.Line, Field: fmt.Sprintf("column %d", pe.Column), Err: pe.Err}
	}
	return fmt.Errorf("read %s: %w", path, err)
}
