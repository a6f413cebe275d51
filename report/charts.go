package report

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/kvmfit/kvmfit/model"
)

// chartSpec is one chart of the page: the id of its <div> and its ECharts
// option object.
type chartSpec struct {
	ID     string          `json:"id"`
	Option json.RawMessage `json:"option"`
}

// hostChartDim is one demand chart drawn for every host.
type hostChartDim struct {
	dim   model.Dim
	title string
	axis  string
	div   float64 // demand unit / axis unit
}

var hostChartDims = []hostChartDim{
	{model.DimCPU, "CPU demand, reference cores", "ref. cores", 1},
	{model.DimMem, "Memory demand, GiB", "GiB", model.GiB},
}

// maxStackedSeries is the most series a host chart stacks. A host with more
// servers shows the largest maxStackedSeries-1 (by peak of the charted
// dimension) and sums the rest into one "others" series.
const maxStackedSeries = 30

// Chart heights (the width follows the page).
const (
	summaryChartHeight = "300px"
	hostChartHeight    = "360px"
)

// palette colours the stacked servers; it holds no red, which marks the
// usable capacity.
var palette = opts.Colors{
	"#5470c6", "#91cc75", "#fac858", "#73c0de", "#3ba272",
	"#fc8452", "#9a60b4", "#ea7ccc", "#2f4554", "#61a0a8",
	"#d48265", "#749f83", "#ca8622", "#bda29a", "#6e7074",
	"#546570", "#4e79a7", "#59a14f", "#edc948", "#b07aa1",
}

const (
	usableColor = "#d62728"
	rawColor    = "#444444"
)

// Labels of the summary chart's bars.
const (
	barKvmfit     = "kvmfit (time-aligned)"
	barSumOfPeaks = "sum of peaks"
	barLowerBound = "lower bound"
	barPercentile = "per-VM P95 × 1.3"
)

// hostsBar is the bar chart of host counts shared by the summary and the
// sensitivity sweep: one category axis x, host counts on the value axis.
func hostsBar(id string, legend bool, x opts.XAxis) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: summaryChartHeight}),
		charts.WithAnimation(false),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(legend)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "16", Top: "36", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(x),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "hosts", MinInterval: 1}),
	)
	return bar
}

// summaryChart compares the plan's host count with the sum-of-peaks baseline
// and the lower bound.
func summaryChart(id string, p *model.Plan) (chartSpec, error) {
	bar := hostsBar(id, false, opts.XAxis{Type: "category"})
	bar.ClearPresetJSAssets()
	// The per-VM percentile × comfort bar shows when the plan has it.
	pctl := p.Baselines.PercentileComfort.HostsUsed
	xs := []string{barKvmfit, barSumOfPeaks}
	if pctl > 0 {
		xs = append(xs, barPercentile)
	}
	xs = append(xs, barLowerBound)
	bar.SetXAxis(xs)
	// kvmfit's bar stacks the hosts the load needs and the HA spares; the
	// baselines and the lower bound are without spares.
	load, spares := loadAndSpares(p)
	data := []opts.BarData{
		{Value: load, ItemStyle: &opts.ItemStyle{Color: "#5470c6"}},
		{Value: p.Baselines.SumOfPeaks.HostsUsed, ItemStyle: &opts.ItemStyle{Color: "#9e9e9e"}},
	}
	if pctl > 0 {
		data = append(data, opts.BarData{Value: pctl, ItemStyle: &opts.ItemStyle{Color: "#bdbdbd"}})
	}
	data = append(data, opts.BarData{Value: p.LowerBound, ItemStyle: &opts.ItemStyle{Color: "#91cc75"}})
	bar.AddSeries("hosts for the load", data,
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "inside"}),
		charts.WithBarChartOpts(opts.BarChart{BarWidth: "40%", Stack: "hosts"}),
	)
	if spares > 0 {
		sp := []opts.BarData{{Value: spares, ItemStyle: &opts.ItemStyle{Color: "#b9c7ef"}}}
		for range xs[1:] {
			sp = append(sp, opts.BarData{Value: "-"})
		}
		bar.AddSeries("HA spares", sp,
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "inside", Formatter: "+{c} spare"}),
			charts.WithBarChartOpts(opts.BarChart{BarWidth: "40%", Stack: "hosts"}),
		)
	}
	bar.Validate()
	return encodeChart(id, bar.JSON())
}

