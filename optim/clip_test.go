package optim

import (
	"math"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

func TestClipGradNorm345(t *testing.T) {
	// Gradients 3 and 4 in two parameters form the vector (3, 4) of norm
	// √(9 + 16) = 5. With maxNorm 1 both scale by 1/(5 + 1e-6), giving
	// (0.6, 0.8) up to the 1e-6 guard.
	a := paramWithGrad(t, []float32{0}, []float32{3})
	b := paramWithGrad(t, []float32{0}, []float32{4})
	noGrad := autodiff.Param(tensor.FromSlice([]float32{7}))
	ps := []*autodiff.Value{a, noGrad, b}
	if n := ClipGradNorm(ps, 1); math.Abs(n-5) > 1e-12 {
		t.Errorf("ClipGradNorm returned %v, want 5", n)
	}
	assertClose(t, "a.Grad", a.Grad().Data(), []float64{3 / (5 + 1e-6)}, 1e-7)
	assertClose(t, "b.Grad", b.Grad().Data(), []float64{4 / (5 + 1e-6)}, 1e-7)

	// The clipped norm is now below 1, so a second call changes nothing.
	if n := ClipGradNorm(ps, 1); math.Abs(n-1) > 1e-6 {
		t.Errorf("second ClipGradNorm returned %v, want 1", n)
	}
	assertClose(t, "a.Grad after second call", a.Grad().Data(), []float64{3 / (5 + 1e-6)}, 1e-7)
}

func TestClipGradNormBelowMax(t *testing.T) {
	a := paramWithGrad(t, []float32{0, 0}, []float32{3, 4})
	if n := ClipGradNorm([]*autodiff.Value{a}, 10); math.Abs(n-5) > 1e-12 {
		t.Errorf("ClipGradNorm returned %v, want 5", n)
	}
	assertClose(t, "grad", a.Grad().Data(), []float64{3, 4}, 0)
}

func TestClipGradNormFloat64Sum(t *testing.T) {
	// One gradient of 1e4 and 1000 of 0.1: the squares sum to 1e8 + 10.
	// In float32 each 0.01 is below half an ulp of 1e8 (ulp 8) and would
	// vanish, giving exactly 1e4; the float64 sum keeps them.
	g := make([]float32, 1001)
	g[0] = 1e4
	want := 1e8
	for i := 1; i < len(g); i++ {
		g[i] = 0.1
		want += float64(g[i]) * float64(g[i])
	}
	p := paramWithGrad(t, make([]float32, len(g)), g)
	got := ClipGradNorm([]*autodiff.Value{p}, math.MaxFloat64)
	if math.Abs(got-math.Sqrt(want)) > 1e-9 {
		t.Errorf("norm = %.10f, want %.10f", got, math.Sqrt(want))
	}
}

func TestClipGradNormNonFinite(t *testing.T) {
	inf := float32(math.Inf(1))
	a := paramWithGrad(t, []float32{0, 0}, []float32{inf, 1})
	if n := ClipGradNorm([]*autodiff.Value{a}, 1); !math.IsInf(n, 1) {
		t.Errorf("ClipGradNorm returned %v, want +Inf", n)
	}
	if got := a.Grad().Data()[1]; got != 1 {
		t.Errorf("finite gradient element changed to %v; non-finite norms leave gradients alone", got)
	}
}

func TestClipGradNormRejectsBadMax(t *testing.T) {
	expectPanic(t, "negative", func() { ClipGradNorm(nil, -1) }, "maximum norm -1")
	expectPanic(t, "NaN", func() { ClipGradNorm(nil, math.NaN()) }, "maximum norm NaN")
}
