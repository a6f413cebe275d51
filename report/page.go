package report

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// page is what the HTML template renders. Strings are plain text: the
// template escapes them. Only the fields of type template.JS and
// template.HTMLAttr are trusted, and they are built by this package.
type page struct {
	Title       string
	GeneratedBy string
	CSP         template.HTMLAttr
	Summary     summary
	Candidates  []candidateRow
	Hosts       []hostView
	Unplaced    []unplacedRow
	Warnings    []string
	Settings    []settingRow
	Servers     []serverRow
	Overlap     []overlapView
	Notes       []string

	EchartsVersion string
	Notice         string
	EchartsJS      template.JS
	InitJS         template.JS
	TableJS        template.JS
	// TablePageSize is how many rows of the server table show at once.
	TablePageSize int
}

type summary struct {
	Servers          int
	HostsUsed        int
	HostType         string
	Ratio            string
	LowerBound       int
	SumOfPeaksHosts  int
	SumOfPeaksMethod string
	SavingPct        string
	Unplaced         int
	Grid             model.PlanGrid
	Step             string
	ChartID          string
	// Decision is the plan in one paragraph, for the reader who reads
	// nothing else.
	Decision string
	// Cost of the chosen candidate, in the catalog's currency (plan.json
	// does not name it); empty when no candidate is marked chosen.
	Capex, Energy, Cost string
	Years               string
	RackUnits           int
	HasCost             bool
}

type candidateRow struct {
	model.Candidate
	Capex, Energy, Cost string
}

type hostView struct {
	Anchor       string
	Name         string
	Type         string
	Servers      []link
	Dims         []hostDim
	Binding      string
	BindingSlots string
	Charts       []chartView
	NoDemand     []string
}

type link struct {
	Text, Anchor string
}

type hostDim struct {
	Name, Unit            string
	Raw, Usable, PeakUtil string
	// BarPct is PeakUtil clamped to [0, 100], for the bar's width.
	BarPct  string
	Over    bool
	Binding bool
}

type chartView struct {
	ID, Title string
}

type unplacedRow struct {
	model.Unplaced
	Anchor string
}

type settingRow struct {
	Key, Value, About string
}

type serverRow struct {
	Anchor                      string
	ID, Hostname                string
	Source, Dataset             string
	Coverage                    string
	PeakCPU, PeakMem            string
	PeakIOPS, PeakDisk, PeakNet string
	Host                        link
	Warnings                    []string
	WarnTitle                   string // the warnings, one a line
}

