package model

import "time"

// FormatVersion is the dataset format version written by this build. Readers
// accept any version up to and including it.
const FormatVersion = 1

// Inventory describes one server. It is stored as inventory.json in the
// server's directory (docs/format.md). Zero values mean "not known".
type Inventory struct {
	FormatVersion int    `json:"format_version"`
	Hostname      string `json:"hostname"`
	// MachineID identifies the machine across host renames and data
	// sources when the source knows it (/etc/machine-id, Windows
	// MachineGuid, an nmon serial number); "" = unknown.
	MachineID string `json:"machine_id,omitempty"`
	// TimeZone is the zone the source's local timestamps were read in: an
	// IANA name ("Europe/Berlin", "UTC") or, when the source gives only a
	// fixed offset (a perfmon header), "UTC+01:00"; "" when the source
	// writes UTC or epoch times. TimeZoneAssumed is true when nobody said
	// which zone the times were in and the importer assumed TimeZone.
	TimeZone        string `json:"time_zone,omitempty"`
	TimeZoneAssumed bool   `json:"time_zone_assumed,omitempty"`
	// OS is the operating system as reported ("Windows Server 2008 R2", "CentOS 5.11").
	OS string `json:"os,omitempty"`
	// OSFamily is "linux", "windows", "aix", ... (used to group KSM savings).
	OSFamily string `json:"os_family,omitempty"`
	CPUModel string `json:"cpu_model,omitempty"`
	Sockets  int    `json:"sockets,omitempty"`
	// Cores is the number of physical cores (vCPUs for a VM) in the whole server.
	Cores int `json:"cores,omitempty"`
	// Threads is the number of logical CPUs; Threads > Cores means hyper-threading.
	Threads int     `json:"threads,omitempty"`
	CPUMHz  float64 `json:"cpu_mhz,omitempty"`
	// CPUScorePerCore is the single-core calibration score (kvmfit bench), 0 if unknown.
	CPUScorePerCore float64 `json:"cpu_score_per_core,omitempty"`
	// CPUScoreAllCores is the all-core calibration score, 0 if unknown.
	CPUScoreAllCores float64 `json:"cpu_score_all_cores,omitempty"`
	MemTotalBytes    int64   `json:"mem_total_bytes,omitempty"`
	Disks            []Disk  `json:"disks,omitempty"`
	// Filesystems are the local filesystems or volumes (Linux mounts,
	// Windows drive letters, AIX JFS), with their size and used bytes when
	// the inventory was taken. Network and pseudo filesystems are left out.
	Filesystems []Filesystem `json:"filesystems,omitempty"`
	NICs        []NIC        `json:"nics,omitempty"`
	// IsVM is true when the server is itself a virtual machine.
	IsVM       bool   `json:"is_vm"`
	Hypervisor string `json:"hypervisor,omitempty"`
	// Source says where the data came from: "kvmfit-collect", "import:bitbrains", ...
	Source string `json:"source"`
	// SourceFiles lists the input files an importer read, as given.
	SourceFiles []string `json:"source_files,omitempty"`
	// Watts is the measured or nameplate power draw of the server, 0 if unknown.
	Watts float64 `json:"watts,omitempty"`
	// UpdatedAt is when this inventory was taken (UTC).
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Truncated lists the inputs that ended early, each as "FILE: where"
	// (a truncated sa or nmon file, a sar text cut inside a line): the
	// samples before the cut were kept; the plan says so.
	Truncated []string `json:"truncated,omitempty"`
	// Notes are free-form remarks from the collector or importer
	// (for example which fields a source could not fill).
	Notes []string `json:"notes,omitempty"`
}

// Disk is one physical disk or LUN.
type Disk struct {
	Name      string `json:"name"`
	SizeBytes int64  `json:"size_bytes,omitempty"`
}

// Filesystem is one local filesystem or volume.
type Filesystem struct {
	// Mount is the mount point or drive ("/", "/var", "C:").
	Mount string `json:"mount"`
	// Device is the block device or volume behind it ("/dev/sda1").
	Device string `json:"device,omitempty"`
	// FSType is the filesystem type ("ext4", "xfs", "NTFS", "jfs2").
	FSType    string `json:"fs_type,omitempty"`
	SizeBytes int64  `json:"size_bytes,omitempty"`
	UsedBytes int64  `json:"used_bytes,omitempty"`
}

// NIC is one network interface.
type NIC struct {
	Name            string  `json:"name"`
	SpeedBitsPerSec float64 `json:"speed_bits_per_sec,omitempty"`
}

// VCPUs is the vCPU count of the server's future VM: its logical CPUs today
// (Threads, else Cores), what a P2V conversion gives it; 0 when the
// inventory knows neither.
func (inv Inventory) VCPUs() int { return max(inv.Threads, inv.Cores) }

// StorageUsedBytes is the used bytes of the server's filesystems, summed;
// ok is false when the inventory lists no filesystem with a size.
func (inv Inventory) StorageUsedBytes() (used int64, ok bool) {
	for _, f := range inv.Filesystems {
		if f.SizeBytes > 0 {
			used += f.UsedBytes
			ok = true
		}
	}
	return used, ok
}

// StorageSizeBytes is the provisioned storage of the server: its disks'
// sizes summed, else its filesystems' sizes summed; 0 when unknown.
func (inv Inventory) StorageSizeBytes() int64 {
	var disks, fs int64
	for _, d := range inv.Disks {
		disks += d.SizeBytes
	}
	for _, f := range inv.Filesystems {
		fs += f.SizeBytes
	}
	if disks > 0 {
		return disks
	}
	return fs
}
