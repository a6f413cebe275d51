package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset/datasettest"
	"github.com/kvmfit/kvmfit/samples"
)

// TestSamplesGenerateChanging: --changing with finer flags writes the fleet
// of samples.Generate with the preset's shares and the flags' values, and
// says how many servers change; a plain fleet says nothing about changes.
func TestSamplesGenerateChanging(t *testing.T) {
	dir := t.TempDir()
	cli := filepath.Join(dir, "cli")
	_, _, errs := kvmfitOK(t, "samples", "generate", "--servers", "12", "--days", "3", "--seed", "8",
		"--start", "2026-01-28", "--changing", "--sleep-days", "1-2", "--batch-shift-days", "1",
		"--batch-shift-hours", "18", "--month-end", "1", "--month-end-load", "3", "--out", cli)

	p := samples.ChangingFleet
	opts := samples.GenerateOptions{Servers: 12, Days: 3, Seed: 8,
		Start: time.Date(2026, 1, 28, 0, 0, 0, 0, time.UTC),
		Changes: samples.Changes{
			Sleepers: p.Sleepers, SleepDays: [2]int{1, 2}, WakeLoad: p.WakeLoad,
			BatchShifters: p.BatchShifters, BatchShiftDays: 1, BatchShiftHours: [2]int{18, 18},
			MonthEnd: 1, MonthEndLoad: 3,
		}}
	lib := filepath.Join(dir, "lib")
	if err := samples.Generate(lib, opts); err != nil {
		t.Fatal(err)
	}
	a, b := datasettest.Files(t, cli), datasettest.Files(t, lib)
	if len(a) != 2*opts.Servers || len(a) != len(b) {
		t.Fatalf("%d files from the CLI, %d from samples.Generate, want %d", len(a), len(b), 2*opts.Servers)
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between the CLI and samples.Generate", name)
		}
	}

	n, err := samples.CountChanges(opts)
	if err != nil {
		t.Fatal(err)
	}
	if n.Sleepers == 0 || n.BatchShifters == 0 || n.MonthEnd == 0 {
		t.Fatalf("changes %+v: want every kind", n)
	}
	want := fmt.Sprintf("changing: %d servers sleep, %d SQL batches move, %d servers peak at month end", n.Sleepers, n.BatchShifters, n.MonthEnd)
	if !strings.Contains(errs, want) {
		t.Errorf("stderr %q does not say %q", errs, want)
	}
	notes := 0
	for name, data := range a {
		if strings.HasSuffix(name, "inventory.json") {
			notes += strings.Count(string(data), "changes: ")
		}
	}
	if notes != n.Sleepers+n.BatchShifters+n.MonthEnd {
		t.Errorf("%d \"changes:\" notes, want %d", notes, n.Sleepers+n.BatchShifters+n.MonthEnd)
	}

	_, _, errs = kvmfitOK(t, "samples", "generate", "--servers", "2", "--days", "1", "--month-end-load", "3", "--out", filepath.Join(dir, "plain"))
	if strings.Contains(errs, "changing") {
		t.Errorf("a plain fleet reports changes: %q", errs)
	}
}

// kvmfitOK runs the CLI and fails the test unless it succeeds.
func kvmfitOK(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	code, stdout, stderr = kvmfit(t, args...)
	if code != 0 {
		t.Fatalf("kvmfit %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	return code, stdout, stderr
}

func TestSamplesGenerateChangeFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--sleep-days", "9-3"}, exitUsage, "smaller number comes first"},
		{[]string{"--sleep-days", "two"}, exitUsage, "--sleep-days"},
		{[]string{"--sleep-days", "1.5"}, exitUsage, "whole numbers"},
		{[]string{"--wake-load", "0"}, exitUsage, "positive"},
		{[]string{"--batch-shift-hours", "3-21"}, exitError, "batch shift hours"},
		{[]string{"--batch-shift-days", "0"}, exitUsage, "--batch-shift-days"},
		{[]string{"--month-end-load", "0"}, exitUsage, "--month-end-load"},
		{[]string{"--sleepers", "1.5"}, exitError, "sleepers share"},
	} {
		args := append([]string{"samples", "generate", "--servers", "1", "--days", "1", "--out", filepath.Join(t.TempDir(), "x")}, tt.args...)
		code, _, errs := kvmfit(t, args...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("kvmfit %s: exit %d (%q), want %d and %q", strings.Join(tt.args, " "), code, errs, tt.code, tt.want)
		}
	}
}