func buildPage(in Input, o options) (*page, error) {
	p := in.Plan
	if p == nil {
		return nil, errors.New("no plan")
	}
	pg := &page{
		Title:          o.title,
		GeneratedBy:    p.GeneratedBy,
		Warnings:       p.Warnings,
		EchartsVersion: echartsVersion,
		Notice:         echartsNotice,
	}
	step := time.Duration(p.Grid.StepSec) * time.Second
	pg.Summary = summary{
		Servers:          p.Servers,
		HostsUsed:        p.HostsUsed,
		HostType:         p.HostType,
		Ratio:            fmtFixed(p.ConsolidationRatio, 1),
		LowerBound:       p.LowerBound,
		SumOfPeaksHosts:  p.Baselines.SumOfPeaks.HostsUsed,
		SumOfPeaksMethod: p.Baselines.SumOfPeaks.Method,
		SavingPct:        fmtFixed(p.SavingVsSumOfPeaksPct, 1),
		Unplaced:         len(p.Unplaced),
		Grid:             p.Grid,
		Step:             step.String(),
		ChartID:          "chart-summary",
	}
	for _, c := range p.Candidates {
		row := candidateRow{
			Candidate: c,
			Capex:     fmtGrouped(c.CapexTotal),
			Energy:    fmtGrouped(c.EnergyCostTotal),
			Cost:      fmtGrouped(c.CostTotal),
		}
		pg.Candidates = append(pg.Candidates, row)
		if c.Chosen && !pg.Summary.HasCost {
			pg.Summary.HasCost = true
			pg.Summary.Capex, pg.Summary.Energy, pg.Summary.Cost = row.Capex, row.Energy, row.Cost
			pg.Summary.RackUnits = c.RackUnitsTotal
		}
	}
	pg.Summary.Years = strconv.FormatFloat(p.Settings.Years, 'f', -1, 64)

	// Anchors are positional so that no data string ends up in an id.
	serverAnchor := map[string]string{}
	for i, s := range p.ServerDetails {
		if _, dup := serverAnchor[s.ID]; !dup {
			serverAnchor[s.ID] = fmt.Sprintf("server-%04d", i+1)
		}
	}
	hostAnchor := map[string]string{}
	for i, h := range p.Hosts {
		if _, dup := hostAnchor[h.Name]; !dup {
			hostAnchor[h.Name] = fmt.Sprintf("host-%03d", i+1)
		}
	}

	var demand map[string]*model.ServerDemand
	var labels []string
	if in.Demand != nil {
		var err error
		if demand, err = indexDemand(in.Demand); err != nil {
			return nil, err
		}
		labels = slotLabels(in.Demand)
	} else if len(p.Hosts) > 0 {
		pg.Notes = append(pg.Notes, "No demand data was given, so the hosts have no demand charts.")
	}

	charts := []chartSpec{}
	sc, err := summaryChart(pg.Summary.ChartID, p)
	if err != nil {
		return nil, err
	}
	charts = append(charts, sc)

	if in.Demand != nil {
		views, specs, err := overlapViews(in.Demand, labels)
		if err != nil {
			return nil, err
		}
		pg.Overlap = views
		charts = append(charts, specs...)
	}
	pg.Summary.Decision = decision(p, pg.Summary, pg.Overlap)

	for i, h := range p.Hosts {
		hv := hostView{
			Anchor:       hostAnchor[h.Name],
			Name:         h.Name,
			Type:         h.Type,
			Binding:      h.Binding,
			BindingSlots: slotRanges(h.BindingSlots, in.Demand, p.Grid),
		}
		for _, id := range h.Servers {
			hv.Servers = append(hv.Servers, link{Text: id, Anchor: serverAnchor[id]})
		}
		for d := model.Dim(0); d < model.NumDims; d++ {
			hv.Dims = append(hv.Dims, hostDimRow(d, h))
		}
		if demand != nil {
			var members []*model.ServerDemand
			for _, id := range h.Servers {
				if sd, ok := demand[id]; ok {
					members = append(members, sd)
				} else {
					hv.NoDemand = append(hv.NoDemand, id)
				}
			}
			for _, cd := range hostChartDims {
				id := fmt.Sprintf("chart-host-%03d-%s", i+1, cd.dim)
				spec, err := hostChart(id, cd, labels, in.Demand.Step, members, h)
				if err != nil {
					return nil, fmt.Errorf("host %q: %w", h.Name, err)
				}
				charts = append(charts, spec)
				hv.Charts = append(hv.Charts, chartView{ID: id, Title: cd.title})
			}
		}
		pg.Hosts = append(pg.Hosts, hv)
	}

	for _, u := range p.Unplaced {
		pg.Unplaced = append(pg.Unplaced, unplacedRow{Unplaced: u, Anchor: serverAnchor[u.Server]})
	}
	pg.Settings = settingRows(p.Settings)
	for _, s := range p.ServerDetails {
		r := serverRow{
			Anchor:    serverAnchor[s.ID],
			ID:        s.ID,
			Hostname:  s.Hostname,
			Source:    s.Source,
			Dataset:   s.Dataset,
			Coverage:  fmtFixed(s.CoveragePct, 1),
			PeakCPU:   fmtDim(model.DimCPU, s.PeakDemand, 2),
			PeakMem:   fmtDim(model.DimMem, s.PeakDemand, 1),
			PeakIOPS:  fmtDim(model.DimDiskIOPS, s.PeakDemand, 0),
			PeakDisk:  fmtDim(model.DimDiskBytes, s.PeakDemand, 1),
			PeakNet:   fmtDim(model.DimNetBytes, s.PeakDemand, 1),
			Host:      link{Text: s.Host, Anchor: hostAnchor[s.Host]},
			Warnings:  s.Warnings,
			WarnTitle: strings.Join(s.Warnings, "\n"),
		}
		pg.Servers = append(pg.Servers, r)
	}

	initJS, err := initScript(charts)
	if err != nil {
		return nil, err
	}
	echartsJS, echartsHash := echartsInline()
	pg.EchartsJS = template.JS(echartsJS)
	pg.InitJS = template.JS(initJS)
	pg.TableJS = template.JS(tableJS)
	pg.TablePageSize = tablePageSize
	pg.CSP = template.HTMLAttr(contentSecurityPolicy(echartsHash, cspHash(initJS), tableHash()))
	return pg, nil
}

