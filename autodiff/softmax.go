package autodiff

import "github.com/heed-ml/heed/tensor"

// Softmax returns exp(a) normalised to sum to 1 along axis.
func Softmax(a *Value, axis int) *Value {
	return Apply(opSoftmax, tensor.Softmax(a.data, axis), axis, a)
}

// With y = softmax(x): ∂L/∂x = y ⊙ (g − Σ(g ⊙ y)) along the axis.
func softmaxBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	axis := out.saved.(int)
	y := out.data
	dot := tensor.Sum(tensor.Mul(g, y), axis, true)
	return []*tensor.Tensor{tensor.Mul(y, tensor.Sub(g, dot))}
}
