package report

import (
	"fmt"
	"strings"

	"github.com/kvmfit/kvmfit/model"
)

// This file shows the fleet's storage capacity today and after the move
// (plan.json storage, model.StoragePlan; hosts[].storage_bytes and
// server_details[].storage): what the servers' disks hold, what the plan
// places, and either each host's local storage or the shared pool the
// array must provide.

// storageView is the storage section.
type storageView struct {
	// Has is false for a plan without storage figures (made before
	// kvmfit sized storage).
	Has      bool
	Method   string
	HostType string
	// Growth is the growth factor ("× 1.25"), Ceiling the fill ceiling, %.
	Growth, Ceiling string
	// TB.
	Provisioned, Used, Demand string
	// Servers by where their used bytes came from.
	Metric, Inventory, Provisioned0, Unknown int
	// UnknownServers are the servers with no storage figure at all.
	UnknownServers []link
	Local          bool
	Hosts          []hostStorageRow
	// HostsOver counts the hosts whose VM disks exceed their storage.
	HostsOver int
	Pool      *poolView
	// Trouble is true when some server has no figure, some host holds
	// more than its storage, or the pool does not fit.
	Trouble bool
}

// hostStorageRow is one host's local storage.
type hostStorageRow struct {
	Host           link
	Servers        int
	Spare          bool
	Placed, Usable string
	// Full is Placed as % of Usable ("—" without a capacity).
	Full string
	Over bool
}

// poolView is what the shared pool must provide.
type poolView struct {
	Name string
	Rows []poolRow
	Fits bool
	// Existing pools cost nothing new; a new one has Price, or is
	// Unpriced.
	Existing, Unpriced bool
	Price              string
}

// poolRow is one quantity the pool must provide.
type poolRow struct {
	What, Need, Have string
	Short            bool
}

// tb formats bytes in TB (10¹² bytes) with two decimals.
func tb(b float64) string { return fmtFixed(b/1e12, 2) }

// hasStorage reports whether the plan carries storage figures.
func hasStorage(s model.StoragePlan) bool {
	return s.Method != "" || s.GrowthFactor > 0 || s.HostType != "" || s.ProvisionedBytes > 0 || s.Pool != nil
}

// storageOf describes the plan's storage.
func storageOf(p *model.Plan, serverAnchor, hostAnchor map[string]string) storageView {
	s := p.Storage
	v := storageView{
		Has:          hasStorage(s),
		Method:       sentence(s.Method),
		HostType:     s.HostType,
		Growth:       factor(s.GrowthFactor),
		Ceiling:      num(s.CeilingPct),
		Provisioned:  tb(s.ProvisionedBytes),
		Used:         tb(s.UsedBytes),
		Demand:       tb(s.DemandBytes),
		Metric:       s.ServersMetric,
		Inventory:    s.ServersInventory,
		Provisioned0: s.ServersProvisioned,
		Unknown:      s.ServersUnknown,
		Local:        s.Local,
	}
	if !v.Has {
		return v
	}
	for _, ps := range p.ServerDetails {
		if ps.Storage.Source == "unknown" {
			v.UnknownServers = append(v.UnknownServers, link{Text: ps.ID, Anchor: serverAnchor[ps.ID]})
		}
	}
	if s.Local {
		for _, h := range p.Hosts {
			r := hostStorageRow{
				Host: link{Text: h.Name, Anchor: hostAnchor[h.Name]}, Servers: len(h.Servers), Spare: h.Spare,
				Placed: tb(h.StorageBytes), Usable: tb(h.StorageCapacityBytes), Full: "—",
			}
			if h.StorageCapacityBytes > 0 {
				r.Full = fmtFixed(100*h.StorageBytes/h.StorageCapacityBytes, 1)
			}
			r.Over = storageOver(h)
			if r.Over {
				v.HostsOver++
			}
			v.Hosts = append(v.Hosts, r)
		}
	}
	if pn := s.Pool; pn != nil {
		pv := &poolView{Name: pn.Name, Fits: pn.Fits, Existing: pn.Existing, Unpriced: !pn.Existing && pn.Price <= 0, Price: fmtGrouped(pn.Price)}
		add := func(what string, need, have float64, f func(float64) string) {
			r := poolRow{What: what, Need: f(need), Have: "unknown", Short: have > 0 && have < need}
			if have > 0 {
				r.Have = f(have)
			}
			pv.Rows = append(pv.Rows, r)
		}
		add("capacity, TB", pn.NeedBytes, pn.HaveBytes, tb)
		add("IOPS", pn.NeedIOPS, pn.HaveIOPS, fmtGrouped)
		add("throughput, MB/s", pn.NeedBytesPerSec, pn.HaveBytesPerSec, func(x float64) string { return fmtFixed(x/1e6, 1) })
		v.Pool = pv
	}
	v.Trouble = v.Unknown > 0 || v.HostsOver > 0 || (v.Pool != nil && !v.Pool.Fits)
	return v
}

