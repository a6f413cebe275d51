package binpack

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

const gib = float64(model.GiB)

// item returns a server with the given rows; dimensions not in rows are zero.
func item(id string, slots int, rows map[model.Dim][]float64) model.ServerDemand {
	s := model.ServerDemand{ID: id}
	for d := range model.NumDims {
		if r, ok := rows[d]; ok {
			s.Values[d] = r
		} else {
			s.Values[d] = make([]float64, slots)
		}
	}
	return s
}

// cpu returns a server with CPU demand v per slot and nothing else.
func cpu(id string, v ...float64) model.ServerDemand {
	return item(id, len(v), map[model.Dim][]float64{model.DimCPU: v})
}

// capOf returns a capacity with the given dimensions set and the others 0.
func capOf(c map[model.Dim]float64) model.Capacity {
	var k model.Capacity
	for d, v := range c {
		k[d] = v
	}
	return k
}

// binIDs returns the IDs of every bin's items, in placement order.
func binIDs(p Problem, bins []Bin) [][]string {
	out := make([][]string, len(bins))
	for j, b := range bins {
		for _, i := range b.Items {
			out[j] = append(out[j], p.Items[i].ID)
		}
	}
	return out
}

func unplacedIDs(p Problem, u []Unplaced) []string {
	var out []string
	for _, x := range u {
		out = append(out, p.Items[x.Item].ID)
	}
	return out
}

func flat(items ...model.ServerDemand) []model.ServerDemand {
	out := make([]model.ServerDemand, len(items))
	for i := range items {
		out[i] = items[i].Flat()
	}
	return out
}

