package main

import (
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/spf13/pflag"
)

// resolveArgs parses plan flags and resolves the settings.
func resolveArgs(t *testing.T, args ...string) (model.Settings, error) {
	t.Helper()
	o := &PlanOptions{Settings: model.DefaultSettings.Clone()}
	fs := pflag.NewFlagSet("plan", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(append([]string{"--data", "d", "--hosts", "h"}, args...)); err != nil {
		t.Fatal(err)
	}
	err := o.resolve()
	return o.Settings, err
}

func TestResolveModelFlags(t *testing.T) {
	s, err := resolveArgs(t)
	if err != nil {
		t.Fatal(err)
	}
	// Defaults: every resource's percentile written out, kvm-virtio numbers.
	if s.Virt != "kvm-virtio" || s.CPUVirtFactor != 1.05 || len(s.PercentileByDim) != int(model.NumDims) || s.PercentileByDim["mem"] != 95 {
		t.Errorf("defaults: %+v", s)
	}
	s, err = resolveArgs(t, "--virt", "kvm-emulated", "--host-reserve-cores", "4", "--percentile", "90", "--percentile-for", "mem=100",
		"--profile", "week", "--ksm", "--horizon", "12", "--growth-pct-per-year", "10")
	if err != nil {
		t.Fatal(err)
	}
	// The preset's numbers, except the flag given explicitly.
	if s.CPUVirtFactor != 1.2 || s.CPUCoresPerKIOPS != 0.05 || s.HostReserveCores != 4 || s.HostReserveMemBytes != 8*model.GiB {
		t.Errorf("kvm-emulated with --host-reserve-cores 4: %+v", s)
	}
	if s.PercentileByDim["mem"] != 100 || s.PercentileByDim["cpu"] != 90 || s.Profile != "week" || !s.KSM || s.HorizonMonths != 12 {
		t.Errorf("flags: %+v", s)
	}
	for _, bad := range [][]string{
		{"--virt", "xen"},
		{"--percentile-for", "gpu=90"},
		{"--percentile-for", "mem=abc"},
		{"--percentile-for", "mem=0"},
		{"--profile", "month"},
		{"--comfort", "0.5"},
	} {
		if _, err := resolveArgs(t, bad...); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// TestPlanProfiles plans a small generated fleet with every profile and
// checks the grid and the model's analytics in plan.json.
func TestPlanProfiles(t *testing.T) {
	dir := t.TempDir()
	data := dir + "/fleet"
	mustRun(t, "samples", "generate", "--servers", "8", "--days", "3", "--seed", "2", "--out", data)
	for _, tc := range []struct {
		profile string
		slots   int
	}{{"day", 288}, {"week", 2016}, {"full", 3 * 288}} {
		out := dir + "/plan-" + tc.profile + ".json"
		mustRun(t, "plan", "--data", data, "--hosts", "../../samples/hosts.yaml", "--profile", tc.profile, "--ksm", "--out", out)
		p := readPlan(t, out)
		if p.Grid.Slots != tc.slots || string(p.Grid.Profile) != tc.profile || string(p.Settings.Profile) != tc.profile {
			t.Errorf("%s: grid %+v", tc.profile, p.Grid)
		}
		for _, r := range []string{"cpu", "mem"} {
			if cf := p.Fleet.CoincidenceFactor[r]; !(cf > 0 && cf <= 1) {
				t.Errorf("%s: fleet %s coincidence factor %v", tc.profile, r, cf)
			}
		}
		if p.Fleet.Confidence.Stars != 5 || p.Fleet.Confidence.Short != 8 { // 3 days < 7 recommended
			t.Errorf("%s: fleet confidence %+v", tc.profile, p.Fleet.Confidence)
		}
		for _, sd := range p.ServerDetails {
			a := sd.Analysis
			if a.Confidence.Stars != 5 || a.CPUNorm.Method == "" || a.Rightsize.VCPUs < 1 || a.PeakGroup > len(p.Fleet.PeakGroups) ||
				a.CPUPeakSlot < 0 || a.CPUPeakSlot >= tc.slots {
				t.Errorf("%s: %s analysis %+v", tc.profile, sd.ID, a)
			}
		}
		for _, h := range p.Hosts {
			if len(h.Servers) == 0 {
				// An empty HA spare has nothing to analyse.
				if h.Analysis.CoincidenceFactor != nil {
					t.Errorf("%s: empty host %s has a coincidence factor %v", tc.profile, h.Name, h.Analysis.CoincidenceFactor)
				}
				continue
			}
			if cf := h.Analysis.CoincidenceFactor["cpu"]; !(cf > 0 && cf <= 1) {
				t.Errorf("%s: host %s CF %v", tc.profile, h.Name, cf)
			}
		}
	}
}
