package binpack

import (
	"errors"
	"fmt"
	"math"

	"github.com/kvmfit/kvmfit/model"
)

// ErrInvalid is wrapped by every error Validate returns.
var ErrInvalid = errors.New("invalid packing problem")

// Validate checks that p can be packed: Slots is not negative, every
// capacity is finite and not negative, every item has Slots values in every
// dimension, and every value is finite and not negative. The error, which
// wraps ErrInvalid, names the first offending item (ID and index), dimension
// and slot. Items that are too large for a host are not invalid: the packer
// reports them in Result.Unplaced.
func Validate(p Problem) error {
	if p.Slots < 0 {
		return fmt.Errorf("%w: %d slots", ErrInvalid, p.Slots)
	}
	for d := range model.NumDims {
		if c := p.Capacity[d]; math.IsNaN(c) || math.IsInf(c, 0) || c < 0 {
			return fmt.Errorf("%w: capacity of %s is %g, want a finite value >= 0", ErrInvalid, d, c)
		}
	}
	for i := range p.Items {
		it := &p.Items[i]
		for d := range model.NumDims {
			row := it.Values[d]
			if len(row) != p.Slots {
				return fmt.Errorf("%w: item %q (index %d) %s: %d slots, want %d",
					ErrInvalid, it.ID, i, d, len(row), p.Slots)
			}
			for t, v := range row {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					return fmt.Errorf("%w: item %q (index %d) %s slot %d: value %g, want a finite value >= 0",
						ErrInvalid, it.ID, i, d, t, v)
				}
			}
		}
	}
	return nil
}
