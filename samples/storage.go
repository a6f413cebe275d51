package samples

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// Storage: each server's disks carry local filesystems (Inventory.Filesystems)
// whose used bytes move over time (the fs_used_bytes metric). The
// inventory holds the used bytes at Start, the moment it is taken
// (Inventory.UpdatedAt); the first reading of the first interval is taken
// at that same moment, so it equals the inventory's used bytes, and the
// later readings move away from it.
//
// A filesystem's use is its used bytes at Start, plus what its flows wrote
// since (data written at a steady rate inside a daily window: office hours,
// the backup night, all day), minus what its purges freed since (log
// rotation, expired backups), kept from 0 to storageCeiling of its size.
// Everything is drawn from the server's storage generator, so the other
// metrics are the same with or without it.

// storageCeiling is the share of its size a filesystem fills up to at most:
// one that reaches it stops growing (the application refuses to write, the
// backup software prunes).
const storageCeiling = 0.97

// storageSalt separates a server's storage stream from its main stream.
const storageSalt = 0x53544f5241474521 // "STORAGE!"

// storageStream derives the PCG stream of server i's storage: filesystem
// layout, fill and growth. It draws the same numbers whatever the options
// but Days (which only adds day factors at the end), so storage changes no
// other metric and a longer fleet extends a shorter one.
func storageStream(i int) uint64 { return stream(i) ^ storageSalt }

// volume is one generated filesystem and how its use moves.
type volume struct {
	fs model.Filesystem
	// base is the used bytes at Start (fs.UsedBytes), max the most it holds.
	base, max float64
	// data is true for a filesystem holding the archetype's data.
	data   bool
	flows  []flow
	purges []purge
}

// flow is data written to a volume at a steady rate inside a daily window.
type flow struct {
	// from and to are UTC hours; to ≤ from makes the window run past
	// midnight into the next day. 0 to 24 is all day.
	from, to float64
	// perDay is the bytes the window starting on each weekday writes, before
	// the day's factor (log-normal, mean 1, log-space sigma).
	perDay [7]float64
	sigma  float64
	// atStart is what the flow wrote from storage day 0 to Start.
	atStart float64
	// day[d] is what the window starting on storage day d writes, cum[d]
	// what the flow wrote from the start of storage day 0 to that of day d.
	day, cum []float64
}

// purge frees, at an hour of the day on some weekdays, what a flow wrote in
// the lookback days before, less keepFrac of it and less keepBytes.
type purge struct {
	hour     float64
	weekdays uint8 // bit w: purges on weekday w
	flow     int   // index in the volume's flows
	lookback int   // days
	keepFrac float64
	// keepBytes is kept per purge: the net growth between two purges.
	keepBytes float64
	// at[d] is the bytes freed on storage day d (0 before Start), cum[d]
	// the bytes freed from Start to the start of storage day d.
	at, cum []float64
}

// storage is a server's volumes and the storage days they are laid on.
type storage struct {
	vols []volume
	// day0 is the Unix day number of storage day 0, a week and more before
	// Start, so that a purge can look back at what was written before Start.
	day0 int64
	// days is the number of storage days, to the last day of samples.
	days int
	// start is Start in Unix seconds.
	start float64
}

// storageLookbackDays is how many days before Start the storage days begin.
const storageLookbackDays = 9

// used returns the used bytes of all the server's filesystems at Unix time u.
func (st *storage) used(u float64) float64 {
	d, h := st.clock(u)
	total := 0.0
	for i := range st.vols {
		total += st.vols[i].usedAt(d, h)
	}
	return total
}

// usedAt is the volume's used bytes at hour h of storage day d.
func (v *volume) usedAt(d int, h float64) float64 {
	x := v.base
	for i := range v.flows {
		x += v.flows[i].written(d, h) - v.flows[i].atStart
	}
	for i := range v.purges {
		x -= v.purges[i].freed(d, h)
	}
	return min(max(x, 0), v.max)
}

// written is what the flow wrote from storage day 0 to hour h of day d.
func (f *flow) written(d int, h float64) float64 {
	return f.cum[d] + f.inDay(d, h)
}

