package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kvmfit/kvmfit/model"
)

// decisionPart is a run of the decision paragraph; a loud one is a
// warning the page sets in bold red.
type decisionPart struct {
	Text string
	Loud bool
}

// decision writes the plan as one paragraph: what to buy (the hosts for the
// load and the N+k spares apart), against the lower bound, how far the data
// can be trusted (loud when it is a guess), what the input data got wrong
// (plan.json input_issues, loud when it makes the figures wrong), what the
// virtualisation costs (plan.json overhead.summary), whether the VM disks
// fit (loud when not), whether N+k was proven, the baselines (hosts for
// the load against hosts for the load), the overload predicted for the
// month ahead, the evidence reserve, what it costs (loud when costs that
// cover different things are compared), the power, the backtest, what is
// left over and last the count of the risks the Risks section lists
// (risks.Tally, the same list).
func decision(p *model.Plan, s summary, overlap []overlapView, risk riskView, ent entitlementView, risks risksView) []decisionPart {
	var out []decisionPart
	var b strings.Builder
	loud := func(text string) {
		if text == "" {
			return
		}
		b.WriteString(" ")
		out = append(out, decisionPart{Text: b.String()}, decisionPart{Text: text, Loud: true})
		b.Reset()
	}
	decisionHosts(&b, p, s)
	if c := s.Confidence; c.Sentence != "" {
		if c.Guess {
			loud(c.Sentence)
		} else {
			b.WriteString(" " + c.Sentence)
		}
	}
	said, more := map[string]int{}, map[string]int{}
	var kinds []string
	for _, is := range sortedInputIssues(p.InputIssues) {
		text := sentence(is.Message)
		if text == "" {
			continue
		}
		if said[is.Kind] == maxDecisionIssues {
			if more[is.Kind] == 0 {
				kinds = append(kinds, is.Kind)
			}
			more[is.Kind]++
			continue
		}
		said[is.Kind]++
		if loudInputIssue(is.Kind) {
			loud(text)
		} else {
			b.WriteString(" " + text)
		}
	}
	for _, k := range kinds {
		fmt.Fprintf(&b, " %d more %s (see Risks).", more[k], inputIssueName(k, more[k]))
	}
	if o := sentence(p.Overhead.Summary); o != "" {
		b.WriteString(" " + o)
	}
	loud(storageWarning(p, chosenCandidate(p)))
	decisionHA(&b, p)
	decisionBaselines(&b, p, s)
	var parts []string
	for _, o := range overlap {
		parts = append(parts, fmt.Sprintf("%s%% in %s", o.CoincidePct, o.Dim))
	}
	if len(parts) > 0 {
		fmt.Fprintf(&b, " The fleet's peaks coincide by %s (100%% would mean every server peaks at once).", strings.Join(parts, " and "))
	}
	if risk.Sentence != "" {
		b.WriteString(" " + risk.Sentence)
	}
	if n := ent.ReserveServers; n > 0 {
		fmt.Fprintf(&b, " %d %s data for only part of the fleet's span and %s an evidence reserve (%s reference cores and %s GiB in all) within the hosts' full capacity.",
			n, plural(n, "server has", "servers have"), plural(n, "keeps", "keep"), ent.ReserveCPU, ent.ReserveMem)
	}
	decisionCost(&b, s)
	loud(costWarning(p))
	decisionPower(&b, s)
	if bt := s.Backtest; bt != nil && len(bt.Methods) > 0 {
		var parts []string
		for _, m := range bt.Methods {
			parts = append(parts, fmt.Sprintf("%s %s host-minutes over a ceiling (%s%%, worst %s%% over)",
				m.Method, fmtGrouped(m.OverloadMinutes), fmtFixed(m.OverloadHostMinutesPct, 2), fmtFixed(m.WorstOverloadPct, 1)))
		}
		fmt.Fprintf(&b, " Replayed on %s later days of data: %s.", strconv.FormatFloat(bt.TestDays, 'f', -1, 64), strings.Join(parts, "; "))
	}
	if n := len(p.Unplaced); n > 0 {
		fmt.Fprintf(&b, " %d %s no host of this model and %s a decision of %s own (see Risks).", n, plural(n, "server fits", "servers fit"), plural(n, "needs", "need"), plural(n, "its", "their"))
	} else if p.HostsUsed > 0 {
		b.WriteString(" Every server is placed.")
	}
	b.WriteString(" " + risks.Tally.Sentence())
	if b.Len() > 0 {
		out = append(out, decisionPart{Text: b.String()})
	}
	return out
}

// maxDecisionIssues is how many input issues of one kind the decision
// says in full; the Risks section lists them all.
const maxDecisionIssues = 3

// decisionHosts says what to buy: the hosts for the load and the N+k
// spares, and how far the load is from the lower bound.
func decisionHosts(b *strings.Builder, p *model.Plan, s summary) {
	if p.HostsUsed == 0 {
		fmt.Fprintf(b, "No host is needed: none of the %d servers was placed.", p.Servers)
		return
	}
	placed := p.Servers - len(p.Unplaced)
	fmt.Fprintf(b, "Buy %d × %s for %d servers (%s per host)", p.HostsUsed, p.HostType, placed, s.Ratio)
	if s.Spares > 0 {
		fmt.Fprintf(b, ": %s", loadAndSparesText(s.Load, s.Spares, p.HA.Level))
	}
	b.WriteString(".")
	lb := plural(p.LowerBound, "host", "hosts")
	if s.Load <= p.LowerBound {
		fmt.Fprintf(b, " The load needs the lower bound: no plan can use fewer than %d %s for the load.", p.LowerBound, lb)
	} else {
		fmt.Fprintf(b, " No plan can use fewer than %d %s for the load (the lower bound): this one is at most %s%% above the best possible, so at most %d more could be saved.", p.LowerBound, lb, fmtFixed(100*float64(s.Load-p.LowerBound)/float64(p.LowerBound), 1), s.Load-p.LowerBound)
	}
}

