package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kvmfit/kvmfit/model"
)

// ReadServer reads one server directory: inventory.json and every
// samples*.csv, samples*.csv.gz and samples*.parquet in name order. Samples are sorted by time;
// repeated timestamps keep the first row and are counted in a warning.
func ReadServer(dir string) (*model.Server, error) {
	return ReadServerInto(dir, nil)
}

// ReadServerInto is ReadServer reading the samples into buf's arrays when
// they are large enough (buf nil: new ones): reading a fleet one server
// after another, the same buffers serve every server. buf's samples are
// dropped; the server's Series then uses buf's arrays, so buf must not be
// used again until the server's samples are no longer needed.
func ReadServerInto(dir string, buf *model.Series) (*model.Server, error) {
	// The ID is the directory's own name, also when dir is "." or "..".
	id := filepath.Base(filepath.Clean(dir))
	if abs, err := filepath.Abs(dir); err == nil {
		id = filepath.Base(abs)
	}
	srv := &model.Server{ID: id, Dir: dir}
	if buf != nil {
		srv.Series = *buf
		srv.Series.Truncate(0)
	}
	inv, err := ReadInventory(dir)
	if err != nil {
		return nil, err
	}
	srv.Inventory = inv
	files, err := sampleFiles(dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		srv.Warnings = append(srv.Warnings, fmt.Errorf("%s: no samples files", dir))
	}
	for _, f := range files {
		w, err := readSampleFile(f, &srv.Series)
		srv.Warnings = append(srv.Warnings, w...)
		if err != nil {
			return nil, err
		}
	}
	if dups := sortSeries(&srv.Series); dups > 0 {
		srv.Warnings = append(srv.Warnings, fmt.Errorf("%s: %d samples with a repeated timestamp ignored", dir, dups))
	}
	return srv, nil
}

// ReadInventory reads dir/inventory.json, the one place it is decoded. A
// format_version this build does not read (below 1 or above FormatVersion)
// is an error naming the file.
func ReadInventory(dir string) (model.Inventory, error) {
	path := filepath.Join(dir, InventoryFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return model.Inventory{}, err
	}
	var inv model.Inventory
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&inv); err != nil {
		return model.Inventory{}, fmt.Errorf("%s: %w", path, err)
	}
	if v := inv.FormatVersion; v < 1 || v > maxFormatVersion() {
		return model.Inventory{}, fmt.Errorf("%s: field format_version: %d is not supported (this build reads 1..%d)", path, v, maxFormatVersion())
	}
	return inv, nil
}

func sampleFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, "samples") && (strings.HasSuffix(n, ".csv") || strings.HasSuffix(n, ".csv.gz") || strings.HasSuffix(n, ".parquet")) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	sort.Strings(out)
	return out, nil
}

func readSampleFile(path string, s *model.Series) ([]error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if strings.HasSuffix(path, ".parquet") {
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		return ReadParquet(f, st.Size(), path, s)
	}
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	return ReadSamples(r, path, s)
}

// sortSeries sorts s by start time (stable) and drops repeated starts,
// returning how many were dropped.
func sortSeries(s *model.Series) int {
	n := s.Len()
	sorted := true
	for i := 1; i < n; i++ {
		if s.Start[i] <= s.Start[i-1] {
			sorted = false
			break
		}
	}
	if sorted {
		return 0
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return s.Start[idx[a]] < s.Start[idx[b]] })
	keep := idx[:0]
	for i, j := range idx {
		if i > 0 && s.Start[j] == s.Start[keep[len(keep)-1]] {
			continue
		}
		keep = append(keep, j)
	}
	dups := n - len(keep)
	var out model.Series
	out.Start = make([]int64, len(keep))
	out.IntervalSec = make([]int32, len(keep))
	for k, j := range keep {
		out.Start[k] = s.Start[j]
		out.IntervalSec[k] = s.IntervalSec[j]
	}
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		out.Mean[m] = make([]float64, len(keep))
		out.Max[m] = make([]float64, len(keep))
		for k, j := range keep {
			out.Mean[m][k] = s.Mean[m][j]
			out.Max[m][k] = s.Max[m][j]
		}
	}
	*s = out
	return dups
}

// Read reads every server of a dataset directory (ServerDirs), in name
// order. A directory that is itself a server directory is read as a
// one-server dataset. Servers that cannot be read are an error naming the
// file.
func Read(dir string) ([]*model.Server, error) {
	dirs, err := ServerDirs(dir)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Server, 0, len(dirs))
	for _, d := range dirs {
		s, err := ReadServer(d)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
