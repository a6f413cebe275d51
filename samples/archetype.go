package samples

import (
	"math/rand/v2"

	"github.com/kvmfit/kvmfit/model"
)

// Archetype is one kind of legacy physical server the generator models.
type Archetype struct {
	// Name is the short name used in --help and in each server's Notes
	// ("synthetic: archetype sql").
	Name string
	// Hostname is the host name prefix: servers are called Hostname01, 02, ...
	Hostname string
	// Description is a one-line summary of the workload.
	Description string
}

// Archetypes lists the modelled server kinds in the order the first servers
// of a fleet use them: a fleet of six or more servers holds every archetype.
// It is a copy for documentation; changing it does not change the generator.
var Archetypes = func() []Archetype {
	out := make([]Archetype, len(archetypes))
	for i, a := range archetypes {
		out[i] = a.Archetype
	}
	return out
}()

// archetype is an Archetype with what the generator needs to simulate it.
type archetype struct {
	Archetype
	// weight is the share of servers beyond the first len(archetypes).
	weight float64
	// spikesPerDay is the mean number of 20–60 s CPU spikes per day.
	spikesPerDay float64
	// memFrac is the range of the steady share of memory in use.
	memFrac [2]float64
	// hardware lists the configurations to draw from; the first server of
	// the archetype always gets hardware[0].
	hardware []hardware
	// level returns the workload level at one interval.
	level func(s *server, c *clock) level
	// dataFull is the range of the share of the data filesystems in use
	// when the inventory is taken (see storage.go).
	dataFull [2]float64
	// dataGrowth makes a data filesystem's use move over time.
	dataGrowth func(v *volume, s *server, rng *rand.Rand)
}