// stackItem is one stacked series of a demand chart.
type stackItem struct {
	name   string
	values []float64 // in demand units
}

// stackItems returns the series to stack for dimension d: every member in
// the given order, or, with more than limit members, the limit-1 largest by
// peak (ties by ID) and one series summing the rest, named
// "others (N servers)".
func stackItems(members []*model.ServerDemand, d model.Dim, limit int) []stackItem {
	if len(members) <= limit {
		items := make([]stackItem, len(members))
		for i, m := range members {
			items[i] = stackItem{name: m.ID, values: m.Values[d]}
		}
		return items
	}
	sorted := append([]*model.ServerDemand(nil), members...)
	peak := make(map[*model.ServerDemand]float64, len(sorted))
	for _, m := range sorted {
		peak[m] = m.Peak(d)
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		if pi, pj := peak[sorted[i]], peak[sorted[j]]; pi != pj {
			return pi > pj
		}
		return sorted[i].ID < sorted[j].ID
	})
	top, rest := sorted[:limit-1], sorted[limit-1:]
	items := make([]stackItem, 0, limit)
	for _, m := range top {
		items = append(items, stackItem{name: m.ID, values: m.Values[d]})
	}
	n := 0
	for _, m := range rest {
		n = max(n, len(m.Values[d]))
	}
	sum := make([]float64, n)
	for _, m := range rest {
		for t, v := range m.Values[d] {
			sum[t] += v
		}
	}
	return append(items, stackItem{name: fmt.Sprintf("others (%d servers)", len(rest)), values: sum})
}

// refLine is a horizontal line drawn over a stacked chart, such as a host's
// capacity or the fleet's sum of peaks.
type refLine struct {
	name  string
	value float64 // in demand units
	color string
	dash  string // "solid", "dashed" or "dotted"
}

// hostChart draws the stacked demand of a host's servers in one dimension
// with the host's usable capacity (dashed) and raw capacity.
func hostChart(id string, cd hostChartDim, labels []string, step time.Duration, members []*model.ServerDemand, h model.PlanHost) (chartSpec, error) {
	var lines []refLine
	for _, c := range []refLine{
		{"usable capacity", 0, usableColor, "dashed"},
		{"raw capacity", 0, rawColor, "solid"},
	} {
		src := h.UsableCapacity
		if c.name == "raw capacity" {
			src = h.RawCapacity
		}
		if v, ok := src[cd.dim.String()]; ok {
			c.value = v
			lines = append(lines, c)
		}
	}
	return stackedChart(id, hostChartHeight, cd, labels, step, stackItems(members, cd.dim, maxStackedSeries), lines)
}

// stackedChart draws items stacked over the slots, with reference lines.
// Series longer than maxChartPoints are downsampled: LTTB picks the slots
// on the stack's total and every series is drawn at those slots.
func stackedChart(id, height string, cd hostChartDim, labels []string, step time.Duration, items []stackItem, lines []refLine) (chartSpec, error) {
	every := labelEvery(step, len(labels))
	if len(labels) > maxChartPoints {
		total := make([]float64, len(labels))
		for _, it := range items {
			for t, v := range it.values {
				total[t] += v
			}
		}
		idx := lttbIndices(total, maxChartPoints)
		labels = pick(labels, idx)
		for i := range items {
			items[i].values = pick(items[i].values, idx)
		}
		every = 0 // the points are no longer evenly spaced
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: height}),
		charts.WithAnimation(false),
		charts.WithColorsOpts(palette),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "0"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "16", Top: "56", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: "UTC"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: cd.axis}),
	)
	line.ClearPresetJSAssets()
	line.SetXAxis(labels)
	for _, it := range items {
		line.AddSeries(it.name, nil,
			charts.WithLineChartOpts(opts.LineChart{Stack: "demand", ShowSymbol: opts.Bool(false)}),
			charts.WithAreaStyleOpts(opts.AreaStyle{Opacity: opts.Float(0.6)}),
			charts.WithLineStyleOpts(opts.LineStyle{Width: 0.5}),
		)
		line.MultiSeries[len(line.MultiSeries)-1].Data = scaled(it.values, cd.div)
	}
	for _, c := range lines {
		line.AddSeries(c.name, nil,
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: c.color, Width: 1.5, Type: c.dash}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: c.color}),
		)
		line.MultiSeries[len(line.MultiSeries)-1].Data = constant(c.value/cd.div, len(labels))
	}
	line.Validate()
	obj := line.JSON()
	// Options go-echarts v2.6.7 has no field for.
	obj["tooltip"] = map[string]any{"show": true, "trigger": "axis", "confine": true}
	if xs, ok := obj["xAxis"].([]opts.XAxis); ok && len(xs) == 1 {
		x := struct {
			opts.XAxis
			BoundaryGap bool           `json:"boundaryGap"`
			AxisLabel   map[string]any `json:"axisLabel,omitempty"`
			AxisTick    map[string]any `json:"axisTick,omitempty"`
		}{XAxis: xs[0]}
		if every > 0 {
			// A label and a tick on every n-th slot, e.g. every 2 hours.
			x.AxisLabel = map[string]any{"interval": every - 1}
			x.AxisTick = map[string]any{"interval": every - 1}
		}
		obj["xAxis"] = []any{x}
	}
	return encodeChart(id, obj)
}

