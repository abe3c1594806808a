package attention

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// expectPanic runs fn and fails the test unless it panics with a message
// containing every one of wants, such as the op name and a shape.
func expectPanic(t *testing.T, fn func(), wants ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic; want a message containing %q", wants)
		}
		msg := fmt.Sprint(r)
		for _, w := range wants {
			if !strings.Contains(msg, w) {
				t.Fatalf("panic %q does not contain %q", msg, w)
			}
		}
	}()
	fn()
}

// randn returns a tensor of the given shape drawn from N(0, 1) with a
// fixed seed.
func randn(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandNormal(rand.New(rand.NewPCG(seed, 1)), 0, 1, shape...)
}

// checkClose fails the test when got and want differ by more than tol in
// any element, or when their shapes differ.
func checkClose(t *testing.T, name string, got, want *tensor.Tensor, tol float64) {
	t.Helper()
	gs, ws := got.Shape(), want.Shape()
	if fmt.Sprint(gs) != fmt.Sprint(ws) {
		t.Fatalf("%s: shape %v, want %v", name, gs, ws)
	}
	g, w := got.Contiguous().Data(), want.Contiguous().Data()
	for i := range g {
		if math.IsNaN(float64(g[i])) || math.Abs(float64(g[i]-w[i])) > tol {
			t.Fatalf("%s: element %d is %v, want %v (tolerance %g)", name, i, g[i], w[i], tol)
		}
	}
}

// gradCheck runs autodiff.GradCheck with tolerances suited to float32
// attention graphs and fails the test with its error.
func gradCheck(t *testing.T, name string, f func(xs []*autodiff.Value) *autodiff.Value, inputs ...*tensor.Tensor) {
	t.Helper()
	if err := autodiff.GradCheck(f, inputs, &autodiff.GradCheckOptions{Eps: 1e-2, ATol: 2e-3, RTol: 2e-2}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}
