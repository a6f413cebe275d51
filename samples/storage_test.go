package samples

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/kvmfit/kvmfit/model/dataset/datasettest"
)

const gb = 1e9

// monday is Monday 5 January 2026, 00:00 UTC, the default Start.
var monday = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// handStorage settles one volume by hand: day factors of sigma 0 are 1, so
// every value can be computed on paper.
func handStorage(t *testing.T, start time.Time, days int, v volume) *storage {
	t.Helper()
	st := newStorage(start, days)
	st.vols = []volume{v}
	st.settle(rand.New(rand.NewPCG(1, 2)))
	return st
}

// at returns the volume's used bytes at start + offset, in GB.
func at(st *storage, start time.Time, offset time.Duration) float64 {
	return st.used(float64(start.Add(offset).Unix())) / gb
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// TestStorageKnownAnswers checks flows, purges and the ceiling against
// values worked out by hand.
func TestStorageKnownAnswers(t *testing.T) {
	h := time.Hour
	type check struct {
		offset time.Duration
		wantGB float64
	}
	tests := []struct {
		name   string
		start  time.Time
		v      volume
		checks []check
	}{{
		// 24 GB a day all day is 1 GB an hour; the daily purge at 03:00
		// frees the last 24 hours' writes, 24 GB, some written before
		// Start.
		name:  "all day with daily rotation",
		start: monday,
		v: volume{base: 100 * gb, max: 1000 * gb,
			flows:  []flow{{from: 0, to: 24, perDay: daily(24 * gb)}},
			purges: []purge{{hour: 3, weekdays: allDays, lookback: 1}}},
		checks: []check{
			{0, 100}, {h, 101}, {3*h - time.Second, 103 - 1.0/3600},
			{3 * h, 103 - 24}, {6 * h, 106 - 24}, {27 * h, 127 - 48},
		},
	}, {
		// 7 GB a night from 22:00 to 05:00 is 1 GB an hour. The Sunday
		// 12:00 purge frees the week's seven nights (49 GB, two hours of
		// them before Start) less 2 GB kept: 47 GB, all that was written
		// since Start.
		name:  "backup nights with weekly expiry",
		start: monday,
		v: volume{base: 100 * gb, max: 1000 * gb,
			flows:  []flow{{from: 22, to: 5, perDay: daily(7 * gb)}},
			purges: []purge{{hour: 12, weekdays: 1 << time.Sunday, lookback: 7, keepBytes: 2 * gb}}},
		checks: []check{
			{0, 100}, {3 * h, 103}, {12 * h, 105}, {23 * h, 106}, {29 * h, 112},
			{6*24*h + 12*h - time.Second, 147}, {6*24*h + 12*h, 100},
			// The next week's seven nights are all after Start: 2 GB stays.
			{13*24*h + 11*h, 149}, {13*24*h + 12*h, 102},
		},
	}, {
		// 10 GB a workday in office hours (1 GB an hour); the 02:00 purge
		// frees half the last day's writes.
		name:  "office hours with half kept",
		start: monday,
		v: volume{base: 50 * gb, max: 1000 * gb,
			flows:  []flow{{from: 8, to: 18, perDay: workdays(10 * gb)}},
			purges: []purge{{hour: 2, weekdays: allDays, lookback: 1, keepFrac: 0.5}}},
		checks: []check{
			{9 * h, 51}, {20 * h, 60}, {26 * h, 55}, {5*24*h + 12*h, 75}, {7*24*h + 9*h, 76},
		},
	}, {
		// A Start at 13:00 on a Wednesday: the used bytes at Start are the
		// base, whatever was written earlier that day.
		name:  "start mid-day",
		start: monday.Add(2*24*h + 13*h),
		v: volume{base: 10 * gb, max: 100 * gb,
			flows: []flow{{from: 0, to: 24, perDay: daily(24 * gb)}}},
		checks: []check{{0, 10}, {11 * h, 21}, {35 * h, 45}},
	}, {
		// The volume fills to its ceiling and stays there.
		name:  "ceiling",
		start: monday,
		v: volume{base: 90 * gb, max: 97 * gb,
			flows: []flow{{from: 0, to: 24, perDay: daily(24 * gb)}}},
		checks: []check{{6 * h, 96}, {7 * h, 97}, {12 * h, 97}, {48 * h, 97}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := handStorage(t, tt.start, 14, tt.v)
			for _, c := range tt.checks {
				if got := at(st, tt.start, c.offset); !near(got, c.wantGB) {
					t.Errorf("used at Start + %s = %.9f GB, want %.9f GB", c.offset, got, c.wantGB)
				}
			}
		})
	}
}

// planned returns the plan of the shared test fleet, by host name.
func planned(t *testing.T) map[string]*server {
	t.Helper()
	return planOf(t, testOpts)
}

// fsUsed returns the server's fs_used_bytes means and maxima.
func fsUsed(s *model.Server) (mean, peak []float64) {
	return s.Series.Mean[model.FSUsedBytes], s.Series.Max[model.FSUsedBytes]
}

// TestStorageInventory: every server's filesystems fit on its disks, with
// the layout of its OS, and its data filesystems are as full as its
// archetype says.
func TestStorageInventory(t *testing.T) {
	plan := planned(t)
	full := map[string][2]float64{
		"file": {0.5, 0.85}, "backup": {0.5, 0.85}, "web": {0.2, 0.5},
		"sql": {0.4, 0.7}, "mail": {0.4, 0.7}, "dc": {0.05, 0.25},
	}
	for _, s := range fleet(t) {
		inv := s.Inventory
		fss := inv.Filesystems
		var sizes, disks int64
		var mounts []string
		for _, f := range fss {
			sizes += f.SizeBytes
			mounts = append(mounts, f.Mount)
			if f.SizeBytes <= 0 || f.UsedBytes <= 0 || f.UsedBytes > f.SizeBytes || f.Device == "" || f.FSType == "" {
				t.Errorf("%s: filesystem %+v", s.ID, f)
			}
		}
		for _, d := range inv.Disks {
			disks += d.SizeBytes
		}
		if len(fss) < 2 || sizes > disks || sizes < disks/2 {
			t.Errorf("%s: %d filesystems of %d bytes on %d bytes of disks", s.ID, len(fss), sizes, disks)
		}
		switch inv.OSFamily {
		case "linux":
			if !slices.Contains(mounts, "/") || !slices.Contains(mounts, "/var") {
				t.Errorf("%s: Linux mounts %v, want / and /var", s.ID, mounts)
			}
		case "windows":
			if mounts[0] != "C:" || mounts[1] != "D:" {
				t.Errorf("%s: Windows drives %v, want C: and D: first", s.ID, mounts)
			}
		}
		p := plan[s.ID]
		want := full[archetypeOf(s)]
		data := 0
		for i, v := range p.st.vols {
			if !v.data {
				continue
			}
			data++
			if got := float64(fss[i].UsedBytes) / float64(fss[i].SizeBytes); got < want[0]-1e-6 || got > want[1]+1e-6 {
				t.Errorf("%s: data filesystem %s is %.1f %% full, want %.0f–%.0f %%", s.ID, fss[i].Mount, 100*got, 100*want[0], 100*want[1])
			}
		}
		if data == 0 {
			t.Errorf("%s: no data filesystem in %v", s.ID, mounts)
		}
	}
}

// TestStorageSeries: fs_used_bytes never exceeds the filesystems' size
// (their ceiling, in fact), and starts at the inventory's used bytes: the
// first reading is taken at Start, when the inventory is.
func TestStorageSeries(t *testing.T) {
	plan := planned(t)
	for _, s := range fleet(t) {
		size := float64(s.Inventory.StorageSizeBytes())
		var fsSize float64
		for _, f := range s.Inventory.Filesystems {
			fsSize += float64(f.SizeBytes)
		}
		mean, peak := fsUsed(s)
		for i := range mean {
			if peak[i] > fsSize*storageCeiling || peak[i] > size || mean[i] > peak[i] || mean[i] <= 0 {
				t.Fatalf("%s: sample %d: fs_used mean %g, max %g; filesystems %g bytes", s.ID, i, mean[i], peak[i], fsSize)
			}
		}
		used, ok := s.Inventory.StorageUsedBytes()
		if !ok || plan[s.ID].st.used(float64(defaultFrom)) != float64(used) {
			t.Errorf("%s: used at Start %g, inventory %d", s.ID, plan[s.ID].st.used(float64(defaultFrom)), used)
		}
		// The first interval's readings stay within 0.1 % of the first.
		if math.Abs(mean[0]-float64(used)) > 1e-3*float64(used) {
			t.Errorf("%s: first fs_used mean %g, inventory %d", s.ID, mean[0], used)
		}
	}

	// With one reading per interval, the first sample is the inventory's
	// used bytes exactly.
	o := GenerateOptions{Servers: 7, Days: 1, Seed: 3, SubSamples: 1}
	srvs, err := dataset.Read(generate(t, o))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srvs {
		used, _ := s.Inventory.StorageUsedBytes()
		if mean, peak := fsUsed(s); mean[0] != float64(used) || peak[0] != float64(used) {
			t.Errorf("%s: first fs_used sample %g/%g, inventory %d", s.ID, mean[0], peak[0], used)
		}
	}
}

// TestStorageBackupGrows: a backup server fills through the week's nights
// and the Sunday 12:00 expiry frees the week's writes less its net growth,
// 0.3–0.7 % of the used bytes a day: the week after the first expiry adds
// exactly that.
func TestStorageBackupGrows(t *testing.T) {
	plan := planned(t)
	sunday := func(week int) int { return (6+7*week)*perDay + 12*perDay/24 } // Sunday 12:00 of week 0, 1
	for _, s := range byArchetype(t, fleet(t), "backup") {
		mean, _ := fsUsed(s)
		first, last := mean[0], mean[len(mean)-1]
		if last <= first {
			t.Errorf("%s: fs_used %g at the start, %g at the end: want growth", s.ID, first, last)
		}
		var base float64
		for _, v := range plan[s.ID].st.vols {
			if v.data {
				base = v.base
			}
		}
		for week := range 2 {
			i := sunday(week)
			if drop := mean[i-1] - mean[i]; drop < 0.02*base {
				t.Errorf("%s: Sunday 12:00 of week %d frees %g bytes, want ≥ 2 %% of %g", s.ID, week+1, drop, base)
			}
		}
		growth := (mean[sunday(1)] - mean[sunday(0)]) / base / 7
		if growth < 0.003-1e-6 || growth > 0.007+1e-6 {
			t.Errorf("%s: net growth %.3f %% a day, want 0.3–0.7 %%", s.ID, 100*growth)
		}
	}
}

// TestStorageLogRotation: a web server's logs grow through the day and
// rotate once a day: fs_used falls only at the rotation (03:24 UTC on Linux,
// 01:00 on Windows), and every day. Everything else only grows.
func TestStorageLogRotation(t *testing.T) {
	step := int64(DefaultGenerateOptions.Step / time.Second)
	for _, s := range byArchetype(t, fleet(t), "web") {
		rot := int64(3*3600 + 24*60)
		if s.Inventory.OSFamily == "windows" {
			rot = 3600
		}
		mean, _ := fsUsed(s)
		falls := map[int]int{}
		for i := 1; i < len(mean); i++ {
			if mean[i] >= mean[i-1] {
				continue
			}
			sec := s.Series.Start[i] % 86400
			// The interval holding the rotation falls in part, the next one
			// in full.
			if sec+step <= rot || sec > rot+step {
				t.Errorf("%s: fs_used falls at %s, not at the rotation", s.ID, time.Unix(s.Series.Start[i], 0).UTC().Format(time.RFC3339))
			}
			falls[int((s.Series.Start[i]-defaultFrom)/86400)]++
		}
		if len(falls) != testOpts.Days {
			t.Errorf("%s: fs_used falls on %d of %d days", s.ID, len(falls), testOpts.Days)
		}
	}
}

// TestStorageExtends: a longer fleet has the same storage on its first
// days, and the storage stream meets neither a main nor a change stream.
func TestStorageExtends(t *testing.T) {
	short, err := dataset.Read(generate(t, GenerateOptions{Servers: 6, Days: 2, Seed: 9}))
	if err != nil {
		t.Fatal(err)
	}
	long, err := dataset.Read(generate(t, GenerateOptions{Servers: 6, Days: 3, Seed: 9}))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range short {
		a, _ := fsUsed(s)
		b, _ := fsUsed(long[i])
		if !slices.Equal(a, b[:len(a)]) || !slices.Equal(s.Inventory.Filesystems, long[i].Inventory.Filesystems) {
			t.Errorf("%s: storage of 2 days differs from the first 2 of 3", s.ID)
		}
	}
	const n = 10000
	seen := map[uint64]bool{}
	for i := range n {
		seen[stream(i)], seen[changeStream(i)] = true, true
	}
	for i := range n {
		if seen[storageStream(i)] {
			t.Fatalf("storage stream of server %d is a main or change stream", i)
		}
	}
}

// TestStorageKeepsOtherMetrics: adding storage left every other column of
// the samples and every other inventory field as the generator wrote them
// before it had storage. The fingerprints were taken from that generator
// (seed 1, 7 servers, 2 days) and retaken when CPU went to hundredths of a
// percent and memory to a drift in whole pages; a deliberate change of the
// workload model changes them.
func TestStorageKeepsOtherMetrics(t *testing.T) {
	want := map[string][2]string{
		"bkp01":  {"585a31a6bfb30327", "6598bba97570df74"},
		"dc01":   {"01e36dd6de435311", "644731d00c9c403e"},
		"fs01":   {"82bd1d8bacd48bdf", "97a368a238e0b8fd"},
		"mail01": {"7eff82981226ad8d", "3199da13cab918c3"},
		"sql01":  {"3d1f7abf452043c9", "7490cf9ff85a9da7"},
		"web01":  {"1bd93f2c2fc706d9", "27454eae786e0fe2"},
		"web02":  {"15f3e5aa3233b1f5", "88557cdef140208d"},
	}
	dir := generate(t, GenerateOptions{Servers: 7, Days: 2, Seed: 1})
	for name, w := range want {
		csv := datasettest.SamplesCSV(t, filepath.Join(dir, name))
		invJSON, err := os.ReadFile(filepath.Join(dir, name, "inventory.json"))
		if err != nil {
			t.Fatal(err)
		}
		if got := withoutFSColumns(t, csv); got != w[0] {
			t.Errorf("%s: samples other than fs_used_bytes have fingerprint %s, want %s", name, got, w[0])
		}
		var inv model.Inventory
		if err := json.Unmarshal(invJSON, &inv); err != nil {
			t.Fatal(err)
		}
		if len(inv.Filesystems) == 0 {
			t.Errorf("%s: no filesystems", name)
		}
		inv.Filesystems = nil
		// The fingerprints were taken when the samples were CSV (format 1);
		// the Parquet samples file makes the inventory say 2.
		if inv.FormatVersion != dataset.ParquetFormatVersion {
			t.Errorf("%s: format_version %d, want %d", name, inv.FormatVersion, dataset.ParquetFormatVersion)
		}
		inv.FormatVersion = 1
		b, err := json.Marshal(inv)
		if err != nil {
			t.Fatal(err)
		}
		if got := fingerprint(b); got != w[1] {
			t.Errorf("%s: inventory without filesystems has fingerprint %s, want %s", name, got, w[1])
		}
	}
}

// withoutFSColumns fingerprints a samples CSV without its fs_used_bytes
// columns.
func withoutFSColumns(t *testing.T, csv []byte) string {
	t.Helper()
	lines := strings.Split(string(csv), "\n")
	header := strings.Split(lines[0], ",")
	var keep []int
	for i, h := range header {
		if !strings.HasPrefix(h, model.FSUsedBytes.String()+"_") {
			keep = append(keep, i)
		}
	}
	if len(keep) != len(header)-2 {
		t.Fatalf("header %q: want two fs_used_bytes columns", lines[0])
	}
	var b strings.Builder
	for _, line := range lines {
		f := strings.Split(line, ",")
		var out []string
		for _, i := range keep {
			if i < len(f) {
				out = append(out, f[i])
			}
		}
		b.WriteString(strings.Join(out, ","))
		b.WriteByte('\n')
	}
	return fingerprint([]byte(b.String()))
}

func fingerprint(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b))[:16] }

// TestStorageBefore1970: storage days before the Unix epoch (where a
// storage's look-back days fall for a Start in its first days) have their
// weekdays: 1 January 1970 was a Thursday, so 29 December 1969 a Monday.
func TestStorageBefore1970(t *testing.T) {
	start := time.Date(1969, 12, 29, 0, 0, 0, 0, time.UTC)
	st := handStorage(t, start, 7, volume{base: 10 * gb, max: 100 * gb,
		flows: []flow{{from: 8, to: 18, perDay: workdays(10 * gb)}}})
	// Monday to Friday write 10 GB each, the weekend nothing.
	for _, c := range []struct {
		days, wantGB float64
	}{{0.5, 14}, {5, 60}, {6.5, 60}} {
		if got := at(st, start, time.Duration(c.days*24)*time.Hour); !near(got, c.wantGB) {
			t.Errorf("used %g days after %s = %g GB, want %g GB", c.days, start.Format(time.DateOnly), got, c.wantGB)
		}
	}
}
