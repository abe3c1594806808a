package autodiff

import "github.com/heed-ml/heed/tensor"

// LogSoftmax returns log(softmax(a)) along axis, computed as
// a − max − log Σ exp(a − max) so that large logits stay finite.
func LogSoftmax(a *Value, axis int) *Value {
	return Apply(opLogSoftmax, tensor.LogSoftmax(a.data, axis), axis, a)
}

// With y = log softmax(x): ∂L/∂x = g − softmax(x)·Σg along the axis, and
// softmax(x) = exp(y).
func logSoftmaxBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	axis := out.saved.(int)
	sum := tensor.Sum(g, axis, true)
	return []*tensor.Tensor{tensor.Sub(g, tensor.Mul(tensor.Exp(out.data), sum))}
}
