package profile

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// The same server read twice — an import run twice into one dataset, the
// collector's data and a sar import of the same host in two datasets — is
// merged into one server (docs/model.md "The same server twice"), never
// counted twice. Two server directories are the same server when
//
//   - both inventories give a machine_id and they are equal (whatever the
//     host names); or
//   - neither inventory gives a different machine_id, their host names
//     match (case-insensitive; the short name before the first dot when
//     either is unqualified, the whole name when both are fully
//     qualified, so web01.dc1 and web01.dc2 stay two servers), the name
//     is a host name (it has a letter and is not "localhost": trace IDs
//     such as Bitbrains' "1" name VMs of one trace only), and their
//     inventories do not contradict (threads, cores or installed memory,
//     when both know them).
//
// Different servers that share a host name are told apart by giving them
// different machine_id values in inventory.json.

// identity is what tells two server directories apart: their inventory.
type identity struct {
	machineID      string
	full, short    string
	threads, cores int
	mem            int64
}

func identityOf(inv model.Inventory) identity {
	full := strings.ToLower(strings.TrimSpace(inv.Hostname))
	short, _, _ := strings.Cut(full, ".")
	return identity{machineID: strings.ToLower(strings.TrimSpace(inv.MachineID)), full: full, short: short,
		threads: inv.Threads, cores: inv.Cores, mem: inv.MemTotalBytes}
}

// isHostName reports whether a short host name can identify a machine
// across data sources: it has a letter, and is not a default name.
func isHostName(short string) bool {
	if short == "" || short == "localhost" {
		return false
	}
	return strings.ContainsFunc(short, func(r rune) bool { return r >= 'a' && r <= 'z' })
}

// sameServer reports whether a and b are the same server, and by what.
func sameServer(a, b identity) (bool, string) {
	if a.machineID != "" && b.machineID != "" {
		return a.machineID == b.machineID, "the same machine id"
	}
	if !isHostName(a.short) || a.short != b.short {
		return false, ""
	}
	if strings.Contains(a.full, ".") && strings.Contains(b.full, ".") && a.full != b.full {
		return false, ""
	}
	differ := func(x, y int64) bool { return x > 0 && y > 0 && x != y }
	if differ(int64(a.threads), int64(b.threads)) || differ(int64(a.cores), int64(b.cores)) ||
		a.mem > 0 && b.mem > 0 && math.Abs(float64(a.mem-b.mem)) > 0.05*float64(max(a.mem, b.mem)) {
		return false, ""
	}
	return true, "the same host name"
}

// groupDuplicates reads the inventory of every entry and gathers the
// entries of the same server (sameServer) into one entry, at the place of
// its first member; the others keep their order.
func groupDuplicates(entries []entry) ([]entry, error) {
	ids := make([]identity, len(entries))
	for k, e := range entries {
		inv, err := dataset.ReadInventory(e.dir)
		if err != nil {
			return nil, err
		}
		ids[k] = identityOf(inv)
	}
	// Union-find over candidate pairs: same machine id, or same short name.
	parent := make([]int, len(entries))
	for k := range parent {
		parent[k] = k
	}
	var find func(int) int
	find = func(k int) int {
		for parent[k] != k {
			parent[k] = parent[parent[k]]
			k = parent[k]
		}
		return k
	}
	why := map[int]string{}
	union := func(a, b int, reason string) {
		ra, rb := find(a), find(b)
		if ra == rb {
			return
		}
		ra, rb = min(ra, rb), max(ra, rb)
		parent[rb] = ra
		if why[ra] == "" || reason == "the same machine id" {
			why[ra] = reason
		}
	}
	byKey := map[string][]int{}
	for k, id := range ids {
		if id.machineID != "" {
			byKey["m:"+id.machineID] = append(byKey["m:"+id.machineID], k)
		}
		if isHostName(id.short) {
			byKey["h:"+id.short] = append(byKey["h:"+id.short], k)
		}
	}
	keys := make([]string, 0, len(byKey))
	for key := range byKey {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		ks := byKey[key]
		for i := 0; i < len(ks); i++ {
			for j := i + 1; j < len(ks); j++ {
				if ok, reason := sameServer(ids[ks[i]], ids[ks[j]]); ok {
					union(ks[i], ks[j], reason)
				}
			}
		}
	}
	out := make([]entry, 0, len(entries))
	at := map[int]int{} // root → index in out
	for k, e := range entries {
		r := find(k)
		if i, ok := at[r]; ok {
			out[i].more = append(out[i].more, e)
			continue
		}
		at[r] = len(out)
		e.why = why[r]
		out = append(out, e)
	}
	return out, nil
}

// member is one server directory merged into another: what it gave.
type member struct {
	e             entry
	inv           model.Inventory
	first, last   time.Time
	kept, dropped int
}

// readMerged reads the server directories of e (e.dir and e.more) and
// merges them into one server: the one whose samples cover the most time
// (then the most samples, then input order) is kept whole — its ID,
// directory and inventory (fields it does not know filled from the
// others); the others add the samples that overlap none of the samples
// kept so far, in that order. It returns the merged server, its dataset,
// and what each member gave (mergeMessage).
func readMerged(e entry) (*model.Server, string, []member, error) {
	all := append([]entry{{dataset: e.dataset, dir: e.dir}}, e.more...)
	type read struct {
		e       entry
		srv     *model.Server
		covered int64
	}
	rs := make([]read, len(all))
	for k, x := range all {
		srv, err := dataset.ReadServer(x.dir)
		if err != nil {
			return nil, "", nil, err
		}
		rs[k] = read{x, srv, CoveredSeconds(&srv.Series)}
	}
	sort.SliceStable(rs, func(a, b int) bool {
		if rs[a].covered != rs[b].covered {
			return rs[a].covered > rs[b].covered
		}
		return rs[a].srv.Series.Len() > rs[b].srv.Series.Len()
	})
	out := rs[0].srv
	members := []member{spanOf(rs[0].e, rs[0].srv)}
	members[0].kept = out.Series.Len()
	for _, r := range rs[1:] {
		m := spanOf(r.e, r.srv)
		m.kept, m.dropped = addOutside(&out.Series, &r.srv.Series)
		fillInventory(&out.Inventory, r.srv.Inventory, m.kept > 0)
		out.Warnings = append(out.Warnings, r.srv.Warnings...)
		members = append(members, m)
	}
	return out, rs[0].e.dataset, members, nil
}

