package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Arange returns the 1-D tensor [0, 1, ..., n-1].
func Arange(n int) *Tensor {
	if n < 0 {
		panic(fmt.Sprintf("tensor.Arange: negative length %d", n))
	}
	t := Zeros(n)
	for i := range t.data {
		t.data[i] = float32(i)
	}
	return t
}

// RandUniform returns a tensor of the given shape with elements drawn
// uniformly from [lo, hi), or all equal to lo when lo == hi. Elements are
// drawn from rng in row-major order, so the same seed gives the same bits.
// It panics if rng is nil, lo > hi, or either bound is not finite.
func RandUniform(rng *rand.Rand, lo, hi float32, shape ...int) *Tensor {
	if rng == nil {
		panic("tensor.RandUniform: nil *rand.Rand; pass one seeded by the caller, such as rand.New(rand.NewPCG(seed, 0))")
	}
	if !(lo <= hi) || isInf(lo) || isInf(hi) {
		panic(fmt.Sprintf("tensor.RandUniform: invalid range [%v, %v): want finite lo <= hi", lo, hi))
	}
	checkShape("RandUniform", shape)
	t := Zeros(shape...)
	// Work in float64 so that hi - lo cannot overflow.
	base, width := float64(lo), float64(hi)-float64(lo)
	for i := range t.data {
		v := float32(base + width*rng.Float64())
		// Rounding to float32 can carry a draw up to hi; redraw to keep
		// the range half-open.
		for v >= hi && hi > lo {
			v = float32(base + width*rng.Float64())
		}
		t.data[i] = v
	}
	return t
}

// RandNormal returns a tensor of the given shape with elements drawn from
// the normal distribution with the given mean and standard deviation. Values
// are drawn from rng in row-major order, so the same seed gives the same
// bits. It panics if rng is nil or std is negative or not finite.
func RandNormal(rng *rand.Rand, mean, std float32, shape ...int) *Tensor {
	if rng == nil {
		panic("tensor.RandNormal: nil *rand.Rand; pass one seeded by the caller, such as rand.New(rand.NewPCG(seed, 0))")
	}
	if !(std >= 0) || isInf(std) || isInf(mean) || mean != mean {
		panic(fmt.Sprintf("tensor.RandNormal: invalid mean %v or standard deviation %v: want finite values and std >= 0", mean, std))
	}
	checkShape("RandNormal", shape)
	t := Zeros(shape...)
	m, s := float64(mean), float64(std)
	for i := range t.data {
		t.data[i] = float32(m + s*rng.NormFloat64())
	}
	return t
}

func isInf(v float32) bool { return math.IsInf(float64(v), 0) }
