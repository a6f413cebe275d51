package binpack

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// glpsolOptimum solves inst exactly with GLPK's MIP solver (glpsol, Debian
// package glpk-utils): the assignment formulation with at most ub bins,
//
//	min Σ_b y_b  s.t.  Σ_b x_ib = 1,  Σ_i v_idt·x_ib ≤ C_d·y_b,  y_b ≥ y_b+1,
//
// and returns the optimal bin count, or ok=false when glpsol did not prove
// optimality within its time limit.
func glpsolOptimum(t *testing.T, inst *Instance, ub int) (opt int, ok bool) {
	t.Helper()
	var b strings.Builder
	b.WriteString("Minimize\n obj:")
	for j := range ub {
		fmt.Fprintf(&b, " + y%d", j)
	}
	b.WriteString("\nSubject To\n")
	for i := range inst.Items {
		fmt.Fprintf(&b, " a%d:", i)
		for j := range ub {
			fmt.Fprintf(&b, " + x%d_%d", i, j)
		}
		b.WriteString(" = 1\n")
	}
	for j := range ub {
		for d, c := range inst.Capacity {
			for s := range inst.Items[0].Values[d] {
				fmt.Fprintf(&b, " c%d_%d_%d:", j, d, s)
				for i, it := range inst.Items {
					if v := it.Values[d][s]; v != 0 {
						fmt.Fprintf(&b, " + %g x%d_%d", v, i, j)
					}
				}
				fmt.Fprintf(&b, " - %g y%d <= 0\n", c, j)
			}
		}
		if j+1 < ub {
			fmt.Fprintf(&b, " s%d: y%d - y%d >= 0\n", j, j, j+1)
		}
	}
	b.WriteString("Binary\n")
	for j := range ub {
		fmt.Fprintf(&b, " y%d\n", j)
		for i := range inst.Items {
			fmt.Fprintf(&b, " x%d_%d\n", i, j)
		}
	}
	b.WriteString("End\n")
	dir := t.TempDir()
	lp, out := filepath.Join(dir, "p.lp"), filepath.Join(dir, "p.out")
	if err := os.WriteFile(lp, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("glpsol", "--lp", lp, "--tmlim", "120", "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("glpsol: %v\n%s", err, msg)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	status := regexp.MustCompile(`^Status:\s+(.*)$`)
	obj := regexp.MustCompile(`^Objective:\s+obj = (\S+)`)
	optimal := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := status.FindStringSubmatch(sc.Text()); m != nil {
			optimal = strings.TrimSpace(m[1]) == "INTEGER OPTIMAL"
		}
		if m := obj.FindStringSubmatch(sc.Text()); m != nil {
			v, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				t.Fatalf("glpsol objective %q: %v", m[1], err)
			}
			opt = int(v + 0.5)
		}
	}
	return opt, optimal
}

// slottedInstance is a small time-slotted instance: n items, 2 resources
// over 4 slots, integer demands, capacity 100, each item busy in a slot
// or two (so that complementary items share a bin).
func slottedInstance(r *rand.Rand, n int) *Instance {
	inst := &Instance{Name: "slotted", Capacity: []float64{100, 100}}
	for i := range n {
		busy := r.IntN(4)
		cpu := make([]float64, 4)
		for s := range cpu {
			cpu[s] = float64(5 + r.IntN(20))
			if s == busy || r.IntN(4) == 0 {
				cpu[s] += float64(20 + r.IntN(40))
			}
		}
		mem := float64(10 + r.IntN(35))
		inst.Items = append(inst.Items, VecItem{ID: fmt.Sprintf("s%02d", i), Values: [][]float64{cpu, {mem, mem, mem, mem}}})
	}
	return inst
}

// TestExactSlotted compares the packer with GLPK's exact optimum on small
// time-slotted instances: the lower bound never exceeds the optimum, the
// packing never beats it (it would be infeasible), and the search reaches
// it. Skipped when glpsol is not installed (apt-get install glpk-utils;
// .ci/run installs it).
func TestExactSlotted(t *testing.T) {
	if _, err := exec.LookPath("glpsol"); err != nil {
		t.Skip("glpsol not installed (Debian package glpk-utils): no exact optimum to compare with")
	}
	r := rand.New(rand.NewPCG(18, 3))
	atOpt, lbTight, n := 0, 0, 0
	for k := range 10 {
		inst := slottedInstance(r, 10+k/3)
		sol := Solve(inst, SolveOptions{Work: 2_000_000, Seed: 1})
		checkSolution(t, inst.Name, inst, sol)
		opt, ok := glpsolOptimum(t, inst, len(sol.Bins))
		if !ok {
			t.Logf("instance %d: glpsol did not prove an optimum in time; skipped", k)
			continue
		}
		n++
		if sol.LowerBound > opt {
			t.Errorf("instance %d: lower bound %d exceeds the optimum %d", k, sol.LowerBound, opt)
		}
		if len(sol.Bins) < opt {
			t.Errorf("instance %d: %d bins beat the proven optimum %d", k, len(sol.Bins), opt)
		}
		if len(sol.Bins) == opt {
			atOpt++
		} else {
			t.Errorf("instance %d (%d items): %d bins, optimum %d", k, len(inst.Items), len(sol.Bins), opt)
		}
		if sol.LowerBound == opt {
			lbTight++
		}
		t.Logf("instance %d: %d items, optimum %d, packer %d, lower bound %d (%+v)", k, len(inst.Items), opt, len(sol.Bins), sol.LowerBound, sol.Bounds)
	}
	t.Logf("%d of %d at the optimum; lower bound equal to the optimum on %d", atOpt, n, lbTight)
	if n < 8 {
		t.Errorf("glpsol proved only %d optima", n)
	}
	// L1 and L2 alone equal the optimum on about half of these; the LP
	// bound (lpvec.go) on nearly all.
	if lbTight < n-1 {
		t.Errorf("the lower bound equals the optimum on %d of %d instances only", lbTight, n)
	}
}