// decision writes the plan as one paragraph: what to buy, against the lower
// bound and the sum-of-peaks baseline, what it costs and what is left over.
func decision(p *model.Plan, s summary, overlap []overlapView) string {
	var b strings.Builder
	placed := p.Servers - len(p.Unplaced)
	switch {
	case p.HostsUsed == 0:
		fmt.Fprintf(&b, "No host is needed: none of the %d servers was placed.", p.Servers)
	default:
		fmt.Fprintf(&b, "Buy %d × %s for %d servers (%s per host).", p.HostsUsed, p.HostType, placed, s.Ratio)
		switch {
		case p.HostsUsed <= p.LowerBound:
			fmt.Fprintf(&b, " That is the lower bound: no plan can use fewer than %d.", p.LowerBound)
		default:
			fmt.Fprintf(&b, " No plan can use fewer than %d (the lower bound), so at most %d more could be saved.", p.LowerBound, p.HostsUsed-p.LowerBound)
		}
	}
	if sp := p.Baselines.SumOfPeaks.HostsUsed; sp > 0 && p.HostsUsed > 0 {
		if sp > p.HostsUsed {
			fmt.Fprintf(&b, " Sizing every server at its own peak would need %d (%s%% more); sizing on the time-aligned sum saves %s%% of the hosts.",
				sp, fmtFixed(100*float64(sp-p.HostsUsed)/float64(p.HostsUsed), 0), s.SavingPct)
		} else {
			fmt.Fprintf(&b, " Sizing every server at its own peak would need %d as well: here the peaks coincide too much to save hosts.", sp)
		}
	}
	var parts []string
	for _, o := range overlap {
		parts = append(parts, fmt.Sprintf("%s%% in %s", o.CoincidePct, o.Dim))
	}
	if len(parts) > 0 {
		fmt.Fprintf(&b, " The fleet's peaks coincide by %s (100%% would mean every server peaks at once).", strings.Join(parts, " and "))
	}
	if s.HasCost {
		over := ""
		if s.Years != "0" {
			over = " over " + s.Years + " " + plural(boolInt(s.Years == "1"), "year", "years")
		}
		fmt.Fprintf(&b, " Cost: capex %s plus energy %s%s, total %s (catalog currency); %d rack units.",
			s.Capex, s.Energy, over, s.Cost, s.RackUnits)
	}
	if n := len(p.Unplaced); n > 0 {
		fmt.Fprintf(&b, " %d %s fit no host of this model and need a decision of their own (see Unplaced).", n, plural(n, "server", "servers"))
	} else if p.HostsUsed > 0 {
		b.WriteString(" Every server is placed.")
	}
	return b.String()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// contentSecurityPolicy returns the content attribute of the page's CSP
// <meta>. It allows the page's three inline scripts (by hash) and
// inline styles, and nothing else: no network, no other scripts, no inline
// event handlers.
func contentSecurityPolicy(scriptHashes ...string) string {
	return `content="default-src 'none'; script-src ` + strings.Join(scriptHashes, " ") +
		`; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"`
}

// indexDemand maps server IDs to their demand and checks row lengths.
func indexDemand(d *model.Demand) (map[string]*model.ServerDemand, error) {
	m := make(map[string]*model.ServerDemand, len(d.Servers))
	for i := range d.Servers {
		s := &d.Servers[i]
		for _, cd := range hostChartDims {
			if n := len(s.Values[cd.dim]); n != d.Slots {
				return nil, fmt.Errorf("demand of server %q: %s has %d slots, want %d", s.ID, cd.dim, n, d.Slots)
			}
		}
		if _, dup := m[s.ID]; !dup {
			m[s.ID] = s
		}
	}
	return m, nil
}

// slotLabels returns the start of every slot: "15:04" when the slots span at
// most a day, else "Mon 15:04". Times are UTC.
func slotLabels(d *model.Demand) []string {
	layout := "15:04"
	if time.Duration(d.Slots)*d.Step > 24*time.Hour {
		layout = "Mon 15:04"
	}
	start := d.Start.UTC()
	out := make([]string, d.Slots)
	for t := range out {
		out[t] = start.Add(time.Duration(t) * d.Step).Format(layout)
	}
	return out
}

// maxSlotRanges is how many binding time ranges a host section lists.
const maxSlotRanges = 6

// slotRanges writes slot indices as UTC time ranges, e.g. "13:00–13:15, 18:00–18:05".
func slotRanges(slots []int, d *model.Demand, g model.PlanGrid) string {
	if len(slots) == 0 {
		return ""
	}
	var start time.Time
	step := time.Duration(g.StepSec) * time.Second
	if d != nil {
		start, step = d.Start.UTC(), d.Step
	}
	if step <= 0 {
		parts := make([]string, len(slots))
		for i, x := range slots {
			parts[i] = strconv.Itoa(x)
		}
		return "slots " + strings.Join(parts, ", ")
	}
	s := append([]int(nil), slots...)
	sort.Ints(s)
	at := func(slot int) string { return start.Add(time.Duration(slot) * step).Format("15:04") }
	var parts []string
	n := 0
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] <= s[j]+1 {
			j++
		}
		if n < maxSlotRanges {
			parts = append(parts, at(s[i])+"–"+at(s[j]+1))
		}
		n++
		i = j + 1
	}
	if n > maxSlotRanges {
		parts = append(parts, fmt.Sprintf("and %d more", n-maxSlotRanges))
	}
	return strings.Join(parts, ", ") + " UTC"
}

