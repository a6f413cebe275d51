package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// SafeID turns a host name or trace file name into a server directory name:
// letters, digits, '.', '-' and '_' are kept, anything else becomes '_'.
func SafeID(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == '.' && b.Len() > 0:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// WriteInventory writes inv as dir/inventory.json atomically (temp file,
// rename). A format_version of 0 becomes model.FormatVersion; in a
// directory that holds a ParquetFile it is at least ParquetFormatVersion,
// so that a reader that knows only CSV samples refuses the server.
func WriteInventory(dir string, inv model.Inventory) error {
	if inv.FormatVersion == 0 {
		inv.FormatVersion = model.FormatVersion
	}
	if inv.FormatVersion < ParquetFormatVersion && exists(filepath.Join(dir, ParquetFile)) {
		inv.FormatVersion = ParquetFormatVersion
	}
	data, err := json.MarshalIndent(inv, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, InventoryFile), append(data, '\n'), 0o640)
}

// WriteFileAtomic writes data to a temporary file in path's directory, syncs
// it and renames it over path, so readers see the old or the new file, never
// half of one.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, perm)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// Writer writes a whole dataset (as importers and the sample generator
// do) into a hidden temporary directory beside the destination. Commit
// moves the servers into place; Abort removes everything, so a failed
// import leaves no partial output.
type Writer struct {
	final, tmp string
	ids        map[string]bool
	open       []*ServerWriter
	bits       int // compact storage's significant bits; 0: exact
}

// Create starts a dataset that Commit will place at dir. dir may not exist
// yet, or may be an existing dataset that the new servers are added to.
func Create(dir string) (*Writer, error) {
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(filepath.Clean(dir))+".tmp*")
	if err != nil {
		return nil, err
	}
	// MkdirTemp makes the directory 0700; it becomes the dataset directory
	// when dir does not exist, and datasets are 0750 (docs/format.md).
	if err := os.Chmod(tmp, 0o750); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	return &Writer{final: filepath.Clean(dir), tmp: tmp, ids: map[string]bool{}}, nil
}

// SetPrecisionBits makes the servers added from now on store their
// samples compact (lossy) at b significant bits: each value of a Compact
// metric is rounded to b bits (relative error at most 2^-b) and its
// column is FLOAT, the file's metadata saying b (PrecisionKey). 0, the
// default, stores them exact. b must pass CheckPrecisionBits.
func (w *Writer) SetPrecisionBits(b int) error {
	if err := CheckPrecisionBits(b); err != nil {
		return err
	}
	w.bits = b
	return nil
}

// UniqueID returns SafeID(name), suffixed with -2, -3, ... if that ID was
// already used in this dataset or exists in the destination.
func (w *Writer) UniqueID(name string) string {
	base := SafeID(name)
	id := base
	for i := 2; w.ids[id] || exists(filepath.Join(w.final, id)); i++ {
		id = fmt.Sprintf("%s-%d", base, i)
	}
	return id
}

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

// AddServer creates a server directory with its inventory and returns a
// writer for its samples. id must be a SafeID not used before. Close each
// ServerWriter when its server is done so that large imports keep one file
// open at a time; Commit closes any still open. A Writer is not safe
// for concurrent use.
func (w *Writer) AddServer(id string, inv model.Inventory) (*ServerWriter, error) {
	if id != SafeID(id) || id == "." || id == ".." {
		return nil, fmt.Errorf("server id %q is not a safe directory name", id)
	}
	if w.ids[id] {
		return nil, fmt.Errorf("server id %q used twice", id)
	}
	if exists(filepath.Join(w.final, id)) {
		return nil, fmt.Errorf("%s already exists", filepath.Join(w.final, id))
	}
	w.ids[id] = true
	dir := filepath.Join(w.tmp, id)
	if err := os.Mkdir(dir, 0o750); err != nil {
		return nil, err
	}
	if inv.FormatVersion < ParquetFormatVersion {
		inv.FormatVersion = ParquetFormatVersion
	}
	if err := WriteInventory(dir, inv); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, ParquetFile), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, err
	}
	sw := &ServerWriter{Dir: dir, pq: newParquetSink(f, w.bits)}
	w.open = append(w.open, sw)
	return sw, nil
}