// inDay is what the flow writes on storage day d before hour h.
func (f *flow) inDay(d int, h float64) float64 {
	if f.from < f.to {
		return f.day[d] * min(max(h-f.from, 0), f.to-f.from) / (f.to - f.from)
	}
	dur := 24 - f.from + f.to
	x := f.day[d] * max(h-f.from, 0) / dur
	if d > 0 {
		x += f.day[d-1] * min(h, f.to) / dur
	}
	return x
}

// freed is what the purge freed from Start to hour h of storage day d.
func (p *purge) freed(d int, h float64) float64 {
	x := p.cum[d]
	if h >= p.hour {
		x += p.at[d]
	}
	return x
}

// floorDiv is a ÷ b rounded towards minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// planStorage lays out server i's filesystems on its disks and draws how
// their use moves, from the server's storage generator. The draws are made
// in a fixed order: the layout and growth of every filesystem, then the day
// factors day by day, so that more Days only adds draws at the end.
func planStorage(s *server, i int, o GenerateOptions) *storage {
	rng := rand.New(rand.NewPCG(o.Seed, storageStream(i)))
	st := newStorage(o.Start, o.Days)
	st.vols = s.layout(rng)
	st.settle(rng)
	return st
}

// newStorage returns a storage without volumes for Days from Start.
func newStorage(start time.Time, days int) *storage {
	startDay := floorDiv(start.Unix(), 86400)
	endDay := floorDiv(start.Add(time.Duration(days)*24*time.Hour).Unix(), 86400)
	day0 := startDay - storageLookbackDays
	return &storage{day0: day0, days: int(endDay-day0) + 1, start: float64(start.Unix())}
}

// weekday returns the weekday of storage day d.
func (st *storage) weekday(d int) time.Weekday {
	// Day 0 of Unix time, 1 January 1970, was a Thursday.
	return time.Weekday(((st.day0+int64(d)+4)%7 + 7) % 7)
}

// settle draws the flows' day factors, day by day, and sums what the flows
// write and the purges free.
func (st *storage) settle(rng *rand.Rand) {
	for d := range st.days {
		wd := st.weekday(d)
		for vi := range st.vols {
			for fi := range st.vols[vi].flows {
				f := &st.vols[vi].flows[fi]
				f.day = append(f.day, f.perDay[wd]*logn(rng, f.sigma))
			}
		}
	}
	startD, startH := st.clock(st.start)
	for vi := range st.vols {
		v := &st.vols[vi]
		for fi := range v.flows {
			f := &v.flows[fi]
			f.cum = make([]float64, st.days+1)
			for d := range st.days {
				f.cum[d+1] = f.cum[d] + f.inDay(d, 24)
			}
			f.atStart = f.written(startD, startH)
		}
		for pi := range v.purges {
			p := &v.purges[pi]
			f := &v.flows[p.flow]
			p.at, p.cum = make([]float64, st.days), make([]float64, st.days+1)
			for d := range st.days {
				lb := d - p.lookback
				te := float64(st.day0+int64(d))*86400 + p.hour*3600
				if p.weekdays&(1<<st.weekday(d)) != 0 && te > st.start && lb >= 0 {
					w := f.written(d, p.hour) - f.written(lb, p.hour)
					p.at[d] = max(0, (1-p.keepFrac)*w-p.keepBytes)
				}
				p.cum[d+1] = p.cum[d] + p.at[d]
			}
		}
	}
}

// clock returns the storage day and the hour of Unix time u.
func (st *storage) clock(u float64) (int, float64) {
	dd := math.Floor(u / 86400)
	return int(int64(dd) - st.day0), (u - dd*86400) / 3600
}

// filesystems returns the inventory's filesystems: their size and their
// used bytes at Start.
func (st *storage) filesystems() []model.Filesystem {
	out := make([]model.Filesystem, len(st.vols))
	for i, v := range st.vols {
		out[i] = v.fs
	}
	return out
}

// fsSpec is one filesystem of a layout before its fill is drawn.
type fsSpec struct {
	mount, device string
	size          float64
	// full is the range of the share in use at Start.
	full [2]float64
	// data is true for the filesystem(s) holding the archetype's data, which
	// move by its dataGrowth; the others grow a little (system) or not
	// (/boot).
	data, boot bool
}

// The fill of the system filesystems when the inventory is taken.
var (
	bootFull   = [2]float64{0.20, 0.45}
	rootFull   = [2]float64{0.20, 0.45}
	varFull    = [2]float64{0.10, 0.35}
	systemFull = [2]float64{0.35, 0.65} // Windows C:
)

