package backtest_test

import (
	"fmt"
	"time"

	"github.com/kvmfit/kvmfit/binpack/backtest"
	"github.com/kvmfit/kvmfit/model"
)

// Two servers on one host of 8 usable cores (10 at 100 %): in the third
// 5-minute slot they need 9 cores together, in the fourth 11.
func ExampleReplay() {
	start := time.Date(2026, 1, 7, 0, 0, 0, 0, time.UTC)
	actual := &model.Demand{Start: start, Step: 5 * time.Minute, Slots: 4}
	for id, cpu := range map[string][]float64{"a": {2, 2, 7, 7}, "b": {2, 2, 2, 4}} {
		sd := model.ServerDemand{ID: id}
		for d := model.Dim(0); d < model.NumDims; d++ {
			sd.Values[d] = make([]float64, 4)
		}
		sd.Values[model.DimCPU] = cpu
		actual.Servers = append(actual.Servers, sd)
	}
	h := backtest.Host{Name: "host-01", Servers: []string{"a", "b"}}
	for d := range h.Usable {
		h.Usable[d], h.Full[d] = 8, 10
	}
	r := backtest.Replay([]backtest.Host{h}, actual)
	fmt.Printf("%g min over the ceiling, %g over 100%%, worst +%g%% at %s, servers %v\n",
		r.OverloadMinutes, r.OverCapacityMinutes, r.WorstOverloadPct, r.Hosts[0].WorstAt, r.Hosts[0].Involved)
	// Output: 10 min over the ceiling, 5 over 100%, worst +37.5% at 2026-01-07T00:15:00Z, servers [a b]
}
