package autodiff

import "github.com/heed-ml/heed/tensor"

// Reshape returns a with a new shape holding the same elements in
// row-major order; one entry may be -1.
func Reshape(a *Value, shape ...int) *Value {
	return Apply(opReshape, a.data.Reshape(shape...), nil, a)
}

// Reshaping moves no element, so the gradient is reshaped back.
func reshapeBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{g.Reshape(out.inputs[0].Shape()...)}
}