func TestFirstFitDecreasingKnownAnswers(t *testing.T) {
	cpu10 := capOf(map[model.Dim]float64{model.DimCPU: 10})
	cpuMem := capOf(map[model.Dim]float64{model.DimCPU: 10, model.DimMem: 100 * gib})
	cm := func(id string, c, memGiB float64) model.ServerDemand {
		return item(id, 1, map[model.Dim][]float64{model.DimCPU: {c}, model.DimMem: {memGiB * gib}})
	}
	tests := []struct {
		name         string
		p            Problem
		want         [][]string
		wantCPULoad  [][]float64 // per bin, nil to skip
		wantUnplaced []string
		wantLB       int
	}{
		{
			// Order 6,5,5,4: 6→#0; 5 (6+5>10)→#1; 5→#1 (10); 4→#0 (10).
			name:        "1-D classic 6 5 5 4",
			p:           Problem{Slots: 1, Capacity: cpu10, Items: []model.ServerDemand{cpu("d4", 4), cpu("b5", 5), cpu("a6", 6), cpu("c5", 5)}},
			want:        [][]string{{"a6", "d4"}, {"b5", "c5"}},
			wantCPULoad: [][]float64{{10}, {10}},
			wantLB:      2, // ceil(20/10)
		},
		{
			// 5→#0; 4→#0 (9); 3,3,3→#1 (9); 2 fits neither (11, 11)→#2.
			// The optimum is 2 ({5,3,2}, {4,3,3}): FFD is not exact.
			name: "1-D FFD above optimum 5 4 3 3 3 2",
			p: Problem{Slots: 1, Capacity: cpu10, Items: []model.ServerDemand{
				cpu("s2", 2), cpu("t3", 3), cpu("u3", 3), cpu("v3", 3), cpu("w4", 4), cpu("x5", 5)}},
			want:        [][]string{{"x5", "w4"}, {"t3", "u3", "v3"}, {"s2"}},
			wantCPULoad: [][]float64{{9}, {9}, {2}},
			wantLB:      2,
		},
		{
			name:        "time-aware: peaks in different slots share a host",
			p:           Problem{Slots: 2, Capacity: cpu10, Items: []model.ServerDemand{cpu("a", 8, 1), cpu("b", 1, 8)}},
			want:        [][]string{{"a", "b"}},
			wantCPULoad: [][]float64{{9, 9}},
			wantLB:      1, // ceil(9/10)
		},
		{
			name:        "same items flattened to their peaks need two hosts",
			p:           Problem{Slots: 2, Capacity: cpu10, Items: flat(cpu("a", 8, 1), cpu("b", 1, 8))},
			want:        [][]string{{"a"}, {"b"}},
			wantCPULoad: [][]float64{{8, 8}, {8, 8}},
			wantLB:      2, // ceil(16/10)
		},
		{
			name:   "multi-dim: CPU fits, memory does not",
			p:      Problem{Slots: 1, Capacity: cpuMem, Items: []model.ServerDemand{cm("a", 3, 60), cm("b", 3, 60)}},
			want:   [][]string{{"a"}, {"b"}},
			wantLB: 2, // max(ceil(6/10), ceil(120/100))
		},
		{
			// Sizes: x max(.2,.9)=.9, y .8, z max(.2,.1)=.2.
			// x→#0; y→#0 (cpu 10 exactly, mem 90); z (cpu 12)→#1.
			name:        "multi-dim: size is the largest share of any dimension",
			p:           Problem{Slots: 1, Capacity: cpuMem, Items: []model.ServerDemand{cm("z", 2, 10), cm("y", 8, 0), cm("x", 2, 90)}},
			want:        [][]string{{"x", "y"}, {"z"}},
			wantCPULoad: [][]float64{{10}, {2}},
			wantLB:      2, // cpu ceil(12/10)
		},
		{
			name:        "tie on size broken by larger mean",
			p:           Problem{Slots: 2, Capacity: cpu10, Items: []model.ServerDemand{cpu("a", 5, 1), cpu("b", 5, 5)}},
			want:        [][]string{{"b", "a"}},
			wantCPULoad: [][]float64{{10, 6}},
			wantLB:      1,
		},
		{
			name:   "tie on size and mean broken by ID",
			p:      Problem{Slots: 1, Capacity: cpu10, Items: []model.ServerDemand{cpu("b", 4), cpu("c", 4), cpu("a", 4)}},
			want:   [][]string{{"a", "b"}, {"c"}},
			wantLB: 2,
		},
		{
			// A (7,6,0) and B (0,6,7) overflow slot 1 together (12); C (4,3,4)
			// overflows #0 in slot 0 (11) and #1 in slot 2 (11).
			name:        "sum peaks in a slot where no item peaks",
			p:           Problem{Slots: 3, Capacity: cpu10, Items: []model.ServerDemand{cpu("C", 4, 3, 4), cpu("B", 0, 6, 7), cpu("A", 7, 6, 0)}},
			want:        [][]string{{"A"}, {"B"}, {"C"}},
			wantCPULoad: [][]float64{{7, 6, 0}, {0, 6, 7}, {4, 3, 4}},
			wantLB:      2, // slot 1: ceil(15/10)
		},
		{
			name:        "within the relative tolerance fits",
			p:           Problem{Slots: 1, Capacity: cpu10, Items: []model.ServerDemand{cpu("a", 6), cpu("b", 4*(1+1e-10))}},
			want:        [][]string{{"a", "b"}},
			wantCPULoad: [][]float64{{6 + 4*(1+1e-10)}},
			wantLB:      1,
		},
		{
			name:         "beyond the relative tolerance does not fit",
			p:            Problem{Slots: 1, Capacity: cpu10, Items: []model.ServerDemand{cpu("a", 10*(1+1e-8)), cpu("b", 4)}},
			want:         [][]string{{"b"}},
			wantUnplaced: []string{"a"},
			wantLB:       1,
		},
		{
			name:   "zero demand still needs a host",
			p:      Problem{Slots: 2, Capacity: cpu10, Items: []model.ServerDemand{cpu("a", 0, 0), cpu("b", 0, 0)}},
			want:   [][]string{{"a", "b"}},
			wantLB: 1,
		},
		{
			name:   "no slots",
			p:      Problem{Slots: 0, Capacity: cpu10, Items: []model.ServerDemand{cpu("b"), cpu("a")}},
			want:   [][]string{{"a", "b"}},
			wantLB: 1,
		},
		{
			name:   "no items",
			p:      Problem{Slots: 3, Capacity: cpu10},
			want:   [][]string{},
			wantLB: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Validate(tt.p); err != nil {
				t.Fatal(err)
			}
			res := FirstFitDecreasing(tt.p)
			if got := binIDs(tt.p, res.Bins); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("bins = %v, want %v", got, tt.want)
			}
			if tt.wantCPULoad != nil {
				var got [][]float64
				for _, b := range res.Bins {
					got = append(got, b.Load[model.DimCPU])
				}
				if !reflect.DeepEqual(got, tt.wantCPULoad) {
					t.Errorf("cpu loads = %v, want %v", got, tt.wantCPULoad)
				}
			}
			if got := unplacedIDs(tt.p, res.Unplaced); !slices.Equal(got, tt.wantUnplaced) {
				t.Errorf("unplaced = %v, want %v", got, tt.wantUnplaced)
			}
			if res.LowerBound != tt.wantLB {
				t.Errorf("Result.LowerBound = %d, want %d", res.LowerBound, tt.wantLB)
			}
			if got := LowerBound(tt.p); got != tt.wantLB {
				t.Errorf("LowerBound = %d, want %d", got, tt.wantLB)
			}
		})
	}
}

