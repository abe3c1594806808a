// Package mlp times one training step of a small multilayer perceptron, the
// end-to-end figure that the kernel benchmarks add up to. It lives apart
// from package bench so the kernel suite builds without the layers above
// asm and tensor.
package mlp

import (
	"math/rand/v2"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
	"github.com/heed-ml/heed/tensor"
)

// NewStep builds a 784-128-10 MLP with ReLU, a random batch of batch
// MNIST-sized inputs with random labels, and an Adam optimizer with
// learning rate 1e-3. It returns a function running one training step:
// forward, softmax cross-entropy, backward, Adam update and gradient reset.
// This is the step that the PyTorch reference script times in its "mlp"
// section.
func NewStep(batch int, seed uint64) func() {
	rng := rand.New(rand.NewPCG(seed, 2))
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
	return func() {
		nn.CrossEntropy(model.Forward(x), labels).Backward()
		opt.Step()
		opt.ZeroGrad()
	}
}