// archetypes is the generator's table. Index order is the order of the first
// servers of every fleet.
var archetypes = []archetype{
	{
		Archetype: Archetype{Name: "file", Hostname: "fs",
			Description: "file/print server: office hours Mon–Fri 08–18 UTC, CPU 2–10 %, moderate disk reads, memory steady ~60 %"},
		weight: 0.24, spikesPerDay: 1.5, memFrac: [2]float64{0.55, 0.65}, level: fileLevel,
		dataFull: [2]float64{0.50, 0.85}, dataGrowth: fileGrowth,
		hardware: []hardware{
			{cpu: cpuE5520, memGiB: 16, os: win2008r2, watts: 260, disks: winDisks(146, 2400), nics: nics(win2008r2, 2, 1), diskMaxMBps: 250},
			{cpu: cpuE5450, memGiB: 8, os: win2008r2, watts: 280, disks: winDisks(146, 1200), nics: nics(win2008r2, 2, 1), diskMaxMBps: 180},
			{cpu: cpuE52620, memGiB: 32, os: win2012r2, watts: 240, disks: winDisks(300, 4800), nics: nics(win2012r2, 2, 1), diskMaxMBps: 350},
			{cpu: cpuE52620v3, memGiB: 24, os: win2016, watts: 220, disks: winDisks(300, 8000), nics: nics(win2016, 2, 1), diskMaxMBps: 400},
			{cpu: cpuE5620, memGiB: 12, os: rhel6, watts: 250, disks: linuxDisks(146, 2400), nics: nics(rhel6, 2, 1), diskMaxMBps: 250},
		},
	},
	{
		Archetype: Archetype{Name: "web", Hostname: "web",
			Description: "web front end: daily cycle peaking at 19:00 UTC, network-heavy, low memory; web01 leaks memory (~1.2 %/day)"},
		weight: 0.30, spikesPerDay: 2, memFrac: [2]float64{0.28, 0.38}, level: webLevel,
		dataFull: [2]float64{0.20, 0.50}, dataGrowth: webGrowth,
		hardware: []hardware{
			{cpu: cpuE52620, memGiB: 16, os: centos6, watts: 230, disks: linuxDisks(300), nics: nics(centos6, 2, 1), diskMaxMBps: 200},
			{cpu: cpuE52620v3, memGiB: 32, os: rhel7, watts: 210, disks: linuxDisks(300), nics: nics(rhel7, 2, 1), diskMaxMBps: 250},
			{cpu: cpuE52620, memGiB: 16, os: win2012r2, watts: 230, disks: winDisks(300), nics: nics(win2012r2, 2, 1), diskMaxMBps: 200},
			{cpu: cpuE5450, memGiB: 8, os: rhel5, watts: 270, disks: linuxDisks(146), nics: nics(rhel5, 2, 1), diskMaxMBps: 150},
			{cpu: cpuX5650, memGiB: 24, os: rhel6, watts: 280, disks: linuxDisks(300), nics: nics(rhel6, 2, 1), diskMaxMBps: 200},
		},
	},
	{
		Archetype: Archetype{Name: "sql", Hostname: "sql",
			Description: "SQL database: nightly batch 01–03 UTC at 60–90 % CPU with heavy disk, moderate days, month-end peaks, buffer pool holds ~90 % of memory"},
		weight: 0.10, spikesPerDay: 1, memFrac: [2]float64{0.88, 0.92}, level: sqlLevel,
		dataFull: [2]float64{0.40, 0.70}, dataGrowth: sqlGrowth,
		hardware: []hardware{
			{cpu: cpuE52650v2, memGiB: 128, os: win2012r2, watts: 420, disks: winDisks(300, 1800, 3600), nics: nics(win2012r2, 2, 1), diskMaxMBps: 600},
			{cpu: cpuE52630v4, memGiB: 128, os: win2016, watts: 380, disks: winDisks(480, 3840), nics: nics(win2016, 2, 10), diskMaxMBps: 900},
			{cpu: cpuX5650, memGiB: 96, os: win2008r2, watts: 400, disks: winDisks(146, 1200, 2400), nics: nics(win2008r2, 2, 1), diskMaxMBps: 450},
			{cpu: cpuE52620, memGiB: 64, os: rhel6, watts: 360, disks: linuxDisks(300, 2400), nics: nics(rhel6, 2, 1), diskMaxMBps: 450},
		},
	},
	{
		Archetype: Archetype{Name: "mail", Hostname: "mail",
			Description: "mail server: business hours with a 09:00 UTC morning peak, night store maintenance, memory steady ~85 %, moderate network"},
		weight: 0.09, spikesPerDay: 2, memFrac: [2]float64{0.82, 0.88}, level: mailLevel,
		dataFull: [2]float64{0.40, 0.70}, dataGrowth: mailGrowth,
		hardware: []hardware{
			{cpu: cpuX5650, memGiB: 48, os: win2008r2ent, watts: 330, disks: winDisks(146, 3600), nics: nics(win2008r2ent, 2, 1), diskMaxMBps: 350},
			{cpu: cpuE52650v2, memGiB: 64, os: win2012r2, watts: 360, disks: winDisks(300, 4800), nics: nics(win2012r2, 2, 1), diskMaxMBps: 450},
			{cpu: cpuE5620, memGiB: 16, os: rhel6, watts: 260, disks: linuxDisks(146, 1200), nics: nics(rhel6, 2, 1), diskMaxMBps: 250},
		},
	},
	{
		Archetype: Archetype{Name: "dc", Hostname: "dc",
			Description: "domain controller (AD, DNS, DHCP): near idle at 1–3 % CPU, 08:15 UTC logon bump, small memory"},
		weight: 0.17, spikesPerDay: 1, memFrac: [2]float64{0.35, 0.45}, level: dcLevel,
		dataFull: [2]float64{0.05, 0.25}, dataGrowth: dcGrowth,
		hardware: []hardware{
			{cpu: cpuE31220v3, memGiB: 8, os: win2012r2, watts: 150, disks: winDisks(500), nics: nics(win2012r2, 2, 1), diskMaxMBps: 150},
			{cpu: cpuE5450, memGiB: 8, os: win2008r2, watts: 240, disks: winDisks(146), nics: nics(win2008r2, 2, 1), diskMaxMBps: 150},
			{cpu: cpuE52620v3, memGiB: 16, os: win2016, watts: 180, disks: winDisks(300), nics: nics(win2016, 2, 1), diskMaxMBps: 200},
		},
	},
	{
		Archetype: Archetype{Name: "backup", Hostname: "bkp",
			Description: "backup server: heavy disk writes and network receive 22:00–05:00 UTC (full backups Fri and Sat nights), copy to tape 05–07, quiet days"},
		weight: 0.10, spikesPerDay: 0, memFrac: [2]float64{0.45, 0.55}, level: backupLevel,
		dataFull: [2]float64{0.50, 0.85}, dataGrowth: backupGrowth,
		hardware: []hardware{
			{cpu: cpuE52620v3, memGiB: 32, os: win2012r2, watts: 380, disks: winDisks(300, 24000), nics: nics(win2012r2, 2, 10), diskMaxMBps: 800},
			{cpu: cpuE5620, memGiB: 16, os: rhel6, watts: 350, disks: linuxDisks(146, 12000), nics: nics(rhel6, 2, 10), diskMaxMBps: 500},
		},
	},
}

// cpuModel is one Xeon generation of the legacy fleet.
type cpuModel struct {
	name           string
	sockets, cores int // cores per socket
	ht             bool
	mhz            float64
	// score is the single-core score relative to the reference core (1000 =
	// a 2.6 GHz Xeon E5-2650 v2 core of 2013), estimated from per-core
	// SPECint results of each generation.
	score float64
}

