package main

import (
	"sync"

	planner "github.com/kvmfit/kvmfit/binpack/plan"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/kvmfit/kvmfit/model/profile"
)

// profileForPlan profiles the datasets like profileDatasets and, from the
// same samples, the per-VM P95 × 1.3 baseline's sizes
// (PlanInput.PercentileComfort) and, for the sensitivity sweep (fleets up
// to --sensitivity-max-servers, profiles "day" and "week"), the fleet's
// demand at the other sizing percentiles (PlanInput.PercentileDemands).
func profileForPlan(dirs []string, s model.Settings, pf packFlags, streams IO) (*planner.PlanInput, error) {
	n := 0
	for _, d := range dirs {
		sub, err := dataset.ServerDirs(d)
		if err != nil {
			return nil, err
		}
		n += len(sub)
	}
	hooks := profileHooks{}
	if pf.SensitivityMaxServers > 0 && n <= pf.SensitivityMaxServers {
		hooks.Percentiles = planner.SensitivityPercentiles(s.Percentile)
	}
	type size struct {
		ok   bool
		size model.Capacity
	}
	per := make([]size, n)
	var mu sync.Mutex
	hooks.Each = func(k int, srv *model.Server) {
		_, pctl, err := profile.PeakAndPercentileSizes(srv, s, model.BaselinePercentile, model.BaselineComfort)
		mu.Lock()
		if k < len(per) {
			per[k] = size{err == nil, pctl}
		}
		mu.Unlock()
	}
	in, err := profileDatasetsWith(dirs, s, streams, hooks)
	if err != nil {
		return nil, err
	}
	if len(in.Servers) != n {
		return in, nil // the datasets changed while being read: no baseline sizes
	}
	entry := make(map[string]int, n)
	for k, ps := range in.Servers {
		entry[ps.ID] = k
	}
	in.PercentileComfort = []model.FlatSize{}
	for _, sd := range in.Demand.Servers {
		if x := per[entry[sd.ID]]; x.ok {
			in.PercentileComfort = append(in.PercentileComfort, model.FlatSize{ID: sd.ID, Size: x.size})
		}
	}
	return in, nil
}
