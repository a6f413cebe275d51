package collect

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/shirou/gopsutil/v3/common"
	"github.com/shirou/gopsutil/v3/cpu"
	"github.com/shirou/gopsutil/v3/host"
	"github.com/shirou/gopsutil/v3/mem"
	"github.com/shirou/gopsutil/v3/net"
)

// Source is the inventory source of the live collector.
const SourceName = "kvmfit-collect"

// Inventory describes this server from gopsutil's host, cpu, mem, disk and
// net readers. Fields it cannot fill stay zero and are named in Notes.
// Filesystems are the local ones (see Filesystems) with their size and
// used bytes at the time of the inventory; the used bytes over time are the
// fs_used_bytes metric.
// Whether the server is itself a VM comes from the hypervisor's own
// report (host.Info's virtualization role "guest"), the CPU's hypervisor
// flag, or steal time: a share of CPU time taken by a hypervisor since boot.
func Inventory(ctx context.Context, now time.Time) model.Inventory {
	inv := model.Inventory{FormatVersion: model.FormatVersion, Source: SourceName, UpdatedAt: now.UTC().Truncate(time.Second)}
	note := func(format string, a ...any) { inv.Notes = append(inv.Notes, fmt.Sprintf(format, a...)) }

	hi, err := host.InfoWithContext(ctx)
	inv.MachineID = machineID(ctx, runtime.GOOS, hi)
	if err == nil {
		inv.Hostname = hi.Hostname
		inv.OSFamily = osFamily(hi.OS)
		inv.OS = strings.TrimSpace(strings.Join([]string{hi.Platform, hi.PlatformVersion}, " "))
		if hi.KernelVersion != "" {
			inv.OS = strings.TrimSpace(inv.OS + " (kernel " + hi.KernelVersion + ")")
		}
		if hi.VirtualizationRole == "guest" {
			inv.IsVM, inv.Hypervisor = true, hi.VirtualizationSystem
		}
	} else {
		note("host information unavailable: %v", err)
	}
	if inv.Hostname == "" {
		inv.Hostname, _ = os.Hostname()
	}
	if inv.OSFamily == "" {
		inv.OSFamily = runtime.GOOS
	}

	if infos, err := cpu.InfoWithContext(ctx); err == nil && len(infos) > 0 {
		inv.CPUModel = strings.TrimSpace(infos[0].ModelName)
		inv.CPUMHz = infos[0].Mhz
		sockets := map[string]bool{}
		for _, ci := range infos {
			sockets[ci.PhysicalID] = true
			if slices.Contains(ci.Flags, "hypervisor") && !inv.IsVM {
				inv.IsVM = true
			}
		}
		inv.Sockets = len(sockets)
	} else if err != nil {
		note("cpu information unavailable: %v", err)
	}
	if n, err := cpu.CountsWithContext(ctx, true); err == nil && n > 0 {
		inv.Threads = n
	} else {
		inv.Threads = runtime.NumCPU()
	}
	if n, err := cpu.CountsWithContext(ctx, false); err == nil && n > 0 {
		inv.Cores = n
	} else {
		inv.Cores = inv.Threads
		note("physical core count unknown: cores taken equal to logical CPUs")
	}
	if ts, err := cpu.TimesWithContext(ctx, false); err == nil && len(ts) > 0 {
		if t := ts[0]; t.Steal > 0 {
			c := cpuTimes(t)
			if c.Total > 0 {
				inv.IsVM = true
				note("steal time since boot: %.2f%% of CPU time (the server is a VM sharing its host)", 100*t.Steal/c.Total)
			}
		}
	}
	if inv.IsVM && inv.Hypervisor == "" {
		inv.Hypervisor = "unknown"
	}

	if v, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		inv.MemTotalBytes = int64(v.Total)
	} else {
		note("memory size unavailable: %v", err)
	}

	if names, err := PhysicalDisks(ctx); err == nil {
		for _, n := range names {
			inv.Disks = append(inv.Disks, model.Disk{Name: n, SizeBytes: diskSize(ctx, n)})
		}
	} else {
		note("disks unavailable: %v", err)
	}

	fss, err := Filesystems(ctx)
	inv.Filesystems = fss
	if err != nil {
		note("filesystems: %v", err)
	}

	if ifs, err := net.InterfacesWithContext(ctx); err == nil {
		for _, i := range ifs {
			if isLoopback(i.Name) || slices.Contains(i.Flags, "loopback") {
				continue
			}
			inv.NICs = append(inv.NICs, model.NIC{Name: i.Name, SpeedBitsPerSec: nicSpeed(ctx, i.Name)})
		}
	} else {
		note("network interfaces unavailable: %v", err)
	}
	return inv
}

