package plan

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
	"github.com/kvmfit/kvmfit/model/profile"
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

// TestBuildPlanUnplacedReasons: servers too large for an empty host are
// unplaced with the first dimension (in Dim order) and slot where they
// exceed it, and a reason that counts the slots over capacity.
func TestBuildPlanUnplacedReasons(t *testing.T) {
	const slots = 6
	s := model.DefaultSettings.Clone()
	s.HostReserveCores, s.HostReserveMemBytes = 0, 0
	for k := range s.CeilingPct {
		s.CeilingPct[k] = 100
	}
	servers := []model.ServerDemand{
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
		item("iops", slots, map[model.Dim][]float64{
			model.DimDiskIOPS: {0, 5000, 0, 0, 0, 0},
		}),
	}
	in := PlanInput{
		Fleet: profile.Fleet{Demand: &model.Demand{Slots: slots, Profile: "day", Servers: servers},
			Servers: []model.PlanServer{{ID: "big"}, {ID: "ok"}, {ID: "both"}, {ID: "iops"}}},
		Catalog: &model.Catalog{Hosts: []model.HostSpec{{Name: "h16", Cores: 16, Threads: 16, CPUScorePerCore: s.ReferenceCoreScore,
			MemBytes: model.ByteSize(450 * model.GiB), StorageIOPS: 1000, StorageBytesPerSec: 1e9, NetBytesPerSec: 1e9,
			Price: 1000, Watts: 400, RackUnits: 1}}},
		Settings: s,
	}
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Unplaced{
		{Server: "big", Dim: "mem", Reason: "mem demand 600 GiB in slot 3 exceeds the usable capacity 450 GiB of an empty host (over capacity in 2 of 6 slots; peak 700 GiB)"},
		{Server: "both", Dim: "cpu", Reason: "cpu demand 20 ref cores in slot 5 exceeds the usable capacity 16 ref cores of an empty host (over capacity in 1 of 6 slots; peak 20 ref cores)"},
		{Server: "iops", Dim: "disk_iops", Reason: "disk_iops demand 5000 iops in slot 1 exceeds the usable capacity 1000 iops of an empty host (over capacity in 1 of 6 slots; peak 5000 iops)"},
	}
	if !reflect.DeepEqual(plan.Unplaced, want) {
		t.Errorf("unplaced:\n got %+v\nwant %+v", plan.Unplaced, want)
	}
	if len(plan.Assignments) != 1 || plan.Assignments[0].Server != "ok" || plan.HostsUsed != 1 {
		t.Errorf("assignments %+v on %d hosts, want ok alone on one host", plan.Assignments, plan.HostsUsed)
	}
}

func TestUnplacedReason(t *testing.T) {
	tests := []struct {
		name     string
		d        model.Dim
		slot     int
		dem, cap float64
		want     string
	}{
		{
			name: "bytes per second, no row",
			d:    model.DimNetBytes, slot: 7, dem: 1.5 * gib, cap: 1.25 * gib,
			want: "net_bytes demand 1.5 GiB/s in slot 7 exceeds the usable capacity 1.25 GiB/s of an empty host",
		},
		{
			name: "different binary prefixes",
			d:    model.DimDiskBytes, slot: 0, dem: 1024, cap: 512,
			want: "disk_bytes demand 1 KiB/s in slot 0 exceeds the usable capacity 512 B/s of an empty host",
		},
		{
			name: "more decimals to tell demand from capacity",
			d:    model.DimMem, slot: 2, dem: 450.0000045 * gib, cap: 450 * gib,
			want: "mem demand 450.000004 GiB in slot 2 exceeds the usable capacity 450 GiB of an empty host",
		},
		{
			name: "NaN",
			d:    model.DimCPU, slot: 4, dem: math.NaN(), cap: 8,
			want: "cpu demand in slot 4 is not a number",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reason(tt.d, tt.slot, tt.dem, tt.cap, nil); got != tt.want {
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
			l := hostLoad(tt.load)
			u := l.peakUtil(tt.c)
			for d := range model.NumDims {
				if w := tt.wantUtil[d]; !(u[d] == w || math.Abs(u[d]-w) < 1e-9) {
					t.Errorf("peakUtil[%s] = %v, want %v", d, u[d], w)
				}
			}
			d, slots := l.binding(tt.c)
			if d != tt.wantDim || !slices.Equal(slots, tt.wantSlots) {
				t.Errorf("binding = %s %v, want %s %v", d, slots, tt.wantDim, tt.wantSlots)
			}
		})
	}
}

func TestValidateDemand(t *testing.T) {
	ok := func() *model.Demand {
		return &model.Demand{Slots: 3, Servers: []model.ServerDemand{cpu("web1", 1, 2, 3), cpu("db1", 2, 2, 2)}}
	}
	tests := []struct {
		name  string
		edit  func(d *model.Demand)
		parts []string // substrings of the error; nil means no error
	}{
		{"valid", func(d *model.Demand) {}, nil},
		{"no servers", func(d *model.Demand) { d.Servers = nil }, nil},
		{"too large is not invalid", func(d *model.Demand) { d.Servers[0].Values[model.DimCPU][1] = 1e12 }, nil},
		{"negative slots", func(d *model.Demand) { d.Slots = -1; d.Servers = nil }, []string{"-1 slots"}},
		{"short row", func(d *model.Demand) { d.Servers[1].Values[model.DimDiskBytes] = []float64{1, 2} },
			[]string{`item "db1" (index 1) disk_bytes`, "2 slots, want 3"}},
		{"missing row", func(d *model.Demand) { d.Servers[0].Values[model.DimMem] = nil },
			[]string{`item "web1" (index 0) mem`, "0 slots, want 3"}},
		{"NaN value", func(d *model.Demand) { d.Servers[1].Values[model.DimDiskIOPS][2] = math.NaN() },
			[]string{`item "db1" (index 1) disk_iops slot 2`, "NaN"}},
		{"negative value", func(d *model.Demand) { d.Servers[0].Values[model.DimNetBytes][0] = -3 },
			[]string{`item "web1" (index 0) net_bytes slot 0`, "-3"}},
		{"infinite value", func(d *model.Demand) { d.Servers[0].Values[model.DimCPU][1] = math.Inf(1) },
			[]string{`item "web1" (index 0) cpu slot 1`, "+Inf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ok()
			tt.edit(d)
			err := validateDemand(d)
			if tt.parts == nil {
				if err != nil {
					t.Fatalf("validateDemand = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("validateDemand = nil, want an error")
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
	// BuildPlan refuses invalid demand with the same error.
	in := planFixture()
	in.Demand.Servers[1].Values[model.DimCPU][0] = math.NaN()
	if _, err := BuildPlan(in); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `item "b" (index 1) cpu slot 0`) {
		t.Errorf("BuildPlan with a NaN: %v, want an ErrInvalid naming b", err)
	}
}

// fleet returns n servers with a daily pattern over the given number of
// slots, in the proportions of a mixed virtualisation estate (sized for a
// two-socket host of 60 ref cores and 460 GiB).
func fleet(n, slots int, seed uint64) []model.ServerDemand {
	r := rand.New(rand.NewPCG(seed, 1))
	var out []model.ServerDemand
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
		out = append(out, it)
	}
	return out
}
