package model_test

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

func TestReadCatalog(t *testing.T) {
	c, err := model.ReadCatalog(filepath.Join("testdata", "hosts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Currency != "EUR" || strings.Join(c.Names(), ",") != "r650-2x16,small" {
		t.Fatalf("catalog %+v", c)
	}
	h, ok := c.Find("r650-2x16")
	if !ok {
		t.Fatal("Find(r650-2x16) not found")
	}
	want := model.HostSpec{
		Name: "r650-2x16", Cores: 32, Threads: 64, CPUScorePerCore: 2000,
		MemBytes: 512 * model.GiB, StorageIOPS: 100000, StorageBytesPerSec: 2e9,
		NetBytesPerSec: 1.25e9, Price: 24000, Watts: 650, RackUnits: 2,
		Description: "2 × 16 cores",
	}
	if h != want {
		t.Errorf("host\n got %+v\nwant %+v", h, want)
	}
	if _, ok := c.Find("nope"); ok {
		t.Error("Find(nope) found")
	}
	if _, err := model.ReadCatalog(filepath.Join("testdata", "missing.yaml")); err == nil {
		t.Error("ReadCatalog(missing): no error")
	}
}

func TestCapacity(t *testing.T) {
	s := model.DefaultSettings.Clone() // HT 1.25, reserve 2 cores and 8 GiB, ceilings 80/90/70/70/70
	h := model.HostSpec{
		Name: "x", Cores: 32, Threads: 64, CPUScorePerCore: 2000, MemBytes: 512 * model.GiB,
		StorageIOPS: 100000, StorageBytesPerSec: 2e9, NetBytesPerSec: 1.25e9,
	}
	// Raw CPU: 32 × 1.25 × 2000/1000 = 80 reference cores.
	raw := model.Capacity{80, 512 * model.GiB, 100000, 2e9, 1.25e9}
	// Usable CPU: (80 − 2 × 1.25 × 2) × 0.8 = 75 × 0.8 = 60.
	// Usable memory: (512 GiB − 8 GiB) × 0.9 = 453.6 GiB.
	usable := model.Capacity{60, 504 * model.GiB * 0.9, 70000, 1.4e9, 0.875e9}
	for d := model.Dim(0); d < model.NumDims; d++ {
		if got := h.RawCapacity(s)[d]; !modeltest.Close(got, raw[d], 1e-12) {
			t.Errorf("raw %s = %v, want %v", d, got, raw[d])
		}
		if got := h.UsableCapacity(s)[d]; !modeltest.Close(got, usable[d], 1e-12) {
			t.Errorf("usable %s = %v, want %v", d, got, usable[d])
		}
	}
	// Without hyper-threading: 16 × 1 × 1.5 = 24 raw, (24 − 2 × 1.5) × 0.8 = 16.8.
	h2 := model.HostSpec{Cores: 16, Threads: 16, CPUScorePerCore: 1500, MemBytes: 4 * model.GiB}
	if got := h2.CPUCoresRef(s); !modeltest.Close(got, 24, 1e-12) {
		t.Errorf("CPUCoresRef = %v, want 24", got)
	}
	u := h2.UsableCapacity(s)
	if !modeltest.Close(u[model.DimCPU], 16.8, 1e-12) {
		t.Errorf("usable cpu = %v, want 16.8", u[model.DimCPU])
	}
	// Less memory than the reserve: zero, not negative.
	if u[model.DimMem] != 0 {
		t.Errorf("usable mem = %v, want 0", u[model.DimMem])
	}
}

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want model.ByteSize
	}{
		{"512GiB", 549755813888},
		{"10Gbit", 1250000000},
		{"10Gbit/s", 1250000000},
		{"1.5TB", 1500000000000},
		{"800MB", 800000000},
		{"4 KiB", 4096},
		{"1mib", 1 << 20},
		{"2TiB", 2 << 40},
		{"100Mbit", 12500000},
		{"8kbit", 1000},
		{"123", 123},
		{" 42 b ", 42},
		{"1e9", 1000000000},
		{"2.5e3KB", 2500000},
		{"0", 0},
	}
	for _, tc := range tests {
		got, err := model.ParseByteSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for in, msg := range map[string]string{
		"":           `byte size "": not a number`,
		"GiB":        `byte size "GiB": not a number`,
		"-5GiB":      `byte size "-5GiB": not a number`,
		"5 parsecs":  `byte size "5 parsecs": unknown unit "parsecs" (known: b, gb, gbit, gib, kb, kbit, kib, mb, mbit, mib, tb, tib)`,
		"1.2.3":      `byte size "1.2.3": not a number`,
		"1e400":      `byte size "1e400": not a number`,
		"1e30":       `byte size "1e30": too large`,
		"8388608TiB": `byte size "8388608TiB": too large`, // 2^23 × 2^40 = 2^63
	} {
		if _, err := model.ParseByteSize(in); err == nil || err.Error() != msg {
			t.Errorf("ParseByteSize(%q) error %v, want %s", in, err, msg)
		}
	}
	if got, err := model.ParseByteSize("8388607TiB"); err != nil || got != model.ByteSize(math.MaxInt64-(1<<40)+1) {
		t.Errorf("ParseByteSize(8388607TiB) = %d, %v", got, err)
	}
}