func TestFirstFitDecreasingIndices(t *testing.T) {
	// Bin.Items holds indices into Problem.Items.
	p := Problem{Slots: 1, Capacity: capOf(map[model.Dim]float64{model.DimCPU: 10}),
		Items: []model.ServerDemand{cpu("d4", 4), cpu("b5", 5), cpu("a6", 6), cpu("c5", 5)}}
	res := FirstFitDecreasing(p)
	want := [][]int{{2, 0}, {1, 3}}
	var got [][]int
	for _, b := range res.Bins {
		got = append(got, b.Items)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bin items = %v, want %v", got, want)
	}
}

func TestUnplaced(t *testing.T) {
	const slots = 6
	p := Problem{
		Slots: slots,
		Capacity: capOf(map[model.Dim]float64{
			model.DimCPU: 16, model.DimMem: 450 * gib, model.DimDiskBytes: 1e9, model.DimNetBytes: 1e9,
		}),
		Items: []model.ServerDemand{
			item("big", slots, map[model.Dim][]float64{
				model.DimCPU: {1, 1, 1, 1, 1, 1},
				model.DimMem: {100 * gib, 100 * gib, 100 * gib, 600 * gib, 700 * gib, 200 * gib},
			}),
			item("ok", slots, map[model.Dim][]float64{
				model.DimCPU: {2, 2, 2, 2, 2, 2},
				model.DimMem: {10 * gib, 10 * gib, 10 * gib, 10 * gib, 10 * gib, 10 * gib},
			}),
			// Memory overflows from slot 1, CPU only in slot 5: dimensions
			// are checked in order, so CPU is reported.
			item("both", slots, map[model.Dim][]float64{
				model.DimCPU: {1, 1, 1, 1, 1, 20},
				model.DimMem: {0, 500 * gib, 500 * gib, 500 * gib, 500 * gib, 500 * gib},
			}),
			// Disk IOPS has capacity 0.
			item("iops", slots, map[model.Dim][]float64{
				model.DimDiskIOPS: {0, 5, 0, 0, 0, 0},
			}),
		},
	}
	res := FirstFitDecreasing(p)
	want := []Unplaced{
		{Item: 0, Dim: model.DimMem, Slot: 3, Demand: 600 * gib, Capacity: 450 * gib},
		{Item: 2, Dim: model.DimCPU, Slot: 5, Demand: 20, Capacity: 16},
		{Item: 3, Dim: model.DimDiskIOPS, Slot: 1, Demand: 5, Capacity: 0},
	}
	if !reflect.DeepEqual(res.Unplaced, want) {
		t.Errorf("Unplaced = %+v, want %+v", res.Unplaced, want)
	}
	if got := binIDs(p, res.Bins); !reflect.DeepEqual(got, [][]string{{"ok"}}) {
		t.Errorf("bins = %v, want [[ok]]", got)
	}
	if res.LowerBound != 1 {
		t.Errorf("LowerBound = %d, want 1 (unplaced items are left out)", res.LowerBound)
	}
	wantReasons := []string{
		"mem demand 600 GiB in slot 3 exceeds the usable capacity 450 GiB of an empty host (over capacity in 2 of 6 slots; peak 700 GiB)",
		"cpu demand 20 ref cores in slot 5 exceeds the usable capacity 16 ref cores of an empty host (over capacity in 1 of 6 slots; peak 20 ref cores)",
		"disk_iops demand 5 iops in slot 1 exceeds the usable capacity 0 iops of an empty host (over capacity in 1 of 6 slots; peak 5 iops)",
	}
	for k, u := range res.Unplaced {
		if got := u.Reason(p); got != wantReasons[k] {
			t.Errorf("Reason of %s:\n got %q\nwant %q", p.Items[u.Item].ID, got, wantReasons[k])
		}
	}
}

