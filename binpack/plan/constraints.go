package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/kvmfit/kvmfit/model"
	"gopkg.in/yaml.v3"
)

// Constraints are the placement rules of a plan, read from a YAML file
// (docs/constraints.md) by ParseConstraints.
type Constraints struct {
	// AntiAffinity groups: no two servers of a group on one host (e.g. the
	// two nodes of a cluster).
	AntiAffinity []Group `yaml:"anti_affinity" json:"anti_affinity"`
	// Affinity groups: all servers of a group on one host (e.g. an
	// application and its database that talk all day).
	Affinity []Group `yaml:"affinity" json:"affinity"`
	// Pin maps a server to a host name: an existing host (fixed-fleet mode)
	// or the name of a new host, which the servers pinned to it share.
	Pin map[string]string `yaml:"pin" json:"pin"`
	// MaxVMsPerHost limits the servers per host (0: no limit).
	MaxVMsPerHost int `yaml:"max_vms_per_host" json:"max_vms_per_host"`
	// VCPUPerPCPU limits the vCPU overcommit: the servers' vCPUs on a host
	// at most this many times its physical cores less the reserved cores
	// (0: no limit).
	VCPUPerPCPU float64 `yaml:"vcpu_per_pcpu" json:"vcpu_per_pcpu"`
	// CeilingPct overrides the utilisation ceiling of some resources, in
	// percent (cpu, mem, disk_iops, disk_bytes, net_bytes).
	CeilingPct map[string]float64 `yaml:"ceiling_pct" json:"ceiling_pct,omitempty"`

	lines map[string]int // "pin:<server>", "anti_affinity:<i>:<server>", ...
}

// Group is a named set of servers.
type Group struct {
	Name    string   `yaml:"name" json:"name"`
	Servers []string `yaml:"servers" json:"servers"`
}

// ParseConstraints decodes a constraints file. Unknown keys are errors, and
// every error names the line. Server names are checked against the fleet by
// Check.
func ParseConstraints(data []byte) (*Constraints, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	c := &Constraints{}
	if err := dec.Decode(c); err != nil {
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		return nil, err
	}
	c.lines = map[string]int{}
	if len(root.Content) > 0 {
		m := root.Content[0]
		for k := 0; k+1 < len(m.Content); k += 2 {
			key, val := m.Content[k], m.Content[k+1]
			switch key.Value {
			case "pin":
				for x := 0; x+1 < len(val.Content); x += 2 {
					c.lines["pin:"+val.Content[x].Value] = val.Content[x].Line
				}
			case "anti_affinity", "affinity":
				for g, grp := range val.Content {
					c.lines[fmt.Sprintf("%s:%d", key.Value, g)] = grp.Line
					for y := 0; y+1 < len(grp.Content); y += 2 {
						if grp.Content[y].Value == "servers" {
							for _, s := range grp.Content[y+1].Content {
								c.lines[fmt.Sprintf("%s:%d:%s", key.Value, g, s.Value)] = s.Line
							}
						}
					}
				}
			default:
				c.lines[key.Value] = key.Line
			}
		}
	}
	if c.MaxVMsPerHost < 0 {
		return nil, fmt.Errorf("line %d: max_vms_per_host %d: must not be negative", c.lines["max_vms_per_host"], c.MaxVMsPerHost)
	}
	if !(c.VCPUPerPCPU >= 0) || math.IsInf(c.VCPUPerPCPU, 0) {
		return nil, fmt.Errorf("line %d: vcpu_per_pcpu %g: must be a non-negative number", c.lines["vcpu_per_pcpu"], c.VCPUPerPCPU)
	}
	for _, k := range sortedKeys(c.CeilingPct) {
		if _, ok := model.DimByName(k); !ok {
			return nil, fmt.Errorf("line %d: ceiling_pct: unknown resource %q (use cpu, mem, disk_iops, disk_bytes, net_bytes)", c.lines["ceiling_pct"], k)
		}
		if v := c.CeilingPct[k]; !(v > 0 && v <= 100) {
			return nil, fmt.Errorf("line %d: ceiling_pct %s: %g must be in (0, 100]", c.lines["ceiling_pct"], k, v)
		}
	}
	for _, kind := range []string{"anti_affinity", "affinity"} {
		groups := c.AntiAffinity
		if kind == "affinity" {
			groups = c.Affinity
		}
		for g, grp := range groups {
			if len(grp.Servers) < 2 {
				return nil, fmt.Errorf("line %d: %s group %q: needs at least two servers", c.lines[fmt.Sprintf("%s:%d", kind, g)], kind, grp.Name)
			}
			seen := map[string]bool{}
			for _, s := range grp.Servers {
				if seen[s] {
					return nil, fmt.Errorf("line %d: %s group %q: server %q twice", c.lines[fmt.Sprintf("%s:%d:%s", kind, g, s)], kind, grp.Name, s)
				}
				seen[s] = true
			}
		}
	}
	return c, nil
}

