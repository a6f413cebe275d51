package report

import "math"

// maxChartPoints is the most points a chart series carries. A longer series
// (a "full" profile of 30 days at 5 minutes has 8,640 slots) is downsampled
// with LTTB to this many points.
const maxChartPoints = 600

// lttbIndices returns the indices of the points that Largest-Triangle-Three-
// Buckets keeps when downsampling y (x = index) to threshold points:
// Sveinn Steinarsson, "Downsampling Time Series for Visual Representation",
// MSc thesis, University of Iceland, 2013, section 4.2.
//
// The first and last points are always kept. The points between them are
// split into threshold−2 buckets of equal width; from each bucket LTTB keeps
// the point that forms the largest triangle with the point kept from the
// previous bucket and the average of the next bucket:
//
//	area = |(xa − xc)(yb − ya) − (xa − xb)(yc − ya)| / 2
//
// which keeps peaks and troughs that plain decimation would drop. Ties keep
// the earliest point, so the result is deterministic. If threshold ≥ len(y)
// or threshold < 3, every index is returned.
//
// Charts with stacked series call it once, on the stack's total, and take
// the same slots from every series, so that the stack stays consistent (every
// drawn point is a real slot) and its top keeps the total's shape.
func lttbIndices(y []float64, threshold int) []int {
	n := len(y)
	if threshold >= n || threshold < 3 {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	val := func(i int) float64 {
		if v := y[i]; !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v
		}
		return 0
	}
	out := make([]int, 0, threshold)
	out = append(out, 0)
	every := float64(n-2) / float64(threshold-2)
	a := 0
	for i := 0; i < threshold-2; i++ {
		// The next bucket's average point (the last point for the last bucket).
		nextStart := int(math.Floor(float64(i+1)*every)) + 1
		nextEnd := min(int(math.Floor(float64(i+2)*every))+1, n)
		if nextStart >= nextEnd {
			nextStart, nextEnd = n-1, n
		}
		var avgX, avgY float64
		for j := nextStart; j < nextEnd; j++ {
			avgX += float64(j)
			avgY += val(j)
		}
		cnt := float64(nextEnd - nextStart)
		avgX /= cnt
		avgY /= cnt
		// This bucket.
		start := int(math.Floor(float64(i)*every)) + 1
		end := min(int(math.Floor(float64(i+1)*every))+1, n-1)
		ax, ay := float64(a), val(a)
		best, bestArea := start, -1.0
		for j := start; j < end; j++ {
			area := math.Abs((ax-avgX)*(val(j)-ay) - (ax-float64(j))*(avgY-ay))
			if area > bestArea {
				best, bestArea = j, area
			}
		}
		out = append(out, best)
		a = best
	}
	return append(out, n-1)
}

// pick returns v at the given indices.
func pick[T any](v []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, j := range idx {
		if j < len(v) { // a missing row (a resource never measured) stays zero
			out[i] = v[j]
		}
	}
	return out
}
