package collect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// ErrNoData is returned by a source that has nothing to report on this
// system (for example no disk counters inside some containers). It is not
// a failure: the metric stays empty in the dataset.
var ErrNoData = errors.New("no data")

// Source reads one snapshot of the server's counters. Metrics it cannot
// read are left nil or NaN in the snapshot.
type Source interface {
	Read(ctx context.Context, x *Snapshot) error
}

// Sink receives the rows, in increasing time order.
type Sink interface {
	Append(x model.Sample) error
}

// Clock tells wall time (for timestamps) and monotonic time (for rates and
// scheduling) apart, so that a wall clock step (NTP, an admin's date
// command) neither produces negative or absurd rates nor stalls sampling.
type Clock interface {
	// Now returns the wall clock time.
	Now() time.Time
	// Mono returns a monotonic time, from an arbitrary origin.
	Mono() time.Duration
	// Sleep waits for d of monotonic time or until ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

// realClock is the system clock.
type realClock struct{ origin time.Time }

// NewRealClock returns the system clock.
func NewRealClock() Clock { return &realClock{origin: time.Now()} }

func (c *realClock) Now() time.Time      { return time.Now() }
func (c *realClock) Mono() time.Duration { return time.Since(c.origin) } // monotonic reading
func (c *realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Options are the collector's settings.
type Options struct {
	// Interval is the length of one output row.
	Interval time.Duration
	// Sample is the sub-sample period; Interval must be a multiple of it.
	Sample time.Duration
	// Duration stops the collector after this long; 0 runs until ctx is done.
	Duration time.Duration
	// Logf receives operational messages (clock steps, dropped rows); nil
	// discards them.
	Logf func(format string, args ...any)
}

// DefaultOptions are the defaults of `kvmfit collect`.
var DefaultOptions = Options{Interval: 60 * time.Second, Sample: 5 * time.Second}

// Validate checks the options.
func (o Options) Validate() error {
	switch {
	case o.Sample < 100*time.Millisecond:
		return fmt.Errorf("sample period %s: must be at least 100ms", o.Sample)
	case o.Interval < time.Second || o.Interval > 24*time.Hour:
		return fmt.Errorf("interval %s: must be between 1s and 24h", o.Interval)
	case o.Interval%time.Second != 0:
		return fmt.Errorf("interval %s: must be a whole number of seconds", o.Interval)
	case o.Interval%o.Sample != 0:
		return fmt.Errorf("interval %s: must be a multiple of the sample period %s", o.Interval, o.Sample)
	case o.Duration < 0:
		return fmt.Errorf("duration %s: must not be negative", o.Duration)
	}
	return nil
}

// maxClockSkew is how far the wall clock may drift from the monotonic
// clock before it counts as a step and the schedule is re-anchored.
const maxClockSkew = 2 * time.Second

// Run samples src every opts.Sample and appends one row per opts.Interval to
// sink, with the mean and max over the sub-samples. Rows are aligned to
// multiples of the interval in UTC (a 60 s row starts on a minute); the
// first row covers the part of an interval left after start. When ctx is
// done or opts.Duration has passed, the interval in flight is written as a
// shorter row (its real interval_sec) and Run returns nil. Errors of the
// sink are logged and do not stop collection: the sink keeps and retries.
func Run(ctx context.Context, src Source, clk Clock, sink Sink, opts Options) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	prev, cur := newSnapshot(), newSnapshot()
	if err := src.Read(ctx, &prev); err != nil {
		return fmt.Errorf("first reading: %w", err)
	}
	prevMono := clk.Mono()
	// The wall clock anchored to the monotonic clock; a step re-anchors.
	anchorWall, anchorMono := clk.Now(), prevMono
	wallAt := func(mono time.Duration) time.Time { return anchorWall.Add(mono - anchorMono) }
	startMono := prevMono
	// ivStart is the wall time the row in flight starts at: the end of the
	// previous row, or the (rounded) start of the collector.
	ivStart := anchorWall.Round(time.Second)
	ivStartMono := prevMono
	var lastEnd time.Time // end of the last row written
	var iv interval

	// emit writes the row in flight as ending at end (whole seconds) and
	// starts the next one there. A row shorter than a second is dropped.
	emit := func(end time.Time, endMono time.Duration) {
		start := ivStart
		if start.Before(lastEnd) {
			// The wall clock stepped back: clip the row so rows never overlap.
			start = lastEnd
		}
		length := end.Sub(start)
		if !iv.empty() && length >= time.Second {
			if err := sink.Append(iv.sample(start, length)); err != nil {
				logf("write row %s: %v (kept, retried with the next row)", start.UTC().Format(time.RFC3339), err)
			}
			lastEnd = end
		} else if !iv.empty() && end.Before(lastEnd) {
			logf("clock stepped back: row ending %s dropped", end.UTC().Format(time.RFC3339))
		}
		iv, ivStart, ivStartMono = interval{}, end, endMono
	}

	// sub reads a snapshot and adds it to the interval.
	sub := func(ctx context.Context) (time.Duration, error) {
		cur = newSnapshot()
		err := src.Read(ctx, &cur)
		m := clk.Mono()
		if err != nil {
			return m, err
		}
		iv.addSub(diff(&prev, &cur, m-prevMono))
		iv.addGauges(&cur)
		prev, cur = cur, prev
		prevMono = m
		return m, nil
	}

	for {
		// Next sub-sample tick: the next multiple of Sample in wall time.
		// Row boundaries follow this schedule, not the time the reading
		// was actually taken, so a late wake-up on a loaded machine
		// neither shifts nor stretches rows.
		now := clk.Mono()
		tickWall := wallAt(now).Truncate(opts.Sample).Add(opts.Sample)
		tickMono := anchorMono + tickWall.Sub(anchorWall)
		final := false
		if opts.Duration > 0 && tickMono >= startMono+opts.Duration {
			tickMono, final = startMono+opts.Duration, true
		}
		if err := clk.Sleep(ctx, tickMono-now); err != nil {
			// Flush the interval in flight: one last reading, not cancelled.
			m, rerr := sub(context.WithoutCancel(ctx))
			if rerr != nil {
				logf("read counters: %v", rerr)
			}
			emit(wallAt(m).Round(time.Second), m)
			return nil
		}
		m, err := sub(ctx)
		if err != nil {
			logf("read counters: %v", err)
		}
		wall := clk.Now()
		if skew := wall.Sub(wallAt(m)); skew > maxClockSkew || skew < -maxClockSkew {
			logf("wall clock stepped by %s; rates use the monotonic clock, timestamps follow the new time", skew.Round(time.Second))
			// The row in flight ends now, on the new time, with the length
			// the monotonic clock measured.
			end := wall.Round(time.Second)
			ivStart = end.Add(-(m - ivStartMono).Round(time.Second))
			anchorWall, anchorMono = wall, m
			emit(end, m)
			continue
		}
		if final {
			emit(wallAt(m).Round(time.Second), m)
			return nil
		}
		if tickWall.Equal(tickWall.Truncate(opts.Interval)) {
			emit(tickWall, m)
		}
	}
}
