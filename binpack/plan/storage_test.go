package plan

import (
	"math"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
)

// storageFixture is planFixture with VM disks: a and b 600 GB each, c 100
// GB; both host models keep 1 TB of local storage (850 GB under the 85 %
// ceiling).
func storageFixture() PlanInput {
	in := planFixture()
	gb := 1e9
	for i, v := range []float64{600 * gb, 600 * gb, 100 * gb} {
		in.Servers[i].Storage = model.ServerStorage{UsedBytes: v / 1.25, DemandBytes: v, Source: "metric"}
	}
	in.Servers[3].Storage = model.ServerStorage{ProvisionedBytes: 50 * gb, DemandBytes: 50 * gb, Source: "provisioned"}
	for k := range in.Catalog.Hosts {
		in.Catalog.Hosts[k].StorageBytes = model.ByteSize(1e12)
	}
	return in
}

func TestStorageCapacityPacked(t *testing.T) {
	plan, err := BuildPlan(storageFixture())
	if err != nil {
		t.Fatal(err)
	}
	// small (4 cores): a [3,1] + b [1,3] fit in CPU but their disks (1200
	// GB) do not fit 850 GB, and no other pair fits in CPU: 3 hosts
	// (without storage: 2). big (8 cores): every CPU fits one host, the
	// disks (1300 GB) need two: {a, c} 700 GB and {b} 600 GB.
	// cost small = 3 × 1000 + 3 × 100 W × 8766 h × 5 y × 0.20 / 1000 = 5629.8
	// cost big   = 2 × 2500 + 2 × 150 × 8766 × 5 × 0.20 / 1000 = 7629.8
	want := map[string][2]float64{"small": {3, 5629.8}, "big": {2, 7629.8}}
	for _, c := range plan.Candidates {
		if w := want[c.HostType]; float64(c.HostsUsed) != w[0] || c.CostTotal != w[1] || !c.StorageFits {
			t.Errorf("%s: %d hosts, cost %v, storage fits %v; want %v hosts, cost %v, fits", c.HostType, c.HostsUsed, c.CostTotal, c.StorageFits, w[0], w[1])
		}
	}
	if plan.HostType != "small" {
		t.Fatalf("chose %s, want small", plan.HostType)
	}
	total := 0.0
	for _, h := range plan.Hosts {
		if h.StorageCapacityBytes != 850e9 || h.StorageBytes > h.StorageCapacityBytes {
			t.Errorf("%s: storage %v of %v, want ≤ 850e9 of 850e9", h.Name, h.StorageBytes, h.StorageCapacityBytes)
		}
		total += h.StorageBytes
	}
	if total != 1300e9 {
		t.Errorf("storage placed %v, want 1300e9 (a + b + c; d has no samples)", total)
	}
	st := plan.Storage
	if !st.Local || st.DemandBytes != 1350e9 || st.ServersMetric != 3 || st.ServersProvisioned != 1 || st.Pool != nil {
		t.Errorf("storage plan %+v: want local, 1350e9 demanded (d's 50 GB thick included), 3 from the metric, 1 provisioned", st)
	}
}

func TestStorageUnplacedReason(t *testing.T) {
	in := storageFixture()
	in.Servers[0].Storage.DemandBytes = 2e12 // a: 2 TB > 850 GB
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	var got *model.Unplaced
	for i := range plan.Unplaced {
		if plan.Unplaced[i].Server == "a" {
			got = &plan.Unplaced[i]
		}
	}
	if got == nil || got.Dim != "storage" || !strings.Contains(got.Reason, "storage capacity") || !strings.Contains(got.Reason, "1.82 TiB") {
		t.Fatalf("a unplaced = %+v, want dim storage, a reason naming storage capacity and 2 TB (1.82 TiB)", got)
	}
	for _, c := range plan.Candidates {
		if c.StorageFits {
			t.Errorf("%s: storage fits, want not (a fits no host)", c.HostType)
		}
	}
}

