package binpack

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// rcFor solves the LP of w in c and runs the reduced-cost completion for
// m bins with its duals.
func rcFor(t *testing.T, w []int64, c int64, m int, maxWork int64) ([]cgCol, bool, *cgMaster) {
	t.Helper()
	s, r := solveLP(t, w, c)
	var cols []cgCol
	var xs []float64
	for q, x := range r.x {
		if x > 1e-9 && !r.cols[q].doi {
			cols = append(cols, r.cols[q])
			xs = append(xs, x)
		}
	}
	bins, _, complete := rcComplete(s.p.w, s.pi, c, s.p.d, m, maxWork, cols, xs)
	return bins, complete, s
}

// checkRCPacking: the bins hold every item of every group exactly once
// (d), within capacity, and number at most m.
func checkRCPacking(t *testing.T, name string, bins []cgCol, w, d []int64, c int64, m int) {
	t.Helper()
	if len(bins) > m {
		t.Errorf("%s: %d bins, want at most %d", name, len(bins), m)
	}
	got := make([]int64, len(d))
	for _, b := range bins {
		var l int64
		for k, g := range b.idx {
			got[g] += int64(b.cnt[k])
			l += int64(b.cnt[k]) * w[g]
		}
		if l > c {
			t.Errorf("%s: bin %v %v load %d > %d", name, b.idx, b.cnt, l, c)
		}
	}
	for g := range d {
		if got[g] != d[g] {
			t.Errorf("%s: group %d (weight %d) packed %d times, want %d", name, g, w[g], got[g], d[g])
		}
	}
}

// TestRCHand: {6,6,4,4,4} in bins of 10 has z_LP = 2.5 with duals
// π6 = π4 = 1/2 (TestLPHand). Into 3 bins the reduced costs may sum to
// 3 − 2.5 = 1/2: {6,4} and {4,4} cost 0, {6} and {4} cost 1/2, so the
// packing is {6,4}, {6,4}, {4} (or {6,4}, {6}, {4,4}). Into 2 bins the
// budget is −1/2 and there is none.
func TestRCHand(t *testing.T) {
	w := []int64{6, 6, 4, 4, 4}
	bins, _, s := rcFor(t, w, 10, 3, 1e6)
	if bins == nil {
		t.Fatal("no packing into 3 bins")
	}
	checkRCPacking(t, "3 bins", bins, s.p.w, s.p.d, 10, 3)
	if len(bins) != 3 {
		t.Errorf("%d bins, want 3", len(bins))
	}
	if bins, complete, _ := rcFor(t, w, 10, 2, 1e6); bins != nil || !complete {
		t.Errorf("into 2 bins: %v, complete %v; want none, proven", bins, complete)
	}
}

// TestRCBruteForce: on random small instances, with the optimal duals and
// an ample limit, the completion finds a packing into the brute-force
// optimum (the budget never excludes every optimal packing) and proves
// that none into one bin fewer exists (its search is complete).
func TestRCBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 17))
	for trial := range 300 {
		n := 1 + r.IntN(10)
		c := int64(10 + r.IntN(40))
		var w []int64
		for range n {
			v := int64(1 + r.IntN(int(c)))
			if r.IntN(2) == 0 {
				v = c/4 + int64(r.IntN(int(c/2)))
			}
			w = append(w, v)
		}
		name := fmt.Sprintf("trial %d (%v in %d)", trial, w, c)
		opt := bruteOptimum(w, c)
		bins, _, s := rcFor(t, w, c, opt, 1e7)
		if bins == nil {
			t.Errorf("%s: no packing into the optimum %d", name, opt)
			continue
		}
		checkRCPacking(t, name, bins, s.p.w, s.p.d, c, opt)
		if opt > 1 {
			if bins, complete, _ := rcFor(t, w, c, opt-1, 1e7); bins != nil || !complete {
				t.Errorf("%s: into %d < optimum %d: %v, complete %v; want none, proven", name, opt-1, opt, bins, complete)
			}
		}
	}
}

// TestRCHard28: on BPP60 and BPP144, where the dive alone ends one bin
// over, the completion with the root duals packs into the optimum (the
// LP bound), and the packing is valid.
func TestRCHard28(t *testing.T) {
	names := []string{"Hard28_BPP60", "Hard28_BPP144"}
	insts, opts := readHard28(t, names)
	for k, inst := range insts {
		var w []int64
		for _, it := range inst.Items {
			w = append(w, int64(it.Values[0][0]))
		}
		c := int64(inst.Capacity[0])
		bins, _, s := rcFor(t, w, c, opts[k], 2e7)
		if bins == nil {
			t.Errorf("%s: no packing into the optimum %d", names[k], opts[k])
			continue
		}
		checkRCPacking(t, names[k], bins, s.p.w, s.p.d, c, opts[k])
	}
}

// TestRCBoundHard28: BPP119 has no integer round-up property (z_LP = 76,
// optimum 77). The completion's search for 76 bins is complete and finds
// none, so Solve reports the proven bound rc = 77 and stops at it.
func TestRCBoundHard28(t *testing.T) {
	insts, opts := readHard28(t, []string{"Hard28_BPP119"})
	sol := Solve(insts[0], SolveOptions{Work: 2e7, Seed: 1})
	checkSolution(t, "Hard28_BPP119", insts[0], sol)
	b := sol.Bounds
	if b.LP != opts[0]-1 || b.RC != opts[0] || b.Best != opts[0] || sol.LowerBound != opts[0] {
		t.Errorf("bounds %+v, lower bound %d; want lp %d, rc = best = %d", b, sol.LowerBound, opts[0]-1, opts[0])
	}
	if len(sol.Bins) != opts[0] || sol.Stop != "lower bound" {
		t.Errorf("%d bins, stop %q; want %d, lower bound", len(sol.Bins), sol.Stop, opts[0])
	}
}
