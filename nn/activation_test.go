package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

func TestActivationValues(t *testing.T) {
	x := tensor.FromSlice([]float32{-2, -0.5, 0, 1})
	phi := func(v float64) float64 { return 0.5 * (1 + math.Erf(v/math.Sqrt2)) }
	cases := []struct {
		m    Module
		want func(float64) float64
	}{
		{ReLU{}, func(v float64) float64 { return math.Max(v, 0) }},
		{Tanh{}, math.Tanh},
		{Sigmoid{}, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }},
		{GELU{}, func(v float64) float64 { return v * phi(v) }},
	}
	for _, tc := range cases {
		y := tc.m.Forward(autodiff.Const(x))
		want := make([]float64, x.Size())
		for i, v := range x.Data() {
			want[i] = tc.want(float64(v))
		}
		denseAssertClose(t, fmt.Sprint(tc.m), y.Data().Data(), want, 1e-6)
		if tc.m.Params() != nil {
			t.Errorf("%v has parameters", tc.m)
		}
	}
}

func TestActivationGradCheck(t *testing.T) {
	for i, m := range []Module{ReLU{}, Tanh{}, Sigmoid{}, GELU{}} {
		f := func(xs []*autodiff.Value) *autodiff.Value { return m.Forward(xs[0]) }
		x := denseAwayFromZero(uint64(30+i), 3, 5)
		if err := autodiff.GradCheck(f, []*tensor.Tensor{x}, nil); err != nil {
			t.Errorf("%v: %v", m, err)
		}
	}
}
