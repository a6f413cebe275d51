package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// HostSpec is one candidate KVM host model from the catalog (samples/hosts.yaml).
type HostSpec struct {
	Name  string `yaml:"name" json:"name"`
	Cores int    `yaml:"cores" json:"cores"`
	// Threads is the number of logical CPUs; Threads > Cores means hyper-threading.
	Threads int `yaml:"threads" json:"threads"`
	// CPUScorePerCore is the single-core score measured by `kvmfit bench`
	// (ReferenceCoreScore = one reference core).
	CPUScorePerCore    float64  `yaml:"cpu_score_per_core" json:"cpu_score_per_core"`
	MemBytes           ByteSize `yaml:"mem_bytes" json:"mem_bytes"`
	StorageIOPS        float64  `yaml:"storage_iops" json:"storage_iops"`
	StorageBytesPerSec ByteSize `yaml:"storage_bytes_per_sec" json:"storage_bytes_per_sec"`
	NetBytesPerSec     ByteSize `yaml:"net_bytes_per_sec" json:"net_bytes_per_sec"`
	Price              float64  `yaml:"price" json:"price"`
	Watts              float64  `yaml:"watts" json:"watts"`
	RackUnits          int      `yaml:"rack_units" json:"rack_units"`
	Description        string   `yaml:"description" json:"description,omitempty"`
	// Sockets is the number of CPU sockets (per-socket licences); 0 = 1.
	Sockets int `yaml:"sockets" json:"sockets,omitempty"`
	// StorageBytes is the usable capacity of the host's local VM storage
	// after RAID (e.g. 8 × 3.84 TB in RAID 10 = 15.36 TB). 0 = no local VM
	// storage: StoragePool must name the shared pool the VMs' disks live on.
	StorageBytes ByteSize `yaml:"storage_bytes" json:"storage_bytes,omitempty"`
	// StoragePool names the catalog's shared storage pool (SAN, NAS, Ceph)
	// that holds this host's VM disks; "" = local storage.
	StoragePool string `yaml:"storage_pool" json:"storage_pool,omitempty"`
	// PriceIncludes and PriceExcludes say what Price covers, so that
	// candidates whose prices cover different things are never compared
	// silently ("3-year NBD support, local NVMe"; "the SAN array").
	PriceIncludes string `yaml:"price_includes" json:"price_includes,omitempty"`
	PriceExcludes string `yaml:"price_excludes" json:"price_excludes,omitempty"`
}

// Catalog is the set of candidate host models.
type Catalog struct {
	Currency string     `yaml:"currency" json:"currency"`
	Hosts    []HostSpec `yaml:"hosts" json:"hosts"`
	// StoragePools are shared storage pools that hosts may keep their VM
	// disks on (HostSpec.StoragePool).
	StoragePools []StoragePool `yaml:"storage_pools" json:"storage_pools,omitempty"`
	// Licences are software costs per host, socket or core that every
	// candidate pays (hypervisor subscriptions, guest OS datacenter
	// licences): they can decide between fewer large and more small hosts.
	Licences []Licence `yaml:"licences" json:"licences,omitempty"`
}

// StoragePool is a shared storage array or cluster.
type StoragePool struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
	// CapacityBytes is the usable capacity after RAID that the plan may
	// use (0 = unknown: the plan only reports what it needs).
	CapacityBytes ByteSize `yaml:"capacity_bytes" json:"capacity_bytes,omitempty"`
	// IOPS and BytesPerSec are what the pool can give the plan's VMs
	// (0 = unknown).
	IOPS        float64  `yaml:"iops" json:"iops,omitempty"`
	BytesPerSec ByteSize `yaml:"bytes_per_sec" json:"bytes_per_sec,omitempty"`
	// Existing is true for an array that is already owned: it costs the
	// plan nothing. Otherwise Price is its one-off price; a new pool with
	// no price makes every candidate that uses it say that its cost
	// excludes the array.
	Existing      bool    `yaml:"existing" json:"existing"`
	Price         float64 `yaml:"price" json:"price"`
	PriceIncludes string  `yaml:"price_includes" json:"price_includes,omitempty"`
	PriceExcludes string  `yaml:"price_excludes" json:"price_excludes,omitempty"`
}

