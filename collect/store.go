package collect

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// StoreOptions are the settings of a Store.
type StoreOptions struct {
	// MaxBytes caps the size of the server directory; 0 means no cap. When
	// a row would pass it, the oldest closed day is deleted first (and
	// logged); when only the open day is left the row waits in memory.
	MaxBytes int64
	// MaxPending bounds the rows kept in memory while the disk is full or
	// the cap is reached; beyond it the oldest pending row is dropped.
	MaxPending int
	// Logf receives operational messages; nil discards them.
	Logf func(format string, args ...any)
}

// defaultMaxPending keeps about a week of 60 s rows (a few hundred bytes
// each) while the disk is full.
const defaultMaxPending = 10080

// ErrCapReached is returned when a row does not fit under MaxBytes even
// after every closed day was deleted.
var ErrCapReached = errors.New("size cap reached")

// Store writes the rows of one server into its dataset directory
// (docs/format.md): one samples-YYYY-MM-DD.csv per UTC day, appended and
// fsynced row by row; closed days are gzipped. A Store resumes an existing
// directory: a torn last line left by a crash is cut off before appending,
// and closed days left plain are gzipped. It is not safe for concurrent use.
type Store struct {
	dir  string
	opts StoreOptions

	f    *os.File
	day  string // UTC day of f, "2006-01-02"
	size int64  // bytes of f known to be complete and synced

	last    time.Time // start of the last row written
	hasLast bool
	pending []model.Sample
	buf     []byte

	// write writes p at off; tests replace it to simulate a full disk.
	write func(f *os.File, p []byte, off int64) (int, error)
}

// OpenStore opens (creating it 0750 if needed) the server directory dir.
func OpenStore(dir string, opts StoreOptions) (*Store, error) {
	if opts.MaxPending <= 0 {
		opts.MaxPending = defaultMaxPending
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	s := &Store{dir: dir, opts: opts, write: func(f *os.File, p []byte, off int64) (int, error) { return f.WriteAt(p, off) }}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, ".samples-") && strings.Contains(n, ".tmp"):
			// A gzip interrupted by a crash: the plain file is still there.
			os.Remove(filepath.Join(dir, n))
		case isDayFile(n, ".csv.gz"):
			// A crash between the rename of the .gz and the removal of the
			// plain file leaves both: the .gz is complete (synced first).
			plain := filepath.Join(dir, strings.TrimSuffix(n, ".gz"))
			if _, err := os.Stat(plain); err == nil {
				os.Remove(plain)
			}
		}
	}
	s.resumeLast()
	return s, nil
}

// dayFile returns the file name of the samples of a UTC day.
func dayFile(day string) string { return "samples-" + day + ".csv" }

// isDayFile reports whether n is samples-YYYY-MM-DD<ext>.
func isDayFile(n, ext string) bool {
	if !strings.HasPrefix(n, "samples-") || !strings.HasSuffix(n, ext) {
		return false
	}
	_, err := time.Parse("2006-01-02", strings.TrimSuffix(strings.TrimPrefix(n, "samples-"), ext))
	return err == nil
}

// Dir returns the server directory.
func (s *Store) Dir() string { return s.dir }

// Pending returns the number of rows waiting in memory.
func (s *Store) Pending() int { return len(s.pending) }

// Append queues x and writes every queued row. A row not after the last one
// written is dropped (and logged). On a write error (a full disk, the cap)
// the rows stay queued and the error is returned; the next Append or Close
// retries them.
func (s *Store) Append(x model.Sample) error {
	last := s.last
	if n := len(s.pending); n > 0 {
		last = s.pending[n-1].Start
	}
	if (s.hasLast || len(s.pending) > 0) && !x.Start.After(last) {
		s.opts.Logf("row %s is not after the last row %s: dropped", x.Start.UTC().Format(time.RFC3339), last.UTC().Format(time.RFC3339))
		return nil
	}
	s.pending = append(s.pending, x)
	if len(s.pending) > s.opts.MaxPending {
		s.opts.Logf("%d rows waiting to be written: oldest row %s dropped", len(s.pending), s.pending[0].Start.UTC().Format(time.RFC3339))
		s.pending = s.pending[1:]
	}
	return s.flush()
}

func (s *Store) flush() error {
	for len(s.pending) > 0 {
		if err := s.writeRow(s.pending[0]); err != nil {
			return err
		}
		s.last, s.hasLast = s.pending[0].Start, true
		s.pending[0] = model.Sample{}
		s.pending = s.pending[1:]
	}
	s.pending = nil
	return nil
}

