package report

import (
	"math"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// heatmapChartID is the fixed id of the fleet demand heat map.
const heatmapChartID = "chart-heatmap"

// heatmapChartHeight is the height of the heat map.
const heatmapChartHeight = "320px"

// heatmapView is the heat map's caption and explanation.
type heatmapView struct {
	ChartID, Title, About string
}

var weekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// fleetHeatmap draws when the fleet's demand is high. With a week or full
// profile: the fleet's CPU demand (the largest summed demand of any slot
// in the hour, over every week for full) by hour of week, one row per
// weekday. With a day profile: every resource by hour of day, each as a
// percentage of its own peak of the sum (so that rows in different units
// compare). Slots are placed by their UTC time, Demand.Start + t × step.
func fleetHeatmap(dm *model.Demand) (heatmapView, chartSpec, bool, error) {
	if dm == nil || dm.Slots == 0 || len(dm.Servers) == 0 || dm.Step <= 0 {
		return heatmapView{}, chartSpec{}, false, nil
	}
	// The fleet's summed demand per resource and slot; servers by ID order
	// is not needed for a sum shown to 3 decimals, but keep it stable.
	var total [model.NumDims][]float64
	for d := range total {
		total[d] = make([]float64, dm.Slots)
	}
	for i := range dm.Servers {
		for d := model.Dim(0); d < model.NumDims; d++ {
			for t, v := range dm.Servers[i].Values[d] {
				if t < dm.Slots && !math.IsNaN(v) {
					total[d][t] += v
				}
			}
		}
	}
	start := dm.Start.UTC()
	byWeek := dm.Profile == "week" || dm.Profile == "full" || time.Duration(dm.Slots)*dm.Step > 24*time.Hour
	hours := make([]string, 24)
	for h := range hours {
		hours[h] = time.Date(2000, 1, 1, h, 0, 0, 0, time.UTC).Format("15:00")
	}
	var rows []string
	var cells [][]float64 // [row][hour], NaN = no slot
	var v heatmapView
	var unit string
	if byWeek {
		rows = weekdays
		cells = nanGrid(7, 24)
		for t := 0; t < dm.Slots; t++ {
			at := start.Add(time.Duration(t) * dm.Step)
			wd := (int(at.Weekday()) + 6) % 7
			c := &cells[wd][at.Hour()]
			if math.IsNaN(*c) || total[model.DimCPU][t] > *c {
				*c = total[model.DimCPU][t]
			}
		}
		unit = "ref. cores"
		v = heatmapView{ChartID: heatmapChartID, Title: "Fleet CPU demand by hour of week, reference cores (UTC)",
			About: "Each cell is the fleet's largest summed CPU demand in that hour of the week (over every week of the profile). Dark cells are when the fleet is busy."}
	} else {
		cells = nanGrid(int(model.NumDims), 24)
		for d := model.Dim(0); d < model.NumDims; d++ {
			rows = append(rows, d.String())
			peak := 0.0
			for _, x := range total[d] {
				peak = math.Max(peak, x)
			}
			for t := 0; t < dm.Slots; t++ {
				at := start.Add(time.Duration(t) * dm.Step)
				c := &cells[d][at.Hour()]
				x := 0.0
				if peak > 0 {
					x = 100 * total[d][t] / peak
				}
				if math.IsNaN(*c) || x > *c {
					*c = x
				}
			}
		}
		unit = "% of peak"
		v = heatmapView{ChartID: heatmapChartID, Title: "Fleet demand by hour of day, % of each resource's peak of the sum (UTC)",
			About: "Each cell is the fleet's largest summed demand in that hour of the profiled day, as a percentage of the resource's own peak: where the rows are dark at the same hours, resources peak together."}
	}
	var data [][3]any
	hi := 0.0
	for y := range cells {
		for x, c := range cells[y] {
			if math.IsNaN(c) {
				data = append(data, [3]any{x, y, "-"})
				continue
			}
			c = round3(c)
			hi = math.Max(hi, c)
			data = append(data, [3]any{x, y, c})
		}
	}
	if hi <= 0 {
		hi = 1
	}
	option := map[string]any{
		"animation": false,
		"tooltip":   map[string]any{"show": true, "confine": true, "position": "top"},
		"grid":      map[string]any{"left": 8, "right": 16, "top": 16, "bottom": 64, "containLabel": true},
		"xAxis":     map[string]any{"type": "category", "data": hours, "name": "UTC", "splitArea": map[string]any{"show": true}},
		"yAxis":     map[string]any{"type": "category", "data": rows, "inverse": true, "splitArea": map[string]any{"show": true}},
		"visualMap": map[string]any{
			"min": 0, "max": round3(hi), "calculable": true, "orient": "horizontal", "left": "center", "bottom": 0,
			"text": []string{"high", unit}, "inRange": map[string]any{"color": []string{"#f7fbff", "#6baed6", "#08306b"}},
		},
		"series": []any{map[string]any{
			"name": v.Title, "type": "heatmap", "data": data,
			"label":    map[string]any{"show": false},
			"emphasis": map[string]any{"itemStyle": map[string]any{"borderColor": "#333", "borderWidth": 1}},
		}},
	}
	spec, err := encodeChart(v.ChartID, option)
	return v, spec, err == nil, err
}

func nanGrid(rows, cols int) [][]float64 {
	g := make([][]float64, rows)
	for i := range g {
		g[i] = make([]float64, cols)
		for j := range g[i] {
			g[i][j] = math.NaN()
		}
	}
	return g
}
