package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kvmfit/kvmfit/model"
)

// Input is everything the report renders; report computes nothing new beyond
// summing the demand of a host's servers per slot for its chart.
type Input struct {
	// Plan is the plan to show (plan.json). It is required.
	Plan *model.Plan
	// Demand is the profiled demand that was packed; Demand.Servers[i].ID
	// matches the plan's server IDs. If it is nil the host sections have no
	// demand charts.
	Demand *model.Demand
	// Backtest, when not nil, is the replay of later data against the plan
	// and the baselines, shown under the risks. Without it the page says
	// that no backtest was run.
	Backtest *Backtest
}

// Option configures Write and WriteFile.
type Option func(*options)

type options struct {
	title string
}

// DefaultTitle is the page title used without WithTitle.
const DefaultTitle = "kvmfit consolidation plan"

// WithTitle sets the page title and heading (DefaultTitle by default).
func WithTitle(title string) Option {
	return func(o *options) { o.title = title }
}

// Write renders in as one self-contained HTML page and writes it to w. The
// page loads nothing from the network or the file system. Nothing is written
// if rendering fails.
func Write(w io.Writer, in Input, opts ...Option) error {
	o := options{title: DefaultTitle}
	for _, opt := range opts {
		opt(&o)
	}
	p, err := buildPage(in, o)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return fmt.Errorf("report: render page: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: write: %w", err)
	}
	return nil
}

// WriteFile writes the report to path (mode 0644). It writes a temporary file
// in the same directory and renames it over path, so path never holds a
// half-written report.
func WriteFile(path string, in Input, opts ...Option) (err error) {
	var buf bytes.Buffer
	if err := Write(&buf, in, opts...); err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	_, werr := f.Write(buf.Bytes())
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("report: write %s: %w", tmp, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
