package tensor

import (
	"math"
	"testing"
)

func TestMatMulTIntoOverwritesWithBetaZero(t *testing.T) {
	rng := newRNG(31)
	a, b := randTensor(rng, 3, 4), randTensor(rng, 5, 4)
	dst := Full(float32(math.NaN()), 3, 5)
	got := MatMulTInto(dst, a, b, false, true, 0)
	if got != dst {
		t.Fatal("MatMulTInto returned a new tensor, want dst")
	}
	assertNear(t, "product", dst, MatMulT(a, b, false, true))
}

func TestMatMulTIntoAccumulates(t *testing.T) {
	rng := newRNG(32)
	for _, tc := range []struct {
		name   string
		a, b   *Tensor
		transA bool
	}{
		{"2D", randTensor(rng, 6, 3), randTensor(rng, 6, 2), true},
		{"batched", randTensor(rng, 2, 3, 4), randTensor(rng, 2, 4, 5), false},
		{"shared b", randTensor(rng, 2, 3, 4), randTensor(rng, 4, 5), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			product := MatMulT(tc.a, tc.b, tc.transA, false)
			start := randTensor(rng, product.Shape()...)
			dst := start.Clone()
			MatMulTInto(dst, tc.a, tc.b, tc.transA, false, 1)
			assertNear(t, "accumulated product", dst, Add(start, product))
		})
	}
}

func TestMatMulTIntoEmptyInnerDimension(t *testing.T) {
	a, b := Zeros(2, 0), Zeros(0, 3)
	dst := Full(2, 2, 3)
	MatMulTInto(dst, a, b, false, false, 0.5)
	checkData(t, dst, []int{2, 3}, 1, 1, 1, 1, 1, 1)
	MatMulTInto(dst, a, b, false, false, 0)
	checkData(t, dst, []int{2, 3}, 0, 0, 0, 0, 0, 0)
}

func TestMatMulTIntoRejectsBadDestination(t *testing.T) {
	a, b := Zeros(2, 3), Zeros(3, 4)
	expectPanic(t, func() { MatMulTInto(Zeros(4, 2), a, b, false, false, 0) }, "MatMulTInto", "[2 4]", "[4 2]")
	expectPanic(t, func() { MatMulTInto(Zeros(4, 2).T(), a, b, false, false, 0) }, "MatMulTInto", "contiguous")
}

func assertNear(t *testing.T, what string, got, want *Tensor) {
	t.Helper()
	g, w := got.Contiguous().Data(), want.Contiguous().Data()
	if len(g) != len(w) {
		t.Fatalf("%s: %d elements, want %d", what, len(g), len(w))
	}
	for i := range g {
		if math.Abs(float64(g[i]-w[i])) > 1e-5*(1+math.Abs(float64(w[i]))) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, g[i], w[i])
		}
	}
}
