package profile

import (
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

func TestVirtVariants(t *testing.T) {
	s := maxSettings()
	srv := profileServer()
	p, err := Server(srv, s)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]VirtCPU{}
	for _, v := range p.Virt {
		by[v.Name] = v
	}
	// The plan's own variant is the packed CPU row; kvm-virtio (the
	// defaults) the same. Without virtualisation the slot is busy cores
	// only: 40 % of 6 reference cores = 2.4, 90 % = 5.4 at slot 100;
	// kvm-emulated × 1.20 (no I/O measured: no CPU cost of I/O).
	for t0, want := range map[int][4]float64{0: {2.4, 2.52, 2.88, 2.4}, 100: {5.4, 5.67, 6.48, 5.4}} {
		got := [4]float64{float64(by[VirtNone].CPU[t0]), float64(by["kvm-virtio"].CPU[t0]), float64(by["kvm-emulated"].CPU[t0]), float64(by["lxc"].CPU[t0])}
		for k := range want {
			if !modeltest.Close(got[k], want[k], 1e-5) {
				t.Errorf("slot %d: none, kvm-virtio, kvm-emulated, lxc = %v, want %v", t0, got, want)
				break
			}
		}
	}
	for i, v := range p.Demand.Values[model.DimCPU] {
		if float32(v) != by[VirtPlan].CPU[i] || by[VirtPlan].CPU[i] != by["kvm-virtio"].CPU[i] {
			t.Fatalf("slot %d: plan variant %v, kvm-virtio %v, packed row %v: want equal", i, by[VirtPlan].CPU[i], by["kvm-virtio"].CPU[i], v)
		}
	}
	// Per-VM memory: 0.002 × 8 GiB + 218 MiB + 4 × 8 MiB under KVM, 0 for
	// none and lxc.
	ovh := 0.002*8*model.GiB + 218*model.MiB + 4*8*model.MiB
	if !modeltest.Close(by[VirtPlan].MemOverheadBytes, ovh, 1e-9) || by[VirtNone].MemOverheadBytes != 0 || by["lxc"].MemOverheadBytes != 0 {
		t.Errorf("memory overhead plan %v none %v lxc %v, want %v, 0, 0", by[VirtPlan].MemOverheadBytes, by[VirtNone].MemOverheadBytes, by["lxc"].MemOverheadBytes, ovh)
	}
	// I/O costs CPU: 1000 IOPS at 0.01 reference cores per 1000 adds 0.01
	// reference cores to the plan's variant and nothing to factor-only.
	for j := range srv.Series.Len() {
		srv.Series.Mean[model.DiskReadIOPS][j], srv.Series.Max[model.DiskReadIOPS][j] = 1000, 1000
	}
	p, err = Server(srv, s)
	if err != nil {
		t.Fatal(err)
	}
	fo, pl := p.Virt[1], p.Virt[2]
	if fo.Name != VirtFactorOnly || pl.Name != VirtPlan || !modeltest.Close(float64(pl.CPU[0]-fo.CPU[0]), 0.01, 1e-5) || !modeltest.Close(float64(fo.CPU[0]), 2.52, 1e-5) {
		t.Errorf("factor-only %v, plan %v at slot 0: want 2.52 and 2.53", fo.CPU[0], pl.CPU[0])
	}
}

func TestStorage(t *testing.T) {
	s := model.DefaultSettings.Clone()
	inv := model.Inventory{
		Disks:       []model.Disk{{Name: "sda", SizeBytes: 500e9}, {Name: "sdb", SizeBytes: 1500e9}},
		Filesystems: []model.Filesystem{{Mount: "/", SizeBytes: 100e9, UsedBytes: 40e9}, {Mount: "/data", SizeBytes: 1000e9, UsedBytes: 600e9}},
	}
	metric := &model.Server{Inventory: inv}
	for j, used := range []float64{650e9, 700e9, 680e9} {
		x := modeltest.Sample(modeltest.Sec(j*300), 300, map[model.Metric]modeltest.MV{model.FSUsedBytes: {used - 1e9, used}})
		metric.Series.Append(x)
	}
	noFS := inv
	noFS.Filesystems = nil
	tests := []struct {
		name string
		srv  *model.Server
		want model.ServerStorage
		warn bool
	}{
		// The largest sample, × 1.25.
		{"metric", metric, model.ServerStorage{ProvisionedBytes: 2000e9, UsedBytes: 700e9, DemandBytes: 875e9, Source: "metric"}, false},
		// 40 + 600 GB used × 1.25.
		{"inventory", &model.Server{Inventory: inv}, model.ServerStorage{ProvisionedBytes: 2000e9, UsedBytes: 640e9, DemandBytes: 800e9, Source: "inventory"}, false},
		// Use unknown: the disks, thick.
		{"provisioned", &model.Server{Inventory: noFS}, model.ServerStorage{ProvisionedBytes: 2000e9, DemandBytes: 2000e9, Source: "provisioned"}, true},
		{"unknown", &model.Server{}, model.ServerStorage{Source: "unknown"}, true},
	}
	for _, tc := range tests {
		got, warn := Storage(tc.srv, s)
		if got != tc.want || (warn != "") != tc.warn {
			t.Errorf("%s: %+v (warning %q), want %+v", tc.name, got, warn, tc.want)
		}
	}
}

// TestVirtRowsMatchTheirOwnProfile checks every variant's CPU row against
// the packed CPU row of the server profiled with that variant's settings:
// the plan's row is reused, the others folded apart, all the same way.
func TestVirtRowsMatchTheirOwnProfile(t *testing.T) {
	io := &model.Server{ID: "io", Inventory: model.Inventory{Cores: 8, Threads: 16, CPUMHz: 2400, MemTotalBytes: 16 * model.GiB}, Series: *benchSeries(3*288, 300)}
	for _, srv := range []*model.Server{profileServer(), io} {
		for _, kind := range []model.ProfileKind{model.ProfileDay, model.ProfileWeek} {
			s := maxSettings()
			s.Profile = kind
			s.CPUVirtFactor, s.CPUCoresPerKIOPS = 1.1, 0.03 // apart from every preset
			p, err := Server(srv, s)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range VirtVariants(s) {
				vs := v.Settings.Clone()
				vs.Virt = "lxc" // a valid name: only the numbers count here
				q, err := Server(srv, vs)
				if err != nil {
					t.Fatal(err)
				}
				got, want := p.Virt[k].CPU, float32Row(q.Demand.Values[model.DimCPU])
				if p.Virt[k].Name != v.Name || len(got) != len(want) {
					t.Fatalf("%s %s: variant %d is %q with %d slots, want %q with %d", srv.ID, kind, k, p.Virt[k].Name, len(got), v.Name, len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s %s %s: slot %d = %v, want %v", srv.ID, kind, v.Name, i, got[i], want[i])
					}
				}
			}
		}
	}
}