// spanOf describes a member before the merge.
func spanOf(e entry, srv *model.Server) member {
	m := member{e: e, inv: srv.Inventory}
	if n := srv.Series.Len(); n > 0 {
		m.first = time.Unix(srv.Series.Start[0], 0).UTC()
		m.last = time.Unix(srv.Series.Start[n-1]+int64(srv.Series.IntervalSec[n-1]), 0).UTC()
	}
	return m
}

// mergeMessage says which directories were merged, why, and what each gave.
func mergeMessage(id, why string, ms []member) string {
	var parts []string
	for k, m := range ms {
		p := fmt.Sprintf("%s (%s", m.e.dir, orUnknown(m.inv.Source))
		if !m.first.IsZero() {
			p += fmt.Sprintf(", %s to %s", m.first.Format(time.RFC3339), m.last.Format(time.RFC3339))
		}
		switch {
		case k == 0:
			p += fmt.Sprintf(", all %d samples kept)", m.kept)
		case m.dropped == 0:
			p += fmt.Sprintf(", %d samples added: no overlap)", m.kept)
		default:
			p += fmt.Sprintf(", %d samples added, %d overlapping ones dropped)", m.kept, m.dropped)
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("%s: the same server read %d times, by %s — %s — merged into one server, never counted twice; if they are different servers, give each a different machine_id in inventory.json",
		id, len(ms), why, strings.Join(parts, "; "))
}

func orUnknown(s string) string {
	if s == "" {
		return "source unknown"
	}
	return s
}

// addOutside appends to dst (sorted) the samples of src that overlap no
// sample of dst, keeping dst sorted, and returns how many were added and
// dropped.
func addOutside(dst, src *model.Series) (kept, dropped int) {
	// Runs of dst's covered time, merged: [lo[k], hi[k]).
	var lo, hi []int64
	for i := range dst.Start {
		a, b := dst.Start[i], dst.Start[i]+int64(dst.IntervalSec[i])
		if n := len(lo); n > 0 && a <= hi[n-1] {
			hi[n-1] = max(hi[n-1], b)
			continue
		}
		lo, hi = append(lo, a), append(hi, b)
	}
	var add []model.Sample
	for i := range src.Start {
		a, b := src.Start[i], src.Start[i]+int64(src.IntervalSec[i])
		k := sort.Search(len(hi), func(k int) bool { return hi[k] > a })
		if k < len(lo) && lo[k] < b {
			dropped++
			continue
		}
		add = append(add, src.At(i))
	}
	if len(add) == 0 {
		return 0, dropped
	}
	xs := make([]model.Sample, 0, dst.Len()+len(add))
	for i := range dst.Start {
		xs = append(xs, dst.At(i))
	}
	xs = append(xs, add...)
	slices.SortStableFunc(xs, func(a, b model.Sample) int { return a.Start.Compare(b.Start) })
	var out model.Series
	for _, x := range xs {
		out.Append(x)
	}
	*dst = out
	return len(add), dropped
}

// fillInventory fills the fields dst does not know from src (the same
// server seen by another source: the collector knows cores and scores, sar
// threads only). contributed says whether src's samples were kept: only
// then does its assumed time zone concern the merged server.
func fillInventory(dst *model.Inventory, src model.Inventory, contributed bool) {
	fillS := func(d *string, s string) {
		if *d == "" {
			*d = s
		}
	}
	fillI := func(d *int, s int) {
		if *d == 0 {
			*d = s
		}
	}
	fillF := func(d *float64, s float64) {
		if *d == 0 {
			*d = s
		}
	}
	fillS(&dst.MachineID, src.MachineID)
	fillS(&dst.OS, src.OS)
	fillS(&dst.OSFamily, src.OSFamily)
	fillS(&dst.CPUModel, src.CPUModel)
	fillI(&dst.Sockets, src.Sockets)
	fillI(&dst.Cores, src.Cores)
	fillI(&dst.Threads, src.Threads)
	fillF(&dst.CPUMHz, src.CPUMHz)
	fillF(&dst.CPUScorePerCore, src.CPUScorePerCore)
	fillF(&dst.CPUScoreAllCores, src.CPUScoreAllCores)
	fillF(&dst.Watts, src.Watts)
	if dst.MemTotalBytes == 0 {
		dst.MemTotalBytes = src.MemTotalBytes
	}
	if len(dst.Disks) == 0 {
		dst.Disks = src.Disks
	}
	if len(dst.Filesystems) == 0 {
		dst.Filesystems = src.Filesystems
	}
	if len(dst.NICs) == 0 {
		dst.NICs = src.NICs
	}
	if contributed && src.TimeZoneAssumed && !dst.TimeZoneAssumed {
		dst.TimeZone, dst.TimeZoneAssumed = src.TimeZone, true
	}
	dst.SourceFiles = append(slices.Clone(dst.SourceFiles), src.SourceFiles...)
}
