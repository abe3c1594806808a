package nn

import (
	"fmt"
	"slices"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// The losses take the prediction as a *autodiff.Value, because gradients
// flow into it, and the target as plain data (a *tensor.Tensor or labels),
// because they never flow into a target. Each returns the mean over all
// elements or rows as a 0-d value ready for Backward.

// CrossEntropy returns the mean softmax cross-entropy of logits [B, C]
// against integer class labels in [0, C), as PyTorch's F.cross_entropy with
// its defaults computes it:
//
//	loss = (1/B) Σᵢ (log Σⱼ exp(xᵢⱼ) − xᵢ,labelᵢ)
//
// Softmax and log are fused and shifted by the row maximum, so logits of
// ±1000 give finite losses and gradients. It panics if logits is not 2-D,
// if len(labels) differs from B, or if a label is outside [0, C).
func CrossEntropy(logits *autodiff.Value, labels []int) *autodiff.Value {
	s := logits.Shape()
	if len(s) != 2 || s[0] != len(labels) {
		panic(fmt.Sprintf("nn.CrossEntropy: logits shape %v with %d labels; want [%d, classes]", s, len(labels), len(labels)))
	}
	for i, l := range labels {
		if l < 0 || l >= s[1] {
			panic(fmt.Sprintf("nn.CrossEntropy: label %d at row %d outside [0, %d) for logits shape %v", l, i, s[1], s))
		}
	}
	return autodiff.SoftmaxCrossEntropy(logits, labels)
}

// BCEWithLogits returns the mean binary cross-entropy between
// sigmoid(logits) and targets in [0, 1] of the same shape, as PyTorch's
// F.binary_cross_entropy_with_logits computes it. The sigmoid is fused into
// the loss, so logits of ±100 give exact, finite values. It panics if the
// shapes differ.
func BCEWithLogits(logits *autodiff.Value, targets *tensor.Tensor) *autodiff.Value {
	if !slices.Equal(logits.Shape(), targets.Shape()) {
		panic(fmt.Sprintf("nn.BCEWithLogits: logits shape %v, targets shape %v; they must be equal", logits.Shape(), targets.Shape()))
	}
	return autodiff.BCEWithLogits(logits, targets)
}

var opMSE = autodiff.NewOp("MSE", mseBackward)

// MSE returns the mean squared error mean((pred − target)²) over every
// element. pred and target must have the same shape; unlike PyTorch, MSE
// does not broadcast, because a broadcast target is almost always a
// misshaped one. The sum is accumulated in float64.
func MSE(pred *autodiff.Value, target *tensor.Tensor) *autodiff.Value {
	if !slices.Equal(pred.Shape(), target.Shape()) {
		panic(fmt.Sprintf("nn.MSE: prediction shape %v, target shape %v; they must be equal", pred.Shape(), target.Shape()))
	}
	p := pred.Data().Contiguous().Data()
	t := target.Contiguous().Data()
	var sum float64
	for i := range p {
		d := float64(p[i]) - float64(t[i])
		sum += d * d
	}
	loss := tensor.Scalar(float32(sum / float64(max(len(p), 1))))
	return autodiff.Apply(opMSE, loss, target, pred)
}

// ∂loss/∂predᵢ = 2(predᵢ − targetᵢ)/N.
func mseBackward(out *autodiff.Value, g *tensor.Tensor) []*tensor.Tensor {
	pred := out.Inputs()[0].Data()
	target := out.Saved().(*tensor.Tensor)
	p := pred.Contiguous().Data()
	t := target.Contiguous().Data()
	dx := tensor.Zeros(pred.Shape()...)
	d := dx.Data()
	scale := 2 * g.Item() / float32(max(len(p), 1))
	for i := range d {
		d[i] = scale * (p[i] - t[i])
	}
	return []*tensor.Tensor{dx}
}

// Accuracy returns the fraction of rows of logits [B, C] whose largest
// entry is at the index given by labels. Ties go to the lowest index. It
// returns 0 for an empty batch, and it panics if logits is not 2-D or if
// len(labels) differs from B.
func Accuracy(logits *tensor.Tensor, labels []int) float64 {
	s := logits.Shape()
	if len(s) != 2 || s[0] != len(labels) {
		panic(fmt.Sprintf("nn.Accuracy: logits shape %v with %d labels; want [%d, classes]", s, len(labels), len(labels)))
	}
	rows, classes := s[0], s[1]
	if rows == 0 || classes == 0 {
		return 0
	}
	d := logits.Contiguous().Data()
	correct := 0
	for i, label := range labels {
		row := d[i*classes : (i+1)*classes]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best == label {
			correct++
		}
	}
	return float64(correct) / float64(rows)
}
