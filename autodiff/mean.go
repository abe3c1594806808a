package autodiff

import "github.com/heed-ml/heed/tensor"

// Mean returns the mean of a over axis (negative counts from the end).
func Mean(a *Value, axis int, keepDims bool) *Value {
	return Apply(opMean, tensor.Mean(a.data, axis, keepDims), reduceAxis{axis, keepDims}, a)
}

// Each of the n elements along the axis contributes 1/n to its mean.
func meanBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	r := out.saved.(reduceAxis)
	in := out.inputs[0]
	n := float32(in.data.Dim(r.axis))
	return []*tensor.Tensor{expandReduced(tensor.DivScalar(g, n), in.Shape(), r.axis)}
}

// MeanAll returns the mean of every element of a as a 0-d value.
func MeanAll(a *Value) *Value { return Apply(opMeanAll, tensor.MeanAll(a.data), nil, a) }

func meanAllBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	in := out.inputs[0]
	return []*tensor.Tensor{tensor.Full(g.Item()/float32(in.data.Size()), in.Shape()...)}
}