var (
	cpuE5450    = cpuModel{"Intel(R) Xeon(R) CPU E5450 @ 3.00GHz", 2, 4, false, 3000, 700}
	cpuE5520    = cpuModel{"Intel(R) Xeon(R) CPU E5520 @ 2.27GHz", 2, 4, true, 2267, 720}
	cpuE5620    = cpuModel{"Intel(R) Xeon(R) CPU E5620 @ 2.40GHz", 2, 4, true, 2400, 760}
	cpuX5650    = cpuModel{"Intel(R) Xeon(R) CPU X5650 @ 2.67GHz", 2, 6, true, 2667, 850}
	cpuE52620   = cpuModel{"Intel(R) Xeon(R) CPU E5-2620 0 @ 2.00GHz", 2, 6, true, 2000, 820}
	cpuE52650v2 = cpuModel{"Intel(R) Xeon(R) CPU E5-2650 v2 @ 2.60GHz", 2, 8, true, 2600, 1000}
	cpuE31220v3 = cpuModel{"Intel(R) Xeon(R) CPU E3-1220 v3 @ 3.10GHz", 1, 4, false, 3100, 1150}
	cpuE52620v3 = cpuModel{"Intel(R) Xeon(R) CPU E5-2620 v3 @ 2.40GHz", 2, 6, true, 2400, 1050}
	cpuE52630v4 = cpuModel{"Intel(R) Xeon(R) CPU E5-2630 v4 @ 2.20GHz", 2, 10, true, 2200, 1150}
)

// osInfo is an operating system release.
type osInfo struct {
	name, family string
	// shellCollector is true for kernels older than 3.2, which the Go
	// collector does not support: the POSIX-shell collector writes no CPU
	// calibration score, so the planner falls back to MHz.
	shellCollector bool
	// fsType is the release's default filesystem.
	fsType string
}

var (
	win2008r2    = osInfo{"Windows Server 2008 R2 Standard", "windows", false, "NTFS"}
	win2008r2ent = osInfo{"Windows Server 2008 R2 Enterprise", "windows", false, "NTFS"}
	win2012r2    = osInfo{"Windows Server 2012 R2 Standard", "windows", false, "NTFS"}
	win2016      = osInfo{"Windows Server 2016 Standard", "windows", false, "NTFS"}
	rhel5        = osInfo{"Red Hat Enterprise Linux Server release 5.11 (Tikanga)", "linux", true, "ext3"}
	rhel6        = osInfo{"Red Hat Enterprise Linux Server release 6.10 (Santiago)", "linux", true, "ext4"}
	rhel7        = osInfo{"Red Hat Enterprise Linux Server release 7.9 (Maipo)", "linux", false, "xfs"}
	centos6      = osInfo{"CentOS release 6.10 (Final)", "linux", true, "ext4"}
)

// hardware is one server configuration.
type hardware struct {
	cpu    cpuModel
	memGiB int64
	os     osInfo
	// watts is the typical draw at the fleet's low utilisation.
	watts float64
	disks []model.Disk
	nics  []model.NIC
	// diskMaxMBps caps the disk throughput the RAID controller delivers.
	diskMaxMBps float64
}

// winDisks returns Windows physical drives of the given sizes in GB.
func winDisks(gb ...int64) []model.Disk {
	return disks("PhysicalDrive", 0, gb)
}

// linuxDisks returns sda, sdb, ... of the given sizes in GB.
func linuxDisks(gb ...int64) []model.Disk {
	return disks("sd", 'a', gb)
}

func disks(prefix string, letter byte, gb []int64) []model.Disk {
	out := make([]model.Disk, len(gb))
	for i, g := range gb {
		name := prefix + string(rune('0'+i))
		if letter != 0 {
			name = prefix + string(rune(letter+byte(i)))
		}
		out[i] = model.Disk{Name: name, SizeBytes: g * 1e9}
	}
	return out
}

// nics returns n interfaces of gbit Gbit/s named as os names them.
func nics(os osInfo, n int, gbit float64) []model.NIC {
	out := make([]model.NIC, n)
	for i := range out {
		var name string
		switch {
		case os.family == "linux":
			name = "eth" + string(rune('0'+i))
		case os == win2008r2 || os == win2008r2ent:
			name = "Local Area Connection"
		default:
			name = "Ethernet"
		}
		if os.family == "windows" && i > 0 {
			name += " " + string(rune('1'+i))
		}
		out[i] = model.NIC{Name: name, SpeedBitsPerSec: gbit * 1e9}
	}
	return out
}
