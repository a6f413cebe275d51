package dataset

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/parquet-go/parquet-go"
)

func TestRoundBitsKnown(t *testing.T) {
	for _, c := range []struct {
		v    float64
		b    int
		want float64
	}{
		{0, 8, 0},
		{1, 4, 1},
		{100, 8, 100},           // 1100100: 5 significant bits
		{100, 4, 104},           // 1.5625 × 64 rounds (half away from zero) to 1.625 × 64
		{0.1, 4, 0.1015625},     // 0.8 × 2^-3 → 13/16 × 2^-3
		{255, 8, 255},           // 11111111
		{257, 8, 258},           // 100000001: halfway, away from zero
		{511, 8, 512},           // rounds up into the next power of two
		{3.3e9, 23, 3300000256}, // spacing 512, halfway
		{-3, 1, -4},
		{math.Inf(1), 8, math.Inf(1)},
	} {
		if got := RoundBits(c.v, c.b); got != c.want {
			t.Errorf("RoundBits(%g, %d) = %g, want %g", c.v, c.b, got, c.want)
		}
	}
	if got := RoundBits(math.NaN(), 8); !math.IsNaN(got) {
		t.Errorf("RoundBits(NaN) = %g", got)
	}
}

// checkRoundBits checks the properties the compact store relies on for one
// value: relative error at most 2^-b, idempotent, float32-exact, and with
// the next larger value, monotonic.
func checkRoundBits(t *testing.T, v float64, b int) {
	t.Helper()
	q := RoundBits(v, b)
	if math.Abs(q-v) > MaxRelativeError(b)*math.Abs(v) {
		t.Fatalf("RoundBits(%g, %d) = %g: error %g above 2^-%d", v, b, q, math.Abs(q-v)/math.Abs(v), b)
	}
	if again := RoundBits(q, b); again != q {
		t.Fatalf("RoundBits not idempotent: %g → %g → %g (b %d)", v, q, again, b)
	}
	if b <= MaxPrecisionBits && v > 1e-30 && v < 1e30 && float64(float32(q)) != q {
		t.Fatalf("RoundBits(%g, %d) = %g is not exact in float32", v, b, q)
	}
	if up := math.Nextafter(v, math.Inf(1)); RoundBits(up, b) < q {
		t.Fatalf("not monotonic: RoundBits(%g) = %g > RoundBits(%g) = %g (b %d)", v, q, up, RoundBits(up, b), b)
	}
}

func TestRoundBitsProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for b := MinPrecisionBits; b <= MaxPrecisionBits; b++ {
		for range 2000 {
			// Values over the metrics' whole range: 1e-6 .. 1e18.
			v := math.Pow(10, -6+24*r.Float64())
			checkRoundBits(t, v, b)
			// And exactly halfway between two b-bit values.
			frac, exp := math.Frexp(v)
			half := math.Ldexp((math.Floor(frac*math.Ldexp(1, b))+0.5)/math.Ldexp(1, b), exp)
			checkRoundBits(t, half, b)
		}
	}
}

func FuzzRoundBits(f *testing.F) {
	f.Add(100.0, uint8(4))
	f.Add(0.1, uint8(8))
	f.Add(1e18, uint8(23))
	f.Fuzz(func(t *testing.T, v float64, b uint8) {
		bits := int(b)%52 + 1
		if math.IsNaN(v) || math.IsInf(v, 0) || v == 0 || math.Abs(v) < 1e-300 || math.Abs(v) > 1e300 {
			return
		}
		checkRoundBits(t, math.Abs(v), bits)
	})
}

