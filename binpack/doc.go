// Package binpack packs servers onto identical KVM hosts: it answers how
// many hosts of one model the fleet needs, which servers share a host, and
// which servers fit no host at all.
//
// Its input is a Problem: one row of demand per server, dimension
// (model.Dim) and time slot, as model.Demand holds it after alignment,
// profiling and virtualisation overhead, and the usable capacity of one
// host (model.HostSpec.UsableCapacity). Packing is time-aware: two servers
// can share a host when their summed demand fits in every slot, even if the
// sum of their peaks does not.
//
// The pipeline is feasibility → order → place; as in Nomad's scheduler,
// feasibility is kept apart from ordering and placement:
//
//   - Feasibility: a server whose demand exceeds the capacity of an empty
//     host in some dimension and slot goes to Result.Unplaced with that
//     dimension and slot (Unplaced.Reason says it in words). It is not an
//     error.
//   - Order: the other servers by decreasing size, the largest share of a
//     host any of them needs in any dimension at its peak; ties are broken
//     by mean demand, then ID, so the order is total and deterministic, as
//     in Karpenter's queue.
//   - Place: first fit, the lowest-numbered open host that the server fits
//     in every dimension and slot, else a new host.
//
// A server fits a host when, for every dimension d and slot t,
//
//	Load[d][t] + Values[d][t] <= Capacity[d]·(1+RelTolerance) + AbsTolerance.
//
// LowerBound is the volume bound per resource and per slot (Speitkamp and
// Bichler 2010; Martello and Toth's L1 generalised):
//
//	L = max over d with Capacity[d] > 0 and t of ceil(Σ_i Values[d][t] / C'[d] − 1e-9),
//
// over the placeable servers, with C'[d] the capacity as the fit rule
// applies it; no packing uses fewer hosts, so Result.LowerBound shows how
// far first fit decreasing can be from the optimum.
//
// Bin.PeakUtil and Bin.Binding explain each host: its peak utilisation per
// dimension and the dimension and slots that limit it.
//
// Solve is the general packer behind BuildPlan and `kvmfit solve`: it takes
// an Instance (items with demand per dimension and slot, bins with a
// capacity per dimension; one-dimensional, vector and temporal bin packing
// are special cases), runs several constructive heuristics (first and best
// fit decreasing by several sizes, an overlap-aware best fit, the
// dot-product and L2-norm heuristics of Panigrahy et al. 2011, minimum bin
// slack), improves the best under a deterministic work budget, and reports
// the lower bounds (L1, Martello–Toth L2, conflict clique and, for classic
// one-dimensional instances, the column-generation LP bound). The search
// depends on the instance: classic one-dimensional instances with integral
// sizes get a dedicated integer search (a dive on the Gilmore–Gomory LP
// solved by column generation, opened by an exact-cover search over the
// patterns of near-zero reduced cost, then bin completion towards the
// lower bound, then a pool search that repacks one bin at a time with its
// best subset of its items and the pool; colgen.go, colgen_dive.go,
// colgen_rc.go and onedim.go); vector and temporal
// instances without existing hosts, pins or anti-affinity get the same pool
// search over every dimension × slot coordinate (vec.go); everything else,
// including large plans, the generic bin-emptying search (improve.go). BuildPlan adds
// constraints (anti-affinity, affinity, pins, VM and vCPU limits), existing
// hosts, a mix of host models and the N+k failure proof. docs/packing.md
// is the design note; docs/constraints.md the constraints file.
//
// The package imports only the standard library, model and yaml.v3 (for
// ParseConstraints); it does no I/O and is deterministic and
// single-threaded.
package binpack
