package autodiff

import "github.com/heed-ml/heed/tensor"

// Neg returns −a.
func Neg(a *Value) *Value { return Apply(opNeg, tensor.Neg(a.data), nil, a) }

// ∂(−a)/∂a = −1.
func negBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{tensor.Neg(g)}
}
