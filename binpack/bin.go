package binpack

import (
	"math"

	"github.com/kvmfit/kvmfit/model"
)

// util returns load as a percentage of capacity c: load·100/c, 0 when both
// are 0 and +Inf when only c is 0.
func util(load, c float64) float64 {
	if c == 0 {
		if load == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return load * 100 / c
}

// PeakUtil returns, per dimension d, the peak utilisation of the bin in
// percent of c: max over slots t of Load[d][t]·100/c[d]. It is 0 for a
// dimension with capacity 0 and no load, +Inf for one with capacity 0 and
// some load, and 0 for a bin with no slots.
func (b *Bin) PeakUtil(c model.Capacity) model.Capacity {
	var u model.Capacity
	for d := range model.NumDims {
		for _, l := range b.Load[d] {
			u[d] = max(u[d], util(l, c[d]))
		}
	}
	return u
}

// Binding returns the dimension that limits the bin: the one with the
// highest PeakUtil (ties go to the lowest Dim), and the slots, ascending,
// where that dimension's utilisation is within 1 percentage point of its
// peak (util >= peak − 1). For a bin with no load at all that is DimCPU and
// every slot.
func (b *Bin) Binding(c model.Capacity) (d model.Dim, slots []int) {
	u := b.PeakUtil(c)
	d = model.DimCPU
	for e := range model.NumDims {
		if u[e] > u[d] {
			d = e
		}
	}
	for t, l := range b.Load[d] {
		if util(l, c[d]) >= u[d]-1 {
			slots = append(slots, t)
		}
	}
	return d, slots
}
