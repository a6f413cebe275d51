package main

import (
	"fmt"
	"os"
	"time"

	planner "github.com/kvmfit/kvmfit/binpack/plan"
	"github.com/spf13/pflag"
)

// packFlags are the plan flags that steer the packer (constraints, HA,
// search budget). They are kept apart from the model's flags in plan.go.
type packFlags struct {
	ConstraintsFile string
	ExistingFile    string
	NoNewHosts      bool
	HA              int
	Work            int64
	TimeLimit       time.Duration
	Mix             bool
	Balance         bool
	RackUnitPrice   float64
	// SensitivityWork and SensitivityMaxServers steer the sensitivity sweep.
	SensitivityWork       int64
	SensitivityMaxServers int
}

// AddFlags registers the packer flags.
func (p *packFlags) AddFlags(fs *pflag.FlagSet) {
	d := planner.DefaultPackOptions
	fs.StringVar(&p.ConstraintsFile, "constraints", "", "placement constraints file (YAML: anti_affinity, affinity, pin, max_vms_per_host, vcpu_per_pcpu, ceiling_pct; see docs/constraints.md)")
	fs.StringVar(&p.ExistingFile, "existing", "", "existing hosts to fill first (YAML: hosts: [{name, type}], type from the catalog)")
	fs.BoolVar(&p.NoNewHosts, "no-new-hosts", false, "use only the --existing hosts; report what does not fit")
	fs.IntVar(&p.HA, "ha", d.HA, "N+k: fail every set of k hosts, re-place their servers on the survivors, add spare hosts until it holds (0 = no HA)")
	fs.Int64Var(&p.Work, "search-work", d.Work, "search budget per host model, in work units, for a fleet of up to 10,000 servers; a larger fleet gets it in proportion to its servers (deterministic: the plan does not depend on machine speed; 0 = constructive heuristics only)")
	fs.DurationVar(&p.TimeLimit, "search-time-limit", d.TimeLimit, "wall-clock safety cap of the search per host model (the plan warns when it is hit; 0 = none)")
	fs.BoolVar(&p.Balance, "balance", d.Balance, "level the load over the hosts the search found (off: hosts filled in turn, the leftovers together)")
	fs.BoolVar(&p.Mix, "mix", d.Mix, "also evaluate a mix of host models (lightest hosts moved to cheaper models)")
	fs.Int64Var(&p.SensitivityWork, "sensitivity-work", d.SensitivityWork, "search budget of each point of the sensitivity sweep (percentile, ceilings, vCPU:pCPU), in work units (0 = constructive heuristics only)")
	fs.IntVar(&p.SensitivityMaxServers, "sensitivity-max-servers", d.SensitivityMaxServers, "largest fleet the sensitivity sweep runs on (0 = no sweep; larger fleets skip it with a note)")
	fs.Float64Var(&p.RackUnitPrice, "rack-unit-price", d.RackUnitPrice, "cost of one rack unit over --years, in the catalog's currency (added to each candidate's cost)")
}

// options checks the packer flags and reads the files they name.
func (p *packFlags) options() (planner.PackOptions, error) {
	var po planner.PackOptions
	if p.HA < 0 || p.Work < 0 || p.TimeLimit < 0 || p.RackUnitPrice < 0 {
		return po, usageErrorf("--ha, --search-work, --search-time-limit and --rack-unit-price must not be negative")
	}
	if p.NoNewHosts && p.ExistingFile == "" {
		return po, usageErrorf("--no-new-hosts needs --existing FILE")
	}
	po = planner.PackOptions{
		Work: p.Work, TimeLimit: p.TimeLimit, HA: p.HA, Mix: p.Mix, Balance: p.Balance, RackUnitPrice: p.RackUnitPrice,
		NoNewHosts: p.NoNewHosts, ConstraintsFile: p.ConstraintsFile, ExistingFile: p.ExistingFile,
		PercentileBaseline: true, SensitivityWork: p.SensitivityWork, SensitivityMaxServers: p.SensitivityMaxServers,
	}
	var err error
	if p.ConstraintsFile != "" {
		if po.Constraints, err = parseFile(p.ConstraintsFile, planner.ParseConstraints); err != nil {
			return po, err
		}
	}
	if p.ExistingFile != "" {
		if po.Existing, err = parseFile(p.ExistingFile, planner.ParseExisting); err != nil {
			return po, err
		}
	}
	return po, nil
}

// parseFile reads the file at path and parses it with parse; a parse
// error names the file.
func parseFile[T any](path string, parse func([]byte) (T, error)) (T, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := parse(data)
	if err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
