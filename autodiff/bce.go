package autodiff

import (
	"fmt"
	"math"
	"slices"

	"github.com/heed-ml/heed/tensor"
)

// BCEWithLogits returns the mean binary cross-entropy between sigmoid(logits)
// and targets in [0, 1], fused for stability:
//
//	loss = mean(max(x, 0) − x·t + log(1 + exp(−|x|)))
//
// which never evaluates exp of a large positive number, so logits of ±100
// give exact, finite results.
func BCEWithLogits(logits *Value, targets *tensor.Tensor) *Value {
	if !slices.Equal(logits.Shape(), targets.Shape()) {
		panic(fmt.Sprintf("autodiff.BCEWithLogits: logits shape %v, targets shape %v", logits.Shape(), targets.Shape()))
	}
	x := logits.data.Contiguous().Data()
	t := targets.Contiguous().Data()
	var total float64
	for i, v := range x {
		xv, tv := float64(v), float64(t[i])
		total += math.Max(xv, 0) - xv*tv + math.Log1p(math.Exp(-math.Abs(xv)))
	}
	n := max(len(x), 1)
	return Apply(opBCEWithLogits, tensor.Scalar(float32(total/float64(n))), targets, logits)
}

// ∂loss/∂xᵢ = (σ(xᵢ) − tᵢ) / N.
func bceWithLogitsBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	targets := out.saved.(*tensor.Tensor)
	x := out.inputs[0].data
	n := float32(max(x.Size(), 1))
	dx := tensor.Sub(tensor.Sigmoid(x), targets)
	dx.ScaleInPlace(g.Item() / n)
	return []*tensor.Tensor{dx}
}