func hostDimRow(d model.Dim, h model.PlanHost) hostDim {
	_, unit, prec := dimScale(d)
	r := hostDim{
		Name:     d.String(),
		Unit:     unit,
		Raw:      fmtDim(d, h.RawCapacity, prec),
		Usable:   fmtDim(d, h.UsableCapacity, prec),
		PeakUtil: "—",
		BarPct:   "0",
		Binding:  d.String() == h.Binding,
	}
	if u, ok := h.PeakUtilPct[d.String()]; ok {
		r.PeakUtil = fmtFixed(u, 1)
		r.BarPct = fmtFixed(math.Max(0, math.Min(u, 100)), 1)
		r.Over = u > 100
	}
	return r
}

// dimScale gives the divisor, display unit and decimals for a dimension.
func dimScale(d model.Dim) (div float64, unit string, prec int) {
	switch d.Unit() {
	case "ref_cores":
		return 1, "ref. cores", 2
	case "bytes":
		return model.GiB, "GiB", 1
	case "bytes_per_sec":
		return 1e6, "MB/s", 1
	case "iops":
		return 1, "IOPS", 0
	}
	return 1, d.Unit(), 2
}

// fmtDim formats v[d] in the display unit of d, or "—" if absent.
func fmtDim(d model.Dim, v model.DimValues, prec int) string {
	x, ok := v[d.String()]
	if !ok {
		return "—"
	}
	div, _, _ := dimScale(d)
	return fmtFixed(x/div, prec)
}

func fmtFixed(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.TrimLeft(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-") // no "-0.0"
	}
	return s
}

// fmtGrouped formats v rounded to an integer with thousands separators.
func fmtGrouped(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	s := strconv.FormatFloat(math.Abs(math.Round(v)), 'f', 0, 64)
	var b strings.Builder
	if math.Round(v) < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// settingAbout explains the settings; a field missing here is still listed.
var settingAbout = map[string]string{
	"step_sec":                       "alignment grid step, seconds",
	"profile":                        "how aligned data becomes slots (day = time of day, UTC)",
	"percentile":                     "percentile taken per slot over the days of data",
	"slot_stat":                      "per-interval statistic that feeds the percentile",
	"ceiling_pct":                    "utilisation ceiling per dimension, % of capacity after reserve",
	"host_reserve_cores":             "cores reserved for the hypervisor",
	"host_reserve_mem_bytes":         "memory reserved for the hypervisor",
	"cpu_virt_factor":                "multiplier on CPU demand for virtualisation overhead",
	"vm_mem_overhead_fraction":       "per-VM memory overhead, fraction of guest RAM",
	"vm_mem_overhead_base_bytes":     "per-VM memory overhead, fixed part",
	"vm_mem_overhead_per_vcpu_bytes": "per-VM memory overhead per vCPU",
	"ht_factor":                      "throughput of a hyper-threaded core relative to a plain one",
	"reference_core_score":           "CPU score of one reference core",
	"reference_core_mhz":             "MHz of a reference core, for servers without a CPU score",
	"energy_price_per_kwh":           "energy price per kWh, for the candidates' cost",
	"years":                          "years of energy cost in the candidates' cost",
	"host_type_requested":            "host model asked for (empty = cheapest candidate)",
}

// settingRows lists every field of s by its JSON name, in declaration order.
func settingRows(s model.Settings) []settingRow {
	v := reflect.ValueOf(s)
	t := v.Type()
	var rows []settingRow
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		rows = append(rows, settingRow{Key: name, Value: fmtSetting(name, v.Field(i)), About: settingAbout[name]})
	}
	return rows
}

func fmtSetting(name string, v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		if v.String() == "" {
			return "—"
		}
		return v.String()
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if math.Abs(f) < 1e15 {
			s = strconv.FormatFloat(f, 'f', -1, 64) // 8589934592, not 8.589934592e+09
		}
		if strings.HasSuffix(name, "_bytes") {
			s += " (" + fmtBytes(f) + ")"
		}
		return s
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Map:
		keys := make([]string, 0, v.Len())
		vals := map[string]string{}
		for _, k := range v.MapKeys() {
			ks := fmt.Sprint(k.Interface())
			keys = append(keys, ks)
			vals[ks] = fmt.Sprint(v.MapIndex(k).Interface())
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+" "+vals[k])
		}
		if len(parts) == 0 {
			return "—"
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v.Interface())
}

func fmtBytes(b float64) string {
	switch {
	case math.Abs(b) >= model.GiB:
		return strconv.FormatFloat(b/model.GiB, 'g', 4, 64) + " GiB"
	case math.Abs(b) >= model.MiB:
		return strconv.FormatFloat(b/model.MiB, 'g', 4, 64) + " MiB"
	}
	return strconv.FormatFloat(b, 'g', -1, 64) + " B"
}
