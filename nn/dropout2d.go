package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// Dropout2D zeroes whole channels: during training each (sample, channel)
// plane of its input, [batch, channels, ...], is dropped with probability
// p and the kept planes are scaled by 1/(1−p), as PyTorch's nn.Dropout2d.
// Neighbouring pixels of a feature map are strongly correlated, so
// dropping single elements, as Dropout does, regularises convolutional
// layers little. In evaluation mode it returns its input unchanged.
//
// A new Dropout2D starts in training mode.
//
// NOTE: Dropout2D draws its masks from the *rand.Rand it was given, which
// is not safe for concurrent use, so one Dropout2D must not run Forward
// from two goroutines at once.
type Dropout2D struct {
	p        float64
	rng      *rand.Rand
	training bool
}

// NewDropout2D returns a channel dropout layer with drop probability p in
// [0, 1) that draws its masks from rng. It panics if p is outside [0, 1) or
// rng is nil.
func NewDropout2D(p float64, rng *rand.Rand) *Dropout2D {
	if !(p >= 0 && p < 1) {
		panic(fmt.Sprintf("nn.NewDropout2D: drop probability %v outside [0, 1); p = 1 would drop every channel", p))
	}
	if rng == nil {
		panic("nn.NewDropout2D: nil *rand.Rand; pass a seeded generator such as rand.New(rand.NewPCG(seed, 0))")
	}
	return &Dropout2D{p: p, rng: rng, training: true}
}

// P returns the drop probability.
func (d *Dropout2D) P() float64 { return d.p }

// SetTraining switches between training (dropping) and evaluation
// (identity) mode.
func (d *Dropout2D) SetTraining(training bool) { d.training = training }

// Training reports whether the layer is in training mode.
func (d *Dropout2D) Training() bool { return d.training }

// Params returns nil: Dropout2D has no parameters.
func (d *Dropout2D) Params() []Param { return nil }

// String describes the layer, such as "Dropout2D(p=0.25)".
func (d *Dropout2D) String() string { return fmt.Sprintf("Dropout2D(p=%g)", d.p) }

// Forward returns x with a fresh random channel mask applied in training
// mode, and x itself in evaluation mode or when p is 0. It panics if x has
// fewer than three axes.
func (d *Dropout2D) Forward(x *autodiff.Value) *autodiff.Value {
	xs := x.Shape()
	if len(xs) < 3 {
		panic(fmt.Sprintf("nn.Dropout2D: input shape %v, want [batch, channels, ...] with at least one axis after the channels", xs))
	}
	if !d.training || d.p == 0 {
		return x
	}
	mask := make([]float32, xs[0]*xs[1])
	scale := float32(1 / (1 - d.p))
	for i := range mask {
		if d.rng.Float64() >= d.p {
			mask[i] = scale
		}
	}
	return ChannelMask(x, mask)
}

var channelMaskOp = autodiff.NewOp("ChannelMask", channelMaskBackward)

// ChannelMask returns x, [batch, channels, ...], with every element of
// plane (n, c) multiplied by mask[n·channels + c]. It is the differentiable
// part of Dropout2D, exported so a caller can apply a mask of its own, and
// it panics if mask does not have batch·channels elements.
func ChannelMask(x *autodiff.Value, mask []float32) *autodiff.Value {
	xs := x.Shape()
	if len(xs) < 2 || len(mask) != xs[0]*xs[1] {
		panic(fmt.Sprintf("nn.ChannelMask: mask of %d elements for input of shape %v; want one per (sample, channel)", len(mask), xs))
	}
	xd := x.Data().Contiguous().Data()
	y := tensor.Zeros(xs...)
	channelMaskApply(y.Data(), xd, mask)
	return autodiff.Apply(channelMaskOp, y, mask, x)
}

// channelMaskApply sets dst = src scaled plane by plane by mask.
func channelMaskApply(dst, src, mask []float32) {
	plane := 0
	if len(mask) > 0 {
		plane = len(src) / len(mask)
	}
	for p, m := range mask {
		// Multiplying even by a zero mask keeps a NaN or Inf visible, as
		// PyTorch and Dropout do.
		d := dst[p*plane : (p+1)*plane]
		for i, v := range src[p*plane : (p+1)*plane] {
			d[i] = v * m
		}
	}
}

// The gradient passes through each kept plane with the same scale.
func channelMaskBackward(out *autodiff.Value, g *tensor.Tensor) []*tensor.Tensor {
	mask := out.Saved().([]float32)
	dx := tensor.Zeros(g.Shape()...)
	channelMaskApply(dx.Data(), g.Contiguous().Data(), mask)
	return []*tensor.Tensor{dx}
}
