package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One plan over servers imported from three different sources: Bitbrains
// VM traces, an nmon recording and sysstat output (sadf -d text and sar -A
// text), each imported into its own dataset.
func TestPlanOverMixedImports(t *testing.T) {
	bb := sharedData(t, "bitbrains-rnd/2013-7")
	nmon := sharedData(t, "nmon/samples/linux_150818_1024.nmon.gz")
	sys := sharedData(t, "sysstat/tests")
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "bitbrains"), filepath.Join(dir, "nmon"), filepath.Join(dir, "sar")
	mustRun(t, "import", "bitbrains", "--out", a, filepath.Join(bb, "1.csv"), filepath.Join(bb, "2.csv"))
	mustRun(t, "import", "nmon", "--tz", "Europe/Paris", "--out", b, nmon)
	mustRun(t, "import", "sar", "--out", c, filepath.Join(sys, "expected.sadf-d"), filepath.Join(sys, "expected.data-11.6.5"))
	planPath := filepath.Join(dir, "plan.json")
	mustRun(t, "plan", "--data", a, "--data", b, "--data", c, "--hosts", "testdata/hosts-tiny.yaml", "--out", planPath)
	p := readPlan(t, planPath)
	if p.Servers != 5 {
		t.Errorf("plan has %d servers, want 5 (2 Bitbrains VMs, 1 nmon host, 2 sar hosts)", p.Servers)
	}
	sources := map[string]int{}
	for _, sd := range p.ServerDetails {
		sources[sd.Source]++
	}
	if sources["import:bitbrains"] != 2 || sources["import:nmon"] != 1 || sources["import:sar"] != 2 {
		t.Errorf("sources %v", sources)
	}
	checkPlanFits(t, p, a, b, c)
}

// A malformed input exits non-zero, names file:line:field and leaves no
// output directory.
func TestImportMalformedExit(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "bad.nmon")
	if err := os.WriteFile(in, []byte("AAA,host,h\nCPU_ALL,CPU Total h,User%,Sys%,Wait%,Idle%\nZZZZ,T0001,10:00:00,01-JAN-2024\nCPU_ALL,T0001,1,2,3,x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, _, stderr := kvmfit(t, "import", "nmon", "--out", out, in)
	if code == 0 {
		t.Fatal("exit 0 for a malformed file")
	}
	if want := in + ":4: field CPU_ALL Idle%"; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not name %q", stderr, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left in %s: %v", dir, entries)
	}
}
