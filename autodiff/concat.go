package autodiff

import "github.com/heed-ml/heed/tensor"

// Concat joins values along axis; all other axes must match.
func Concat(axis int, values ...*Value) *Value {
	ts := make([]*tensor.Tensor, len(values))
	for i, v := range values {
		ts[i] = v.data
	}
	return Apply(opConcat, tensor.Concat(axis, ts...), axis, values...)
}

// Each input receives the part of the gradient it filled.
func concatBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	axis := out.saved.(int)
	if axis < 0 {
		axis += g.Dims()
	}
	grads := make([]*tensor.Tensor, len(out.inputs))
	start := 0
	for i, in := range out.inputs {
		end := start + in.data.Dim(axis)
		grads[i] = g.Slice(axis, start, end).Clone()
		start = end
	}
	return grads
}