func TestParseCatalogErrors(t *testing.T) {
	host := func(extra string) string {
		return "hosts:\n  - name: ok\n    cores: 2\n    threads: 2\n    cpu_score_per_core: 1000\n    mem_bytes: 1GiB\n" +
			"    storage_iops: 1\n    storage_bytes_per_sec: 1\n    net_bytes_per_sec: 1\n" +
			"  - name: big\n" + extra
	}
	full := "    cores: 2\n    threads: 2\n    cpu_score_per_core: 1000\n    mem_bytes: 1GiB\n" +
		"    storage_iops: 1\n    storage_bytes_per_sec: 1\n    net_bytes_per_sec: 1\n"
	without := func(field string) string {
		var keep []string
		for _, l := range strings.SplitAfter(full, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), field+":") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "")
	}
	with := func(field, value string) string { return without(field) + "    " + field + ": " + value + "\n" }
	if _, err := model.ParseCatalog([]byte(host(full))); err != nil {
		t.Fatalf("valid catalog: %v", err)
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"empty", "", "no hosts in catalog"},
		{"no hosts", "currency: EUR\n", "no hosts in catalog"},
		{"unknown top-level field", "currency: EUR\nhostz: []\n", "line 2: field hostz: not a field of the catalog's top level; did you mean hosts?"},
		{"unknown host field", host(full + "    ram: 5\n"), "line 18: field ram: not a field of a host entry (fields: name, cores, threads,"},
		{"host field typo", host(full + "    memory_bytes: 5\n"), "line 18: field memory_bytes: not a field of a host entry; did you mean mem_bytes?"},
		{"syntax", "hosts:\n\t- name: a\n", "line 2: found character that cannot start any token"},
		{"no name", "hosts:\n  - cores: 1\n", "hosts[0]: field name: empty"},
		{"duplicate", host(full) + "  - name: ok\n" + full, "hosts[2] (ok): field name: duplicate"},
		{"cores", host(without("cores")), "line 10: hosts[1] (big): field cores: must be positive"},
		{"threads at its line", host(with("threads", "1")), "line 17: hosts[1] (big): field threads"},
		{"threads", host(with("threads", "1")), "hosts[1] (big): field threads: 1 is less than cores 2"},
		{"score", host(without("cpu_score_per_core")), "hosts[1] (big): field cpu_score_per_core: must be a positive number"},
		{"score NaN", host(with("cpu_score_per_core", ".nan")), "hosts[1] (big): field cpu_score_per_core: must be a positive number"},
		{"score Inf", host(with("cpu_score_per_core", ".inf")), "hosts[1] (big): field cpu_score_per_core: must be a positive number"},
		{"mem", host(without("mem_bytes")), "hosts[1] (big): field mem_bytes: must be positive"},
		{"mem unit", host(with("mem_bytes", "5 parsecs")), `line 17: byte size "5 parsecs": unknown unit "parsecs"`},
		{"mem list", host(with("mem_bytes", "[1]")), "line 17: expected a byte size"},
		{"iops", host(with("storage_iops", "-1")), "hosts[1] (big): field storage_iops: must be a positive number"},
		{"iops NaN", host(with("storage_iops", ".nan")), "hosts[1] (big): field storage_iops: must be a positive number"},
		{"storage", host(without("storage_bytes_per_sec")), "hosts[1] (big): field storage_bytes_per_sec: must be positive"},
		{"net", host(with("net_bytes_per_sec", "0Gbit")), "hosts[1] (big): field net_bytes_per_sec: must be positive"},
		{"price", host(with("price", "-1")), "hosts[1] (big): field price: must be a non-negative number"},
		{"price NaN", host(with("price", ".nan")), "hosts[1] (big): field price: must be a non-negative number"},
		{"watts", host(with("watts", "-650")), "hosts[1] (big): field watts: must be a non-negative number"},
		{"rack units", host(with("rack_units", "-2")), "hosts[1] (big): field rack_units: must not be negative"},
		{"sockets", host(with("sockets", "-1")), "hosts[1] (big): field sockets: must not be negative"},
		{"storage bytes", host(with("storage_bytes", "-1")), `line 18: byte size "-1"`},
		{"unknown pool", host(with("storage_pool", "san")), `hosts[1] (big): field storage_pool: "san" is not in storage_pools`},
		{"local and pool", "storage_pools: [{name: san}]\n" + host(with("storage_pool", "san")+"    storage_bytes: 1TB\n"), "hosts[1] (big): field storage_pool: a host keeps its VM disks either locally"},
		{"pool name", "storage_pools: [{capacity_bytes: 1TB}]\n" + host(full), "storage_pools[0]: field name: empty"},
		{"pool duplicate", "storage_pools: [{name: a}, {name: a}]\n" + host(full), "storage_pools[1] (a): field name: duplicate"},
		{"pool price", "storage_pools: [{name: a, price: .nan}]\n" + host(full), "storage_pools[0] (a): field price: must be a non-negative number"},
		{"pool existing priced", "storage_pools: [{name: a, existing: true, price: 5}]\n" + host(full), "storage_pools[0] (a): field price: an existing pool costs the plan nothing"},
		{"licence per", "licences: [{name: l, per: rack}]\n" + host(full), `licences[0] (l): field per: "rack" must be host, socket or core`},
		{"licence price", "licences: [{name: l, per: host, price_per_year: -1}]\n" + host(full), "licences[0] (l): field price_per_year: must be a non-negative number"},
		{"licence unknown field", "licences: [{name: l, per: host, price: 1}]\n" + host(full), "line 1: field price: not a field of a licence; did you mean price_per_year?"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := model.ParseCatalog([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLicenceCount(t *testing.T) {
	h := model.HostSpec{Cores: 24, Sockets: 2}
	tests := []struct {
		l    model.Licence
		want int
	}{
		{model.Licence{Per: "host"}, 1},
		{model.Licence{Per: "socket"}, 2},
		{model.Licence{Per: "core"}, 24},
		{model.Licence{Per: "core", CoresPerLicence: 2}, 12},
		{model.Licence{Per: "core", CoresPerLicence: 2, MinCoresPerHost: 32}, 16}, // 32-core minimum
		{model.Licence{Per: "core", CoresPerLicence: 5}, 5},                       // ⌈24 / 5⌉
	}
	for _, tc := range tests {
		if got := tc.l.Count(h); got != tc.want {
			t.Errorf("%+v: %d licences, want %d", tc.l, got, tc.want)
		}
	}
	if got := (model.Licence{Per: "socket"}).Count(model.HostSpec{Cores: 8}); got != 1 {
		t.Errorf("sockets unset: %d licences, want 1", got)
	}
	c := model.Catalog{Licences: []model.Licence{{Per: "socket", PricePerYear: 510}, {Per: "core", CoresPerLicence: 2, MinCoresPerHost: 16, PricePerYear: 100}}}
	if got := c.LicenceCostPerHostYear(h); got != 2*510+12*100 {
		t.Errorf("licence cost per host-year %v, want 2220", got)
	}
}

// FuzzParseByteSize checks that ParseByteSize never panics, never returns a
// negative size, and reads back its own integer output.
func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"512GiB", "10Gbit", "1.5TB", "123", "1e9", "10Gbit/s", " 4 KiB ", "1e30", "", "e", ".", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := model.ParseByteSize(s)
		if err != nil {
			if v != 0 || !strings.HasPrefix(err.Error(), "byte size ") {
				t.Fatalf("ParseByteSize(%q) = %d, %v", s, v, err)
			}
			return
		}
		if v < 0 {
			t.Fatalf("ParseByteSize(%q) = %d, negative", s, v)
		}
		if v < 1<<53 { // exactly representable: the integer form reads back
			if w, err := model.ParseByteSize(strconv.FormatInt(int64(v), 10)); err != nil || w != v {
				t.Fatalf("ParseByteSize(%d) = %d, %v", v, w, err)
			}
		}
	})
}

