package profile

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// A period is a set of servers whose data spans overlap, chained: every
// server of a period overlaps another of it, and no server of one period
// overlaps one of another.
type period struct {
	first, last time.Time
	ids         []string
}

// periodsOf groups the servers with samples by overlapping spans, in time
// order: sorted by first sample, a server starts a new period when it
// starts at or after the end of every earlier one.
func (b *fleetBuilder) periodsOf() []period {
	ps := slices.Clone(b.placed)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].first.Before(ps[j].first) })
	var out []period
	for _, p := range ps {
		id := b.f.Servers[p.idx].ID
		if n := len(out); n > 0 && p.first.Before(out[n-1].last) {
			if p.last.After(out[n-1].last) {
				out[n-1].last = p.last
			}
			out[n-1].ids = append(out[n-1].ids, id)
			continue
		}
		out = append(out, period{first: p.first, last: p.last, ids: []string{id}})
	}
	return out
}

// periodSpans returns, for every server with samples (b.placed order), the
// span of its period: what its data is measured against for the evidence
// reserve and the confidence. With one period it is the fleet's span; a
// server from another campaign (a trace of 2013 beside the collector's
// data of today) is not counted as missing the years between them, which
// would reserve almost all of everyone's entitlement.
func (b *fleetBuilder) periodSpans() []period {
	of := map[string]period{}
	for _, p := range b.periodsOf() {
		for _, id := range p.ids {
			of[id] = p
		}
	}
	out := make([]period, len(b.placed))
	for k, p := range b.placed {
		out[k] = of[b.f.Servers[p.idx].ID]
	}
	return out
}

// slots is the number of grid slots of step in the period's span.
func (p period) slots(step time.Duration) int {
	return int((p.last.Sub(p.first) + step - 1) / step)
}

// periods warns when the servers' data fall into periods that do not
// overlap (Bitbrains' 2013 and the collector's data of today): the plan
// adds their demand slot by slot as if they had run at the same time,
// which says nothing about how they will run together. The InputIssue
// "periods" names the servers outside the period with the most servers.
func (b *fleetBuilder) periods() {
	ps := b.periodsOf()
	if len(ps) < 2 {
		return
	}
	big := 0
	for k, p := range ps {
		if len(p.ids) > len(ps[big].ids) {
			big = k
		}
	}
	var parts, others []string
	for k, p := range ps {
		ids := slices.Clone(p.ids)
		slices.Sort(ids)
		ex := ids
		if len(ex) > 3 {
			ex = append(slices.Clone(ex[:3]), "...")
		}
		parts = append(parts, fmt.Sprintf("%s to %s (%s: %s)", p.first.Format(time.RFC3339), p.last.Format(time.RFC3339), servers(len(ids)), strings.Join(ex, ", ")))
		if k != big {
			others = append(others, ids...)
		}
	}
	slices.Sort(others)
	how := map[model.ProfileKind]string{
		model.ProfileDay:  "the day profile lines them up by time of day",
		model.ProfileWeek: "the week profile lines them up by time of week",
		model.ProfileFull: "the full profile fills each server's timeline outside its own data from its time-of-day profile",
	}[b.s.Profile]
	msg := fmt.Sprintf("the servers' data cover %d periods that do not overlap: %s. The plan adds their demand slot by slot (%s) as if they had run at the same time, which they did not: their peaks may or may not meet once they share hosts. Collect the same weeks for every server, or plan each period on its own",
		len(ps), strings.Join(parts, "; "), how)
	b.f.Warnings = append(b.f.Warnings, msg)
	b.f.InputIssues = append(b.f.InputIssues, model.InputIssue{Kind: IssuePeriods, Servers: others, Message: msg})
}

// Full profile limits: a "full" grid over a span more than fullSpanRatio
// times the longest server's own span is mostly filled-in time (a warning);
// one whose demand would take more than fullHardMiB is refused.
const fullSpanRatio = 2

// fullHardMiB is a variable for the tests.
var fullHardMiB = 16 << 10

// checkFullSpan warns (and records an InputIssue "periods") when the
// "full" grid of days days spans far more than any server's data, and
// refuses a grid whose demand (mb MiB) is above fullHardMiB.
func (b *fleetBuilder) checkFullSpan(days int, mb float64) error {
	var longest time.Duration
	for _, p := range b.placed {
		longest = max(longest, p.last.Sub(p.first))
	}
	span := time.Duration(days) * 24 * time.Hour
	if mb > float64(fullHardMiB) {
		return fmt.Errorf("full profile: %d servers × %d slots (%d days from %s) would take %.0f GiB of demand, above the %d GiB this build plans with; the longest server's data span %.1f days. Use --profile day or week, a longer --step, or plan the periods separately",
			len(b.placed), days*int(24*time.Hour/b.s.Step()), days, b.first.Format(time.DateOnly), mb/1024, fullHardMiB>>10, longest.Hours()/24)
	}
	if longest > 0 && span > fullSpanRatio*longest {
		msg := fmt.Sprintf("full profile over %d days (%d slots per server), more than %d × the longest server's own data (%.1f days): most of every server's timeline is filled from its time-of-day profile, not measured. --profile day or week fold the data instead",
			days, days*int(24*time.Hour/b.s.Step()), fullSpanRatio, longest.Hours()/24)
		b.f.Warnings = append(b.f.Warnings, msg)
		b.f.InputIssues = append(b.f.InputIssues, model.InputIssue{Kind: IssuePeriods, Message: msg})
	}
	return nil
}

// timeZones warns about every server whose local times were read in an
// assumed zone (Inventory.TimeZoneAssumed), one warning and InputIssue
// "time_zone" per zone: a wrong zone shifts the server's day profile by
// the difference and can line up peaks that never met, or part ones that
// did.
func (b *fleetBuilder) timeZones() {
	zones := make([]string, 0, len(b.assumedTZ))
	for z := range b.assumedTZ {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	for _, z := range zones {
		ids := slices.Clone(b.assumedTZ[z])
		slices.Sort(ids)
		shown := z
		if shown == "" {
			shown = "UTC"
		}
		ex := ids
		if len(ex) > 5 {
			ex = append(slices.Clone(ex[:5]), "...")
		}
		msg := fmt.Sprintf("local times of %s (%s) were read as %s because no time zone was given: if they were recorded in another zone, their day profile is shifted by the difference; re-import them with --tz",
			servers(len(ids)), strings.Join(ex, ", "), shown)
		b.f.Warnings = append(b.f.Warnings, msg)
		b.f.InputIssues = append(b.f.InputIssues, model.InputIssue{Kind: IssueTimeZone, Servers: ids, Message: msg})
	}
}