// layout draws the server's filesystems on its disks, as an installer and
// an administrator of the time would have laid them out:
//
//   - Linux: on sda, /boot (512 MiB, 1 GiB on xfs) and an LVM volume group
//     with / and /var, the rest of the group left for swap and later
//     growth; /var is the data filesystem on a server with one disk (web:
//     sites and logs); each further disk has one partition almost its whole
//     size: /data (/backup on a backup server), /data2, ...
//   - Windows: a server with one disk has C: (30–45 % of it) and D: (most of
//     the rest, the data); a server with more has C: on the first disk and
//     D:, E:, ... on the others, each almost its whole size.
//
// Then each filesystem's fill at Start and its growth are drawn.
func (s *server) layout(rng *rand.Rand) []volume {
	a, disks, osi := s.arch, s.hw.disks, s.hw.os
	var specs []fsSpec
	d0 := float64(disks[0].SizeBytes)
	if osi.family == "linux" {
		boot := 512.0 * model.MiB
		if osi.fsType == "xfs" {
			boot = model.GiB
		}
		specs = append(specs,
			fsSpec{mount: "/boot", device: "/dev/sda1", size: boot, full: bootFull, boot: true},
			fsSpec{mount: "/", device: "/dev/mapper/vg_sys-lv_root", size: d0 * uniform(rng, 0.2, 0.35), full: rootFull})
		if len(disks) == 1 {
			specs = append(specs, fsSpec{mount: "/var", device: "/dev/mapper/vg_sys-lv_var", size: d0 * uniform(rng, 0.35, 0.5), full: a.dataFull, data: true})
		} else {
			specs = append(specs, fsSpec{mount: "/var", device: "/dev/mapper/vg_sys-lv_var", size: d0 * uniform(rng, 0.15, 0.3), full: varFull})
		}
		mount := "/data"
		if a.Name == "backup" {
			mount = "/backup"
		}
		for i, d := range disks[1:] {
			m := mount
			if i > 0 {
				m += fmt.Sprint(i + 1)
			}
			specs = append(specs, fsSpec{mount: m, device: "/dev/sd" + string(rune('b'+i)) + "1",
				size: float64(d.SizeBytes) * uniform(rng, 0.96, 0.99), full: a.dataFull, data: true})
		}
	} else {
		if len(disks) == 1 {
			c := d0 * uniform(rng, 0.3, 0.45)
			specs = append(specs,
				fsSpec{mount: "C:", device: "C:", size: c, full: systemFull},
				fsSpec{mount: "D:", device: "D:", size: (d0 - c - 350*model.MiB) * uniform(rng, 0.9, 1), full: a.dataFull, data: true})
		} else {
			specs = append(specs, fsSpec{mount: "C:", device: "C:", size: d0 * uniform(rng, 0.97, 0.995), full: systemFull})
			for i, d := range disks[1:] {
				letter := string(rune('D' + i))
				specs = append(specs, fsSpec{mount: letter + ":", device: letter + ":",
					size: float64(d.SizeBytes) * uniform(rng, 0.97, 0.995), full: a.dataFull, data: true})
			}
		}
	}
	vols := make([]volume, len(specs))
	for i, sp := range specs {
		size := math.Floor(sp.size/model.MiB) * model.MiB
		v := volume{
			fs:   model.Filesystem{Mount: sp.mount, Device: sp.device, FSType: osi.fsType, SizeBytes: int64(size)},
			max:  math.Floor(size * storageCeiling),
			data: sp.data,
		}
		v.base = min(math.Round(size*uniform(rng, sp.full[0], sp.full[1])/4096)*4096, v.max)
		v.fs.UsedBytes = int64(v.base)
		switch {
		case sp.data:
			a.dataGrowth(&v, s, rng)
		case !sp.boot:
			steadyGrowth(&v, rng, 0.005, 0.02)
		}
		vols[i] = v
	}
	return vols
}

// allDays is a weekday mask of every day of the week.
const allDays = 1<<7 - 1

// daily returns the same bytes for every weekday.
func daily(b float64) (out [7]float64) {
	for i := range out {
		out[i] = b
	}
	return out
}

