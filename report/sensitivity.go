package report

import (
	"fmt"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/kvmfit/kvmfit/model"
)

// sensitivityView is the Candidates section's sweep (plan.json
// sensitivity): how the chosen model's host count moves with one setting.
type sensitivityView struct {
	HostType   string
	Computed   bool
	Note       string
	Method     string
	Work       string
	MaxServers int
	Groups     []sensitivityGroup
	ChartID    string
}

// sensitivityGroup is the points of one setting.
type sensitivityGroup struct {
	Name   string // what the setting is, in words
	Points []sensitivityRow
}

type sensitivityRow struct {
	Label                       string
	Hosts, LowerBound, Unplaced int
	Plan                        bool
}

// sensitivityNames names the settings of the sweep, in page order.
var sensitivityNames = []struct{ key, name string }{
	{"percentile", "sizing percentile (every resource that follows --percentile)"},
	{"ceiling_cpu", "CPU ceiling, % of capacity after the host reserve"},
	{"ceiling_mem", "memory ceiling, % of capacity after the host reserve"},
	{"vcpu_per_pcpu", "vCPU:pCPU overcommit limit: the guests' vCPUs (the servers' logical CPUs today) per physical core of the host, after the host reserve"},
}

// sensitivityLabel writes one point's value as the page shows it.
func sensitivityLabel(setting string, v float64) string {
	num := strconv.FormatFloat(v, 'f', -1, 64)
	switch setting {
	case "percentile":
		if v >= 100 {
			return "max (P100)"
		}
		return "P" + num
	case "ceiling_cpu":
		return "CPU " + num + " %"
	case "ceiling_mem":
		return "memory " + num + " %"
	case "vcpu_per_pcpu":
		if v <= 0 {
			return "no vCPU limit"
		}
		return num + " guest vCPUs per host core"
	}
	return setting + " " + num
}

// sensitivityOf builds the sweep's view and, when it has points, its chart.
func sensitivityOf(p *model.Plan, chartID string) (sensitivityView, *chartSpec, error) {
	s := p.Sensitivity
	v := sensitivityView{HostType: s.HostType, Computed: s.Computed, Note: s.Note, Method: s.Method,
		Work: fmtGrouped(float64(s.WorkBudget)), MaxServers: s.MaxServers}
	if !s.Computed || len(s.Points) == 0 {
		return v, nil, nil
	}
	var labels []string
	var hosts, lbs []opts.BarData
	for _, n := range sensitivityNames {
		g := sensitivityGroup{Name: n.name}
		for _, pt := range s.Points {
			if pt.Setting != n.key {
				continue
			}
			r := sensitivityRow{Label: sensitivityLabel(pt.Setting, pt.Value), Hosts: pt.Hosts, LowerBound: pt.LowerBound, Unplaced: pt.Unplaced, Plan: pt.Plan}
			g.Points = append(g.Points, r)
			labels = append(labels, r.Label)
			color := "#9e9e9e"
			if pt.Plan {
				color = "#5470c6"
			}
			hosts = append(hosts, opts.BarData{Value: pt.Hosts, ItemStyle: &opts.ItemStyle{Color: color}})
			lbs = append(lbs, opts.BarData{Value: pt.LowerBound, ItemStyle: &opts.ItemStyle{Color: "#91cc75"}})
		}
		if len(g.Points) > 0 {
			v.Groups = append(v.Groups, g)
		}
	}
	if len(labels) == 0 {
		return v, nil, nil
	}
	v.ChartID = chartID
	bar := hostsBar(chartID, true, opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Rotate: 40, Interval: "0"}})
	bar.ClearPresetJSAssets()
	bar.SetXAxis(labels)
	bar.AddSeries("hosts for the load", hosts, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top"}))
	bar.AddSeries("lower bound", lbs)
	bar.Validate()
	spec, err := encodeChart(chartID, bar.JSON())
	if err != nil {
		return v, nil, fmt.Errorf("sensitivity chart: %w", err)
	}
	return v, &spec, nil
}
