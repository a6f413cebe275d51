package dataset

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// File names inside a server directory (docs/format.md).
const (
	InventoryFile = "inventory.json"
	// SamplesFile is the file importers write; a collector writes one
	// samples-YYYY-MM-DD.csv per UTC day and gzips closed days.
	SamplesFile = "samples.csv"
)

// ErrNotDataset is returned when a directory holds no server.
var ErrNotDataset = errors.New("not a kvmfit dataset")

// Header returns the samples CSV header columns: timestamp, interval_sec,
// then <metric>_mean and <metric>_max for every metric in Metric order.
func Header() []string {
	h := []string{"timestamp", "interval_sec"}
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		h = append(h, m.String()+"_mean", m.String()+"_max")
	}
	return h
}

// HeaderLine is Header joined with commas and a trailing newline.
func HeaderLine() string { return strings.Join(Header(), ",") + "\n" }

// AppendRow appends the CSV line of x (with a trailing newline) to dst.
func AppendRow(dst []byte, x model.Sample) []byte {
	dst = x.Start.UTC().AppendFormat(dst, time.RFC3339)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(x.Interval/time.Second), 10)
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		dst = appendValue(append(dst, ','), x.Mean[m])
		dst = appendValue(append(dst, ','), x.Max[m])
	}
	return append(dst, '\n')
}

func appendValue(dst []byte, v float64) []byte {
	if math.IsNaN(v) {
		return dst
	}
	return strconv.AppendFloat(dst, round6(v), 'f', -1, 64)
}

// round6 rounds v to six decimals, which are far below any measurement's
// resolution and keep files human-readable and stable. The rounding is
// monotonic, so a mean at or below its max stays so. A value of
// round6Exact or more is kept as it is: a float64 that large has no six
// decimals to round to, and v*1e6 would be inexact (a byte count of
// 13090499351760 came back as 13090499351759.998).
func round6(v float64) float64 {
	if math.Abs(v) >= round6Exact {
		return v
	}
	return math.Round(v*1e6) / 1e6
}

// round6Exact is 2^53 / 10^6: below it, v*1e6 rounds to an integer that
// a float64 holds exactly.
const round6Exact = (1 << 53) / 1e6

// Bounds of a sample that the codec accepts (docs/format.md).
const (
	// maxReasonable bounds every value: anything larger is a corrupt file.
	maxReasonable = 1e18
	// maxCPUPct is the largest cpu_busy_pct accepted (100 plus rounding).
	maxCPUPct = 100.5
	// maxIntervalSec is the longest interval: one day.
	maxIntervalSec = 86400
	// meanAboveMaxTol is how far a mean may exceed its max (relative and
	// absolute) before the row is rejected; within it the mean is clamped.
	meanAboveMaxTol = 1e-6
)

