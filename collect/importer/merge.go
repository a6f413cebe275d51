package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// An import into an existing dataset must not count a server twice: the
// same recording imported again, or the same machine from another source
// (the collector's directory, then its sa files). Each server whose name
// or host name is already in the destination is therefore written to a
// staging area first and, once it is complete, either merged into the
// server already there or added beside it under a suffixed ID:
//
//   - the same machine when both know a machine ID of the same kind and it
//     is the same; two different IDs are two machines;
//   - else (no machine ID on a side, or IDs of different kinds, as the
//     collector's /etc/machine-id and nmon's serial number): two machines when their logical
//     CPUs or installed memory (more than 10 % apart) differ, when the host
//     name is a generic one (localhost), or when most samples at the same
//     times differ; else the same machine;
//   - merging keeps the samples already there: a new sample at a time
//     already present is the same data (dropped), one that overlaps an
//     existing sample's interval is dropped too (two sources of one
//     machine, sampled on different clocks), and the others are added in
//     time order. A second import of the same files adds nothing.
//
// Every decision is reported through Warn, naming the server directory.

// destServer is a server already in the destination dataset.
type destServer struct {
	dir string
	id  string
	inv model.Inventory
}

// stagedServer is a server of this import written to the staging area
// because its name is already in the destination.
type stagedServer struct {
	path string // the input file that created it
	name string // wanted ID before SafeID
	sw   *dataset.ServerWriter
}

// pendingFile is a replacement file of a merged server, moved into place
// after the dataset's commit.
type pendingFile struct{ tmp, final string }

// loadDest reads the inventories of the servers already in out.
func (r *run) loadDest(out string) {
	r.out = out
	if st, err := os.Stat(out); err != nil || !st.IsDir() || dataset.IsServerDir(out) {
		return
	}
	dirs, err := dataset.ServerDirs(out)
	if err != nil {
		return
	}
	for _, d := range dirs {
		inv, err := dataset.ReadInventory(d)
		if err != nil {
			continue // not readable: its ID still makes UniqueID suffix ours
		}
		r.dest = append(r.dest, destServer{dir: d, id: filepath.Base(d), inv: inv})
	}
}