// Licence is a software cost that every host of a candidate pays.
type Licence struct {
	Name string `yaml:"name" json:"name"`
	// Per is what one licence covers: "host", "socket" or "core".
	Per string `yaml:"per" json:"per"`
	// CoresPerLicence is the pack size of a per-core licence (e.g. 2 for
	// core pairs); 0 = 1.
	CoresPerLicence int `yaml:"cores_per_licence" json:"cores_per_licence,omitempty"`
	// MinCoresPerHost is the fewest cores licensed per host (e.g. 16 for
	// Windows Server Datacenter); 0 = none.
	MinCoresPerHost int `yaml:"min_cores_per_host" json:"min_cores_per_host,omitempty"`
	// PricePerYear is the price of one licence for one year, in the
	// catalog's currency; the plan pays it for Settings.Years.
	PricePerYear float64 `yaml:"price_per_year" json:"price_per_year"`
}

// Count returns how many licences l one host of model h needs.
func (l Licence) Count(h HostSpec) int {
	switch l.Per {
	case "socket":
		return max(h.Sockets, 1)
	case "core":
		cores := max(h.Cores, l.MinCoresPerHost)
		pack := max(l.CoresPerLicence, 1)
		return (cores + pack - 1) / pack
	default:
		return 1
	}
}

// LicenceCostPerHostYear is what the catalog's licences cost for one host
// of model h for one year.
func (c *Catalog) LicenceCostPerHostYear(h HostSpec) float64 {
	sum := 0.0
	for _, l := range c.Licences {
		sum += float64(l.Count(h)) * l.PricePerYear
	}
	return sum
}

// Pool returns the storage pool of host model h; ok is false for a
// local-storage host.
func (c *Catalog) Pool(h HostSpec) (StoragePool, bool) {
	if h.StoragePool == "" {
		return StoragePool{}, false
	}
	for _, p := range c.StoragePools {
		if p.Name == h.StoragePool {
			return p, true
		}
	}
	return StoragePool{}, false
}

// Find returns the host model called name.
func (c *Catalog) Find(name string) (HostSpec, bool) {
	for _, h := range c.Hosts {
		if h.Name == name {
			return h, true
		}
	}
	return HostSpec{}, false
}

// Names returns the host model names in catalog order.
func (c *Catalog) Names() []string {
	var n []string
	for _, h := range c.Hosts {
		n = append(n, h.Name)
	}
	return n
}

// CPUCoresRef returns the host's CPU capacity in reference cores:
// cores × (HTFactor if hyper-threaded, else 1) × score per core / reference score.
func (h HostSpec) CPUCoresRef(s Settings) float64 {
	ht := 1.0
	if h.Threads > h.Cores {
		ht = s.HTFactor
	}
	return float64(h.Cores) * ht * h.CPUScorePerCore / s.ReferenceCoreScore
}

// RawCapacity returns the host's capacity per dimension before reserve and ceilings.
func (h HostSpec) RawCapacity(s Settings) Capacity {
	var c Capacity
	c[DimCPU] = h.CPUCoresRef(s)
	c[DimMem] = float64(h.MemBytes)
	c[DimDiskIOPS] = h.StorageIOPS
	c[DimDiskBytes] = float64(h.StorageBytesPerSec)
	c[DimNetBytes] = float64(h.NetBytesPerSec)
	return c
}

