package autodiff

import "github.com/heed-ml/heed/tensor"

// Max returns the maximum of a over axis (negative counts from the end).
func Max(a *Value, axis int, keepDims bool) *Value {
	return Apply(opMax, tensor.Max(a.data, axis, keepDims), reduceAxis{axis, keepDims}, a)
}

// The gradient of a maximum goes to the element that was chosen, the first
// maximum along the axis when there are ties (as ArgMax picks it), and 0
// to the others.
func maxBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	r := out.saved.(reduceAxis)
	in := out.inputs[0]
	shape := in.Shape()
	axis := r.axis
	if axis < 0 {
		axis += len(shape)
	}
	idx := tensor.ArgMax(in.data, axis)

	outer, inner := 1, 1
	for _, s := range shape[:axis] {
		outer *= s
	}
	for _, s := range shape[axis+1:] {
		inner *= s
	}
	n := shape[axis]
	gd := g.Contiguous().Data()
	dx := tensor.Zeros(shape...)
	d := dx.Data()
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			k := idx[o*inner+i]
			d[(o*n+k)*inner+i] = gd[o*inner+i]
		}
	}
	return []*tensor.Tensor{dx}
}
