package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// catalogYAML is planInput's catalog as a file would hold it, with a third
// model whose memory the host reserve takes whole.
const catalogYAML = `currency: EUR
hosts:
  - name: small
    cores: 16
    threads: 16
    cpu_score_per_core: 1000
    mem_bytes: 128GiB
    storage_iops: 1e5
    storage_bytes_per_sec: 4e9
    net_bytes_per_sec: 4e9
    price: 5000
    watts: 300
    rack_units: 1
  - name: tiny
    cores: 16
    threads: 16
    cpu_score_per_core: 1000
    mem_bytes: 512
    storage_iops: 1e5
    storage_bytes_per_sec: 4e9
    net_bytes_per_sec: 4e9
    price: 100
    watts: 300
    rack_units: 1
  - name: large
    cores: 48
    threads: 48
    cpu_score_per_core: 1000
    mem_bytes: 512GiB
    storage_iops: 1e5
    storage_bytes_per_sec: 4e9
    net_bytes_per_sec: 4e9
    price: 16000
    watts: 300
    rack_units: 1
`

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBadCatalogEntrySkipped: a host model whose memory the host reserve
// takes whole (mem_bytes: 512 against 8 GiB) is left out of the comparison
// with a warning naming the catalog file, line, field, value and reason;
// the plan is otherwise the one without that model. Asked for with
// --host-type it is an error, as when every model is unusable.
func TestBadCatalogEntrySkipped(t *testing.T) {
	cat, err := model.ParseCatalog([]byte(catalogYAML))
	if err != nil {
		t.Fatal(err)
	}
	cat.Source = "hosts.yaml"
	in := planInput(30, 3)
	in.Settings.HostReserveMemBytes = 8 * model.GiB
	in.Pack = PackOptions{Work: 1e5, HA: 1, Mix: true, SensitivityMaxServers: 100}
	in.Catalog = cat
	got, err := BuildPlan(in)
	if err != nil {
		t.Fatalf("one bad catalog entry aborts the plan: %v", err)
	}
	want := "host catalog hosts.yaml:18: host model tiny: field mem_bytes: 512B is not more than the host reserve of 8GiB (host_reserve_mem_bytes): no memory is left for VMs; this host model is left out of the comparison"
	if !slices.Contains(got.Warnings, want) {
		t.Errorf("warnings %q\nwant one %q", got.Warnings, want)
	}
	for _, c := range got.Candidates {
		if c.HostType == "tiny" {
			t.Errorf("the unusable model is a candidate: %+v", c)
		}
	}
	good := *cat
	good.Hosts = slices.DeleteFunc(slices.Clone(cat.Hosts), func(h model.HostSpec) bool { return h.Name == "tiny" })
	in2 := in
	in2.Catalog = &good
	ref, err := BuildPlan(in2)
	if err != nil {
		t.Fatal(err)
	}
	got.Warnings = slices.DeleteFunc(got.Warnings, func(w string) bool { return w == want })
	if a, b := mustJSON(t, got), mustJSON(t, ref); a != b {
		t.Errorf("the plan with the bad model left out differs from the plan without it")
	}

	in.Settings.HostType = "tiny"
	_, err = BuildPlan(in)
	if err == nil || !strings.HasPrefix(err.Error(), "host catalog hosts.yaml:18: host model tiny: field mem_bytes: 512B is not more than the host reserve of 8GiB") {
		t.Errorf("--host-type tiny: error %v", err)
	}
	in.Settings.HostType = ""
	in.Settings.HostReserveMemBytes = 1 << 40
	_, err = BuildPlan(in)
	if err == nil || !strings.HasPrefix(err.Error(), "no host model of the catalog can hold any VM: host catalog hosts.yaml:7: host model small: field mem_bytes: 128GiB is not more than the host reserve of 1TiB") {
		t.Errorf("every model unusable: error %v", err)
	}
}

// TestProgress: PackOptions.Progress hears every long phase, each ending
// with done == total and never going back, and does not change the plan.
func TestProgress(t *testing.T) {
	in := planInput(30, 7)
	in.Demand.Step = time.Hour // 24 slots a day
	in.Pack = PackOptions{Work: 1e5, HA: 1, Mix: true, PercentileBaseline: true, SensitivityMaxServers: 100, Balance: true}
	ref, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	Analyze(ref, in.Demand, in.Servers, in.Settings)
	type step struct{ done, total int }
	seen := map[string][]step{}
	var order []string
	in.Pack.Progress = func(phase string, done, total int) {
		if _, ok := seen[phase]; !ok {
			order = append(order, phase)
		}
		seen[phase] = append(seen[phase], step{done, total})
	}
	got, err := Build(&in)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, got), mustJSON(t, ref); a != b {
		t.Error("the plan with a progress callback differs from the plan without")
	}
	want := []string{"packing host models", "N+1 proof on small", "N+1 proof on large",
		"mixing host models", "per-VM percentile baseline", "sensitivity sweep", "analysing hosts"}
	for _, w := range want {
		if _, ok := seen[w]; !ok {
			t.Errorf("no progress for phase %q (phases: %q)", w, order)
		}
	}
	for phase, steps := range seen {
		last := steps[len(steps)-1]
		if last.done != last.total || last.total <= 0 {
			t.Errorf("%s: ends at %d/%d", phase, last.done, last.total)
		}
		for i := 1; i < len(steps); i++ {
			// An N+k proof restarts its scenarios when it adds a spare.
			if steps[i].done < steps[i-1].done && !strings.HasPrefix(phase, "N+") {
				t.Errorf("%s: goes back from %d to %d", phase, steps[i-1].done, steps[i].done)
			}
		}
	}
	if s := seen["packing host models"]; fmt.Sprint(s) != "[{0 2} {1 2} {1 2} {2 2}]" {
		t.Errorf("packing host models: steps %v, want [{0 2} {1 2} {1 2} {2 2}]", s)
	}
	sw := seen["sensitivity sweep"]
	if n := len(sw); n < 3 || sw[n-1].total != sw[0].total {
		t.Errorf("sensitivity sweep steps %v", sw)
	}
	// Every computed point but the plan's own is one solve, plus the base.
	solves := 1
	for _, p := range got.Sensitivity.Points {
		if !p.Plan {
			solves++
		}
	}
	if sw[len(sw)-1].total != solves {
		t.Errorf("sensitivity sweep total %d, want %d solves", sw[len(sw)-1].total, solves)
	}
}
