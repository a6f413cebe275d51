package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"regexp"
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
	// Source is the file the catalog was read from ("" when parsed from
	// bytes); errors about an entry name it (Where).
	Source string `yaml:"-" json:"-"`
	// pos holds the lines of the entries and fields in the catalog's YAML
	// (nil for a catalog built in code).
	pos *catalogPos
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

// CheckUsable reports why host model h leaves nothing to pack in some
// resource under s (nil when every resource keeps some usable capacity):
// field is the catalog field at fault ("" when a ceiling is), and the
// error says its value and what takes it all, e.g. mem_bytes "512B is
// not more than the host reserve of 8GiB (host_reserve_mem_bytes)".
func (h HostSpec) CheckUsable(s Settings) (field string, err error) {
	usable := h.UsableCapacity(s)
	raw := h.RawCapacity(s)
	fields := [NumDims]string{"cores", "mem_bytes", "storage_iops", "storage_bytes_per_sec", "net_bytes_per_sec"}
	for d := Dim(0); d < NumDims; d++ {
		if usable[d] > 0 {
			continue
		}
		ceil := s.CeilingPct[d.String()]
		switch {
		case d == DimCPU && s.HostReserveCores >= float64(h.Cores):
			return fields[d], fmt.Errorf("%d cores are not more than the host reserve of %g cores (host_reserve_cores): no CPU is left for VMs", h.Cores, s.HostReserveCores)
		case d == DimMem && s.HostReserveMemBytes >= raw[d]:
			return fields[d], fmt.Errorf("%s is not more than the host reserve of %s (host_reserve_mem_bytes): no memory is left for VMs",
				FormatByteSize(raw[d]), FormatByteSize(s.HostReserveMemBytes))
		case !(ceil > 0):
			return "", fmt.Errorf("the %s ceiling is %g %%: nothing of it may be used", d, ceil)
		default:
			return fields[d], fmt.Errorf("%s capacity %g leaves nothing usable", d, raw[d])
		}
	}
	return "", nil
}

// FormatByteSize writes a byte count the way ParseByteSize reads it, in
// the unit that writes it exactly and shortest (binary units first on a
// tie): "8GiB", "1.5TiB", "800MB", "512B".
func FormatByteSize(v float64) string {
	best := strconv.FormatFloat(v, 'f', -1, 64) + "B"
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return best
	}
	for _, u := range []struct {
		name string
		mul  float64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}} {
		if math.Abs(v) < u.mul {
			continue
		}
		// At most three decimals, and only when they are exact.
		r := math.Round(v/u.mul*1000) / 1000
		if s := strconv.FormatFloat(r, 'f', -1, 64) + u.name; r*u.mul == v && len(s) < len(best) {
			best = s
		}
	}
	return best
}

