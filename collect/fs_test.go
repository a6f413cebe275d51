package collect

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/shirou/gopsutil/v3/disk"
)

// mounts is a Linux server's mount table as gopsutil reads it: the root
// and /home on LVM, /boot, /home bind-mounted into a chroot, a btrfs
// volume with two subvolumes, an NFS share, a tmpfs, docker's overlay and
// the kernel's trees.
var mounts = []disk.PartitionStat{
	{Device: "/dev/mapper/vg-root", Mountpoint: "/", Fstype: "xfs"},
	{Device: "/dev/sda1", Mountpoint: "/boot", Fstype: "ext4"},
	{Device: "/dev/mapper/vg-home", Mountpoint: "/srv/chroot/home", Fstype: "xfs"},
	{Device: "/dev/mapper/vg-home", Mountpoint: "/home", Fstype: "xfs"},
	{Device: "/dev/sdb", Mountpoint: "/data/b", Fstype: "btrfs"},
	{Device: "/dev/sdb", Mountpoint: "/data/a", Fstype: "btrfs"},
	{Device: "filer:/export", Mountpoint: "/mnt/share", Fstype: "nfs4"},
	{Device: "tmpfs", Mountpoint: "/run", Fstype: "tmpfs"},
	{Device: "overlay", Mountpoint: "/var/lib/docker/overlay2/abc/merged", Fstype: "overlay"},
	{Device: "/dev/sdc1", Mountpoint: "/var/lib/docker/volumes", Fstype: "ext4"},
	{Device: "proc", Mountpoint: "/proc", Fstype: "proc"},
	{Device: "/dev/loop3", Mountpoint: "/snap/core/1", Fstype: "squashfs"},
	{Device: "gvfsd-fuse", Mountpoint: "/run/user/1000/gvfs", Fstype: "fuse.gvfsd-fuse"},
	{Device: "/dev/sdd1", Mountpoint: "/mnt/win", Fstype: "fuseblk"},
}

func TestLocalPartitions(t *testing.T) {
	var got []string
	for _, p := range localPartitions(mounts) {
		got = append(got, p.Mountpoint+" "+p.Device)
	}
	// /home beats its bind mount (shorter), /data/a and /data/b are the
	// same btrfs volume (same length: /data/a first); network, memory,
	// pseudo filesystems, container layers and images are left out.
	want := []string{"/ /dev/mapper/vg-root", "/boot /dev/sda1", "/data/a /dev/sdb", "/home /dev/mapper/vg-home", "/mnt/win /dev/sdd1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("local filesystems\n got %q\nwant %q", got, want)
	}
	// The order of the mount table does not matter.
	rev := make([]disk.PartitionStat, len(mounts))
	for i, p := range mounts {
		rev[len(mounts)-1-i] = p
	}
	if a, b := localPartitions(mounts), localPartitions(rev); !reflect.DeepEqual(a, b) {
		t.Errorf("order-dependent result:\n%v\n%v", a, b)
	}
}

func TestLocalFSWindows(t *testing.T) {
	for _, c := range []struct {
		fsType, mount string
		want          bool
	}{{"NTFS", "C:", true}, {"ReFS", "D:", true}, {"CDFS", "E:", false}, {"UDF", "F:", false}, {"", "G:", false}} {
		if got := LocalFS(c.fsType, c.mount); got != c.want {
			t.Errorf("LocalFS(%q, %q) = %v, want %v", c.fsType, c.mount, got, c.want)
		}
	}
}

// fakeUsage returns sizes in GiB by mount point; a missing mount fails as
// a hung NFS mount or vanished filesystem would.
func fakeUsage(gib map[string][2]uint64) usageFunc {
	return func(ctx context.Context, mount string) (*disk.UsageStat, error) {
		v, ok := gib[mount]
		if !ok {
			return nil, errors.New("statfs: no such file or directory")
		}
		return &disk.UsageStat{Path: mount, Total: v[0] << 30, Used: v[1] << 30}, nil
	}
}

func TestFilesystems(t *testing.T) {
	src := fsSource{
		partitions: func(context.Context, bool) ([]disk.PartitionStat, error) { return mounts, nil },
		usage: fakeUsage(map[string][2]uint64{
			"/": {50, 20}, "/boot": {1, 0}, "/data/a": {4000, 1500}, "/mnt/win": {500, 100},
			// /home is missing: unreadable
		}),
	}
	fss, err := src.filesystems(context.Background())
	if err == nil || !strings.Contains(err.Error(), "filesystem /home:") {
		t.Errorf("error %v, want one naming /home", err)
	}
	const gib = 1 << 30
	want := []model.Filesystem{
		{Mount: "/", Device: "/dev/mapper/vg-root", FSType: "xfs", SizeBytes: 50 * gib, UsedBytes: 20 * gib},
		{Mount: "/boot", Device: "/dev/sda1", FSType: "ext4", SizeBytes: 1 * gib, UsedBytes: 0},
		{Mount: "/data/a", Device: "/dev/sdb", FSType: "btrfs", SizeBytes: 4000 * gib, UsedBytes: 1500 * gib},
		{Mount: "/mnt/win", Device: "/dev/sdd1", FSType: "fuseblk", SizeBytes: 500 * gib, UsedBytes: 100 * gib},
	}
	if !reflect.DeepEqual(fss, want) {
		t.Errorf("filesystems\n got %+v\nwant %+v", fss, want)
	}
	// 20 + 0 + 1500 + 100 GiB.
	if got := usedSum(fss); got != 1620*gib {
		t.Errorf("used sum %v, want %v", got, 1620*gib)
	}
}

