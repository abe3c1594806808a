package attention

import (
	"fmt"
	"math/rand/v2"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
)

// EncoderLayer is one transformer encoder block, as PyTorch's
// nn.TransformerEncoderLayer with batch_first=True: self-attention and a
// two-layer feed-forward network, each wrapped in dropout, a residual
// connection and layer normalisation. With post-norm (the default, as in
// the original transformer):
//
//	x = norm1(x + dropout1(selfAttn(x)))
//	x = norm2(x + dropout2(linear2(dropout(activation(linear1(x))))))
//
// With WithNormFirst (pre-norm), each sublayer takes the normalised input
// and the residual connection bypasses the norm:
//
//	x = x + dropout1(selfAttn(norm1(x)))
//	x = x + dropout2(linear2(dropout(activation(linear1(norm2(x))))))
//
// A new layer starts in training mode; call SetTraining(false) or
// nn.SetTraining to evaluate.
type EncoderLayer struct {
	SelfAttn                    *MultiHead
	Linear1, Linear2            *nn.Dense
	Norm1, Norm2                *nn.LayerNorm
	Dropout, Dropout1, Dropout2 *nn.Dropout
	// Activation is applied between Linear1 and Linear2 (default ReLU).
	Activation nn.Module
	// NormFirst selects pre-norm (true) or post-norm (false).
	NormFirst bool
}

// EncoderOption configures NewEncoderLayer and NewDecoderLayer.
type EncoderOption func(*encoderConfig)

type encoderConfig struct {
	feedForward int
	dropout     float64
	activation  nn.Module
	eps         float64
	normFirst   bool
}

// WithFeedForward sets the hidden size of the feed-forward network
// (default 2048, as PyTorch's dim_feedforward).
func WithFeedForward(size int) EncoderOption {
	return func(c *encoderConfig) { c.feedForward = size }
}

// WithEncoderDropout sets the dropout probability used after attention,
// inside the feed-forward network and on the attention weights (default
// 0.1, as PyTorch's dropout).
func WithEncoderDropout(p float64) EncoderOption {
	return func(c *encoderConfig) { c.dropout = p }
}

// WithActivation sets the feed-forward activation (default nn.ReLU{}); pass
// nn.GELU{} for activation="gelu".
func WithActivation(activation nn.Module) EncoderOption {
	return func(c *encoderConfig) { c.activation = activation }
}

// WithLayerNormEps sets the epsilon of every layer norm of the layer
// (default 1e-5).
func WithLayerNormEps(eps float64) EncoderOption {
	return func(c *encoderConfig) { c.eps = eps }
}

// WithNormFirst selects pre-norm, norm_first=True in PyTorch: each
// sublayer normalises its input instead of its output. Pre-norm stacks
// usually train more stably without learning-rate warm-up.
func WithNormFirst() EncoderOption {
	return func(c *encoderConfig) { c.normFirst = true }
}

// NewEncoderLayer returns an encoder layer over dModel features with heads
// attention heads. Its weights and every dropout mask come from rng. The
// linear layers use PyTorch's nn.Linear initialisation and the attention
// NewMultiHead's. It panics on sizes that are not positive, dModel not
// divisible by heads, a dropout outside [0, 1), a nil activation or a nil
// rng.
func NewEncoderLayer(dModel, heads int, rng *rand.Rand, opts ...EncoderOption) *EncoderLayer {
	cfg := encoderConfig{feedForward: 2048, dropout: 0.1, activation: nn.ReLU{}, eps: 1e-5}
	for _, opt := range opts {
		opt(&cfg)
	}
	checkLayerConfig("attention.NewEncoderLayer", dModel, heads, rng, &cfg)

	l := &EncoderLayer{
		SelfAttn:   NewMultiHead(dModel, heads, rng, WithDropout(cfg.dropout)),
		Linear1:    nn.NewDense(dModel, cfg.feedForward, rng),
		Linear2:    nn.NewDense(cfg.feedForward, dModel, rng),
		Norm1:      nn.NewLayerNorm(dModel),
		Norm2:      nn.NewLayerNorm(dModel),
		Dropout:    nn.NewDropout(cfg.dropout, rng),
		Dropout1:   nn.NewDropout(cfg.dropout, rng),
		Dropout2:   nn.NewDropout(cfg.dropout, rng),
		Activation: cfg.activation,
		NormFirst:  cfg.normFirst,
	}
	l.Norm1.Eps, l.Norm2.Eps = cfg.eps, cfg.eps
	return l
}