// TestCompactSamplesPlan plans the demo's fleet (100 servers × 14 days,
// seed 1) from its exact samples and from the same fleet stored compact
// at 8 significant bits (--precision-bits 8): every candidate host model
// needs the same hosts, the same model is chosen, and the compact plan
// says its samples are compact. How many servers land on another host is
// logged (the figure docs/format.md quotes), not asserted.
func TestCompactSamplesPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("plans 100 servers twice")
	}
	dir := t.TempDir()
	hosts := filepath.Join("..", "..", "samples", "hosts.yaml")
	plans := map[string]*model.Plan{}
	size := map[string]int64{}
	for _, bits := range []string{"0", "8"} {
		data := filepath.Join(dir, "fleet-"+bits)
		kvmfitOK(t, "samples", "generate", "--servers", "100", "--days", "14", "--seed", "1", "--precision-bits", bits, "--out", data)
		out := filepath.Join(dir, "plan-"+bits+".json")
		kvmfitOK(t, "plan", "--data", data, "--hosts", hosts, "--out", out)
		plans[bits] = readPlan(t, out)
		n, err := dirBytes(data)
		if err != nil {
			t.Fatal(err)
		}
		size[bits] = n
	}
	exact, compact := plans["0"], plans["8"]
	if len(exact.Candidates) == 0 || len(exact.Candidates) != len(compact.Candidates) {
		t.Fatalf("%d candidates exact, %d compact", len(exact.Candidates), len(compact.Candidates))
	}
	for i, e := range exact.Candidates {
		c := compact.Candidates[i]
		if c.HostType != e.HostType || c.HostsUsed != e.HostsUsed || c.Chosen != e.Chosen || c.Unplaced != e.Unplaced {
			t.Errorf("candidate %s: %d hosts (chosen %v, %d unplaced) exact, %s %d hosts (chosen %v, %d unplaced) compact",
				e.HostType, e.HostsUsed, e.Chosen, e.Unplaced, c.HostType, c.HostsUsed, c.Chosen, c.Unplaced)
		}
	}
	host := map[string]string{}
	for _, a := range exact.Assignments {
		host[a.Server] = a.Host
	}
	moved := 0
	for _, a := range compact.Assignments {
		if host[a.Server] != a.Host {
			moved++
		}
	}
	if len(compact.Assignments) != len(exact.Assignments) {
		t.Errorf("%d assignments exact, %d compact", len(exact.Assignments), len(compact.Assignments))
	}
	// Host names are labels: a server whose host-mates are the same sits
	// the same way under another name.
	mates := func(p *model.Plan) map[string]string {
		on := map[string][]string{}
		for _, a := range p.Assignments {
			on[a.Host] = append(on[a.Host], a.Server)
		}
		out := map[string]string{}
		for _, a := range p.Assignments {
			group := slices.Clone(on[a.Host])
			slices.Sort(group)
			out[a.Server] = strings.Join(group, ",")
		}
		return out
	}
	me, mc := mates(exact), mates(compact)
	regrouped := 0
	for s, g := range mc {
		if me[s] != g {
			regrouped++
		}
	}
	t.Logf("100 servers × 14 days: exact %d bytes, 8 bits %d bytes (%.0f %%); %d of %d servers on a host of another name, %d with other host-mates",
		size["0"], size["8"], 100*float64(size["8"])/float64(size["0"]), moved, len(compact.Assignments), regrouped)
	if size["8"] >= size["0"]*3/5 {
		t.Errorf("compact fleet %d bytes, exact %d: want well under 60 %%", size["8"], size["0"])
	}
	// The compact plan says so, per server; the exact one does not.
	compactNote := func(p *model.Plan) int {
		n := 0
		for _, s := range p.ServerDetails {
			for _, w := range s.Warnings {
				if strings.Contains(w, "samples stored compact, to 8 significant bits (within 0.39 %)") {
					n++
				}
			}
		}
		return n
	}
	if n := compactNote(compact); n != 100 {
		t.Errorf("%d of 100 compact servers say so", n)
	}
	if n := compactNote(exact); n != 0 {
		t.Errorf("%d exact servers say they are compact", n)
	}
}

// TestPrecisionBitsFlag: --precision-bits out of range is a usage error
// naming the flag, before anything is written, in samples generate and in
// the imports; in range, the dataset says its precision to `kvmfit show`.
func TestPrecisionBitsFlag(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"samples", "generate", "--servers", "2", "--days", "1", "--precision-bits", "3"},
		{"samples", "generate", "--servers", "2", "--days", "1", "--precision-bits", "24"},
		{"import", "planetlab", "--start", "2011-03-03", "--precision-bits", "-1", filepath.Join(dir, "none")},
	} {
		out := filepath.Join(dir, "out")
		code, _, errs := kvmfit(t, append(args, "--out", out)...)
		if code != 2 || !strings.Contains(errs, "--precision-bits") || !strings.Contains(errs, "4..23") {
			t.Errorf("kvmfit %s: exit %d, %q", strings.Join(args, " "), code, errs)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("kvmfit %s wrote %s", strings.Join(args, " "), out)
		}
	}
	data := filepath.Join(dir, "c")
	kvmfitOK(t, "samples", "generate", "--servers", "2", "--days", "1", "--precision-bits", "10", "--out", data)
	out := mustRun(t, "show", data)
	if n := strings.Count(out, "samples stored compact, to 10 significant bits (within 0.098 %) (--precision-bits 10)"); n != 2 {
		t.Errorf("show says the precision of %d of 2 servers:\n%s", n, out)
	}
}
