package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/heed-ml/heed/attention"
	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
)

// The sizes of the -model transformer trunk. Each 36×36 composite is read
// as 36 row tokens of 36 pixels.
const (
	transformerRows        = 36  // tokens per image
	transformerCols        = 36  // pixels per token
	transformerDModel      = 64  // features per token inside the encoder, and of the trunk output
	transformerHeads       = 4   // attention heads per layer
	transformerFeedForward = 128 // hidden size of each layer's feed-forward network
	transformerLayers      = 2   // encoder layers
	transformerDropout     = 0.1 // dropout after attention, in the feed-forward network and on the attention weights
)

// rowTransformer is the trunk of -model transformer. It projects each
// pixel row of a [batch, 1, 36, 36] image to a 64-feature token, adds
// sinusoidal positions, runs a post-norm transformer encoder and averages
// the tokens into a [batch, 64] feature vector.
type rowTransformer struct {
	embed     *nn.Dense          // [batch, 36, 36] → [batch, 36, 64]
	positions *autodiff.Value    // [36, 64], a constant broadcast over the batch
	encoder   *attention.Encoder // [batch, 36, 64] → [batch, 36, 64]
}

// newRowTransformer returns the trunk of -model transformer. Its weights
// and, later, its dropout masks come from rng, so one seed reproduces a
// run bit for bit.
func newRowTransformer(rng *rand.Rand) *rowTransformer {
	return &rowTransformer{
		embed:     nn.NewDense(transformerCols, transformerDModel, rng),
		positions: autodiff.Const(attention.SinusoidalPositions(transformerRows, transformerDModel)),
		encoder: attention.NewEncoder(transformerLayers, func() *attention.EncoderLayer {
			return attention.NewEncoderLayer(transformerDModel, transformerHeads, rng,
				attention.WithFeedForward(transformerFeedForward),
				attention.WithEncoderDropout(transformerDropout))
		}, nil),
	}
}

// Forward maps images [batch, 1, 36, 36] to pooled features [batch, 64].
// It panics, naming the shape, on any other input.
func (t *rowTransformer) Forward(x *autodiff.Value) *autodiff.Value {
	s := x.Shape()
	if len(s) != 4 || s[1] != 1 || s[2] != transformerRows || s[3] != transformerCols {
		panic(fmt.Sprintf("rowTransformer: input shape %v, want [batch, 1, %d, %d]", s, transformerRows, transformerCols))
	}
	tokens := autodiff.Reshape(x, s[0], transformerRows, transformerCols)
	h := autodiff.Add(t.embed.Forward(tokens), t.positions)
	h = t.encoder.Forward(h)
	return autodiff.Mean(h, 1, false)
}

// Params returns "embed.weight", "embed.bias", then the encoder's
// parameters under "encoder.layers.N.…".
func (t *rowTransformer) Params() []nn.Param {
	ps := nn.Prefix("embed", t.embed.Params())
	return append(ps, nn.Prefix("encoder", t.encoder.Params())...)
}

// SetTraining turns the encoder's dropout on (true) or off (false).
func (t *rowTransformer) SetTraining(training bool) { t.encoder.SetTraining(training) }

var (
	_ nn.Module         = (*rowTransformer)(nil)
	_ nn.TrainingSetter = (*rowTransformer)(nil)
)
