package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
