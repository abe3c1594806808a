package autodiff

import (
	"fmt"
	"math"

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

	// probs keeps softmax(x) for the backward pass.
	probs := tensor.Zeros(rows, classes)
	p := probs.Data()
	var total float64
	for i := 0; i < rows; i++ {
		label := labels[i]
		if label < 0 || label >= classes {
			panic(fmt.Sprintf("autodiff.SoftmaxCrossEntropy: label %d at row %d outside [0, %d)", label, i, classes))
		}
		row := x[i*classes : (i+1)*classes]
		m := row[0]
		for _, v := range row {
			if v > m || v != v {
				m = v
			}
		}
		var s float64
		for j, v := range row {
			e := math.Exp(float64(v - m))
			p[i*classes+j] = float32(e)
			s += e
		}
		lse := float64(m) + math.Log(s)
		total += lse - float64(row[label])
		inv := float32(1 / s)
		for j := range row {
			p[i*classes+j] *= inv
		}
	}
	loss := tensor.Scalar(float32(total / float64(max(rows, 1))))
	return Apply(opSoftmaxCrossEntropy, loss, crossEntropySaved{probs, labels}, logits)
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
