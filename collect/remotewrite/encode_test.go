package remotewrite

import (
	"reflect"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

func TestInventoryLabelsRoundTrip(t *testing.T) {
	inv := model.Inventory{Hostname: "db1", MachineID: "m1", OS: "Linux 6.1", OSFamily: "linux", CPUModel: "EPYC 7302",
		Sockets: 2, Cores: 32, Threads: 64, CPUMHz: 3000, CPUScorePerCore: 1234.5, CPUScoreAllCores: 30000,
		MemTotalBytes: 256 << 30, IsVM: true, Hypervisor: "KVM", TimeZone: "UTC"}
	ls := map[string]string{}
	for _, l := range (Identity{Instance: "db1:9100", Hostname: inv.Hostname, MachineID: inv.MachineID}).labels(InfoMetric, InventoryLabels(inv)...) {
		ls[l.Name] = l.Value
	}
	if got := InventoryFromLabels(ls); !reflect.DeepEqual(got, inv) {
		t.Errorf("round trip\n%+v\nwant\n%+v", got, inv)
	}
}

func FuzzInventoryFromLabels(f *testing.F) {
	f.Add("8", "1e9", "true", "NaN")
	f.Fuzz(func(t *testing.T, threads, mem, vm, score string) {
		inv := InventoryFromLabels(map[string]string{"threads": threads, "mem_total_bytes": mem, "is_vm": vm, "cpu_score_per_core": score})
		if inv.Threads < 0 || inv.MemTotalBytes < 0 || inv.CPUScorePerCore < 0 || inv.CPUScorePerCore != inv.CPUScorePerCore {
			t.Fatalf("invalid inventory from labels: %+v", inv)
		}
	})
}
