package autodiff

import "github.com/heed-ml/heed/tensor"

// Sqrt returns √a elementwise.
func Sqrt(a *Value) *Value { return Apply(opSqrt, tensor.Sqrt(a.data), nil, a) }

// ∂√a/∂a = 1/(2√a), and √a is the output.
func sqrtBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{tensor.Div(g, tensor.MulScalar(out.data, 2))}
}
