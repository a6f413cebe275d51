package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// This file computes the plan's risks once (riskItems), for both the
// decision paragraph's count and the list at the top of the Risks section,
// shows what the input data got wrong (plan.json input_issues) and says how
// much the data can be trusted (dataConfidence).

// riskItem is one kind of risk the Risks section lists: how many, in
// words, and the id of the Risks subsection that lists them.
type riskItem struct {
	Kind   string
	Count  int
	Text   string
	Anchor string
	// Loud risks are set in red in the list.
	Loud bool
}

// riskTally is the risk list and its totals.
type riskTally struct {
	Items []riskItem
	// Total is the sum of the items' counts.
	Total int
}

// inputIssueView is one problem of the input data (model.InputIssue).
type inputIssueView struct {
	Kind, What string
	Message    string
	Servers    []link
	// More counts the servers not listed by name.
	More int
}

// inputIssueNames names the kinds of model.InputIssue, one and many.
var inputIssueNames = map[string][2]string{
	"duplicate":        {"duplicate server", "duplicate servers"},
	"periods":          {"period that does not overlap the others", "periods that do not overlap"},
	"missing_resource": {"resource without data", "resources without data"},
	"time_zone":        {"assumed time zone", "assumed time zones"},
	"truncated":        {"truncated input file", "truncated input files"},
	"trend":            {"trend on too little data", "trends on too little data"},
}

// inputIssueOrder is the order of the kinds in the lists; unknown kinds
// come after, by name.
var inputIssueOrder = []string{"periods", "duplicate", "missing_resource", "truncated", "time_zone", "trend"}

// loudInputIssue reports whether an issue of kind makes the plan's figures
// wrong (rather than less certain): such issues are set in red.
func loudInputIssue(kind string) bool {
	switch kind {
	case "time_zone", "trend":
		return false
	}
	return true
}

func inputIssueName(kind string, n int) string {
	names, ok := inputIssueNames[kind]
	if !ok {
		names = [2]string{"input problem (" + kind + ")", "input problems (" + kind + ")"}
	}
	return plural(n, names[0], names[1])
}

func inputIssueRank(kind string) int {
	for i, k := range inputIssueOrder {
		if k == kind {
			return i
		}
	}
	return len(inputIssueOrder)
}

// sortedInputIssues returns the plan's input issues by kind (in
// inputIssueOrder, then by name), keeping the plan's order within a kind.
func sortedInputIssues(issues []model.InputIssue) []model.InputIssue {
	out := append([]model.InputIssue(nil), issues...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := inputIssueRank(out[i].Kind), inputIssueRank(out[j].Kind)
		if ri != rj {
			return ri < rj
		}
		return ri == len(inputIssueOrder) && out[i].Kind < out[j].Kind
	})
	return out
}

// inputIssuesOf lists the plan's input issues with their servers linked.
func inputIssuesOf(issues []model.InputIssue, serverAnchor map[string]string) []inputIssueView {
	var out []inputIssueView
	for _, is := range sortedInputIssues(issues) {
		v := inputIssueView{Kind: is.Kind, What: inputIssueName(is.Kind, 1), Message: sentence(is.Message)}
		for k, id := range is.Servers {
			if k == maxGroupServers {
				v.More = len(is.Servers) - k
				break
			}
			v.Servers = append(v.Servers, link{Text: id, Anchor: serverAnchor[id]})
		}
		out = append(out, v)
	}
	return out
}

