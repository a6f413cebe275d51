package importer

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
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
			noStorageNote,
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
