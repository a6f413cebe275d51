package importer

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// hostSet keeps one server per host name across every input file of an
// import (sar archives of one host are one file per day; a perfmon log holds
// several hosts). Each server's writer stays open until finish, since a
// later file may continue it; samples must come in time order per host, and
// a sample that does not start after the host's previous one is dropped and
// counted in a warning (overlapping files, or files given out of order).
type hostSet struct {
	r      *run
	source string
	hosts  map[string]*hostState
	order  []string
	// check, if non-nil, replaces the dataset: samples go to it instead of
	// a server directory (fuzz tests run the parsers without disk writes).
	check func(host string, x model.Sample) error
}

// hostState is one server of a hostSet.
type hostState struct {
	name    string
	id      string
	sw      *dataset.ServerWriter
	inv     model.Inventory
	files   []string
	notes   []string
	noteSet map[string]bool
	// truncated are the inputs that ended early (Inventory.Truncated).
	truncated []string
	disks     map[string]bool
	nics      map[string]bool
	// fs holds the filesystems by mount point, with their last size and
	// used bytes (formats that record them: perfmon, nmon, sar -F).
	fs map[string]model.Filesystem

	lastStart, lastEnd time.Time
	n                  int64
	// drops counts, per input file in order, the samples dropped because
	// they do not start after the host's previous one.
	drops        []fileDrops
	badInterval  int     // samples without a usable interval
	lastMemTotal float64 // bytes, last known
	lastFile     string  // the file of the last sample written
	// tz is the zone the host's local times were read in ("" = the source
	// writes UTC), tzAssumed whether nobody gave it (inventory time_zone).
	tz        string
	tzAssumed bool
}

// fileDrops are the samples of one file dropped for their time.
type fileDrops struct {
	file     string
	n        int
	firstAt  string    // FILE:LINE of the first
	prevEnd  time.Time // where the host's samples had got to
	prevFile string    // and from which file
}

// setTZ records that local times of the host were read in zone, assumed
// or given; an assumption anywhere makes the host's zone assumed.
func (h *hostState) setTZ(zone string, assumed bool) {
	if h.tz == "" {
		h.tz = zone
	}
	h.tzAssumed = h.tzAssumed || assumed
}

func newHostSet(r *run, source string) *hostSet {
	return &hostSet{r: r, source: source, hosts: map[string]*hostState{}}
}

// get returns the server of host, creating it (from path) if needed.
func (hs *hostSet) get(path, host string) (*hostState, error) {
	if h := hs.hosts[host]; h != nil {
		if len(h.files) == 0 || h.files[len(h.files)-1] != path {
			h.files = append(h.files, path)
		}
		return h, nil
	}
	var sw *dataset.ServerWriter
	id := dataset.SafeID(host)
	if hs.check == nil {
		var err error
		if sw, id, err = hs.r.addServer(path, host, model.Inventory{Hostname: host, Source: hs.source}); err != nil {
			return nil, err
		}
	}
	h := &hostState{name: host, id: id, sw: sw, files: []string{path}, noteSet: map[string]bool{},
		disks: map[string]bool{}, nics: map[string]bool{}, fs: map[string]model.Filesystem{}}
	h.inv = model.Inventory{Hostname: host, Source: hs.source}
	hs.hosts[host] = h
	hs.order = append(hs.order, host)
	return h, nil
}

// note adds a remark to the inventory once.
func (h *hostState) note(s string) {
	if !h.noteSet[s] {
		h.noteSet[s] = true
		h.notes = append(h.notes, s)
	}
}

// truncatedAt records that an input of the host ended early: a note and
// an Inventory.Truncated entry, once each.
func (h *hostState) truncatedAt(s string) {
	if !h.noteSet[s] {
		h.truncated = append(h.truncated, s)
	}
	h.note(s)
}

// setFS records the last size and used bytes of a filesystem.
func (h *hostState) setFS(f model.Filesystem) { h.fs[f.Mount] = f }

