package autodiff

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/heed-ml/heed/tensor"
)

// BenchmarkSmallMLPStep measures the framework's own cost per step: a
// 16-32-4 MLP on a batch of 8 is so small that the kernels take little of
// the time, leaving graph building, Backward's bookkeeping and
// allocations.
func BenchmarkSmallMLPStep(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	w1, b1 := Param(randT(rng, 16, 32)), Param(randT(rng, 32))
	w2, b2 := Param(randT(rng, 32, 4)), Param(randT(rng, 4))
	x := Const(randT(rng, 8, 16))
	labels := []int{0, 1, 2, 3, 0, 1, 2, 3}
	params := []*Value{w1, b1, w2, b2}

	b.ReportAllocs()
	for b.Loop() {
		h := ReLU(Linear(x, w1, b1))
		SoftmaxCrossEntropy(Linear(h, w2, b2), labels).Backward()
		for _, p := range params {
			p.ZeroGrad()
		}
	}
}

// BenchmarkDeepChainBackward measures Backward alone over a chain of
// elementwise ops, where the topological sort and the per-value
// bookkeeping dominate.
func BenchmarkDeepChainBackward(b *testing.B) {
	for _, depth := range []int{10, 100} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			x := Param(tensor.Ones(4))
			y := x
			for range depth {
				y = MulScalar(y, 1)
			}
			loss := SumAll(y)
			b.ReportAllocs()
			for b.Loop() {
				loss.Backward()
			}
		})
	}
}
