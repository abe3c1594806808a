package autodiff

import "github.com/heed-ml/heed/tensor"

type reduceAxis struct {
	axis     int
	keepDims bool
}

// Sum returns the sum of a over axis (negative counts from the end). With
// keepDims the reduced axis stays with size 1.
func Sum(a *Value, axis int, keepDims bool) *Value {
	return Apply(opSum, tensor.Sum(a.data, axis, keepDims), reduceAxis{axis, keepDims}, a)
}

// Every input element contributes once to its sum, so each receives the
// gradient of the sum it fell into.
func sumBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	r := out.saved.(reduceAxis)
	return []*tensor.Tensor{expandReduced(g, out.inputs[0].Shape(), r.axis)}
}

// SumAll returns the sum of every element of a as a 0-d value.
func SumAll(a *Value) *Value { return Apply(opSumAll, tensor.SumAll(a.data), nil, a) }

func sumAllBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{tensor.Full(g.Item(), out.inputs[0].Shape()...)}
}

// expandReduced broadcasts g, the gradient of a reduction over axis, back to
// the input's shape as a new contiguous tensor.
func expandReduced(g *tensor.Tensor, inShape []int, axis int) *tensor.Tensor {
	if axis < 0 {
		axis += len(inShape)
	}
	kept := append([]int(nil), inShape...)
	kept[axis] = 1
	return g.Reshape(kept...).BroadcastTo(inShape...).Clone()
}
