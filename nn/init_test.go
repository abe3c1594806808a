package nn

import (
	"math"
	"slices"
	"testing"
)

// denseMoments returns the mean, variance and largest magnitude of d.
func denseMoments(d []float32) (mean, variance, maxAbs float64) {
	for _, x := range d {
		mean += float64(x)
		maxAbs = math.Max(maxAbs, math.Abs(float64(x)))
	}
	mean /= float64(len(d))
	for _, x := range d {
		variance += (float64(x) - mean) * (float64(x) - mean)
	}
	return mean, variance / float64(len(d)), maxAbs
}

func TestInitializerStatistics(t *testing.T) {
	// Each case draws 40 000 values. The relative standard deviation of the
	// sample variance is √(2/n) ≈ 0.7 % for a normal and less for a
	// uniform, so a 5 % tolerance is about 7 standard deviations. The mean
	// must be within 5 standard errors of 0.
	const fanIn, fanOut = 100, 400
	he := 2.0 / fanIn
	glorot := 2.0 / (fanIn + fanOut)
	cases := []struct {
		name     string
		init     Initializer
		variance float64
		bound    float64 // 0 for the unbounded normals
	}{
		{"HeNormal", HeNormal, he, 0},
		{"HeUniform", HeUniform, he, math.Sqrt(6.0 / fanIn)},
		{"GlorotNormal", GlorotNormal, glorot, 0},
		{"GlorotUniform", GlorotUniform, glorot, math.Sqrt(6.0 / (fanIn + fanOut))},
		{"TorchUniform", TorchUniform, 1.0 / (3 * fanIn), 1 / math.Sqrt(fanIn)},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.init(denseRNG(uint64(20+i)), fanIn, fanOut, fanIn, fanOut)
			if !slices.Equal(w.Shape(), []int{fanIn, fanOut}) {
				t.Fatalf("shape %v, want [%d %d]", w.Shape(), fanIn, fanOut)
			}
			mean, variance, maxAbs := denseMoments(w.Data())
			n := float64(w.Size())
			if math.Abs(mean) > 5*math.Sqrt(tc.variance/n) {
				t.Errorf("mean %v, want 0 within %v", mean, 5*math.Sqrt(tc.variance/n))
			}
			if math.Abs(variance/tc.variance-1) > 0.05 {
				t.Errorf("variance %v, want %v within 5 %%", variance, tc.variance)
			}
			if tc.bound > 0 && (maxAbs > tc.bound || maxAbs < 0.99*tc.bound) {
				t.Errorf("largest magnitude %v, want just under the bound %v", maxAbs, tc.bound)
			}
			if tc.bound == 0 && maxAbs < 3*math.Sqrt(tc.variance) {
				t.Errorf("largest magnitude %v: a normal sample of this size reaches 3σ = %v", maxAbs, 3*math.Sqrt(tc.variance))
			}
		})
	}
}

func TestInitializerDeterministic(t *testing.T) {
	for _, init := range []Initializer{HeNormal, HeUniform, GlorotNormal, GlorotUniform, TorchUniform} {
		a := init(denseRNG(5), 3, 4, 3, 4).Data()
		b := init(denseRNG(5), 3, 4, 3, 4).Data()
		if !slices.Equal(a, b) {
			t.Errorf("same seed gave %v and %v", a, b)
		}
	}
}

func TestInitializerRejectsBadInput(t *testing.T) {
	denseExpectPanic(t, "nil rng", func() { HeNormal(nil, 3, 4, 3, 4) }, "nn.HeNormal", "nil *rand.Rand")
	denseExpectPanic(t, "zero fan-in", func() { GlorotUniform(denseRNG(1), 0, 4, 0, 4) }, "nn.GlorotUniform", "fan-in 0")
	denseExpectPanic(t, "negative fan-out", func() { TorchUniform(denseRNG(1), 3, -1, 3) }, "fan-out -1")
	// Zeros needs no generator.
	if z := Zeros(nil, 0, 0, 2, 2); z.Size() != 4 || z.Data()[3] != 0 {
		t.Errorf("Zeros(nil, …, 2, 2) = %v", z.Data())
	}
}
