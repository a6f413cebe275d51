package importer

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseBitbrainsLine checks that the line parser never panics, that
// every error names a column, that accepted values are in range, and that
// an accepted row formats back to a line that parses to the same row.
func FuzzParseBitbrainsLine(f *testing.F) {
	for _, s := range []string{
		// Real lines: rnd 2013-7/1.csv, 20.csv (a 0-core row), fastStorage.
		"1372629804;\t2;\t5851.9989;\t87.7799835;\t1.5;\t8218624.0;\t1034592.8;\t160.86666666666667;\t21.733333333333334;\t0.26666666666666666;\t1.4666666666666666",
		"1373975437;\t0;\t0.0;\t0.0;\t0.0;\t4194304.0;\t671088.0;\t0.0;\t0.0;\t0.0;\t7.0",
		"1376314846;\t1;\t2599.999309;\t19.06666159933333;\t0.7333333333333333;\t2097152.0;\t110448.53333333334;\t0.0;\t1.4666666666666666;\t0.0;\t0.0",
		"1375098146;\t1;\t2599.999438;\t2307.0661679853333;\t88.73333333333333;\t2097152.0;\t1522530.4;\t2475.2;\t6589.666666666667;\t0.0;\t0.0\r",
		"1;1;1;1;1;1;1;1;1;1;1;",
		"1;1;1;1;1;1;1;1;1;1",
		"1;1;1;1;1;1;1;1;1;1;1;1",
		"1;1e400;1;1;1;1;1;1;1;1;1",
		"1;1;NaN;Inf;-0;0x1p3;1_0;1;1;1;1",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		row, err := parseBitbrainsLine(line)
		if err != nil {
			var fe *fieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Fatalf("error %v does not name a field", err)
			}
			return
		}
		if row.Time <= 0 || row.Time > maxUnixSeconds || row.Cores < 0 {
			t.Fatalf("accepted out-of-range row %+v", row)
		}
		for i := bbCPUCapMHz; i < bitbrainsNumCols; i++ {
			if v := row.Values[i]; math.IsNaN(v) || v < 0 || v > maxTraceValue {
				t.Fatalf("accepted %s = %g from %q", bitbrainsColumns[i], v, line)
			}
		}
		again, err := parseBitbrainsLine(formatBitbrainsLine(row))
		if err != nil {
			t.Fatalf("%q parsed, but its formatted form %q does not: %v", line, formatBitbrainsLine(row), err)
		}
		if again != row {
			t.Fatalf("round trip of %q: %+v, want %+v", line, again, row)
		}
		// The sample conversion must give values the dataset reader takes.
		x := bitbrainsSample(row, bitbrainsStep)
		for m, v := range x.Mean {
			if !math.IsNaN(v) && (v < 0 || v > 1e18 || v != x.Max[m]) {
				t.Fatalf("sample metric %d = %g (max %g) from %q", m, v, x.Max[m], line)
			}
		}
	})
}

// FuzzParsePlanetLabLine checks that the parser never panics, accepts only
// 0..100 and that an accepted value formats back to itself.
func FuzzParsePlanetLabLine(f *testing.F) {
	for _, s := range []string{"24", "0", "99", "100", "101", "-1", " 7 \r", "12.5", "", "1e2", "+5", "0x10", "9999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		v, err := parsePlanetLabLine(line)
		if err != nil {
			return
		}
		if v < 0 || v > 100 {
			t.Fatalf("accepted %d from %q", v, line)
		}
		if again, err := parsePlanetLabLine(strconv.Itoa(v)); err != nil || again != v {
			t.Fatalf("round trip of %q: %d, %v", line, again, err)
		}
		if strings.TrimSpace(line) == "" {
			t.Fatalf("accepted a blank line %q", line)
		}
	})
}