// Timestamps are accepted from the Unix epoch to the end of year 9999 UTC:
// earlier ones are corrupt, later ones cannot be written in RFC 3339.
var (
	minTimestamp = time.Unix(0, 0).UTC()
	maxTimestamp = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// checkStart reports whether a sample start is within the accepted range.
func checkStart(t time.Time) error {
	if t.Before(minTimestamp) || !t.Before(maxTimestamp) {
		return fmt.Errorf("%s is outside 1970..9999", t.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkValue reports whether v is an acceptable value of metric m.
func checkValue(m model.Metric, v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("%g is not a number", v)
	case v < 0 || v > maxReasonable:
		return fmt.Errorf("%g is out of range", v)
	case m == model.CPUBusyPct && v > maxCPUPct:
		return fmt.Errorf("%g%% is above 100", v)
	}
	return nil
}

// checkMeanMax completes and checks metric m of x: if only one of mean and
// max is present the other is taken equal to it; a mean above the max by
// more than rounding is an error, within rounding it is clamped to the max.
// It returns the name of the offending column on error.
func checkMeanMax(x *model.Sample, m model.Metric) (string, error) {
	mean, max := x.Mean[m], x.Max[m]
	switch {
	case math.IsNaN(mean) && math.IsNaN(max):
	case math.IsNaN(mean):
		x.Mean[m] = max // only a peak was recorded: it bounds the mean
	case math.IsNaN(max):
		x.Max[m] = mean
	case mean > max*(1+meanAboveMaxTol)+meanAboveMaxTol:
		return m.String() + "_mean", fmt.Errorf("mean %g is above max %g", mean, max)
	case mean > max:
		x.Mean[m] = max
	}
	return "", nil
}

// column maps a CSV column to where its value goes.
type column struct {
	name   string
	metric model.Metric
	isMax  bool
	known  bool
}

// ReadSamples parses a samples CSV from r, appending rows to s. name is used
// in errors. A last line without a newline is a torn write: it is skipped and
// reported in warnings. Unknown columns are ignored (with one warning) so
// that newer files stay readable; a missing metric column means "not measured".
func ReadSamples(r io.Reader, name string, s *model.Series) (warnings []error, err error) {
	br := bufio.NewReaderSize(r, 1<<16)
	lineNo := 0
	// offset counts the bytes of the complete lines read; lastGood is the
	// timestamp of the last row read, for the position in a read error.
	var offset int64
	var lastGood string
	var cols []column
	tsCol, ivCol := -1, -1
	var fields []string
	for {
		line, rerr := br.ReadSlice('\n')
		if rerr == bufio.ErrBufferFull {
			// Very long line: gather it whole.
			buf := append([]byte(nil), line...)
			for rerr == bufio.ErrBufferFull {
				line, rerr = br.ReadSlice('\n')
				buf = append(buf, line...)
			}
			line = buf
		}
		if len(line) == 0 && rerr == io.EOF {
			break
		}
		if rerr != nil && rerr != io.EOF {
			return warnings, readError(name, lineNo, offset, lastGood, rerr)
		}
		lineNo++
		offset += int64(len(line))
		torn := rerr == io.EOF // no trailing newline
		text := strings.TrimRight(string(line), "\r\n")
		if torn {
			if lineNo == 1 {
				return warnings, &model.SampleParseError{File: name, Line: lineNo, Err: errors.New("header line is incomplete (no newline)")}
			}
			warnings = append(warnings, fmt.Errorf("%s:%d: last line is incomplete (torn write?), skipped", name, lineNo))
			break
		}
		if lineNo == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
			hdr := strings.Split(text, ",")
			var unknown []string
			for i, h := range hdr {
				h = strings.TrimSpace(h)
				c := column{name: h}
				switch {
				case h == "timestamp":
					tsCol = i
				case h == "interval_sec":
					ivCol = i
				case strings.HasSuffix(h, "_mean") || strings.HasSuffix(h, "_max"):
					stem, isMax := strings.TrimSuffix(h, "_mean"), false
					if strings.HasSuffix(h, "_max") {
						stem, isMax = strings.TrimSuffix(h, "_max"), true
					}
					if m, ok := model.MetricByName(stem); ok {
						c.metric, c.isMax, c.known = m, isMax, true
					} else {
						unknown = append(unknown, h)
					}
				default:
					unknown = append(unknown, h)
				}
				cols = append(cols, c)
			}
			if tsCol < 0 || ivCol < 0 {
				return warnings, &model.SampleParseError{File: name, Line: 1, Err: errors.New("header must have timestamp and interval_sec columns")}
			}
			if len(unknown) > 0 {
				warnings = append(warnings, fmt.Errorf("%s:1: unknown columns ignored: %s", name, strings.Join(unknown, ", ")))
			}
			continue
		}
		if text == "" {
			continue
		}
		fields = splitComma(fields[:0], text)
		if len(fields) != len(cols) {
			return warnings, &model.SampleParseError{File: name, Line: lineNo, Err: fmt.Errorf("%d fields, header has %d", len(fields), len(cols))}
		}
		x, perr := parseRow(fields, cols, tsCol, ivCol)
		if perr != nil {
			perr.File, perr.Line = name, lineNo
			return warnings, perr
		}
		s.Append(x)
		lastGood = fields[tsCol]
	}
	if lineNo == 0 {
		return warnings, &model.SampleParseError{File: name, Line: 1, Err: errors.New("empty file: no header")}
	}
	return warnings, nil
}

// readError is a read failure after lineNo complete lines (offset bytes,
// the last row at lastGood): a truncated or corrupt compressed file, whose
// rest is lost. Unlike a torn last line (a crash while appending, which
// loses one row at most), it is an error: the rows after it are unknown.
func readError(name string, lineNo int, offset int64, lastGood string, err error) error {
	what := "after the header"
	switch {
	case lineNo == 0:
		what = "before the header"
	case lastGood != "":
		what = fmt.Sprintf("after line %d (last complete row %s)", lineNo, strings.TrimSpace(lastGood))
	}
	return &model.SampleParseError{File: name, Line: lineNo + 1, Err: fmt.Errorf(
		"data end %s at byte %d of the uncompressed data: %w; the file is truncated or corrupt and the rest of it is lost — restore it, or move it out of the server directory to plan without it", what, offset, err)}
}

func splitComma(dst []string, s string) []string {
	for {
		i := strings.IndexByte(s, ',')
		if i < 0 {
			return append(dst, s)
		}
		dst = append(dst, s[:i])
		s = s[i+1:]
	}
}

func parseRow(fields []string, cols []column, tsCol, ivCol int) (model.Sample, *model.SampleParseError) {
	ts, err := time.Parse(time.RFC3339, strings.TrimSpace(fields[tsCol]))
	if err != nil {
		return model.Sample{}, &model.SampleParseError{Field: "timestamp", Err: fmt.Errorf("%q is not an RFC 3339 time", fields[tsCol])}
	}
	if err := checkStart(ts); err != nil {
		return model.Sample{}, &model.SampleParseError{Field: "timestamp", Err: err}
	}
	iv, err := strconv.Atoi(strings.TrimSpace(fields[ivCol]))
	if err != nil || iv <= 0 || iv > maxIntervalSec {
		return model.Sample{}, &model.SampleParseError{Field: "interval_sec", Err: fmt.Errorf("%q is not a whole number of seconds in 1..%d", fields[ivCol], maxIntervalSec)}
	}
	x := model.NewSample(ts, time.Duration(iv)*time.Second)
	for i, c := range cols {
		if !c.known {
			continue
		}
		f := strings.TrimSpace(fields[i])
		if f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return model.Sample{}, &model.SampleParseError{Field: c.name, Err: fmt.Errorf("%q is not a number", f)}
		}
		if err := checkValue(c.metric, v); err != nil {
			return model.Sample{}, &model.SampleParseError{Field: c.name, Err: err}
		}
		if c.isMax {
			x.Max[c.metric] = v
		} else {
			x.Mean[c.metric] = v
		}
	}
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		if field, err := checkMeanMax(&x, m); err != nil {
			return model.Sample{}, &model.SampleParseError{Field: field, Err: err}
		}
	}
	return x, nil
}
