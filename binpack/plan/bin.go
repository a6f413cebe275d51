package plan

import (
	"math"

	"github.com/kvmfit/kvmfit/model"
)

// hostLoad is the summed demand of one host's servers: hostLoad[d][t] in
// dimension d and slot t.
type hostLoad [model.NumDims][]float64

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

// peakUtil returns, per dimension d, the peak utilisation of the host in
// percent of c: max over slots t of l[d][t]·100/c[d]. It is 0 for a
// dimension with capacity 0 and no load, +Inf for one with capacity 0 and
// some load, and 0 for a host with no slots.
func (l *hostLoad) peakUtil(c model.Capacity) model.Capacity {
	var u model.Capacity
	for d := range model.NumDims {
		for _, v := range l[d] {
			u[d] = max(u[d], util(v, c[d]))
		}
	}
	return u
}

// binding returns the dimension that limits the host: the one with the
// highest peakUtil (ties go to the lowest Dim), and the slots, ascending,
// where that dimension's utilisation is within 1 percentage point of its
// peak (util >= peak − 1). For a host with no load at all that is DimCPU
// and every slot.
func (l *hostLoad) binding(c model.Capacity) (d model.Dim, slots []int) {
	u := l.peakUtil(c)
	d = model.DimCPU
	for e := range model.NumDims {
		if u[e] > u[d] {
			d = e
		}
	}
	for t, v := range l[d] {
		if util(v, c[d]) >= u[d]-1 {
			slots = append(slots, t)
		}
	}
	return d, slots
}