// machineID identifies the machine across host renames and data sources
// (model.Inventory.MachineID), as SCHEME:VALUE so that IDs of different
// kinds are never compared: on Linux the systemd/D-Bus machine ID
// (/etc/machine-id, "linux-machine-id:"), never gopsutil's host ID there,
// which is the hardware UUID when run as root and the machine ID otherwise,
// or a boot ID; on Windows the MachineGuid ("windows-machine-guid:"); on
// other systems gopsutil's host ID ("host-id:", macOS IOPlatformUUID, BSD
// hostid). "" when unknown.
func machineID(ctx context.Context, goos string, hi *host.InfoStat) string {
	if goos == "linux" {
		for _, p := range []string{hostEtc(ctx) + "/machine-id", "/var/lib/dbus/machine-id"} {
			if b, err := os.ReadFile(p); err == nil {
				if id := strings.TrimSpace(string(b)); id != "" && id != "uninitialized" {
					return "linux-machine-id:" + id
				}
			}
		}
		return ""
	}
	if hi == nil || strings.TrimSpace(hi.HostID) == "" {
		return ""
	}
	id := strings.ToLower(strings.TrimSpace(hi.HostID))
	if goos == "windows" {
		return "windows-machine-guid:" + id
	}
	return "host-id:" + id
}

// hostEtc returns the /etc root: the gopsutil context override, $HOST_ETC,
// or /etc.
func hostEtc(ctx context.Context) string {
	if m, ok := ctx.Value(common.EnvKey).(common.EnvMap); ok {
		if v := m[common.HostEtcEnvKey]; v != "" {
			return v
		}
	}
	if v := os.Getenv(string(common.HostEtcEnvKey)); v != "" {
		return v
	}
	return "/etc"
}

// osFamily maps gopsutil's OS name to the inventory's family.
func osFamily(goos string) string {
	switch goos {
	case "", "unknown":
		return ""
	}
	return strings.ToLower(goos)
}

// diskSize returns a disk's size from /sys/block/NAME/size (512-byte
// sectors), 0 when unknown.
func diskSize(ctx context.Context, name string) int64 {
	data, err := os.ReadFile(hostSys(ctx) + "/block/" + strings.ReplaceAll(name, "/", "!") + "/size")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		return 0
	}
	return n * 512
}

// nicSpeed returns an interface's link speed from /sys/class/net/NAME/speed
// (Mbit/s), 0 when unknown.
func nicSpeed(ctx context.Context, name string) float64 {
	data, err := os.ReadFile(hostSys(ctx) + "/class/net/" + name + "/speed")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(string(data)), 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n * 1e6
}

// SameInventory reports whether two inventories describe the same server
// configuration (UpdatedAt, notes and the calibration scores aside). The
// filesystems' used bytes change all the time: they count as the same while
// each filesystem's moved by at most fsUsedTolerance of its size, so that
// the inventory is rewritten when a filesystem filled or emptied markedly,
// not at every check.
func SameInventory(a, b model.Inventory) bool {
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	a.Notes, b.Notes = nil, nil
	a.CPUScorePerCore, b.CPUScorePerCore = 0, 0
	a.CPUScoreAllCores, b.CPUScoreAllCores = 0, 0
	a.CPUMHz, b.CPUMHz = 0, 0 // varies with frequency scaling
	if len(a.Filesystems) != len(b.Filesystems) {
		return false
	}
	a.Filesystems, b.Filesystems = slices.Clone(a.Filesystems), slices.Clone(b.Filesystems)
	for i := range a.Filesystems {
		fa, fb := &a.Filesystems[i], &b.Filesystems[i]
		if d := fa.UsedBytes - fb.UsedBytes; float64(max(d, -d)) > fsUsedTolerance*float64(max(fa.SizeBytes, fb.SizeBytes)) {
			return false
		}
		fa.UsedBytes, fb.UsedBytes = 0, 0
	}
	return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b)
}

// fsUsedTolerance is the share of a filesystem's size its used bytes may
// move by before SameInventory sees a change.
const fsUsedTolerance = 0.05
