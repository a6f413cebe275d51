package plan

import (
	"fmt"
	"math"

	"github.com/kvmfit/kvmfit/binpack"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
)

// storageDim is the plan instance's dimension of storage capacity: one
// slot, every server's VM disks in bytes, against a local-storage host's
// usable storage (storageCapacity).
const storageDim = "storage"

// setStorage reads every server's storage demand into b.storage when some
// server has one and some host model keeps VM disks locally with a known
// capacity, and returns the plan's warnings about storage: host models whose
// storage capacity the catalog does not give, servers whose storage is
// unknown.
func (b *planBuilder) setStorage() []string {
	var warns []string
	by := map[string]model.ServerStorage{}
	unknown, example := 0, ""
	for _, ps := range b.in.Servers {
		by[ps.ID] = ps.Storage
		if ps.Storage.Source == "unknown" || ps.Storage.Source == "" {
			if unknown == 0 {
				example = ps.ID
			}
			unknown++
		}
	}
	if unknown > 0 {
		warns = append(warns, fmt.Sprintf("storage: %d of %d servers have neither disk sizes nor used bytes in their data (e.g. %s): their VM disks count as 0 bytes in the storage capacity check", unknown, len(b.in.Servers), example))
	}
	items := b.in.Demand.Servers
	st := make([]float64, len(items))
	total := 0.0
	for i, sd := range items {
		st[i] = by[sd.ID].DemandBytes
		total += st[i]
	}
	local := false
	for _, h := range b.in.Catalog.Hosts {
		switch {
		case h.StorageBytes > 0:
			local = true
		case h.StoragePool == "" && total > 0:
			warns = append(warns, fmt.Sprintf("storage: host model %s has neither storage_bytes nor storage_pool in the catalog: its storage capacity is not checked", h.Name))
		}
	}
	b.storageTotal = total
	if local && total > 0 {
		b.storage = st
	}
	return warns
}

// storageCapacity is what a host model's local storage may hold: its usable
// storage × Settings.StorageCeilingPct. A model whose VM disks live in a
// pool, or whose storage the catalog does not give, is not limited here: it
// gets more than the whole fleet's disks.
func (b *planBuilder) storageCapacity(spec model.HostSpec) float64 {
	if spec.StorageBytes > 0 {
		return float64(spec.StorageBytes) * b.s.StorageCeilingPct / 100
	}
	return 2*b.storageTotal + 1
}

// storageReason explains a server whose VM disks fit no host's storage.
func (b *planBuilder) storageReason(inst *binpack.Instance, u binpack.Unplaced) string {
	need, have := u.Demand, u.Capacity
	if int(u.Dim) < len(inst.Capacity) && have == 0 {
		have = inst.Capacity[u.Dim]
	}
	return fmt.Sprintf("storage capacity: its VM disks need %s (used bytes × %g) and a host of %s holds %s of VM disks (usable local storage × %g %%)",
		formatQuantity(need, "bytes", 2), b.s.StorageGrowthFactor, inst.Name, formatQuantity(have, "bytes", 2), b.s.StorageCeilingPct)
}

