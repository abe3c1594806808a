package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// Dropout zeroes each input element with probability p during training and
// scales the survivors by 1/(1−p) ("inverted dropout"), so the expected
// value of every element is unchanged and evaluation needs no rescaling.
// In evaluation mode it returns its input unchanged.
//
// A new Dropout starts in training mode, as PyTorch modules do; call
// SetTraining(false), or nn.SetTraining on the enclosing model, to evaluate.
//
// NOTE: Dropout draws its masks from the *rand.Rand it was given, which is
// not safe for concurrent use, so one Dropout must not run Forward from two
// goroutines at once.
type Dropout struct {
	p        float64
	rng      *rand.Rand
	training bool
}

// NewDropout returns a dropout layer with drop probability p in [0, 1) that
// draws its masks from rng. It panics if p is outside [0, 1) or rng is nil.
func NewDropout(p float64, rng *rand.Rand) *Dropout {
	if !(p >= 0 && p < 1) {
		panic(fmt.Sprintf("nn.NewDropout: drop probability %v outside [0, 1); p = 1 would drop every element", p))
	}
	if rng == nil {
		panic("nn.NewDropout: nil *rand.Rand; pass a seeded generator such as rand.New(rand.NewPCG(seed, 0))")
	}
	return &Dropout{p: p, rng: rng, training: true}
}

// P returns the drop probability.
func (d *Dropout) P() float64 { return d.p }

// SetTraining switches between training (dropping) and evaluation
// (identity) mode.
func (d *Dropout) SetTraining(training bool) { d.training = training }

// Training reports whether the layer is in training mode.
func (d *Dropout) Training() bool { return d.training }

// Forward returns x with a fresh random mask applied in training mode, and x
// itself in evaluation mode or when p is 0.
func (d *Dropout) Forward(x *autodiff.Value) *autodiff.Value {
	if !d.training || d.p == 0 {
		return x
	}
	mask := make([]float32, x.Data().Size())
	scale := float32(1 / (1 - d.p))
	for i := range mask {
		// Keep with probability 1−p: Float64 is uniform in [0, 1).
		if d.rng.Float64() >= d.p {
			mask[i] = scale
		}
	}
	return applyMask(x, mask)
}

// Params returns nil: Dropout has no parameters.
func (d *Dropout) Params() []Param { return nil }

// String describes the layer, such as "Dropout(p=0.5)".
func (d *Dropout) String() string { return fmt.Sprintf("Dropout(p=%g)", d.p) }

var opDropout = autodiff.NewOp("Dropout", dropoutBackward)

// applyMask returns x⊙mask, where mask holds 0 or 1/(1−p) per element of x
// in row-major order. It is the differentiable part of Dropout, separate so
// tests can check its gradient with a fixed mask.
func applyMask(x *autodiff.Value, mask []float32) *autodiff.Value {
	xc := x.Data().Contiguous()
	if len(mask) != xc.Size() {
		panic(fmt.Sprintf("nn.Dropout: mask has %d elements for input of shape %v", len(mask), x.Shape()))
	}
	y := tensor.Zeros(x.Shape()...)
	asm.MulTo(y.Data(), xc.Data(), mask)
	return autodiff.Apply(opDropout, y, mask, x)
}

// The gradient passes through the kept elements with the same scale:
// ∂(x·m)/∂x = m.
func dropoutBackward(out *autodiff.Value, g *tensor.Tensor) []*tensor.Tensor {
	mask := out.Saved().([]float32)
	dx := tensor.Zeros(g.Shape()...)
	asm.MulTo(dx.Data(), g.Contiguous().Data(), mask)
	return []*tensor.Tensor{dx}
}
