package collect

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/shirou/gopsutil/v3/common"
	"github.com/shirou/gopsutil/v3/disk"
)

// readDisks reads the counters of the named disks.
func readDisks(ctx context.Context, names []string, x *Snapshot) error {
	x.Disks = make(map[string]DiskCounters, len(names))
	if len(names) == 0 {
		return nil // no physical disk (gopsutil would return every device)
	}
	cs, err := disk.IOCountersWithContext(ctx, names...)
	if err != nil {
		return fmt.Errorf("read disk counters: %w", err)
	}
	for name, c := range cs {
		x.Disks[name] = DiskCounters{ReadBytes: c.ReadBytes, WriteBytes: c.WriteBytes, ReadOps: c.ReadCount, WriteOps: c.WriteCount}
	}
	return nil
}

// PhysicalDisks returns the names of the whole physical disks whose counters
// make up the disk metrics, sorted. On Linux that is every device of
// /proc/diskstats that has /sys/block/NAME/device (a real or paravirtual
// controller behind it: sda, vda, xvda, nvme0n1, mmcblk0, cciss!c0d0), which
// leaves out partitions, loop, ram, zram, device-mapper (LVM, dm-crypt,
// multipath) and md RAID devices whose IO is already counted on their
// member disks. This is sysstat's definition for sar -b (virtual devices
// ignored). Without /sys (kernels before 2.6, some containers) a name
// pattern decides (isWholeDisk). On other systems every device gopsutil
// reports is used (on Windows these are the volumes).
func PhysicalDisks(ctx context.Context) ([]string, error) {
	cs, err := disk.IOCountersWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("list disks: %w", err)
	}
	var out []string
	sysfs := hostSys(ctx)
	_, serr := os.Stat(sysfs + "/block")
	for name := range cs {
		if !physicalByName(name) {
			continue
		}
		if serr == nil && osHasSysBlock() {
			if _, err := os.Stat(sysfs + "/block/" + strings.ReplaceAll(name, "/", "!") + "/device"); err != nil {
				continue
			}
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

// hostSys returns the /sys root: the gopsutil context override, $HOST_SYS,
// or /sys.
func hostSys(ctx context.Context) string {
	if m, ok := ctx.Value(common.EnvKey).(common.EnvMap); ok {
		if v := m[common.HostSysEnvKey]; v != "" {
			return v
		}
	}
	if v := os.Getenv(string(common.HostSysEnvKey)); v != "" {
		return v
	}
	return "/sys"
}

var (
	// virtualDisk matches devices that duplicate or do not reach a disk.
	virtualDisk = regexp.MustCompile(`^(loop|ram|zram|dm-|md|sr|scd|fd|nbd|drbd|bcache|rbd|zd|vnd)[0-9]`)
	// partition matches partitions of sdX/hdX/vdX/xvdX and of names ending
	// in a digit (nvme0n1p1, mmcblk0p1, cciss!c0d0p1).
	partition = regexp.MustCompile(`^((s|h|v|xv)d[a-z]+[0-9]+|.*[0-9]p[0-9]+)$`)
)

// physicalByName is the name-only test of a whole physical disk, used when
// /sys cannot tell and as a first filter.
func physicalByName(name string) bool {
	if !osHasSysBlock() {
		return true
	}
	return !virtualDisk.MatchString(name) && !partition.MatchString(name)
}
