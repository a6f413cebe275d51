package plan

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/kvmfit/kvmfit/binpack"
	"github.com/kvmfit/kvmfit/model"
)

// reason returns a sentence saying why a server does not fit an empty host,
// for example
//
//	mem demand 600 GiB in slot 37 exceeds the usable capacity 450 GiB of an empty host (over capacity in 12 of 288 slots; peak 700 GiB)
//
// d and slot are the first dimension and slot where the demand exceeds the
// host's usable capacity in d. Slots are 0-based. Quantities are shown in the
// dimension's Unit; bytes and bytes per second use binary prefixes (KiB,
// MiB, GiB, ...). Demand and capacity are given with as many decimals as it
// takes to tell them apart. The part in parentheses, read from row (the
// server's demand in d), is left out when row is nil (an affinity group,
// whose summed row the plan does not keep).
func reason(d model.Dim, slot int, demand, capacity float64, row []float64) string {
	unit := d.Unit()
	var s string
	if math.IsNaN(demand) {
		s = fmt.Sprintf("%s demand in slot %d is not a number", d, slot)
	} else {
		dem, capa := formatPair(demand, capacity, unit)
		s = fmt.Sprintf("%s demand %s in slot %d exceeds the usable capacity %s of an empty host",
			d, dem, slot, capa)
	}
	if row == nil {
		return s
	}
	lim := binpack.Limit(capacity)
	over, peak := 0, math.Inf(-1)
	for _, v := range row {
		if !(v <= lim) {
			over++
		}
		peak = max(peak, v)
	}
	if over == 0 || math.IsNaN(peak) {
		return s
	}
	return s + fmt.Sprintf(" (over capacity in %d of %d slots; peak %s)",
		over, len(row), formatQuantity(peak, unit, 2))
}

// formatPair formats demand and capacity with 2 decimals, or more when that
// would show them equal.
func formatPair(demand, capacity float64, unit string) (string, string) {
	var a, b string
	for prec := 2; prec <= 12; prec++ {
		a, b = formatQuantity(demand, unit, prec), formatQuantity(capacity, unit, prec)
		if a != b {
			break
		}
	}
	return a, b
}

// binaryPrefixes are the byte units formatQuantity picks from.
var binaryPrefixes = []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// formatQuantity formats v in unit (a model.Dim Unit) with at most prec
// decimals, trailing zeros dropped: "450 GiB", "1.5 GiB/s", "12.5 ref cores".
func formatQuantity(v float64, unit string, prec int) string {
	switch unit {
	case "bytes", "bytes_per_sec":
		i := 0
		for i < len(binaryPrefixes)-1 && math.Abs(v) >= 1024 {
			v /= 1024
			i++
		}
		s := formatNumber(v, prec) + " " + binaryPrefixes[i]
		if unit == "bytes_per_sec" {
			s += "/s"
		}
		return s
	case "":
		return formatNumber(v, prec)
	default:
		return formatNumber(v, prec) + " " + strings.ReplaceAll(unit, "_", " ")
	}
}

// formatNumber formats v with at most prec decimals and no trailing zeros.
func formatNumber(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
