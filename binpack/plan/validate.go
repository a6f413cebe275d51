package plan

import (
	"errors"
	"fmt"
	"math"

	"github.com/kvmfit/kvmfit/model"
)

// ErrInvalid is wrapped by the error BuildPlan returns for demand it cannot
// pack.
var ErrInvalid = errors.New("invalid packing problem")

// validateDemand checks that d can be packed: Slots is not negative, every
// server has Slots values in every dimension, and every value is finite and
// not negative. The error, which wraps ErrInvalid, names the first
// offending server (ID and index), dimension and slot. Servers too large for
// a host are not invalid: the plan reports them as unplaced.
func validateDemand(d *model.Demand) error {
	if d.Slots < 0 {
		return fmt.Errorf("%w: %d slots", ErrInvalid, d.Slots)
	}
	for i := range d.Servers {
		it := &d.Servers[i]
		for k := range model.NumDims {
			row := it.Values[k]
			if len(row) != d.Slots {
				return fmt.Errorf("%w: item %q (index %d) %s: %d slots, want %d",
					ErrInvalid, it.ID, i, k, len(row), d.Slots)
			}
			for t, v := range row {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					return fmt.Errorf("%w: item %q (index %d) %s slot %d: value %g, want a finite value >= 0",
						ErrInvalid, it.ID, i, k, t, v)
				}
			}
		}
	}
	return nil
}
