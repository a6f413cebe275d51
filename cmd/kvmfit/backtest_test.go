package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/binpack/backtest"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset/datasettest"
)

// writeKnownDataset writes two servers of 10 reference cores at 20 % busy
// (2 cores each) for three days from Monday 5 January 2026; on the third
// day server a runs at 70 % for 7 slots from 10:00 and server b at 40 %
// in the last 3 of them. On a host of 10 reference cores with an 80 %
// CPU ceiling and no overhead, that is 35 minutes over the ceiling (9 and
// 11 cores on 8 usable) and 15 over 100 % (11 on 10), worst +37.5 %.
func writeKnownDataset(t *testing.T, dir string) {
	t.Helper()
	day0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var servers []datasettest.Server
	for _, id := range []string{"a", "b"} {
		s := datasettest.Server{ID: id, Inventory: model.Inventory{Hostname: id, Cores: 10, Threads: 10, CPUScorePerCore: 1000, MemTotalBytes: 4 * model.GiB}}
		for k := 0; k < 3*288; k++ {
			v := 20.0
			switch {
			case id == "a" && k >= 2*288+120 && k < 2*288+127:
				v = 70
			case id == "b" && k >= 2*288+124 && k < 2*288+127:
				v = 40
			}
			x := model.NewSample(day0.Add(time.Duration(k)*5*time.Minute), 5*time.Minute)
			x.Set(model.CPUBusyPct, v, v)
			x.Set(model.MemUsedBytes, model.GiB, model.GiB)
			s.Samples = append(s.Samples, x)
		}
		servers = append(servers, s)
	}
	datasettest.Write(t, dir, servers...)
}

// backtestJSON decodes the report that `kvmfit backtest --json` printed,
// and returns it with its methods by name.
func backtestJSON(t *testing.T, out string) (*backtest.Report, map[string]backtest.MethodResult) {
	t.Helper()
	var r backtest.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	by := map[string]backtest.MethodResult{}
	for _, m := range r.Methods {
		by[m.Method] = m
	}
	return &r, by
}

const knownHosts = `hosts:
  - name: h10
    cores: 10
    threads: 10
    cpu_score_per_core: 1000
    mem_bytes: 64GiB
    storage_iops: 1000
    storage_bytes_per_sec: 1GB
    net_bytes_per_sec: 1GB
    price: 1
    watts: 1
    rack_units: 1
`

// TestBacktestKnownOverload runs the CLI on the constructed case: every
// method puts both servers on one host, and the replay finds exactly the
// overload built into the data.
func TestBacktestKnownOverload(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	writeKnownDataset(t, data)
	hosts := filepath.Join(tmp, "hosts.yaml")
	if err := os.WriteFile(hosts, []byte(knownHosts), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "backtest", "--data", data, "--hosts", hosts, "--train", "2d", "--virt", "lxc",
		"--host-reserve-cores", "0", "--host-reserve-mem-bytes", "0", "--percentile", "100", "--ha", "0", "--bootstrap", "3", "--json")
	r, _ := backtestJSON(t, out)
	if r.TrainEnd != "2026-01-07T00:00:00Z" || r.TestEnd != "2026-01-08T00:00:00Z" || r.TestCoveragePct != 100 {
		t.Errorf("windows: train to %s, test to %s, coverage %g", r.TrainEnd, r.TestEnd, r.TestCoveragePct)
	}
	if len(r.Methods) != 3 {
		t.Fatalf("%d methods", len(r.Methods))
	}
	for _, m := range r.Methods {
		if m.HostsUsed != 1 || m.OverloadMinutes != 35 || m.OverCapacityMinutes != 15 || m.WorstOverloadPct != 37.5 {
			t.Errorf("%s: %d hosts, %g min over the ceiling, %g over 100%%, worst %g%%; want 1, 35, 15, 37.5",
				m.Method, m.HostsUsed, m.OverloadMinutes, m.OverCapacityMinutes, m.WorstOverloadPct)
		}
		if len(m.Hosts) != 1 || !reflect.DeepEqual(m.Hosts[0].Involved, []string{"a", "b"}) || m.Hosts[0].WorstAt != "2026-01-07T10:20:00Z" {
			t.Errorf("%s: hosts %+v", m.Method, m.Hosts)
		}
	}
	if b := r.Bootstrap; b.Reps != 3 || b.MedianHosts != 1 || b.P95Hosts != 1 {
		t.Errorf("bootstrap %+v", b)
	}
	if len(r.Warnings) == 0 {
		t.Error("2 days of training without a month-end: want warnings")
	}
}