func TestStoragePoolNeed(t *testing.T) {
	in := storageFixture()
	in.Catalog.StoragePools = []model.StoragePool{{Name: "san", CapacityBytes: 1e12, IOPS: 1000, Existing: true}}
	for k := range in.Catalog.Hosts {
		in.Catalog.Hosts[k].StorageBytes = 0
		in.Catalog.Hosts[k].StoragePool = "san"
	}
	// disk IOPS a [100, 0], b [0, 100], c [50, 50]: aligned sum [150, 150].
	for i, r := range [][]float64{{100, 0}, {0, 100}, {50, 50}} {
		in.Demand.Servers[i].Values[model.DimDiskIOPS] = r
	}
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	p := plan.Storage.Pool
	// need = 1350 GB / 0.85 = 1588.235 GB > 1 TB: does not fit.
	if p == nil || p.Name != "san" || math.Abs(p.NeedBytes-1350e9/0.85) > 1 || p.NeedIOPS != 150 || p.Fits || plan.Storage.Local {
		t.Fatalf("pool = %+v, want san needing 1588.2 GB and 150 IOPS, not fitting 1 TB", p)
	}
	if plan.HostsWithoutHA != 2 { // storage is the pool's: CPU alone decides
		t.Errorf("hosts for the load %d, want 2", plan.HostsWithoutHA)
	}
	found := false
	for _, w := range plan.Warnings {
		found = found || strings.Contains(w, "pool san cannot serve the plan")
	}
	if !found {
		t.Errorf("warnings %q: want the pool named", plan.Warnings)
	}
	for _, c := range plan.Candidates {
		if c.StorageFits || c.StoragePool != "san" || len(c.CostExcludes) != 0 {
			t.Errorf("%s: fits %v, pool %q, excludes %q; want not fitting, san, nothing excluded (an existing pool)", c.HostType, c.StorageFits, c.StoragePool, c.CostExcludes)
		}
	}
}

func TestLicenceAndPoolCosts(t *testing.T) {
	in := planFixture()
	in.Catalog.StoragePools = []model.StoragePool{{Name: "new-array"}}
	in.Catalog.Hosts[0].StoragePool = "new-array"
	in.Catalog.Hosts[1].Sockets = 2
	in.Catalog.Hosts[1].PriceExcludes = "support"
	in.Catalog.Licences = []model.Licence{
		{Name: "hypervisor", Per: "socket", PricePerYear: 100},
		{Name: "guest os", Per: "core", CoresPerLicence: 2, MinCoresPerHost: 16, PricePerYear: 10},
	}
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	// small: 2 hosts × (1 socket × 100 + 16/2 packs × 10) × 5 years = 1800;
	// big: 1 host × (2 × 100 + 8 × 10) × 5 = 1400.
	want := map[string]float64{"small": 1800, "big": 1400}
	for _, c := range plan.Candidates {
		if c.LicenceCost != want[c.HostType] {
			t.Errorf("%s: licence cost %v, want %v", c.HostType, c.LicenceCost, want[c.HostType])
		}
		if math.Abs(c.CostTotal-(c.CapexTotal+c.EnergyCostTotal+c.RackCost+c.LicenceCost+c.StoragePoolCost)) > 0.01 {
			t.Errorf("%s: cost total %v is not the sum of its parts", c.HostType, c.CostTotal)
		}
	}
	c0, c1 := plan.Candidates[0], plan.Candidates[1]
	if len(c0.CostExcludes) != 1 || !strings.Contains(c0.CostExcludes[0], "new-array") {
		t.Errorf("small excludes %q, want the unpriced new pool", c0.CostExcludes)
	}
	if len(c1.CostExcludes) != 1 || c1.CostExcludes[0] != "support" {
		t.Errorf("big excludes %q, want its price_excludes", c1.CostExcludes)
	}
}

