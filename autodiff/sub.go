package autodiff

import "github.com/heed-ml/heed/tensor"

// Sub returns a − b with NumPy broadcasting.
func Sub(a, b *Value) *Value {
	return Apply(opSub, tensor.Sub(a.data, b.data), nil, a, b)
}

// ∂(a−b)/∂a = 1 and ∂(a−b)/∂b = −1.
func subBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	a, b := out.inputs[0], out.inputs[1]
	return []*tensor.Tensor{tensor.SumTo(g, a.Shape()), tensor.Neg(tensor.SumTo(g, b.Shape()))}
}