// write appends x, dropping (and counting) a sample that does not start
// after the previous one. at is "FILE:LINE" for the warning.
func (hs *hostSet) write(h *hostState, x model.Sample, at string) error {
	if h.n > 0 && !x.Start.After(h.lastStart) {
		file := h.files[len(h.files)-1]
		if k := len(h.drops); k == 0 || h.drops[k-1].file != file {
			h.drops = append(h.drops, fileDrops{file: file, firstAt: at, prevEnd: h.lastEnd, prevFile: h.lastFile})
		}
		h.drops[len(h.drops)-1].n++
		return nil
	}
	if hs.check != nil {
		if err := hs.check(h.name, x); err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
	} else if err := h.sw.Write(x); err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	h.lastStart, h.lastEnd = x.Start, endOf(x)
	h.lastFile = h.files[len(h.files)-1]
	h.n++
	hs.r.sum.Samples++
	return nil
}

// finish reports drops, closes every writer and writes the inventories.
// fill completes an inventory before it is written.
func (hs *hostSet) finish(fill func(h *hostState, inv *model.Inventory)) error {
	for _, name := range hs.order {
		h := hs.hosts[name]
		for _, d := range h.drops {
			from := "earlier in the same file"
			if d.prevFile != d.file {
				from = "from " + d.prevFile
			}
			hs.r.warn(fmt.Errorf("%s: dropped %d samples of %s that do not start after the previous sample, first at %s: the host's samples had reached %s %s (overlapping inputs, or files not given in time order?)",
				d.file, d.n, name, d.firstAt, d.prevEnd.UTC().Format(time.RFC3339), from))
		}
		if h.badInterval > 0 {
			hs.r.warn(fmt.Errorf("%s: dropped %d samples of %s without a usable interval (the first after a restart, or an interval outside 1 s..24 h)", h.files[0], h.badInterval, name))
		}
		if h.n == 0 {
			hs.r.warn(fmt.Errorf("%s: host %s has no samples", h.files[0], name))
		}
		if hs.check != nil {
			continue
		}
		if err := h.sw.Close(); err != nil {
			return err
		}
		inv := h.inv
		inv.Hostname = name
		inv.Source = hs.source
		inv.SourceFiles = h.files
		inv.UpdatedAt = h.lastEnd
		inv.TimeZone, inv.TimeZoneAssumed = h.tz, h.tzAssumed
		for _, d := range slices.Sorted(maps.Keys(h.disks)) {
			inv.Disks = append(inv.Disks, model.Disk{Name: d})
		}
		for _, n := range slices.Sorted(maps.Keys(h.nics)) {
			inv.NICs = append(inv.NICs, model.NIC{Name: n})
		}
		for _, m := range slices.Sorted(maps.Keys(h.fs)) {
			inv.Filesystems = append(inv.Filesystems, h.fs[m])
		}
		if fill != nil {
			fill(h, &inv)
		}
		inv.Notes = append(inv.Notes, h.notes...)
		inv.Notes = append(inv.Notes, "updated_at is the end of the last sample")
		inv.Truncated = append(inv.Truncated, h.truncated...)
		if err := dataset.WriteInventory(h.sw.Dir, inv); err != nil {
			return err
		}
	}
	return nil
}

// localTimes says how an importer reads local wall-clock times without a
// zone: in Location when the user gave one, else as UTC, assumed and
// reported once per file, since a wrong zone shifts the day profile a plan
// rests on.
type localTimes struct {
	r      *run
	loc    *time.Location
	given  bool
	what   string // "nmon ZZZZ lines", ...
	warned map[string]bool
}

func newLocalTimes(r *run, loc *time.Location, what string) *localTimes {
	lt := &localTimes{r: r, loc: loc, given: loc != nil, what: what, warned: map[string]bool{}}
	if lt.loc == nil {
		lt.loc = time.UTC
	}
	return lt
}

// zone returns the zone's name ("UTC" when assumed).
func (lt *localTimes) zone() string { return lt.loc.String() }

