package importer

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

func TestGoogle(t *testing.T) {
	dir := filepath.Join(needShared(t, "google-gcd-vms"), "GCD_VMs")
	files := []string{filepath.Join(dir, "vm_1218322450_1"), filepath.Join(dir, "vm_1218322450_2")}
	out := filepath.Join(t.TempDir(), "out")
	var w warnings
	sum, err := Google(files, out, GoogleOptions{Options: w.opts(), Cores: 8, MemTotalBytes: 64 << 30})
	checkClean(t, sum, err, w, 2, 576)
	srvs := readServers(t, out)
	// awk '{n++; s+=$1; m+=$2; if($2>mx)mx=$2} END{printf "n=%d cpu=%.10f mem=%.10f maxmem=%.10f\n", n, s/n, m/n, mx}' vm_1218322450_2
	// → n=288 cpu=8.8744062500 mem=6.7337395833 maxmem=13.3910000000
	s := server(t, srvs, "google-vm_1218322450_2")
	ser := &s.Series
	checkClose(t, "mean cpu", mean(ser.Mean[model.CPUBusyPct]), 8.87440625)
	checkClose(t, "mean mem", mean(ser.Mean[model.MemUsedBytes]), 0.067337395833*(64<<30))
	checkClose(t, "max mem", maxOf(ser.Max[model.MemUsedBytes]), 0.13391*(64<<30))
	// Day 2 starts one day after day 1 (default: the trace start).
	if want := DefaultGoogleStart.Add(24 * time.Hour).Unix(); ser.Len() != 288 || ser.Start[0] != want || ser.IntervalSec[0] != 300 {
		t.Errorf("%d samples, first %d (want %d)", ser.Len(), ser.Start[0], want)
	}
	if inv := s.Inventory; inv.Cores != 8 || inv.MemTotalBytes != 64<<30 || !inv.IsVM || inv.Source != "import:google" {
		t.Errorf("inventory %+v", inv)
	}
	checkNoStorage(t, s)
}

func TestGoogleMalformed(t *testing.T) {
	checkMalformed(t, []malformed{
		{"one field", "1 2\n3\n", ":2:", "cpu_pct", "1 fields"},
		{"not a number", "1 2\n3 x\n", ":2:", "mem_pct", `"x" is not a number`},
		{"negative", "-1 2\n", ":1:", "cpu_pct", "outside"},
	}, "vm_1_1", "1 1\n", "vm_2_1", func(files []string, out string) error {
		_, err := Google(files, out, GoogleOptions{})
		return err
	})
}
