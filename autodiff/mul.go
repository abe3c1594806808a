package autodiff

import "github.com/heed-ml/heed/tensor"

// Mul returns the elementwise product a·b with NumPy broadcasting.
func Mul(a, b *Value) *Value {
	return Apply(opMul, tensor.Mul(a.data, b.data), nil, a, b)
}

// ∂(a·b)/∂a = b and ∂(a·b)/∂b = a.
func mulBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	a, b := out.inputs[0], out.inputs[1]
	var ga, gb *tensor.Tensor
	if a.requiresGrad {
		ga = tensor.SumTo(tensor.Mul(g, b.data), a.Shape())
	}
	if b.requiresGrad {
		gb = tensor.SumTo(tensor.Mul(g, a.data), b.Shape())
	}
	return []*tensor.Tensor{ga, gb}
}
