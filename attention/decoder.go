package attention

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
)

// Decoder is a stack of decoder layers with an optional final layer norm,
// as PyTorch's nn.TransformerDecoder. Like DecoderLayer it is not an
// nn.Module, because Forward takes the target and the memory.
//
// NOTE: PyTorch's TransformerDecoder deep-copies one layer, so all its
// layers start with the same weights. NewDecoder calls newLayer once per
// layer instead, so each layer gets its own random draw. To start from
// PyTorch's point, pass a newLayer that returns copies of one layer.
type Decoder struct {
	Layers []*DecoderLayer
	// Norm is applied after the last layer, or nil for none. Pre-norm
	// stacks usually want one, because their last layer's output is not
	// normalised.
	Norm *nn.LayerNorm
}

// NewDecoder returns a decoder of numLayers layers, each built by
// newLayer, followed by norm (which may be nil). It panics if numLayers is
// not positive, newLayer is nil or returns nil, the layers differ in
// dModel, or norm does not normalise [dModel].
func NewDecoder(numLayers int, newLayer func() *DecoderLayer, norm *nn.LayerNorm) *Decoder {
	if numLayers <= 0 || newLayer == nil {
		panic(fmt.Sprintf("attention.NewDecoder: invalid numLayers %d or nil newLayer; want a positive count and a constructor such as func() *DecoderLayer { return NewDecoderLayer(64, 4, rng) }", numLayers))
	}
	d := &Decoder{Norm: norm}
	for i := range numLayers {
		l := newLayer()
		if l == nil {
			panic(fmt.Sprintf("attention.NewDecoder: newLayer returned nil for layer %d", i))
		}
		if i > 0 && l.SelfAttn.EmbedDim() != d.Layers[0].SelfAttn.EmbedDim() {
			panic(fmt.Sprintf("attention.NewDecoder: layer %d has dModel %d, layer 0 has dModel %d; all layers must have the same dModel",
				i, l.SelfAttn.EmbedDim(), d.Layers[0].SelfAttn.EmbedDim()))
		}
		d.Layers = append(d.Layers, l)
	}
	if dModel := d.Layers[0].SelfAttn.EmbedDim(); norm != nil && !slices.Equal(norm.Weight.Shape(), []int{dModel}) {
		panic(fmt.Sprintf("attention.NewDecoder: final norm has weight shape %v, want [%d] for the layers' dModel %d", norm.Weight.Shape(), dModel, dModel))
	}
	return d
}

// Forward applies every layer in turn to target of shape
// [batch, seqT, dModel], each attending to the same memory of shape
// [batch, seqM, dModel], then the final norm, without masks.
func (d *Decoder) Forward(target, memory *autodiff.Value) *autodiff.Value {
	return d.ForwardMasked(target, memory, Masks{}, Masks{})
}

// ForwardMasked is Forward with the same selfMasks and crossMasks passed to
// every layer (see DecoderLayer.ForwardMasked), such as Masks{Causal: true}
// for the target and a key padding mask for the memory.
func (d *Decoder) ForwardMasked(target, memory *autodiff.Value, selfMasks, crossMasks Masks) *autodiff.Value {
	x := target
	for _, l := range d.Layers {
		x = l.ForwardMasked(x, memory, selfMasks, crossMasks)
	}
	if d.Norm != nil {
		x = d.Norm.Forward(x)
	}
	return x
}

// Params returns "layers.0.…", "layers.1.…" and so on, then "norm.weight"
// and "norm.bias" when there is a final norm, as PyTorch names them.
func (d *Decoder) Params() []nn.Param {
	var ps []nn.Param
	for i, l := range d.Layers {
		ps = append(ps, nn.Prefix("layers."+strconv.Itoa(i), l.Params())...)
	}
	if d.Norm != nil {
		ps = append(ps, nn.Prefix("norm", d.Norm.Params())...)
	}
	return ps
}

// SetTraining passes the mode on to every layer.
func (d *Decoder) SetTraining(training bool) {
	for _, l := range d.Layers {
		l.SetTraining(training)
	}
}
