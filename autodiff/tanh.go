package autodiff

import "github.com/heed-ml/heed/tensor"

// Tanh returns tanh(a) elementwise.
func Tanh(a *Value) *Value { return Apply(opTanh, tensor.Tanh(a.data), nil, a) }

// ∂tanh(a)/∂a = 1 − tanh²(a), written with the output y as 1 − y².
func tanhBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	y := out.data
	return []*tensor.Tensor{tensor.Mul(g, tensor.ScalarSub(1, tensor.Mul(y, y)))}
}
