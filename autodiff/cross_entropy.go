package autodiff

import (
	"fmt"
	"math"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/tensor"
)

// SoftmaxCrossEntropy returns the mean over the batch of the cross-entropy
// between softmax(logits) and integer class labels, fused into one op:
//
//	loss = (1/B) Σᵢ (log Σⱼ exp(xᵢⱼ) − xᵢ,labelᵢ)
//
// logits is [B, C] and labels has B entries in [0, C). The log-sum-exp is
// taken after subtracting the row maximum, so logits of ±1000 give finite
// losses and gradients. It panics on a label outside [0, C).
func SoftmaxCrossEntropy(logits *Value, labels []int) *Value {
	shape := logits.Shape()
	if len(shape) != 2 || shape[0] != len(labels) {
		panic(fmt.Sprintf("autodiff.SoftmaxCrossEntropy: logits shape %v, %d labels; want [%d, classes]", shape, len(labels), len(labels)))
	}
	rows, classes := shape[0], shape[1]
	x := logits.data.Contiguous().Data()

	// probs keeps softmax(x) for the backward pass. It first receives each
	// row shifted by its maximum, so that one vectorized exp covers the
	// whole batch. The row sums are then accumulated in float64.
	probs := tensor.Zeros(rows, classes)
	p := probs.Data()
	for i := 0; i < rows; i++ {
		if label := labels[i]; label < 0 || label >= classes {
			panic(fmt.Sprintf("autodiff.SoftmaxCrossEntropy: label %d at row %d outside [0, %d)", label, i, classes))
		}
		row := x[i*classes : (i+1)*classes]
		m := rowMax(row)
		for j, v := range row {
			p[i*classes+j] = v - m
		}
	}
	asm.ExpTo(p, p)

	var total float64
	for i := 0; i < rows; i++ {
		row := x[i*classes : (i+1)*classes]
		prow := p[i*classes : (i+1)*classes]
		var s float64
		for _, e := range prow {
			s += float64(e)
		}
		lse := float64(rowMax(row)) + math.Log(s)
		total += lse - float64(row[labels[i]])
		asm.ScalUnitary(float32(1/s), prow)
	}
	loss := tensor.Scalar(float32(total / float64(max(rows, 1))))
	return Apply(opSoftmaxCrossEntropy, loss, crossEntropySaved{probs, labels}, logits)
}

// rowMax returns the largest element of row, or NaN if row contains one, so
// that a NaN logit gives a NaN loss instead of being skipped.
func rowMax(row []float32) float32 {
	m := row[0]
	for _, v := range row {
		if v > m || v != v {
			m = v
		}
	}
	return m
}

type crossEntropySaved struct {
	probs  *tensor.Tensor
	labels []int
}

// ∂loss/∂xᵢⱼ = (softmax(xᵢ)ⱼ − [j = labelᵢ]) / B.
func softmaxCrossEntropyBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	s := out.saved.(crossEntropySaved)
	rows, classes := s.probs.Dim(0), s.probs.Dim(1)
	scale := g.Item() / float32(max(rows, 1))
	dx := out.newGrad(rows, classes)
	d := dx.Data()
	copy(d, s.probs.Data())
	for i, label := range s.labels {
		d[i*classes+label] -= 1
	}
	dx.ScaleInPlace(scale)
	return []*tensor.Tensor{dx}
}