// Close writes what it can of the queued rows and closes the open file.
func (s *Store) Close() error {
	err := s.flush()
	if err != nil {
		s.opts.Logf("%d rows could not be written: %v", len(s.pending), err)
	}
	if s.f != nil {
		if cerr := s.f.Close(); err == nil {
			err = cerr
		}
		s.f = nil
	}
	return err
}

func (s *Store) writeRow(x model.Sample) error {
	day := x.Start.UTC().Format("2006-01-02")
	if s.day == "" || day != s.day {
		if s.f != nil {
			s.f.Close()
			s.f = nil
		}
		s.closeDays(day)
		if err := s.openDay(day); err != nil {
			return err
		}
	}
	s.buf = dataset.AppendRow(s.buf[:0], x)
	if s.f == nil {
		return s.createDay(append([]byte(dataset.HeaderLine()), s.buf...))
	}
	return s.appendBytes(s.buf)
}

// createDay creates the open day's file holding data (the header and the
// first row) atomically: a temporary file, fsync, rename. A file is never
// left empty or without its header, which would make the dataset unreadable.
func (s *Store) createDay(data []byte) error {
	if err := s.makeRoom(int64(len(data))); err != nil {
		return err
	}
	path := filepath.Join(s.dir, dayFile(s.day))
	f, err := os.CreateTemp(s.dir, "."+dayFile(s.day)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	n, err := s.write(f, data, 0)
	if err == nil && n != len(data) {
		err = io.ErrShortWrite
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Chmod(0o640)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("create %s: %w", path, err)
	}
	syncDir(s.dir)
	if s.f, err = os.OpenFile(path, os.O_RDWR, 0); err != nil {
		return err
	}
	s.size = int64(len(data))
	return nil
}

// appendBytes writes p at the end of the open file and syncs it. On error
// the file is cut back to its last complete line, so that no partial row
// is left for the next row to glue onto.
func (s *Store) appendBytes(p []byte) error {
	if err := s.makeRoom(int64(len(p))); err != nil {
		return err
	}
	n, err := s.write(s.f, p, s.size)
	if err == nil && n != len(p) {
		err = io.ErrShortWrite
	}
	if err == nil {
		err = s.f.Sync()
	}
	if err != nil {
		s.f.Truncate(s.size)
		return fmt.Errorf("write %s: %w", s.f.Name(), err)
	}
	s.size += int64(len(p))
	return nil
}

// openDay opens the file of day for appending, repairing a torn last
// line. A day without a file is created by its first row (createDay).
func (s *Store) openDay(day string) error {
	s.day, s.size = day, 0
	path := filepath.Join(s.dir, dayFile(day))
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	size := st.Size()
	good, last, err := lastLine(f, size)
	if err != nil {
		f.Close()
		return err
	}
	if !last.IsZero() && (!s.hasLast || last.After(s.last)) {
		s.last, s.hasLast = last, true
	}
	if good == 0 {
		// Not even a complete header: start the day's file again.
		f.Close()
		s.opts.Logf("%s: no complete header line (interrupted write): recreated", path)
		return os.Remove(path)
	}
	if good < size {
		s.opts.Logf("%s: cut %d bytes of a torn last line (interrupted write)", path, size-good)
		if err := f.Truncate(good); err != nil {
			f.Close()
			return err
		}
	}
	if f, good, err = s.upgradeColumns(path, f, good); err != nil {
		return err
	}
	s.f, s.size = f, good
	return nil
}

// upgradeColumns rewrites the day's file f (size bytes, complete lines)
// with the current columns when an older version of the collector began it
// with fewer (fs_used_bytes came later), so that the rows appended now
// match its header; the old rows keep their values, the new columns stay
// empty in them. The rewrite is atomic (dataset.WriteFileAtomic). It
// returns the file to append to (f, or the new file once f is closed) and
// its size; on error f is closed.
func (s *Store) upgradeColumns(path string, f *os.File, size int64) (*os.File, int64, error) {
	want := dataset.HeaderLine()
	head := make([]byte, len(want))
	n, _ := f.ReadAt(head, 0)
	if string(head[:n]) == want {
		return f, size, nil
	}
	var series model.Series
	_, err := dataset.ReadSamples(io.NewSectionReader(f, 0, size), path, &series)
	f.Close()
	if err != nil {
		return nil, 0, fmt.Errorf("%s: columns differ from this version's and the file cannot be read to rewrite it: %w", path, err)
	}
	data := []byte(want)
	for i := 0; i < series.Len(); i++ {
		data = dataset.AppendRow(data, series.At(i))
	}
	if err := dataset.WriteFileAtomic(path, data, 0o640); err != nil {
		return nil, 0, fmt.Errorf("rewrite %s with the current columns: %w", path, err)
	}
	syncDir(s.dir)
	s.opts.Logf("%s: begun by an older version with other columns: rewritten with the current ones (%d rows kept)", path, series.Len())
	nf, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, 0, err
	}
	return nf, int64(len(data)), nil
}