func TestUnplacedReason(t *testing.T) {
	tests := []struct {
		name string
		u    Unplaced
		want string
	}{
		{
			name: "bytes per second, item not in problem",
			u:    Unplaced{Item: -1, Dim: model.DimNetBytes, Slot: 7, Demand: 1.5 * gib, Capacity: 1.25 * gib},
			want: "net_bytes demand 1.5 GiB/s in slot 7 exceeds the usable capacity 1.25 GiB/s of an empty host",
		},
		{
			name: "different binary prefixes",
			u:    Unplaced{Item: 99, Dim: model.DimDiskBytes, Slot: 0, Demand: 1024, Capacity: 512},
			want: "disk_bytes demand 1 KiB/s in slot 0 exceeds the usable capacity 512 B/s of an empty host",
		},
		{
			name: "more decimals to tell demand from capacity",
			u:    Unplaced{Item: -1, Dim: model.DimMem, Slot: 2, Demand: 450.0000045 * gib, Capacity: 450 * gib},
			want: "mem demand 450.000004 GiB in slot 2 exceeds the usable capacity 450 GiB of an empty host",
		},
		{
			name: "NaN",
			u:    Unplaced{Item: -1, Dim: model.DimCPU, Slot: 4, Demand: math.NaN(), Capacity: 8},
			want: "cpu demand in slot 4 is not a number",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.u.Reason(Problem{}); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestFormatQuantity(t *testing.T) {
	tests := []struct {
		v    float64
		unit string
		want string
	}{
		{0, "bytes", "0 B"},
		{1023, "bytes", "1023 B"},
		{1536, "bytes", "1.5 KiB"},
		{600 * gib, "bytes", "600 GiB"},
		{2 * 1024 * gib, "bytes", "2 TiB"},
		{1e9, "bytes_per_sec", "953.67 MiB/s"},
		{12.5, "ref_cores", "12.5 ref cores"},
		{70000, "iops", "70000 iops"},
		{1.0 / 3, "", "0.33"},
	}
	for _, tt := range tests {
		if got := formatQuantity(tt.v, tt.unit, 2); got != tt.want {
			t.Errorf("formatQuantity(%g, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

func TestLowerBound(t *testing.T) {
	cpu10 := capOf(map[model.Dim]float64{model.DimCPU: 10})
	tests := []struct {
		name string
		p    Problem
		want int
	}{
		{"no items", Problem{Slots: 2, Capacity: cpu10}, 0},
		{"only unplaceable items", Problem{Slots: 1, Capacity: cpu10, Items: []model.ServerDemand{cpu("a", 11)}}, 0},
		{"zero demand", Problem{Slots: 1, Capacity: cpu10, Items: []model.ServerDemand{cpu("a", 0)}}, 1},
		{"small demand", Problem{Slots: 1, Capacity: cpu10, Items: []model.ServerDemand{cpu("a", 0.1)}}, 1},
		{"exact multiple: ceil(20/10)", Problem{Slots: 1, Capacity: cpu10,
			Items: []model.ServerDemand{cpu("a", 10), cpu("b", 10)}}, 2},
		{"just over: ceil(20.5/10)", Problem{Slots: 1, Capacity: cpu10,
			Items: []model.ServerDemand{cpu("a", 10), cpu("b", 10), cpu("c", 0.5)}}, 3},
		{"rounding in the sum: 10 × 0.1 is one host", Problem{Slots: 1, Capacity: capOf(map[model.Dim]float64{model.DimCPU: 1}),
			Items: []model.ServerDemand{cpu("a", .1), cpu("b", .1), cpu("c", .1), cpu("d", .1), cpu("e", .1),
				cpu("f", .1), cpu("g", .1), cpu("h", .1), cpu("i", .1), cpu("j", .1)}}, 1},
		{"1-D classic 6 5 5 4", Problem{Slots: 1, Capacity: cpu10,
			Items: []model.ServerDemand{cpu("a", 6), cpu("b", 5), cpu("c", 5), cpu("d", 4)}}, 2},
		// Item peaks: A slot 0, B slot 2, C slots 0 and 2. Sums (11, 15, 11)
		// peak in slot 1: ceil(15/10) = 2.
		{"sum peaks where no item peaks", Problem{Slots: 3, Capacity: cpu10,
			Items: []model.ServerDemand{cpu("A", 7, 6, 0), cpu("B", 0, 6, 7), cpu("C", 4, 3, 4)}}, 2},
		// Slot 1: ceil(27/10) = 3; slot 0: ceil(12/10) = 2.
		{"the busiest slot decides", Problem{Slots: 2, Capacity: cpu10,
			Items: []model.ServerDemand{cpu("a", 3, 9), cpu("b", 3, 9), cpu("c", 3, 9), cpu("d", 3, 0)}}, 3},
		{"time-aware", Problem{Slots: 2, Capacity: cpu10,
			Items: []model.ServerDemand{cpu("a", 8, 1), cpu("b", 1, 8)}}, 1},
		{"flattened to peaks", Problem{Slots: 2, Capacity: cpu10,
			Items: flat(cpu("a", 8, 1), cpu("b", 1, 8))}, 2},
		// CPU ceil(2/10) = 1, memory ceil(180/100) = 2.
		{"memory decides", Problem{Slots: 1, Capacity: capOf(map[model.Dim]float64{model.DimCPU: 10, model.DimMem: 100 * gib}),
			Items: []model.ServerDemand{
				item("a", 1, map[model.Dim][]float64{model.DimCPU: {1}, model.DimMem: {60 * gib}}),
				item("b", 1, map[model.Dim][]float64{model.DimCPU: {1}, model.DimMem: {60 * gib}}),
				item("c", 1, map[model.Dim][]float64{model.DimMem: {60 * gib}}),
			}}, 2},
		// 12/10 without the unplaceable 20 (which would give ceil(32/10) = 4).
		{"unplaceable items left out", Problem{Slots: 1, Capacity: cpu10,
			Items: []model.ServerDemand{cpu("a", 20), cpu("b", 6), cpu("c", 6)}}, 2},
		// A placeable item has no demand in a capacity-0 dimension, so it adds nothing there.
		{"capacity-0 dimension ignored", Problem{Slots: 1, Capacity: cpu10,
			Items: []model.ServerDemand{cpu("a", 3), item("b", 1, map[model.Dim][]float64{model.DimDiskIOPS: {7}})}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LowerBound(tt.p); got != tt.want {
				t.Errorf("LowerBound = %d, want %d", got, tt.want)
			}
			if got := FirstFitDecreasing(tt.p).LowerBound; got != tt.want {
				t.Errorf("Result.LowerBound = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestPeakUtilBinding(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name      string
		load      [model.NumDims][]float64
		c         model.Capacity
		wantUtil  model.Capacity
		wantDim   model.Dim
		wantSlots []int
	}{
		{
			// cpu 40 80 79.5 20; mem 50 89.5 90 85; net 90 0 0 0.
			// mem and net tie at 90: mem is the lower Dim.
			name: "tie goes to the lower dimension",
			load: [model.NumDims][]float64{
				{4, 8, 7.95, 2}, {50, 89.5, 90, 85}, {0, 0, 0, 0}, {0, 0, 0, 0}, {900, 0, 0, 0},
			},
			c:         model.Capacity{10, 100, 0, 100, 1000},
			wantUtil:  model.Capacity{80, 90, 0, 0, 90},
			wantDim:   model.DimMem,
			wantSlots: []int{1, 2},
		},
		{
			// cpu 99.5 100 99.1 50: slots within 1 point of 100.
			name: "several binding slots",
			load: [model.NumDims][]float64{
				{9.95, 10, 9.91, 5}, {10, 10, 10, 10}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0},
			},
			c:         model.Capacity{10, 100, 1, 1, 1},
			wantUtil:  model.Capacity{100, 10, 0, 0, 0},
			wantDim:   model.DimCPU,
			wantSlots: []int{0, 1, 2},
		},
		{
			name: "load on a capacity-0 dimension",
			load: [model.NumDims][]float64{
				{1, 1, 1}, {0, 0, 0}, {0, 3, 0}, {0, 0, 0}, {0, 0, 0},
			},
			c:         model.Capacity{2, 1, 0, 0, 0},
			wantUtil:  model.Capacity{50, 0, inf, 0, 0},
			wantDim:   model.DimDiskIOPS,
			wantSlots: []int{1},
		},
		{
			name:      "empty bin",
			load:      [model.NumDims][]float64{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}},
			c:         model.Capacity{2, 1, 1, 1, 1},
			wantUtil:  model.Capacity{},
			wantDim:   model.DimCPU,
			wantSlots: []int{0, 1, 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &Bin{Load: tt.load}
			u := b.PeakUtil(tt.c)
			for d := range model.NumDims {
				if w := tt.wantUtil[d]; !(u[d] == w || math.Abs(u[d]-w) < 1e-9) {
					t.Errorf("PeakUtil[%s] = %v, want %v", d, u[d], w)
				}
			}
			d, slots := b.Binding(tt.c)
			if d != tt.wantDim || !slices.Equal(slots, tt.wantSlots) {
				t.Errorf("Binding = %s %v, want %s %v", d, slots, tt.wantDim, tt.wantSlots)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := func() Problem {
		return Problem{Slots: 3, Capacity: model.Capacity{8, 64 * gib, 1000, 1e9, 1e9},
			Items: []model.ServerDemand{cpu("web1", 1, 2, 3), cpu("db1", 2, 2, 2)}}
	}
	tests := []struct {
		name  string
		edit  func(p *Problem)
		parts []string // substrings of the error; nil means no error
	}{
		{"valid", func(p *Problem) {}, nil},
		{"no items", func(p *Problem) { p.Items = nil }, nil},
		{"too large is not invalid", func(p *Problem) { p.Items[0].Values[model.DimCPU][1] = 100 }, nil},
		{"negative slots", func(p *Problem) { p.Slots = -1; p.Items = nil }, []string{"-1 slots"}},
		{"negative capacity", func(p *Problem) { p.Capacity[model.DimMem] = -1 }, []string{"capacity of mem", "-1"}},
		{"NaN capacity", func(p *Problem) { p.Capacity[model.DimNetBytes] = math.NaN() }, []string{"capacity of net_bytes", "NaN"}},
		{"short row", func(p *Problem) { p.Items[1].Values[model.DimDiskBytes] = []float64{1, 2} },
			[]string{`item "db1" (index 1) disk_bytes`, "2 slots, want 3"}},
		{"missing row", func(p *Problem) { p.Items[0].Values[model.DimMem] = nil },
			[]string{`item "web1" (index 0) mem`, "0 slots, want 3"}},
		{"NaN value", func(p *Problem) { p.Items[1].Values[model.DimDiskIOPS][2] = math.NaN() },
			[]string{`item "db1" (index 1) disk_iops slot 2`, "NaN"}},
		{"negative value", func(p *Problem) { p.Items[0].Values[model.DimNetBytes][0] = -3 },
			[]string{`item "web1" (index 0) net_bytes slot 0`, "-3"}},
		{"infinite value", func(p *Problem) { p.Items[0].Values[model.DimCPU][1] = math.Inf(1) },
			[]string{`item "web1" (index 0) cpu slot 1`, "+Inf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok()
			tt.edit(&p)
			err := Validate(p)
			if tt.parts == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate = nil, want an error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %q does not wrap ErrInvalid", err)
			}
			for _, s := range tt.parts {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestPanicsOnWrongRowLength(t *testing.T) {
	p := Problem{Slots: 2, Capacity: model.Capacity{10}, Items: []model.ServerDemand{cpu("a", 1)}}
	for name, f := range map[string]func(){
		"FirstFitDecreasing": func() { FirstFitDecreasing(p) },
		"LowerBound":         func() { LowerBound(p) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "binpack: ") {
					t.Errorf("recover() = %v, want a binpack panic", r)
				}
			}()
			f()
		})
	}
}

// randomProblem returns a small random problem with many ties (integer
// demand in half the problems), capacity-0 dimensions, zero rows and items
// too large for a host.
func randomProblem(r *rand.Rand) Problem {
	slots := 1 + r.IntN(12)
	n := r.IntN(40)
	integer := r.IntN(2) == 0
	var c model.Capacity
	for d := range model.NumDims {
		if r.IntN(5) == 0 {
			continue
		}
		c[d] = float64(1 + r.IntN(20))
		if !integer {
			c[d] *= math.Pow(10, float64(r.IntN(10)))
		}
	}
	ids := r.Perm(n)
	p := Problem{Slots: slots, Capacity: c}
	for i := range n {
		it := model.ServerDemand{ID: fmt.Sprintf("s%03d", ids[i])}
		spread := 0.1 + 0.6*r.Float64()
		if r.IntN(20) == 0 {
			spread = 1.3
		}
		for d := range model.NumDims {
			row := make([]float64, slots)
			it.Values[d] = row
			if r.IntN(8) == 0 {
				continue
			}
			if c[d] == 0 {
				if r.IntN(30) == 0 {
					row[r.IntN(slots)] = 1
				}
				continue
			}
			for t := range row {
				v := r.Float64() * spread * c[d]
				if integer {
					v = math.Round(v)
				}
				row[t] = v
			}
		}
		p.Items = append(p.Items, it)
	}
	return p
}

// naiveFFD is a reference first fit decreasing that follows the documented
// rules with no fast path.
func naiveFFD(p Problem) Result {
	var lim [model.NumDims]float64
	for d := range model.NumDims {
		lim[d] = p.Capacity[d]*(1+1e-9) + 1e-12
	}
	var res Result
	var order []int
	for i, it := range p.Items {
		bad := false
		for d := range model.NumDims {
			for t, v := range it.Values[d] {
				if !bad && !(v <= lim[d]) {
					res.Unplaced = append(res.Unplaced, Unplaced{Item: i, Dim: d, Slot: t, Demand: v, Capacity: p.Capacity[d]})
					bad = true
				}
			}
		}
		if !bad {
			order = append(order, i)
		}
	}
	size := func(i int) (float64, float64) {
		it := &p.Items[i]
		s, m := 0.0, 0.0
		for d := range model.NumDims {
			if p.Capacity[d] > 0 {
				if x := it.Peak(d) / p.Capacity[d]; x > s {
					s = x
				}
				sum := 0.0
				for _, v := range it.Values[d] {
					sum += v
				}
				m += sum / float64(p.Slots) / p.Capacity[d]
			}
		}
		return s, m
	}
	slices.SortStableFunc(order, func(a, b int) int {
		sa, ma := size(a)
		sb, mb := size(b)
		switch {
		case sa != sb:
			return map[bool]int{true: -1, false: 1}[sa > sb]
		case ma != mb:
			return map[bool]int{true: -1, false: 1}[ma > mb]
		}
		return strings.Compare(p.Items[a].ID, p.Items[b].ID)
	})
	sums := make([][model.NumDims]float64, p.Slots)
	for _, i := range order {
		placed := false
		for j := range res.Bins {
			b := &res.Bins[j]
			ok := true
			for d := range model.NumDims {
				for t, v := range p.Items[i].Values[d] {
					if b.Load[d][t]+v > lim[d] {
						ok = false
					}
				}
			}
			if ok {
				placed = true
				b.Items = append(b.Items, i)
				for d := range model.NumDims {
					for t, v := range p.Items[i].Values[d] {
						b.Load[d][t] += v
					}
				}
				break
			}
		}
		if !placed {
			var b Bin
			b.Items = []int{i}
			for d := range model.NumDims {
				b.Load[d] = slices.Clone(p.Items[i].Values[d])
			}
			res.Bins = append(res.Bins, b)
		}
		for t := range p.Slots {
			for d := range model.NumDims {
				sums[t][d] += p.Items[i].Values[d][t]
			}
		}
	}
	if len(order) > 0 {
		res.LowerBound = 1
	}
	for t := range p.Slots {
		for d := range model.NumDims {
			if p.Capacity[d] > 0 {
				res.LowerBound = max(res.LowerBound, int(math.Ceil(sums[t][d]/lim[d]-1e-9)))
			}
		}
	}
	return res
}

func TestFirstFitDecreasingProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(20100101, 42))
	for k := range 400 {
		p := randomProblem(r)
		name := fmt.Sprintf("problem %d (%d items, %d slots)", k, len(p.Items), p.Slots)
		if err := Validate(p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res := FirstFitDecreasing(p)
		lim := limits(p.Capacity)

		// Every item is placed once or unplaced.
		seen := make([]int, len(p.Items))
		for _, b := range res.Bins {
			if len(b.Items) == 0 {
				t.Errorf("%s: empty bin", name)
			}
			for _, i := range b.Items {
				seen[i]++
			}
		}
		for k, u := range res.Unplaced {
			seen[u.Item]++
			if k > 0 && res.Unplaced[k-1].Item >= u.Item {
				t.Errorf("%s: Unplaced not by ascending index", name)
			}
			v := p.Items[u.Item].Values[u.Dim][u.Slot]
			if v <= lim[u.Dim] || v != u.Demand || u.Capacity != p.Capacity[u.Dim] {
				t.Errorf("%s: wrong Unplaced %+v", name, u)
			}
		}
		for i, n := range seen {
			if n != 1 {
				t.Errorf("%s: item %d placed or unplaced %d times", name, i, n)
			}
		}

		// Loads are the sums of the items and within capacity.
		for j, b := range res.Bins {
			for d := range model.NumDims {
				want := make([]float64, p.Slots)
				for _, i := range b.Items {
					for t, v := range p.Items[i].Values[d] {
						want[t] += v
					}
				}
				if !slices.Equal(b.Load[d], want) {
					t.Errorf("%s: bin %d %s load %v, want %v", name, j, d, b.Load[d], want)
				}
				for s, l := range b.Load[d] {
					if l > lim[d] {
						t.Errorf("%s: bin %d %s slot %d: load %v exceeds capacity %v", name, j, d, s, l, p.Capacity[d])
					}
				}
			}
		}

		// The lower bound is a lower bound.
		if len(res.Bins) < res.LowerBound {
			t.Errorf("%s: %d bins < lower bound %d", name, len(res.Bins), res.LowerBound)
		}
		if lb := LowerBound(p); lb != res.LowerBound {
			t.Errorf("%s: LowerBound %d != Result.LowerBound %d", name, lb, res.LowerBound)
		}

		// Same result as the reference without the fast path.
		if ref := naiveFFD(p); !reflect.DeepEqual(res, ref) {
			t.Errorf("%s: result differs from the reference:\n got %v %+v LB %d\nwant %v %+v LB %d", name,
				binIDs(p, res.Bins), res.Unplaced, res.LowerBound, binIDs(p, ref.Bins), ref.Unplaced, ref.LowerBound)
		}

		// The result does not depend on the input order.
		q := Problem{Slots: p.Slots, Capacity: p.Capacity, Items: slices.Clone(p.Items)}
		r.Shuffle(len(q.Items), func(i, j int) { q.Items[i], q.Items[j] = q.Items[j], q.Items[i] })
		res2 := FirstFitDecreasing(q)
		if a, b := binIDs(p, res.Bins), binIDs(q, res2.Bins); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: bins depend on input order:\n%v\n%v", name, a, b)
		}
		for j := range min(len(res.Bins), len(res2.Bins)) {
			if !reflect.DeepEqual(res.Bins[j].Load, res2.Bins[j].Load) {
				t.Errorf("%s: bin %d loads depend on input order", name, j)
			}
		}
		a, b := unplacedIDs(p, res.Unplaced), unplacedIDs(q, res2.Unplaced)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) || res.LowerBound != res2.LowerBound {
			t.Errorf("%s: unplaced or lower bound depend on input order: %v %d, %v %d",
				name, a, res.LowerBound, b, res2.LowerBound)
		}
	}
}

// fleet returns n servers with a daily pattern over the given number of
// slots, in the proportions of a mixed virtualisation estate, and the usable
// capacity of a two-socket host.
func fleet(n, slots int, seed uint64) Problem {
	r := rand.New(rand.NewPCG(seed, 1))
	p := Problem{Slots: slots, Capacity: model.Capacity{
		model.DimCPU:       60,
		model.DimMem:       460 * gib,
		model.DimDiskIOPS:  70000,
		model.DimDiskBytes: 1.4e9,
		model.DimNetBytes:  1.75e9,
	}}
	base := model.Capacity{
		model.DimCPU:       0.8,
		model.DimMem:       12 * gib,
		model.DimDiskIOPS:  800,
		model.DimDiskBytes: 15e6,
		model.DimNetBytes:  20e6,
	}
	for i := range n {
		it := model.ServerDemand{ID: fmt.Sprintf("srv%05d", i)}
		scale := math.Exp(0.8 * r.NormFloat64())
		for d := range model.NumDims {
			row := make([]float64, slots)
			amp, noise := 0.2+0.7*r.Float64(), 0.1
			if d == model.DimMem {
				amp, noise = 0.05, 0.01
			}
			phase := 2 * math.Pi * r.Float64()
			for t := range row {
				x := 1 + amp*math.Sin(2*math.Pi*float64(t)/float64(slots)+phase) + noise*r.NormFloat64()
				row[t] = base[d] * scale * max(x, 0)
			}
			it.Values[d] = row
		}
		p.Items = append(p.Items, it)
	}
	return p
}

func BenchmarkFFD10k(b *testing.B) {
	p := fleet(10000, 288, 1)
	var res Result
	for b.Loop() {
		res = FirstFitDecreasing(p)
	}
	b.ReportMetric(float64(len(res.Bins)), "hosts")
	b.ReportMetric(float64(res.LowerBound), "lower_bound")
	b.ReportMetric(float64(len(p.Items))*float64(b.N)/b.Elapsed().Seconds(), "servers/sec")
}