// riskItems lists every risk the Risks section shows, in its order: the
// input data first, then what can strand or overload servers, storage,
// the data's reliability, the replay and the warnings. The decision and
// the Risks section both read this list.
func riskItems(p *model.Plan, r risksView, risk riskView, st storageView, bt *Backtest) riskTally {
	var t riskTally
	add := func(kind string, n int, text, anchor string, loud bool) {
		if n <= 0 {
			return
		}
		t.Items = append(t.Items, riskItem{Kind: kind, Count: n, Text: text, Anchor: anchor, Loud: loud})
		t.Total += n
	}
	counts := map[string]int{}
	var kinds []string
	for _, is := range sortedInputIssues(p.InputIssues) {
		if counts[is.Kind] == 0 {
			kinds = append(kinds, is.Kind)
		}
		counts[is.Kind]++
	}
	for _, k := range kinds {
		n := counts[k]
		add("input:"+k, n, fmt.Sprintf("%d %s", n, inputIssueName(k, n)), "input-issues", loudInputIssue(k))
	}
	n := len(r.Unplaced)
	add("unplaced", n, fmt.Sprintf("%d unplaced %s", n, plural(n, "server", "servers")), "unplaced", true)
	switch {
	case r.HA.Level > 0 && r.HA.Failing > 0:
		add("ha", r.HA.Failing, fmt.Sprintf("N+%d fails in %d of %d failure scenarios", r.HA.Level, r.HA.Failing, len(r.HA.Scenarios)), "ha", true)
	case r.HA.Level == 0 && p.HostsUsed > 0:
		add("ha", 1, "no spare host (N+0): a host failure takes its servers down", "ha", false)
	}
	if risk.Predicted && (risk.ceilingPredicted > 0 || risk.capacityPredicted > 0) {
		text := fmt.Sprintf("overload predicted for the month ahead (about %s host-minutes over the ceiling, %s over 100 %% of capacity)",
			risk.Ceiling.Predicted, risk.Capacity.Predicted)
		add("predicted", 1, text, "predicted-risk", risk.OverCapacity)
	}
	n = len(r.OverCeiling)
	add("over-ceiling", n, fmt.Sprintf("%d %s planned above the ceiling", n, plural(n, "host", "hosts")), "over-ceiling", true)
	n = r.StorageFlagged
	add("storage-latency", n, fmt.Sprintf("%d %s at storage latency risk (disk at %d %% of usable or more)", n, plural(n, "host", "hosts"), storageRiskPct), "storage", false)
	if st.Has {
		n = st.Unknown
		add("storage-unknown", n, fmt.Sprintf("%d %s without a storage figure (counted as 0 bytes)", n, plural(n, "server", "servers")), "storage-unknown", true)
		n = st.HostsOver
		add("storage-over", n, fmt.Sprintf("%d %s holding more VM disks than local storage", n, plural(n, "host", "hosts")), "storage-unknown", true)
		if st.Pool != nil && !st.Pool.Fits {
			add("storage-pool", 1, "the storage pool "+st.Pool.Name+" does not fit", "storage-unknown", true)
		}
	}
	n = len(r.Saturated)
	add("saturated", n, fmt.Sprintf("%d CPU-saturated %s (true demand unknown)", n, plural(n, "server", "servers")), "saturated", false)
	n = len(r.LowConf)
	add("low-confidence", n, fmt.Sprintf("%d %s with low-confidence data", n, plural(n, "server", "servers")), "low-confidence", false)
	if bt != nil && len(bt.Methods) > 0 && bt.Methods[0].OverloadMinutes > 0 {
		m := bt.Methods[0]
		add("backtest", 1, fmt.Sprintf("overload in the replay of later data (%s host-minutes over a ceiling)", fmtGrouped(m.OverloadMinutes)), "backtest", false)
	}
	n = 0
	for _, g := range r.WarnGroups {
		n += len(g.Items)
	}
	add("warnings", n, fmt.Sprintf("%d %s of %d %s", n, plural(n, "warning", "warnings"), len(r.WarnGroups), plural(len(r.WarnGroups), "kind", "kinds")), "warnings", false)
	return t
}

// Sentence is the decision's count of the risks, naming each kind.
func (t riskTally) Sentence() string {
	if len(t.Items) == 0 {
		return "The Risks section lists no risk."
	}
	parts := make([]string, len(t.Items))
	for i, it := range t.Items {
		parts[i] = it.Text
	}
	return fmt.Sprintf("The Risks section lists %d %s of %d %s: %s.", t.Total, plural(t.Total, "risk", "risks"),
		len(t.Items), plural(len(t.Items), "kind", "kinds"), strings.Join(parts, "; "))
}