// labelEvery returns every how many slots the time axis gets a label, so that
// labels fall on round hours and number at most about 12; 0 means let
// ECharts choose.
func labelEvery(step time.Duration, slots int) int {
	if step <= 0 || time.Hour%step != 0 {
		return 0
	}
	span := time.Duration(slots) * step
	for _, h := range []time.Duration{1, 2, 3, 4, 6, 8, 12, 24, 48, 168} {
		if every := h * time.Hour; span/every <= 12 {
			return int(every / step)
		}
	}
	return 0
}

// encodeChart encodes an option object with encoding/json, which escapes
// <, >, & (and U+2028, U+2029) inside strings so that the result can sit in
// a <script> element whatever the data holds.
func encodeChart(id string, option map[string]any) (chartSpec, error) {
	b, err := json.Marshal(option)
	if err != nil {
		return chartSpec{}, fmt.Errorf("chart %s: %w", id, err)
	}
	return chartSpec{ID: id, Option: b}, nil
}

// initScript is the page's chart script. A chart is initialised when its
// container comes within 300px of the viewport (IntersectionObserver), so a
// page with hundreds of host charts opens at once; browsers without
// IntersectionObserver draw every chart at load. The browser test scrolls
// every chart into view before it checks them.
func initScript(specs []chartSpec) (string, error) {
	b, err := json.Marshal(specs)
	if err != nil {
		return "", fmt.Errorf("charts: %w", err)
	}
	return `"use strict";
(function () {
  var specs = ` + string(b) + `;
  var charts = [];
  function draw(el, option) {
    if (echarts.getInstanceByDom(el)) { return; }
    var c = echarts.init(el, null, { renderer: "canvas" });
    c.setOption(option);
    charts.push(c);
  }
  var io = null;
  var pending = {};
  if (typeof IntersectionObserver === "function") {
    io = new IntersectionObserver(function (entries) {
      for (var i = 0; i < entries.length; i++) {
        var e = entries[i];
        if (!e.isIntersecting || !pending[e.target.id]) { continue; }
        io.unobserve(e.target);
        var opt = pending[e.target.id];
        delete pending[e.target.id];
        draw(e.target, opt);
      }
    }, { rootMargin: "300px 0px" });
  }
  for (var i = 0; i < specs.length; i++) {
    var el = document.getElementById(specs[i].id);
    if (!el) { continue; }
    if (io) {
      pending[specs[i].id] = specs[i].option;
      io.observe(el);
    } else {
      draw(el, specs[i].option);
    }
  }
  window.addEventListener("resize", function () {
    for (var i = 0; i < charts.length; i++) { charts[i].resize(); }
  });
})();
`, nil
}

// numbers is a chart data row, written compactly; non-finite values become
// null (a gap).
type numbers []float64

// MarshalJSON writes n as a JSON array of numbers.
func (n numbers) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+len(n)*7)
	b = append(b, '[')
	for i, v := range n {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
			continue
		}
		b = strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	return append(b, ']'), nil
}

// round3 rounds to 3 decimals (1 MiB for GiB, a thousandth of a core), which
// keeps the page small; -0 becomes 0.
func round3(v float64) float64 {
	r := math.Round(v*1000) / 1000
	if r == 0 {
		return 0
	}
	return r
}

func scaled(v []float64, div float64) numbers {
	out := make(numbers, len(v))
	for i, x := range v {
		out[i] = round3(x / div)
	}
	return out
}

func constant(v float64, n int) numbers {
	out := make(numbers, n)
	r := round3(v)
	for i := range out {
		out[i] = r
	}
	return out
}
