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

// The shapes match the conv, pool and cnn sections of the PyTorch anchor
// benchmark: batch 32, 3×3 kernels without padding, 32 output channels.
// Run them on one thread to compare with torch.set_num_threads(1):
//
//	go test ./nn -run '^$' -bench 'Conv2D|MaxPool2D|CNNTrainStep' -cpu 1
var convBenchShapes = []struct {
	inC, hw int
}{
	{3, 32},
	{1, 28},
}

func BenchmarkConv2DForward(b *testing.B) {
	for _, s := range convBenchShapes {
		b.Run(fmt.Sprintf("%dto32_%dx%d", s.inC, s.hw, s.hw), func(b *testing.B) {
			conv := nn.NewConv2D(rand.New(rand.NewPCG(1, 1)), s.inC, 32, 3, nn.Conv2DOptions{})
			x := autodiff.Const(convRandTensor(2, 32, s.inC, s.hw, s.hw))
			b.ReportAllocs()
			for b.Loop() {
				autodiff.NoGrad(func() { conv.Forward(x) })
			}
			b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

// BenchmarkConv2DForwardBackward measures a training step of one layer:
// forward, then the weight and bias gradients, with (input grad) and
// without (first layer) the input gradient.
func BenchmarkConv2DForwardBackward(b *testing.B) {
	for _, s := range convBenchShapes {
		for _, inputGrad := range []bool{false, true} {
			name := fmt.Sprintf("%dto32_%dx%d/weights", s.inC, s.hw, s.hw)
			if inputGrad {
				name += "+input"
			}
			b.Run(name, func(b *testing.B) {
				conv := nn.NewConv2D(rand.New(rand.NewPCG(1, 1)), s.inC, 32, 3, nn.Conv2DOptions{})
				xt := convRandTensor(2, 32, s.inC, s.hw, s.hw)
				x := autodiff.Const(xt)
				if inputGrad {
					x = autodiff.Param(xt)
				}
				gy := convRandTensor(3, 32, 32, s.hw-2, s.hw-2)
				b.ReportAllocs()
				for b.Loop() {
					conv.Weight.ZeroGrad()
					conv.Bias.ZeroGrad()
					x.ZeroGrad()
					conv.Forward(x).BackwardWith(gy)
				}
				b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "samples/s")
			})
		}
	}
}

func BenchmarkMaxPool2D(b *testing.B) {
	for _, hw := range []int{30, 26} {
		xt := convRandTensor(1, 32, 32, hw, hw)
		pool := nn.NewMaxPool2D(2, nn.PoolOptions{})
		b.Run(fmt.Sprintf("forward_%dx%d", hw, hw), func(b *testing.B) {
			x := autodiff.Const(xt)
			b.ReportAllocs()
			for b.Loop() {
				autodiff.NoGrad(func() { pool.Forward(x) })
			}
			b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "samples/s")
		})
		b.Run(fmt.Sprintf("forward_backward_%dx%d", hw, hw), func(b *testing.B) {
			x := autodiff.Param(xt)
			gy := convRandTensor(2, 32, 32, hw/2, hw/2)
			b.ReportAllocs()
			for b.Loop() {
				x.ZeroGrad()
				pool.Forward(x).BackwardWith(gy)
			}
			b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

// BenchmarkCNNTrainStep is the anchor's small CNN, conv 1→32 3×3, ReLU,
// 2×2 max pooling, dense to 10, trained with cross-entropy and Adam on a
// batch of 32 random 28×28 images.
func BenchmarkCNNTrainStep(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	model := nn.NewSequential(
		nn.NewConv2D(rng, 1, 32, 3, nn.Conv2DOptions{}), nn.ReLU{},
		nn.NewMaxPool2D(2, nn.PoolOptions{}), nn.NewFlatten(),
		nn.NewDense(32*13*13, 10, rng),
	)
	opt := optim.NewAdam(nn.Values(model.Params()), 1e-3)
	x := autodiff.Const(convRandTensor(3, 32, 1, 28, 28))
	labels := make([]int, 32)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	b.Run("train", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			opt.ZeroGrad()
			nn.CrossEntropy(model.Forward(x), labels).Backward()
			opt.Step()
		}
		b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "samples/s")
	})
	b.Run("inference", func(b *testing.B) {
		b.ReportAllocs()
		var out *tensor.Tensor
		for b.Loop() {
			autodiff.NoGrad(func() { out = model.Forward(x).Data() })
		}
		_ = out
		b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "samples/s")
	})
}
