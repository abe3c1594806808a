package nn_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
	"github.com/heed-ml/heed/tensor"
)

// BenchmarkMLPTrainStep measures one full training step of an MNIST-sized
// MLP, 784-128-10 with ReLU: forward, cross-entropy, Backward, Adam Step
// and ZeroGrad, on random inputs.
func BenchmarkMLPTrainStep(b *testing.B) {
	for _, batch := range []int{32, 128, 256} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			model := nn.NewSequential(
				nn.NewDense(784, 128, rng),
				nn.ReLU{},
				nn.NewDense(128, 10, rng),
			)
			x := autodiff.Const(tensor.RandUniform(rng, 0, 1, batch, 784))
			labels := make([]int, batch)
			for i := range labels {
				labels[i] = rng.IntN(10)
			}
			opt := optim.NewAdam(nn.Values(model.Params()), 1e-3)

			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				nn.CrossEntropy(model.Forward(x), labels).Backward()
				opt.Step()
				opt.ZeroGrad()
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

// BenchmarkAdamStep isolates the optimizer on the same 101 770 parameters.
func BenchmarkAdamStep(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	model := nn.NewSequential(nn.NewDense(784, 128, rng), nn.ReLU{}, nn.NewDense(128, 10, rng))
	x := autodiff.Const(tensor.RandUniform(rng, 0, 1, 4, 784))
	nn.CrossEntropy(model.Forward(x), []int{0, 1, 2, 3}).Backward()
	opt := optim.NewAdam(nn.Values(model.Params()), 1e-3)
	b.ReportAllocs()
	for b.Loop() {
		opt.Step()
	}
}
