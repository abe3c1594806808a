package attention

import (
	"fmt"
	"strconv"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
)

// Encoder is a stack of encoder layers with an optional final layer norm,
// as PyTorch's nn.TransformerEncoder.
//
// NOTE: PyTorch's TransformerEncoder deep-copies one layer, so all its
// layers start with the same weights. NewEncoder calls newLayer once per
// layer instead, so each layer gets its own random draw. To start from
// PyTorch's point, pass a newLayer that returns copies of one layer.
type Encoder struct {
	Layers []*EncoderLayer
	// Norm is applied after the last layer, or nil for none. Pre-norm
	// stacks usually want one, because their last layer's output is not
	// normalised.
	Norm *nn.LayerNorm
}

// NewEncoder returns an encoder of numLayers layers, each built by
// newLayer, followed by norm (which may be nil). It panics if numLayers is
// not positive, newLayer is nil or returns nil.
func NewEncoder(numLayers int, newLayer func() *EncoderLayer, norm *nn.LayerNorm) *Encoder {
	if numLayers <= 0 || newLayer == nil {
		panic(fmt.Sprintf("attention.NewEncoder: invalid numLayers %d or nil newLayer; want a positive count and a constructor such as func() *EncoderLayer { return NewEncoderLayer(64, 4, rng) }", numLayers))
	}
	e := &Encoder{Norm: norm}
	for i := range numLayers {
		l := newLayer()
		if l == nil {
			panic(fmt.Sprintf("attention.NewEncoder: newLayer returned nil for layer %d", i))
		}
		e.Layers = append(e.Layers, l)
	}
	return e
}

// Forward applies every layer in turn to x of shape [batch, seq, dModel],
// then the final norm, without masks.
func (e *Encoder) Forward(x *autodiff.Value) *autodiff.Value {
	return e.ForwardMasked(x, Masks{})
}

// ForwardMasked is Forward with the same masks passed to every layer's
// self-attention, such as a key padding mask.
func (e *Encoder) ForwardMasked(x *autodiff.Value, masks Masks) *autodiff.Value {
	for _, l := range e.Layers {
		x = l.ForwardMasked(x, masks)
	}
	if e.Norm != nil {
		x = e.Norm.Forward(x)
	}
	return x
}

// Params returns "layers.0.…", "layers.1.…" and so on, then "norm.weight"
// and "norm.bias" when there is a final norm, as PyTorch names them.
func (e *Encoder) Params() []nn.Param {
	var ps []nn.Param
	for i, l := range e.Layers {
		ps = append(ps, nn.Prefix("layers."+strconv.Itoa(i), l.Params())...)
	}
	if e.Norm != nil {
		ps = append(ps, nn.Prefix("norm", e.Norm.Params())...)
	}
	return ps
}

// SetTraining passes the mode on to every layer.
func (e *Encoder) SetTraining(training bool) {
	for _, l := range e.Layers {
		l.SetTraining(training)
	}
}
