package attention

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/tensor"
)

// SinusoidalPositions returns the fixed position encoding of Vaswani et
// al. (2017), "Attention Is All You Need", as a [seq, dim] tensor:
//
//	PE[pos, 2i]   = sin(pos / 10000^(2i/dim))
//	PE[pos, 2i+1] = cos(pos / 10000^(2i/dim))
//
// Add it to a [batch, seq, dim] input (autodiff.Add broadcasts it over the
// batch) so attention, which ignores order, can tell positions apart. An
// odd dim ends with a sine column. It panics if seq or dim is not
// positive.
func SinusoidalPositions(seq, dim int) *tensor.Tensor {
	if seq <= 0 || dim <= 0 {
		panic(fmt.Sprintf("attention.SinusoidalPositions: invalid size seq %d, dim %d; both must be positive", seq, dim))
	}
	pe := tensor.Zeros(seq, dim)
	d := pe.Data()
	for pos := range seq {
		for i := 0; i < dim; i += 2 {
			angle := float64(pos) / math.Pow(10000, float64(i)/float64(dim))
			d[pos*dim+i] = float32(math.Sin(angle))
			if i+1 < dim {
				d[pos*dim+i+1] = float32(math.Cos(angle))
			}
		}
	}
	return pe
}

// LearnedPositions adds a learned vector per position to its input, as
// BERT and ViT do instead of the sinusoidal encoding. The vectors are the
// rows of an nn.Embedding.
type LearnedPositions struct {
	Table *nn.Embedding
}

// NewLearnedPositions returns learned positions for sequences of up to
// maxSeq tokens of dim features, drawn from N(0, 1) as nn.Embedding's
// rows. It panics if a size is not positive or rng is nil.
func NewLearnedPositions(maxSeq, dim int, rng *rand.Rand) *LearnedPositions {
	return &LearnedPositions{Table: nn.NewEmbedding(maxSeq, dim, rng)}
}

// Forward returns x + the first seq rows of the table for x of shape
// [batch, seq, dim]. It panics if x has another rank or feature size, or
// more than maxSeq tokens.
func (p *LearnedPositions) Forward(x *autodiff.Value) *autodiff.Value {
	xs := x.Shape()
	maxSeq, dim := p.Table.NumEmbeddings(), p.Table.Dim()
	if len(xs) != 3 || xs[2] != dim || xs[1] > maxSeq {
		panic(fmt.Sprintf("attention.LearnedPositions: input shape %v, want [batch, seq ≤ %d, %d]", xs, maxSeq, dim))
	}
	positions := make([]int, xs[1])
	for i := range positions {
		positions[i] = i
	}
	return autodiff.Add(x, p.Table.Lookup(positions))
}

// Params returns "table.weight".
func (p *LearnedPositions) Params() []nn.Param { return nn.Prefix("table", p.Table.Params()) }