// Forward applies the layer to x of shape [batch, seq, dModel] without
// masks.
func (l *EncoderLayer) Forward(x *autodiff.Value) *autodiff.Value {
	return l.ForwardMasked(x, Masks{})
}

// ForwardMasked applies the layer with masks on the self-attention, such as
// a key padding mask that hides padded tokens (see Masks).
//
// NOTE: the outputs at padded positions are still computed, from the
// unpadded keys, as in PyTorch; callers pooling over tokens must leave them
// out themselves.
func (l *EncoderLayer) ForwardMasked(x *autodiff.Value, masks Masks) *autodiff.Value {
	xs := x.Shape()
	if len(xs) != 3 || xs[2] != l.SelfAttn.EmbedDim() {
		panic(fmt.Sprintf("attention.EncoderLayer: input shape %v, want [batch, seq, %d]", xs, l.SelfAttn.EmbedDim()))
	}
	if l.NormFirst {
		x = autodiff.Add(x, l.selfAttention(l.Norm1.Forward(x), masks))
		return autodiff.Add(x, l.feedForward(l.Norm2.Forward(x)))
	}
	x = l.Norm1.Forward(autodiff.Add(x, l.selfAttention(x, masks)))
	return l.Norm2.Forward(autodiff.Add(x, l.feedForward(x)))
}

func (l *EncoderLayer) selfAttention(x *autodiff.Value, masks Masks) *autodiff.Value {
	out, _ := l.SelfAttn.ForwardMasked(x, x, x, masks, false)
	return l.Dropout1.Forward(out)
}

func (l *EncoderLayer) feedForward(x *autodiff.Value) *autodiff.Value {
	h := l.Dropout.Forward(l.Activation.Forward(l.Linear1.Forward(x)))
	return l.Dropout2.Forward(l.Linear2.Forward(h))
}

// Params returns the parameters under PyTorch's child names:
// "self_attn.…", "linear1.…", "linear2.…", "norm1.…" and "norm2.…".
func (l *EncoderLayer) Params() []nn.Param {
	var ps []nn.Param
	ps = append(ps, nn.Prefix("self_attn", l.SelfAttn.Params())...)
	ps = append(ps, nn.Prefix("linear1", l.Linear1.Params())...)
	ps = append(ps, nn.Prefix("linear2", l.Linear2.Params())...)
	ps = append(ps, nn.Prefix("norm1", l.Norm1.Params())...)
	ps = append(ps, nn.Prefix("norm2", l.Norm2.Params())...)
	return ps
}

// SetTraining switches every dropout, attention dropout included, on
// (true) or off (false).
func (l *EncoderLayer) SetTraining(training bool) {
	l.SelfAttn.SetTraining(training)
	for _, d := range []*nn.Dropout{l.Dropout, l.Dropout1, l.Dropout2} {
		d.SetTraining(training)
	}
	nn.SetTraining(l.Activation, training)
}

// String describes the layer, such as
// "EncoderLayer(dModel=64, heads=4, feedForward=128, post-norm)".
func (l *EncoderLayer) String() string {
	norm := "post-norm"
	if l.NormFirst {
		norm = "pre-norm"
	}
	return fmt.Sprintf("EncoderLayer(dModel=%d, heads=%d, feedForward=%d, dropout=%g, %s)",
		l.SelfAttn.EmbedDim(), l.SelfAttn.Heads(), l.Linear1.Out(), l.Dropout.P(), norm)
}