// overCeilingHosts lists the hosts whose planned peak utilisation of some
// resource is above 100 % of its usable capacity.
func overCeilingHosts(p *model.Plan, hostAnchor map[string]string) []overCeilingRow {
	var out []overCeilingRow
	for _, h := range p.Hosts {
		var over []string
		for d := model.Dim(0); d < model.NumDims; d++ {
			if u, ok := h.PeakUtilPct[d.String()]; ok && u > 100 {
				over = append(over, fmt.Sprintf("%s %s %%", d, fmtFixed(u, 1)))
			}
		}
		if len(over) > 0 {
			out = append(out, overCeilingRow{Host: link{Text: h.Name, Anchor: hostAnchor[h.Name]}, Over: strings.Join(over, ", ")})
		}
	}
	return out
}

// overCeilingRow is a host planned above its ceiling and by how much.
type overCeilingRow struct {
	Host link
	Over string
}

// confidenceView says how far the data can be trusted: how much data the
// servers have, against the settings' minimum and recommended days.
type confidenceView struct {
	// Sentence is the decision's statement, e.g. "Built from 3 minutes
	// of data per server (median): a guess, ...".
	Sentence string
	// Verdict is "a guess", "a first estimate" or "enough to plan on";
	// Guess is true for the first.
	Verdict string
	Guess   bool
	// Span is the median server's data, in words ("7.0 days").
	Span string
}

// dataConfidence rates the plan's data: the median server's days of data
// (the grid's span when no server says) against min_days and
// recommended_days, with the fleet's stars.
func dataConfidence(p *model.Plan) confidenceView {
	var days []float64
	for _, s := range p.ServerDetails {
		if c := s.Analysis.Confidence; c.SlotsExpected > 0 || c.Days > 0 {
			days = append(days, c.Days)
		}
	}
	var d float64
	switch {
	case len(days) > 0:
		sort.Float64s(days)
		d = days[(len(days)-1)/2]
	default:
		start, err1 := time.Parse(time.RFC3339, p.Grid.DataStart)
		end, err2 := time.Parse(time.RFC3339, p.Grid.DataEnd)
		if err1 != nil || err2 != nil || !end.After(start) {
			return confidenceView{}
		}
		d = end.Sub(start).Hours() / 24
	}
	s := p.Settings
	v := confidenceView{Span: fmtSpan(d)}
	switch {
	case d < s.MinDays:
		v.Verdict, v.Guess = "a guess", true
	case d < s.RecommendedDays:
		v.Verdict = "a first estimate"
	default:
		v.Verdict = "enough to plan on"
	}
	per := ""
	if len(days) > 1 {
		per = " per server (median)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Built from %s of data%s: %s", v.Span, per, v.Verdict)
	switch {
	case v.Guess:
		fmt.Fprintf(&b, ", below the %s days kvmfit needs at least (min_days); collect more before buying", num(s.MinDays))
	case d < s.RecommendedDays:
		fmt.Fprintf(&b, ", below the %s days recommended (recommended_days)", num(s.RecommendedDays))
	}
	if c := p.Fleet.Confidence; c.Stars > 0 {
		fmt.Fprintf(&b, "; data confidence %d of 5 stars (%s%% of the expected data points)", c.Stars, fmtFixed(c.PresentPct, 1))
	}
	if c := p.Fleet.Confidence; c.Insufficient > 0 && len(days) > 1 {
		fmt.Fprintf(&b, "; %d %s less than %s days", c.Insufficient, plural(c.Insufficient, "server has", "servers have"), num(s.MinDays))
	}
	b.WriteString(".")
	v.Sentence = b.String()
	return v
}

// fmtSpan writes a length of data given in days: minutes below an hour,
// hours below two days, else days, e.g. "3 minutes", "5.5 hours",
// "14.0 days".
func fmtSpan(days float64) string {
	min := days * 24 * 60
	switch {
	case min < 59.5:
		m := int(math.Round(min))
		return fmt.Sprintf("%d %s", m, plural(m, "minute", "minutes"))
	case days < 2:
		return fmtFixed(days*24, 1) + " hours"
	}
	return fmtFixed(days, 1) + " days"
}
