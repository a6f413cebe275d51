package collect

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/shirou/gopsutil/v3/disk"
)

// DefaultFSEvery is how often SystemSource reads the filesystems' used
// bytes: at most once a minute (a statfs per filesystem), since they change
// slowly; the sub-samples in between repeat the last reading.
const DefaultFSEvery = time.Minute

// skipFSTypes are the filesystem types that hold no local data to move:
// network filesystems (their data lives on a file server, counted there),
// pseudo and memory filesystems, container layers and read-only images and
// media. The list follows node_exporter's default fs-types-exclude, plus
// the network filesystems and the Windows CD/DVD types; every FUSE
// filesystem of a named type ("fuse.sshfs", "fuse.gvfsd-fuse") is left out
// too, while "fuseblk" (ntfs-3g and others on a local block device) is kept.
var skipFSTypes = map[string]bool{
	// network
	"nfs": true, "nfs4": true, "cifs": true, "smbfs": true, "smb3": true, "ncpfs": true,
	"afs": true, "9p": true, "ceph": true, "glusterfs": true, "lustre": true, "gpfs": true,
	"davfs": true,
	// pseudo and memory
	"autofs": true, "binfmt_misc": true, "bpf": true, "cgroup": true, "cgroup2": true,
	"configfs": true, "debugfs": true, "devpts": true, "devtmpfs": true, "efivarfs": true,
	"fusectl": true, "hugetlbfs": true, "mqueue": true, "nsfs": true, "proc": true, "procfs": true,
	"pstore": true, "ramfs": true, "rpc_pipefs": true, "securityfs": true, "selinuxfs": true,
	"sysfs": true, "tmpfs": true, "tracefs": true, "devfs": true, "fdescfs": true, "linprocfs": true,
	"linsysfs": true, "nullfs": true, "none": true, "rootfs": true, "shm": true,
	// container layers, images, read-only media
	"overlay": true, "aufs": true, "squashfs": true, "erofs": true, "iso9660": true,
	"udf": true, "cdfs": true,
}

// skipMountPrefixes are mount points under which nothing is local data of
// the server: the kernel's trees, and container runtimes' own mounts.
var skipMountPrefixes = []string{"/dev/", "/proc/", "/sys/", "/run/credentials/", "/var/lib/docker/", "/var/lib/containers/storage/", "/var/lib/kubelet/pods/", "/snap/"}

// LocalFS reports whether a mount with this type and mount point is a local
// filesystem holding the server's data: the rule of the collector's
// inventory, which the importers apply to the filesystems their sources
// list (nmon, sar -F, Prometheus).
func LocalFS(fsType, mount string) bool {
	t := strings.ToLower(fsType)
	if t == "" || skipFSTypes[t] || strings.HasPrefix(t, "fuse.") {
		return false
	}
	for _, p := range []string{"/dev", "/proc", "/sys"} {
		if mount == p {
			return false
		}
	}
	for _, p := range skipMountPrefixes {
		if strings.HasPrefix(mount, p) {
			return false
		}
	}
	return true
}

// localPartitions keeps the mounts of local filesystems (LocalFS) and, of
// several mounts of one device (bind mounts, btrfs subvolumes of one
// volume), the one with the shortest mount point (the first in lexical order
// when equally long), so that no data is counted twice. The result is sorted
// by mount point.
func localPartitions(parts []disk.PartitionStat) []disk.PartitionStat {
	byDev := map[string]disk.PartitionStat{}
	var noDev []disk.PartitionStat
	for _, p := range parts {
		if !LocalFS(p.Fstype, p.Mountpoint) {
			continue
		}
		if p.Device == "" {
			noDev = append(noDev, p)
			continue
		}
		old, seen := byDev[p.Device]
		if !seen || len(p.Mountpoint) < len(old.Mountpoint) || (len(p.Mountpoint) == len(old.Mountpoint) && p.Mountpoint < old.Mountpoint) {
			byDev[p.Device] = p
		}
	}
	out := noDev
	for _, p := range byDev {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mountpoint < out[j].Mountpoint })
	return out
}

// usageFunc returns the size of the filesystem mounted at mount.
type usageFunc func(ctx context.Context, mount string) (*disk.UsageStat, error)

// fsSource lists the mounts and reads their usage; the gopsutil functions
// in production, fakes in tests.
type fsSource struct {
	partitions func(ctx context.Context, all bool) ([]disk.PartitionStat, error)
	usage      usageFunc
}

var systemFS = fsSource{partitions: disk.PartitionsWithContext, usage: disk.UsageWithContext}

// filesystems returns the local filesystems with their size and used bytes
// (as df: used = total − free blocks, what a copy of the filesystem
// holds; the blocks reserved for root count as free). A filesystem whose
// usage cannot be read (a hung or vanished mount) is left out and named in
// the error, joined with the others; the rest are returned.
func (s fsSource) filesystems(ctx context.Context) ([]model.Filesystem, error) {
	parts, err := s.partitions(ctx, false)
	if err != nil && len(parts) == 0 {
		return nil, fmt.Errorf("list filesystems: %w", err)
	}
	var out []model.Filesystem
	var errs []error
	for _, p := range localPartitions(parts) {
		u, err := s.usage(ctx, p.Mountpoint)
		if err != nil {
			errs = append(errs, fmt.Errorf("filesystem %s: %w", p.Mountpoint, err))
			continue
		}
		if u.Total == 0 {
			continue // an empty pseudo filesystem that passed the type filter
		}
		out = append(out, model.Filesystem{
			Mount:     p.Mountpoint,
			Device:    p.Device,
			FSType:    p.Fstype,
			SizeBytes: int64(u.Total),
			UsedBytes: int64(min(u.Used, u.Total)),
		})
	}
	return out, errors.Join(errs...)
}

// Filesystems returns this server's local filesystems (network, pseudo
// and memory filesystems and bind mounts left out) with their size and
// used bytes. A non-nil error with a non-empty result names the
// filesystems that could not be read.
func Filesystems(ctx context.Context) ([]model.Filesystem, error) {
	return systemFS.filesystems(ctx)
}

// usedSum is the used bytes of filesystems, summed.
func usedSum(fss []model.Filesystem) float64 {
	var sum float64
	for _, f := range fss {
		sum += float64(f.UsedBytes)
	}
	return sum
}

// fsGauge reads the used bytes of the local filesystems at most once per
// every (monotonic time) and repeats the last reading in between, so that
// every sub-sample has a value while statfs runs once a minute.
type fsGauge struct {
	every time.Duration
	read  func(ctx context.Context) ([]model.Filesystem, error)
	mono  func() time.Duration

	last time.Duration // when the reading was taken
	val  float64
	have bool
}

// get returns the used bytes, reading them again when the last reading is
// older than every. A failed reading returns the error and no value; a
// partial one (some filesystems unreadable) returns the sum of the others
// and the error, for the log.
func (g *fsGauge) get(ctx context.Context) (float64, error) {
	now := g.mono()
	if g.have && now-g.last < g.every && now >= g.last {
		return g.val, nil
	}
	fss, err := g.read(ctx)
	if len(fss) == 0 {
		g.have = false
		if err == nil {
			err = ErrNoData
		}
		return 0, err
	}
	g.val, g.last, g.have = usedSum(fss), now, true
	return g.val, err
}
