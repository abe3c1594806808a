package tensor

import (
	"math"
	"testing"
)

func TestUnaryKnown(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	x := FromSlice([]float32{-2, 0, 1, 4})

	checkData(t, Neg(x), []int{4}, 2, negZero, -1, -4)
	checkData(t, Abs(x), []int{4}, 2, 0, 1, 4)
	checkData(t, Square(x), []int{4}, 4, 0, 1, 16)
	checkData(t, ReLU(x), []int{4}, 0, 0, 1, 4)
	checkData(t, Sqrt(x), []int{4}, nan, 0, 1, 2)
	checkData(t, Log(x), []int{4}, nan, -inf, 0, float32(math.Log(4)))
	checkData(t, Exp(x), []int{4}, float32(math.Exp(-2)), 1, float32(math.E), float32(math.Exp(4)))
	checkData(t, Tanh(x), []int{4}, float32(math.Tanh(-2)), 0, float32(math.Tanh(1)), float32(math.Tanh(4)))
	checkData(t, Pow(x, 2), []int{4}, 4, 0, 1, 16)
	checkData(t, Pow(x, 0.5), []int{4}, nan, 0, 1, 2)
	checkData(t, Pow(x, 1), []int{4}, -2, 0, 1, 4)
	checkData(t, Pow(x, -1), []int{4}, -0.5, inf, 1, 0.25)
	checkData(t, Apply(x, func(v float32) float32 { return 2*v + 1 }), []int{4}, -3, 1, 3, 9)

	checkData(t, Abs(FromSlice([]float32{negZero, -inf})), []int{2}, 0, inf)
	checkData(t, ReLU(FromSlice([]float32{nan, negZero})), []int{2}, nan, 0)
}

func TestSigmoidStable(t *testing.T) {
	x := FromSlice([]float32{-1000, -100, 0, 100, 1000, float32(math.Inf(-1)), float32(math.Inf(1))})
	got := Sigmoid(x)
	want := []float32{0, float32(math.Exp(-100)), 0.5, 1, 1, 0, 1}
	checkData(t, got, []int{7}, want...)

	y := FromSlice([]float32{-3, 2})
	if !AllClose(Sigmoid(y), FromSlice([]float32{float32(1 / (1 + math.Exp(3))), float32(1 / (1 + math.Exp(-2)))}), 1e-7, 0) {
		t.Errorf("Sigmoid([-3 2]) = %v", Sigmoid(y))
	}
	if v := Sigmoid(FromSlice([]float32{float32(math.NaN())})).At(0); v == v {
		t.Errorf("Sigmoid(NaN) = %v, want NaN", v)
	}
}

// TestUnaryLayouts checks that every unary op gives the same bits on a view
// as on its contiguous copy, and leaves its operand unchanged.
func TestUnaryLayouts(t *testing.T) {
	ops := map[string]func(*Tensor) *Tensor{
		"Neg": Neg, "Exp": Exp, "Log": Log, "Sqrt": Sqrt, "Tanh": Tanh,
		"Sigmoid": Sigmoid, "ReLU": ReLU, "Abs": Abs, "Square": Square,
		"Pow3":      func(a *Tensor) *Tensor { return Pow(a, 3) },
		"AddScalar": func(a *Tensor) *Tensor { return AddScalar(a, 1.5) },
		"SubScalar": func(a *Tensor) *Tensor { return SubScalar(a, 1.5) },
		"ScalarSub": func(a *Tensor) *Tensor { return ScalarSub(1.5, a) },
		"MulScalar": func(a *Tensor) *Tensor { return MulScalar(a, 1.5) },
		"DivScalar": func(a *Tensor) *Tensor { return DivScalar(a, 1.5) },
		"ScalarDiv": func(a *Tensor) *Tensor { return ScalarDiv(1.5, a) },
	}
	rng := newRNG(7)
	for ln, x := range layouts(rng, 4, 6) {
		before := x.Clone()
		for name, op := range ops {
			got := op(x)
			want := op(x.Clone())
			if !Equal(got, want) {
				t.Errorf("%s on %s view = %v, want %v", name, ln, got, want)
			}
			if !Equal(x, before) {
				t.Fatalf("%s modified its %s operand", name, ln)
			}
		}
	}
}
