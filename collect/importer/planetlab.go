package importer

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

const (
	// planetLabStep is the interval between lines of a PlanetLab file.
	planetLabStep = 5 * time.Minute
	// planetLabDay is the number of lines in the files CloudSim ships.
	planetLabDay = 288
)

// parsePlanetLabLine parses one line of a PlanetLab file: a whole number
// of percent in 0..100, surrounding blanks ignored.
func parsePlanetLabLine(line string) (int, error) {
	f := strings.TrimSpace(line)
	v, err := strconv.Atoi(f)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number of percent", f)
	}
	if v < 0 || v > 100 {
		return 0, fmt.Errorf("%d is outside 0..100", v)
	}
	return v, nil
}

// PlanetLab imports PlanetLab VM CPU traces as shipped with CloudSim (one
// file per VM, one integer CPU % per line, 5-minute steps, no timestamps)
// into the dataset at out, adding one server per file. start is the time of
// each file's first line; the traces do not record it, so the caller must
// supply it (for example from the day folder's name, 20110303). It is
// truncated to whole seconds.
//
// Blank lines at the end of a file are ignored; a blank line followed by
// data, a non-integer or a value outside 0..100 is an error
// "FILE:LINE: field cpu_busy_pct: problem" (*model.SampleParseError) and
// nothing is written. A file without data is skipped with a warning.
func PlanetLab(files []string, start time.Time, out string, opts Options) (Summary, error) {
	if start.IsZero() {
		return Summary{}, errors.New("planetlab: the start time of the traces is required")
	}
	start = start.UTC().Truncate(time.Second)
	r, err := newRun(files, opts)
	if err != nil {
		return Summary{}, err
	}
	return r.do(out, func(path string) error { return r.planetLabFile(path, start) })
}

func (r *run) planetLabFile(path string, start time.Time) error {
	base := filepath.Base(path)
	s := &stepServer{r: r, path: path, name: "planetlab-" + parentName(path) + "-" + base, start: start, step: planetLabStep, inv: model.Inventory{
		Hostname:    base,
		Cores:       1,
		Threads:     1,
		IsVM:        true,
		Source:      "import:planetlab",
		SourceFiles: []string{path},
		Notes: []string{
			"CPU only: the source has no memory, disk or network",
			"cpu_busy_pct is of the PlanetLab sliver's CPU share, not of a whole node",
			"cores = 1 stands for one sliver; cpu_mhz is unknown",
			"source keeps one value per 5 minutes: interval max equals mean",
			"updated_at is the end of the last sample",
			"sample times assume line 1 starts at " + start.Format(time.RFC3339) + " (given at import; the trace has no timestamps)",
		},
	}}
	field := model.CPUBusyPct.String()
	blankLine := 0 // first line of the current run of blank lines, 0 if none
	ok, err := s.read(func(lineNo int, line string) error {
		if strings.TrimSpace(line) == "" {
			if blankLine == 0 {
				blankLine = lineNo
			}
			return nil
		}
		if blankLine != 0 {
			return &model.SampleParseError{File: path, Line: blankLine, Field: field,
				Err: fmt.Errorf("blank line before more data at line %d (lines carry no timestamps, so a gap would shift every later sample)", lineNo)}
		}
		v, err := parsePlanetLabLine(line)
		if err != nil {
			return &model.SampleParseError{File: path, Line: lineNo, Field: field, Err: err}
		}
		x := s.next()
		x.Set(model.CPUBusyPct, float64(v), float64(v))
		return s.write(lineNo, x)
	})
	if !ok || err != nil {
		return err
	}
	if s.n != planetLabDay {
		r.warn(fmt.Errorf("%s: %d lines, CloudSim's PlanetLab files have %d (one day); imported as %s", path, s.n, planetLabDay, time.Duration(s.n)*planetLabStep))
	}
	return s.close()
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