// TestBacktestBitbrains backtests the real Bitbrains subset (train 2
// weeks, test the rest) and checks the JSON's fields and invariants.
func TestBacktestBitbrains(t *testing.T) {
	_, data, _ := importBitbrains(t)
	args := []string{"backtest", "--data", data, "--hosts", "testdata/hosts-tiny.yaml", "--host-type", "tiny-4c", "--train", "14d", "--bootstrap", "5", "--json"}
	out := mustRun(t, args...)
	if again := mustRun(t, args...); again != out {
		t.Error("the backtest JSON is not deterministic")
	}
	var raw struct {
		Methods   []map[string]any `json:"methods"`
		Bootstrap map[string]any   `json:"bootstrap"`
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for _, m := range raw.Methods {
		for _, k := range []string{"hosts_used", "overload_minutes", "overload_host_minutes_pct", "worst_overload_pct", "hosts"} {
			if _, ok := m[k]; !ok {
				t.Errorf("method %v has no %q", m["method"], k)
			}
		}
	}
	for _, k := range []string{"median_hosts", "p95_hosts", "reps"} {
		if _, ok := raw.Bootstrap[k]; !ok {
			t.Errorf("bootstrap has no %q", k)
		}
	}
	r, by := backtestJSON(t, out)
	for _, m := range r.Methods {
		if m.OverloadMinutes < 0 || m.OverCapacityMinutes > m.OverloadMinutes || m.OverloadHostMinutesPct > 100 {
			t.Errorf("%s: overload %g, over capacity %g, %g%% of host-minutes", m.Method, m.OverloadMinutes, m.OverCapacityMinutes, m.OverloadHostMinutesPct)
		}
		sum := 0.0
		for _, h := range m.Hosts {
			sum += h.OverloadMinutes
			if h.OverloadMinutes > 0 && (h.WorstOverloadPct <= 0 || len(h.Involved) == 0) {
				t.Errorf("%s %s: overloaded without a worst overload or servers", m.Method, h.Host)
			}
		}
		if sum != m.OverloadMinutes {
			t.Errorf("%s: hosts sum to %g overload minutes, total %g", m.Method, sum, m.OverloadMinutes)
		}
	}
	ours, sop := by[backtest.MethodKvmfit], by[backtest.MethodSumOfPeaks]
	if ours.HostsUsed > sop.HostsUsed {
		t.Errorf("kvmfit needs %d hosts, more than the sum of peaks' %d", ours.HostsUsed, sop.HostsUsed)
	}
	if _, ok := by[backtest.MethodPercentile]; !ok {
		t.Error("no percentile × comfort baseline")
	}
	if b := r.Bootstrap; b.Reps != 5 || b.MedianHosts > b.P95Hosts || b.MedianHosts < 1 {
		t.Errorf("bootstrap %+v", b)
	}
	if r.TrainEnd != "2013-07-15T00:00:00Z" || r.TestServers == 0 {
		t.Errorf("train to %s, %d test servers", r.TrainEnd, r.TestServers)
	}
	// The table names the three methods.
	text := mustRun(t, args[:len(args)-1]...)
	for _, want := range []string{"sum of peaks", "per-VM percentile × comfort", "bootstrap"} {
		if !bytes.Contains([]byte(text), []byte(want)) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
}

func TestBacktestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"backtest", "--data", "x", "--hosts", "y"},
		{"backtest", "--data", "x", "--hosts", "y", "--train", "two weeks"},
		{"backtest", "--data", "x", "--hosts", "y", "--train", "14d", "--replay-stat", "p99"},
		{"backtest", "--data", "x", "--hosts", "y", "--train", "14d", "--baseline-comfort", "0.5"},
	} {
		if code, _, _ := kvmfit(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	for in, want := range map[string]time.Duration{"14d": 14 * 24 * time.Hour, "1.5d": 36 * time.Hour, "36h": 36 * time.Hour} {
		if got, err := parseDays(in); err != nil || got != want {
			t.Errorf("parseDays(%q) = %v, %v", in, got, err)
		}
	}
}
