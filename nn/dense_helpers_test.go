package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/heed-ml/heed/tensor"
)

// Helpers shared by the tests of the dense layers, activations, dropout,
// Sequential, losses and initializers. Their names start with "dense" so
// they stay apart from the convolution tests in this package.

func denseRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 99)) }

// denseRand returns a tensor with elements uniform in [lo, hi) from seed.
func denseRand(seed uint64, lo, hi float32, shape ...int) *tensor.Tensor {
	rng := denseRNG(seed)
	t := tensor.Zeros(shape...)
	d := t.Data()
	for i := range d {
		d[i] = lo + (hi-lo)*rng.Float32()
	}
	return t
}

// denseAwayFromZero returns values with |x| in [0.2, 1] and random sign, so
// that a central difference of step 1e-2 never crosses ReLU's kink.
func denseAwayFromZero(seed uint64, shape ...int) *tensor.Tensor {
	rng := denseRNG(seed)
	t := tensor.Zeros(shape...)
	d := t.Data()
	for i := range d {
		d[i] = 0.2 + 0.8*rng.Float32()
		if rng.IntN(2) == 0 {
			d[i] = -d[i]
		}
	}
	return t
}

func denseAssertClose(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d elements %v, want %d", what, len(got), got, len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > tol || math.IsNaN(float64(got[i])) {
			t.Errorf("%s[%d] = %.9g, want %.9g (tolerance %g)", what, i, got[i], want[i], tol)
		}
	}
}

// denseExpectPanic runs fn and fails unless it panics with a message
// containing every fragment.
func denseExpectPanic(t *testing.T, name string, fn func(), fragments ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", name)
			return
		}
		msg, _ := r.(string)
		for _, f := range fragments {
			if !strings.Contains(msg, f) {
				t.Errorf("%s: panic %q does not mention %q", name, msg, f)
			}
		}
	}()
	fn()
}
