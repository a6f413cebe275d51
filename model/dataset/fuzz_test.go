package dataset

import (
	"bytes"
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

// FuzzReadSamples feeds arbitrary bytes after a valid header to
// ReadSamples. It must not panic, and every row it accepts must survive a
// round trip through the writer's AppendRow: the same starts and intervals,
// and values within the writer's six-decimal rounding.
func FuzzReadSamples(f *testing.F) {
	f.Add([]byte("2026-01-05T00:00:00Z,300,3.1,41.5,6442450944,6442450944,17179869184,17179869184,120000,800000,50000,90000,12.5,60,4.1,9,2048,10240,1024,4096\n"))
	f.Add([]byte(row("2026-01-01T00:00:00Z", 60, "1.0000005", "2.25") + row("2026-01-01T00:01:00Z", 60, "", "100.5")))
	f.Add([]byte(row("2026-01-01T01:00:00+01:00", 86400, "0", "") + "\r\n\n"))
	f.Add([]byte(row("2026-01-01T00:00:00.5Z", 1, "50.0000004", "50")))
	f.Add([]byte(row("2026-01-01T00:00:00Z", 60, "1", "2") + "2026-01-01T00:01:00Z,60,1"))
	f.Add([]byte(row("2026-01-01T00:00:00Z", 60, "1e-7", "0x1p-3")))
	f.Add([]byte("2026-01-01T00:00:00Z,60,,,999999999999999999,1e18,,,,,,,,,,,,,,\n"))
	// Offsets that move the UTC time out of the years RFC 3339 can write.
	f.Add([]byte(row("9999-12-31T23:00:00-02:00", 60, "1", "1")))
	f.Add([]byte(row("0000-01-01T00:00:00+01:00", 60, "1", "1")))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := append([]byte(HeaderLine()), data...)
		var s model.Series
		ReadSamples(bytes.NewReader(in), "fuzz.csv", &s) // rows before an error were accepted too
		if s.Len() == 0 {
			return
		}
		for i := 0; i < s.Len(); i++ {
			for m := model.Metric(0); m < model.NumMetrics; m++ {
				if s.Mean[m][i] > s.Max[m][i] {
					t.Fatalf("row %d %s: mean %v above max %v", i, m, s.Mean[m][i], s.Max[m][i])
				}
			}
		}
		out := []byte(HeaderLine())
		for i := 0; i < s.Len(); i++ {
			out = AppendRow(out, s.At(i))
		}
		var s2 model.Series
		warn, err := ReadSamples(bytes.NewReader(out), "roundtrip.csv", &s2)
		if err != nil || len(warn) > 0 {
			t.Fatalf("re-reading the written rows: %v %v\n%s", err, warn, out)
		}
		if s2.Len() != s.Len() {
			t.Fatalf("%d rows re-read, want %d", s2.Len(), s.Len())
		}
		for i := 0; i < s.Len(); i++ {
			if s2.Start[i] != s.Start[i] || s2.IntervalSec[i] != s.IntervalSec[i] {
				t.Fatalf("row %d: %d/%d re-read as %d/%d", i, s.Start[i], s.IntervalSec[i], s2.Start[i], s2.IntervalSec[i])
			}
			for m := model.Metric(0); m < model.NumMetrics; m++ {
				if !modeltest.Close(s2.Mean[m][i], s.Mean[m][i], 1e-6) || !modeltest.Close(s2.Max[m][i], s.Max[m][i], 1e-6) {
					t.Fatalf("row %d %s: %v/%v re-read as %v/%v", i, m, s.Mean[m][i], s.Max[m][i], s2.Mean[m][i], s2.Max[m][i])
				}
			}
		}
		// A second round trip is exact: the values are already rounded.
		out2 := []byte(HeaderLine())
		for i := 0; i < s2.Len(); i++ {
			out2 = AppendRow(out2, s2.At(i))
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("second round trip differs:\n%s\n%s", out, out2)
		}
	})
}