// serverStorageCells are a server's storage in the server table, GiB.
type serverStorageCells struct {
	Provisioned, Used, After string
	Source                   string
	Unknown                  bool
}

func serverStorageOf(s model.ServerStorage) serverStorageCells {
	c := serverStorageCells{
		Provisioned: fmtGrouped(s.ProvisionedBytes / model.GiB),
		Used:        fmtGrouped(s.UsedBytes / model.GiB),
		After:       fmtGrouped(s.DemandBytes / model.GiB),
		Source:      s.Source,
		Unknown:     s.Source == "unknown",
	}
	if c.Source == "" {
		c.Source = "—"
	}
	return c
}

// storageWarning is the decision's sentence when the plan's disks do not
// fit: the pool's shortfall, or the chosen model's local storage; "" when
// they fit or the plan has no storage figures.
func storageWarning(p *model.Plan, chosen *model.Candidate) string {
	if !hasStorage(p.Storage) {
		return ""
	}
	if pn := p.Storage.Pool; pn != nil && !pn.Fits {
		var short []string
		if pn.HaveBytes > 0 && pn.HaveBytes < pn.NeedBytes {
			short = append(short, fmt.Sprintf("%s TB of capacity against the %s TB it has", tb(pn.NeedBytes), tb(pn.HaveBytes)))
		}
		if pn.HaveIOPS > 0 && pn.HaveIOPS < pn.NeedIOPS {
			short = append(short, fmt.Sprintf("%s IOPS against %s", fmtGrouped(pn.NeedIOPS), fmtGrouped(pn.HaveIOPS)))
		}
		if pn.HaveBytesPerSec > 0 && pn.HaveBytesPerSec < pn.NeedBytesPerSec {
			short = append(short, fmt.Sprintf("%s MB/s against %s", fmtFixed(pn.NeedBytesPerSec/1e6, 1), fmtFixed(pn.HaveBytesPerSec/1e6, 1)))
		}
		what := ""
		if len(short) > 0 {
			what = ": it needs " + strings.Join(short, ", ")
		}
		return fmt.Sprintf("Storage capacity: the storage pool %s does not fit the plan%s (see Storage).", pn.Name, what)
	}
	if chosen != nil && !chosen.StorageFits {
		over := ""
		if n := countOver(p.Hosts); p.Storage.Local && n > 0 {
			over = fmt.Sprintf("; %d %s over its storage capacity", n, plural(n, "host is", "hosts are"))
		}
		return fmt.Sprintf("Storage capacity: the fleet's VM disks do not fit the storage of %s%s (see Storage).", chosen.HostType, over)
	}
	return ""
}

// storageOver reports whether host h holds more VM disks than its local
// storage under the ceiling.
func storageOver(h model.PlanHost) bool {
	return h.StorageBytes > 0 && h.StorageBytes > h.StorageCapacityBytes
}

// countOver counts the hosts whose VM disks exceed their local storage.
func countOver(hosts []model.PlanHost) int {
	n := 0
	for _, h := range hosts {
		if storageOver(h) {
			n++
		}
	}
	return n
}
