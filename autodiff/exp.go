package autodiff

import "github.com/heed-ml/heed/tensor"

// Exp returns eᵃ elementwise.
func Exp(a *Value) *Value { return Apply(opExp, tensor.Exp(a.data), nil, a) }

// ∂eᵃ/∂a = eᵃ, which is the output itself.
func expBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{tensor.Mul(g, out.data)}
}
