package attention

import (
	"fmt"
	"math/rand/v2"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
)

// DecoderLayer is one transformer decoder block, as PyTorch's
// nn.TransformerDecoderLayer with batch_first=True: masked self-attention
// over the target, cross-attention from the target (queries) to the encoder
// output, called memory (keys and values), and a two-layer feed-forward
// network, each wrapped in dropout, a residual connection and layer
// normalisation. With post-norm (the default, as in the original
// transformer):
//
//	x = norm1(x + dropout1(selfAttn(x)))
//	x = norm2(x + dropout2(crossAttn(x, memory)))
//	x = norm3(x + dropout3(linear2(dropout(activation(linear1(x))))))
//
// With WithNormFirst (pre-norm), each sublayer takes the normalised input
// and the residual connection bypasses the norm; memory is not normalised:
//
//	x = x + dropout1(selfAttn(norm1(x)))
//	x = x + dropout2(crossAttn(norm2(x), memory))
//	x = x + dropout3(linear2(dropout(activation(linear1(norm3(x))))))
//
// DecoderLayer is not an nn.Module, because Forward takes two inputs, the
// target and the memory, and nn.Module's Forward takes one. It still has
// Params and SetTraining (so it is an nn.TrainingSetter), and its Params go
// to the optimisers and nn.SaveCheckpoint as a module's do.
//
// A new layer starts in training mode; call SetTraining(false) to evaluate.
type DecoderLayer struct {
	// SelfAttn attends from the target to itself.
	SelfAttn *MultiHead
	// CrossAttn attends from the target to the memory. PyTorch calls it
	// multihead_attn.
	CrossAttn                             *MultiHead
	Linear1, Linear2                      *nn.Dense
	Norm1, Norm2, Norm3                   *nn.LayerNorm
	Dropout, Dropout1, Dropout2, Dropout3 *nn.Dropout
	// Activation is applied between Linear1 and Linear2 (default ReLU).
	Activation nn.Module
	// NormFirst selects pre-norm (true) or post-norm (false).
	NormFirst bool
}

// NewDecoderLayer returns a decoder layer over dModel features with heads
// attention heads in both attentions. Its weights and every dropout mask
// come from rng. The linear layers use PyTorch's nn.Linear initialisation
// and the attentions NewMultiHead's.
//
// It takes the encoder's options, because the two layers have the same
// settings with the same defaults. WithFeedForward sets the hidden size
// (2048) and WithEncoderDropout every dropout (0.1): after both
// attentions, inside the feed-forward network and on the attention
// weights. WithActivation sets the activation (ReLU), WithLayerNormEps the
// eps of all three norms (1e-5), and WithNormFirst selects pre-norm.
//
// It panics on sizes that are not positive, dModel not divisible by heads,
// a dropout outside [0, 1), a nil activation, an eps that is not positive
// or a nil rng.
func NewDecoderLayer(dModel, heads int, rng *rand.Rand, opts ...EncoderOption) *DecoderLayer {
	cfg := encoderConfig{feedForward: 2048, dropout: 0.1, activation: nn.ReLU{}, eps: 1e-5}
	for _, opt := range opts {
		opt(&cfg)
	}
	checkLayerConfig("attention.NewDecoderLayer", dModel, heads, rng, &cfg)

	// The fields are built in the order PyTorch registers them, so the
	// weights are drawn from rng in Params order.
	l := &DecoderLayer{
		SelfAttn:   NewMultiHead(dModel, heads, rng, WithDropout(cfg.dropout)),
		CrossAttn:  NewMultiHead(dModel, heads, rng, WithDropout(cfg.dropout)),
		Linear1:    nn.NewDense(dModel, cfg.feedForward, rng),
		Linear2:    nn.NewDense(cfg.feedForward, dModel, rng),
		Norm1:      nn.NewLayerNorm(dModel),
		Norm2:      nn.NewLayerNorm(dModel),
		Norm3:      nn.NewLayerNorm(dModel),
		Dropout:    nn.NewDropout(cfg.dropout, rng),
		Dropout1:   nn.NewDropout(cfg.dropout, rng),
		Dropout2:   nn.NewDropout(cfg.dropout, rng),
		Dropout3:   nn.NewDropout(cfg.dropout, rng),
		Activation: cfg.activation,
		NormFirst:  cfg.normFirst,
	}
	l.Norm1.Eps, l.Norm2.Eps, l.Norm3.Eps = cfg.eps, cfg.eps, cfg.eps
	return l
}

// checkLayerConfig panics, naming op, when the sizes or options of an
// encoder or decoder layer are invalid.
func checkLayerConfig(op string, dModel, heads int, rng *rand.Rand, cfg *encoderConfig) {
	switch {
	case dModel <= 0 || heads <= 0 || cfg.feedForward <= 0:
		panic(fmt.Sprintf("%s: invalid sizes dModel %d, heads %d, feed-forward %d; all must be positive", op, dModel, heads, cfg.feedForward))
	case dModel%heads != 0:
		panic(fmt.Sprintf("%s: dModel %d is not divisible by heads %d; choose a head count that divides dModel", op, dModel, heads))
	case !(cfg.dropout >= 0 && cfg.dropout < 1):
		panic(fmt.Sprintf("%s: invalid dropout %v; want a probability in [0, 1)", op, cfg.dropout))
	case rng == nil:
		panic(op + ": nil *rand.Rand; pass a seeded generator such as rand.New(rand.NewPCG(seed, 0))")
	case cfg.activation == nil:
		panic(op + ": nil activation; pass a module such as nn.ReLU{} or nn.GELU{}")
	case !(cfg.eps > 0):
		panic(fmt.Sprintf("%s: invalid layer norm eps %v; want a positive value", op, cfg.eps))
	}
}