// Commit closes every server writer and moves the servers into the
// destination directory.
func (w *Writer) Commit() error {
	for _, sw := range w.open {
		if err := sw.Close(); err != nil {
			w.Abort()
			return err
		}
	}
	w.open = nil
	if !exists(w.final) {
		if err := os.Rename(w.tmp, w.final); err != nil {
			w.Abort()
			return err
		}
		return nil
	}
	ids := make([]string, 0, len(w.ids))
	for id := range w.ids {
		if exists(filepath.Join(w.final, id)) {
			w.Abort()
			return fmt.Errorf("%s appeared while importing", filepath.Join(w.final, id))
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for i, id := range ids {
		if err := os.Rename(filepath.Join(w.tmp, id), filepath.Join(w.final, id)); err != nil {
			// All or nothing: move back the servers already moved, then
			// remove the staging directory.
			for _, back := range ids[:i] {
				os.Rename(filepath.Join(w.final, back), filepath.Join(w.tmp, back))
			}
			w.Abort()
			return fmt.Errorf("move %s into %s: %w", id, w.final, err)
		}
	}
	return os.Remove(w.tmp)
}

// Abort discards everything written.
func (w *Writer) Abort() {
	for _, sw := range w.open {
		if !sw.closed {
			sw.pq.f.Close()
		}
	}
	w.open = nil
	os.RemoveAll(w.tmp)
}

// ServerWriter appends samples to one server's samples file, a
// ParquetFile. The file is complete only once closed; until the Writer
// commits it is not in the destination.
type ServerWriter struct {
	Dir    string
	pq     *parquetSink
	last   int64
	n      int
	closed bool
}

// ErrOutOfOrder is returned when samples are not written in time order.
var ErrOutOfOrder = errors.New("samples must be written in increasing time order")

// Write appends one sample. Samples must come in increasing time order.
// A sample that ReadSamples would reject (an interval outside 1 s..1 day, a
// negative, infinite or absurd value, a CPU above 100 %, a mean above its
// max) is an error, so that a writer never leaves an unreadable dataset.
func (sw *ServerWriter) Write(x model.Sample) error {
	at := x.Start.UTC().Format("2006-01-02T15:04:05Z")
	if sw.closed {
		return fmt.Errorf("sample at %s: %s is closed", at, ParquetFile)
	}
	if iv := x.Interval / time.Second; iv < 1 || iv > maxIntervalSec {
		return fmt.Errorf("sample at %s: interval %s is not in 1s..24h", at, x.Interval)
	}
	if err := checkStart(x.Start); err != nil {
		return fmt.Errorf("sample at %s: %w", at, err)
	}
	// Check the values as they will be written (rounded).
	y := x
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		if bits := sw.pq.bits; bits > 0 && Compact(m) {
			y.Mean[m], y.Max[m] = compactValue(m, x.Mean[m], bits), compactValue(m, x.Max[m], bits)
		} else {
			y.Mean[m], y.Max[m] = round6(x.Mean[m]), round6(x.Max[m])
		}
		for _, v := range [2]float64{y.Mean[m], y.Max[m]} {
			if math.IsNaN(v) {
				continue
			}
			if err := checkValue(m, v); err != nil {
				return fmt.Errorf("sample at %s: %s: %w", at, m, err)
			}
		}
		if _, err := checkMeanMax(&y, m); err != nil {
			return fmt.Errorf("sample at %s: %s: %w", at, m, err)
		}
	}
	t := x.Start.Unix()
	if sw.n > 0 && t <= sw.last {
		return fmt.Errorf("sample at %s: %w", at, ErrOutOfOrder)
	}
	sw.last = t
	sw.n++
	// y is the sample as ReadSamples would read its CSV row back.
	return sw.pq.add(y)
}

// Len returns the number of samples written.
func (sw *ServerWriter) Len() int { return sw.n }

// Close writes the file's footer, syncs and closes it.
func (sw *ServerWriter) Close() error {
	if sw.closed {
		return nil
	}
	sw.closed = true
	err := sw.pq.close()
	sw.pq = nil // the Writer keeps sw until Commit: free the column buffers
	return err
}
