package samples

import (
	"math"
	"math/rand/v2"
)

// noiseBits is log2 of the number of quantiles in a noise table.
const noiseBits = 10

// noiseTable holds the 2^noiseBits quantiles, at probabilities
// (i + 0.5) / 2^noiseBits, of a distribution; a uniform random index then
// draws from a discretised version of it. One 64-bit random number gives
// six draws, which keeps the sub-sample simulation cheap: math.Exp per draw
// was most of the generator's time.
type noiseTable [1 << noiseBits]float64

// newLognTable returns the quantiles of a log-normal factor with mean 1 and
// log-space standard deviation sigma: exp(sigma·z − sigma²/2), rescaled so
// the table's mean is exactly 1. sigma 0 gives the standard normal z itself.
func newLognTable(sigma float64) *noiseTable {
	var t noiseTable
	sum := 0.0
	for i := range t {
		p := (float64(i) + 0.5) / float64(len(t))
		z := math.Sqrt2 * math.Erfinv(2*p-1)
		if sigma == 0 {
			t[i] = z
			continue
		}
		t[i] = math.Exp(sigma*z - sigma*sigma/2)
		sum += t[i]
	}
	if sigma != 0 {
		for i := range t {
			t[i] *= float64(len(t)) / sum
		}
	}
	return &t
}

// The noise tables in use. ioSmooth … ioBursty are the burstiness of disk IO
// within an interval (level.ioNoise).
var (
	normal     = newLognTable(0)
	noiseCPU   = newLognTable(0.35)
	noiseNet   = newLognTable(0.35)
	noiseIOPS  = newLognTable(0.15)
	ioSmooth   = newLognTable(0.35)
	ioSteady   = newLognTable(0.5)
	ioModerate = newLognTable(0.6)
	ioBursty   = newLognTable(0.7)
	ioSpiky    = newLognTable(0.8)
)

// noiseSource deals table indices from 64-bit random numbers, six at a time.
type noiseSource struct {
	rng  *rand.Rand
	bits uint64
	left int
}

// draw returns a random entry of t.
func (n *noiseSource) draw(t *noiseTable) float64 {
	if n.left == 0 {
		n.bits, n.left = n.rng.Uint64(), 64/noiseBits
	}
	v := t[n.bits&(1<<noiseBits-1)]
	n.bits >>= noiseBits
	n.left--
	return v
}