// UsableCapacity returns what the packer may fill: the raw capacity less the
// host reserve (CPU and memory), times the ceiling of each dimension.
func (h HostSpec) UsableCapacity(s Settings) Capacity {
	c := h.RawCapacity(s)
	refPerCore := c[DimCPU] / math.Max(float64(h.Cores), 1)
	c[DimCPU] -= s.HostReserveCores * refPerCore
	c[DimMem] -= s.HostReserveMemBytes
	for d := Dim(0); d < NumDims; d++ {
		c[d] = math.Max(c[d], 0) * s.CeilingPct[d.String()] / 100
	}
	return c
}

// ReadCatalog reads and validates a host catalog file (YAML).
func ReadCatalog(path string) (*Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseCatalog(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseCatalog decodes and validates a host catalog. Unknown fields are errors.
func ParseCatalog(data []byte) (*Catalog, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("no hosts in catalog (empty file)")
		}
		return nil, err
	}
	if len(c.Hosts) == 0 {
		return nil, errors.New("no hosts in catalog")
	}
	seen := map[string]bool{}
	for i, h := range c.Hosts {
		where := fmt.Sprintf("hosts[%d]", i)
		if h.Name == "" {
			return nil, fmt.Errorf("%s: field name: empty", where)
		}
		where = fmt.Sprintf("hosts[%d] (%s)", i, h.Name)
		if seen[h.Name] {
			return nil, fmt.Errorf("%s: field name: duplicate", where)
		}
		seen[h.Name] = true
		// The float checks are written so that NaN fails them (YAML .nan),
		// and infinities (.inf) are rejected explicitly.
		switch {
		case h.Cores <= 0:
			return nil, fmt.Errorf("%s: field cores: must be positive", where)
		case h.Threads < h.Cores:
			return nil, fmt.Errorf("%s: field threads: %d is less than cores %d", where, h.Threads, h.Cores)
		case !(h.CPUScorePerCore > 0) || math.IsInf(h.CPUScorePerCore, 0):
			return nil, fmt.Errorf("%s: field cpu_score_per_core: must be a positive number", where)
		case h.MemBytes <= 0:
			return nil, fmt.Errorf("%s: field mem_bytes: must be positive", where)
		case !(h.StorageIOPS > 0) || math.IsInf(h.StorageIOPS, 0):
			return nil, fmt.Errorf("%s: field storage_iops: must be a positive number", where)
		case h.StorageBytesPerSec <= 0:
			return nil, fmt.Errorf("%s: field storage_bytes_per_sec: must be positive", where)
		case h.NetBytesPerSec <= 0:
			return nil, fmt.Errorf("%s: field net_bytes_per_sec: must be positive", where)
		case !(h.Price >= 0) || math.IsInf(h.Price, 0):
			return nil, fmt.Errorf("%s: field price: must be a non-negative number", where)
		case !(h.Watts >= 0) || math.IsInf(h.Watts, 0):
			return nil, fmt.Errorf("%s: field watts: must be a non-negative number", where)
		case h.RackUnits < 0:
			return nil, fmt.Errorf("%s: field rack_units: must not be negative", where)
		case h.Sockets < 0:
			return nil, fmt.Errorf("%s: field sockets: must not be negative", where)
		case h.StorageBytes < 0:
			return nil, fmt.Errorf("%s: field storage_bytes: must not be negative", where)
		case h.StoragePool != "" && h.StorageBytes > 0:
			return nil, fmt.Errorf("%s: field storage_pool: a host keeps its VM disks either locally (storage_bytes) or in a pool, not both", where)
		case h.StoragePool != "" && !slices.ContainsFunc(c.StoragePools, func(p StoragePool) bool { return p.Name == h.StoragePool }):
			return nil, fmt.Errorf("%s: field storage_pool: %q is not in storage_pools", where, h.StoragePool)
		}
	}
	if err := c.checkPoolsAndLicences(); err != nil {
		return nil, err
	}
	return &c, nil
}

