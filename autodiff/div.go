package autodiff

import "github.com/heed-ml/heed/tensor"

// Div returns the elementwise quotient a/b with NumPy broadcasting.
func Div(a, b *Value) *Value {
	return Apply(opDiv, tensor.Div(a.data, b.data), nil, a, b)
}

// ∂(a/b)/∂a = 1/b and ∂(a/b)/∂b = −a/b² = −(a/b)/b.
func divBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	a, b := out.inputs[0], out.inputs[1]
	var ga, gb *tensor.Tensor
	if a.requiresGrad {
		ga = tensor.SumTo(tensor.Div(g, b.data), a.Shape())
	}
	if b.requiresGrad {
		gb = tensor.SumTo(tensor.Neg(tensor.Div(tensor.Mul(g, out.data), b.data)), b.Shape())
	}
	return []*tensor.Tensor{ga, gb}
}