func TestOverheadHandComputed(t *testing.T) {
	in := planFixture()
	in.Settings.HostReserveCores, in.Settings.HostReserveMemBytes = 1, model.GiB
	in.Catalog.Hosts = in.Catalog.Hosts[1:] // big: 8 cores, 32 GiB
	in.Pack.SensitivityMaxServers = 10
	rows := map[string][][]float32{
		profile.VirtNone:       {{2, 0.5}, {0.5, 2}, {1.5, 1.5}},
		profile.VirtFactorOnly: {{2.5, 0.8}, {0.8, 2.5}, {1.8, 1.8}},
		profile.VirtPlan:       {{3, 1}, {1, 3}, {2, 2}},
		"kvm-virtio":           {{3, 1}, {1, 3}, {2, 2}},
		"kvm-emulated":         {{5, 2}, {2, 5}, {3, 3}},
		"lxc":                  {{2, 0.5}, {0.5, 2}, {1.5, 1.5}},
	}
	in.Virt = profile.VirtVariants(in.Settings)
	for k := range in.Virt {
		v := &in.Virt[k]
		v.CPU = rows[v.Name]
		ovh := 0.25 * model.GiB
		if v.Name == profile.VirtNone || v.Name == "lxc" {
			ovh = 0
		}
		v.MemOverheadBytes = []float64{ovh, ovh, ovh}
	}
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	o := plan.Overhead
	// One host holds a, b, c: planned CPU [6, 6], the first slot is the
	// peak. CPU factor = (2.5 + 0.8 + 1.8) − (2 + 0.5 + 1.5) = 1.1; I/O =
	// (3 + 1 + 2) − 5.1 = 0.9; per-VM memory 3 × 0.25 GiB; reserve 1 of 8
	// reference cores and 1 GiB: CPU 3 of 8 = 37.5 %, memory 1.75 of 32
	// GiB = 5.47 %.
	if len(o.Hosts) != 1 {
		t.Fatalf("%d hosts, want 1", len(o.Hosts))
	}
	h := o.Hosts[0]
	if math.Abs(h.CPUFactorCoresRef-1.1) > 1e-6 || math.Abs(h.IOCPUCoresRef-0.9) > 1e-6 || h.VMMemBytes != 0.75*model.GiB ||
		h.HostReserveCoresRef != 1 || h.HostReserveMemBytes != model.GiB || h.CPUCoresRef != 3 || h.CPUSharePct != 37.5 || h.MemSharePct != 5.47 {
		t.Errorf("host overhead %+v", h)
	}
	if o.Fleet.CPUCoresRef != h.CPUCoresRef || o.Fleet.MemBytes != h.MemBytes {
		t.Errorf("fleet %+v, want the one host's", o.Fleet)
	}
	// Presets on big: the plan (reserve 1 core) 1 host; kvm-virtio (reserve
	// 2 cores: 6 usable = [6, 6]) 1; kvm-emulated a [5, 2], b [2, 5],
	// c [3, 3] on 6 usable: no two fit together, 3;
	// lxc [4, 4]: 1; none (no reserve) 1: virtualisation costs no host.
	got := map[string]int{}
	for _, p := range o.Presets {
		got[p.Virt] = p.Hosts
	}
	wantHosts := map[string]int{"kvm-virtio (adjusted)": 1, "kvm-virtio": 1, "kvm-emulated": 3, "lxc": 1, "none": 1}
	if len(got) != len(wantHosts) {
		t.Errorf("presets %v, want %v", got, wantHosts)
	}
	for k, v := range wantHosts {
		if got[k] != v {
			t.Errorf("preset %s: %d hosts, want %d", k, got[k], v)
		}
	}
	if o.HostsCost != 0 || !strings.Contains(o.Summary, "costs no host") {
		t.Errorf("hosts cost %d, summary %q", o.HostsCost, o.Summary)
	}
}
