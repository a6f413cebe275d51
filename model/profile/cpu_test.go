package profile

import (
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

func TestNormaliseCPU(t *testing.T) {
	s := model.DefaultSettings.Clone() // HT 1.25, reference 1000 points = 2600 MHz
	tests := []struct {
		name     string
		inv      model.Inventory
		want     model.CPUNorm
		wantWarn int
	}{
		{
			name: "calibration",
			inv:  model.Inventory{Cores: 8, Threads: 8, CPUScorePerCore: 1500, CPUMHz: 9999},
			want: model.CPUNorm{Cores: 8, ScorePerCore: 1500, Method: "calibration", CoresRef: 12}, // 8 × 1.5
		},
		{
			// 3000 / 2600 × 1000 = 1153.846... points; 8 × 1.153846... = 9.230769...
			name: "MHz fallback",
			inv:  model.Inventory{Cores: 8, Threads: 8, CPUMHz: 3000},
			want: model.CPUNorm{Cores: 8, ScorePerCore: 3000.0 / 2600 * 1000, Method: "mhz", CoresRef: 24000.0 / 2600},
		},
		{
			name: "hyper-threading",
			inv:  model.Inventory{Cores: 8, Threads: 16, CPUScorePerCore: 1000},
			want: model.CPUNorm{Cores: 8, HT: true, ScorePerCore: 1000, Method: "calibration", CoresRef: 10}, // 8 × 1.25
		},
		{
			name: "hyper-threading, MHz",
			inv:  model.Inventory{Cores: 4, Threads: 8, CPUMHz: 2600},
			want: model.CPUNorm{Cores: 4, HT: true, ScorePerCore: 1000, Method: "mhz", CoresRef: 5}, // 4 × 1.25
		},
		{
			// Threads only: counted as cores, not as hyper-threading.
			name: "threads only",
			inv:  model.Inventory{Threads: 4, CPUScorePerCore: 500},
			want: model.CPUNorm{Cores: 4, ScorePerCore: 500, Method: "calibration", CoresRef: 2},
		},
		{
			name:     "no score",
			inv:      model.Inventory{Cores: 2},
			want:     model.CPUNorm{Cores: 2, ScorePerCore: 1000, Method: "assumed", CoresRef: 2},
			wantWarn: 1,
		},
		{
			name:     "nothing known",
			inv:      model.Inventory{},
			want:     model.CPUNorm{Cores: 1, ScorePerCore: 1000, Method: "assumed", CoresRef: 1},
			wantWarn: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, warn := NormaliseCPU(tc.inv, s)
			if got.Cores != tc.want.Cores || got.HT != tc.want.HT || got.Method != tc.want.Method ||
				!modeltest.Close(got.ScorePerCore, tc.want.ScorePerCore, 1e-12) || !modeltest.Close(got.CoresRef, tc.want.CoresRef, 1e-12) {
				t.Errorf("NormaliseCPU = %+v, want %+v", got, tc.want)
			}
			if len(warn) != tc.wantWarn {
				t.Errorf("warnings %q, want %d", warn, tc.wantWarn)
			}
		})
	}
	if got, _ := NormaliseCPU(model.Inventory{Cores: 8, CPUMHz: 3000}, s); !modeltest.Close(got.CoresRef, 9.230769230769, 1e-12) {
		t.Errorf("MHz fallback CoresRef = %.12f, want 9.230769230769", got.CoresRef)
	}
}

func TestVMMemOverheadBytes(t *testing.T) {
	s := model.DefaultSettings.Clone()
	// 0.002 × 16 GiB + 218 MiB + 4 × 8 MiB
	//   = 34359738.368 + 228589568 + 33554432 = 296503738.368 bytes.
	if got, want := VMMemOverheadBytes(16*model.GiB, 4, s), 296503738.368; !modeltest.Close(got, want, 1e-12) {
		t.Errorf("VMMemOverheadBytes(16 GiB, 4) = %f, want %f", got, want)
	}
	if got, want := VMMemOverheadBytes(0, 0, s), 218.0*model.MiB; got != want {
		t.Errorf("VMMemOverheadBytes(0, 0) = %f, want %f", got, want)
	}
}
