package profile

import (
	"math"

	"github.com/kvmfit/kvmfit/model"
)

// Storage sizes a server's VM disks on the target (docs/model.md §8): the
// used bytes are the largest fs_used_bytes sample when the samples have
// the metric, else the inventory's filesystems' used bytes; the VM's
// disks, thin-provisioned, take used × Settings.StorageGrowthFactor. A
// server whose use is unknown but whose disks' size is known is sized
// thick, at that size (conservative); one with neither takes 0, with a
// warning that says so.
func Storage(srv *model.Server, s model.Settings) (model.ServerStorage, string) {
	st := model.ServerStorage{ProvisionedBytes: float64(srv.Inventory.StorageSizeBytes())}
	peak := math.NaN()
	for _, col := range [][]float64{srv.Series.Max[model.FSUsedBytes], srv.Series.Mean[model.FSUsedBytes]} {
		for _, v := range col {
			if !math.IsNaN(v) && !(v <= peak) {
				peak = v
			}
		}
	}
	used, inInventory := srv.Inventory.StorageUsedBytes()
	switch {
	case !math.IsNaN(peak):
		st.UsedBytes, st.Source = peak, "metric"
	case inInventory:
		st.UsedBytes, st.Source = float64(used), "inventory"
	case st.ProvisionedBytes > 0:
		st.Source = "provisioned"
		st.DemandBytes = st.ProvisionedBytes
		return st, "no storage use data: the VM's disks are sized at the disks' full size (thick)"
	default:
		st.Source = "unknown"
		return st, "no storage size or use known: storage capacity counted as 0"
	}
	st.DemandBytes = math.Round(st.UsedBytes * s.StorageGrowthFactor)
	return st, ""
}