// used records that h's samples from path were read in the zone, warning
// once per file when the zone is assumed. A nil lt does nothing.
func (lt *localTimes) used(path string, h *hostState) {
	if lt == nil {
		return
	}
	h.setTZ(lt.zone(), !lt.given)
	if !lt.given && !lt.warned[path] {
		lt.warned[path] = true
		lt.r.warn(fmt.Errorf("%s: the times of %s are local, without a zone, and --tz was not given: read as UTC, an assumption (a wrong zone shifts the day profile: give --tz, e.g. --tz Europe/Paris)", path, lt.what))
	}
}

// note is the inventory note of the zone ("" for a nil lt).
func (lt *localTimes) note() string {
	if lt == nil {
		return ""
	}
	if lt.given {
		return "the times of " + lt.what + " are local, without a zone; read in " + lt.zone() + " (--tz)"
	}
	return "the times of " + lt.what + " are local, without a zone; read as UTC, an assumption (--tz not given)"
}

// wallInstants returns the instants whose wall clock in loc is t's, earliest
// first: one, two in the hour repeated when the clocks are set back (the
// end of daylight saving time), none in the hour skipped when they are put
// forward.
func wallInstants(t time.Time, loc *time.Location) []time.Time {
	w := t.In(loc)
	y, mo, d := w.Date()
	h, mi, sec := w.Clock()
	asUTC := time.Date(y, mo, d, h, mi, sec, w.Nanosecond(), time.UTC)
	var out []time.Time
	for _, probe := range []time.Duration{-12 * time.Hour, 12 * time.Hour} {
		_, off := asUTC.Add(probe).In(loc).Zone()
		c := asUTC.Add(-time.Duration(off) * time.Second)
		if c.In(loc).Format("2006-01-02 15:04:05.999999999") == w.Format("2006-01-02 15:04:05.999999999") && !slices.ContainsFunc(out, c.Equal) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// firstInstant returns the earliest instant of t's wall clock in loc (t
// itself in the skipped hour).
func firstInstant(t time.Time, loc *time.Location) time.Time {
	if c := wallInstants(t, loc); len(c) > 0 {
		return c[0]
	}
	return t
}

// instantAfter returns the earliest instant of t's wall clock in loc that is
// after prev, if any: local times read in order that seem to go back are
// the hour repeated when daylight saving time ends.
func instantAfter(t, prev time.Time, loc *time.Location) (time.Time, bool) {
	for _, c := range wallInstants(t, loc) {
		if c.After(prev) {
			return c, true
		}
	}
	return t, false
}

// noStorageNote is the inventory note of a source without storage
// capacity (sar without -F, the public traces, perfmon without LogicalDisk
// counters): the plan cannot size the server's storage from it.
const noStorageNote = "no storage capacity in this source: fs_used_bytes and filesystems are not recorded"

// noteNoStorage adds noStorageNote to inv unless it lists filesystems.
func noteNoStorage(inv *model.Inventory) {
	if len(inv.Filesystems) == 0 {
		inv.Notes = append(inv.Notes, noStorageNote)
	}
}

// gapWriter writes rows that carry a start time but no length: each lasts
// its nominal length, or until the next row if that is sooner, so samples
// never overlap. A row that does not start after the previous one is
// dropped and counted.
type gapWriter struct {
	r       *run
	sw      *dataset.ServerWriter
	pending model.Sample
	has     bool
	lastEnd time.Time
	n       int

	dropped, droppedLine int
}

func (g *gapWriter) add(x model.Sample, line int) error {
	if g.has && !x.Start.After(g.pending.Start) {
		if g.dropped == 0 {
			g.droppedLine = line
		}
		g.dropped++
		return nil
	}
	if g.has {
		if gap := x.Start.Sub(g.pending.Start); gap < g.pending.Interval {
			g.pending.Interval = gap
		}
		if err := g.flush(); err != nil {
			return err
		}
	}
	g.pending, g.has = x, true
	return nil
}

func (g *gapWriter) flush() error {
	if !g.has {
		return nil
	}
	g.has = false
	if err := g.sw.Write(g.pending); err != nil {
		return err
	}
	g.n++
	g.r.sum.Samples++
	g.lastEnd = endOf(g.pending)
	return nil
}
