// Package layers times the convolution, pooling, small-CNN and attention
// cases of the PyTorch anchor benchmark, so that heed bench can print them
// next to the kernels. The convolutions use batch 32, 3×3 kernels without
// padding and 32 output channels, the pooling is 2×2 max pooling, and the
// attention runs on 8 sequences of 128 tokens in 4 heads of 64 features.
// The package lives apart from package bench so the kernel suite builds
// without nn.
package layers

import (
	"math/rand/v2"

	"github.com/heed-ml/heed/attention"
	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
	"github.com/heed-ml/heed/tensor"
)

// Batch is the number of images in the convolution, pooling and CNN cases,
// as in the PyTorch anchor.
const Batch = 32

// The attention cases' sizes, as in the PyTorch anchor: batch, heads,
// sequence length and features per head.
const (
	attentionBatch, attentionHeads, attentionSeqLen, attentionDim = 8, 4, 128, 64
)

// Case is one timed layer workload.
type Case struct {
	// Name describes what one call does, such as "Conv2d fwd+bwd (weights)".
	Name string
	// Shape describes the input, such as "3→32 32×32".
	Shape string
	// Batch is the number of samples one call processes.
	Batch int
	// New builds the layer and its inputs and returns one call of the
	// workload.
	New func() func()
}

// Cases returns the workloads in the order the PyTorch anchor prints them.
func Cases() []Case {
	var cases []Case
	for _, s := range []struct {
		inC, hw int
		shape   string
	}{{3, 32, "3→32 32×32"}, {1, 28, "1→32 28×28"}} {
		cases = append(cases,
			Case{"Conv2d fwd (no grad)", s.shape, Batch, func() func() { return convForward(s.inC, s.hw) }},
			Case{"Conv2d fwd+bwd (weights)", s.shape, Batch, func() func() { return convForwardBackward(s.inC, s.hw, false) }},
			Case{"Conv2d fwd+bwd (weights, input)", s.shape, Batch, func() func() { return convForwardBackward(s.inC, s.hw, true) }},
		)
	}
	for _, hw := range []int{30, 26} {
		shape := map[int]string{30: "32ch 30×30", 26: "32ch 26×26"}[hw]
		cases = append(cases,
			Case{"MaxPool2d(2) fwd (no grad)", shape, Batch, func() func() { return poolForward(hw) }},
			Case{"MaxPool2d(2) fwd+bwd", shape, Batch, func() func() { return poolForwardBackward(hw) }},
		)
	}
	cases = append(cases,
		Case{"CNN train step (conv, ReLU, pool, dense, CE, Adam)", "1×28×28", Batch, func() func() { return cnnStep(true) }},
		Case{"CNN inference (no grad)", "1×28×28", Batch, func() func() { return cnnStep(false) }},
	)
	attentionShape := "B8 H4 L128 D64"
	cases = append(cases,
		Case{"Attention fwd (no grad)", attentionShape, attentionBatch, func() func() { return attentionCase(false) }},
		Case{"Attention fwd+bwd", attentionShape, attentionBatch, func() func() { return attentionCase(true) }},
	)
	return cases
}

func randTensor(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandNormal(rand.New(rand.NewPCG(seed, 9)), 0, 1, shape...)
}

func convForward(inC, hw int) func() {
	conv := nn.NewConv2D(rand.New(rand.NewPCG(1, 1)), inC, 32, 3, nn.Conv2DOptions{})
	x := autodiff.Const(randTensor(2, Batch, inC, hw, hw))
	return func() { autodiff.NoGrad(func() { conv.Forward(x) }) }
}

// convForwardBackward runs the forward pass and the weight and bias
// gradients, plus the input gradient when inputGrad is set (a layer that is
// not the first).
func convForwardBackward(inC, hw int, inputGrad bool) func() {
	conv := nn.NewConv2D(rand.New(rand.NewPCG(1, 1)), inC, 32, 3, nn.Conv2DOptions{})
	xt := randTensor(2, Batch, inC, hw, hw)
	x := autodiff.Const(xt)
	if inputGrad {
		x = autodiff.Param(xt)
	}
	gy := randTensor(3, Batch, 32, hw-2, hw-2)
	return func() {
		conv.Weight.ZeroGrad()
		conv.Bias.ZeroGrad()
		x.ZeroGrad()
		conv.Forward(x).BackwardWith(gy)
	}
}

func poolForward(hw int) func() {
	pool := nn.NewMaxPool2D(2, nn.PoolOptions{})
	x := autodiff.Const(randTensor(1, Batch, 32, hw, hw))
	return func() { autodiff.NoGrad(func() { pool.Forward(x) }) }
}

func poolForwardBackward(hw int) func() {
	pool := nn.NewMaxPool2D(2, nn.PoolOptions{})
	x := autodiff.Param(randTensor(1, Batch, 32, hw, hw))
	gy := randTensor(2, Batch, 32, hw/2, hw/2)
	return func() {
		x.ZeroGrad()
		pool.Forward(x).BackwardWith(gy)
	}
}

// cnnStep is the anchor's small CNN: conv 1→32 3×3, ReLU, 2×2 max pooling,
// dense to 10. With train set, one call is a training step with
// cross-entropy and Adam; otherwise a forward pass without a graph.
func cnnStep(train bool) func() {
	rng := rand.New(rand.NewPCG(2, 2))
	model := nn.NewSequential(
		nn.NewConv2D(rng, 1, 32, 3, nn.Conv2DOptions{}), nn.ReLU{},
		nn.NewMaxPool2D(2, nn.PoolOptions{}), nn.NewFlatten(),
		nn.NewDense(32*13*13, 10, rng),
	)
	x := autodiff.Const(randTensor(3, Batch, 1, 28, 28))
	if !train {
		return func() { autodiff.NoGrad(func() { model.Forward(x) }) }
	}
	opt := optim.NewAdam(nn.Values(model.Params()), 1e-3)
	labels := make([]int, Batch)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	return func() {
		opt.ZeroGrad()
		nn.CrossEntropy(model.Forward(x), labels).Backward()
		opt.Step()
	}
}

// attentionCase is the anchor's attention workload: scaled dot-product
// attention without masks on [8, 4, 128, 64] queries, keys and values.
// With backward set, one call also back-propagates a fixed output
// gradient to all three inputs.
func attentionCase(backward bool) func() {
	shape := []int{attentionBatch, attentionHeads, attentionSeqLen, attentionDim}
	q := autodiff.Param(randTensor(1, shape...))
	k := autodiff.Param(randTensor(2, shape...))
	v := autodiff.Param(randTensor(3, shape...))
	if !backward {
		return func() { autodiff.NoGrad(func() { attention.ScaledDotProduct(q, k, v, nil) }) }
	}
	g := randTensor(4, shape...)
	return func() {
		q.ZeroGrad()
		k.ZeroGrad()
		v.ZeroGrad()
		out, _ := attention.ScaledDotProduct(q, k, v, nil)
		out.BackwardWith(g)
	}
}
