package binpack

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/kvmfit/kvmfit/model"
)

// Fit tolerances. An item fits a bin when, in every dimension d and slot t,
//
//	Load[d][t] + Values[d][t] <= Capacity[d]*(1+RelTolerance) + AbsTolerance
//
// RelTolerance absorbs rounding in demand that was scaled and summed;
// AbsTolerance lets rounding noise fit a dimension whose capacity is 0.
const (
	RelTolerance = 1e-9
	AbsTolerance = 1e-12
)

// Problem is a consolidation problem: identical hosts, each with usable
// capacity Capacity per dimension, and items (servers) whose demand is
// slotted in time. Item i is referred to by its index i in Bin.Items and
// Unplaced.Item.
//
// FirstFitDecreasing and LowerBound expect Validate(p) == nil. They panic
// when a row's length differs from Slots (a programmer error); other invalid
// values do not panic but give meaningless results.
type Problem struct {
	// Items are the servers to place. Items[i].Values[d] has length Slots
	// for every dimension d.
	Items []model.ServerDemand
	// Slots is the number of time slots of every demand row.
	Slots int
	// Capacity is the usable capacity of one host per dimension, after host
	// reserve and utilisation ceilings. A dimension with capacity 0 only
	// takes items whose demand in it is 0.
	Capacity model.Capacity
}

// Result is the outcome of packing a Problem.
type Result struct {
	// Bins are the hosts used, in the order they were opened. No bin is empty.
	Bins []Bin
	// Unplaced are the items that do not fit an empty host, by ascending
	// item index. They are not counted in LowerBound.
	Unplaced []Unplaced
	// LowerBound is LowerBound(p): no packing of the placeable items uses
	// fewer hosts.
	LowerBound int
}

// Bin is one host of a packing.
type Bin struct {
	// Items are indices into Problem.Items, in placement order.
	Items []int
	// Load[d][t] is the summed demand of the bin's items in dimension d and
	// slot t, added in placement order.
	Load [model.NumDims][]float64
}

// Unplaced is an item that does not fit an empty host.
type Unplaced struct {
	// Item is the index into Problem.Items.
	Item int
	// Dim is the first dimension (in Dim order) in which the item does not
	// fit an empty host.
	Dim model.Dim
	// Slot is the first slot in which the item exceeds Dim's capacity.
	Slot int
	// Demand is the item's demand in Dim and Slot.
	Demand float64
	// Capacity is the host's usable capacity in Dim.
	Capacity float64
}

// limits returns the capacity per dimension as the fit rule applies it:
// Capacity[d]*(1+RelTolerance) + AbsTolerance.
func limits(c model.Capacity) [model.NumDims]float64 {
	var l [model.NumDims]float64
	for d := range model.NumDims {
		l[d] = c[d]*(1+RelTolerance) + AbsTolerance
	}
	return l
}

// itemInfo caches what ordering and the fast fit check need of one item.
type itemInfo struct {
	peak     [model.NumDims]float64 // max(0, max_t Values[d][t])
	peakSlot [model.NumDims]int     // first slot holding peak (0 if none)
	size     float64                // max over d with Capacity>0 of peak/Capacity
	meanSum  float64                // sum over d with Capacity>0 of mean/Capacity
}

// prepared is a Problem after the feasibility and ordering steps.
type prepared struct {
	limit    [model.NumDims]float64
	info     []itemInfo
	order    []int // placeable items, in first-fit-decreasing order
	unplaced []Unplaced
}

