package autodiff

import "github.com/heed-ml/heed/tensor"

// Log returns the natural logarithm of a elementwise.
func Log(a *Value) *Value { return Apply(opLog, tensor.Log(a.data), nil, a) }

// ∂ln(a)/∂a = 1/a.
func logBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{tensor.Div(g, out.inputs[0].data)}
}
