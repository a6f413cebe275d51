package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