// TestFSGauge checks that the filesystems are read at most once per
// period and the last reading repeated in between; a failed reading gives
// no value rather than a stale one.
func TestFSGauge(t *testing.T) {
	var now time.Duration
	reads := 0
	fail := false
	g := &fsGauge{
		every: time.Minute,
		mono:  func() time.Duration { return now },
		read: func(context.Context) ([]model.Filesystem, error) {
			if fail {
				return nil, errors.New("list filesystems: mountinfo unreadable")
			}
			reads++
			return []model.Filesystem{{Mount: "/", SizeBytes: 100, UsedBytes: int64(10 * reads)}, {Mount: "/var", SizeBytes: 100, UsedBytes: 5}}, nil
		},
	}
	ctx := context.Background()
	for _, c := range []struct {
		at    time.Duration
		want  float64
		reads int
	}{{0, 15, 1}, {5 * time.Second, 15, 1}, {59 * time.Second, 15, 1}, {60 * time.Second, 25, 2}, {90 * time.Second, 25, 2}, {121 * time.Second, 35, 3}} {
		now = c.at
		v, err := g.get(ctx)
		if err != nil || v != c.want || reads != c.reads {
			t.Errorf("at %s: %v, %v after %d reads; want %v after %d", c.at, v, err, reads, c.want, c.reads)
		}
	}
	now, fail = 200*time.Second, true
	if _, err := g.get(ctx); err == nil || g.have {
		t.Errorf("failed reading: err %v, have %v; want an error and no value", err, g.have)
	}
}

// gaugeSource is a Source of CPU time and the fsGauge's used bytes, on the
// fake clock.
type gaugeSource struct {
	clk *fakeClock
	g   *fsGauge
}

func (s *gaugeSource) Read(ctx context.Context, x *Snapshot) error {
	sec := s.clk.mono.Seconds()
	x.CPU = &CPUTimes{Idle: sec, Total: 2 * sec}
	v, err := s.g.get(ctx)
	if err == nil {
		x.FSUsedBytes = v
	}
	return nil
}

// TestRunFSUsed checks fs_used_bytes in a 10 s row of 1 s sub-samples with
// the filesystems read every 4 s: readings at 0 s (1000), 4 s (2000) and
// 8 s (3000), so ticks 1-3 see 1000, ticks 4-7 2000 and ticks 8-10 3000:
// mean (3×1000 + 4×2000 + 3×3000) / 10 = 2000, max 3000, three readings
// for eleven snapshots. A source without the gauge leaves the column empty.
func TestRunFSUsed(t *testing.T) {
	clk := &fakeClock{wall: t0}
	reads := 0
	g := &fsGauge{every: 4 * time.Second, mono: clk.Mono, read: func(context.Context) ([]model.Filesystem, error) {
		reads++
		return []model.Filesystem{{Mount: "/", SizeBytes: 1 << 20, UsedBytes: int64(1000 * reads)}}, nil
	}}
	sink := &sliceSink{}
	opts := Options{Interval: 10 * time.Second, Sample: time.Second, Duration: 10 * time.Second}
	if err := Run(context.Background(), &gaugeSource{clk: clk, g: g}, clk, sink, opts); err != nil {
		t.Fatal(err)
	}
	if len(sink.rows) != 1 {
		t.Fatalf("%d rows, want 1", len(sink.rows))
	}
	r := sink.rows[0]
	near(t, "fs used mean", r.Mean[model.FSUsedBytes], 2000)
	near(t, "fs used max", r.Max[model.FSUsedBytes], 3000)
	near(t, "cpu", r.Mean[model.CPUBusyPct], 50)
	if reads != 3 {
		t.Errorf("%d filesystem readings, want 3", reads)
	}
	// No memory reading: the memory columns stay empty, not 0.
	if !isNaN(r.Mean[model.MemUsedBytes]) {
		t.Errorf("mem used %v without a reading, want empty", r.Mean[model.MemUsedBytes])
	}

	clk = &fakeClock{wall: t0}
	sink = &sliceSink{}
	if err := Run(context.Background(), steadySource(clk), clk, sink, opts); err != nil {
		t.Fatal(err)
	}
	if v := sink.rows[0].Mean[model.FSUsedBytes]; !isNaN(v) {
		t.Errorf("fs used %v from a source without filesystems, want empty", v)
	}
}

func isNaN(v float64) bool { return v != v }

func TestSameInventoryFilesystems(t *testing.T) {
	const gib = 1 << 30
	a := model.Inventory{Hostname: "db1", Filesystems: []model.Filesystem{{Mount: "/", SizeBytes: 100 * gib, UsedBytes: 40 * gib}}}
	b := a
	b.Filesystems = []model.Filesystem{{Mount: "/", SizeBytes: 100 * gib, UsedBytes: 44 * gib}}
	if !SameInventory(a, b) {
		t.Error("4 GiB more used on a 100 GiB filesystem (4 %) counted as a change")
	}
	if a.Filesystems[0].UsedBytes != 40*gib || b.Filesystems[0].UsedBytes != 44*gib {
		t.Error("SameInventory changed its arguments' filesystems")
	}
	b.Filesystems = []model.Filesystem{{Mount: "/", SizeBytes: 100 * gib, UsedBytes: 46 * gib}}
	if SameInventory(a, b) {
		t.Error("6 GiB more used on a 100 GiB filesystem (6 %) not counted as a change")
	}
	b.Filesystems = []model.Filesystem{{Mount: "/", SizeBytes: 200 * gib, UsedBytes: 40 * gib}}
	if SameInventory(a, b) {
		t.Error("a grown filesystem not counted as a change")
	}
	b.Filesystems = append(a.Filesystems, model.Filesystem{Mount: "/var", SizeBytes: gib})
	if SameInventory(a, b) {
		t.Error("a new filesystem not counted as a change")
	}
}