// TestReadCatalogErrorPosition: an error of a catalog file names the file
// and the line of the field at fault, and an unknown field suggests the
// known one it resembles.
func TestReadCatalogErrorPosition(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hosts.yaml")
	body := "currency: EUR\nhosts:\n  - name: a\n    cores: 4\n    threads: 8\n    cpu_score_per_core: 1000\n" +
		"    memory_bytes: 64GiB\n    storage_iops: 1\n    storage_bytes_per_sec: 1\n    net_bytes_per_sec: 1\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := model.ReadCatalog(path)
	want := path + ":7: field memory_bytes: not a field of a host entry; did you mean mem_bytes?"
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	body = strings.Replace(body, "memory_bytes", "mem_bytes", 1)
	body = strings.Replace(body, "threads: 8", "threads: 2", 1)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = model.ReadCatalog(path)
	want = path + ":5: hosts[0] (a): field threads: 2 is less than cores 4"
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
}

func TestCatalogWhere(t *testing.T) {
	c, err := model.ReadCatalog(filepath.Join("testdata", "hosts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join("testdata", "hosts.yaml")
	for _, tc := range []struct{ host, field, want string }{
		{"small", "mem_bytes", src + ":20"},
		{"small", "sockets", src + ":16"}, // not written: the entry's line
		{"nope", "mem_bytes", src},
	} {
		if got := c.Where(tc.host, tc.field); got != tc.want {
			t.Errorf("Where(%s, %s) = %q, want %q", tc.host, tc.field, got, tc.want)
		}
	}
	if got := (&model.Catalog{Hosts: []model.HostSpec{{Name: "x"}}}).Where("x", "cores"); got != "" {
		t.Errorf("Where of a catalog built in code = %q, want empty", got)
	}
}

func TestSuggestName(t *testing.T) {
	known := []string{"name", "cores", "threads", "mem_bytes", "storage_iops", "net_bytes_per_sec"}
	for _, tc := range []struct{ word, want string }{
		{"memory_bytes", "mem_bytes"},
		{"core", "cores"},
		{"Threads", "threads"},
		{"iops", "storage_iops"},
		{"ram", ""},
		{"bogus", ""},
	} {
		if got := model.SuggestName(tc.word, known); got != tc.want {
			t.Errorf("SuggestName(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
	if got := model.SuggestName("plna", []string{"backtest", "plan", "show"}); got != "plan" {
		t.Errorf("SuggestName(plna) = %q, want plan (two letters swapped)", got)
	}
	if got := model.SuggestName("sr", []string{"sar", "nmon"}); got != "sar" {
		t.Errorf("SuggestName(sr) = %q, want sar", got)
	}
}

func TestCheckUsable(t *testing.T) {
	s := model.DefaultSettings.Clone() // reserve 2 cores and 8 GiB
	h := model.HostSpec{Name: "x", Cores: 32, Threads: 64, CPUScorePerCore: 2000, MemBytes: 512 * model.GiB,
		StorageIOPS: 1, StorageBytesPerSec: 1, NetBytesPerSec: 1}
	if f, err := h.CheckUsable(s); err != nil {
		t.Fatalf("usable host: %s %v", f, err)
	}
	tiny := h
	tiny.MemBytes = 512
	f, err := tiny.CheckUsable(s)
	if want := "512B is not more than the host reserve of 8GiB (host_reserve_mem_bytes): no memory is left for VMs"; f != "mem_bytes" || err == nil || err.Error() != want {
		t.Errorf("mem 512: %q %v, want mem_bytes %s", f, err, want)
	}
	two := h
	two.Cores, two.Threads = 2, 2
	f, err = two.CheckUsable(s)
	if f != "cores" || err == nil || !strings.HasPrefix(err.Error(), "2 cores are not more than the host reserve of 2 cores") {
		t.Errorf("2 cores: %q %v", f, err)
	}
	s.CeilingPct["disk_iops"] = 0
	f, err = h.CheckUsable(s)
	if f != "" || err == nil || err.Error() != "the disk_iops ceiling is 0 %: nothing of it may be used" {
		t.Errorf("ceiling 0: %q %v", f, err)
	}
}

func TestFormatByteSize(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{8 * model.GiB, "8GiB"}, {1.5 * (1 << 40), "1.5TiB"}, {512, "512B"}, {0, "0B"}, {800e6, "800MB"}, {1e9 + 1, "1000000001B"},
		{0.5 * model.GiB, "512MiB"},
	} {
		got := model.FormatByteSize(tc.v)
		if got != tc.want {
			t.Errorf("FormatByteSize(%v) = %q, want %q", tc.v, got, tc.want)
		}
		if back, err := model.ParseByteSize(got); err != nil || float64(back) != tc.v {
			t.Errorf("ParseByteSize(%q) = %v, %v, want %v", got, back, err, tc.v)
		}
	}
}

func FuzzParseCatalog(f *testing.F) {
	f.Add([]byte("hosts:\n  - name: a\n    cores: 2\n    threads: 2\n    cpu_score_per_core: 1000\n    mem_bytes: 1GiB\n    storage_iops: 1\n    storage_bytes_per_sec: 1\n    net_bytes_per_sec: 1\n"))
	f.Add([]byte("hosts:\n  - name: a\n    memory_bytes: 5\n"))
	f.Add([]byte("hosts: [{name: a, cores: x}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := model.ParseCatalog(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		for _, h := range c.Hosts {
			if h.Name == "" || h.Cores <= 0 || h.Threads < h.Cores || !(h.CPUScorePerCore > 0) || h.MemBytes <= 0 {
				t.Fatalf("invalid host accepted: %+v", h)
			}
			_ = c.Where(h.Name, "cores")
		}
	})
}