// ReadCatalog reads and validates a host catalog file (YAML). An error
// names the file and, where it is known, the line: "hosts.yaml:12: ...".
func ReadCatalog(path string) (*Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseCatalog(data)
	if err != nil {
		var le *lineError
		if errors.As(err, &le) && le.line > 0 {
			return nil, fmt.Errorf("%s:%d: %w", path, le.line, le.err)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.Source = path
	return c, nil
}

// lineError is an error at a line of the catalog's YAML (0: unknown).
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string {
	if e.line <= 0 {
		return e.err.Error()
	}
	return fmt.Sprintf("line %d: %v", e.line, e.err)
}

func (e *lineError) Unwrap() error { return e.err }

// ParseCatalog decodes and validates a host catalog. Unknown fields are
// errors that suggest the closest known field ("did you mean mem_bytes?");
// errors start with the line of the field or entry ("line 12: ...").
func ParseCatalog(data []byte) (*Catalog, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("no hosts in catalog (empty file)")
		}
		return nil, explainYAMLError(err)
	}
	c.pos = catalogPositions(data)
	if len(c.Hosts) == 0 {
		return nil, errors.New("no hosts in catalog")
	}
	seen := map[string]bool{}
	for i, h := range c.Hosts {
		// at is the error of field f of this entry, at the field's line
		// (the entry's when the field is not written).
		where := fmt.Sprintf("hosts[%d]", i)
		at := func(f, format string, a ...any) error {
			return &lineError{c.pos.line("hosts", i, f), fmt.Errorf("%s: field %s: %s", where, f, fmt.Sprintf(format, a...))}
		}
		if h.Name == "" {
			return nil, at("name", "empty")
		}
		where = fmt.Sprintf("hosts[%d] (%s)", i, h.Name)
		if seen[h.Name] {
			return nil, at("name", "duplicate")
		}
		seen[h.Name] = true
		// The float checks are written so that NaN fails them (YAML .nan),
		// and infinities (.inf) are rejected explicitly.
		switch {
		case h.Cores <= 0:
			return nil, at("cores", "must be positive")
		case h.Threads < h.Cores:
			return nil, at("threads", "%d is less than cores %d", h.Threads, h.Cores)
		case !(h.CPUScorePerCore > 0) || math.IsInf(h.CPUScorePerCore, 0):
			return nil, at("cpu_score_per_core", "must be a positive number")
		case h.MemBytes <= 0:
			return nil, at("mem_bytes", "must be positive")
		case !(h.StorageIOPS > 0) || math.IsInf(h.StorageIOPS, 0):
			return nil, at("storage_iops", "must be a positive number")
		case h.StorageBytesPerSec <= 0:
			return nil, at("storage_bytes_per_sec", "must be positive")
		case h.NetBytesPerSec <= 0:
			return nil, at("net_bytes_per_sec", "must be positive")
		case !(h.Price >= 0) || math.IsInf(h.Price, 0):
			return nil, at("price", "must be a non-negative number")
		case !(h.Watts >= 0) || math.IsInf(h.Watts, 0):
			return nil, at("watts", "must be a non-negative number")
		case h.RackUnits < 0:
			return nil, at("rack_units", "must not be negative")
		case h.Sockets < 0:
			return nil, at("sockets", "must not be negative")
		case h.StorageBytes < 0:
			return nil, at("storage_bytes", "must not be negative")
		case h.StoragePool != "" && h.StorageBytes > 0:
			return nil, at("storage_pool", "a host keeps its VM disks either locally (storage_bytes) or in a pool, not both")
		case h.StoragePool != "" && !slices.ContainsFunc(c.StoragePools, func(p StoragePool) bool { return p.Name == h.StoragePool }):
			return nil, at("storage_pool", "%q is not in storage_pools", h.StoragePool)
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
		if p.Name == "" {
			where = fmt.Sprintf("storage_pools[%d]", i)
		}
		at := func(f, msg string) error {
			return &lineError{c.pos.line("storage_pools", i, f), fmt.Errorf("%s: field %s: %s", where, f, msg)}
		}
		switch {
		case p.Name == "":
			return at("name", "empty")
		case seen[p.Name]:
			return at("name", "duplicate")
		case p.CapacityBytes < 0:
			return at("capacity_bytes", "must not be negative")
		case !(p.IOPS >= 0) || math.IsInf(p.IOPS, 0):
			return at("iops", "must be a non-negative number")
		case p.BytesPerSec < 0:
			return at("bytes_per_sec", "must not be negative")
		case !(p.Price >= 0) || math.IsInf(p.Price, 0):
			return at("price", "must be a non-negative number")
		case p.Existing && p.Price > 0:
			return at("price", "an existing pool costs the plan nothing; drop price or existing")
		}
		seen[p.Name] = true
	}
	for i, l := range c.Licences {
		where := fmt.Sprintf("licences[%d] (%s)", i, l.Name)
		if l.Name == "" {
			where = fmt.Sprintf("licences[%d]", i)
		}
		at := func(f, msg string) error {
			return &lineError{c.pos.line("licences", i, f), fmt.Errorf("%s: field %s: %s", where, f, msg)}
		}
		switch {
		case l.Name == "":
			return at("name", "empty")
		case l.Per != "host" && l.Per != "socket" && l.Per != "core":
			return at("per", fmt.Sprintf("%q must be host, socket or core", l.Per))
		case l.CoresPerLicence < 0:
			return at("cores_per_licence", "must not be negative")
		case l.MinCoresPerHost < 0:
			return at("min_cores_per_host", "must not be negative")
		case !(l.PricePerYear >= 0) || math.IsInf(l.PricePerYear, 0):
			return at("price_per_year", "must be a non-negative number")
		}
	}
	return nil
}

// catalogPos holds the lines of a catalog's entries and of their fields,
// per list ("hosts", "storage_pools", "licences").
type catalogPos struct {
	lists map[string][]entryPos
}

// entryPos is the line of one list entry and of each of its fields.
type entryPos struct {
	line   int
	fields map[string]int
}

// catalogPositions indexes the lines of the catalog's entries (nil when
// the YAML does not parse as a mapping).
func catalogPositions(data []byte) *catalogPos {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	p := &catalogPos{lists: map[string][]entryPos{}}
	top := doc.Content[0]
	for k := 0; k+1 < len(top.Content); k += 2 {
		list := top.Content[k+1]
		if list.Kind != yaml.SequenceNode {
			continue
		}
		var entries []entryPos
		for _, e := range list.Content {
			ep := entryPos{line: e.Line, fields: map[string]int{}}
			if e.Kind == yaml.MappingNode {
				for f := 0; f+1 < len(e.Content); f += 2 {
					ep.fields[e.Content[f].Value] = e.Content[f].Line
				}
			}
			entries = append(entries, ep)
		}
		p.lists[top.Content[k].Value] = entries
	}
	return p
}

// line returns the line of field of entry i of list, else the entry's
// line, else 0.
func (p *catalogPos) line(list string, i int, field string) int {
	if p == nil || i < 0 || i >= len(p.lists[list]) {
		return 0
	}
	e := p.lists[list][i]
	if l, ok := e.fields[field]; ok {
		return l
	}
	return e.line
}

// Where returns where field of host model name is written: "FILE:LINE"
// for a catalog read from a file ("line N" when parsed from bytes, the
// entry's line when the field is not written), FILE alone when the line
// is unknown, "" for a catalog built in code or an unknown model.
func (c *Catalog) Where(name, field string) string {
	i := slices.IndexFunc(c.Hosts, func(h HostSpec) bool { return h.Name == name })
	line := 0
	if i >= 0 {
		line = c.pos.line("hosts", i, field)
	}
	switch {
	case line > 0 && c.Source != "":
		return fmt.Sprintf("%s:%d", c.Source, line)
	case line > 0:
		return fmt.Sprintf("line %d", line)
	}
	return c.Source
}

// yamlEntries names the catalog's YAML types, as yaml.v3 prints them in
// its errors, for the "unknown field" messages.
var yamlEntries = []struct {
	t    reflect.Type
	noun string
}{
	{reflect.TypeFor[Catalog](), "the catalog's top level"},
	{reflect.TypeFor[HostSpec](), "a host entry"},
	{reflect.TypeFor[StoragePool](), "a storage pool"},
	{reflect.TypeFor[Licence](), "a licence"},
}

var (
	reUnknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (\S+)$`)
	reYAMLLine     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
)

// explainYAMLError rewrites a decoder error into a lineError: an unknown
// field names the entry it is in and the closest known field ("did you
// mean mem_bytes?", else the known fields).
func explainYAMLError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) || len(te.Errors) == 0 {
		if m := reYAMLLine.FindStringSubmatch(err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1])
			return &lineError{n, errors.New(m[2])}
		}
		return err
	}
	var msgs []string
	line := 0
	for _, e := range te.Errors {
		msg := e
		if m := reUnknownField.FindStringSubmatch(e); m != nil {
			msg = "line " + m[1] + ": " + unknownField(m[2], m[3])
		}
		if m := reYAMLLine.FindStringSubmatch(msg); m != nil {
			if line == 0 {
				line, _ = strconv.Atoi(m[1])
				msg = m[2]
			}
		}
		msgs = append(msgs, msg)
	}
	return &lineError{line, errors.New(strings.Join(msgs, "; "))}
}

// unknownField describes the unknown field name of the YAML type typ.
func unknownField(name, typ string) string {
	for _, e := range yamlEntries {
		if e.t.String() != typ {
			continue
		}
		known := yamlFields(e.t)
		if s := SuggestName(name, known); s != "" {
			return fmt.Sprintf("field %s: not a field of %s; did you mean %s?", name, e.noun, s)
		}
		return fmt.Sprintf("field %s: not a field of %s (fields: %s)", name, e.noun, strings.Join(known, ", "))
	}
	return fmt.Sprintf("field %s: unknown (in %s)", name, typ)
}

// yamlFields returns the YAML names of t's fields in declaration order.
func yamlFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// SuggestName returns the entry of known closest to word (by edit
// distance, ignoring case), or "" when none is close enough to be what
// was meant: a distance of at most a third of word's length (at least 1),
// or one contains the other (words of 3 letters or more). Ties go to the
// earlier entry.
func SuggestName(word string, known []string) string {
	w := strings.ToLower(word)
	best, bestD := "", math.MaxInt
	for _, k := range known {
		lk := strings.ToLower(k)
		d := editDistance(w, lk)
		if d > max(1, len(w)/3) && !(len(w) >= 3 && (strings.Contains(lk, w) || strings.Contains(w, lk))) {
			continue
		}
		if d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the edit distance of a and b, by bytes: insertions,
// deletions, substitutions and swaps of two neighbours ("plna" is one
// edit from "plan") each count 1 (optimal string alignment).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
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