// checkPoolsAndLicences validates the catalog's storage pools and licences.
func (c *Catalog) checkPoolsAndLicences() error {
	seen := map[string]bool{}
	for i, p := range c.StoragePools {
		where := fmt.Sprintf("storage_pools[%d] (%s)", i, p.Name)
		switch {
		case p.Name == "":
			return fmt.Errorf("storage_pools[%d]: field name: empty", i)
		case seen[p.Name]:
			return fmt.Errorf("%s: field name: duplicate", where)
		case p.CapacityBytes < 0:
			return fmt.Errorf("%s: field capacity_bytes: must not be negative", where)
		case !(p.IOPS >= 0) || math.IsInf(p.IOPS, 0):
			return fmt.Errorf("%s: field iops: must be a non-negative number", where)
		case p.BytesPerSec < 0:
			return fmt.Errorf("%s: field bytes_per_sec: must not be negative", where)
		case !(p.Price >= 0) || math.IsInf(p.Price, 0):
			return fmt.Errorf("%s: field price: must be a non-negative number", where)
		case p.Existing && p.Price > 0:
			return fmt.Errorf("%s: field price: an existing pool costs the plan nothing; drop price or existing", where)
		}
		seen[p.Name] = true
	}
	for i, l := range c.Licences {
		where := fmt.Sprintf("licences[%d] (%s)", i, l.Name)
		switch {
		case l.Name == "":
			return fmt.Errorf("licences[%d]: field name: empty", i)
		case l.Per != "host" && l.Per != "socket" && l.Per != "core":
			return fmt.Errorf("%s: field per: %q must be host, socket or core", where, l.Per)
		case l.CoresPerLicence < 0:
			return fmt.Errorf("%s: field cores_per_licence: must not be negative", where)
		case l.MinCoresPerHost < 0:
			return fmt.Errorf("%s: field min_cores_per_host: must not be negative", where)
		case !(l.PricePerYear >= 0) || math.IsInf(l.PricePerYear, 0):
			return fmt.Errorf("%s: field price_per_year: must be a non-negative number", where)
		}
	}
	return nil
}

// ByteSize is a number of bytes. In YAML it is an integer or a string with a
// unit: "512GiB", "1.5TB", "10Gbit" (bits are divided by 8), "800MB".
type ByteSize int64

var byteUnits = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	"kbit": 1e3 / 8, "mbit": 1e6 / 8, "gbit": 1e9 / 8,
}

// ParseByteSize parses "512GiB", "10Gbit", "1e9" and the like.
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] == '.' || t[i] == 'e' && i > 0 && i+1 < len(t) && (t[i+1] >= '0' && t[i+1] <= '9') || t[i] >= '0' && t[i] <= '9') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	unit = strings.TrimSuffix(unit, "/s")
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("byte size %q: not a number", s)
	}
	mul, ok := byteUnits[unit]
	if !ok {
		units := make([]string, 0, len(byteUnits))
		for u := range byteUnits {
			if u != "" {
				units = append(units, u)
			}
		}
		sort.Strings(units)
		return 0, fmt.Errorf("byte size %q: unknown unit %q (known: %s)", s, unit, strings.Join(units, ", "))
	}
	v := math.Round(f * mul)
	// 2^63 is the first float64 beyond int64; converting it or more to
	// int64 is undefined (it gives a negative size on amd64).
	if !(v < 1<<63) {
		return 0, fmt.Errorf("byte size %q: too large", s)
	}
	return ByteSize(v), nil
}

// UnmarshalYAML accepts an integer or a string with a unit.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: expected a byte size", n.Line)
	}
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*b = v
	return nil
}

// TargetCoreScore is the single-core score a plan caps every VM's CPU
// demand with (Settings.TargetCoreScore): that of hostType when it is set,
// else the fastest model's, so that no candidate is sized below what a VM
// could use on it.
func (c *Catalog) TargetCoreScore(hostType string) float64 {
	best := 0.0
	for _, h := range c.Hosts {
		if hostType != "" && h.Name == hostType {
			return h.CPUScorePerCore
		}
		best = max(best, h.CPUScorePerCore)
	}
	return best
}
