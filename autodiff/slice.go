package autodiff

import "github.com/heed-ml/heed/tensor"

type sliceRange struct{ axis, start, end int }

// Slice returns the elements of a with start <= index < end along axis.
func Slice(a *Value, axis, start, end int) *Value {
	return Apply(opSlice, a.data.Slice(axis, start, end), sliceRange{axis, start, end}, a)
}

// The slice's gradient lands where the slice was taken; the rest is 0.
func sliceBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	r := out.saved.(sliceRange)
	dx := tensor.Zeros(out.inputs[0].Shape()...)
	dx.Slice(r.axis, r.start, r.end).CopyFrom(g)
	return []*tensor.Tensor{dx}
}
