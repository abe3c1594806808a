package autodiff

import "github.com/heed-ml/heed/tensor"

// Sigmoid returns 1/(1 + e⁻ᵃ) elementwise.
func Sigmoid(a *Value) *Value { return Apply(opSigmoid, tensor.Sigmoid(a.data), nil, a) }

// ∂σ(a)/∂a = σ(a)(1 − σ(a)), written with the output y as y(1 − y).
func sigmoidBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	y := out.data
	return []*tensor.Tensor{tensor.Mul(g, tensor.Mul(y, tensor.ScalarSub(1, y)))}
}