// prepare runs the feasibility step (which items fit an empty host) and the
// ordering step (placeable items by decreasing size).
func prepare(p Problem) *prepared {
	if p.Slots < 0 {
		panic(fmt.Sprintf("binpack: Problem.Slots is %d", p.Slots))
	}
	pr := &prepared{
		limit: limits(p.Capacity),
		info:  make([]itemInfo, len(p.Items)),
		order: make([]int, 0, len(p.Items)),
	}
	for i := range p.Items {
		it := &p.Items[i]
		in := &pr.info[i]
		fits := true
		for d := range model.NumDims {
			row := it.Values[d]
			if len(row) != p.Slots {
				panic(fmt.Sprintf("binpack: item %d (%q) has %d slots of %s, Problem.Slots is %d",
					i, it.ID, len(row), d, p.Slots))
			}
			lim := pr.limit[d]
			peak, peakSlot, sum := 0.0, 0, 0.0
			for t, v := range row {
				// !(v <= lim) also catches NaN.
				if fits && !(v <= lim) {
					fits = false
					pr.unplaced = append(pr.unplaced, Unplaced{
						Item: i, Dim: d, Slot: t, Demand: v, Capacity: p.Capacity[d],
					})
				}
				if v > peak {
					peak, peakSlot = v, t
				}
				sum += v
			}
			in.peak[d], in.peakSlot[d] = peak, peakSlot
			if c := p.Capacity[d]; c > 0 {
				in.size = max(in.size, peak/c)
				if p.Slots > 0 {
					in.meanSum += sum / float64(p.Slots) / c
				}
			}
		}
		if fits {
			pr.order = append(pr.order, i)
		}
	}
	slices.SortFunc(pr.order, func(a, b int) int {
		ia, ib := &pr.info[a], &pr.info[b]
		if c := cmp.Compare(ib.size, ia.size); c != 0 {
			return c
		}
		if c := cmp.Compare(ib.meanSum, ia.meanSum); c != 0 {
			return c
		}
		if c := cmp.Compare(p.Items[a].ID, p.Items[b].ID); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return pr
}

// binState is the packer's bookkeeping for one bin.
type binState struct {
	peak     [model.NumDims]float64 // max(0, max_t Load[d][t])
	peakSlot [model.NumDims]int     // first slot holding peak
}

// FirstFitDecreasing packs p with time-aware first fit decreasing.
//
// The pipeline is feasibility → order → place:
//
//  1. Feasibility: an item that does not fit an empty host goes to
//     Result.Unplaced with the first dimension (in Dim order) and the
//     first slot where it exceeds the capacity. It is not an error.
//  2. Order: placeable items by decreasing size, where
//     size = max over d with Capacity[d] > 0 of (max_t Values[d][t]) / Capacity[d];
//     ties by decreasing sum over the same d of mean_t Values[d][t] / Capacity[d],
//     then by ascending ID, then by ascending index.
//  3. Place: each item goes into the lowest-index open bin it fits (see
//     RelTolerance for the fit rule, which is checked slot by slot, so items
//     whose peaks fall in different slots can share a host), else into a new bin.
//
// When item IDs are unique the order is total, so the bins (their items and
// loads) do not depend on the order of p.Items. Result.LowerBound is
// LowerBound(p). Time is O(n log n + n·B·D·T) in the worst case for n items,
// B bins, D dimensions and T slots; a per-bin peak lets most fit checks skip
// the slot loop.
func FirstFitDecreasing(p Problem) Result {
	pr := prepare(p)
	res := Result{Unplaced: pr.unplaced, LowerBound: pr.lowerBound(p)}
	var states []binState
	for _, i := range pr.order {
		it := &p.Items[i]
		in := &pr.info[i]
		j := 0
		for ; j < len(res.Bins); j++ {
			if fits(&res.Bins[j], &states[j], it, in, &pr.limit) {
				break
			}
		}
		if j == len(res.Bins) {
			res.Bins = append(res.Bins, newBin(p.Slots))
			states = append(states, binState{})
		}
		add(&res.Bins[j], &states[j], i, it)
	}
	return res
}

// newBin returns an empty bin with zeroed loads of the given number of slots.
func newBin(slots int) Bin {
	var b Bin
	buf := make([]float64, int(model.NumDims)*slots)
	for d := range model.NumDims {
		b.Load[d] = buf[int(d)*slots : int(d+1)*slots : int(d+1)*slots]
	}
	return b
}

// fits reports whether item it fits bin b. Dimensions where the bin's peak
// plus the item's peak is within the limit are skipped (floating-point
// addition is monotonic, so no slot can exceed it). For the others the
// item's peak slot and the bin's peak slot are tried first, as they are the
// likeliest to overflow, then every slot.
func fits(b *Bin, st *binState, it *model.ServerDemand, in *itemInfo, limit *[model.NumDims]float64) bool {
	var tight [model.NumDims]model.Dim
	n := 0
	for d := range model.NumDims {
		if st.peak[d]+in.peak[d] <= limit[d] || len(b.Load[d]) == 0 {
			continue
		}
		load, row, lim := b.Load[d], it.Values[d], limit[d]
		if t := in.peakSlot[d]; load[t]+row[t] > lim {
			return false
		}
		if t := st.peakSlot[d]; load[t]+row[t] > lim {
			return false
		}
		tight[n] = d
		n++
	}
	for _, d := range tight[:n] {
		load, row, lim := b.Load[d], it.Values[d], limit[d]
		row = row[:len(load)]
		for t, v := range row {
			if load[t]+v > lim {
				return false
			}
		}
	}
	return true
}

// add places item i into bin b and updates its peaks.
func add(b *Bin, st *binState, i int, it *model.ServerDemand) {
	b.Items = append(b.Items, i)
	for d := range model.NumDims {
		load, row := b.Load[d], it.Values[d]
		row = row[:len(load)]
		peak, peakSlot := 0.0, 0
		for t, v := range row {
			s := load[t] + v
			load[t] = s
			if s > peak {
				peak, peakSlot = s, t
			}
		}
		st.peak[d], st.peakSlot[d] = peak, peakSlot
	}
}

// LowerBound returns a lower bound on the number of hosts that any packing
// of p's placeable items needs (items that do not fit an empty host, which
// FirstFitDecreasing reports as unplaced, are left out):
//
//	L = max over d with Capacity[d] > 0 and slot t of ceil(S[d][t]/C'[d] − 1e-9),
//	S[d][t] = sum over placeable items i of Values[d][t],
//	C'[d]   = Capacity[d]·(1+RelTolerance) + AbsTolerance,
//
// and at least 1 when any item is placeable (a placed item occupies a host
// even when its demand is zero); 0 when none is. This is the volume bound
// per resource and per slot (Speitkamp and Bichler 2010, "A Mathematical
// Programming Approach for Server Consolidation Problems in Virtualized Data
// Centers", IEEE TSC 3(4)): Martello and Toth's L1 = ceil(Σ w_i / C) for
// one-dimensional bin packing, taken in every dimension and every slot. A
// host holds at most C'[d] in any slot, which is why C' (the capacity as the
// fit rule applies it) is the divisor; the 1e-9 absorbs rounding in the sum.
// Sums are taken in first-fit-decreasing order, so with unique IDs the
// bound does not depend on the order of p.Items.
func LowerBound(p Problem) int {
	return prepare(p).lowerBound(p)
}

func (pr *prepared) lowerBound(p Problem) int {
	if len(pr.order) == 0 {
		return 0
	}
	lb := 1
	sums := make([]float64, p.Slots)
	for d := range model.NumDims {
		if !(p.Capacity[d] > 0) {
			continue
		}
		clear(sums)
		for _, i := range pr.order {
			for t, v := range p.Items[i].Values[d] {
				sums[t] += v
			}
		}
		for _, s := range sums {
			k := math.Ceil(s/pr.limit[d] - 1e-9)
			if k >= float64(math.MaxInt32) {
				return math.MaxInt32
			}
			if int(k) > lb {
				lb = int(k)
			}
		}
	}
	return lb
}
