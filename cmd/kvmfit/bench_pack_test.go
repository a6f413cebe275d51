package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	planner "github.com/kvmfit/kvmfit/binpack/plan"
	"github.com/kvmfit/kvmfit/model"
)

var packSizes = flag.String("pack.servers", envString("KVMFIT_PACK_SERVERS", "1000,3000"), "fleet sizes the packing benchmark plans, comma-separated (10000 takes about 15 minutes to generate)")

func envString(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// BenchmarkPackFleet is binpack/QUALITY.md's table of generated fleets: for
// each size in -pack.servers (seed 7, 30 days of 5-minute samples,
// samples/hosts.yaml, the default plan flags) it plans the fleet and
// reports, per host model of the catalog, the hosts for the load against
// the lower bound, and the packing phase's CPU seconds (every candidate,
// the baselines, the N+1 proof and the preset comparison). The datasets
// are generated into -scale.dir (KVMFIT_SCALE_DIR) and reused from there
// when complete, as BenchmarkScale does.
//
//	go test ./cmd/kvmfit -run '^$' -bench PackFleet -benchtime 1x -timeout 3h -v -args -pack.servers=1000,3000,10000 -scale.dir=/var/tmp/kvmfit
func BenchmarkPackFleet(b *testing.B) {
	for _, s := range strings.Split(*packSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			b.Fatalf("-pack.servers: %q is not a number of servers", s)
		}
		b.Run(fmt.Sprintf("servers=%d/days=30", n), func(b *testing.B) {
			for b.Loop() {
				packFleetOnce(b, n, 30)
			}
		})
	}
}

func packFleetOnce(b *testing.B, n, days int) {
	dir := *scaleDir
	if dir == "" {
		dir = b.TempDir()
	}
	data := filepath.Join(dir, fmt.Sprintf("fleet-%d-%d", n, days))
	if _, err := os.Stat(filepath.Join(data, ".complete")); err != nil {
		if err := generateFleet(data, n, days); err != nil {
			b.Fatal(err)
		}
	}
	_, req := benchPlanRequest(b, []string{"--data", data, "--hosts", filepath.Join("..", "..", "samples", "hosts.yaml")})
	in, err := planner.Prepare(req)
	if err != nil {
		b.Fatal(err)
	}
	var plan *model.Plan
	u, err := measure("pack", func() (err error) {
		plan, err = planner.Build(in)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	worst := 0.0
	var rows []string
	for _, c := range plan.Candidates {
		gap := 0.0
		if c.LowerBound > 0 {
			gap = 100 * float64(c.HostsWithoutHA-c.LowerBound) / float64(c.LowerBound)
		}
		worst = max(worst, gap)
		rows = append(rows, fmt.Sprintf("| %s | %d | %d | %.1f %% | %d |", c.HostType, c.HostsWithoutHA, c.LowerBound, gap, c.Unplaced))
	}
	b.Logf("%d servers × %d days, chosen %s (search stop: %s); packing phase %.1f CPU-s, %.1f s wall\n| host model | hosts for the load | lower bound | gap | unplaced |\n|---|---:|---:|---:|---:|\n%s",
		n, days, plan.HostType, plan.Search.Stop, u.cpu, u.wall, strings.Join(rows, "\n"))
	b.ReportMetric(float64(plan.HostsWithoutHA), "hosts")
	b.ReportMetric(float64(plan.LowerBound), "lower_bound")
	b.ReportMetric(plan.LowerBoundGapPct, "gap_%")
	b.ReportMetric(worst, "worst_gap_%")
	b.ReportMetric(u.cpu, "pack-cpu-s")
}