// loadAndSparesText is e.g. "7 hosts for the load + 1 spare (N+1)".
func loadAndSparesText(load, spares, level int) string {
	return fmt.Sprintf("%d %s for the load + %d %s (N+%d)", load, plural(load, "host", "hosts"), spares, plural(spares, "spare", "spares"), max(1, level))
}

// decisionHA says whether N+k was proven.
func decisionHA(b *strings.Builder, p *model.Plan) {
	if p.HA.Level == 0 || len(p.HA.Scenarios) == 0 {
		if p.HostsUsed > 0 {
			b.WriteString(" No spare host is planned: a host failure takes its servers down until they are restarted elsewhere.")
		}
		return
	}
	failing := 0
	for _, sc := range p.HA.Scenarios {
		if !sc.OK {
			failing++
		}
	}
	if failing > 0 {
		fmt.Fprintf(b, " N+%d does not hold: in %d of %d failure scenarios some servers fit on no surviving host (see Risks).",
			p.HA.Level, failing, len(p.HA.Scenarios))
		return
	}
	what := "each host"
	if p.HA.Level > 1 {
		what = fmt.Sprintf("every set of %d hosts", p.HA.Level)
	}
	fmt.Fprintf(b, " N+%d is proven: failing %s in turn (%d scenarios), every server restarts on a surviving host within its capacity.",
		p.HA.Level, what, len(p.HA.Scenarios))
}

// decisionBaselines compares the hosts for the load with the baselines'
// hosts, which carry no spares either.
func decisionBaselines(b *strings.Builder, p *model.Plan, s summary) {
	load := s.Load
	if load <= 0 {
		return
	}
	apart := ""
	if s.Spares > 0 {
		apart = " (spares apart)"
	}
	if sp := p.Baselines.SumOfPeaks.HostsUsed; sp > 0 {
		switch {
		case sp > load:
			fmt.Fprintf(b, " Sizing every server at its own peak would need %d hosts for the load against these %d%s, %s%% more: sizing on the time-aligned sum saves %s%% of the hosts.",
				sp, load, apart, fmtFixed(100*float64(sp-load)/float64(load), 0), s.SavingPct)
		case sp == load:
			fmt.Fprintf(b, " Sizing every server at its own peak would need %d hosts for the load as well: here the peaks coincide too much to save hosts.", sp)
		default:
			fmt.Fprintf(b, " Sizing every server at its own peak would need only %d hosts for the load against these %d%s: the plan adds margins and reserves that outweigh what the time alignment saves.", sp, load, apart)
		}
	}
	pc := p.Baselines.PercentileComfort.HostsUsed
	if pc <= 0 {
		return
	}
	left := ""
	if n := p.Baselines.PercentileComfort.Unplaced; n > 0 {
		left = fmt.Sprintf(" for all but %d %s, which fit no host at that size", n, plural(n, "server", "servers"))
	}
	switch {
	case pc > load:
		fmt.Fprintf(b, " Sizing every server at its own %s, flat over time (Azure Migrate's method), would need %d hosts for the load%s: the time-aligned sum saves %s%% against it.",
			s.PctlLabel, pc, left, s.PctlSavingPct)
	case pc == load:
		fmt.Fprintf(b, " Sizing every server at its own %s, flat over time (Azure Migrate's method), would need %d hosts for the load as well%s.", s.PctlLabel, pc, left)
	default:
		fmt.Fprintf(b, " Sizing every server at its own %s, flat over time (Azure Migrate's method), would need only %d hosts for the load%s: it ignores the peaks above that percentile that kvmfit sizes for.", s.PctlLabel, pc, left)
	}
}

// decisionCost adds the chosen candidate's cost, part by part.
func decisionCost(b *strings.Builder, s summary) {
	if !s.HasCost {
		return
	}
	over := ""
	if s.Years != "0" {
		over = " over " + s.Years + " " + plural(boolInt(s.Years == "1"), "year", "years")
	}
	fmt.Fprintf(b, " Cost: capex %s plus energy %s%s", s.Capex, s.Energy, over)
	for _, part := range []struct{ what, v string }{{"rack space", s.Rack}, {"licences", s.Licences}, {"storage pool", s.Pool}} {
		if part.v != "" {
			fmt.Fprintf(b, " plus %s %s", part.what, part.v)
		}
	}
	fmt.Fprintf(b, ", total %s (catalog currency); %d rack units.", s.Cost, s.RackUnits)
}

// decisionPower adds the power before and after.
func decisionPower(b *strings.Builder, s summary) {
	if !s.HasPower {
		return
	}
	if s.Power.FromPlan {
		fmt.Fprintf(b, " Power: about %s kW today (%s) against %s kW after.",
			s.Power.Before, s.Power.Basis, s.Power.After)
	} else {
		fmt.Fprintf(b, " Power: about %s kW today (assuming %d W per legacy server) against %s kW after.",
			s.Power.Before, s.LegacyWatts, s.Power.After)
	}
}
