package model

import "time"

// Capacity is an amount of every packing dimension, in the dimensions' units.
type Capacity [NumDims]float64

// Demand is what the packer packs: for every server, its demand per
// dimension per time slot on a common UTC grid.
type Demand struct {
	// Start is the start of slot 0 (UTC). For a daily profile it is the
	// midnight of the first day of data and only its time of day matters.
	Start time.Time
	// Step is the slot length.
	Step time.Duration
	// Slots is the number of slots; every ServerDemand row has this length.
	Slots int
	// Profile is how the slots were built: ProfileDay, ProfileWeek,
	// ProfileFull, or ProfileFlat for a baseline.
	Profile ProfileKind
	Servers []ServerDemand
}

// ServerDemand is one server's demand.
type ServerDemand struct {
	ID string
	// Values[d][t] is the demand of dimension d in slot t.
	Values [NumDims][]float64
}

// Peak returns the largest demand of dimension d over all slots.
func (s *ServerDemand) Peak(d Dim) float64 {
	p := 0.0
	for _, v := range s.Values[d] {
		if v > p {
			p = v
		}
	}
	return p
}

// Peaks returns Peak for every dimension.
func (s *ServerDemand) Peaks() Capacity {
	var c Capacity
	for d := Dim(0); d < NumDims; d++ {
		c[d] = s.Peak(d)
	}
	return c
}

// Flat returns a copy of s whose every slot holds the server's peak: the
// demand used by the sum-of-peaks baseline.
func (s *ServerDemand) Flat() ServerDemand {
	out := ServerDemand{ID: s.ID}
	for d := Dim(0); d < NumDims; d++ {
		p := s.Peak(d)
		row := make([]float64, len(s.Values[d]))
		for t := range row {
			row[t] = p
		}
		out.Values[d] = row
	}
	return out
}

// FlatSize is one server sized at a constant demand.
type FlatSize struct {
	ID   string
	Size Capacity
}

// FlatDemand returns a one-slot demand holding every server's flat size,
// for packing a baseline: with no time dimension, time-aware packing is
// plain vector packing.
func FlatDemand(sizes []FlatSize, start time.Time, step time.Duration) *Demand {
	d := &Demand{Start: start, Step: step, Slots: 1, Profile: ProfileFlat}
	for _, f := range sizes {
		sd := ServerDemand{ID: f.ID}
		for k := Dim(0); k < NumDims; k++ {
			sd.Values[k] = []float64{f.Size[k]}
		}
		d.Servers = append(d.Servers, sd)
	}
	return d
}