// Forward applies the layer to target of shape [batch, seqT, dModel] and
// memory of shape [batch, seqM, dModel], the encoder output, without masks.
// It returns [batch, seqT, dModel]. For autoregressive decoding use
// ForwardMasked with Masks{Causal: true} for the self-attention.
func (l *DecoderLayer) Forward(target, memory *autodiff.Value) *autodiff.Value {
	return l.ForwardMasked(target, memory, Masks{}, Masks{})
}

// ForwardMasked is Forward with selfMasks on the self-attention over the
// target and crossMasks on the cross-attention from target to memory (see
// Masks). selfMasks takes PyTorch's tgt_mask (Mask or MaskedOut, seqT×seqT),
// tgt_key_padding_mask (KeyPaddingMask, batch×seqT) and tgt_is_causal
// (Causal). crossMasks takes memory_mask (seqT×seqM) and
// memory_key_padding_mask (KeyPaddingMask, batch×seqM).
//
// NOTE: the outputs at padded target positions are still computed, as in
// PyTorch; callers computing a loss over tokens must leave them out
// themselves.
//
// It panics, naming the shapes, when target or memory is not
// [batch, seq, dModel] or their batch sizes differ.
func (l *DecoderLayer) ForwardMasked(target, memory *autodiff.Value, selfMasks, crossMasks Masks) *autodiff.Value {
	ts, ms := target.Shape(), memory.Shape()
	d := l.SelfAttn.EmbedDim()
	if len(ts) != 3 || len(ms) != 3 || ts[2] != d || ms[2] != d || ts[0] != ms[0] {
		panic(fmt.Sprintf("attention.DecoderLayer: target shape %v, memory shape %v; want [batch, seqT, %d] and [batch, seqM, %d] with the same batch",
			ts, ms, d, d))
	}
	x := target
	if l.NormFirst {
		x = autodiff.Add(x, l.selfAttention(l.Norm1.Forward(x), selfMasks))
		x = autodiff.Add(x, l.crossAttention(l.Norm2.Forward(x), memory, crossMasks))
		return autodiff.Add(x, l.feedForward(l.Norm3.Forward(x)))
	}
	x = l.Norm1.Forward(autodiff.Add(x, l.selfAttention(x, selfMasks)))
	x = l.Norm2.Forward(autodiff.Add(x, l.crossAttention(x, memory, crossMasks)))
	return l.Norm3.Forward(autodiff.Add(x, l.feedForward(x)))
}

func (l *DecoderLayer) selfAttention(x *autodiff.Value, masks Masks) *autodiff.Value {
	out, _ := l.SelfAttn.ForwardMasked(x, x, x, masks, false)
	return l.Dropout1.Forward(out)
}

func (l *DecoderLayer) crossAttention(x, memory *autodiff.Value, masks Masks) *autodiff.Value {
	out, _ := l.CrossAttn.ForwardMasked(x, memory, memory, masks, false)
	return l.Dropout2.Forward(out)
}

func (l *DecoderLayer) feedForward(x *autodiff.Value) *autodiff.Value {
	h := l.Dropout.Forward(l.Activation.Forward(l.Linear1.Forward(x)))
	return l.Dropout3.Forward(l.Linear2.Forward(h))
}

// Params returns the parameters under PyTorch's child names:
// "self_attn.…", "multihead_attn.…" (CrossAttn), "linear1.…", "linear2.…",
// "norm1.…", "norm2.…" and "norm3.…".
func (l *DecoderLayer) Params() []nn.Param {
	var ps []nn.Param
	ps = append(ps, nn.Prefix("self_attn", l.SelfAttn.Params())...)
	ps = append(ps, nn.Prefix("multihead_attn", l.CrossAttn.Params())...)
	ps = append(ps, nn.Prefix("linear1", l.Linear1.Params())...)
	ps = append(ps, nn.Prefix("linear2", l.Linear2.Params())...)
	ps = append(ps, nn.Prefix("norm1", l.Norm1.Params())...)
	ps = append(ps, nn.Prefix("norm2", l.Norm2.Params())...)
	ps = append(ps, nn.Prefix("norm3", l.Norm3.Params())...)
	return ps
}

// SetTraining switches every dropout, attention dropout included, on
// (true) or off (false).
func (l *DecoderLayer) SetTraining(training bool) {
	l.SelfAttn.SetTraining(training)
	l.CrossAttn.SetTraining(training)
	for _, d := range []*nn.Dropout{l.Dropout, l.Dropout1, l.Dropout2, l.Dropout3} {
		d.SetTraining(training)
	}
	nn.SetTraining(l.Activation, training)
}

// String describes the layer, such as
// "DecoderLayer(dModel=64, heads=4, feedForward=128, dropout=0.1, post-norm)".
func (l *DecoderLayer) String() string {
	norm := "post-norm"
	if l.NormFirst {
		norm = "pre-norm"
	}
	return fmt.Sprintf("DecoderLayer(dModel=%d, heads=%d, feedForward=%d, dropout=%g, %s)",
		l.SelfAttn.EmbedDim(), l.SelfAttn.Heads(), l.Linear1.Out(), l.Dropout.P(), norm)
}
