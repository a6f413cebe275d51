package samples

import (
	"bytes"
	"os"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

func TestHostsCatalog(t *testing.T) {
	onDisk, err := os.ReadFile("hosts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, HostsYAML) {
		t.Fatal("HostsYAML differs from hosts.yaml")
	}
	c, err := model.ParseCatalog(HostsYAML)
	if err != nil {
		t.Fatalf("ParseCatalog(hosts.yaml): %v", err)
	}
	if len(c.Hosts) < 3 {
		t.Fatalf("catalog has %d hosts, want at least 3", len(c.Hosts))
	}
	if c.Currency != "EUR" {
		t.Errorf("currency %q, want EUR", c.Currency)
	}
	for _, h := range c.Hosts {
		t.Run(h.Name, func(t *testing.T) {
			checks := []struct {
				what   string
				v      float64
				lo, hi float64
			}{
				{"cores", float64(h.Cores), 8, 256},
				{"threads per core", float64(h.Threads) / float64(h.Cores), 1, 2},
				// A 2024 core is about 1.8–2.2× the 2013 reference core (1000).
				{"cpu_score_per_core", h.CPUScorePerCore, 1500, 2500},
				{"mem_bytes (GiB)", float64(h.MemBytes) / model.GiB, 128, 4096},
				{"storage_iops", h.StorageIOPS, 10e3, 2e6},
				{"storage_bytes_per_sec (GB/s)", float64(h.StorageBytesPerSec) / 1e9, 0.5, 50},
				{"net_bytes_per_sec (Gbit/s)", float64(h.NetBytesPerSec) * 8 / 1e9, 10, 200},
				{"price (EUR)", h.Price, 3000, 150000},
				{"watts", h.Watts, 150, 1500},
				{"rack_units", float64(h.RackUnits), 1, 4},
			}
			for _, c := range checks {
				if c.v < c.lo || c.v > c.hi {
					t.Errorf("%s = %g, want %g..%g", c.what, c.v, c.lo, c.hi)
				}
			}
			if h.Description == "" {
				t.Error("no description")
			}
		})
	}
	if h, ok := c.Find("2u-2s64c-1536g"); !ok || h.MemBytes != 1536*model.GiB {
		t.Errorf("2u-2s64c-1536g: mem_bytes %d, want 1.5TiB", h.MemBytes)
	}
}