func TestCompactValue(t *testing.T) {
	for _, c := range []struct {
		m    model.Metric
		v    float64
		b    int
		want float64
	}{
		{model.CPUBusyPct, 100, 4, 100},                   // would round to 104
		{model.CPUBusyPct, 100.3, 8, 100},                 // above 100 % by collector rounding
		{model.CPUBusyPct, 99.9, 8, 100},                  // 99.9 → 100 (0.5 steps)
		{model.CPUBusyPct, 37.3, 8, 37.25},                // 0.25 steps in 32..64
		{model.CPUBusyPct, 1e-7, 8, 0},                    // below half a millionth, as round6
		{model.DiskReadIOPS, 4e-7, 23, 0},                 // the same for any metric
		{model.DiskReadIOPS, 1e-6, 8, 1e-6},               // 1e-6 itself stays (within 2^-8)
		{model.NetRxBytesPerSec, 123456789, 8, 235 << 19}, // spacing 2^19 in 2^26..2^27
		{model.FSUsedBytes, 1e18, 4, 999999984306749440},  // would round up to 14/16 × 2^60, above the range: the largest float32 below 1e18
	} {
		got := compactValue(c.m, c.v, c.b)
		if c.v == 1e-6 {
			if math.Abs(got-c.v) > MaxRelativeError(c.b)*c.v || got == 0 {
				t.Errorf("compactValue(%s, %g, %d) = %g", c.m, c.v, c.b, got)
			}
			continue
		}
		if got != c.want {
			t.Errorf("compactValue(%s, %g, %d) = %g, want %g", c.m, c.v, c.b, got, c.want)
		}
	}
	// Idempotent and monotonic around the thresholds too.
	for b := MinPrecisionBits; b <= MaxPrecisionBits; b++ {
		for _, m := range []model.Metric{model.CPUBusyPct, model.DiskReadIOPS} {
			prev := -1.0
			for _, v := range []float64{0, 1e-7, 4.9e-7, 5e-7, 5.1e-7, 1e-6, 1, 99.5, 99.9, 100, 100.2, 100.5} {
				q := compactValue(m, v, b)
				if again := compactValue(m, q, b); again != q {
					t.Errorf("%s b %d: %g → %g → %g", m, b, v, q, again)
				}
				if q < prev {
					t.Errorf("%s b %d: not monotonic at %g (%g < %g)", m, b, v, q, prev)
				}
				if float64(float32(q)) != q {
					t.Errorf("%s b %d: %g → %g not float32-exact", m, b, v, q)
				}
				prev = q
			}
		}
	}
}

