package plan

import (
	"fmt"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
)

// Request is one plan to make from datasets on disk: the pipeline `kvmfit
// plan` and `kvmfit backtest` share (Prepare, then BuildPlan, then Analyze).
type Request struct {
	// Data are the dataset directories.
	Data    []string
	Catalog *model.Catalog
	// Settings are the model's settings; Prepare sets TargetCoreScore
	// from the catalog.
	Settings model.Settings
	Pack     PackOptions
	// GeneratedBy is written into plan.json ("kvmfit VERSION").
	GeneratedBy string
	// Profile are the profiling options (hooks, window, progress,
	// baseline sizes). Prepare adds the sensitivity sweep's percentiles
	// when Pack.SensitivityMaxServers > 0.
	Profile profile.Options
}

// Prepare profiles the datasets (profile.Datasets) into the plan's input.
// Every VM's CPU is capped at what its vCPUs can use on the fastest
// candidate host model that BuildPlan keeps, or on Settings.HostType when
// it is set (model.Catalog.TargetCoreScore). A Settings.HostType that is
// not in the catalog or leaves no usable capacity is an error before the
// datasets are read.
func Prepare(r Request) (*PlanInput, error) {
	if r.Catalog == nil {
		return nil, fmt.Errorf("no host catalog")
	}
	s := r.Settings.Clone()
	if s.HostType != "" {
		if _, ok := r.Catalog.Find(s.HostType); !ok {
			return nil, fmt.Errorf("host type %q is not in the catalog (have: %v)", s.HostType, r.Catalog.Names())
		}
	}
	// The host models BuildPlan will leave out (with its warning) do not
	// cap the VMs' CPU; a bad one asked for is an error before the work.
	cs := s.Clone()
	if c := r.Pack.Constraints; c != nil {
		for k, v := range c.CeilingPct {
			cs.CeilingPct[k] = v
		}
	}
	specs, _, err := usableModels(r.Catalog, cs, r.Pack.Existing)
	if err != nil {
		return nil, err
	}
	cat := *r.Catalog
	cat.Hosts = specs
	s.TargetCoreScore = cat.TargetCoreScore(s.HostType)
	o := r.Profile
	if r.Pack.SensitivityMaxServers > 0 && o.Percentiles == nil {
		o.Percentiles, o.PercentilesMaxServers = SensitivityPercentiles(s.Percentile), r.Pack.SensitivityMaxServers
	}
	f, err := profile.Datasets(r.Data, s, o)
	if err != nil {
		return nil, err
	}
	in := &PlanInput{Fleet: *f, Catalog: r.Catalog, Settings: s, GeneratedBy: r.GeneratedBy, Pack: r.Pack}
	return in, nil
}

// Build packs a prepared input (BuildPlan) and fills the model's analytics
// into the plan (Analyze).
func Build(in *PlanInput) (*model.Plan, error) {
	p, err := BuildPlan(*in)
	if err != nil {
		return nil, err
	}
	analyze(p, in.Demand, in.Servers, in.Settings, in.Pack.Progress)
	return p, nil
}

// Run is Prepare then Build: the whole way from datasets to a plan.
func Run(r Request) (*model.Plan, *PlanInput, error) {
	in, err := Prepare(r)
	if err != nil {
		return nil, nil, err
	}
	p, err := Build(in)
	return p, in, err
}