// workdays returns b for Monday to Friday and 0 at weekends.
func workdays(b float64) (out [7]float64) {
	for w := range out {
		if isWorkday(time.Weekday(w)) {
			out[w] = b
		}
	}
	return out
}

// steadyGrowth grows the volume all day by lo–hi % of its used bytes a day
// (drawn), with a day-to-day factor of sigma 0.3.
func steadyGrowth(v *volume, rng *rand.Rand, lo, hi float64) {
	g := uniform(rng, lo, hi) / 100
	v.flows = append(v.flows, flow{from: 0, to: 24, perDay: daily(v.base * g), sigma: 0.3})
}

// fileGrowth: users save files in office hours (08:00–18:00 UTC, Monday to
// Friday): 0.05–0.2 % of the used bytes a day on average over the week.
func fileGrowth(v *volume, _ *server, rng *rand.Rand) {
	g := uniform(rng, 0.05, 0.2) / 100
	v.flows = append(v.flows, flow{from: 8, to: 18, perDay: workdays(v.base * g * 7 / 5), sigma: 0.3})
}

// webGrowth: the site grows 0.01–0.05 % a day; the access logs grow with the
// traffic (07:00–23:00 UTC, 0.5–2.5 GB a day × the server's network scale,
// at most a fifth of the used bytes) and are rotated daily, at 03:24 UTC by
// logrotate on Linux and 01:00 by the log clean-up task on Windows: the
// rotation frees what the last 24 hours wrote (the day's log compressed, the
// oldest compressed one deleted), a daily sawtooth.
func webGrowth(v *volume, s *server, rng *rand.Rand) {
	steadyGrowth(v, rng, 0.01, 0.05)
	logs := min(uniform(rng, 0.5, 2.5)*1e9*s.p.net, 0.2*v.base)
	rotate := 3.4
	if s.hw.os.family == "windows" {
		rotate = 1
	}
	v.flows = append(v.flows, flow{from: 7, to: 23, perDay: daily(logs), sigma: 0.15})
	v.purges = append(v.purges, purge{hour: rotate, weekdays: allDays, flow: len(v.flows) - 1, lookback: 1})
}

// sqlGrowth: the databases grow 0.1–0.3 % a day.
func sqlGrowth(v *volume, _ *server, rng *rand.Rand) { steadyGrowth(v, rng, 0.1, 0.3) }

// mailGrowth: mail arrives in office hours, twice 0.1–0.25 % of the used
// bytes a workday on average over the week, and the store's nightly
// maintenance at 02:00 UTC frees half of what the previous day brought
// (deleted items past their retention): net growth 0.1–0.25 % a day.
func mailGrowth(v *volume, _ *server, rng *rand.Rand) {
	g := uniform(rng, 0.1, 0.25) / 100
	v.flows = append(v.flows, flow{from: 8, to: 18, perDay: workdays(2 * v.base * g * 7 / 5), sigma: 0.3})
	v.purges = append(v.purges, purge{hour: 2, weekdays: allDays, flow: 0, lookback: 1, keepFrac: 0.5})
}

// dcGrowth: a domain controller's data barely moves: 0.002–0.01 % a day.
func dcGrowth(v *volume, _ *server, rng *rand.Rand) { steadyGrowth(v, rng, 0.002, 0.01) }

// backupGrowth: the clients' backups land in the backup window (22:00–05:00
// UTC): a week writes 6–12 % of the used bytes, 35 % of it on each of the
// Friday and Saturday nights (full backups) and 6 % on each other night.
// On Sunday at 12:00 UTC, after the weekend's fulls, the backups past their
// retention expire: the purge frees what the week wrote less the net growth,
// 0.3–0.7 % of the used bytes a day (0.5 % on average).
func backupGrowth(v *volume, _ *server, rng *rand.Rand) {
	g := uniform(rng, 0.3, 0.7) / 100
	week := v.base * uniform(rng, 0.06, 0.12)
	var per [7]float64
	for w := range per {
		per[w] = 0.06 * week
		if w == int(time.Friday) || w == int(time.Saturday) {
			per[w] = 0.35 * week
		}
	}
	v.flows = append(v.flows, flow{from: 22, to: 5, perDay: per, sigma: 0.2})
	v.purges = append(v.purges, purge{hour: 12, weekdays: 1 << time.Sunday, flow: 0, lookback: 7, keepBytes: 7 * g * v.base})
}