// Line returns the line of the file where key was given (0 if unknown).
func (c *Constraints) line(key string) int { return c.lines[key] }

// Check verifies that every server the constraints name is in ids, and that
// affinity, anti-affinity and pins do not contradict each other. Errors
// name the line.
func (c *Constraints) Check(ids []string) error {
	if c == nil {
		return nil
	}
	known := map[string]bool{}
	for _, id := range ids {
		known[id] = true
	}
	for _, s := range sortedKeys(c.Pin) {
		if !known[s] {
			return fmt.Errorf("line %d: pin: unknown server %q", c.line("pin:"+s), s)
		}
	}
	aff := map[string]int{}
	for g, grp := range c.Affinity {
		for _, s := range grp.Servers {
			if !known[s] {
				return fmt.Errorf("line %d: affinity group %q: unknown server %q", c.line(fmt.Sprintf("affinity:%d:%s", g, s)), grp.Name, s)
			}
			if h, ok := aff[s]; ok {
				return fmt.Errorf("line %d: server %q is in affinity groups %q and %q: merge them", c.line(fmt.Sprintf("affinity:%d:%s", g, s)), s, c.Affinity[h].Name, grp.Name)
			}
			aff[s] = g
		}
		pins := map[string]bool{}
		for _, s := range grp.Servers {
			if h, ok := c.Pin[s]; ok {
				pins[h] = true
			}
		}
		if len(pins) > 1 {
			return fmt.Errorf("line %d: affinity group %q: its servers are pinned to different hosts %v", c.line(fmt.Sprintf("affinity:%d", g)), grp.Name, sortedKeys(pins))
		}
	}
	for g, grp := range c.AntiAffinity {
		seenAff := map[int]string{}
		hosts := map[string]string{}
		for _, s := range grp.Servers {
			if !known[s] {
				return fmt.Errorf("line %d: anti-affinity group %q: unknown server %q", c.line(fmt.Sprintf("anti_affinity:%d:%s", g, s)), grp.Name, s)
			}
			if a, ok := aff[s]; ok {
				if other, dup := seenAff[a]; dup {
					return fmt.Errorf("line %d: anti-affinity group %q: %q and %q are in affinity group %q", c.line(fmt.Sprintf("anti_affinity:%d:%s", g, s)), grp.Name, other, s, c.Affinity[a].Name)
				}
				seenAff[a] = s
			}
			if h, ok := c.Pin[s]; ok {
				if other, dup := hosts[h]; dup {
					return fmt.Errorf("line %d: anti-affinity group %q: %q and %q are both pinned to %q", c.line(fmt.Sprintf("anti_affinity:%d:%s", g, s)), grp.Name, other, s, h)
				}
				hosts[h] = s
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

// ExistingFleet is the file of existing hosts (fixed-fleet mode).
type ExistingFleet struct {
	Hosts []ExistingHost `yaml:"hosts"`
}

// ParseExisting decodes an existing-fleet file: `hosts:` followed by a list
// of `{name, type}`, type being a model of the host catalog. Unknown keys,
// empty or duplicate names are errors.
func ParseExisting(data []byte) ([]ExistingHost, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f ExistingFleet
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("no hosts (empty file)")
		}
		return nil, err
	}
	if len(f.Hosts) == 0 {
		return nil, errors.New("no hosts")
	}
	seen := map[string]bool{}
	for i, h := range f.Hosts {
		if h.Name == "" || h.Type == "" {
			return nil, fmt.Errorf("hosts[%d]: name and type are required", i)
		}
		if seen[h.Name] {
			return nil, fmt.Errorf("hosts[%d]: duplicate name %q", i, h.Name)
		}
		seen[h.Name] = true
	}
	return f.Hosts, nil
}