// storagePlan describes the fleet's storage today and after the move on
// the chosen candidate (plan.Hosts filled): the totals, where each server's
// figure came from, and, for a model that keeps VM disks in a pool, what the
// pool must provide.
func (b *planBuilder) storagePlan(plan *model.Plan, c *candidate) model.StoragePlan {
	s := b.s
	sp := model.StoragePlan{GrowthFactor: s.StorageGrowthFactor, CeilingPct: s.StorageCeilingPct, HostType: plan.HostType, Local: true,
		Method: fmt.Sprintf("a VM's disks take the server's used bytes (the largest fs_used_bytes sample, else the inventory's filesystems) × the storage growth factor %g, thin-provisioned; a server whose use is unknown is sized at its disks' full size; a local-storage host holds VM disks up to %g %% of its usable storage (after RAID)", s.StorageGrowthFactor, s.StorageCeilingPct)}
	for _, ps := range b.in.Servers {
		st := ps.Storage
		sp.ProvisionedBytes += st.ProvisionedBytes
		sp.UsedBytes += st.UsedBytes
		sp.DemandBytes += st.DemandBytes
		switch st.Source {
		case "metric":
			sp.ServersMetric++
		case "inventory":
			sp.ServersInventory++
		case "provisioned":
			sp.ServersProvisioned++
		default:
			sp.ServersUnknown++
		}
	}
	byID := map[string]float64{}
	for _, ps := range b.in.Servers {
		byID[ps.ID] = ps.Storage.DemandBytes
	}
	for j := range plan.Hosts {
		h := &plan.Hosts[j]
		spec := c.types[j]
		for _, id := range h.Servers {
			h.StorageBytes += byID[id]
		}
		if spec.StorageBytes > 0 {
			h.StorageCapacityBytes = math.Round(float64(spec.StorageBytes) * s.StorageCeilingPct / 100)
		}
	}
	spec := c.types[0]
	pool, ok := b.in.Catalog.Pool(spec)
	if !ok {
		return sp
	}
	sp.Local = false
	need := &model.PoolNeed{Name: pool.Name, NeedBytes: math.Round(sp.DemandBytes * 100 / s.StorageCeilingPct),
		HaveBytes: float64(pool.CapacityBytes), HaveIOPS: pool.IOPS, HaveBytesPerSec: float64(pool.BytesPerSec),
		Existing: pool.Existing, Price: pool.Price}
	need.NeedIOPS, need.NeedBytesPerSec = b.fleetDiskPeaks(plan)
	need.Fits = (need.HaveBytes == 0 || need.NeedBytes <= need.HaveBytes) &&
		(need.HaveIOPS == 0 || need.NeedIOPS <= need.HaveIOPS) &&
		(need.HaveBytesPerSec == 0 || need.NeedBytesPerSec <= need.HaveBytesPerSec)
	sp.Pool = need
	return sp
}

// fleetDiskPeaks returns the peaks of the placed servers' time-aligned
// disk IOPS and bytes/s demand, summed over the fleet: what a shared array
// must serve at once.
func (b *planBuilder) fleetDiskPeaks(plan *model.Plan) (iops, bytesPerSec float64) {
	placed := map[string]bool{}
	for _, a := range plan.Assignments {
		placed[a.Server] = true
	}
	members := []int{} // not nil: nil would mean every server
	for i, sd := range b.in.Demand.Servers {
		if placed[sd.ID] {
			members = append(members, i)
		}
	}
	_, pos, _ := profile.Coincidence(b.in.Demand, members)
	return math.Round(pos[model.DimDiskIOPS]), math.Round(pos[model.DimDiskBytes])
}

// costNotes fills a candidate's licence and storage pool cost, what its
// price includes and excludes, and whether the fleet's VM disks fit its
// storage. types are the candidate's hosts' models.
func (b *planBuilder) costNotes(r *model.Candidate, c *candidate) {
	cat, s := b.in.Catalog, b.s
	pools := map[string]bool{}
	for _, t := range c.types {
		r.LicenceCost += cat.LicenceCostPerHostYear(t) * s.Years
		if t.StoragePool != "" {
			pools[t.StoragePool] = true
		}
	}
	r.LicenceCost = round2(r.LicenceCost)
	r.StorageFits = true
	if r.HostType != "mix" && len(c.types) > 0 {
		t := c.types[0]
		r.Description, r.PriceIncludes, r.PriceExcludes = t.Description, t.PriceIncludes, t.PriceExcludes
		if t.PriceExcludes != "" && t.StoragePool == "" {
			r.CostExcludes = append(r.CostExcludes, t.PriceExcludes)
		}
	}
	names := b.dimNames()
	for _, u := range c.unplaced {
		if int(u.Dim) >= 0 && int(u.Dim) < len(names) && names[u.Dim] == storageDim {
			r.StorageFits = false
		}
	}
	for _, p := range cat.StoragePools {
		if !pools[p.Name] {
			continue
		}
		r.StoragePool = p.Name
		switch {
		case p.Existing:
		case p.Price > 0:
			r.StoragePoolCost += p.Price
		default:
			r.CostExcludes = append(r.CostExcludes, fmt.Sprintf("the storage pool %s (a new array with no price in the catalog)", p.Name))
		}
		if p.CapacityBytes > 0 && b.storageTotal*100/s.StorageCeilingPct > float64(p.CapacityBytes) {
			r.StorageFits = false
		}
	}
	r.StoragePoolCost = round2(r.StoragePoolCost)
	r.CostTotal = round2(r.CostTotal + r.LicenceCost + r.StoragePoolCost)
}
