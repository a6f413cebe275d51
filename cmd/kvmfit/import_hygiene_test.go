package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model/dataset"
)

// needSadf skips when sadf (sysstat) is not installed, unless CI is set.
func needSadf(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sadf"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sadf not installed in CI (apt-get install sysstat)")
		}
		t.Skip("sadf not installed (apt-get install sysstat)")
	}
}

// `kvmfit import sar --out DIR sa` run twice gives one server, not two: the
// second run merges into it, adds nothing and says so.
func TestImportSarTwiceIsOneServer(t *testing.T) {
	needSadf(t)
	sa := filepath.Join(sharedData(t, "sysstat/tests"), "data-12.0.0")
	out := filepath.Join(t.TempDir(), "col2")
	mustRun(t, "import", "sar", "--out", out, sa)
	code, _, stderr := kvmfit(t, "import", "sar", "--out", out, sa)
	if code != 0 {
		t.Fatalf("second import: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		sa + ": linux.home is already in the dataset as " + filepath.Join(out, "linux.home") + ": merged, 0 new samples added, 1 already there (nothing changed)",
		"imported 0 servers, merged 1 server already there, 0 new samples into " + out,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not say %q", stderr, want)
		}
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "linux.home" {
		t.Errorf("dataset holds %v, want linux.home only", names)
	}
}

// An invalid --tz is a usage error naming the flag, before anything is
// written.
func TestImportBadTZ(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"sar", "nmon", "perfmon"} {
		out := filepath.Join(dir, "out")
		code, _, stderr := kvmfit(t, "import", format, "--tz", "Mars/Olympus", "--out", out, in)
		if code != exitUsage || !strings.Contains(stderr, `--tz "Mars/Olympus"`) {
			t.Errorf("import %s --tz Mars/Olympus: exit %d, stderr %q; want %d naming --tz", format, code, stderr, exitUsage)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("import %s wrote %s", format, out)
		}
	}
}

// nmon times are local: --tz converts them across a daylight-saving change
// (Europe/Berlin, 29 March 2026: 01:55 CET and 03:00 CEST are 5 minutes
// apart); without it the import warns on stderr, naming the file, and the
// inventory says UTC was assumed.
func TestImportNmonTZ(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "berlin1.nmon")
	const nmon = "AAA,host,berlin1\nAAA,date,29-MAR-2026\nAAA,time,01:50.00\nAAA,interval,300\n" +
		"CPU_ALL,CPU Total berlin1,User%,Sys%,Wait%,Idle%,Steal%,Busy,CPUs\n" +
		"ZZZZ,T0001,01:55:00,29-MAR-2026\nCPU_ALL,T0001,1,1,0,98,0,,4\n" +
		"ZZZZ,T0002,03:00:00,29-MAR-2026\nCPU_ALL,T0002,1,1,0,97,0,,4\n"
	if err := os.WriteFile(in, []byte(nmon), 0o644); err != nil {
		t.Fatal(err)
	}
	given := filepath.Join(dir, "given")
	_, _, stderr := kvmfit(t, "import", "nmon", "--tz", "Europe/Berlin", "--out", given, in)
	if strings.Contains(stderr, "warning") {
		t.Errorf("warnings with --tz: %q", stderr)
	}
	s, err := dataset.ReadServer(filepath.Join(given, "berlin1"))
	if err != nil {
		t.Fatal(err)
	}
	// 00:50, 00:55 UTC, 5 minutes each.
	if s.Series.Len() != 2 || s.Series.Start[0] != 1774745400 || s.Series.Start[1] != 1774745700 || s.Series.IntervalSec[1] != 300 {
		t.Errorf("starts %v intervals %v, want [1774745400 1774745700] [300 300]", s.Series.Start, s.Series.IntervalSec)
	}
	if s.Inventory.TimeZone != "Europe/Berlin" || s.Inventory.TimeZoneAssumed {
		t.Errorf("time zone %q assumed %v", s.Inventory.TimeZone, s.Inventory.TimeZoneAssumed)
	}

	assumed := filepath.Join(dir, "assumed")
	code, _, stderr := kvmfit(t, "import", "nmon", "--out", assumed, in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "warning: " + in + ": the times of nmon ZZZZ lines are local, without a zone, and --tz was not given: read as UTC, an assumption"; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not say %q", stderr, want)
	}
	inv, err := dataset.ReadInventory(filepath.Join(assumed, "berlin1"))
	if err != nil {
		t.Fatal(err)
	}
	if inv.TimeZone != "UTC" || !inv.TimeZoneAssumed {
		t.Errorf("time zone %q assumed %v, want UTC assumed", inv.TimeZone, inv.TimeZoneAssumed)
	}
}

// Warnings of an import stand on their own lines: on a terminal the
// progress line is ended before each; in pipes and CI there is no progress
// at all, only the warnings and the summary.
func TestImportWarningsAndProgress(t *testing.T) {
	nmon := sharedData(t, "nmon/samples/linux_150818_1024.nmon.gz")
	for _, terminal := range []bool{true, false} {
		var errb strings.Builder
		out := filepath.Join(t.TempDir(), "out")
		// No --tz: one warning, in the middle of the progress.
		code := run(t.Context(), []string{"import", "nmon", "--out", out, nmon}, IO{Out: io.Discard, Err: &errb, Progress: terminal})
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		s := errb.String()
		if !strings.Contains(s, "\nwarning: "+nmon+": the times of nmon ZZZZ lines are local") && !strings.HasPrefix(s, "warning: "+nmon) {
			t.Errorf("terminal %v: the warning does not start a line: %q", terminal, s)
		}
		if got := strings.Contains(s, "\r"); got != terminal {
			t.Errorf("terminal %v: progress shown %v: %q", terminal, got, s)
		}
		if !terminal {
			want := "warning: " + nmon + ": the times of nmon ZZZZ lines are local, without a zone, and --tz was not given: read as UTC, an assumption (a wrong zone shifts the day profile: give --tz, e.g. --tz Europe/Paris)\n" +
				"imported 1 server, 47 new samples into " + out + "\n"
			if s != want {
				t.Errorf("stderr in a pipe:\n%q\nwant\n%q", s, want)
			}
		}
	}
}
