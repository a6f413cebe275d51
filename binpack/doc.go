// Package binpack is a bin packing solver: Solve packs an Instance (items
// with a demand per dimension and time slot, identical bins with a capacity
// per dimension) into as few bins as it can find under a deterministic work
// budget, says which items fit no bin and why, and proves lower bounds on
// the number of bins; Balance then re-places the items over the same bins
// so that their load is level (balance.go). One-dimensional, vector and temporal bin packing are
// special cases of an Instance; ParseBPP, ParseVBP and ParseTBPP read them
// from the published benchmark formats.
//
// An item fits a bin when, for every dimension d and slot t,
//
//	Load[d][t] + Values[d][t] <= Limit(Capacity[d]) = Capacity[d]·(1+RelTolerance) + AbsTolerance,
//
// so items whose peaks fall in different slots can share a bin even when
// the sum of their peaks does not fit.
//
// Solve runs feasibility → construction → improvement → bounds:
//
//   - Feasibility: pinned items go first onto their existing bin; an item
//     that fits no empty bin is unplaced (Solution.Unplaced) with the first
//     dimension and slot where it does not fit. It is not an error.
//   - Construction: several constructive heuristics (first and best fit
//     decreasing by several sizes, an overlap-aware best fit, the
//     dot-product and L2-norm heuristics of Panigrahy et al. 2011, minimum
//     bin slack), of which the best result is kept.
//   - Improvement, under SolveOptions.Work: classic one-dimensional
//     instances with integral sizes get a dedicated integer search (a dive
//     on the Gilmore–Gomory LP solved by column generation, opened by an
//     exact-cover search over the patterns of near-zero reduced cost, then
//     bin completion towards the lower bound, then a pool search that
//     repacks one bin at a time with its best subset of its items and the
//     pool; colgen.go, colgen_dive.go, colgen_rc.go, onedim.go and
//     pool.go); fleet-size instances (hundreds of items, many to a bin,
//     no existing bins, pins or anti-affinity) a search that keeps the
//     number of bins fixed and minimises their overflow, dropping one bin
//     after another (fleet.go); other vector and temporal instances
//     without existing bins, pins or anti-affinity the same pool search
//     over every dimension × slot coordinate (vec.go, vec_complete.go,
//     pool.go); everything else, including large instances, the generic
//     bin-emptying search (improve.go).
//   - Bounds: L1 (the volume bound per dimension and slot), Martello–Toth
//     L2, the conflict clique and the column-generation LP bound of the
//     pattern formulation, for classic one-dimensional instances and for
//     small vector and temporal ones (lpvec.go) (Solution.Bounds).
//
// The result depends only on the instance and the options (item IDs break
// every tie), unless SolveOptions.Deadline, a wall-clock safety cap, ends
// the search. docs/packing.md is the design note; binpack/QUALITY.md
// measures the solver on the published benchmark sets.
//
// The package imports only the standard library; it does no I/O and is
// deterministic and single-threaded. The planner that turns kvmfit's
// demand and host catalog into a plan is binpack/plan.
package binpack