// lastLine returns the length of r up to its last newline and the
// timestamp of the last complete row (zero if none).
func lastLine(r io.ReaderAt, size int64) (good int64, last time.Time, err error) {
	const tail = 64 << 10
	off := max(size-tail, 0)
	buf := make([]byte, size-off)
	if _, err := r.ReadAt(buf, off); err != nil && err != io.EOF {
		return 0, last, err
	}
	i := bytes.LastIndexByte(buf, '\n')
	if i < 0 {
		if off > 0 {
			return size, last, nil // a line longer than the tail: not ours, leave it
		}
		return 0, last, nil
	}
	good = off + int64(i) + 1
	line := buf[:i]
	if j := bytes.LastIndexByte(line, '\n'); j >= 0 {
		line = line[j+1:]
	}
	if k := bytes.IndexByte(line, ','); k > 0 {
		if t, err := time.Parse(time.RFC3339, string(line[:k])); err == nil {
			last = t
		}
	}
	return good, last, nil
}

// resumeLast sets the last row written from the newest day file, so that a
// restart never writes a row at or before it.
func (s *Store) resumeLast() {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	var newest string
	for _, e := range ents {
		if n := e.Name(); (isDayFile(n, ".csv") || isDayFile(n, ".csv.gz")) && n > newest {
			newest = n
		}
	}
	if newest == "" {
		return
	}
	data, err := os.ReadFile(filepath.Join(s.dir, newest))
	if err != nil {
		return
	}
	if strings.HasSuffix(newest, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		if data, err = io.ReadAll(zr); err != nil {
			return
		}
	}
	if _, last, _ := lastLine(bytes.NewReader(data), int64(len(data))); !last.IsZero() {
		s.last, s.hasLast = last, true
	}
}

// closeDays gzips every plain day file other than today's.
func (s *Store) closeDays(today string) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		s.opts.Logf("list %s: %v", s.dir, err)
		return
	}
	for _, e := range ents {
		n := e.Name()
		if !isDayFile(n, ".csv") || n == dayFile(today) {
			continue
		}
		if err := gzipFile(filepath.Join(s.dir, n)); err != nil {
			s.opts.Logf("gzip %s: %v (left plain, retried at the next day change)", n, err)
		}
	}
}

// gzipFile compresses path into path.gz (temporary file, fsync, rename)
// and removes path. A torn last line is left out.
func gzipFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if i := bytes.LastIndexByte(data, '\n'); i+1 < len(data) {
		data = data[:i+1]
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".gz.tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	_, err = zw.Write(data)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o640)
	}
	if err == nil {
		err = os.Rename(tmp, path+".gz")
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(dir)
	return os.Remove(path)
}

// syncDir makes a rename durable; not supported everywhere (Windows), where
// the error is ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// makeRoom deletes the oldest closed days until n more bytes fit under
// MaxBytes.
func (s *Store) makeRoom(n int64) error {
	if s.opts.MaxBytes <= 0 {
		return nil
	}
	for {
		total, closed, err := s.usage()
		if err != nil {
			return err
		}
		if total+n <= s.opts.MaxBytes {
			return nil
		}
		if len(closed) == 0 {
			return fmt.Errorf("%w: %s holds %d bytes, --max-bytes is %d and only the open day is left", ErrCapReached, s.dir, total, s.opts.MaxBytes)
		}
		p := filepath.Join(s.dir, closed[0].name)
		if err := os.Remove(p); err != nil {
			return err
		}
		s.opts.Logf("dropped %s (%d bytes), the oldest closed day, to stay under --max-bytes %d", closed[0].name, closed[0].size, s.opts.MaxBytes)
	}
}

type fileSize struct {
	name string
	size int64
}

// usage returns the bytes in the server directory and its closed day files,
// oldest first.
func (s *Store) usage() (int64, []fileSize, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, nil, err
	}
	var total int64
	var closed []fileSize
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		n := e.Name()
		total += info.Size()
		if (isDayFile(n, ".csv.gz") || isDayFile(n, ".csv")) && n != dayFile(s.day) {
			closed = append(closed, fileSize{n, info.Size()})
		}
	}
	sort.Slice(closed, func(i, j int) bool { return closed[i].name < closed[j].name })
	return total, closed, nil
}