func TestCheckPrecisionBits(t *testing.T) {
	for b, ok := range map[int]bool{0: true, 4: true, 8: true, 23: true, -1: false, 1: false, 3: false, 24: false, 52: false} {
		err := CheckPrecisionBits(b)
		if (err == nil) != ok {
			t.Errorf("CheckPrecisionBits(%d) = %v", b, err)
		}
	}
	w, err := Create(filepath.Join(t.TempDir(), "d"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := w.SetPrecisionBits(24); err == nil || !strings.Contains(err.Error(), "4..23") {
		t.Errorf("SetPrecisionBits(24) = %v", err)
	}
	if got := PrecisionText(8); got != "8 significant bits (within 0.39 %)" {
		t.Errorf("PrecisionText(8) = %q", got)
	}
}

// writeCompactServer writes xs as server id of a new dataset under root at
// bits significant bits and returns the server directory.
func writeCompactServer(t *testing.T, root, id string, bits int, xs []model.Sample) string {
	t.Helper()
	return writeServerBits(t, root, id, bits, xs)
}

// noisySamples are a day of 5-minute samples with noisy values over the
// metrics' ranges, some unmeasured.
func noisySamples(n int) []model.Sample {
	r := rand.New(rand.NewPCG(7, 8))
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	xs := make([]model.Sample, n)
	for i := range xs {
		x := model.NewSample(t0.Add(time.Duration(i)*5*time.Minute), 5*time.Minute)
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			scale := map[model.Metric]float64{model.CPUBusyPct: 60, model.MemTotalBytes: 0}[m]
			if scale == 0 && m != model.CPUBusyPct {
				scale = math.Pow(10, 3+9*r.Float64())
			}
			mean := math.Round(scale*r.Float64()*1e6) / 1e6
			mx := mean + math.Round(scale*0.3*r.Float64()*1e6)/1e6
			if m == model.CPUBusyPct {
				mx = min(mx, 100)
			}
			switch {
			case m == model.MemTotalBytes:
				mean, mx = 17179869184, 17179869184
			case m == model.DiskWriteIOPS && i%7 == 0:
				mean, mx = math.NaN(), math.NaN()
			case m == model.NetRxBytesPerSec && i%5 == 0:
				mean, mx = 0, 0
			}
			x.Set(m, mean, mx)
		}
		xs[i] = x
	}
	return xs
}

func TestCompactStore(t *testing.T) {
	xs := noisySamples(288)
	root := t.TempDir()
	exact := writeParquetServer(t, filepath.Join(root, "exact"), "s", xs)
	dir := writeCompactServer(t, filepath.Join(root, "c8"), "s", 8, xs)

	srv, err := ReadServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !warningsContain(srv.Warnings, "samples stored compact, to 8 significant bits (within 0.39 %) (--precision-bits 8)") {
		t.Errorf("warnings %v: no precision", srv.Warnings)
	}
	ex, err := ReadServer(exact)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Warnings) != 0 {
		t.Errorf("exact store warns: %v", ex.Warnings)
	}
	if srv.Series.Len() != len(xs) {
		t.Fatalf("%d samples, want %d", srv.Series.Len(), len(xs))
	}
	for i := range xs {
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			got := [2]float64{srv.Series.Mean[m][i], srv.Series.Max[m][i]}
			want := [2]float64{ex.Series.Mean[m][i], ex.Series.Max[m][i]}
			for j := range got {
				switch {
				case math.IsNaN(want[j]):
					if !math.IsNaN(got[j]) {
						t.Fatalf("row %d %s: %g for not measured", i, m, got[j])
					}
				case !Compact(m):
					if got[j] != want[j] {
						t.Fatalf("row %d %s: %g, want exact %g", i, m, got[j], want[j])
					}
				case want[j] == 0:
					if got[j] != 0 {
						t.Fatalf("row %d %s: zero became %g", i, m, got[j])
					}
				case math.Abs(got[j]-want[j]) > MaxRelativeError(8)*want[j]:
					t.Fatalf("row %d %s: %g, exact %g: error above 2^-8", i, m, got[j], want[j])
				}
			}
			if got[0] > got[1] {
				t.Fatalf("row %d %s: mean %g above max %g", i, m, got[0], got[1])
			}
		}
	}

	// The columns: FLOAT BYTE_STREAM_SPLIT, mem_total_bytes exact; the
	// metadata says the bits.
	data, err := os.ReadFile(filepath.Join(dir, ParquetFile))
	if err != nil {
		t.Fatal(err)
	}
	pf := openParquet(t, filepath.Join(dir, ParquetFile))
	if v, ok := pf.Lookup(PrecisionKey); !ok || v != "8" {
		t.Errorf("%s = %q, %v", PrecisionKey, v, ok)
	}
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		leaf, _ := pf.Schema().Lookup(m.String() + "_max")
		kind := leaf.Node.Type().Kind()
		if Compact(m) != (kind == parquet.Float) {
			t.Errorf("%s_max: %s", m, kind)
		}
		if enc := leaf.Node.Encoding(); Compact(m) && (enc == nil || enc.String() != "BYTE_STREAM_SPLIT") {
			t.Errorf("%s_max: encoding %v", m, enc)
		}
	}
	exactData, err := os.ReadFile(filepath.Join(exact, ParquetFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) >= len(exactData)*3/4 {
		t.Errorf("compact file %d bytes, exact %d: not smaller", len(data), len(exactData))
	}
	t.Logf("288 noisy rows: exact %d bytes, 8 bits %d bytes", len(exactData), len(data))

	// Idempotent: the compact samples written again at 8 bits give the
	// same bytes (a re-import), and at 0 an exact file without the key.
	again := make([]model.Sample, srv.Series.Len())
	for i := range again {
		again[i] = srv.Series.At(i)
	}
	dir2 := writeCompactServer(t, filepath.Join(root, "again"), "s", 8, again)
	data2, err := os.ReadFile(filepath.Join(dir2, ParquetFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, data2) {
		t.Errorf("writing the compact samples again at 8 bits changed the file (%d → %d bytes)", len(data), len(data2))
	}
	dir0 := writeParquetServer(t, filepath.Join(root, "exact-again"), "s", again)
	srv0, err := ReadServer(dir0)
	if err != nil {
		t.Fatal(err)
	}
	if warningsContain(srv0.Warnings, "compact") {
		t.Errorf("exact rewrite warns %v", srv0.Warnings)
	}
}

// TestCompactExactUnchanged: a Writer at 0 bits writes the exact store's
// bytes (SetPrecisionBits(0) is the default).
func TestCompactExactUnchanged(t *testing.T) {
	xs := parquetSamples()
	root := t.TempDir()
	a := writeParquetServer(t, filepath.Join(root, "a"), "s", xs)
	b := writeCompactServer(t, filepath.Join(root, "b"), "s", 0, xs)
	da, _ := os.ReadFile(filepath.Join(a, ParquetFile))
	db, _ := os.ReadFile(filepath.Join(b, ParquetFile))
	if len(da) == 0 || !bytes.Equal(da, db) {
		t.Errorf("SetPrecisionBits(0) changed the file: %d vs %d bytes", len(da), len(db))
	}
	// The edge values of parquetSamples (1e18, a mean above its max by
	// rounding, 1e-6) go compact too, and read back.
	c := writeCompactServer(t, filepath.Join(root, "c"), "s", 4, xs)
	srv, err := ReadServer(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Series.Max[model.FSUsedBytes][0]; got != 999999984306749440 {
		t.Errorf("fs_used_bytes 1e18 at 4 bits: %g", got)
	}
}

func TestReadParquetBadPrecisionKey(t *testing.T) {
	var buf bytes.Buffer
	var s model.Series
	for _, x := range parquetSamples() {
		s.Append(x)
	}
	if err := writeParquet(&buf, &s, 0); err != nil {
		t.Fatal(err)
	}
	// A file whose key says nonsense reads, with a warning naming it.
	type row struct {
		Timestamp   int64   `parquet:"timestamp"`
		IntervalSec int32   `parquet:"interval_sec"`
		CPUMean     float32 `parquet:"cpu_busy_pct_mean"`
	}
	buf.Reset()
	w := parquet.NewGenericWriter[row](&buf, parquet.KeyValueMetadata(PrecisionKey, "lots"))
	if _, err := w.Write([]row{{Timestamp: 1767571200, IntervalSec: 300, CPUMean: 12.5}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var got model.Series
	warnings, err := ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "x.parquet", &got)
	if err != nil {
		t.Fatal(err)
	}
	if !warningsContain(warnings, `x.parquet: key-value metadata kvmfit.precision_bits = "lots"`) {
		t.Errorf("warnings %v", warnings)
	}
	if got.Len() != 1 || got.Mean[model.CPUBusyPct][0] != 12.5 {
		t.Errorf("read %d rows", got.Len())
	}
}

// FuzzCompactWrite writes the samples of CSV rows (the CSV fuzz corpus's
// form) compact at b bits and reads them back: every value within 2^-b of
// the exact store's (or 0 for one below half a millionth, 100 for a CPU
// above 100 %), a mean never above its max, nulls kept, and the samples
// read back written again at b give the same file.
func FuzzCompactWrite(f *testing.F) {
	row := func(ts string, iv int, cpuMean, cpuMax string) string {
		return ts + "," + strconv.Itoa(iv) + "," + cpuMean + "," + cpuMax + ",6442450944,6442450944,17179869184,17179869184,120000.5,800000,50000,90000,12.5,60,4.1,9,2048,10240,1024,4096,1e12,1000000000001\n"
	}
	f.Add([]byte(row("2026-01-05T00:00:00Z", 300, "3.1", "41.5")), uint8(8))
	f.Add([]byte(row("2026-01-01T00:00:00Z", 60, "1.0000005", "2.25")+row("2026-01-01T00:01:00Z", 60, "", "100.5")), uint8(4))
	f.Add([]byte("2026-01-01T00:00:00Z,60,,,999999999999999999,1e18,,,,,,,,,,,,,,,,\n"), uint8(4))
	f.Add([]byte(row("2026-01-01T00:00:00Z", 60, "1e-7", "0.0000006")), uint8(23))
	f.Fuzz(func(t *testing.T, data []byte, b uint8) {
		bits := MinPrecisionBits + int(b)%(MaxPrecisionBits-MinPrecisionBits+1)
		var s model.Series
		ReadSamples(bytes.NewReader(append([]byte(HeaderLine()), data...)), "fuzz.csv", &s)
		if s.Len() == 0 || sortSeries(&s) > 0 {
			return
		}
		xs := make([]model.Sample, s.Len())
		for i := range xs {
			xs[i] = s.At(i)
		}
		root := t.TempDir()
		write := func(name string, xs []model.Sample) (string, bool) {
			w, err := Create(filepath.Join(root, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := w.SetPrecisionBits(bits); err != nil {
				t.Fatal(err)
			}
			sw, err := w.AddServer("s", model.Inventory{Hostname: "s"})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range xs {
				if err := sw.Write(x); err != nil {
					w.Abort()
					return "", false // as the exact writer, it refuses what it cannot store
				}
			}
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, name, "s"), true
		}
		dir, ok := write("a", xs)
		if !ok {
			return
		}
		srv, err := ReadServer(dir)
		if err != nil {
			t.Fatalf("reading the compact file: %v", err)
		}
		if srv.Series.Len() != len(xs) {
			t.Fatalf("%d rows read back, want %d", srv.Series.Len(), len(xs))
		}
		for i, x := range xs {
			for m := model.Metric(0); m < model.NumMetrics; m++ {
				got := [2]float64{srv.Series.Mean[m][i], srv.Series.Max[m][i]}
				for j, v := range [2]float64{round6(x.Mean[m]), round6(x.Max[m])} {
					if !Compact(m) {
						v = min(v, round6(x.Max[m])) // the reader clamps a mean above its max
					}
					switch {
					case math.IsNaN(v) != math.IsNaN(got[j]):
						t.Fatalf("row %d %s: %g read back as %g", i, m, v, got[j])
					case math.IsNaN(v), got[j] == 0 && v < 5e-7+1e-12:
					case m == model.CPUBusyPct && v > 100 && got[j] == 100:
					case !Compact(m) && got[j] != v:
						t.Fatalf("row %d %s: exact %g read back as %g", i, m, v, got[j])
					case math.Abs(got[j]-v) > MaxRelativeError(bits)*v+1e-6:
						t.Fatalf("row %d %s: %g read back as %g at %d bits", i, m, v, got[j], bits)
					}
				}
				if got[0] > got[1] {
					t.Fatalf("row %d %s: mean %g above max %g", i, m, got[0], got[1])
				}
			}
		}
		again := make([]model.Sample, srv.Series.Len())
		for i := range again {
			again[i] = srv.Series.At(i)
		}
		dir2, ok := write("b", again)
		if !ok {
			t.Fatal("the compact samples read back do not write again")
		}
		d1, _ := os.ReadFile(filepath.Join(dir, ParquetFile))
		d2, _ := os.ReadFile(filepath.Join(dir2, ParquetFile))
		if !bytes.Equal(d1, d2) {
			t.Fatalf("written again at %d bits, the file changed", bits)
		}
	})
}
