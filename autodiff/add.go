package autodiff

import "github.com/heed-ml/heed/tensor"

// Add returns a + b with NumPy broadcasting.
func Add(a, b *Value) *Value {
	return Apply(opAdd, tensor.Add(a.data, b.data), nil, a, b)
}

// ∂(a+b)/∂a = 1 and ∂(a+b)/∂b = 1, summed back over broadcast axes.
func addBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	a, b := out.inputs[0], out.inputs[1]
	return []*tensor.Tensor{tensor.SumTo(g, a.Shape()), tensor.SumTo(g, b.Shape())}
}
