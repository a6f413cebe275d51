package binpack

import (
	"math/rand/v2"
	"testing"
)

// TestRoomTreeFirstIsScan checks roomTree.first against a scan of the
// bins in order with the same test (room covers need in every dimension),
// on random rooms that change as bins fill, as in the heuristics.
func TestRoomTreeFirstIsScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	const dims = 3
	for _, n := range []int{1, 2, 7, 64, 300} {
		tree := newRoomTree(n, dims)
		bins := make([]*vbin, n)
		for j := range bins {
			bins[j] = &vbin{limit: []float64{1, 2, 0}, peak: make([]float64, dims)}
			tree.set(j, bins[j])
		}
		scan := func(from int, need []float64) int {
			for j := from; j < n; j++ {
				ok := true
				for d, v := range need {
					b := bins[j]
					if v > b.limit[d]-b.peak[d]+roomSlack*b.limit[d] {
						ok = false
					}
				}
				if ok {
					return j
				}
			}
			return -1
		}
		for step := 0; step < 2000; step++ {
			need := []float64{rng.Float64(), 2 * rng.Float64(), 0}
			from := rng.IntN(n + 1)
			if got, want := tree.first(from, need), scan(from, need); got != want {
				t.Fatalf("n=%d step %d: first(%d, %v) = %d, the scan says %d", n, step, from, need, got, want)
			}
			// fill a bin: its room shrinks (or, for a removal, grows)
			j := rng.IntN(n)
			for d := range dims {
				bins[j].peak[d] = bins[j].limit[d] * rng.Float64()
			}
			tree.set(j, bins[j])
		}
	}
}

// TestRoomTreeSkipsOnlyFull checks the property the heuristics rely on: a
// bin the tree passes over cannot take the item in the bin's busiest slot.
func TestRoomTreeSkipsOnlyFull(t *testing.T) {
	e := newEngine(&Instance{Capacity: []float64{10}, Items: []VecItem{
		{ID: "a", Values: [][]float64{{6, 1}}},
		{ID: "b", Values: [][]float64{{3, 5}}}, // least demand 3
		{ID: "c", Values: [][]float64{{1, 4.5}}},
	}})
	b := e.newBin(e.limit)
	e.add(b, 0) // loads 6, 1: peak 6, room 4
	tree := newRoomTree(1, 1)
	tree.set(0, b)
	if tree.first(0, e.items[1].low) != 0 || !e.fits(b, 1) {
		t.Fatalf("b (least demand 3) fits the room of 4 and the bin: loads 9, 6")
	}
	e.add(b, 1) // loads 9, 6: peak 9, room 1
	tree.set(0, b)
	if tree.first(0, e.items[2].low) != 0 {
		t.Errorf("c (least demand 1) should be tested against room 1")
	}
	if e.fits(b, 2) {
		t.Errorf("c overflows slot 1 (6 + 4.5 > 10)")
	}
	tree.set(0, b)
	if got := tree.first(0, []float64{1.5}); got != -1 {
		t.Errorf("a least demand of 1.5 cannot fit a bin at 9 of 10 in its busiest slot: first = %d", got)
	}
}