// candidates returns the destination servers that may be the server called
// name (wanted ID) with host name host: those with its ID or its ID with a
// -N suffix (an earlier import's), or the same host name, in the order of
// their directories.
func (r *run) candidates(name, host string) []destServer {
	if len(r.dest) == 0 {
		return nil
	}
	if r.destBy == nil {
		r.destBy = map[string][]int{}
		for i, d := range r.dest {
			r.destBy["id:"+d.id] = append(r.destBy["id:"+d.id], i)
			if m := suffixedID.FindStringSubmatch(d.id); m != nil {
				r.destBy["id:"+m[1]] = append(r.destBy["id:"+m[1]], i)
			}
			if d.inv.Hostname != "" {
				k := "host:" + strings.ToLower(d.inv.Hostname)
				r.destBy[k] = append(r.destBy[k], i)
			}
		}
	}
	var idx []int
	for _, k := range []string{"id:" + dataset.SafeID(name), "host:" + strings.ToLower(host)} {
		if k != "host:" {
			idx = append(idx, r.destBy[k]...)
		}
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	var out []destServer
	for _, i := range idx {
		d := r.dest[i]
		sameHost := host != "" && strings.EqualFold(d.inv.Hostname, host)
		if !sameHost && host != "" && d.inv.Hostname != "" {
			continue // another host whose name maps to the same ID
		}
		out = append(out, d)
	}
	return out
}

// suffixedID matches an ID with the -N suffix of UniqueID.
var suffixedID = regexp.MustCompile(`^(.*)-[0-9]+$`)

// collides reports whether a new server called name with host name host
// may already be in the destination.
func (r *run) collides(name, host string) bool {
	if len(r.candidates(name, host)) > 0 {
		return true
	}
	_, err := os.Lstat(filepath.Join(r.out, dataset.SafeID(name)))
	return err == nil
}

// stage creates a server in the staging area.
func (r *run) stage(path, name string, inv model.Inventory) (*dataset.ServerWriter, error) {
	if r.staging == nil {
		root, err := os.MkdirTemp(filepath.Dir(filepath.Clean(r.out)), "."+filepath.Base(filepath.Clean(r.out))+".merge*")
		if err != nil {
			return nil, err
		}
		w, err := dataset.Create(filepath.Join(root, "staged"))
		if err != nil {
			os.RemoveAll(root)
			return nil, err
		}
		r.stagingRoot, r.staging = root, w
	}
	sw, err := r.staging.AddServer(r.staging.UniqueID(name), inv)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.staged = append(r.staged, &stagedServer{path: path, name: name, sw: sw})
	return sw, nil
}

// cleanStaging removes the staging area and any replacement file not moved
// into place.
func (r *run) cleanStaging() {
	if r.staging != nil {
		r.staging.Abort()
		os.RemoveAll(r.stagingRoot)
		r.staging = nil
	}
	for _, p := range r.pending {
		os.Remove(p.tmp)
	}
	r.pending = nil
}

// genericHost reports whether a host name says nothing about the machine.
func genericHost(h string) bool {
	switch strings.ToLower(strings.TrimSpace(h)) {
	case "", "localhost", "localhost.localdomain", "localhost6", "unknown", "(none)":
		return true
	}
	return false
}

// sameKind reports whether two machine IDs are known and of the same kind
// (the scheme before the first colon: linux-machine-id, ibm-serial, ...),
// so that comparing them says whether the machines are the same.
func sameKind(a, b string) bool {
	ka, _, okA := strings.Cut(a, ":")
	kb, _, okB := strings.Cut(b, ":")
	return a != "" && b != "" && okA == okB && ka == kb
}

// differentMachine says why inventories a (already in the dataset) and b
// (imported) are two machines, or "" if they may be one.
func differentMachine(a, b model.Inventory) string {
	if sameKind(a.MachineID, b.MachineID) {
		if a.MachineID != b.MachineID {
			return fmt.Sprintf("machine id %s there, %s here", a.MachineID, b.MachineID)
		}
		return ""
	}
	if genericHost(b.Hostname) {
		return fmt.Sprintf("host name %q does not identify a machine and no machine id tells them apart", b.Hostname)
	}
	if a.Threads > 0 && b.Threads > 0 && a.Threads != b.Threads {
		return fmt.Sprintf("%d logical CPUs there, %d here", a.Threads, b.Threads)
	}
	if x, y := float64(a.MemTotalBytes), float64(b.MemTotalBytes); x > 0 && y > 0 && math.Max(x, y) > 1.1*math.Min(x, y) {
		return fmt.Sprintf("%.1f GiB of memory there, %.1f GiB here", x/(1<<30), y/(1<<30))
	}
	return ""
}

// resolve merges every staged server into the destination server it
// repeats, or adds it to the dataset under a free ID. It runs after every
// server is closed and before the commit.
func (r *run) resolve() error {
	for _, st := range r.staged {
		if err := st.sw.Close(); err != nil {
			return err
		}
		srv, err := dataset.ReadServer(st.sw.Dir)
		if err != nil {
			return err
		}
		host := srv.Inventory.Hostname
		var why []string
		merged := false
		for _, d := range r.candidates(st.name, host) {
			ds, err := r.destState(d)
			if err != nil {
				return err
			}
			reason := differentMachine(ds.inv, srv.Inventory)
			var m *mergePlan
			if reason == "" {
				m = planMerge(ds, srv)
				reason = m.conflict()
			}
			if reason != "" {
				why = append(why, fmt.Sprintf("%s is another machine (%s)", d.dir, reason))
				continue
			}
			r.applyMerge(st, ds, srv, m)
			merged = true
			break
		}
		if merged {
			continue
		}
		id := r.dw.UniqueID(st.name)
		sw, err := r.dw.AddServer(id, srv.Inventory)
		if err != nil {
			return fmt.Errorf("%s: %w", st.path, err)
		}
		for i := range srv.Series.Len() {
			if err := sw.Write(srv.Series.At(i)); err != nil {
				return fmt.Errorf("%s: %w", st.path, err)
			}
		}
		if err := sw.Close(); err != nil {
			return err
		}
		what := fmt.Sprintf("ID %s is taken", dataset.SafeID(st.name))
		if len(why) > 0 {
			what = "same name, but " + strings.Join(why, "; ")
		}
		r.warn(fmt.Errorf("%s: server %s imported as %s beside the one already in the dataset: %s", st.path, dataset.SafeID(st.name), id, what))
	}
	for _, dir := range r.mergeOrder {
		if err := r.stageMerged(r.merges[dir]); err != nil {
			return err
		}
	}
	return nil
}

// mergedServer is a destination server this import merges into: its
// samples (all files) and its samples.csv rows and inventory as they will
// be, updated by each merge.
type mergedServer struct {
	d     destServer
	all   model.Series   // every sample, sorted, for the comparisons
	rows  []model.Sample // samples.csv as it will be
	inv   model.Inventory
	dirty bool
}

// destState returns the merge state of d, reading it at first use.
func (r *run) destState(d destServer) (*mergedServer, error) {
	if ms := r.merges[d.dir]; ms != nil {
		return ms, nil
	}
	ex, err := dataset.ReadServer(d.dir)
	if err != nil {
		return nil, err
	}
	ms := &mergedServer{d: d, all: ex.Series, inv: d.inv}
	final := filepath.Join(d.dir, dataset.SamplesFile)
	if f, err := os.Open(final); err == nil {
		var file model.Series
		_, err := dataset.ReadSamples(f, final, &file)
		f.Close()
		if err != nil {
			return nil, err
		}
		for i := range file.Len() {
			ms.rows = append(ms.rows, file.At(i))
		}
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	if r.merges == nil {
		r.merges = map[string]*mergedServer{}
	}
	r.merges[d.dir] = ms
	r.mergeOrder = append(r.mergeOrder, d.dir)
	return ms, nil
}

// mergePlan is what merging a server into a destination server would do.
type mergePlan struct {
	add       []int  // indexes of the new samples to add
	same      int    // samples at a time already there, with the same values
	differ    int    // samples at a time already there, with other values
	overlap   int    // samples overlapping an existing sample at another time
	firstDiff string // time of the first differing sample
}

// conflict says why the samples show two machines, or "".
func (m *mergePlan) conflict() string {
	if m.differ > 0 && m.differ >= m.same {
		return fmt.Sprintf("%d of %d samples at the same times differ, first at %s", m.differ, m.same+m.differ, m.firstDiff)
	}
	return ""
}

// planMerge compares the samples of srv with those of ms.
func planMerge(ms *mergedServer, srv *model.Server) *mergePlan {
	m := &mergePlan{}
	e, s := &ms.all, &srv.Series
	for i := range s.Len() {
		start := s.Start[i]
		end := start + int64(s.IntervalSec[i])
		j := sort.Search(e.Len(), func(k int) bool { return e.Start[k] >= start })
		switch {
		case j < e.Len() && e.Start[j] == start:
			if sameValues(e, j, s, i) {
				m.same++
			} else {
				if m.differ == 0 {
					m.firstDiff = s.At(i).Start.UTC().Format("2006-01-02T15:04:05Z")
				}
				m.differ++
			}
		case j > 0 && e.Start[j-1]+int64(e.IntervalSec[j-1]) > start, j < e.Len() && e.Start[j] < end:
			m.overlap++
		default:
			m.add = append(m.add, i)
		}
	}
	return m
}

// sameValues reports whether sample j of a and sample i of b agree on every
// metric both have (to 1 %, or 0.01 in absolute terms: the sources round).
func sameValues(a *model.Series, j int, b *model.Series, i int) bool {
	for k := model.Metric(0); k < model.NumMetrics; k++ {
		for _, p := range [2][2]float64{{a.Mean[k][j], b.Mean[k][i]}, {a.Max[k][j], b.Max[k][i]}} {
			x, y := p[0], p[1]
			if math.IsNaN(x) || math.IsNaN(y) {
				continue
			}
			if d := math.Abs(x - y); d > 0.01 && d > 0.01*math.Max(math.Abs(x), math.Abs(y)) {
				return false
			}
		}
	}
	return true
}

// applyMerge adds the new samples of srv to ms and reports the merge; the
// files are staged once every server is resolved (stageMerged).
func (r *run) applyMerge(st *stagedServer, ms *mergedServer, srv *model.Server, m *mergePlan) {
	d := ms.d
	r.sum.Servers--
	r.sum.Merged++
	r.sum.Samples -= int64(srv.Series.Len()) - int64(len(m.add))
	host := srv.Inventory.Hostname
	if host == "" {
		host = st.name
	}
	msg := fmt.Sprintf("%s: %s is already in the dataset as %s: merged, %d new samples added", st.path, host, d.dir, len(m.add))
	if m.same > 0 {
		msg += fmt.Sprintf(", %d already there", m.same)
	}
	if m.differ > 0 {
		msg += fmt.Sprintf(", %d at times already there but with other values (first at %s) kept as they were", m.differ, m.firstDiff)
	}
	if m.overlap > 0 {
		msg += fmt.Sprintf(", %d dropped as they overlap samples already there", m.overlap)
	}
	if len(m.add) == 0 {
		msg += " (nothing changed)"
	}
	r.warn(errors.New(msg))
	if len(m.add) == 0 {
		return
	}
	ms.dirty = true
	added := make([]model.Sample, 0, len(m.add))
	for _, i := range m.add {
		added = append(added, srv.Series.At(i))
	}
	byStart := func(a, b model.Sample) int { return a.Start.Compare(b.Start) }
	ms.rows = append(ms.rows, added...)
	slices.SortStableFunc(ms.rows, byStart)
	all := make([]model.Sample, 0, ms.all.Len()+len(added))
	for i := range ms.all.Len() {
		all = append(all, ms.all.At(i))
	}
	all = append(all, added...)
	slices.SortStableFunc(all, byStart)
	ms.all = model.Series{}
	for _, x := range all {
		ms.all.Append(x)
	}
	inv := &ms.inv
	n := srv.Inventory
	for _, f := range n.SourceFiles {
		if !slices.Contains(inv.SourceFiles, f) {
			inv.SourceFiles = append(inv.SourceFiles, f)
		}
	}
	if n.UpdatedAt.After(inv.UpdatedAt) {
		inv.UpdatedAt = n.UpdatedAt
	}
	if inv.MachineID == "" {
		inv.MachineID = n.MachineID
	}
	if n.TimeZoneAssumed && !inv.TimeZoneAssumed {
		inv.TimeZone, inv.TimeZoneAssumed = n.TimeZone, true
	} else if inv.TimeZone == "" {
		inv.TimeZone = n.TimeZone
	}
	inv.Notes = append(inv.Notes, fmt.Sprintf("merged %d samples from %s (%s)", len(m.add), strings.Join(n.SourceFiles, ", "), n.Source))
}

// stageMerged writes the new samples.csv and inventory of a server merged
// into (none if nothing was added), to be moved into place after the
// commit. The new samples go into samples.csv, the importers' file (a
// collector's directory gets one beside its daily files).
func (r *run) stageMerged(ms *mergedServer) error {
	if !ms.dirty {
		return nil
	}
	buf := []byte(dataset.HeaderLine())
	for _, x := range ms.rows {
		buf = dataset.AppendRow(buf, x)
	}
	if err := r.stageFile(filepath.Join(ms.d.dir, dataset.SamplesFile), buf); err != nil {
		return err
	}
	data, err := inventoryJSON(ms.inv)
	if err != nil {
		return err
	}
	return r.stageFile(filepath.Join(ms.d.dir, dataset.InventoryFile), data)
}

// stageFile writes data beside final, to be renamed over it after the
// commit.
func (r *run) stageFile(final string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(final), "."+filepath.Base(final)+".tmp*")
	if err != nil {
		return err
	}
	r.pending = append(r.pending, pendingFile{tmp: f.Name(), final: final})
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o640); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// movePending moves the merged servers' files into place.
func (r *run) movePending() error {
	for i, p := range r.pending {
		if err := os.Rename(p.tmp, p.final); err != nil {
			r.pending = r.pending[i:]
			return fmt.Errorf("merge into %s: %w", filepath.Dir(p.final), err)
		}
	}
	r.pending = nil
	return nil
}

// inventoryJSON encodes inv as dataset.WriteInventory writes it.
func inventoryJSON(inv model.Inventory) ([]byte, error) {
	if inv.FormatVersion == 0 {
		inv.FormatVersion = model.FormatVersion
	}
	data, err := json.MarshalIndent(inv, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
