package dataset

import (
	"fmt"
	"math"
	"strconv"

	"github.com/kvmfit/kvmfit/model"
)

// Compact (lossy) sample storage, opt-in: Writer.SetPrecisionBits(b)
// rounds every measured value of the compact metrics (Compact) to b
// significant bits before writing, and writes their columns as FLOAT
// (float32) BYTE_STREAM_SPLIT. With b ≤ 8 the two low bytes of every
// float32 are zero and zstd removes their byte streams: a fleet's samples
// take about half the bytes of the exact store. The relative error of
// each value is at most 2^-b (8: 0.39 %). docs/format.md, "Compact
// samples", has the measured sizes and what they change in a plan.

const (
	// MinPrecisionBits and MaxPrecisionBits bound the significant bits of
	// compact storage. Below 4 a value is off by up to 12.5 %; 24 is a
	// whole float32 (nothing to gain over 23 but its own rounding).
	MinPrecisionBits = 4
	MaxPrecisionBits = 23

	// PrecisionKey is the samples Parquet file's key-value metadata key
	// that holds the significant bits of its compact columns (absent in an
	// exact file).
	PrecisionKey = "kvmfit.precision_bits"
)

// CheckPrecisionBits returns an error unless b is 0 (exact) or in
// MinPrecisionBits..MaxPrecisionBits.
func CheckPrecisionBits(b int) error {
	if b == 0 || (b >= MinPrecisionBits && b <= MaxPrecisionBits) {
		return nil
	}
	return fmt.Errorf("precision bits %d: want 0 (exact) or %d..%d significant bits", b, MinPrecisionBits, MaxPrecisionBits)
}

// Compact tells whether compact storage rounds metric m: every metric but
// mem_total_bytes, the memory installed, which changes once in months and
// costs almost nothing exact.
func Compact(m model.Metric) bool { return m != model.MemTotalBytes }

// MaxRelativeError is the largest relative error of a value stored to b
// significant bits: 2^-b.
func MaxRelativeError(b int) float64 { return math.Ldexp(1, -b) }

// PrecisionText describes b significant bits for people: "8 significant
// bits (within 0.39 %)".
func PrecisionText(b int) string {
	return fmt.Sprintf("%d significant bits (within %s %%)", b, strconv.FormatFloat(100*MaxRelativeError(b), 'g', 2, 64))
}

// RoundBits rounds v to b (1..52) significant bits, to nearest (halves
// away from zero): |RoundBits(v, b) - v| ≤ 2^-b |v|. It is monotonic
// (a ≤ c gives RoundBits(a, b) ≤ RoundBits(c, b)), idempotent, and keeps
// zero, NaN and infinities as they are.
func RoundBits(v float64, b int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	frac, exp := math.Frexp(v) // 0.5 ≤ |frac| < 1
	scale := math.Ldexp(1, b)
	return math.Ldexp(math.Round(frac*scale)/scale, exp)
}

// compactValue is what compact storage at b bits keeps of a value v of
// metric m (before the checks of ServerWriter.Write): v rounded to b
// significant bits; a value that rounds below half a millionth is 0, as
// round6 makes it in the exact store; a CPU above 100 % (collector
// rounding) is 100, and so is a CPU that rounds above 100 (with b < 5,
// 100 itself does); a value that rounds above maxReasonable is the
// largest float32 below it. Each step is monotonic and idempotent, so a mean at or
// below its max stays so and writing a compact file's values again at the
// same b gives the same values. Every result other than NaN, an infinity
// or a value checkValue rejects is exact in float32 (b ≤ 23, and nonzero
// values are between 2^-21 and maxReasonable).
func compactValue(m model.Metric, v float64, b int) float64 {
	if m == model.CPUBusyPct && v > 100 {
		v = 100
	}
	q := RoundBits(v, b)
	if math.Abs(q) < 5e-7 {
		q = 0
	}
	if m == model.CPUBusyPct && q > 100 {
		q = 100
	}
	if q > maxReasonable && v <= maxReasonable {
		q = maxReasonable32 // not a value checkValue rejects
	}
	return q
}

// maxReasonable32 is the largest float32 at or below maxReasonable: a
// value that rounds above maxReasonable is stored as it, within 2^-24 of
// maxReasonable and so nearer the value than its rounding.
var maxReasonable32 = func() float64 {
	c := float32(maxReasonable)
	if float64(c) > maxReasonable {
		c = math.Nextafter32(c, 0)
	}
	return float64(c)
}()

// parsePrecision reads the PrecisionKey value of a samples file: 0 when
// absent.
func parsePrecision(s string, ok bool) (int, error) {
	if !ok {
		return 0, nil
	}
	b, err := strconv.Atoi(s)
	if err != nil || b < 1 || b > 52 {
		return 0, fmt.Errorf("key-value metadata %s = %q: not a number of significant bits in 1..52", PrecisionKey, s)
	}
	return b, nil
}
